#include "sonance/audio/fingerprint.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "sonance/audio/decoder.h"
#include "support/fixtures.h"
#include "support/signals.h"

namespace sonance {
namespace {

namespace fs = std::filesystem;

// A seeded random tune: a melody of quarter notes over a chord every two beats, like the
// music Chromaprint is built for (it hashes changes of the 12-bin chroma over time).
std::vector<float> Tune(std::uint32_t seed, double seconds) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> melody_note(60, 79);
  std::uniform_int_distribution<int> chord_root(48, 59);
  std::bernoulli_distribution major(0.5);
  std::vector<float> out;
  const double beat = 0.4;
  for (double t = 0.0; t + 2 * beat <= seconds; t += 2 * beat) {
    for (int n : test::Triad(chord_root(rng), major(rng))) test::AddTone(out, n, t, 2 * beat, 0.2f);
    test::AddTone(out, melody_note(rng), t, beat, 0.3f);
    test::AddTone(out, melody_note(rng), t + beat, beat, 0.3f);
  }
  out.resize(static_cast<std::size_t>(seconds * test::kRate), 0.0f);
  test::Normalize(out, 0.8f);
  return out;
}

std::vector<std::uint32_t> Fingerprint(const std::vector<float>& x) {
  auto fp = ComputeFingerprint(x, test::kRate);
  EXPECT_TRUE(fp.ok()) << fp.status().ToString();
  return fp.ok() ? *fp : std::vector<std::uint32_t>();
}

std::vector<std::uint32_t> RandomWords(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::uint32_t> out(n);
  for (auto& w : out) w = static_cast<std::uint32_t>(rng());
  return out;
}

// ---- ComputeFingerprint ----------------------------------------------------------------

TEST(ComputeFingerprintTest, HasAboutEightSubFingerprintsPerSecond) {
  const auto fp = Fingerprint(Tune(1, 30.0));
  // Chromaprint: 11,025 Hz, hop 1365 samples (8.08/s), minus its 15-frame filter window.
  EXPECT_GT(fp.size(), 200u);
  EXPECT_LT(fp.size(), 250u);
}

TEST(ComputeFingerprintTest, IsDeterministic) {
  const auto x = Tune(1, 20.0);
  const auto a = Fingerprint(x);
  const auto b = Fingerprint(x);
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a, b);
  EXPECT_DOUBLE_EQ(FingerprintSimilarity(a, b), 1.0);
}

TEST(ComputeFingerprintTest, EmptyAndShortInputGiveAnEmptyFingerprint) {
  auto empty = ComputeFingerprint({}, test::kRate);
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_TRUE(empty->empty());
  const auto short_tune = Tune(1, 1.0);
  auto brief = ComputeFingerprint(short_tune, test::kRate);
  ASSERT_TRUE(brief.ok()) << brief.status().ToString();
  EXPECT_TRUE(brief->empty());
}

TEST(ComputeFingerprintTest, SilenceIsNotAnError) {
  const auto silence = test::Silence(10.0);
  auto fp = ComputeFingerprint(silence, test::kRate);
  ASSERT_TRUE(fp.ok()) << fp.status().ToString();
  EXPECT_FALSE(fp->empty());
}

TEST(ComputeFingerprintTest, RejectsInvalidRateAndDuration) {
  const auto x = Tune(1, 5.0);
  EXPECT_EQ(ComputeFingerprint(x, 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ComputeFingerprint(x, -22050).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ComputeFingerprint(x, test::kRate, 0.0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ComputeFingerprint(x, test::kRate, -1.0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ComputeFingerprint(x, test::kRate, std::nan("")).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(ComputeFingerprintTest, UsesOnlyTheFirstMaxSeconds) {
  const auto x = Tune(3, 30.0);
  const std::vector<float> head(x.begin(), x.begin() + 10 * test::kRate);
  auto limited = ComputeFingerprint(x, test::kRate, 10.0);
  auto of_head = ComputeFingerprint(head, test::kRate);
  ASSERT_TRUE(limited.ok() && of_head.ok());
  EXPECT_EQ(*limited, *of_head);
  EXPECT_LT(limited->size(), Fingerprint(x).size());
}

TEST(ComputeFingerprintTest, ClipsOutOfRangeSamplesInsteadOfWrapping) {
  // Twice full scale: clipping keeps the chroma (mostly) where it was; wrapping int16 would
  // turn the waveform into noise.
  auto x = Tune(5, 20.0);
  auto loud = x;
  for (float& v : loud) v *= 2.0f;
  EXPECT_GE(FingerprintSimilarity(Fingerprint(x), Fingerprint(loud)), kSameRecordingSimilarity);
}

// ---- one recording, two versions -------------------------------------------------------

TEST(FingerprintSimilarityTest, GainChangeIsTheSameRecording) {
  const auto x = Tune(7, 20.0);
  auto quiet = x;
  for (float& v : quiet) v *= 0.3f;
  EXPECT_GE(FingerprintSimilarity(Fingerprint(x), Fingerprint(quiet)), kSameRecordingSimilarity);
}

TEST(FingerprintSimilarityTest, AddedNoiseIsTheSameRecording) {
  const auto x = Tune(7, 20.0);
  auto noisy = x;
  // White noise 20 dB below the tune's peak: clearly audible, still the same recording.
  test::MixInto(noisy, test::WhiteNoise(20.0, 0.08f, 99), 1.0f);
  EXPECT_GE(FingerprintSimilarity(Fingerprint(x), Fingerprint(noisy)), kSameRecordingSimilarity);
}

TEST(FingerprintSimilarityTest, Mp3ReencodingIsTheSameRecording) {
  if (!test::HaveTool("ffmpeg")) GTEST_SKIP() << "ffmpeg not installed";
  const auto x = Tune(11, 20.0);
  test::TempDir dir;
  const fs::path wav = dir / "tune.wav";
  const fs::path mp3 = dir / "tune.mp3";
  test::WriteWav(wav, x, test::kRate);
  ASSERT_EQ(test::RunCommand("ffmpeg -hide_banner -loglevel error -nostdin -y -i " +
                             test::ShellQuote(wav.string()) + " -c:a libmp3lame -b:a 128k " +
                             test::ShellQuote(mp3.string())),
            0);
  auto decoded = DecodeFile(mp3);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  // Lossy coding changes the spectrum's fine detail and may leave encoder delay or padding
  // that the decoder does not trim; the offset search absorbs a shift.
  const double sim = FingerprintSimilarity(Fingerprint(x), Fingerprint(decoded->audio.samples));
  EXPECT_GE(sim, kSameRecordingSimilarity);
}

TEST(FingerprintSimilarityTest, DifferentTunesAreNotTheSameRecording) {
  const auto a = Fingerprint(Tune(21, 20.0));
  for (std::uint32_t seed : {22u, 23u, 24u}) {
    const double sim = FingerprintSimilarity(a, Fingerprint(Tune(seed, 20.0)));
    EXPECT_LT(sim, 0.7) << "seed " << seed;
    EXPECT_GT(sim, 0.3) << "seed " << seed;  // unrelated bits agree about half the time
  }
}

TEST(FingerprintSimilarityTest, HalfOfATuneIsFoundInsideTheWhole) {
  // The second half, as if a file started 10 s into the recording: it aligns at an offset of
  // about 81 sub-fingerprints, so the search must reach that far.
  const auto x = Tune(31, 20.0);
  const std::vector<float> tail(x.begin() + 10 * test::kRate, x.end());
  const double sim = FingerprintSimilarity(Fingerprint(tail), Fingerprint(x), 90);
  EXPECT_GE(sim, kSameRecordingSimilarity);
}

// ---- FingerprintSimilarity on hand-built fingerprints -------------------------------------

TEST(FingerprintSimilarityTest, EmptyFingerprintsScoreZero) {
  const auto a = RandomWords(50, 1);
  EXPECT_EQ(FingerprintSimilarity({}, a), 0.0);
  EXPECT_EQ(FingerprintSimilarity(a, {}), 0.0);
  EXPECT_EQ(FingerprintSimilarity({}, {}), 0.0);
}

TEST(FingerprintSimilarityTest, CountsEqualBits) {
  // One bit flipped in every sub-fingerprint: 31 of 32 bits agree at offset 0, and random
  // words agree on about half at every other offset.
  const auto a = RandomWords(200, 2);
  auto b = a;
  for (std::size_t i = 0; i < b.size(); ++i) b[i] ^= 1u << (i % 32);
  EXPECT_DOUBLE_EQ(FingerprintSimilarity(a, b), 31.0 / 32.0);
  EXPECT_DOUBLE_EQ(FingerprintSimilarity(b, a), 31.0 / 32.0);
}

TEST(FingerprintSimilarityTest, FindsTheBestOffsetInBothDirections) {
  const auto a = RandomWords(200, 3);
  const std::vector<std::uint32_t> later(a.begin() + 7, a.end());  // b[i] = a[i + 7]
  EXPECT_DOUBLE_EQ(FingerprintSimilarity(a, later), 1.0);
  EXPECT_DOUBLE_EQ(FingerprintSimilarity(later, a), 1.0);
  // Beyond max_offset the alignment is not tried.
  EXPECT_LT(FingerprintSimilarity(a, later, 6), 0.7);
  EXPECT_LT(FingerprintSimilarity(a, later, 0), 0.7);
}

TEST(FingerprintSimilarityTest, IgnoresAlignmentsOverlappingLessThanHalf) {
  // a is all zero bits; b starts with three zero words, then all ones. Pairing a's last three
  // with b's first three (offset -7) agrees everywhere but overlaps 3 < 10/2 words, so the
  // best admissible alignment is offset -5: 3 of 5 words agree, a share of 0.6.
  const std::vector<std::uint32_t> a(10, 0u);
  std::vector<std::uint32_t> b(10, 0xFFFFFFFFu);
  b[0] = b[1] = b[2] = 0u;
  EXPECT_DOUBLE_EQ(FingerprintSimilarity(a, b, 7), 0.6);
  // With overlap >= half always satisfied at offset 0, a negative reach means offset 0 only.
  EXPECT_DOUBLE_EQ(FingerprintSimilarity(a, b, -3), 0.3);
}

// ---- Encode / Decode -------------------------------------------------------------------

TEST(FingerprintCodingTest, RoundTripsAComputedFingerprint) {
  const auto fp = Fingerprint(Tune(41, 15.0));
  ASSERT_FALSE(fp.empty());
  const std::string text = EncodeFingerprint(fp);
  ASSERT_FALSE(text.empty());
  // URL-safe base64 as fpcalc prints it.
  EXPECT_EQ(
      text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
      std::string::npos);
  auto back = DecodeFingerprint(text);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, fp);
}

TEST(FingerprintCodingTest, RoundTripsArbitraryWords) {
  const auto words = RandomWords(300, 4);
  auto back = DecodeFingerprint(EncodeFingerprint(words));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, words);
}

TEST(FingerprintCodingTest, EmptyEncodesToEmptyText) {
  EXPECT_EQ(EncodeFingerprint({}), "");
  auto back = DecodeFingerprint("");
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->empty());
}

TEST(FingerprintCodingTest, GarbageIsCorrupt) {
  for (const std::string text :
       {"not a fingerprint", "hello world!", "AQ", "@@@@####", "\xff\xfe"}) {
    EXPECT_EQ(DecodeFingerprint(text).status().code(), StatusCode::kCorrupt) << text;
  }
}

TEST(FingerprintCodingTest, TruncatedTextIsCorrupt) {
  const std::string text = EncodeFingerprint(Fingerprint(Tune(42, 15.0)));
  ASSERT_GT(text.size(), 20u);
  EXPECT_EQ(DecodeFingerprint(text.substr(0, text.size() / 2)).status().code(),
            StatusCode::kCorrupt);
}

}  // namespace
}  // namespace sonance
