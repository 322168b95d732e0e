#include "analysis/meter_estimator.h"

#include <gtest/gtest.h>

#include <vector>

#include "analysis/onset_envelope.h"
#include "support/signals.h"

namespace sonance {
namespace {

MeterEstimator MakeEstimator() {
  auto m = MeterEstimator::Create({});
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return std::move(m).value();
}

OnsetEnvelope EnvelopeOf(const std::vector<float>& x) {
  auto c = OnsetEnvelopeComputer::Create({});
  EXPECT_TRUE(c.ok());
  return c->compute(x);
}

// Beat frames of a steady pulse: beats first..last-1 of `bpm`, from t = 0.
std::vector<double> BeatFrames(const OnsetEnvelope& env, double bpm, int first, int last) {
  std::vector<double> frames;
  for (int k = first; k < last; ++k) frames.push_back(k * 60.0 / bpm * env.frame_rate);
  return frames;
}

// Accompaniment without accents: a bass note (D2) on the first beat of every bar and a
// chord (D major around middle C) on the others, all at the same amplitude.
std::vector<float> OomPah(int beats_per_bar, double bpm, int bars) {
  std::vector<float> x;
  const double beat = 60.0 / bpm;
  for (int k = 0; k < bars * beats_per_bar; ++k) {
    if (k % beats_per_bar == 0) {
      test::AddTone(x, 38, k * beat, 0.9 * beat, 0.3f);
    } else {
      for (int n : test::Triad(62, true)) test::AddTone(x, n, k * beat, 0.9 * beat, 0.1f);
    }
  }
  return x;
}

TEST(MeterEstimatorTest, RejectsInvalidOptions) {
  MeterEstimatorOptions o;
  o.max_lag_beats = 2;
  EXPECT_EQ(MeterEstimator::Create(o).status().code(), StatusCode::kInvalidArgument);
  o = {};
  o.min_contrast = 2.0;
  EXPECT_EQ(MeterEstimator::Create(o).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(MeterEstimator::Create({}).ok());
}

TEST(MeterEstimatorTest, TooFewBeatsOrNoEnvelopeGiveTheDefaultMeter) {
  const MeterEstimator m = MakeEstimator();
  const OnsetEnvelope env = EnvelopeOf(test::ClickTrack(120, 3.0, 3));
  const MeterAnalysis simple = m.compute(env, BeatFrames(env, 120, 0, 4), 2);
  EXPECT_EQ(simple.time_signature, 4);
  EXPECT_EQ(simple.beats_per_bar, 4);
  EXPECT_EQ(simple.tatums_per_beat, 2);
  EXPECT_EQ(simple.confidence, 0.0);
  const MeterAnalysis compound = m.compute(env, BeatFrames(env, 120, 0, 4), 3);
  EXPECT_EQ(compound.time_signature, 6);
  EXPECT_EQ(compound.beats_per_bar, 2);
  EXPECT_EQ(compound.tatums_per_beat, 3);
  const MeterAnalysis empty = m.compute(OnsetEnvelope{}, {}, 2);
  EXPECT_EQ(empty.time_signature, 4);
  EXPECT_EQ(empty.confidence, 0.0);
}

TEST(MeterEstimatorTest, UnaccentedClicksGiveNoEvidence) {
  const OnsetEnvelope env = EnvelopeOf(test::ClickTrack(120, 30.0));
  const MeterAnalysis a = MakeEstimator().compute(env, BeatFrames(env, 120, 0, 60), 2);
  EXPECT_EQ(a.time_signature, 4);
  EXPECT_LT(a.confidence, 0.2);
}

TEST(MeterEstimatorTest, AccentsGiveBeatsPerBarAndTheDownbeat) {
  for (int accent : {3, 4, 5}) {
    const OnsetEnvelope env = EnvelopeOf(test::ClickTrack(130, 40.0, accent));
    // The beat list starts one beat after an accent: the first downbeat is beat accent - 1.
    const MeterAnalysis a = MakeEstimator().compute(env, BeatFrames(env, 130, 1, 85), 2);
    EXPECT_EQ(a.time_signature, accent);
    EXPECT_EQ(a.beats_per_bar, accent);
    EXPECT_EQ(a.first_downbeat, accent - 1);
    EXPECT_GT(a.confidence, 0.2);
    ASSERT_EQ(a.contrast.size(), 6u);
    EXPECT_EQ(a.lag_distance.size(), 14u);
  }
}

TEST(MeterEstimatorTest, BassAndChordPatternsGiveTheMeterWithoutAccents) {
  const MeterEstimator m = MakeEstimator();
  // Oom-pah-pah: 3/4, bars start on the bass.
  const OnsetEnvelope waltz = EnvelopeOf(OomPah(3, 120, 12));
  const MeterAnalysis three = m.compute(waltz, BeatFrames(waltz, 120, 2, 36), 2);
  EXPECT_EQ(three.time_signature, 3);
  EXPECT_EQ(three.first_downbeat, 1);  // beat 3 of the score is the second in the list
  // Oom-pah-pah-pah: 4/4.
  const OnsetEnvelope march = EnvelopeOf(OomPah(4, 120, 9));
  const MeterAnalysis four = m.compute(march, BeatFrames(march, 120, 0, 36), 2);
  EXPECT_EQ(four.time_signature, 4);
  EXPECT_EQ(four.first_downbeat, 0);
}

TEST(MeterEstimatorTest, CompoundMetersAreSixEightUnlessBeatsGroupInThrees) {
  const MeterEstimator m = MakeEstimator();
  const OnsetEnvelope plain = EnvelopeOf(test::ClickTrack(100, 30.0));
  const MeterAnalysis six = m.compute(plain, BeatFrames(plain, 100, 0, 50), 3);
  EXPECT_EQ(six.time_signature, 6);
  EXPECT_EQ(six.beats_per_bar, 2);
  EXPECT_EQ(six.tatums_per_beat, 3);
  const OnsetEnvelope accented = EnvelopeOf(test::ClickTrack(100, 30.0, 3));
  const MeterAnalysis nine = m.compute(accented, BeatFrames(accented, 100, 0, 50), 3);
  EXPECT_EQ(nine.time_signature, 3);
  EXPECT_EQ(nine.beats_per_bar, 3);
}

}  // namespace
}  // namespace sonance
