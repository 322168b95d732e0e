#include "descriptor_model.h"

#include <algorithm>
#include <cmath>

namespace sonance::descriptor_internal {
namespace {

// NaN gives 0: every comparison with NaN is false.
double Clamp01(double x) {
  return x > 0.0 ? (x < 1.0 ? x : 1.0) : 0.0;
}

// Voicing gate: speech and singing are mostly harmonic; noise, drums and clicks are not,
// however much they share speech's modulation and pauses.
double Voicing(const DescriptorFeatures& f) {
  return Ramp(f.harmonicity, 0.3, 0.55);
}

double Danceability(const DescriptorFeatures& f) {
  const double pulse = Clamp01(f.pulse_clarity);
  const double fluctuation = Ramp(f.dfa_alpha, 1.1, 0.3);  // low DFA exponent: danceable
  const double grid = std::sqrt(Clamp01(f.beat_regularity) * Clamp01(f.tempo_confidence));
  double tempo = 0.0;
  if (f.tempo_bpm > 0.0) {
    const double octaves = std::log2(f.tempo_bpm / 120.0) / 0.5;
    tempo = std::exp(-0.5 * octaves * octaves);
  }
  const double bass = Ramp(f.low_ratio, 0.02, 0.3);
  return Clamp01(0.05 + 0.35 * pulse + 0.2 * fluctuation + 0.15 * grid + 0.15 * tempo * pulse +
                 0.1 * bass);
}

double Energy(const DescriptorFeatures& f, double lufs) {
  const double loud = Ramp(lufs, -35.0, -6.0);
  // How intense the sound is at a given level: bright, busy, noisy, compressed. It only
  // scales the level term: a whisper of white noise is not energetic.
  const double intensity = (Ramp(f.rolloff_hz, 800.0, 4000.0) + Ramp(f.onset_rate, 0.5, 6.0) +
                            Ramp(f.flatness, 0.0, 0.15) + Ramp(f.dynamic_range_db, 25.0, 5.0)) /
                           4.0;
  return Clamp01(loud * (0.6 + 0.4 * intensity));
}

double Speechiness(const DescriptorFeatures& f) {
  return Logistic(SpeechEvidence(f)) * Voicing(f);
}

double Acousticness(const DescriptorFeatures& f) {
  const double electric = Evidence(f.rolloff_hz, 2000.0, 800.0) +  // bright, dense partials
                          Evidence(6.0 - f.crest_db, 0.0, 2.0) +   // clipped or compressed
                          0.7 * Evidence(8.0 - f.dynamic_range_db, 0.0, 5.0) +  // no decay
                          Evidence(f.flatness, 0.01, 0.02);                     // distortion noise
  return Logistic(-1.2 * (electric + 0.8));
}

double Instrumentalness(const DescriptorFeatures& f) {
  const double voice = Evidence(f.modulation_4hz, 0.07, 0.05) + Evidence(f.zcr_flicker, 0.3, 0.15) +
                       Evidence(0.86 - f.peak_persistence, 0.0, 0.08);
  return 1.0 - Logistic(1.5 * (voice - 0.5)) * Voicing(f);
}

double Liveness(const DescriptorFeatures& f) {
  const double noisy_background = Ramp(f.background_flatness, 0.05, 0.2);
  const double audible_background = Ramp(f.background_db, -30.0, -10.0);
  const double tonal = Ramp(f.voiced_fraction, 0.0, 0.5);
  return Clamp01(0.08 + 0.8 * noisy_background * audible_background * (0.4 + 0.6 * tonal));
}

double Valence(const DescriptorFeatures& f, const KeyEstimate* key, double lufs) {
  double mode = 0.0;
  if (key != nullptr && key->key >= 0) {
    mode = (key->mode == 1 ? 1.0 : -1.0) * Clamp01(key->mode_confidence);
  }
  const double tempo = f.tempo_bpm > 0.0 ? Evidence(f.tempo_bpm, 110.0, 50.0) : 0.0;
  const double bright = Evidence(f.centroid_hz, 1100.0, 700.0);
  const double loud = Evidence(lufs, -20.0, 12.0);
  const double busy = Evidence(f.onset_rate, 2.0, 2.0);
  return Clamp01(0.5 + 0.2 * mode + 0.1 * tempo + 0.1 * bright + 0.05 * loud + 0.05 * busy);
}

// Non-finite features (NaN samples upstream) would poison every formula: treat them as
// absent.
DescriptorFeatures Sanitized(DescriptorFeatures f) {
  for (double* v :
       {&f.duration_s,    &f.active_fraction,  &f.rms_db_median,    &f.dynamic_range_db,
        &f.crest_db,      &f.low_energy_ratio, &f.modulation_4hz,   &f.zcr_flicker,
        &f.centroid_hz,   &f.rolloff_hz,       &f.flatness,         &f.low_ratio,
        &f.harmonicity,   &f.voiced_fraction,  &f.peak_persistence, &f.background_flatness,
        &f.background_db, &f.onset_rate,       &f.pulse_clarity,    &f.beat_regularity,
        &f.tempo_bpm,     &f.tempo_confidence}) {
    if (!std::isfinite(*v)) *v = 0.0;
  }
  if (!std::isfinite(f.dfa_alpha)) f.dfa_alpha = 1.0;
  return f;
}

}  // namespace

double Ramp(double x, double lo, double hi) {
  if (hi == lo) return x >= hi ? 1.0 : 0.0;
  return Clamp01((x - lo) / (hi - lo));
}

double Evidence(double x, double centre, double half_width) {
  const double e = (x - centre) / half_width;
  return e > -1.0 ? (e < 1.0 ? e : 1.0) : (e <= -1.0 ? -1.0 : 0.0);  // NaN -> 0
}

double Logistic(double x) {
  return 1.0 / (1.0 + std::exp(-x));
}

double SpeechEvidence(const DescriptorFeatures& f) {
  return 1.5 * Evidence(f.modulation_4hz, 0.08, 0.08) + Evidence(f.low_energy_ratio, 0.2, 0.1) +
         Evidence(0.75 - f.peak_persistence, 0.0, 0.15) +
         Evidence(0.35 - f.pulse_clarity, 0.0, 0.25) + Evidence(f.zcr_flicker, 0.35, 0.2);
}

Descriptors EstimateDescriptors(const DescriptorFeatures& raw, const KeyEstimate* key,
                                double integrated_lufs) {
  Descriptors d;
  const DescriptorFeatures f = Sanitized(raw);
  if (!(f.active_fraction > 0.0)) {
    d.instrumentalness = 1.0;
    return d;
  }
  const double lufs = std::isfinite(integrated_lufs) ? integrated_lufs : -60.0;
  d.danceability = Danceability(f);
  d.energy = Energy(f, lufs);
  d.speechiness = Clamp01(Speechiness(f));
  d.acousticness = Clamp01(Acousticness(f));
  d.instrumentalness = Clamp01(Instrumentalness(f));
  d.liveness = Liveness(f);
  d.valence = Valence(f, key, lufs);
  return d;
}

}  // namespace sonance::descriptor_internal
