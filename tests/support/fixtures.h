// Test fixtures written to disk and rendered with Debian tools during the test run.
#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace sonance::test {

// A fresh directory under the system temp dir, removed when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// Writes mono 16-bit PCM WAV.
void WriteWav(const std::filesystem::path& path, std::span<const float> samples, int rate);

// Reads a PCM16 / PCM24 / float32 WAV and downmixes to mono. Returns the samples and sets
// *rate. Throws std::runtime_error on an unsupported file (a test bug, not a product path).
std::vector<float> ReadWav(const std::filesystem::path& path, int* rate);

// Runs a shell command; returns its exit status. Output goes to the test log.
int RunCommand(const std::string& command);

// Runs a command and returns its standard output; *status receives the exit status.
std::string CaptureCommand(const std::string& command, int* status);

// What a command printed and how it ended.
struct CommandRun {
  int status = -1;
  std::string out;
  std::string err;
};

// Runs a shell command with no standard input, capturing stdout and stderr apart.
CommandRun RunCapturing(const std::string& command);

// True if `tool` is on PATH.
bool HaveTool(const std::string& tool);

// Renders an ABC tune (full text, with X: header) to a mono WAV at `rate` using abc2midi and
// fluidsynth with the FluidR3 GM soundfont. Returns false (and logs) when rendering fails.
bool RenderAbc(const std::string& abc, const std::filesystem::path& wav, int rate);

// Speaks `text` with espeak-ng into a WAV (espeak's native 22,050 Hz mono).
bool Speak(const std::string& text, const std::filesystem::path& wav,
           const std::string& voice = "en-us", int words_per_minute = 160);

// Shell-quotes a string for /bin/sh.
std::string ShellQuote(const std::string& s);

}  // namespace sonance::test
