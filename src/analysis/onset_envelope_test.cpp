#include "analysis/onset_envelope.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "support/signals.h"

namespace sonance {
namespace {

OnsetEnvelopeComputer MakeComputer() {
  auto c = OnsetEnvelopeComputer::Create({});
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return std::move(c).value();
}

// Frame of the largest envelope value within [from, to) seconds.
std::size_t PeakFrame(const std::vector<float>& env, double rate, double from, double to) {
  const auto a = static_cast<std::size_t>(from * rate);
  const auto b = std::min(env.size(), static_cast<std::size_t>(to * rate));
  return static_cast<std::size_t>(std::max_element(env.begin() + a, env.begin() + b) - env.begin());
}

TEST(OnsetEnvelopeTest, RejectsInvalidOptions) {
  auto bad = [](auto change) {
    OnsetEnvelopeOptions o;
    change(o);
    return OnsetEnvelopeComputer::Create(o).status().code() == StatusCode::kInvalidArgument;
  };
  EXPECT_TRUE(bad([](auto& o) { o.frame_size = 1000; }));
  EXPECT_TRUE(bad([](auto& o) { o.frame_size = 128; }));
  EXPECT_TRUE(bad([](auto& o) { o.hop_size = 0; }));
  EXPECT_TRUE(bad([](auto& o) { o.hop_size = 2048; }));
  EXPECT_TRUE(bad([](auto& o) { o.num_bands = 2; }));
  EXPECT_TRUE(bad([](auto& o) { o.min_hz = 0.0; }));
  EXPECT_TRUE(bad([](auto& o) { o.max_hz = 30.0; }));
  EXPECT_TRUE(bad([](auto& o) { o.low_band_max_hz = 20.0; }));
  EXPECT_TRUE(bad([](auto& o) { o.dynamic_range_db = 5.0; }));
  EXPECT_TRUE(bad([](auto& o) { o.sample_rate = 0; }));
  EXPECT_TRUE(OnsetEnvelopeComputer::Create({}).ok());
}

TEST(OnsetEnvelopeTest, EmptyInputGivesEmptyEnvelope) {
  const OnsetEnvelope e = MakeComputer().compute({});
  EXPECT_TRUE(e.strength.empty());
  EXPECT_TRUE(e.low.empty());
  EXPECT_TRUE(e.band_level_db.empty());
  EXPECT_DOUBLE_EQ(e.frame_rate, 22050.0 / 256.0);
}

TEST(OnsetEnvelopeTest, SilenceGivesZeroEnvelopeAndFloorLevels) {
  const auto x = test::Silence(2.0);
  const OnsetEnvelope e = MakeComputer().compute(x);
  ASSERT_EQ(e.num_frames(), (x.size() + 255) / 256);
  EXPECT_TRUE(std::all_of(e.strength.begin(), e.strength.end(), [](float v) { return v == 0; }));
  EXPECT_TRUE(std::all_of(e.low.begin(), e.low.end(), [](float v) { return v == 0; }));
  EXPECT_TRUE(std::all_of(e.band_level_db.begin(), e.band_level_db.end(),
                          [](float v) { return v == -80.0f; }));
}

TEST(OnsetEnvelopeTest, ClicksGivePeaksAtTheirTimes) {
  // Clicks every 0.8 s from t = 0; each one peaks within 25 ms of its time (the log flux
  // rises as the click enters the 46 ms window, so the peak leads slightly).
  const auto x = test::ClickTrack(75.0, 5.0);
  const OnsetEnvelope e = MakeComputer().compute(x);
  for (int k = 1; k < 6; ++k) {
    const double t = 0.8 * k;
    const std::size_t peak = PeakFrame(e.strength, e.frame_rate, t - 0.2, t + 0.2);
    EXPECT_NEAR(e.time(peak), t, 0.025) << "click " << k;
    EXPECT_GT(e.strength[peak], 10.0f);  // tens of dB per band out of silence
  }
  // Between clicks nothing starts.
  const std::size_t quiet = PeakFrame(e.strength, e.frame_rate, 0.3, 0.6);
  EXPECT_EQ(e.strength[quiet], 0.0f);
}

TEST(OnsetEnvelopeTest, DoesNotDependOnPlaybackLevel) {
  std::vector<float> loud = test::ClickTrack(100.0, 4.0);
  test::MixInto(loud, test::Cadence(2, true, 0.6, 1), 1.0f);
  std::vector<float> quiet = loud;
  for (float& v : quiet) v *= 0.05f;
  const OnsetEnvelopeComputer c = MakeComputer();
  const OnsetEnvelope a = c.compute(loud);
  const OnsetEnvelope b = c.compute(quiet);
  ASSERT_EQ(a.num_frames(), b.num_frames());
  for (std::size_t i = 0; i < a.num_frames(); ++i) {
    ASSERT_NEAR(a.strength[i], b.strength[i], 0.02) << i;
    ASSERT_NEAR(a.low[i], b.low[i], 0.02) << i;
  }
}

TEST(OnsetEnvelopeTest, BassEnvelopeMarksLowNotesNotHighOnes) {
  // A high note (C6, 1047 Hz) at 1 s, a bass note (C2, 65 Hz) at 2 s: both are onsets of the
  // full envelope, only the second one of the bass envelope.
  std::vector<float> x = test::Silence(3.5);
  test::AddTone(x, 84, 1.0, 0.8, 0.3f);
  test::AddTone(x, 36, 2.0, 0.8, 0.3f);
  const OnsetEnvelope e = MakeComputer().compute(x);
  const std::size_t high = PeakFrame(e.strength, e.frame_rate, 0.9, 1.1);
  const std::size_t bass = PeakFrame(e.strength, e.frame_rate, 1.9, 2.1);
  EXPECT_GT(e.strength[high], 5.0f);
  EXPECT_GT(e.strength[bass], 1.0f);
  const float low_at_high = e.low[PeakFrame(e.low, e.frame_rate, 0.9, 1.1)];
  const float low_at_bass = e.low[PeakFrame(e.low, e.frame_rate, 1.9, 2.1)];
  EXPECT_GT(low_at_bass, 3.0f);  // dB above a floor at the mean bass power
  EXPECT_LT(low_at_high, 0.2f * low_at_bass);
}

}  // namespace
}  // namespace sonance
