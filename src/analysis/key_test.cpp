#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "sonance/analysis/spectrogram.h"
#include "sonance/analysis/tonal.h"
#include "support/fixtures.h"
#include "support/signals.h"

namespace sonance {
namespace {

using test::kRate;

std::vector<Chroma> ChromaOf(const std::vector<float>& x) {
  static const SpectrogramComputer spec = SpectrogramComputer::Create({2048, 512, kRate}).value();
  static const ChromaExtractor chroma = ChromaExtractor::Create({}).value();
  return chroma.compute(spec.compute(x));
}

KeyEstimate Detect(const std::vector<float>& x, KeyOptions o = {}) {
  return KeyDetector::Create(o).value().compute(ChromaOf(x));
}

const char* kNames[12] = {"C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"};

TEST(KeyDetectorTest, RejectsInvalidOptions) {
  const auto bad = [](auto mutate) {
    KeyOptions o;
    mutate(o);
    return KeyDetector::Create(o).status().code() == StatusCode::kInvalidArgument;
  };
  EXPECT_TRUE(bad([](KeyOptions& o) { o.min_tonal_fraction = 1.5; }));
  EXPECT_TRUE(bad([](KeyOptions& o) { o.min_tonal_fraction = std::nan(""); }));
  EXPECT_TRUE(bad([](KeyOptions& o) { o.ending_weight = -1.0; }));
  EXPECT_TRUE(bad([](KeyOptions& o) { o.opening_weight = 11.0; }));
  EXPECT_TRUE(bad([](KeyOptions& o) { o.edge_fraction = 0.0; }));
  EXPECT_TRUE(bad([](KeyOptions& o) { o.edge_fraction = 0.6; }));
  EXPECT_TRUE(bad([](KeyOptions& o) { o.min_contrast = 1.0; }));
  EXPECT_TRUE(bad([](KeyOptions& o) { o.profile = static_cast<KeyProfile>(42); }));
  EXPECT_TRUE(KeyDetector::Create({}).ok());
}

TEST(KeyDetectorTest, NoFramesGiveNoKey) {
  const KeyEstimate k = KeyDetector::Create({}).value().compute({});
  EXPECT_EQ(k.key, -1);
  EXPECT_EQ(k.key_confidence, 0.0);
  EXPECT_EQ(k.mode_confidence, 0.0);
}

TEST(KeyDetectorTest, SilenceGivesNoKey) {
  const KeyEstimate k = Detect(test::Silence(5.0));
  EXPECT_EQ(k.key, -1);
  EXPECT_EQ(k.key_confidence, 0.0);
}

TEST(KeyDetectorTest, WhiteNoiseGivesNoKey) {
  const KeyEstimate k = Detect(test::WhiteNoise(10.0, 0.5f, 3));
  EXPECT_EQ(k.key, -1);
}

TEST(KeyDetectorTest, NoisyCadenceKeepsItsKey) {
  // Noise about 10 dB below the music must not hide the key (nor be mistaken for noise).
  auto x = test::Cadence(5, false, 0.5, 3);
  test::MixInto(x, test::WhiteNoise(6.0, 0.1f, 21), 1.0f);
  const KeyEstimate k = Detect(x);
  EXPECT_EQ(k.key, 5);
  EXPECT_EQ(k.mode, 0);
}

TEST(KeyDetectorTest, FewTonalFramesGiveNoKey) {
  // One short tone in 20 s of silence: 2% tonal frames, below the 5% minimum.
  auto x = test::Silence(20.0);
  test::AddTone(x, 60, 5.0, 0.3, 0.5f);
  EXPECT_EQ(Detect(x).key, -1);
  KeyOptions o;
  o.min_tonal_fraction = 0.0;
  EXPECT_NE(Detect(x, o).key, -1);
}

// I-IV-V-I with the scale on top pins down key and mode for every profile-based method;
// the test covers all 24 keys so that no rotation or table is off by one.
TEST(KeyDetectorTest, CadencesGiveExactKeyAndModeInAll24Keys) {
  for (int tonic = 0; tonic < 12; ++tonic) {
    for (bool major : {true, false}) {
      const KeyEstimate k = Detect(test::Cadence(tonic, major, 0.5, 2));
      EXPECT_EQ(k.key, tonic) << kNames[tonic] << (major ? " major" : " minor");
      EXPECT_EQ(k.mode, major ? 1 : 0) << kNames[tonic] << (major ? " major" : " minor");
      EXPECT_GT(k.key_confidence, 0.3) << kNames[tonic];
      EXPECT_LE(k.key_confidence, 1.0);
      EXPECT_GT(k.mode_confidence, 0.5) << kNames[tonic];
      EXPECT_LE(k.mode_confidence, 1.0);
    }
  }
}

TEST(KeyDetectorTest, EveryProfileFindsACadence) {
  for (KeyProfile p : {KeyProfile::kKrumhansl, KeyProfile::kTemperley, KeyProfile::kShaath,
                       KeyProfile::kAarden, KeyProfile::kTemperleyAarden}) {
    KeyOptions o;
    o.profile = p;
    const KeyEstimate major = Detect(test::Cadence(7, true, 0.5, 2), o);
    EXPECT_EQ(major.key, 7);
    EXPECT_EQ(major.mode, 1);
    const KeyEstimate minor = Detect(test::Cadence(4, false, 0.5, 2), o);
    EXPECT_EQ(minor.key, 4);
    EXPECT_EQ(minor.mode, 0);
  }
}

TEST(KeyDetectorTest, HandMadeChromaOfATonicTriadGivesThatKey) {
  // Pitch-class weights of a G major triad with its scale: a hand computation, no audio.
  Chroma c{};
  for (int pc : {7, 9, 11, 0, 2, 4, 6}) c[static_cast<std::size_t>(pc)] = 0.4f;
  for (int pc : {7, 11, 2}) c[static_cast<std::size_t>(pc)] = 1.0f;
  const std::vector<Chroma> frames(50, c);
  const KeyEstimate k = KeyDetector::Create({}).value().compute(frames);
  EXPECT_EQ(k.key, 7);
  EXPECT_EQ(k.mode, 1);
  // The same set with an E minor triad on top is E minor.
  for (int pc : {7, 11, 2}) c[static_cast<std::size_t>(pc)] = 0.4f;
  for (int pc : {4, 7, 11}) c[static_cast<std::size_t>(pc)] = 1.0f;
  const KeyEstimate m = KeyDetector::Create({}).value().compute(std::vector<Chroma>(50, c));
  EXPECT_EQ(m.key, 4);
  EXPECT_EQ(m.mode, 0);
}

TEST(KeyDetectorTest, CompetingKeyLowersConfidence) {
  // A D major cadence with its neighbour on the circle of fifths, A major, mixed in ever
  // louder: the evidence for D over A weakens until the two are equal.
  const auto d = test::Cadence(2, true, 0.5, 2);
  const auto a = test::Cadence(9, true, 0.5, 2);
  double previous = 2.0;
  for (float gain : {0.4f, 0.7f, 1.0f}) {
    auto x = d;
    test::MixInto(x, a, gain);
    const KeyEstimate k = Detect(x);
    if (gain < 1.0f) {
      EXPECT_EQ(k.key, 2) << gain;
    }
    EXPECT_LT(k.key_confidence, previous) << gain;
    previous = k.key_confidence;
  }
  EXPECT_LT(previous, 0.9);
  EXPECT_GT(Detect(d).key_confidence, 0.95);
}

TEST(KeyDetectorTest, ClosingChordDecidesBetweenRelativeKeys) {
  // The notes of G major / E minor in equal measure, then a long closing E minor chord:
  // without edge evidence the profiles alone cannot tell; with it the ending decides.
  Chroma scale{};
  for (int pc : {7, 9, 11, 0, 2, 4, 6}) scale[static_cast<std::size_t>(pc)] = 0.6f;
  Chroma e_minor{};
  for (int pc : {4, 7, 11}) e_minor[static_cast<std::size_t>(pc)] = 1.0f;
  std::vector<Chroma> frames(200, scale);
  frames.insert(frames.end(), 12, e_minor);
  const KeyEstimate k = KeyDetector::Create({}).value().compute(frames);
  EXPECT_EQ(k.key, 4);
  EXPECT_EQ(k.mode, 0);
}

struct RenderedTune {
  const char* abc;
  int key;
  int mode;
};

// Two short tunes written for this test (not from any collection), with chord
// accompaniment as abc2midi renders it: D major in 4/4 and E minor (harmonic) in 3/4.
const RenderedTune kTunes[] = {
    {"X:1\nT:Test tune in D\nM:4/4\nL:1/8\nQ:1/4=132\nK:D\n"
     "\"D\"d2 fd A2 FA|\"G\"B2 dB \"A\"A2 FE|\"D\"D2 FA d2 fa|\"A7\"g2 ec \"D\"d4|\n"
     "\"D\"f2 af d2 fd|\"G\"g2 bg \"D\"f2 dB|\"Em\"e2 ge \"A7\"c2 AF|\"D\"d6 z2|]\n",
     2, 1},
    {"X:2\nT:Test tune in E minor\nM:3/4\nL:1/8\nQ:1/4=120\nK:Em\n"
     "\"Em\"E2 GA B2|\"Am\"c2 BA \"B7\"^D2|\"Em\"E2 GB e2|\"B7\"^d2 B2 F2|\n"
     "\"Em\"e2 B2 G2|\"Am\"A2 c2 e2|\"B7\"B2 ^D2 F2|\"Em\"E6|]\n",
     4, 0},
};

TEST(KeyDetectorTest, RenderedAbcTunesGiveTheirKeys) {
  if (!test::HaveTool("abc2midi") || !test::HaveTool("fluidsynth")) {
    GTEST_SKIP() << "abc2midi and fluidsynth are needed (scripts/setup.sh installs them)";
  }
  test::TempDir dir;
  for (const RenderedTune& t : kTunes) {
    const auto wav = dir / "tune.wav";
    ASSERT_TRUE(test::RenderAbc(t.abc, wav, kRate));
    int rate = 0;
    const auto x = test::ReadWav(wav, &rate);
    ASSERT_EQ(rate, kRate);
    const KeyEstimate k = Detect(x);
    EXPECT_EQ(k.key, t.key) << t.abc;
    EXPECT_EQ(k.mode, t.mode) << t.abc;
  }
}

}  // namespace
}  // namespace sonance
