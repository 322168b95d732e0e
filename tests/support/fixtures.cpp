#include "support/fixtures.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <random>
#include <stdexcept>

namespace sonance::test {
namespace fs = std::filesystem;

TempDir::TempDir() {
  std::random_device rd;
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto p = fs::temp_directory_path() /
             ("sonance-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    std::error_code ec;
    if (fs::create_directory(p, ec)) {
      path_ = p;
      return;
    }
  }
  throw std::runtime_error("cannot create a temporary directory");
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

namespace {
void PutLE(std::ofstream& out, std::uint32_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.put(static_cast<char>((v >> (8 * i)) & 0xff));
}
std::uint32_t GetLE(const unsigned char* p, int bytes) {
  std::uint32_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= static_cast<std::uint32_t>(p[i]) << (8 * i);
  return v;
}
}  // namespace

void WriteWav(const fs::path& path, std::span<const float> samples, int rate) {
  std::ofstream out(path, std::ios::binary);
  if (!out) throw std::runtime_error("cannot write " + path.string());
  const std::uint32_t data_bytes = static_cast<std::uint32_t>(samples.size() * 2);
  out.write("RIFF", 4);
  PutLE(out, 36 + data_bytes, 4);
  out.write("WAVEfmt ", 8);
  PutLE(out, 16, 4);
  PutLE(out, 1, 2);  // PCM
  PutLE(out, 1, 2);  // mono
  PutLE(out, static_cast<std::uint32_t>(rate), 4);
  PutLE(out, static_cast<std::uint32_t>(rate * 2), 4);
  PutLE(out, 2, 2);
  PutLE(out, 16, 2);
  out.write("data", 4);
  PutLE(out, data_bytes, 4);
  for (float s : samples) {
    const float c = std::clamp(s, -1.0f, 1.0f);
    const auto v = static_cast<std::int16_t>(std::lround(c * 32767.0f));
    PutLE(out, static_cast<std::uint16_t>(v), 2);
  }
}

std::vector<float> ReadWav(const fs::path& path, int* rate) {
  std::ifstream in(path, std::ios::binary);
  std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)), {});
  if (bytes.size() < 12 || std::memcmp(bytes.data(), "RIFF", 4) != 0 ||
      std::memcmp(bytes.data() + 8, "WAVE", 4) != 0) {
    throw std::runtime_error("not a WAV file: " + path.string());
  }
  int format = 0, channels = 0, bits = 0;
  std::size_t pos = 12;
  while (pos + 8 <= bytes.size()) {
    const std::uint32_t size = GetLE(&bytes[pos + 4], 4);
    const unsigned char* body = &bytes[pos + 8];
    if (std::memcmp(&bytes[pos], "fmt ", 4) == 0) {
      format = static_cast<int>(GetLE(body, 2));
      channels = static_cast<int>(GetLE(body + 2, 2));
      *rate = static_cast<int>(GetLE(body + 4, 4));
      bits = static_cast<int>(GetLE(body + 14, 2));
      if (format == 0xFFFE && size >= 26) format = static_cast<int>(GetLE(body + 24, 2));
    } else if (std::memcmp(&bytes[pos], "data", 4) == 0) {
      if (channels <= 0) throw std::runtime_error("WAV data before fmt: " + path.string());
      const std::size_t avail = std::min<std::size_t>(size, bytes.size() - pos - 8);
      const int bps = bits / 8;
      const std::size_t frames = avail / (bps * channels);
      std::vector<float> out(frames, 0.0f);
      for (std::size_t f = 0; f < frames; ++f) {
        double sum = 0.0;
        for (int c = 0; c < channels; ++c) {
          const unsigned char* p = body + (f * channels + c) * bps;
          if (format == 3 && bits == 32) {
            float v;
            std::memcpy(&v, p, 4);
            sum += v;
          } else if (format == 1 && bits == 16) {
            sum += static_cast<std::int16_t>(GetLE(p, 2)) / 32768.0;
          } else if (format == 1 && bits == 24) {
            std::int32_t v = static_cast<std::int32_t>(GetLE(p, 3) << 8) >> 8;
            sum += v / 8388608.0;
          } else {
            throw std::runtime_error("unsupported WAV encoding in " + path.string());
          }
        }
        out[f] = static_cast<float>(sum / channels);
      }
      return out;
    }
    pos += 8 + size + (size & 1);
  }
  throw std::runtime_error("WAV without data: " + path.string());
}

int RunCommand(const std::string& command) {
  const int rc = std::system(command.c_str());
  if (rc == -1) return -1;
  return WEXITSTATUS(rc);
}

std::string CaptureCommand(const std::string& command, int* status) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  if (!p) {
    *status = -1;
    return out;
  }
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  const int rc = ::pclose(p);
  *status = rc == -1 ? -1 : WEXITSTATUS(rc);
  return out;
}

CommandRun RunCapturing(const std::string& command) {
  TempDir tmp;
  const auto err_path = tmp / "stderr";
  CommandRun r;
  r.out =
      CaptureCommand(command + " 2>" + ShellQuote(err_path.string()) + " </dev/null", &r.status);
  std::ifstream in(err_path);
  r.err.assign(std::istreambuf_iterator<char>(in), {});
  return r;
}

bool HaveTool(const std::string& tool) {
  return RunCommand("command -v " + ShellQuote(tool) + " >/dev/null 2>&1") == 0;
}

std::string ShellQuote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'')
      q += "'\\''";
    else
      q += c;
  }
  return q + "'";
}

bool RenderAbc(const std::string& abc, const fs::path& wav, int rate) {
  const fs::path abc_path = fs::path(wav).replace_extension(".abc");
  const fs::path mid_path = fs::path(wav).replace_extension(".mid");
  {
    std::ofstream out(abc_path);
    out << abc;
  }
  const std::string sf2 = "/usr/share/sounds/sf2/FluidR3_GM.sf2";
  std::string cmd = "abc2midi " + ShellQuote(abc_path.string()) + " -o " +
                    ShellQuote(mid_path.string()) + " >/dev/null 2>&1";
  if (RunCommand(cmd) != 0 || !fs::exists(mid_path)) {
    std::cerr << "abc2midi failed for " << abc_path << "\n";
    return false;
  }
  cmd = "fluidsynth -ni -q -g 0.6 -F " + ShellQuote(wav.string()) + " -r " + std::to_string(rate) +
        " " + sf2 + " " + ShellQuote(mid_path.string()) + " >/dev/null 2>&1";
  if (RunCommand(cmd) != 0 || !fs::exists(wav)) {
    std::cerr << "fluidsynth failed for " << mid_path << "\n";
    return false;
  }
  return true;
}

bool Speak(const std::string& text, const fs::path& wav, const std::string& voice,
           int words_per_minute) {
  const std::string cmd = "espeak-ng -v " + ShellQuote(voice) + " -s " +
                          std::to_string(words_per_minute) + " -w " + ShellQuote(wav.string()) +
                          " " + ShellQuote(text) + " >/dev/null 2>&1";
  return RunCommand(cmd) == 0 && fs::exists(wav);
}

}  // namespace sonance::test
