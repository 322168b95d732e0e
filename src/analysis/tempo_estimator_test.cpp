#include "analysis/tempo_estimator.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "analysis/onset_envelope.h"
#include "support/signals.h"

namespace sonance {
namespace {

constexpr double kFrameRate = 22050.0 / 256.0;

TempoEstimator MakeEstimator() {
  auto t = TempoEstimator::Create({});
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return std::move(t).value();
}

// An envelope of `seconds` with one onset pattern per beat: pattern[j] is the strength of
// the onset j / pattern.size() of the way through the beat (0 = nothing).
std::vector<float> PatternEnvelope(double bpm, double seconds, const std::vector<float>& pattern,
                                   std::size_t accent_every = 0, float accent = 1.0f) {
  std::vector<float> env(static_cast<std::size_t>(seconds * kFrameRate), 0.0f);
  const double period = 60.0 * kFrameRate / bpm;
  for (std::size_t beat = 0;; ++beat) {
    for (std::size_t j = 0; j < pattern.size(); ++j) {
      const double pos = (beat + static_cast<double>(j) / pattern.size()) * period;
      const auto f = static_cast<std::size_t>(std::lround(pos));
      if (f >= env.size()) return env;
      float v = pattern[j];
      if (j == 0 && accent_every > 0 && beat % accent_every == 0) v *= accent;
      env[f] += v;
    }
  }
}

TEST(TempoEstimatorTest, RejectsInvalidOptions) {
  auto bad = [](auto change) {
    TempoEstimatorOptions o;
    change(o);
    return TempoEstimator::Create(o).status().code() == StatusCode::kInvalidArgument;
  };
  EXPECT_TRUE(bad([](auto& o) { o.min_bpm = 10.0; }));
  EXPECT_TRUE(bad([](auto& o) { o.max_bpm = 40.0; }));
  EXPECT_TRUE(bad([](auto& o) { o.max_bpm = 500.0; }));
  EXPECT_TRUE(bad([](auto& o) { o.detrend_seconds = 0.0; }));
  EXPECT_TRUE(bad([](auto& o) { o.level_ratio = 0.1; }));
  EXPECT_TRUE(bad([](auto& o) { o.min_salience = -0.5; }));
  EXPECT_TRUE(bad([](auto& o) { o.max_lag_beats = 0.5; }));
  EXPECT_TRUE(TempoEstimator::Create({}).ok());
}

TEST(TempoEstimatorTest, EmptyFlatAndTooShortEnvelopesHaveNoPulse) {
  const TempoEstimator t = MakeEstimator();
  for (const auto& env : {std::vector<float>{}, std::vector<float>(2000, 0.0f),
                          std::vector<float>(2000, 3.0f), std::vector<float>(30, 1.0f)}) {
    const TempoAnalysis a = t.compute(env, kFrameRate);
    EXPECT_EQ(a.bpm, 0.0);
    EXPECT_EQ(a.confidence, 0.0);
    EXPECT_EQ(a.period_frames, 0.0);
  }
  EXPECT_EQ(t.compute(PatternEnvelope(120, 20, {1.0f}), 0.0).bpm, 0.0);
}

TEST(TempoEstimatorTest, RandomOnsetsHaveNoPulse) {
  const auto noise = test::WhiteNoise(60.0, 1.0f, 5);
  std::vector<float> env(static_cast<std::size_t>(60 * kFrameRate));
  for (std::size_t i = 0; i < env.size(); ++i) env[i] = std::max(0.0f, noise[i * 7]);
  EXPECT_EQ(MakeEstimator().compute(env, kFrameRate).bpm, 0.0);
}

TEST(TempoEstimatorTest, FindsThePeriodOfImpulseTrainsAcrossTheRange) {
  // The answer is not anchored at 120: every tempo from 55 to 215 comes back within 1%,
  // although the impulses sit on whole frames (the period is found to a fraction of one).
  const TempoEstimator t = MakeEstimator();
  for (double bpm = 55.0; bpm <= 215.0; bpm += 8.0) {
    const TempoAnalysis a = t.compute(PatternEnvelope(bpm, 30, {1.0f}), kFrameRate);
    EXPECT_NEAR(a.bpm, bpm, 0.01 * bpm);
    EXPECT_NEAR(a.period_frames, 60.0 * kFrameRate / bpm, 0.01 * 60.0 * kFrameRate / bpm);
    EXPECT_GT(a.confidence, 0.5);
    EXPECT_EQ(a.subdivision, 2);
  }
}

TEST(TempoEstimatorTest, SlowBeatWithWeakOffbeatsStaysSlow) {
  // 60 BPM, strong beats and weaker, irregular eighths between them: the eighth-note level
  // (120) is in range but not the beat.
  std::vector<float> env = PatternEnvelope(60, 40, {1.0f, 0.0f});
  const auto jitter = test::WhiteNoise(40, 1.0f, 3);
  for (std::size_t beat = 0; beat < 40; ++beat) {
    const auto f = static_cast<std::size_t>(std::lround((beat + 0.5) * kFrameRate));
    if (jitter[beat * 1000] > -0.2f) env[f] += 0.3f;  // most, not all, off-beats sound
  }
  const TempoAnalysis a = MakeEstimator().compute(env, kFrameRate);
  EXPECT_NEAR(a.bpm, 60.0, 1.2);
}

TEST(TempoEstimatorTest, FastBeatWithBarAccentsStaysFast) {
  // 200 BPM with every other beat accented: the 100 BPM level is as periodic, but not more,
  // so the faster level is the beat.
  const TempoAnalysis a =
      MakeEstimator().compute(PatternEnvelope(200, 30, {1.0f}, 2, 1.6f), kFrameRate);
  EXPECT_NEAR(a.bpm, 200.0, 4.0);
}

TEST(TempoEstimatorTest, EvenPulseAboveTheRangeFoldsToTheSlowerLevel) {
  // Even pulses at 300 per minute are out of range: the beat is the 150 level.
  const TempoAnalysis a =
      MakeEstimator().compute(PatternEnvelope(150, 30, {1.0f, 1.0f}), kFrameRate);
  EXPECT_NEAR(a.bpm, 150.0, 3.0);
}

TEST(TempoEstimatorTest, TellsCompoundFromSimpleSubdivision) {
  const TempoEstimator t = MakeEstimator();
  // 6/8 at 100 dotted quarters per minute: beat, then two eighths 12 dB weaker.
  const TempoAnalysis compound =
      t.compute(PatternEnvelope(100, 30, {1.0f, 0.25f, 0.25f}), kFrameRate);
  EXPECT_NEAR(compound.bpm, 100.0, 2.0);
  EXPECT_EQ(compound.subdivision, 3);
  // 2/4 at 100: beat, then one eighth 12 dB weaker.
  const TempoAnalysis simple = t.compute(PatternEnvelope(100, 30, {1.0f, 0.25f}), kFrameRate);
  EXPECT_NEAR(simple.bpm, 100.0, 2.0);
  EXPECT_EQ(simple.subdivision, 2);
}

TEST(TempoEstimatorTest, RespectsTheConfiguredRange) {
  TempoEstimatorOptions o;
  o.min_bpm = 100.0;
  o.max_bpm = 180.0;
  auto t = TempoEstimator::Create(o);
  ASSERT_TRUE(t.ok());
  // 60 BPM clicks: the slowest level within 100..180 is 120.
  const TempoAnalysis a = t->compute(PatternEnvelope(60, 30, {1.0f}), kFrameRate);
  EXPECT_NEAR(a.bpm, 120.0, 2.4);
}

TEST(TempoEstimatorTest, ClickTracksThroughTheOnsetEnvelope) {
  auto envelope = OnsetEnvelopeComputer::Create({});
  ASSERT_TRUE(envelope.ok());
  const TempoEstimator t = MakeEstimator();
  for (double bpm : {60.0, 97.0, 143.0, 200.0}) {
    const OnsetEnvelope e = envelope->compute(test::ClickTrack(bpm, 20.0));
    EXPECT_NEAR(t.compute(e.strength, e.frame_rate).bpm, bpm, 0.02 * bpm);
  }
}

}  // namespace
}  // namespace sonance
