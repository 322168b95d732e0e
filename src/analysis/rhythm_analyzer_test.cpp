#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "sonance/analysis/rhythm.h"
#include "support/fixtures.h"
#include "support/signals.h"

namespace sonance {
namespace {

RhythmAnalyzer MakeAnalyzer() {
  auto a = RhythmAnalyzer::Create({});
  EXPECT_TRUE(a.ok()) << a.status().ToString();
  return std::move(a).value();
}

// Distance from t to the nearest multiple of period, in seconds.
double OffGrid(double t, double period) {
  const double r = std::fmod(t, period);
  return std::min(r, period - r);
}

void ExpectWellFormed(const RhythmResult& r) {
  for (std::size_t i = 0; i < r.beats.size(); ++i) {
    EXPECT_GE(r.beats[i].confidence, 0.0);
    EXPECT_LE(r.beats[i].confidence, 1.0);
    EXPECT_GT(r.beats[i].duration, 0.0);
    if (i > 0) {
      EXPECT_GT(r.beats[i].start, r.beats[i - 1].start);
    }
  }
  for (const auto* list : {&r.bars, &r.tatums}) {
    for (const TimeInterval& t : *list) {
      EXPECT_GE(t.confidence, 0.0);
      EXPECT_LE(t.confidence, 1.0);
      EXPECT_GT(t.duration, 0.0);
    }
  }
  EXPECT_GE(r.time_signature, 3);
  EXPECT_LE(r.time_signature, 7);
  EXPECT_GE(r.tempo.confidence, 0.0);
  EXPECT_LE(r.tempo.confidence, 1.0);
  EXPECT_GE(r.time_signature_confidence, 0.0);
  EXPECT_LE(r.time_signature_confidence, 1.0);
}

TEST(RhythmAnalyzerTest, RejectsInvalidOptions) {
  RhythmOptions o;
  o.sample_rate = 0;
  EXPECT_EQ(RhythmAnalyzer::Create(o).status().code(), StatusCode::kInvalidArgument);
  o = {};
  o.min_bpm = 150;
  o.max_bpm = 100;
  EXPECT_EQ(RhythmAnalyzer::Create(o).status().code(), StatusCode::kInvalidArgument);
  o = {};
  o.min_bpm = 0;
  EXPECT_EQ(RhythmAnalyzer::Create(o).status().code(), StatusCode::kInvalidArgument);
  o = {};
  o.max_bpm = 1000;
  EXPECT_EQ(RhythmAnalyzer::Create(o).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(RhythmAnalyzer::Create({}).ok());
}

TEST(RhythmAnalyzerTest, EmptyInputHasNoPulse) {
  const RhythmResult r = MakeAnalyzer().compute({});
  EXPECT_EQ(r.tempo.bpm, 0.0);
  EXPECT_EQ(r.tempo.confidence, 0.0);
  EXPECT_EQ(r.time_signature, 4);
  EXPECT_EQ(r.time_signature_confidence, 0.0);
  EXPECT_TRUE(r.beats.empty());
  EXPECT_TRUE(r.bars.empty());
  EXPECT_TRUE(r.tatums.empty());
  EXPECT_TRUE(r.onset_envelope.empty());
}

TEST(RhythmAnalyzerTest, SilenceHasNoPulse) {
  const RhythmResult r = MakeAnalyzer().compute(test::Silence(10.0));
  EXPECT_EQ(r.tempo.bpm, 0.0);
  EXPECT_EQ(r.tempo.confidence, 0.0);
  EXPECT_TRUE(r.beats.empty());
  EXPECT_FALSE(r.onset_envelope.empty());
  EXPECT_NEAR(r.envelope_rate, 22050.0 / 256.0, 1e-9);
  EXPECT_TRUE(std::all_of(r.onset_envelope.begin(), r.onset_envelope.end(),
                          [](float v) { return v == 0.0f; }));
}

TEST(RhythmAnalyzerTest, WhiteNoiseAndSteadyToneHaveNoPulse) {
  for (const auto& x : {test::WhiteNoise(30.0, 0.5f, 11), test::Sine(440.0, 10.0, 0.5f)}) {
    const RhythmResult r = MakeAnalyzer().compute(x);
    EXPECT_EQ(r.tempo.bpm, 0.0);
    EXPECT_EQ(r.tempo.confidence, 0.0);
    EXPECT_TRUE(r.beats.empty());
    EXPECT_TRUE(r.bars.empty());
  }
}

class ClickTempoTest : public ::testing::TestWithParam<double> {};

TEST_P(ClickTempoTest, FindsTempoWithinTwoPercentAndBeatsOnTheClicks) {
  const double bpm = GetParam();
  const RhythmResult r = MakeAnalyzer().compute(test::ClickTrack(bpm, 30.0));
  EXPECT_NEAR(r.tempo.bpm, bpm, 0.02 * bpm);
  EXPECT_GT(r.tempo.confidence, 0.5);
  ExpectWellFormed(r);
  // One beat per click, each within 30 ms of a click (clicks start at t = 0).
  const double period = 60.0 / bpm;
  EXPECT_GE(r.beats.size(), static_cast<std::size_t>(30.0 / period) - 2);
  EXPECT_LE(r.beats.size(), static_cast<std::size_t>(30.0 / period) + 1);
  for (const TimeInterval& b : r.beats) EXPECT_LT(OffGrid(b.start, period), 0.030) << b.start;
  // Unaccented clicks say nothing about the bar: the default meter, without confidence.
  EXPECT_EQ(r.time_signature, 4);
  EXPECT_LT(r.time_signature_confidence, 0.2);
  // Two tatums per beat, the first on the beat.
  ASSERT_EQ(r.tatums.size(), 2 * r.beats.size());
  EXPECT_DOUBLE_EQ(r.tatums[2].start, r.beats[1].start);
  EXPECT_NEAR(r.tatums[3].start - r.tatums[2].start, period / 2, 0.02 * period);
}

INSTANTIATE_TEST_SUITE_P(Tempi, ClickTempoTest,
                         ::testing::Values(60.0, 90.0, 120.0, 150.0, 180.0, 200.0));

struct AccentCase {
  double bpm;
  int accent_every;
};

class AccentedClickTest : public ::testing::TestWithParam<AccentCase> {};

TEST_P(AccentedClickTest, CountsBeatsPerBarAndStartsBarsOnTheAccents) {
  const AccentCase c = GetParam();
  const RhythmResult r = MakeAnalyzer().compute(test::ClickTrack(c.bpm, 40.0, c.accent_every));
  EXPECT_NEAR(r.tempo.bpm, c.bpm, 0.02 * c.bpm);
  EXPECT_EQ(r.time_signature, c.accent_every);
  EXPECT_GT(r.time_signature_confidence, 0.2);
  ExpectWellFormed(r);
  // Accents fall on multiples of accent_every beats, from t = 0.
  const double bar = c.accent_every * 60.0 / c.bpm;
  ASSERT_GE(r.bars.size(), 3u);
  for (const TimeInterval& b : r.bars) {
    if (&b == &r.bars.back()) break;  // the last bar may be cut short
    EXPECT_LT(OffGrid(b.start, bar), 0.030) << b.start;
    EXPECT_NEAR(b.duration, bar, 0.03 * bar);
  }
}

INSTANTIATE_TEST_SUITE_P(Meters, AccentedClickTest,
                         ::testing::Values(AccentCase{90.0, 3}, AccentCase{150.0, 3},
                                           AccentCase{100.0, 4}, AccentCase{170.0, 4},
                                           AccentCase{120.0, 5}, AccentCase{140.0, 7}));

// Short tunes written for these tests, rendered with abc2midi + fluidsynth (piano melody,
// abc2midi's default bass-and-chord accompaniment from the chord symbols).
constexpr const char* kReel = R"(X:1
T:Test reel
M:4/4
L:1/8
Q:1/4=140
K:D
|:"D"A2FA DAFA|"G"B2GB dBGB|"D"A2FA DFAd|"A"cdec "D"d2d2:|
|:"D"f2df afdf|"G"g2bg "D"fdAF|"Em"GBeB "A"AcEG|"A"FAEA "D"D4:|
)";

constexpr const char* kWaltz = R"(X:2
T:Test waltz
M:3/4
L:1/8
Q:1/4=90
K:G
|:"G"B4 AG|"G"D4 GB|"C"c4 BA|"D"A6|"D"A4 GF|"D"D4 FA|"G"G4 AB|"G"G6:|
)";

constexpr const char* kJig = R"(X:3
T:Test jig
M:6/8
L:1/8
Q:3/8=100
K:A
|:"A"ECE ACE|"A"c2B A2E|"D"FAF "A"ECE|"E"B,2C D2B,|"A"ECE ACE|"A"c2B A2c|"D"d2f "E"e2d|"A"c3 A3:|
)";

struct TuneCase {
  const char* name;
  const char* abc;
  double bpm;          // felt beats per minute (the dotted quarter in 6/8)
  int time_signature;  // expected value, see meter_estimator.h for 6/8
  int tatums_per_beat;
};

class RenderedTuneTest : public ::testing::TestWithParam<TuneCase> {};

TEST_P(RenderedTuneTest, FindsTempoMeterAndBarsOfTheScore) {
  const TuneCase c = GetParam();
  if (!test::HaveTool("abc2midi") || !test::HaveTool("fluidsynth")) {
    GTEST_SKIP() << "abc2midi or fluidsynth missing (scripts/setup.sh installs them)";
  }
  test::TempDir dir;
  const auto wav = dir / (std::string(c.name) + ".wav");
  ASSERT_TRUE(test::RenderAbc(c.abc, wav, test::kRate));
  int rate = 0;
  const std::vector<float> x = test::ReadWav(wav, &rate);
  ASSERT_EQ(rate, test::kRate);

  const RhythmResult r = MakeAnalyzer().compute(x);
  EXPECT_NEAR(r.tempo.bpm, c.bpm, 0.02 * c.bpm);
  EXPECT_EQ(r.time_signature, c.time_signature);
  ExpectWellFormed(r);
  ASSERT_FALSE(r.beats.empty());
  EXPECT_EQ(r.tatums.size(), c.tatums_per_beat * r.beats.size());

  // The tunes start on a downbeat at t = 0: beats sit on the beat grid and bars on the
  // bar grid of the score.
  const double beat = 60.0 / c.bpm;
  const int beats_per_bar = c.time_signature == 6 ? 2 : c.time_signature;
  for (const TimeInterval& b : r.beats) EXPECT_LT(OffGrid(b.start, beat), 0.040) << b.start;
  ASSERT_GE(r.bars.size(), 4u);
  for (std::size_t i = 0; i + 1 < r.bars.size(); ++i) {
    EXPECT_LT(OffGrid(r.bars[i].start, beats_per_bar * beat), 0.040) << r.bars[i].start;
  }
}

INSTANTIATE_TEST_SUITE_P(Tunes, RenderedTuneTest,
                         ::testing::Values(TuneCase{"reel", kReel, 140.0, 4, 2},
                                           TuneCase{"waltz", kWaltz, 90.0, 3, 2},
                                           TuneCase{"jig", kJig, 100.0, 6, 3}),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace sonance
