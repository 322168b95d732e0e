#include "sonance/analysis/loudness.h"

#include <gtest/gtest.h>

#include <cmath>

#include "support/signals.h"

namespace sonance {
namespace {

using test::kRate;

LoudnessMeter Meter() {
  return LoudnessMeter::Create({}).value();
}

TEST(LoudnessMeterTest, RejectsInvalidOptions) {
  LoudnessOptions o;
  o.sample_rate = 0;
  EXPECT_EQ(LoudnessMeter::Create(o).status().code(), StatusCode::kInvalidArgument);
  o = {};
  o.floor_db = 10.0;
  EXPECT_EQ(LoudnessMeter::Create(o).status().code(), StatusCode::kInvalidArgument);
  o = {};
  o.floor_db = std::nan("");
  EXPECT_EQ(LoudnessMeter::Create(o).status().code(), StatusCode::kInvalidArgument);
}

TEST(LoudnessMeterTest, EmptyInputIsTheFloor) {
  const LoudnessMeter m = Meter();
  EXPECT_DOUBLE_EQ(m.Integrated({}), -60.0);
  EXPECT_TRUE(m.Curve({}, 512).empty());
}

TEST(LoudnessMeterTest, SilenceIsTheFloor) {
  const LoudnessMeter m = Meter();
  const auto x = test::Silence(5.0);
  EXPECT_DOUBLE_EQ(m.Integrated(x), -60.0);
  for (float v : m.Curve(x, 512)) EXPECT_FLOAT_EQ(v, -60.0f);
}

// EBU Tech 3341 / ITU-R BS.1770: a 0 dBFS 997 Hz sine in one channel reads -3.01 LUFS (the
// K-weighting is ~0 dB there and a sine's mean square is half its peak squared). The
// standard allows +-0.1 LU for its compliance signals; libebur128 designs the K filter for
// 22,050 Hz by the bilinear transform, whose small warping near 1 kHz stays well inside.
TEST(LoudnessMeterTest, FullScaleSineReadsMinusThreeLufs) {
  const auto x = test::Sine(997.0, 10.0, 1.0f);
  EXPECT_NEAR(Meter().Integrated(x), -3.01, 0.1);
}

TEST(LoudnessMeterTest, TwentyDbQuieterSineReadsTwentyLuLower) {
  const LoudnessMeter m = Meter();
  const double loud = m.Integrated(test::Sine(997.0, 10.0, 1.0f));
  const double quiet = m.Integrated(test::Sine(997.0, 10.0, 0.1f));
  EXPECT_NEAR(loud - quiet, 20.0, 0.05);
}

TEST(LoudnessMeterTest, VeryQuietSignalIsFloored) {
  // -80 dBFS is below the floor; the absolute gate of BS.1770 (-70 LUFS) also drops it.
  EXPECT_DOUBLE_EQ(Meter().Integrated(test::Sine(997.0, 5.0, 1e-4f)), -60.0);
}

TEST(LoudnessMeterTest, CurveHasOneValuePerHopAndSineLevel) {
  const LoudnessMeter m = Meter();
  const auto x = test::Sine(440.0, 3.0, 0.5f);  // RMS = 0.5 / sqrt(2) = -9.03 dBFS
  const auto c = m.Curve(x, 512);
  ASSERT_EQ(c.size(), (x.size() + 511) / 512);
  // Interior windows hold whole stretches of the sine; the first and last are half empty.
  for (std::size_t i = 2; i + 2 < c.size(); ++i) EXPECT_NEAR(c[i], -9.03, 0.05) << i;
  EXPECT_NEAR(c[0], -9.03 - 3.01, 0.1);
}

TEST(LoudnessMeterTest, CurveFollowsAStepWithinAHop) {
  const LoudnessMeter m = Meter();
  auto x = test::Silence(1.0);
  const auto tone = test::Sine(440.0, 1.0, 0.5f);
  x.insert(x.end(), tone.begin(), tone.end());
  const auto c = m.Curve(x, 512);
  // Frame centres are multiples of 512 samples; the step is at 22050 = frame 43.07.
  EXPECT_FLOAT_EQ(c[40], -60.0f);
  EXPECT_GT(c[43], -15.0f);
  EXPECT_NEAR(c[46], -9.03, 0.1);
}

TEST(LoudnessMeterTest, InvalidHopGivesEmptyCurve) {
  EXPECT_TRUE(Meter().Curve(test::Sine(440.0, 1.0, 0.5f), 0).empty());
}

}  // namespace
}  // namespace sonance
