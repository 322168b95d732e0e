#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>

#include "sonance/analysis/spectrogram.h"
#include "sonance/analysis/tonal.h"
#include "support/signals.h"

namespace sonance {
namespace {

using test::kRate;

Spectrogram Spec(const std::vector<float>& x, int frame = 2048, int hop = 512) {
  return SpectrogramComputer::Create({frame, hop, kRate}).value().compute(x);
}

ChromaExtractor Extractor(ChromaOptions o = {}) {
  return ChromaExtractor::Create(o).value();
}

int ArgMax(const Chroma& c) {
  return static_cast<int>(std::max_element(c.begin(), c.end()) - c.begin());
}

// Sine at a MIDI note, optionally detuned by `cents`.
std::vector<float> NoteSine(int midi, double cents, double seconds) {
  const double hz = 440.0 * std::pow(2.0, (midi - 69 + cents / 100.0) / 12.0);
  return test::Sine(hz, seconds, 0.5f);
}

TEST(ChromaExtractorTest, RejectsInvalidOptions) {
  const auto bad = [](auto mutate) {
    ChromaOptions o;
    mutate(o);
    return ChromaExtractor::Create(o).status().code() == StatusCode::kInvalidArgument;
  };
  EXPECT_TRUE(bad([](ChromaOptions& o) { o.min_hz = 5.0; }));
  EXPECT_TRUE(bad([](ChromaOptions& o) { o.max_hz = o.min_hz; }));
  EXPECT_TRUE(bad([](ChromaOptions& o) { o.max_hz = std::nan(""); }));
  EXPECT_TRUE(bad([](ChromaOptions& o) { o.tuning_hz = 300.0; }));
  EXPECT_TRUE(bad([](ChromaOptions& o) { o.max_peaks = 0; }));
  EXPECT_TRUE(bad([](ChromaOptions& o) { o.peak_floor_db = 3.0; }));
  EXPECT_TRUE(bad([](ChromaOptions& o) { o.harmonics = 0; }));
  EXPECT_TRUE(bad([](ChromaOptions& o) { o.harmonic_decay = 0.0; }));
  EXPECT_TRUE(bad([](ChromaOptions& o) { o.magnitude_exponent = -1.0; }));
  EXPECT_TRUE(ChromaExtractor::Create({}).ok());
}

TEST(ChromaExtractorTest, EmptySpectrogramGivesNoFrames) {
  EXPECT_TRUE(Extractor().compute(Spectrogram{}).empty());
  EXPECT_TRUE(Extractor().compute(Spec({})).empty());
}

TEST(ChromaExtractorTest, SilenceGivesZeroFrames) {
  const auto spec = Spec(test::Silence(2.0));
  const auto chroma = Extractor().compute(spec);
  ASSERT_EQ(chroma.size(), spec.num_frames);
  for (const Chroma& c : chroma) {
    for (float v : c) EXPECT_EQ(v, 0.0f);
  }
}

TEST(ChromaExtractorTest, FramesAreMaxNormalised) {
  const auto chroma = Extractor().compute(Spec(test::Cadence(2, true, 0.5, 1)));
  for (const Chroma& c : chroma) {
    const float m = *std::max_element(c.begin(), c.end());
    if (m > 0.0f) {
      EXPECT_FLOAT_EQ(m, 1.0f);
    }
    for (float v : c) EXPECT_GE(v, 0.0f);
  }
}

// The known trap: with 2048-point frames a bin is 10.8 Hz, wider than a semitone below
// 190 Hz, so a nearest-bin chroma mislabels low notes. Every note from C2 (65 Hz) to C7
// must land in its own pitch class, for both frame sizes the analyzer may use.
TEST(ChromaExtractorTest, PureTonesLandInTheirPitchClassFromC2ToC7) {
  const ChromaExtractor ex = Extractor();
  for (int frame : {2048, 4096}) {
    for (int midi = 36; midi <= 96; ++midi) {
      const auto chroma = ex.compute(Spec(NoteSine(midi, 0.0, 0.6), frame, frame / 4));
      int right = 0;
      int total = 0;
      for (std::size_t f = 3; f + 3 < chroma.size(); ++f) {
        ++total;
        right += ArgMax(chroma[f]) == midi % 12 ? 1 : 0;
      }
      ASSERT_GT(total, 0);
      EXPECT_EQ(right, total) << "midi " << midi << " frame " << frame;
    }
  }
}

TEST(ChromaExtractorTest, TriadShowsItsThreePitchClasses) {
  std::vector<float> x;
  for (int n : test::Triad(57, false)) test::AddTone(x, n, 0.0, 1.5, 0.3f);  // A minor: A C E
  const auto chroma = Extractor().compute(Spec(x));
  Chroma mean{};
  for (const Chroma& c : chroma) {
    for (std::size_t k = 0; k < 12; ++k) mean[k] += c[k];
  }
  std::array<int, 12> order{};
  for (int k = 0; k < 12; ++k) order[static_cast<std::size_t>(k)] = k;
  std::sort(order.begin(), order.end(), [&](int a, int b) {
    return mean[static_cast<std::size_t>(a)] > mean[static_cast<std::size_t>(b)];
  });
  std::array<int, 3> top = {order[0], order[1], order[2]};
  std::sort(top.begin(), top.end());
  EXPECT_EQ(top, (std::array<int, 3>{0, 4, 9}));
}

// A band tuned 45 cents sharp: the nearest pitch class still wins without tuning
// estimation, but a quarter of the energy leaks into the class above. Estimating the
// tuning folds relative to the band's own A and removes the leak.
TEST(ChromaExtractorTest, TuningEstimationRemovesLeakOfADetunedRecording) {
  std::vector<float> x;
  const int scale[] = {60, 62, 64, 65, 67, 69, 71, 72};
  for (int i = 0; i < 8; ++i) {
    const auto note = NoteSine(scale[i], 45.0, 0.5);
    std::copy(note.begin(), note.end(), std::back_inserter(x));
  }
  const auto spec = Spec(x);
  ChromaOptions fixed;
  fixed.estimate_tuning = false;
  const auto plain = Extractor(fixed).compute(spec);
  const auto tuned = Extractor().compute(spec);
  double plain_leak = 0.0;
  double tuned_leak = 0.0;
  int frames = 0;
  for (int i = 0; i < 8; ++i) {
    const int pc = scale[i] % 12;
    const auto first = static_cast<std::size_t>((i * 0.5 + 0.15) * kRate / 512);
    const auto last = static_cast<std::size_t>((i * 0.5 + 0.35) * kRate / 512);
    for (std::size_t f = first; f <= last; ++f) {
      EXPECT_EQ(ArgMax(plain[f]), pc);
      EXPECT_EQ(ArgMax(tuned[f]), pc);
      plain_leak += plain[f][static_cast<std::size_t>((pc + 1) % 12)];
      tuned_leak += tuned[f][static_cast<std::size_t>((pc + 1) % 12)];
      ++frames;
    }
  }
  EXPECT_GT(plain_leak / frames, 0.2);
  EXPECT_LT(tuned_leak / frames, 0.02);
}

TEST(ChromaExtractorTest, RangeLimitsWhichNotesCount) {
  // A low C2 with a loud A4 above it: with min_hz above C2 only A remains.
  auto x = NoteSine(36, 0.0, 1.0);
  test::MixInto(x, NoteSine(69, 0.0, 1.0), 0.3f);
  ChromaOptions o;
  o.min_hz = 200.0;
  const auto chroma = Extractor(o).compute(Spec(x));
  EXPECT_EQ(ArgMax(chroma[20]), 9);
  EXPECT_LT(chroma[20][0], 0.05f);
}

}  // namespace
}  // namespace sonance
