#include "descriptor_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

namespace sonance::descriptor_internal {
namespace {

void ExpectBounded(const Descriptors& d) {
  for (double v : {d.danceability, d.energy, d.speechiness, d.acousticness, d.instrumentalness,
                   d.liveness, d.valence}) {
    EXPECT_TRUE(std::isfinite(v));
    EXPECT_GE(v, 0.0);
    EXPECT_LE(v, 1.0);
  }
}

// Typical values of a studio recording of acoustic instrumental music at a moderate tempo,
// as measured on rendered tunes (see descriptors_test.cpp).
DescriptorFeatures Music() {
  DescriptorFeatures f;
  f.duration_s = 30.0;
  f.active_fraction = 0.95;
  f.rms_db_median = -25.0;
  f.dynamic_range_db = 15.0;
  f.crest_db = 9.0;
  f.low_energy_ratio = 0.12;
  f.modulation_4hz = 0.03;
  f.zcr_flicker = 0.15;
  f.centroid_hz = 900.0;
  f.rolloff_hz = 1300.0;
  f.flatness = 0.003;
  f.low_ratio = 0.05;
  f.harmonicity = 0.7;
  f.voiced_fraction = 0.9;
  f.peak_persistence = 0.9;
  f.background_flatness = 0.01;
  f.background_db = -8.0;
  f.onset_rate = 3.0;
  f.pulse_clarity = 0.7;
  f.dfa_alpha = 0.8;
  f.beat_regularity = 0.8;
  f.tempo_bpm = 120.0;
  f.tempo_confidence = 0.7;
  return f;
}

// Typical values of synthesised speech without music.
DescriptorFeatures Speech() {
  DescriptorFeatures f = Music();
  f.low_energy_ratio = 0.32;
  f.modulation_4hz = 0.2;
  f.zcr_flicker = 0.65;
  f.peak_persistence = 0.55;
  f.pulse_clarity = 0.1;
  f.dfa_alpha = 0.5;
  f.beat_regularity = 0.0;
  f.tempo_bpm = 0.0;
  f.tempo_confidence = 0.0;
  return f;
}

TEST(DescriptorModelTest, RampEvidenceAndLogistic) {
  EXPECT_EQ(Ramp(5.0, 0.0, 10.0), 0.5);
  EXPECT_EQ(Ramp(-1.0, 0.0, 10.0), 0.0);
  EXPECT_EQ(Ramp(11.0, 0.0, 10.0), 1.0);
  EXPECT_EQ(Ramp(2.5, 10.0, 0.0), 0.75);  // falling
  EXPECT_EQ(Ramp(std::nan(""), 0.0, 1.0), 0.0);
  EXPECT_EQ(Evidence(0.5, 0.2, 0.1), 1.0);
  EXPECT_NEAR(Evidence(0.15, 0.2, 0.1), -0.5, 1e-12);
  EXPECT_EQ(Evidence(-5.0, 0.2, 0.1), -1.0);
  EXPECT_EQ(Evidence(std::nan(""), 0.2, 0.1), 0.0);
  EXPECT_EQ(Logistic(0.0), 0.5);
  EXPECT_NEAR(Logistic(std::log(3.0)), 0.75, 1e-12);
}

TEST(DescriptorModelTest, NoActivityGivesZerosAndNoVoice) {
  const Descriptors d = EstimateDescriptors(DescriptorFeatures{}, nullptr, -60.0);
  EXPECT_EQ(d.danceability, 0.0);
  EXPECT_EQ(d.energy, 0.0);
  EXPECT_EQ(d.speechiness, 0.0);
  EXPECT_EQ(d.acousticness, 0.0);
  EXPECT_EQ(d.instrumentalness, 1.0);
  EXPECT_EQ(d.liveness, 0.0);
  EXPECT_EQ(d.valence, 0.0);
}

TEST(DescriptorModelTest, OutputsStayInRangeForArbitraryAndNonFiniteFeatures) {
  std::mt19937 rng(17);
  std::uniform_real_distribution<double> u(-1e4, 1e4);
  const double specials[] = {std::numeric_limits<double>::quiet_NaN(),
                             std::numeric_limits<double>::infinity(),
                             -std::numeric_limits<double>::infinity(),
                             0.0,
                             -1.0,
                             1e300};
  for (int trial = 0; trial < 300; ++trial) {
    DescriptorFeatures f;
    int field = 0;
    for (double* v :
         {&f.duration_s,      &f.active_fraction,  &f.rms_db_median,    &f.dynamic_range_db,
          &f.crest_db,        &f.low_energy_ratio, &f.modulation_4hz,   &f.zcr_flicker,
          &f.centroid_hz,     &f.rolloff_hz,       &f.flatness,         &f.low_ratio,
          &f.harmonicity,     &f.voiced_fraction,  &f.peak_persistence, &f.background_flatness,
          &f.background_db,   &f.onset_rate,       &f.pulse_clarity,    &f.dfa_alpha,
          &f.beat_regularity, &f.tempo_bpm,        &f.tempo_confidence}) {
      *v = trial % 3 == 0 ? specials[(trial / 3 + field) % 6] : u(rng);
      ++field;
    }
    KeyEstimate key{trial % 13 - 1, u(rng), trial % 2, u(rng)};
    const double lufs = trial % 5 == 0 ? std::nan("") : u(rng);
    ExpectBounded(EstimateDescriptors(f, &key, lufs));
  }
}

TEST(DescriptorModelTest, SpeechFeaturesReadAsSpeechAndMusicFeaturesAsMusic) {
  const Descriptors speech = EstimateDescriptors(Speech(), nullptr, -20.0);
  const Descriptors music = EstimateDescriptors(Music(), nullptr, -20.0);
  EXPECT_GT(speech.speechiness, 0.66);
  EXPECT_LT(music.speechiness, 0.33);
  EXPECT_LT(speech.instrumentalness, 0.5);
  EXPECT_GT(music.instrumentalness, 0.5);
}

TEST(DescriptorModelTest, SpeechNeedsVoicing) {
  // Drums and noise share speech's modulation and pauses but not its harmonicity.
  DescriptorFeatures f = Speech();
  f.harmonicity = 0.2;
  EXPECT_LT(EstimateDescriptors(f, nullptr, -20.0).speechiness, 0.33);
  EXPECT_GT(EstimateDescriptors(f, nullptr, -20.0).instrumentalness, 0.5);
}

TEST(DescriptorModelTest, EachDescriptorMovesWithItsCues) {
  const DescriptorFeatures base = Music();
  const Descriptors b = EstimateDescriptors(base, nullptr, -20.0);

  DescriptorFeatures f = base;
  f.pulse_clarity = 0.95;
  f.dfa_alpha = 0.3;
  EXPECT_GT(EstimateDescriptors(f, nullptr, -20.0).danceability, b.danceability);

  EXPECT_GT(EstimateDescriptors(base, nullptr, -8.0).energy, b.energy);

  f = base;
  f.rolloff_hz = 3500.0;
  f.crest_db = 4.0;
  f.dynamic_range_db = 3.0;
  EXPECT_LT(EstimateDescriptors(f, nullptr, -20.0).acousticness, b.acousticness);

  f = base;
  f.modulation_4hz = 0.12;
  f.zcr_flicker = 0.4;
  f.peak_persistence = 0.8;
  EXPECT_LT(EstimateDescriptors(f, nullptr, -20.0).instrumentalness, b.instrumentalness);

  f = base;
  f.background_flatness = 0.3;
  f.background_db = -6.0;
  EXPECT_GT(EstimateDescriptors(f, nullptr, -20.0).liveness, 0.5);
  EXPECT_LT(b.liveness, 0.2);

  const KeyEstimate major{2, 0.9, 1, 0.9};
  const KeyEstimate minor{2, 0.9, 0, 0.9};
  EXPECT_GT(EstimateDescriptors(base, &major, -20.0).valence,
            EstimateDescriptors(base, &minor, -20.0).valence);
  f = base;
  f.tempo_bpm = 170.0;
  EXPECT_GT(EstimateDescriptors(f, nullptr, -20.0).valence, b.valence);
}

}  // namespace
}  // namespace sonance::descriptor_internal
