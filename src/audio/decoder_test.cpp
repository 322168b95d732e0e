#include "sonance/audio/decoder.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "sonance/audio/tags.h"
#include "support/fixtures.h"
#include "support/signals.h"

namespace sonance {
namespace {

namespace fs = std::filesystem;

constexpr int kSourceRate = 44100;
constexpr double kToneHz = 440.0;
constexpr double kToneSeconds = 4.0;
constexpr float kToneAmplitude = 0.5f;
// Lossy codecs add encoder delay/padding that decoders mostly, not always, remove.
constexpr double kDurationTolerance = 0.05;

// Interleaved 16-bit PCM WAV with any number of equally long channels; the support
// library only writes mono.
void WriteWavChannels(const fs::path& path, const std::vector<std::vector<float>>& channels,
                      int rate) {
  std::ofstream out(path, std::ios::binary);
  const auto put = [&](std::uint32_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) out.put(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  const auto n_channels = static_cast<std::uint32_t>(channels.size());
  const std::size_t frames = channels.front().size();
  const auto data_bytes = static_cast<std::uint32_t>(frames * n_channels * 2);
  out.write("RIFF", 4);
  put(36 + data_bytes, 4);
  out.write("WAVEfmt ", 8);
  put(16, 4);
  put(1, 2);  // PCM
  put(n_channels, 2);
  put(static_cast<std::uint32_t>(rate), 4);
  put(static_cast<std::uint32_t>(rate) * n_channels * 2, 4);
  put(n_channels * 2, 2);
  put(16, 2);
  out.write("data", 4);
  put(data_bytes, 4);
  for (std::size_t f = 0; f < frames; ++f) {
    for (const auto& channel : channels) {
      const auto v =
          static_cast<std::int16_t>(std::lround(std::clamp(channel[f], -1.0f, 1.0f) * 32767.0f));
      put(static_cast<std::uint16_t>(v), 2);
    }
  }
}

// What a 16-bit PCM decoder gives back for x.
double Quantized(float x) {
  return std::lround(std::clamp(x, -1.0f, 1.0f) * 32767.0f) / 32768.0;
}

void WriteBytes(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string ReadBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// Runs ffmpeg quietly; true on success.
bool Ffmpeg(const std::string& args) {
  return test::RunCommand("ffmpeg -hide_banner -loglevel error -nostdin -y " + args) == 0;
}

std::string Q(const fs::path& p) {
  return test::ShellQuote(p.string());
}

// Stream types of a file, one per line ("audio\nvideo\n"), from ffprobe: checks that a
// fixture really has the shape the test relies on.
std::string StreamTypes(const fs::path& path) {
  int status = 0;
  return test::CaptureCommand(
      "ffprobe -v error -show_entries stream=codec_type -of csv=p=0 " + Q(path), &status);
}

// Frequency of a pure tone from its upward zero crossings (interpolated between samples):
// an estimate that shares nothing with the decoder.
double ZeroCrossingHz(std::span<const float> x, int rate) {
  double first = -1.0, last = -1.0;
  int crossings = 0;
  for (std::size_t i = 1; i < x.size(); ++i) {
    if (x[i - 1] < 0.0f && x[i] >= 0.0f) {
      const double t = static_cast<double>(i - 1) + x[i - 1] / (x[i - 1] - x[i]);
      if (first < 0) first = t;
      last = t;
      ++crossings;
    }
  }
  if (crossings < 2) return 0.0;
  return (crossings - 1) / ((last - first) / rate);
}

double Rms(std::span<const float> x) {
  if (x.empty()) return 0.0;
  double sum = 0.0;
  for (float v : x) sum += static_cast<double>(v) * v;
  return std::sqrt(sum / static_cast<double>(x.size()));
}

// The steady part of a decoded tone, away from codec start-up and tail effects.
std::span<const float> Middle(const AudioBuffer& audio, double margin_seconds = 0.3) {
  const auto margin = static_cast<std::size_t>(margin_seconds * audio.sample_rate);
  if (audio.samples.size() <= 2 * margin) return {};
  return std::span<const float>(audio.samples).subspan(margin, audio.samples.size() - 2 * margin);
}

// Lossless paths keep the level to within resampling ripple; LAME alone takes 0.45 dB off a
// 440 Hz tone (measured with ffmpeg's astats), so lossy formats get about 0.8 dB.
constexpr double kLosslessLevelTolerance = 0.01;
constexpr double kLossyLevelTolerance = 0.10;

void ExpectTone(const AudioBuffer& audio, double hz, double rms,
                double level_tolerance = kLossyLevelTolerance) {
  const auto middle = Middle(audio);
  ASSERT_FALSE(middle.empty());
  EXPECT_NEAR(ZeroCrossingHz(middle, audio.sample_rate), hz, hz * 0.005);
  EXPECT_NEAR(Rms(middle), rms, rms * level_tolerance);
}

struct Format {
  std::string ext;
  std::string encoder_args;
  std::string codec;   // SourceInfo::codec
  int source_rate;     // what the file holds
  bool half_decodes;   // a file cut in half still gives audio
  bool half_detected;  // the container declares a length that betrays the cut
  bool lossless;
};

std::ostream& operator<<(std::ostream& os, const Format& f) {
  return os << f.ext;
}

const std::vector<Format>& Formats() {
  static const std::vector<Format> formats = {
      {"wav", "-c:a pcm_s16le", "pcm_s16le", 44100, true, false, true},
      {"mp3", "-c:a libmp3lame -b:a 128k", "mp3", 44100, true, true, false},
      {"ogg", "-c:a libvorbis", "vorbis", 44100, true, false, false},
      {"opus", "-c:a libopus -b:a 96k", "opus", 48000, true, false, false},
      {"flac", "-c:a flac", "flac", 44100, true, true, true},
      {"aiff", "-c:a pcm_s16be", "pcm_s16be", 44100, true, true, true},
      // The mp4 index (moov) is written at the end by default: half a file has none.
      {"m4a", "-c:a aac -b:a 128k", "aac", 44100, false, false, false},
  };
  return formats;
}

// The 440 Hz tone at 44.1 kHz stereo as a file of the given format. Made on first use and
// kept for the process: CTest runs every test in its own process, so only what a test asks
// for is encoded.
fs::path ToneFile(const std::string& ext) {
  static std::mutex mutex;
  static test::TempDir dir;
  const std::lock_guard lock(mutex);
  const fs::path wav = dir / "tone.wav";
  if (!fs::exists(wav)) {
    const auto tone = test::Sine(kToneHz, kToneSeconds, kToneAmplitude, kSourceRate);
    WriteWavChannels(wav, {tone, tone}, kSourceRate);
  }
  const fs::path file = dir / ("tone." + ext);
  if (fs::exists(file)) return file;
  const auto format = std::find_if(Formats().begin(), Formats().end(),
                                   [&](const Format& f) { return f.ext == ext; });
  if (format == Formats().end() ||
      !Ffmpeg("-i " + Q(wav) + " " + format->encoder_args + " " + Q(file))) {
    ADD_FAILURE() << "ffmpeg could not make " << file;
  }
  return file;
}

class DecodeFormatTest : public ::testing::TestWithParam<Format> {};

TEST_P(DecodeFormatTest, DecodesToneToMonoAtAnalysisRate) {
  const Format& f = GetParam();
  const auto decoded = DecodeFile(ToneFile(f.ext));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  const AudioBuffer& audio = decoded->audio;
  EXPECT_EQ(audio.sample_rate, kAnalysisSampleRate);
  EXPECT_NEAR(audio.duration_seconds(), kToneSeconds, kDurationTolerance);
  ExpectTone(audio, kToneHz, kToneAmplitude / std::sqrt(2.0),
             f.lossless ? kLosslessLevelTolerance : kLossyLevelTolerance);

  const SourceInfo& source = decoded->source;
  EXPECT_EQ(source.codec, f.codec);
  EXPECT_FALSE(source.container.empty());
  EXPECT_EQ(source.sample_rate, f.source_rate);
  EXPECT_EQ(source.channels, 2);
  EXPECT_DOUBLE_EQ(source.duration_seconds, audio.duration_seconds());
  EXPECT_NEAR(source.declared_duration_seconds, kToneSeconds, 0.1);
  EXPECT_FALSE(source.truncated);
  EXPECT_EQ(source.bad_packets, 0);
}

TEST_P(DecodeFormatTest, FileCutInHalfGivesWhatIsThereOrCorrupt) {
  const Format& f = GetParam();
  test::TempDir dir;
  const fs::path cut = dir / ("half." + f.ext);
  const std::string bytes = ReadBytes(ToneFile(f.ext));
  WriteBytes(cut, bytes.substr(0, bytes.size() / 2));

  const auto decoded = DecodeFile(cut);
  if (!f.half_decodes) {
    ASSERT_FALSE(decoded.ok());
    EXPECT_EQ(decoded.status().code(), StatusCode::kCorrupt) << decoded.status().ToString();
    EXPECT_NE(decoded.status().message().find(cut.string()), std::string::npos);
    return;
  }
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  // Headers, padding and page boundaries make "half the bytes" somewhat less than half the
  // audio; it must be clearly less than the whole and still the tone.
  EXPECT_GT(decoded->audio.duration_seconds(), 0.9);
  EXPECT_LT(decoded->audio.duration_seconds(), 0.7 * kToneSeconds);
  ExpectTone(decoded->audio, kToneHz, kToneAmplitude / std::sqrt(2.0));
  if (f.half_detected) {
    EXPECT_TRUE(decoded->source.truncated);
  }
}

TEST_P(DecodeFormatTest, FileCutToItsFirst200BytesIsCorrupt) {
  const Format& f = GetParam();
  test::TempDir dir;
  const fs::path cut = dir / ("stub." + f.ext);
  WriteBytes(cut, ReadBytes(ToneFile(f.ext)).substr(0, 200));

  const auto decoded = DecodeFile(cut);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kCorrupt) << decoded.status().ToString();
  EXPECT_NE(decoded.status().message().find(cut.string()), std::string::npos)
      << decoded.status().message();
}

INSTANTIATE_TEST_SUITE_P(AllFormats, DecodeFormatTest, ::testing::ValuesIn(Formats()),
                         [](const auto& info) { return info.param.ext; });

TEST(DecodeFileTest, StereoDownmixIsTheMeanOfTheChannels) {
  test::TempDir dir;
  const auto left = test::Sine(kToneHz, 1.0, 0.6f, kSourceRate);
  const auto right = test::WhiteNoise(1.0, 0.3f, 42, kSourceRate);
  WriteWavChannels(dir / "lr.wav", {left, right}, kSourceRate);

  // At the file's own rate there is no resampling, so every sample can be checked by hand.
  const auto decoded = DecodeFile(dir / "lr.wav", {.sample_rate = kSourceRate});
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  const auto& out = decoded->audio.samples;
  ASSERT_EQ(out.size(), left.size());
  double worst = 0.0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const double expected = (Quantized(left[i]) + Quantized(right[i])) / 2.0;
    worst = std::max(worst, std::abs(out[i] - expected));
  }
  EXPECT_LT(worst, 1e-6);
}

TEST(DecodeFileTest, FourChannelDownmixIsTheMeanOfTheChannels) {
  test::TempDir dir;
  const std::vector<std::vector<float>> channels = {
      test::Sine(220.0, 0.5, 0.4f, kSourceRate), test::Sine(330.0, 0.5, 0.3f, kSourceRate),
      test::WhiteNoise(0.5, 0.2f, 7, kSourceRate), std::vector<float>(22050, 0.25f)};
  WriteWavChannels(dir / "quad.wav", channels, kSourceRate);

  const auto decoded = DecodeFile(dir / "quad.wav", {.sample_rate = kSourceRate});
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->source.channels, 4);
  const auto& out = decoded->audio.samples;
  ASSERT_EQ(out.size(), channels[0].size());
  double worst = 0.0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    double sum = 0.0;
    for (const auto& c : channels) sum += Quantized(c[i]);
    worst = std::max(worst, std::abs(out[i] - sum / 4.0));
  }
  EXPECT_LT(worst, 1e-6);
}

TEST(DecodeFileTest, OneSilentChannelHalvesTheAmplitude) {
  test::TempDir dir;
  const auto tone = test::Sine(kToneHz, 2.0, 0.6f, kSourceRate);
  WriteWavChannels(dir / "left_only.wav", {tone, std::vector<float>(tone.size(), 0.0f)},
                   kSourceRate);
  const auto decoded = DecodeFile(dir / "left_only.wav");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  // Mean of (s, 0) is s/2; FFmpeg's default downmix would give s/sqrt(2).
  ExpectTone(decoded->audio, kToneHz, 0.3 / std::sqrt(2.0), kLosslessLevelTolerance);
}

TEST(DecodeFileTest, ChannelsInOppositePhaseCancel) {
  test::TempDir dir;
  auto tone = test::Sine(kToneHz, 1.0, 0.5f, kSourceRate);
  auto inverted = tone;
  for (float& v : inverted) v = -v;
  WriteWavChannels(dir / "opposite.wav", {tone, inverted}, kSourceRate);
  const auto decoded = DecodeFile(dir / "opposite.wav");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_NEAR(decoded->audio.duration_seconds(), 1.0, 1e-3);
  EXPECT_LT(Rms(decoded->audio.samples), 1e-4);
}

TEST(DecodeFileTest, SilenceDecodesToZeros) {
  test::TempDir dir;
  test::WriteWav(dir / "silence.wav", test::Silence(1.5, kSourceRate), kSourceRate);
  const auto decoded = DecodeFile(dir / "silence.wav");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_NEAR(decoded->audio.duration_seconds(), 1.5, 1e-3);
  const auto& s = decoded->audio.samples;
  EXPECT_TRUE(std::all_of(s.begin(), s.end(), [](float v) { return v == 0.0f; }));
}

TEST(DecodeFileTest, ResamplesToTheRequestedRate) {
  for (int rate : {8000, 16000, 48000}) {
    const auto decoded = DecodeFile(ToneFile("ogg"), {.sample_rate = rate});
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    EXPECT_EQ(decoded->audio.sample_rate, rate);
    EXPECT_NEAR(decoded->audio.duration_seconds(), kToneSeconds, kDurationTolerance) << rate;
    ExpectTone(decoded->audio, kToneHz, kToneAmplitude / std::sqrt(2.0));
  }
}

TEST(DecodeFileTest, MaxSecondsStopsEarly) {
  const auto decoded = DecodeFile(ToneFile("flac"), {.max_seconds = 1.5});
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->audio.samples.size(), static_cast<std::size_t>(1.5 * kAnalysisSampleRate));
  EXPECT_FALSE(decoded->source.truncated);
  ExpectTone(decoded->audio, kToneHz, kToneAmplitude / std::sqrt(2.0));
}

TEST(DecodeFileTest, InvalidOptionsAreRejected) {
  const fs::path file = ToneFile("wav");
  for (int rate : {0, -22050, 7999, 192001}) {
    const auto decoded = DecodeFile(file, {.sample_rate = rate});
    EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument) << rate;
  }
  for (double max_seconds :
       {-1.0, std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
    const auto decoded = DecodeFile(file, {.max_seconds = max_seconds});
    EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument) << max_seconds;
  }
  EXPECT_TRUE(DecodeFile(file, {.sample_rate = 8000}).ok());
  EXPECT_TRUE(DecodeFile(file, {.sample_rate = 192000}).ok());
  const auto unlimited = DecodeFile(file, {.max_seconds = 1e300});
  ASSERT_TRUE(unlimited.ok()) << unlimited.status().ToString();
  EXPECT_NEAR(unlimited->audio.duration_seconds(), kToneSeconds, 1e-3);
}

TEST(DecodeFileTest, AudioInsideVideoContainersDecodes) {
  test::TempDir dir;
  const std::string video =
      "-f lavfi -i testsrc=size=64x48:rate=10:duration=4 -i " + Q(ToneFile("wav")) + " -c:v mpeg4 ";
  ASSERT_TRUE(Ffmpeg(video + "-c:a aac " + Q(dir / "movie.mp4")));
  ASSERT_TRUE(Ffmpeg(video + "-c:a libvorbis " + Q(dir / "movie.mkv")));
  for (const char* name : {"movie.mp4", "movie.mkv"}) {
    ASSERT_EQ(StreamTypes(dir / name), "video\naudio\n") << name;
    const auto decoded = DecodeFile(dir / name);
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    EXPECT_NEAR(decoded->audio.duration_seconds(), kToneSeconds, kDurationTolerance) << name;
    ExpectTone(decoded->audio, kToneHz, kToneAmplitude / std::sqrt(2.0));
  }
}

TEST(DecodeFileTest, FilesWithCoverArtDecode) {
  test::TempDir dir;
  ASSERT_TRUE(Ffmpeg("-f lavfi -i testsrc=size=32x32 -frames:v 1 " + Q(dir / "cover.png")));
  for (const char* ext : {"mp3", "flac"}) {
    const fs::path file = dir / (std::string("with_cover.") + ext);
    ASSERT_TRUE(Ffmpeg("-i " + Q(ToneFile(ext)) + " -i " + Q(dir / "cover.png") +
                       " -map 0:a -map 1:v -c copy -disposition:v attached_pic " + Q(file)));
    ASSERT_EQ(StreamTypes(file), "audio\nvideo\n") << ext;
    const auto decoded = DecodeFile(file);
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    EXPECT_NEAR(decoded->audio.duration_seconds(), kToneSeconds, kDurationTolerance) << ext;
    ExpectTone(decoded->audio, kToneHz, kToneAmplitude / std::sqrt(2.0));
  }
}

TEST(DecodeFileTest, HalfSecondFileDecodesWithItsLength) {
  test::TempDir dir;
  ASSERT_TRUE(Ffmpeg("-f lavfi -i sine=frequency=440:sample_rate=44100:duration=0.5 " +
                     Q(dir / "short.flac") + " " + Q(dir / "short.mp3")));
  for (const char* ext : {"flac", "mp3"}) {
    const fs::path file = dir / (std::string("short.") + ext);
    const auto decoded = DecodeFile(file);
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    EXPECT_NEAR(decoded->audio.duration_seconds(), 0.5, 0.03) << ext;
    EXPECT_FALSE(decoded->source.truncated) << ext;
  }
}

TEST(DecodeFileTest, ElevenMinuteFileDecodesWithItsLength) {
  test::TempDir dir;
  const fs::path file = dir / "long.flac";
  constexpr double kSeconds = 660.0;
  // Mono FLAC at the fastest setting keeps generating 11 minutes cheap.
  ASSERT_TRUE(
      Ffmpeg("-f lavfi -i sine=frequency=440:sample_rate=44100:duration=660 "
             "-c:a flac -compression_level 0 " +
             Q(file)));
  const auto decoded = DecodeFile(file);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  const AudioBuffer& audio = decoded->audio;
  EXPECT_EQ(audio.samples.size(), static_cast<std::size_t>(kSeconds * kAnalysisSampleRate));
  EXPECT_FALSE(decoded->source.truncated);
  // The tone is still there at the very end: nothing was dropped or shifted.
  const auto tail = std::span<const float>(audio.samples).last(5 * kAnalysisSampleRate);
  EXPECT_NEAR(ZeroCrossingHz(tail.first(tail.size() - 2205), kAnalysisSampleRate), 440.0, 1.0);
  // lavfi's sine has amplitude 1/8.
  EXPECT_NEAR(Rms(tail.first(tail.size() - 2205)), 0.125 / std::sqrt(2.0), 0.005);
}

TEST(DecodeFileTest, EmptyFileIsCorrupt) {
  test::TempDir dir;
  WriteBytes(dir / "empty.flac", "");
  const auto decoded = DecodeFile(dir / "empty.flac");
  EXPECT_EQ(decoded.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(decoded.status().message().find("empty.flac"), std::string::npos);
}

TEST(DecodeFileTest, RandomBytesAreRejected) {
  test::TempDir dir;
  std::mt19937 rng(1234);
  std::string garbage(64 * 1024, '\0');
  for (char& c : garbage) c = static_cast<char>(rng() & 0xff);
  for (const char* name : {"noise.bin", "noise.mp3", "noise.flac", "noise.m4a"}) {
    WriteBytes(dir / name, garbage);
    const auto decoded = DecodeFile(dir / name);
    ASSERT_FALSE(decoded.ok()) << name;
    EXPECT_TRUE(decoded.status().code() == StatusCode::kUnsupported ||
                decoded.status().code() == StatusCode::kCorrupt)
        << decoded.status().ToString();
    EXPECT_NE(decoded.status().message().find(name), std::string::npos)
        << decoded.status().message();
  }
}

TEST(DecodeFileTest, TextFilesAreNotAudio) {
  test::TempDir dir;
  std::string text;
  for (int i = 0; i < 100; ++i)
    text += "These are lyrics, not audio. Line " + std::to_string(i) + "\n";
  for (const char* name : {"lyrics.mp3", "lyrics.txt"}) {
    WriteBytes(dir / name, text);
    const auto decoded = DecodeFile(dir / name);
    EXPECT_EQ(decoded.status().code(), StatusCode::kUnsupported) << decoded.status().ToString();
    EXPECT_NE(decoded.status().message().find(name), std::string::npos)
        << decoded.status().message();
  }
}

TEST(DecodeFileTest, ImageIsUnsupportedWhateverItsName) {
  test::TempDir dir;
  ASSERT_TRUE(Ffmpeg("-f lavfi -i testsrc=size=32x32 -frames:v 1 -f image2 -c:v png " +
                     Q(dir / "cover.flac")));
  const auto decoded = DecodeFile(dir / "cover.flac");
  EXPECT_EQ(decoded.status().code(), StatusCode::kUnsupported) << decoded.status().ToString();
  EXPECT_NE(decoded.status().message().find("no audio stream in " + (dir / "cover.flac").string()),
            std::string::npos)
      << decoded.status().message();
}

TEST(DecodeFileTest, VideoWithoutAudioIsUnsupported) {
  test::TempDir dir;
  ASSERT_TRUE(Ffmpeg("-f lavfi -i testsrc=size=64x48:rate=10:duration=1 -c:v mpeg4 " +
                     Q(dir / "silent_movie.mp4")));
  const auto decoded = DecodeFile(dir / "silent_movie.mp4");
  EXPECT_EQ(decoded.status().code(), StatusCode::kUnsupported) << decoded.status().ToString();
  EXPECT_NE(decoded.status().message().find("no audio stream in"), std::string::npos);
  EXPECT_NE(decoded.status().message().find("silent_movie.mp4"), std::string::npos);
}

TEST(DecodeFileTest, MissingFileIsNotFound) {
  test::TempDir dir;
  const auto decoded = DecodeFile(dir / "nowhere.mp3");
  EXPECT_EQ(decoded.status().code(), StatusCode::kNotFound);
  EXPECT_NE(decoded.status().message().find("nowhere.mp3"), std::string::npos);
}

TEST(DecodeFileTest, DirectoryIsAnIOError) {
  test::TempDir dir;
  fs::create_directory(dir / "album.flac");
  const auto decoded = DecodeFile(dir / "album.flac");
  EXPECT_EQ(decoded.status().code(), StatusCode::kIOError);
  EXPECT_NE(decoded.status().message().find("album.flac"), std::string::npos);
}

// Runs `check` in a child process without the right to read other users' files: as the
// caller when that is an ordinary user, else as "nobody" (root reads everything). Returns
// the child's verdict, or nullopt when privileges cannot be dropped.
std::optional<bool> RunUnprivileged(const std::function<bool()>& check) {
  const pid_t pid = ::fork();
  if (pid < 0) return std::nullopt;
  if (pid == 0) {
    constexpr uid_t kNobody = 65534;
    if (::geteuid() == 0 && (::setgid(kNobody) != 0 || ::setuid(kNobody) != 0)) ::_exit(2);
    ::_exit(check() ? 0 : 1);
  }
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) == 2) {
    return std::nullopt;
  }
  return WEXITSTATUS(status) == 0;
}

TEST(DecodeFileTest, UnreadableFileIsAnIOErrorForDecodingAndTags) {
  test::TempDir dir;
  const fs::path locked = dir / "locked.ogg";
  fs::copy_file(ToneFile("ogg"), locked);
  ASSERT_EQ(::chmod(locked.c_str(), 0), 0);
  ASSERT_EQ(::chmod(dir.path().c_str(), 0755), 0);
  const auto verdict = RunUnprivileged([&] {
    const auto decoded = DecodeFile(locked);
    const auto tags = ReadTags(locked);
    return decoded.status().code() == StatusCode::kIOError &&
           decoded.status().message().find("locked.ogg") != std::string::npos &&
           tags.status().code() == StatusCode::kIOError &&
           tags.status().message().find("locked.ogg") != std::string::npos;
  });
  if (!verdict) GTEST_SKIP() << "cannot drop privileges here";
  EXPECT_TRUE(*verdict);
}

TEST(DecodeFileTest, ContentDecidesTheFormatNotTheExtension) {
  test::TempDir dir;
  fs::copy_file(ToneFile("wav"), dir / "really_a_wav.mp3");
  fs::copy_file(ToneFile("flac"), dir / "really_a_flac.ogg");
  fs::copy_file(ToneFile("ogg"), dir / "no_extension");
  for (const char* name : {"really_a_wav.mp3", "really_a_flac.ogg", "no_extension"}) {
    const auto decoded = DecodeFile(dir / name);
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    ExpectTone(decoded->audio, kToneHz, kToneAmplitude / std::sqrt(2.0));
  }
  EXPECT_EQ(DecodeFile(dir / "really_a_wav.mp3")->source.container, "wav");
}

TEST(DecodeFileTest, RelativeNameWithColonIsAFileNotAProtocol) {
  test::TempDir dir;
  fs::copy_file(ToneFile("flac"), dir / "http:track.flac");
  // Handed to FFmpeg as it is, "http:track.flac" would be a URL.
  const fs::path previous = fs::current_path();
  fs::current_path(dir.path());
  const auto decoded = DecodeFile("http:track.flac");
  fs::current_path(previous);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_NEAR(decoded->audio.duration_seconds(), kToneSeconds, kDurationTolerance);
}

TEST(DecodeFileTest, ConcurrentDecodesMatchSerialDecodes) {
  const std::vector<std::string> exts = {"mp3", "ogg", "flac", "wav"};
  std::vector<std::vector<float>> serial;
  for (const auto& ext : exts) {
    auto decoded = DecodeFile(ToneFile(ext));
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    serial.push_back(std::move(decoded->audio.samples));
  }
  std::vector<std::vector<float>> parallel(exts.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < exts.size(); ++i) {
    threads.emplace_back([&, i] {
      auto decoded = DecodeFile(ToneFile(exts[i]));
      if (decoded.ok()) parallel[i] = std::move(decoded->audio.samples);
    });
  }
  for (auto& t : threads) t.join();
  for (std::size_t i = 0; i < exts.size(); ++i) EXPECT_EQ(parallel[i], serial[i]) << exts[i];
}

}  // namespace
}  // namespace sonance
