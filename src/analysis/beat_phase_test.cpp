#include "analysis/beat_phase.h"

#include <gtest/gtest.h>

#include <vector>

namespace sonance {
namespace {

BeatPhaseAligner MakeAligner() {
  auto a = BeatPhaseAligner::Create({});
  EXPECT_TRUE(a.ok()) << a.status().ToString();
  return std::move(a).value();
}

// Beats every 60 frames from frame 90; bass impulses `offset` frames after each beat, and
// one more beat-interval earlier (at offset - 60 + 90 = 30 + offset, when >= 0).
struct Grid {
  std::vector<double> beats;
  std::vector<float> bass;
};

Grid MakeGrid(int offset) {
  Grid g;
  g.bass.assign(1300, 0.0f);
  for (double f = 90.0; f < 1200.0; f += 60.0) g.beats.push_back(f);
  for (int f = 30 + offset; f < 1300; f += 60) g.bass[static_cast<std::size_t>(f)] = 5.0f;
  return g;
}

TEST(BeatPhaseTest, RejectsInvalidOptions) {
  BeatPhaseOptions o;
  o.margin = 0.5;
  EXPECT_EQ(BeatPhaseAligner::Create(o).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(BeatPhaseAligner::Create({}).ok());
}

TEST(BeatPhaseTest, EmptyOrSilentInputKeepsTheBeats) {
  const BeatPhaseAligner a = MakeAligner();
  EXPECT_TRUE(a.compute({}, {}, 2).frames.empty());
  const Grid g = MakeGrid(0);
  const std::vector<float> silent(g.bass.size(), 0.0f);
  const BeatPhase p = a.compute(silent, g.beats, 3);
  EXPECT_EQ(p.shift_tatums, 0);
  EXPECT_EQ(p.frames, g.beats);
}

TEST(BeatPhaseTest, KeepsBeatsThatAreOnTheBass) {
  const Grid g = MakeGrid(0);
  const BeatPhase p = MakeAligner().compute(g.bass, g.beats, 3);
  EXPECT_EQ(p.shift_tatums, 0);
  EXPECT_EQ(p.frames, g.beats);
}

TEST(BeatPhaseTest, MovesCompoundBeatsOneTatumOntoTheBass) {
  // Bass one tatum (20 frames of a 60-frame beat in 3) after every tracked beat, as when the
  // tracker followed the off-beat chords of a 6/8 accompaniment.
  const Grid g = MakeGrid(20);
  const BeatPhase p = MakeAligner().compute(g.bass, g.beats, 3);
  EXPECT_EQ(p.shift_tatums, 1);
  // The first shifted beat is at 110; one beat earlier (50) there is bass too, so it is added.
  ASSERT_EQ(p.frames.size(), g.beats.size() + 1);
  EXPECT_DOUBLE_EQ(p.frames[0], 50.0);
  for (std::size_t i = 0; i < g.beats.size(); ++i)
    EXPECT_DOUBLE_EQ(p.frames[i + 1], g.beats[i] + 20.0);
}

TEST(BeatPhaseTest, MovesSimpleBeatsHalfABeatOntoTheBass) {
  const Grid g = MakeGrid(30);
  const BeatPhase p = MakeAligner().compute(g.bass, g.beats, 2);
  EXPECT_EQ(p.shift_tatums, 1);
  EXPECT_DOUBLE_EQ(p.frames[1], g.beats[0] + 30.0);
}

}  // namespace
}  // namespace sonance
