#include <gtest/gtest.h>

#include <cmath>

#include "sonance/analysis/spectrogram.h"
#include "sonance/analysis/structure.h"
#include "support/signals.h"

namespace sonance {
namespace {

using test::kRate;

Spectrogram Spec(const std::vector<float>& x, int frame = 2048, int hop = 512) {
  return SpectrogramComputer::Create({frame, hop, kRate}).value().compute(x);
}

Timbre MeanTimbre(const std::vector<Timbre>& frames, std::size_t skip = 4) {
  Timbre m{};
  std::size_t n = 0;
  for (std::size_t f = skip; f + skip < frames.size(); ++f, ++n) {
    for (std::size_t k = 0; k < 12; ++k) m[k] += frames[f][k];
  }
  for (float& v : m) v /= static_cast<float>(n);
  return m;
}

TEST(TimbreExtractorTest, RejectsInvalidBandCounts) {
  EXPECT_EQ(TimbreExtractor::Create(11).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(TimbreExtractor::Create(129).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(TimbreExtractor::Create(40).ok());
}

TEST(TimbreExtractorTest, EmptySpectrogramGivesNoFrames) {
  EXPECT_TRUE(TimbreExtractor::Create().value().compute(Spectrogram{}).empty());
}

TEST(TimbreExtractorTest, SilenceGivesZeros) {
  const auto spec = Spec(test::Silence(1.0));
  const auto t = TimbreExtractor::Create().value().compute(spec);
  ASSERT_EQ(t.size(), spec.num_frames);
  for (const Timbre& frame : t) {
    for (float v : frame) EXPECT_EQ(v, 0.0f);
  }
}

// Coefficient 0 is the frame's mean power in dBFS plus 60: a sine of amplitude A has mean
// square A^2 / 2, so a full-scale sine reads 60 - 3.01 and one of 0.1 reads 60 - 23.01.
TEST(TimbreExtractorTest, CoefficientZeroIsPowerAboveMinus60Dbfs) {
  const TimbreExtractor ex = TimbreExtractor::Create().value();
  EXPECT_NEAR(MeanTimbre(ex.compute(Spec(test::Sine(1000.0, 2.0, 1.0f))))[0], 56.99, 0.3);
  EXPECT_NEAR(MeanTimbre(ex.compute(Spec(test::Sine(1000.0, 2.0, 0.1f))))[0], 36.99, 0.3);
  // The normalisation does not depend on the frame size.
  EXPECT_NEAR(MeanTimbre(ex.compute(Spec(test::Sine(1000.0, 2.0, 0.1f), 4096, 1024)))[0], 36.99,
              0.3);
  // Far below -60 dBFS the coefficient stays at 0.
  EXPECT_EQ(MeanTimbre(ex.compute(Spec(test::Sine(1000.0, 2.0, 1e-5f))))[0], 0.0f);
}

// The shape coefficients describe the log spectrum around its level: a gain changes c0
// only.
TEST(TimbreExtractorTest, ShapeCoefficientsIgnoreGain) {
  const TimbreExtractor ex = TimbreExtractor::Create().value();
  auto loud = test::Cadence(0, true, 0.5, 1);
  test::MixInto(loud, test::WhiteNoise(2.0, 0.01f, 5), 1.0f);
  auto quiet = loud;
  for (float& v : quiet) v *= 0.1f;
  const auto a = ex.compute(Spec(loud));
  const auto b = ex.compute(Spec(quiet));
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t f = 4; f + 4 < a.size(); ++f) {
    EXPECT_NEAR(a[f][0] - b[f][0], 20.0, 0.01) << f;
    for (std::size_t k = 1; k < 12; ++k) EXPECT_NEAR(a[f][k], b[f][k], 0.05) << f << " " << k;
  }
}

TEST(TimbreExtractorTest, BrighterSoundHasLargerCoefficientOne) {
  const TimbreExtractor ex = TimbreExtractor::Create().value();
  const auto white = test::WhiteNoise(2.0, 0.5f, 9);
  // A one-pole low-pass (-6 dB/octave above ~70 Hz) and a first difference (+6 dB/octave)
  // of the same noise: a dark and a bright spectrum around the flat one.
  std::vector<float> dark(white.size());
  std::vector<float> bright(white.size());
  float y = 0.0f;
  for (std::size_t i = 0; i < white.size(); ++i) {
    y = 0.98f * y + 0.02f * white[i];
    dark[i] = 20.0f * y;
    bright[i] = 0.5f * (white[i] - (i > 0 ? white[i - 1] : 0.0f));
  }
  const float c_dark = MeanTimbre(ex.compute(Spec(dark)))[1];
  const float c_flat = MeanTimbre(ex.compute(Spec(white)))[1];
  const float c_bright = MeanTimbre(ex.compute(Spec(bright)))[1];
  EXPECT_LT(c_dark, c_flat);
  EXPECT_LT(c_flat, c_bright);
  EXPECT_GT(c_bright - c_dark, 40.0f);
}

// Spotify's timbre vectors are roughly within -100..+100 (coefficient 0 in 0..60); ours are
// scaled to the same magnitudes for music.
TEST(TimbreExtractorTest, MusicValuesHaveSpotifyLikeMagnitudes) {
  const TimbreExtractor ex = TimbreExtractor::Create().value();
  const auto t = ex.compute(Spec(test::Cadence(7, false, 0.5, 2)));
  for (std::size_t f = 4; f + 4 < t.size(); ++f) {
    EXPECT_GT(t[f][0], 20.0f);
    EXPECT_LT(t[f][0], 60.0f);
    for (std::size_t k = 1; k < 12; ++k) EXPECT_LT(std::abs(t[f][k]), 200.0f) << f << " " << k;
  }
  const Timbre mean = MeanTimbre(t);
  EXPECT_GT(std::abs(mean[1]) + std::abs(mean[2]), 20.0f);
}

}  // namespace
}  // namespace sonance
