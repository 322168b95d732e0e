// End-to-end direction tests of the 0..1 descriptors: audio with a known answer (rendered
// with espeak-ng and abc2midi + fluidsynth, or synthesised) goes through the real pipeline
// pieces (spectrogram, rhythm, chroma + key, loudness) into DescriptorEstimator.
#include "sonance/analysis/descriptors.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "sonance/analysis/loudness.h"
#include "sonance/analysis/rhythm.h"
#include "sonance/analysis/spectrogram.h"
#include "sonance/analysis/tonal.h"
#include "support/fixtures.h"
#include "support/signals.h"

namespace sonance {
namespace {

using test::kRate;

// The pipeline up to the descriptors, as the track analyzer runs it.
Descriptors Analyze(std::span<const float> x) {
  static const auto spectrogram_computer = SpectrogramComputer::Create({2048, 512, kRate}).value();
  static const auto rhythm_analyzer = RhythmAnalyzer::Create({}).value();
  static const auto chroma_extractor = ChromaExtractor::Create({}).value();
  static const auto key_detector = KeyDetector::Create({}).value();
  static const auto loudness_meter = LoudnessMeter::Create({}).value();
  static const auto estimator = DescriptorEstimator::Create({}).value();
  const Spectrogram spectrogram = spectrogram_computer.compute(x);
  const RhythmResult rhythm = rhythm_analyzer.compute(x);
  const KeyEstimate key = key_detector.compute(chroma_extractor.compute(spectrogram));
  const double loudness = loudness_meter.Integrated(x);
  return estimator.compute({x, &spectrogram, &rhythm, &key, loudness});
}

void ExpectBounded(const Descriptors& d) {
  for (double v : {d.danceability, d.energy, d.speechiness, d.acousticness, d.instrumentalness,
                   d.liveness, d.valence}) {
    EXPECT_TRUE(std::isfinite(v));
    EXPECT_GE(v, 0.0);
    EXPECT_LE(v, 1.0);
  }
}

std::string Describe(const Descriptors& d) {
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "danceability %.2f energy %.2f speechiness %.2f acousticness %.2f "
                "instrumentalness %.2f liveness %.2f valence %.2f",
                d.danceability, d.energy, d.speechiness, d.acousticness, d.instrumentalness,
                d.liveness, d.valence);
  return buf;
}

double Rms(const std::vector<float>& x) {
  double s = 0.0;
  for (float v : x) s += static_cast<double>(v) * v;
  return std::sqrt(s / static_cast<double>(std::max<std::size_t>(1, x.size())));
}

// --- Fixtures -------------------------------------------------------------------------

const char kSpeechText[] =
    "The quick brown fox jumps over the lazy dog. Sonance listens to your music on your own "
    "computer, and it never sends anything away. Please call me tomorrow afternoon, so we "
    "can talk about the weather, the garden and the old bicycle.";

// A folk tune in G: eight bars of melody over block chords.
const char kMelody[] =
    "GABc dedB|dedB dedB|c2ec B2dB|c2A2 A2BA|GABc dedB|dedB dedB|c2ec B2dB|A2F2 G4|";
const char kChords[] = "[GBd]8|[GBd]8|[Ace]8|[DFA]8|[GBd]8|[GBd]8|[Ace]8|[DFA]4 [GBd]4|";
const char kBass[] =
    "G,,2G,,2 G,,2G,,2|G,,2G,,2 G,,2G,,2|A,,2A,,2 A,,2A,,2|D,,2D,,2 D,,2D,,2|"
    "G,,2G,,2 G,,2G,,2|G,,2G,,2 G,,2G,,2|A,,2A,,2 A,,2A,,2|D,,2D,,2 G,,2G,,2|";

std::string Header(const std::string& key, int bpm) {
  return "X:1\nT:fixture\nM:4/4\nL:1/8\nQ:1/4=" + std::to_string(bpm) + "\nK:" + key + "\n";
}

std::string Voice(int n, int program, const std::string& dynamics, const std::string& notes,
                  const std::string& clef = "") {
  return "V:" + std::to_string(n) + clef + "\n%%MIDI program " + std::to_string(program) + "\n" +
         dynamics + " " + notes + "\n";
}

// Melody and chords on one General MIDI program.
std::string Tune(int program, int bpm) {
  return Header("G", bpm) + Voice(1, program, "!mf!", kMelody) + Voice(2, program, "!mf!", kChords);
}

// Brass, strings, distortion guitar, bass and organ at full force.
std::string DenseMix() {
  return Header("G", 132) + Voice(1, 61, "!fff!", kMelody) + Voice(2, 48, "!fff!", kChords) +
         Voice(3, 30, "!fff!", kChords) + Voice(4, 33, "!fff!", kBass, " clef=bass") +
         Voice(5, 19, "!fff!", kChords);
}

std::string QuietSolo() {
  return Header("G", 90) + Voice(1, 73, "!pp!", kMelody);
}

// The same kind of tune twice: D major, fast, xylophone over piano; D minor, slow, cello.
std::string MajorFastBright() {
  const std::string melody =
      "d2fe d2A2|B2AG F2A2|d2fa g2fe|f2e2 d4|a2ag f2d2|e2fg a2A2|d2fe dBAF|A2c2 d4|";
  const std::string chords =
      "[DFA]8|[GBd]8|[DFA]8|[Ace]8|[DFA]8|[Ace]8|[DFA]4 [GBd]4|[Ace]4 [DFA]4|";
  return Header("D", 160) + Voice(1, 13, "!f!", melody) + Voice(2, 0, "!mf!", chords);
}

std::string MinorSlowDark() {
  const std::string melody = "D,2F,A, A,2F,D,|G,2B,D B,2G,2|A,2^C,E, E,2^C,A,,|D,2F,A, D,4|";
  const std::string chords = "[D,F,A,]8|[G,,B,,D,]8|[A,,^C,E,]8|[D,F,A,]8|";
  return Header("Dm", 60) + Voice(1, 42, "!mp!", melody, " clef=bass") +
         Voice(2, 42, "!p!", chords, " clef=bass");
}

// Kick on every beat, snare on 2 and 4, closed hi-hat on every eighth note.
std::vector<float> FourOnTheFloor(double bpm, double seconds) {
  std::vector<float> x(static_cast<std::size_t>(seconds * kRate), 0.0f);
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  const double eighth = 30.0 / bpm;
  for (int k = 0; k * eighth < seconds; ++k) {
    const auto start = static_cast<std::size_t>(k * eighth * kRate);
    float previous = 0.0f;
    for (int i = 0; i < kRate / 25 && start + i < x.size(); ++i) {  // hi-hat: bright noise
      const float n = u(rng);
      x[start + i] += 0.15f * (n - previous) * std::exp(-i / (0.01f * kRate));
      previous = n;
    }
    if (k % 2 != 0) continue;
    double phase = 0.0;
    for (int i = 0; i < kRate / 4 && start + i < x.size(); ++i) {  // kick: falling sine sweep
      const double t = static_cast<double>(i) / kRate;
      phase += 2.0 * std::numbers::pi * (50.0 + 100.0 * std::exp(-t / 0.03)) / kRate;
      x[start + i] += static_cast<float>(0.8 * std::sin(phase) * std::exp(-t / 0.12));
    }
    if ((k / 2) % 2 == 0) continue;
    for (int i = 0; i < kRate / 6 && start + i < x.size(); ++i) {  // snare: noise and tone
      const double t = static_cast<double>(i) / kRate;
      x[start + i] +=
          static_cast<float>((0.35 * u(rng) + 0.2 * std::sin(2.0 * std::numbers::pi * 190.0 * t)) *
                             std::exp(-t / 0.05));
    }
  }
  test::Normalize(x, 0.9f);
  return x;
}

// Notes of a C major scale at random, irregular times: free-time rubato without a pulse.
std::vector<float> Rubato(double seconds) {
  std::vector<float> x;
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> gap(0.2, 1.6);
  std::uniform_int_distribution<int> degree(0, 7);
  const int scale[8] = {60, 62, 64, 65, 67, 69, 71, 72};
  for (double t = 0.1; t < seconds - 1.0; t += gap(rng)) {
    test::AddTone(x, scale[degree(rng)], t, 1.5, 0.3f);
  }
  x.resize(static_cast<std::size_t>(seconds * kRate), 0.0f);
  test::Normalize(x, 0.7f);
  return x;
}

// A three-voice detuned sawtooth riff, driven hard into clipping.
std::vector<float> ClippedSawSynth(double seconds) {
  std::vector<float> x(static_cast<std::size_t>(seconds * kRate), 0.0f);
  const int notes[8] = {43, 43, 46, 48, 43, 43, 50, 48};
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double t = static_cast<double>(i) / kRate;
    const int note = notes[static_cast<int>(t / 0.25) % 8];
    double v = 0.0;
    for (int voice = 0; voice < 3; ++voice) {
      const double hz =
          440.0 * std::pow(2.0, (note - 69 + 12 * voice) / 12.0) * (1 + 0.003 * voice);
      v += 2.0 * std::fmod(t * hz, 1.0) - 1.0;
    }
    x[i] = static_cast<float>(0.9 * std::clamp(3.0 * v, -1.0, 1.0));
  }
  return x;
}

// An audience: murmur (low-passed noise with a slow swell) and scattered claps.
std::vector<float> Audience(std::size_t n) {
  std::vector<float> x(n, 0.0f);
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  float murmur = 0.0f;
  for (std::size_t i = 0; i < n; ++i) {
    murmur += 0.25f * (u(rng) - murmur);
    const double t = static_cast<double>(i) / kRate;
    x[i] = murmur * static_cast<float>(0.8 + 0.2 * std::sin(2.0 * std::numbers::pi * 0.3 * t));
  }
  std::exponential_distribution<double> gap(25.0);  // claps per second
  for (double t = 0.0; t * kRate < static_cast<double>(n); t += gap(rng)) {
    const auto start = static_cast<std::size_t>(t * kRate);
    const float gain = 0.3f + 0.7f * std::abs(u(rng));
    for (int i = 0; i < kRate / 50 && start + i < n; ++i) {
      x[start + i] += gain * u(rng) * std::exp(-i / (0.004f * kRate));
    }
  }
  test::Normalize(x, 1.0f);
  return x;
}

// Renders each fixture once per test run, on first use.
class DescriptorsTest : public ::testing::Test {
 protected:
  static void TearDownTestSuite() {
    cache().clear();
    dir_.reset();
  }

  static const std::vector<float>& Rendered(const std::string& name, const std::string& abc) {
    auto it = cache().find(name);
    if (it != cache().end()) return it->second;
    const auto wav = Dir() / (name + ".wav");
    std::vector<float> x;
    if (test::RenderAbc(abc, wav, kRate)) x = Read(wav);
    return cache()[name] = std::move(x);
  }

  static const std::vector<float>& Spoken() {
    auto it = cache().find("speech");
    if (it != cache().end()) return it->second;
    const auto wav = Dir() / "speech.wav";
    std::vector<float> x;
    if (test::Speak(kSpeechText, wav)) x = Read(wav);
    return cache()["speech"] = std::move(x);
  }

  static const std::vector<float>& PianoTune() { return Rendered("piano", Tune(0, 120)); }

 private:
  static std::vector<float> Read(const std::filesystem::path& wav) {
    int rate = 0;
    std::vector<float> x = test::ReadWav(wav, &rate);
    return rate == kRate ? x : std::vector<float>{};
  }
  static const test::TempDir& Dir() {
    if (!dir_) dir_ = std::make_unique<test::TempDir>();
    return *dir_;
  }
  static std::map<std::string, std::vector<float>>& cache() {
    static std::map<std::string, std::vector<float>> c;
    return c;
  }
  static inline std::unique_ptr<test::TempDir> dir_;
};

// --- Contract ---------------------------------------------------------------------------

TEST_F(DescriptorsTest, RejectsInvalidOptions) {
  for (int rate : {0, -22050, 999, 400000}) {
    const auto r = DescriptorEstimator::Create({rate});
    ASSERT_FALSE(r.ok()) << rate;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  }
  EXPECT_TRUE(DescriptorEstimator::Create({}).ok());
  EXPECT_TRUE(DescriptorEstimator::Create({44100}).ok());
}

TEST_F(DescriptorsTest, EmptyInputGivesZerosAndNoVoice) {
  const auto estimator = DescriptorEstimator::Create({}).value();
  const Spectrogram empty = SpectrogramComputer::Create({}).value().compute({});
  const RhythmResult rhythm;
  const KeyEstimate key;
  for (const Descriptors& d : {estimator.compute({{}, &empty, &rhythm, &key, -60.0}),
                               estimator.compute({{}, nullptr, nullptr, nullptr, -60.0})}) {
    EXPECT_EQ(d.danceability, 0.0);
    EXPECT_EQ(d.energy, 0.0);
    EXPECT_EQ(d.speechiness, 0.0);
    EXPECT_EQ(d.acousticness, 0.0);
    EXPECT_EQ(d.instrumentalness, 1.0);
    EXPECT_EQ(d.liveness, 0.0);
    EXPECT_EQ(d.valence, 0.0);
  }
}

TEST_F(DescriptorsTest, SilenceGivesZerosAndNoVoice) {
  const Descriptors d = Analyze(test::Silence(10.0));
  EXPECT_EQ(d.danceability, 0.0);
  EXPECT_EQ(d.energy, 0.0);
  EXPECT_EQ(d.speechiness, 0.0);
  EXPECT_EQ(d.acousticness, 0.0);
  EXPECT_EQ(d.instrumentalness, 1.0);
  EXPECT_EQ(d.liveness, 0.0);
  EXPECT_EQ(d.valence, 0.0);
}

TEST_F(DescriptorsTest, OutputsStayInRangeOnNoiseClicksSilenceAndTones) {
  for (const auto& x : {test::WhiteNoise(8.0, 0.5f, 1), test::WhiteNoise(8.0, 1e-4f, 2),
                        test::ClickTrack(120.0, 8.0, 4), test::Silence(3.0),
                        test::Sine(440.0, 5.0, 1.0f), std::vector<float>(100, 0.5f)}) {
    SCOPED_TRACE(x.size());
    ExpectBounded(Analyze(x));
  }
}

TEST_F(DescriptorsTest, NonFiniteSamplesDoNotPoisonTheOutputs) {
  std::vector<float> x = test::Cadence(2, true, 0.5, 3);
  x[x.size() / 3] = std::numeric_limits<float>::quiet_NaN();
  x[x.size() / 2] = std::numeric_limits<float>::infinity();
  const auto estimator = DescriptorEstimator::Create({}).value();
  ExpectBounded(estimator.compute({x, nullptr, nullptr, nullptr, std::nan("")}));
}

TEST_F(DescriptorsTest, ComputesItsOwnSpectrogramWhenNoneIsGiven) {
  const std::vector<float> x = test::Cadence(2, true, 0.5, 3);
  const Spectrogram s = SpectrogramComputer::Create({}).value().compute(x);
  const auto estimator = DescriptorEstimator::Create({}).value();
  const Descriptors given = estimator.compute({x, &s, nullptr, nullptr, -20.0});
  const Descriptors own = estimator.compute({x, nullptr, nullptr, nullptr, -20.0});
  EXPECT_EQ(Describe(given), Describe(own));
}

// --- Directions -------------------------------------------------------------------------

TEST_F(DescriptorsTest, SpeechIsSpeechAndMusicIsNot) {
  const auto& speech = Spoken();
  const auto& tune = PianoTune();
  ASSERT_GT(speech.size(), 8u * kRate) << "espeak-ng failed";
  ASSERT_GT(tune.size(), 10u * kRate) << "abc2midi/fluidsynth failed";
  const Descriptors s = Analyze(speech), t = Analyze(tune);
  const Descriptors c = Analyze(test::Cadence(0, true, 1.0, 4));
  EXPECT_GT(s.speechiness, 0.66) << Describe(s);
  EXPECT_LT(t.speechiness, 0.33) << Describe(t);
  EXPECT_LT(c.speechiness, 0.33) << Describe(c);
  ExpectBounded(s);
}

TEST_F(DescriptorsTest, AcousticInstrumentsAreMoreAcousticThanDistortedSynths) {
  const auto& guitar = Rendered("nylon", Tune(24, 120));
  const auto& piano = PianoTune();
  const auto& distortion = Rendered("distortion", Tune(30, 120));
  ASSERT_FALSE(guitar.empty());
  ASSERT_FALSE(distortion.empty());
  const double nylon = Analyze(guitar).acousticness;
  const double grand = Analyze(piano).acousticness;
  const double distorted = Analyze(distortion).acousticness;
  const double clipped = Analyze(ClippedSawSynth(12.0)).acousticness;
  EXPECT_GT(nylon, distorted);
  EXPECT_GT(nylon, clipped);
  EXPECT_GT(grand, distorted);
  EXPECT_GT(grand, clipped);
  EXPECT_GT(std::min(nylon, grand), 0.5);
  EXPECT_LT(std::max(distorted, clipped), 0.5);
}

TEST_F(DescriptorsTest, SteadyFourOnTheFloorIsMoreDanceableThanRubato) {
  const Descriptors drums = Analyze(FourOnTheFloor(120.0, 16.0));
  const Descriptors rubato = Analyze(Rubato(16.0));
  EXPECT_GT(drums.danceability, rubato.danceability + 0.3) << Describe(drums) << "\n"
                                                           << Describe(rubato);
}

TEST_F(DescriptorsTest, LoudDenseMixHasMoreEnergyThanQuietSolo) {
  std::vector<float> dense = Rendered("dense", DenseMix());
  std::vector<float> solo = Rendered("solo", QuietSolo());
  ASSERT_FALSE(dense.empty());
  ASSERT_FALSE(solo.empty());
  test::Normalize(dense, 0.98f);
  test::Normalize(solo, 0.06f);
  const Descriptors loud = Analyze(dense), quiet = Analyze(solo);
  EXPECT_GT(loud.energy, quiet.energy + 0.3) << Describe(loud) << "\n" << Describe(quiet);
}

TEST_F(DescriptorsTest, VoiceOverMusicLowersInstrumentalness) {
  const auto& tune = PianoTune();
  ASSERT_FALSE(tune.empty());
  ASSERT_FALSE(Spoken().empty());
  std::vector<float> voice = Spoken();
  // The voice about as loud as the music, as a singer is in a mix.
  test::Normalize(voice, 1.0f);
  std::vector<float> song = tune;
  test::MixInto(song, voice, static_cast<float>(Rms(tune) / Rms(voice) * 1.5));
  const Descriptors without = Analyze(tune), with = Analyze(song);
  EXPECT_LT(with.instrumentalness, without.instrumentalness);
  EXPECT_GT(without.instrumentalness, 0.5) << Describe(without);
  EXPECT_LT(with.instrumentalness, 0.5) << Describe(with);
}

TEST_F(DescriptorsTest, MajorFastBrightIsHappierThanMinorSlowDark) {
  const auto& major = Rendered("major", MajorFastBright());
  const auto& minor = Rendered("minor", MinorSlowDark());
  ASSERT_FALSE(major.empty());
  ASSERT_FALSE(minor.empty());
  const Descriptors happy = Analyze(major), sad = Analyze(minor);
  EXPECT_GT(happy.valence, sad.valence + 0.2) << Describe(happy) << "\n" << Describe(sad);
  EXPECT_GT(happy.valence, 0.5);
  EXPECT_LT(sad.valence, 0.5);
}

TEST_F(DescriptorsTest, AudienceNoiseRaisesLiveness) {
  const auto& tune = PianoTune();
  ASSERT_FALSE(tune.empty());
  std::vector<float> live = tune;
  const std::vector<float> audience = Audience(tune.size());
  test::MixInto(live, audience, static_cast<float>(Rms(tune) / Rms(audience) * 0.3));
  const Descriptors studio = Analyze(tune), concert = Analyze(live);
  EXPECT_GT(concert.liveness, studio.liveness + 0.3) << Describe(concert);
  EXPECT_LT(studio.liveness, 0.3);
}

}  // namespace
}  // namespace sonance
