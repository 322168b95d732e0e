#include "descriptor_features.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>
#include <vector>

#include "support/signals.h"

namespace sonance::descriptor_internal {
namespace {

constexpr double kFrameRate = 22050.0 / 512.0;  // the spectrogram hop grid, ~43 Hz

std::vector<float> UniformNoise(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::vector<float> x(n);
  for (auto& v : x) v = u(rng);
  return x;
}

// An onset envelope with one impulse every `period_s` seconds.
std::vector<float> Impulses(double period_s, double seconds, double rate = kFrameRate) {
  std::vector<float> x(static_cast<std::size_t>(seconds * rate), 0.0f);
  for (double t = 0.0; t < seconds; t += period_s) {
    const auto i = static_cast<std::size_t>(std::round(t * rate));
    if (i < x.size()) x[i] = 1.0f;
  }
  return x;
}

// Frames whose every band has the given power envelope.
SpectralFrames BandFrames(const std::vector<float>& power) {
  SpectralFrames f;
  f.frame_rate = kFrameRate;
  f.num_frames = power.size();
  f.band_power.resize(power.size() * kModulationBands);
  for (std::size_t i = 0; i < power.size(); ++i) {
    for (int k = 0; k < kModulationBands; ++k) f.band_power[i * kModulationBands + k] = power[i];
  }
  return f;
}

// Amplitude (1 + cos(2 pi hz t)), as power.
std::vector<float> ModulatedPower(double hz, double seconds) {
  std::vector<float> p(static_cast<std::size_t>(seconds * kFrameRate));
  for (std::size_t i = 0; i < p.size(); ++i) {
    const double a = 1.0 + std::cos(2.0 * std::numbers::pi * hz * i / kFrameRate);
    p[i] = static_cast<float>(a * a);
  }
  return p;
}

TEST(LowEnergyRatioTest, SteadyLevelHasNoLowEnergyFrames) {
  const std::vector<float> rms(500, 0.3f);
  EXPECT_EQ(LowEnergyRatio(rms, kFrameRate, 1.0, 0.5, 1e-6), 0.0);
}

TEST(LowEnergyRatioTest, HalfSilentSignalHasHalfLowEnergyFrames) {
  // 0.25 s of sound, 0.25 s of near-silence, repeated: every 1 s window mean is ~half the
  // loud level, so exactly the quiet frames fall under half the mean.
  std::vector<float> rms;
  for (int block = 0; block < 40; ++block) {
    rms.insert(rms.end(), 11, block % 2 == 0 ? 0.4f : 0.001f);
  }
  EXPECT_NEAR(LowEnergyRatio(rms, kFrameRate, 1.0, 0.5, 1e-6), 0.5, 0.03);
}

TEST(LowEnergyRatioTest, EmptyAndSilentInputGiveZero) {
  EXPECT_EQ(LowEnergyRatio({}, kFrameRate, 1.0, 0.5, 1e-6), 0.0);
  const std::vector<float> zeros(300, 0.0f);
  EXPECT_EQ(LowEnergyRatio(zeros, kFrameRate, 1.0, 0.5, 1e-6), 0.0);
  EXPECT_EQ(LowEnergyRatio(zeros, 0.0, 1.0, 0.5, 1e-6), 0.0);
}

TEST(ModulationEnergyTest, FullFourHertzModulationGivesOneThird) {
  // (1 + cos)^2 as power is (1 + cos) as amplitude: DC 1, 4 Hz 1/2 of the energy 3/2.
  const double m = ModulationEnergy(BandFrames(ModulatedPower(4.0, 20.0)), 3.0, 6.0);
  EXPECT_NEAR(m, 1.0 / 3.0, 0.02);
}

TEST(ModulationEnergyTest, SteadyAndFastModulationsCarryNoSyllabicEnergy) {
  EXPECT_LT(ModulationEnergy(BandFrames(std::vector<float>(800, 1.0f)), 3.0, 6.0), 1e-3);
  EXPECT_LT(ModulationEnergy(BandFrames(ModulatedPower(12.0, 20.0)), 3.0, 6.0), 0.01);
}

TEST(ModulationEnergyTest, EmptySilentAndShortInputGiveZero) {
  EXPECT_EQ(ModulationEnergy(BandFrames({}), 3.0, 6.0), 0.0);
  EXPECT_EQ(ModulationEnergy(BandFrames(std::vector<float>(800, 0.0f)), 3.0, 6.0), 0.0);
  EXPECT_EQ(ModulationEnergy(BandFrames(std::vector<float>(20, 1.0f)), 3.0, 6.0), 0.0);
}

TEST(ActiveMeanStdTest, UsesOnlyActiveFrames) {
  const std::vector<float> v = {1.0f, 100.0f, 3.0f, -50.0f};
  const std::vector<bool> active = {true, false, true, false};
  const MeanStd m = ActiveMeanStd(v, active);
  EXPECT_DOUBLE_EQ(m.mean, 2.0);
  EXPECT_DOUBLE_EQ(m.std, 1.0);
  const MeanStd none = ActiveMeanStd(v, std::vector<bool>(4, false));
  EXPECT_EQ(none.mean, 0.0);
  EXPECT_EQ(none.std, 0.0);
}

TEST(PulseClarityTest, MetronomeIsClearNoiseIsNot) {
  EXPECT_GT(PulseClarity(Impulses(0.5, 30.0), kFrameRate, 50, 220, 12), 0.9);
  EXPECT_LT(PulseClarity(UniformNoise(1300, 1), kFrameRate, 50, 220, 12), 0.3);
}

TEST(PulseClarityTest, EmptySilentAndShortInputGiveZero) {
  EXPECT_EQ(PulseClarity({}, kFrameRate, 50, 220, 12), 0.0);
  EXPECT_EQ(PulseClarity(std::vector<float>(1300, 0.0f), kFrameRate, 50, 220, 12), 0.0);
  // Shorter than two periods of the slowest tempo (2 x 1.2 s).
  EXPECT_EQ(PulseClarity(Impulses(0.5, 2.0), kFrameRate, 50, 220, 12), 0.0);
}

TEST(DfaExponentTest, UncorrelatedNoiseHasExponentOneHalf) {
  // The textbook DFA result for white noise, averaged over seeds to tame its spread.
  double sum = 0.0;
  for (std::uint32_t seed = 1; seed <= 4; ++seed) {
    sum += DfaExponent(UniformNoise(20000, seed), kFrameRate, 0.3, 8.0);
  }
  EXPECT_NEAR(sum / 4.0, 0.5, 0.08);
}

TEST(DfaExponentTest, RandomWalkHasExponentThreeHalves) {
  // Integrated noise (Brownian motion): alpha = 1.5. Kept positive by an offset.
  const auto noise = UniformNoise(20000, 9);
  std::vector<float> walk(noise.size());
  double acc = 0.0;
  for (std::size_t i = 0; i < noise.size(); ++i)
    walk[i] = static_cast<float>(acc += noise[i] - 0.5);
  const float low = *std::min_element(walk.begin(), walk.end());
  for (auto& v : walk) v += 10.0f - low;
  EXPECT_NEAR(DfaExponent(walk, kFrameRate, 0.3, 8.0), 1.5, 0.15);
}

TEST(DfaExponentTest, SteadyBeatSaturatesTheFluctuation) {
  std::vector<float> beat = Impulses(0.5, 60.0);
  for (auto& v : beat) v += 0.1f;
  EXPECT_LT(DfaExponent(beat, kFrameRate, 0.3, 8.0), 0.3);
}

TEST(DfaExponentTest, DegenerateInputGivesTheNeutralValue) {
  EXPECT_EQ(DfaExponent({}, kFrameRate, 0.3, 8.0), 1.0);
  EXPECT_EQ(DfaExponent(std::vector<float>(2000, 0.0f), kFrameRate, 0.3, 8.0), 1.0);
  EXPECT_EQ(DfaExponent(std::vector<float>(2000, 0.7f), kFrameRate, 0.3, 8.0), 1.0);
  EXPECT_EQ(DfaExponent(UniformNoise(20, 1), kFrameRate, 0.3, 8.0), 1.0);  // < 2 scales
}

TEST(BeatRegularityTest, MetronomeIsOneAndJitterLowersIt) {
  std::vector<TimeInterval> steady, jittered;
  for (int i = 0; i < 21; ++i) {
    steady.push_back({0.5 * i, 0.5, 1.0});
    // 20 intervals alternating 0.45 and 0.55 s: mean 0.5, std 0.05, cv 0.1 -> exp(-1).
    jittered.push_back({0.5 * i + (i % 2 == 1 ? -0.05 : 0.0), 0.5, 1.0});
  }
  EXPECT_NEAR(BeatRegularity(steady), 1.0, 1e-9);
  EXPECT_NEAR(BeatRegularity(jittered), std::exp(-1.0), 1e-6);
  EXPECT_EQ(BeatRegularity(std::span<const TimeInterval>(steady.data(), 3)), 0.0);
  EXPECT_EQ(BeatRegularity({}), 0.0);
}

TEST(OnsetRateTest, CountsImpulsesPerSecond) {
  EXPECT_NEAR(OnsetRate(Impulses(0.5, 10.0), kFrameRate, 1.5, 0.05), 2.0, 0.11);
  EXPECT_NEAR(OnsetRate(Impulses(0.125, 10.0), kFrameRate, 1.5, 0.05), 8.0, 0.11);
}

TEST(OnsetRateTest, EmptyAndSilentInputGiveZero) {
  EXPECT_EQ(OnsetRate({}, kFrameRate, 1.5, 0.05), 0.0);
  EXPECT_EQ(OnsetRate(std::vector<float>(500, 0.0f), kFrameRate, 1.5, 0.05), 0.0);
  EXPECT_EQ(OnsetRate(std::vector<float>(500, 0.3f), kFrameRate, 1.5, 0.05), 0.0);
}

TEST(QuantileTest, InterpolatesBetweenOrderStatistics) {
  EXPECT_EQ(Quantile({}, 0.5), 0.0);
  EXPECT_DOUBLE_EQ(Quantile({3.0f, 1.0f, 2.0f}, 0.5), 2.0);
  EXPECT_DOUBLE_EQ(Quantile({4.0f, 1.0f, 2.0f, 3.0f}, 0.5), 2.5);
  EXPECT_DOUBLE_EQ(Quantile({4.0f, 1.0f}, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(Quantile({4.0f, 1.0f}, 1.0), 4.0);
}

class DescriptorFeatureExtractorTest : public ::testing::Test {
 protected:
  DescriptorFeatures Compute(const std::vector<float>& x, const RhythmResult* rhythm = nullptr) {
    const Spectrogram s = SpectrogramComputer::Create({}).value().compute(x);
    return DescriptorFeatureExtractor::Create({}).value().compute(x, s, rhythm);
  }
};

TEST_F(DescriptorFeatureExtractorTest, RejectsInvalidOptions) {
  auto bad = [](auto mutate) {
    DescriptorFeatureOptions o;
    mutate(o);
    return DescriptorFeatureExtractor::Create(o).status().code() == StatusCode::kInvalidArgument;
  };
  EXPECT_TRUE(bad([](auto& o) { o.sample_rate = 0; }));
  EXPECT_TRUE(bad([](auto& o) { o.min_bpm = 0.0; }));
  EXPECT_TRUE(bad([](auto& o) { o.max_bpm = 40.0; }));
  EXPECT_TRUE(bad([](auto& o) { o.pulse_window_s = 1.0; }));
  EXPECT_TRUE(bad([](auto& o) { o.dfa_max_s = 0.1; }));
  EXPECT_TRUE(bad([](auto& o) { o.silence_db = -3.0; }));
  EXPECT_TRUE(DescriptorFeatureExtractor::Create({}).ok());
}

TEST_F(DescriptorFeatureExtractorTest, EmptyInputHasNoActivity) {
  const DescriptorFeatures d = Compute({});
  EXPECT_EQ(d.duration_s, 0.0);
  EXPECT_EQ(d.active_fraction, 0.0);
  EXPECT_EQ(d.dfa_alpha, 1.0);
}

TEST_F(DescriptorFeatureExtractorTest, SilenceHasNoActivityAndNoNaN) {
  const DescriptorFeatures d = Compute(test::Silence(5.0));
  EXPECT_NEAR(d.duration_s, 5.0, 1e-9);
  EXPECT_EQ(d.active_fraction, 0.0);
  EXPECT_EQ(d.modulation_4hz, 0.0);
  EXPECT_EQ(d.pulse_clarity, 0.0);
  EXPECT_EQ(d.onset_rate, 0.0);
}

TEST_F(DescriptorFeatureExtractorTest, BeatGridFeaturesComeFromTheRhythm) {
  RhythmResult rhythm;
  rhythm.tempo = {128.0, 0.8};
  for (int i = 0; i < 16; ++i) rhythm.beats.push_back({i * 60.0 / 128.0, 60.0 / 128.0, 1.0});
  const DescriptorFeatures d = Compute(test::ClickTrack(128.0, 8.0), &rhythm);
  EXPECT_EQ(d.tempo_bpm, 128.0);
  EXPECT_EQ(d.tempo_confidence, 0.8);
  EXPECT_NEAR(d.beat_regularity, 1.0, 1e-9);
  EXPECT_GT(d.pulse_clarity, 0.8);
  EXPECT_NEAR(d.onset_rate, 128.0 / 60.0, 0.2);
}

TEST_F(DescriptorFeatureExtractorTest, SteadyToneIsActiveVoicedAndUnmodulated) {
  const DescriptorFeatures d = Compute(test::Sine(220.0, 6.0, 0.5f));
  EXPECT_GT(d.active_fraction, 0.99);
  EXPECT_GT(d.voiced_fraction, 0.99);
  EXPECT_GT(d.peak_persistence, 0.95);
  EXPECT_LT(d.modulation_4hz, 0.01);
  EXPECT_LT(d.low_energy_ratio, 0.01);
  EXPECT_NEAR(d.crest_db, 3.01, 0.2);  // sine peak / RMS = sqrt(2)
  EXPECT_NEAR(d.rms_db_median, 20.0 * std::log10(0.5 / std::sqrt(2.0)), 0.2);
}

}  // namespace
}  // namespace sonance::descriptor_internal
