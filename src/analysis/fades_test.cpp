#include <gtest/gtest.h>

#include <cmath>

#include "sonance/analysis/loudness.h"
#include "sonance/analysis/structure.h"
#include "support/signals.h"

namespace sonance {
namespace {

using test::kRate;
constexpr int kHop = 512;
constexpr double kFrameRate = static_cast<double>(kRate) / kHop;

Fades Detect(const std::vector<float>& x) {
  const auto curve = LoudnessMeter::Create({}).value().Curve(x, kHop);
  return FadeDetector::Create().value().compute(curve, kFrameRate,
                                                static_cast<double>(x.size()) / kRate);
}

// Linear amplitude ramps: 0 -> 1 over the first `in_s` seconds, 1 -> 0 over the last
// `out_s` seconds.
void ApplyFades(std::vector<float>& x, double in_s, double out_s) {
  const auto n = x.size();
  const auto in = static_cast<std::size_t>(in_s * kRate);
  const auto out = static_cast<std::size_t>(out_s * kRate);
  for (std::size_t i = 0; i < in && i < n; ++i) x[i] *= static_cast<float>(i) / in;
  for (std::size_t i = 0; i < out && i < n; ++i) x[n - 1 - i] *= static_cast<float>(i) / out;
}

TEST(FadeDetectorTest, RejectsInvalidThreshold) {
  EXPECT_EQ(FadeDetector::Create(0.0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(FadeDetector::Create(100.0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(FadeDetector::Create(std::nan("")).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(FadeDetector::Create(12.0).ok());
}

TEST(FadeDetectorTest, EmptyInputHasNoFades) {
  const Fades f = FadeDetector::Create().value().compute({}, kFrameRate, 0.0);
  EXPECT_EQ(f.end_of_fade_in, 0.0);
  EXPECT_EQ(f.start_of_fade_out, 0.0);
  const Fades g = FadeDetector::Create().value().compute({}, kFrameRate, 3.0);
  EXPECT_EQ(g.end_of_fade_in, 0.0);
  EXPECT_EQ(g.start_of_fade_out, 3.0);
}

TEST(FadeDetectorTest, SilenceHasNoFades) {
  const Fades f = Detect(test::Silence(10.0));
  EXPECT_EQ(f.end_of_fade_in, 0.0);
  EXPECT_DOUBLE_EQ(f.start_of_fade_out, 10.0);
}

TEST(FadeDetectorTest, AbruptStartAndEndHaveNoFades) {
  const auto x = test::Cadence(0, true, 0.5, 8);  // 16 s
  const Fades f = Detect(x);
  EXPECT_LT(f.end_of_fade_in, 0.1);
  EXPECT_NEAR(f.start_of_fade_out, x.size() / static_cast<double>(kRate), 0.1);
}

// The required accuracy: a linear 5 s fade-in and fade-out are found within 1 s, on a
// stationary signal (noise) and on music (a cadence with its own level changes).
TEST(FadeDetectorTest, LinearFiveSecondFadesAreFoundWithinOneSecond) {
  auto noise = test::WhiteNoise(30.0, 0.3f, 12);
  ApplyFades(noise, 5.0, 5.0);
  const Fades a = Detect(noise);
  EXPECT_NEAR(a.end_of_fade_in, 5.0, 1.0);
  EXPECT_NEAR(a.start_of_fade_out, 25.0, 1.0);

  auto music = test::Cadence(7, false, 0.5, 15);  // 30 s
  const double duration = music.size() / static_cast<double>(kRate);
  ApplyFades(music, 5.0, 5.0);
  const Fades b = Detect(music);
  EXPECT_NEAR(b.end_of_fade_in, 5.0, 1.0);
  EXPECT_NEAR(b.start_of_fade_out, duration - 5.0, 1.0);
}

TEST(FadeDetectorTest, LeadingAndTrailingSilenceBoundTheSound) {
  auto x = test::Silence(3.0);
  const auto body = test::WhiteNoise(20.0, 0.3f, 1);
  x.insert(x.end(), body.begin(), body.end());
  const auto tail = test::Silence(4.0);
  x.insert(x.end(), tail.begin(), tail.end());
  const Fades f = Detect(x);
  EXPECT_NEAR(f.end_of_fade_in, 3.0, 0.1);
  EXPECT_NEAR(f.start_of_fade_out, 23.0, 0.1);
}

TEST(FadeDetectorTest, QuietIntroIsNotAFade) {
  // 10 s at -20 dB then 20 s at full level: a step, not a gradual rise.
  auto x = test::WhiteNoise(30.0, 0.3f, 6);
  for (std::size_t i = 0; i < 10 * static_cast<std::size_t>(kRate); ++i) x[i] *= 0.1f;
  const Fades f = Detect(x);
  EXPECT_LT(f.end_of_fade_in, 0.1);
}

TEST(FadeDetectorTest, ShallowRampBelowThresholdIsNotAFade) {
  // A 6 dB rise over 5 s stays under the 12 dB threshold.
  auto x = test::WhiteNoise(30.0, 0.3f, 7);
  const auto ramp = static_cast<std::size_t>(5.0 * kRate);
  for (std::size_t i = 0; i < ramp; ++i) x[i] *= static_cast<float>(0.5 + 0.5 * i / ramp);
  EXPECT_LT(Detect(x).end_of_fade_in, 0.1);
}

}  // namespace
}  // namespace sonance
