#include "spectral_features.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "support/signals.h"

namespace sonance::descriptor_internal {
namespace {

using test::kRate;

Spectrogram Stft(const std::vector<float>& x) {
  return SpectrogramComputer::Create({2048, 512, kRate}).value().compute(x);
}

SpectralFrames Frames(const std::vector<float>& x, SpectralFrameOptions options = {}) {
  return SpectralFrameExtractor::Create(options).value().compute(Stft(x));
}

// Mean of v over frames [from, to).
double Mean(const std::vector<float>& v, std::size_t from, std::size_t to) {
  double s = 0.0;
  for (std::size_t i = from; i < to; ++i) s += v[i];
  return s / static_cast<double>(to - from);
}

TEST(FastLog2Test, MatchesLog2AcrossTheFloatRange) {
  for (double x = 1e-30; x < 1e30; x *= 1.37) {
    const auto f = static_cast<float>(x);
    EXPECT_NEAR(FastLog2(f), std::log2(f), 1e-5) << x;
  }
  EXPECT_NEAR(FastLog2(1.0f), 0.0f, 1e-6);
  EXPECT_NEAR(FastLog2(2.0f), 1.0f, 1e-5);
}

TEST(FastLog2Test, ZeroGivesAFiniteVeryNegativeValue) {
  EXPECT_TRUE(std::isfinite(FastLog2(0.0f)));
  EXPECT_LT(FastLog2(0.0f), -120.0f);
}

TEST(SpectralFrameExtractorTest, RejectsInvalidOptions) {
  auto bad = [](auto mutate) {
    SpectralFrameOptions o;
    mutate(o);
    const auto r = SpectralFrameExtractor::Create(o);
    return !r.ok() && r.status().code() == StatusCode::kInvalidArgument;
  };
  EXPECT_TRUE(bad([](auto& o) { o.rolloff_fraction = 1.0; }));
  EXPECT_TRUE(bad([](auto& o) { o.rolloff_fraction = 0.0; }));
  EXPECT_TRUE(bad([](auto& o) { o.low_split_hz = 5000.0; }));
  EXPECT_TRUE(bad([](auto& o) { o.flatness_max_hz = 10.0; }));
  EXPECT_TRUE(bad([](auto& o) { o.band_min_hz = 0.0; }));
  EXPECT_TRUE(bad([](auto& o) { o.pitch_min_hz = 900.0; }));
  EXPECT_TRUE(bad([](auto& o) { o.pitch_harmonics = 0; }));
  EXPECT_TRUE(bad([](auto& o) { o.pitch_harmonics = 33; }));
  EXPECT_TRUE(bad([](auto& o) { o.persistence_lag = 0; }));
  EXPECT_TRUE(bad([](auto& o) { o.persistence_max_hz = 50.0; }));
  EXPECT_TRUE(bad([](auto& o) { o.silence_db = 0.0; }));
  EXPECT_TRUE(SpectralFrameExtractor::Create({}).ok());
}

TEST(SpectralFrameExtractorTest, EmptySpectrogramGivesNoFrames) {
  const SpectralFrames f = Frames({});
  EXPECT_EQ(f.num_frames, 0u);
  EXPECT_TRUE(f.power.empty());
  EXPECT_TRUE(f.band_power.empty());
}

TEST(SpectralFrameExtractorTest, SilenceGivesSilentZeroFrames) {
  const SpectralFrames f = Frames(test::Silence(2.0));
  ASSERT_GT(f.num_frames, 80u);
  for (std::size_t i = 0; i < f.num_frames; ++i) {
    EXPECT_TRUE(f.silent[i]);
    EXPECT_EQ(f.power[i], 0.0f);
    EXPECT_EQ(f.centroid_hz[i], 0.0f);
    EXPECT_EQ(f.flatness[i], 0.0f);
    EXPECT_EQ(f.flux[i], 0.0f);
    EXPECT_EQ(f.harmonicity[i], 0.0f);
  }
}

// White noise has a flat expected spectrum: every statistic has a closed form.
TEST(SpectralFrameExtractorTest, WhiteNoiseMatchesClosedForms) {
  const SpectralFrames f = Frames(test::WhiteNoise(4.0, 0.5f, 42));
  const std::size_t a = 4, b = f.num_frames - 4;  // skip the zero-padded edges
  const double nyquist = kRate / 2.0;
  EXPECT_NEAR(Mean(f.centroid_hz, a, b), nyquist / 2.0, 150.0);
  EXPECT_NEAR(Mean(f.rolloff_hz, a, b), 0.85 * nyquist, 150.0);
  EXPECT_NEAR(Mean(f.high_ratio, a, b), (nyquist - 4000.0) / nyquist, 0.02);
  EXPECT_NEAR(Mean(f.low_ratio, a, b), 150.0 / nyquist, 0.005);
  // Periodogram bins of white noise are exponentially distributed; the ratio of geometric
  // to arithmetic mean of an exponential variable is exp(-Euler's gamma) = 0.561. The Hann
  // window correlates neighbouring bins, which raises it slightly.
  EXPECT_NEAR(Mean(f.flatness, a, b), std::exp(-std::numbers::egamma), 0.06);
  EXPECT_LT(Mean(f.harmonicity, a, b), 0.35);
}

TEST(SpectralFrameExtractorTest, SineHasItsFrequencyAsCentroidAndRolloff) {
  const SpectralFrames f = Frames(test::Sine(1000.0, 2.0, 0.5f));
  const std::size_t a = 4, b = f.num_frames - 4;
  const double bin = static_cast<double>(kRate) / 2048;
  EXPECT_NEAR(Mean(f.centroid_hz, a, b), 1000.0, bin);
  EXPECT_NEAR(Mean(f.rolloff_hz, a, b), 1000.0, bin);
  EXPECT_LT(Mean(f.flatness, a, b), 0.01);
  EXPECT_LT(Mean(f.high_ratio, a, b), 1e-4);
  EXPECT_GT(Mean(f.harmonicity, a, b), 0.9);
  // All power sits in the one modulation band (of 8, 100..8000 Hz log-spaced) holding 1 kHz.
  const int band = static_cast<int>(std::floor(8 * std::log(1000.0 / 100.0) / std::log(80.0)));
  double in_band = 0.0, total = 0.0;
  for (std::size_t i = a; i < b; ++i) {
    for (int k = 0; k < kModulationBands; ++k) {
      total += f.bands(i)[k];
      if (k == band) in_band += f.bands(i)[k];
    }
  }
  EXPECT_GT(in_band / total, 0.999);
}

TEST(SpectralFrameExtractorTest, HarmonicToneGivesItsFundamental) {
  std::vector<float> x;
  test::AddTone(x, 57, 0.0, 2.0, 0.5f);  // A3 = 220 Hz with five harmonics
  const SpectralFrames f = Frames(x);
  int near = 0, voiced = 0;
  for (std::size_t i = 4; i < f.num_frames - 8; ++i) {
    if (f.silent[i]) continue;
    ++voiced;
    near += std::abs(12.0 * std::log2(f.pitch_hz[i] / 220.0)) < 0.5;
    EXPECT_GT(f.harmonicity[i], 0.8);
  }
  ASSERT_GT(voiced, 50);
  EXPECT_GT(near, voiced * 9 / 10);
}

TEST(SpectralFrameExtractorTest, FluxPeaksAtAnOnsetAndVanishesOnASteadyTone) {
  std::vector<float> x = test::Silence(1.0);
  const auto tone = test::Sine(440.0, 1.0, 0.5f);
  x.insert(x.end(), tone.begin(), tone.end());
  const SpectralFrames f = Frames(x);
  const auto onset_frame = static_cast<std::size_t>(std::round(1.0 * kRate / 512));
  std::size_t argmax = 0;
  for (std::size_t i = 0; i < f.num_frames; ++i) {
    if (f.flux[i] > f.flux[argmax]) argmax = i;
  }
  EXPECT_NEAR(static_cast<double>(argmax), static_cast<double>(onset_frame), 2.0);
  // Frames well inside the tone change by float rounding only.
  EXPECT_LT(Mean(f.flux, onset_frame + 8, f.num_frames - 8), 0.01 * f.flux[argmax]);
}

TEST(SpectralFrameExtractorTest, HeldPartialsPersistAndGlidingOnesDoNot) {
  const SpectralFrames steady = Frames(test::Sine(700.0, 2.0, 0.5f));
  // A chirp rising 12 semitones per second moves ~1.1 semitones (6+ bins at 1 kHz) in the
  // 93 ms between compared frames.
  std::vector<float> chirp(2 * kRate);
  double phase = 0.0;
  for (std::size_t i = 0; i < chirp.size(); ++i) {
    const double t = static_cast<double>(i) / kRate;
    phase += 2.0 * std::numbers::pi * 700.0 * std::pow(2.0, t) / kRate;
    chirp[i] = 0.5f * static_cast<float>(std::sin(phase));
  }
  const SpectralFrames gliding = Frames(chirp);
  EXPECT_GT(Mean(steady.peak_persistence, 8, steady.num_frames - 8), 0.95);
  EXPECT_LT(Mean(gliding.peak_persistence, 8, gliding.num_frames - 8), 0.2);
}

TEST(WaveformFrameExtractorTest, RejectsInvalidOptions) {
  EXPECT_EQ(WaveformFrameExtractor::Create({0, 1024}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(WaveformFrameExtractor::Create({512, 256}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(WaveformFrameExtractor::Create({512, 1024}).ok());
}

TEST(WaveformFrameExtractorTest, EmptyAndSilentInput) {
  const auto extractor = WaveformFrameExtractor::Create({}).value();
  EXPECT_EQ(extractor.compute({}).num_frames, 0u);
  const WaveformFrames f = extractor.compute(test::Silence(1.0));
  EXPECT_EQ(f.num_frames, (static_cast<std::size_t>(kRate) + 511) / 512);
  for (std::size_t i = 0; i < f.num_frames; ++i) {
    EXPECT_EQ(f.rms[i], 0.0f);
    EXPECT_EQ(f.peak[i], 0.0f);
    EXPECT_EQ(f.zcr[i], 0.0f);
  }
}

TEST(WaveformFrameExtractorTest, SineRmsPeakAndCrossings) {
  const WaveformFrames f =
      WaveformFrameExtractor::Create({}).value().compute(test::Sine(1000.0, 1.0, 0.5f));
  for (std::size_t i = 2; i + 2 < f.num_frames; ++i) {
    EXPECT_NEAR(f.rms[i], 0.5 / std::sqrt(2.0), 0.005);
    EXPECT_NEAR(f.peak[i], 0.5, 0.01);
    EXPECT_NEAR(f.zcr[i], 2.0 * 1000.0 / kRate, 0.004);  // two crossings per period
  }
}

}  // namespace
}  // namespace sonance::descriptor_internal
