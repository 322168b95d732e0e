#include "analysis/beat_tracker.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace sonance {
namespace {

BeatTracker MakeTracker() {
  auto t = BeatTracker::Create({});
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return std::move(t).value();
}

// Impulses of height 1 at the given frames, in an envelope of n frames.
std::vector<float> Impulses(std::size_t n, const std::vector<double>& frames, float height = 1.0f) {
  std::vector<float> env(n, 0.0f);
  for (double f : frames) {
    const auto i = static_cast<std::size_t>(std::lround(f));
    if (i < n) env[i] = height;
  }
  return env;
}

TEST(BeatTrackerTest, RejectsInvalidOptions) {
  BeatTrackerOptions o;
  o.tightness = 0.0;
  EXPECT_EQ(BeatTracker::Create(o).status().code(), StatusCode::kInvalidArgument);
  o = {};
  o.trim_ratio = 1.5;
  EXPECT_EQ(BeatTracker::Create(o).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(BeatTracker::Create({}).ok());
}

TEST(BeatTrackerTest, EmptyFlatOrMeaninglessInputGivesNoBeats) {
  const BeatTracker t = MakeTracker();
  EXPECT_TRUE(t.compute({}, 40.0).frames.empty());
  EXPECT_TRUE(t.compute(std::vector<float>(1000, 0.0f), 40.0).frames.empty());
  EXPECT_TRUE(t.compute(std::vector<float>(1000, 2.0f), 40.0).frames.empty());
  const auto env = Impulses(1000, {10, 50, 90});
  EXPECT_TRUE(t.compute(env, 0.0).frames.empty());     // no period
  EXPECT_TRUE(t.compute(env, 5000.0).frames.empty());  // period longer than the input
}

TEST(BeatTrackerTest, BeatsLandOnRegularImpulses) {
  std::vector<double> truth;
  for (double f = 13.0; f < 2000.0; f += 37.4) truth.push_back(f);
  const BeatTrack b = MakeTracker().compute(Impulses(2000, truth), 37.4);
  ASSERT_EQ(b.frames.size(), truth.size());
  for (std::size_t i = 0; i < truth.size(); ++i) {
    EXPECT_NEAR(b.frames[i], truth[i], 1.0) << i;
    EXPECT_GT(b.strength[i], 0.9);
    EXPECT_LE(b.strength[i], 1.0);
  }
}

TEST(BeatTrackerTest, FollowsAGradualTempoChange) {
  // The interval grows from 40 to 46 frames (a 13% ritardando); beats stay on the onsets.
  std::vector<double> truth;
  double f = 20.0;
  for (int k = 0; k < 50; ++k) {
    truth.push_back(f);
    f += 40.0 + 6.0 * k / 49.0;
  }
  const BeatTrack b = MakeTracker().compute(Impulses(2300, truth), 43.0);
  ASSERT_EQ(b.frames.size(), truth.size());
  for (std::size_t i = 0; i < truth.size(); ++i) EXPECT_NEAR(b.frames[i], truth[i], 1.0) << i;
}

TEST(BeatTrackerTest, IgnoresOffbeatNoiseBetweenStrongBeats) {
  std::vector<double> truth;
  std::vector<float> env(2000, 0.0f);
  for (double f = 30.0; f < 2000.0; f += 50.0) {
    truth.push_back(f);
    env[static_cast<std::size_t>(f)] = 1.0f;
    if (f + 23 < 2000) env[static_cast<std::size_t>(f + 23)] = 0.3f;  // weak, off the grid
  }
  const BeatTrack b = MakeTracker().compute(env, 50.0);
  ASSERT_EQ(b.frames.size(), truth.size());
  for (std::size_t i = 0; i < truth.size(); ++i) EXPECT_NEAR(b.frames[i], truth[i], 1.0) << i;
}

TEST(BeatTrackerTest, TrimsSilentLeadInAndTail) {
  std::vector<double> truth;
  for (double f = 600.0; f < 1400.0; f += 40.0) truth.push_back(f);
  const BeatTrack b = MakeTracker().compute(Impulses(2000, truth), 40.0);
  ASSERT_FALSE(b.frames.empty());
  EXPECT_NEAR(b.frames.front(), 600.0, 1.0);
  EXPECT_NEAR(b.frames.back(), truth.back(), 1.0);
}

TEST(BeatTrackerTest, WeakerOnsetsGetLowerStrength) {
  std::vector<float> env(1000, 0.0f);
  for (std::size_t f = 20, k = 0; f < 1000; f += 40, ++k) env[f] = k % 2 ? 0.5f : 1.0f;
  const BeatTrack b = MakeTracker().compute(env, 40.0);
  ASSERT_GE(b.frames.size(), 20u);
  for (std::size_t i = 0; i + 1 < b.frames.size(); i += 2) {
    EXPECT_GT(b.strength[i], b.strength[i + 1]);
    EXPECT_NEAR(b.strength[i + 1] / b.strength[i], 0.5, 0.1);
  }
}

}  // namespace
}  // namespace sonance
