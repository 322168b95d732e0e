// Track-level low-level descriptors behind the 0..1 perceptual descriptors (private to the
// analysis module).
//
// Each free function measures one thing with a known answer on synthetic input (see
// descriptor_features_test.cpp); DescriptorFeatureExtractor runs them all over one track and
// returns a DescriptorFeatures summary, which DescriptorEstimator maps onto danceability,
// energy, speechiness and the rest (docs/features-descriptors.md). Everything here is pure:
// no I/O, no shared state; safe to call from several threads. Degenerate input (empty,
// silence, too short) gives the documented neutral value, never NaN.
#pragma once

#include <span>
#include <utility>
#include <vector>

#include "sonance/analysis/rhythm.h"
#include "sonance/analysis/spectrogram.h"
#include "sonance/common/status.h"
#include "spectral_features.h"

namespace sonance::descriptor_internal {

// Scheirer & Slaney (1997): share of frames whose RMS is below `fraction` of the mean RMS of
// the `window_s`-second window around them. Speech, with its pauses, scores ~0.5-0.7;
// sustained music ~0.2-0.45. Windows whose mean is below `floor_rms` (digital silence) are
// skipped. Returns 0 when no window qualifies.
double LowEnergyRatio(std::span<const float> rms, double frame_rate, double window_s,
                      double fraction, double floor_rms);

// Syllabic modulation (Scheirer & Slaney's 4 Hz modulation energy): the band amplitude
// envelopes are cut into windows of ~1.5 s; the share of each window's envelope energy
// (DC included) that lies between lo_hz and hi_hz, averaged over bands and windows with
// the window energy as weight. A steady tone gives ~0; a fully modulated 4 Hz envelope
// (1 + cos) gives 1/3. Returns 0 when the input is shorter than one window or silent.
double ModulationEnergy(const SpectralFrames& frames, double lo_hz, double hi_hz);

// Mean and standard deviation of `values` over the frames where `active` is true.
struct MeanStd {
  double mean = 0.0;
  double std = 0.0;
};
MeanStd ActiveMeanStd(std::span<const float> values, const std::vector<bool>& active);

// Pulse clarity (after Lartillot et al. 2008): the highest normalised autocorrelation of the
// mean-removed onset envelope at lags between 60/max_bpm and 60/min_bpm seconds, averaged
// over windows of `window_s` seconds (so tempo drift does not blur it). 0..1; ~1 for a
// metronome, ~0 for noise or free time. 0 for empty or silent input.
double PulseClarity(std::span<const float> envelope, double rate, double min_bpm, double max_bpm,
                    double window_s);

// Detrended fluctuation analysis of an envelope (Streich & Herrera 2005, as in Essentia's
// Danceability): the mean scaling exponent alpha of the fluctuation F(tau) for tau between
// min_s and max_s. The envelope is divided by its mean (so alpha does not depend on level),
// integrated after removing its mean, cut into windows of tau, each detrended by a
// least-squares line; alpha is the least-squares slope of log F over log tau. Uncorrelated noise
// gives alpha ~0.5; a strong steady periodicity saturates F, giving alpha near 0; slow trends
// (rubato, crescendi) give alpha near 1 or above. Returns 1.0 (neutral: "no dance structure") for
// input too short for two scales, silent, or without fluctuation (a steady tone).
double DfaExponent(std::span<const float> envelope, double rate, double min_s, double max_s);

// Regularity of a beat grid: exp(-cv / 0.1) where cv is the coefficient of variation of the
// inter-beat intervals. 1 for a metronome, ~0.37 at 10 % jitter. 0 with fewer than 4 beats.
double BeatRegularity(std::span<const TimeInterval> beats);

// Onsets per second of an onset envelope: local maxima above the envelope's median plus
// `threshold` times its mean absolute deviation, at least `min_gap_s` apart. Counted over
// the whole duration; 0 for empty or silent input.
double OnsetRate(std::span<const float> envelope, double rate, double threshold, double min_gap_s);

// Value at quantile q (0..1) of `values` (copied), linear interpolation. 0 when empty.
double Quantile(std::vector<float> values, double q);

struct DescriptorFeatures {
  double duration_s = 0.0;
  double active_fraction = 0.0;  // frames above the silence threshold, 0..1
  // Level and dynamics, dB relative to full scale, over active frames.
  double rms_db_median = -100.0;
  double dynamic_range_db = 0.0;  // 95th - 10th percentile of frame RMS in dB
  double crest_db = 0.0;          // mean peak-to-RMS ratio per frame, dB
  // Scheirer & Slaney speech/music features.
  double low_energy_ratio = 0.0;
  double modulation_4hz = 0.0;
  // Voiced/unvoiced alternation: mean |zcr(t) - zcr(t-2)| / mean zcr over active frames.
  double zcr_flicker = 0.0;
  // Timbre.
  double centroid_hz = 0.0;  // mean over active frames
  double rolloff_hz = 0.0;
  double flatness = 0.0;
  double low_ratio = 0.0;         // power-weighted share below 150 Hz
  double harmonicity = 0.0;       // mean over active frames
  double voiced_fraction = 0.0;   // active frames with harmonicity >= 0.4
  double peak_persistence = 0.0;  // mean over active frames (held vs gliding partials)
  // The quietest fifth of the active frames: what is heard between and under the notes.
  double background_flatness = 0.0;
  double background_db = 0.0;  // their mean RMS in dB relative to the median (<= 0)
  // Rhythm.
  double onset_rate = 0.0;  // onsets per second
  double pulse_clarity = 0.0;
  double dfa_alpha = 1.0;
  double beat_regularity = 0.0;
  double tempo_bpm = 0.0;
  double tempo_confidence = 0.0;
};

struct DescriptorFeatureOptions {
  int sample_rate = 22050;
  double silence_db = 60.0;  // frames this far below the loudest are silent
  double min_bpm = 50.0;     // pulse clarity lag range
  double max_bpm = 220.0;
  double pulse_window_s = 12.0;
  double dfa_min_s = 0.3;  // Streich & Herrera's 310 ms .. 8 s
  double dfa_max_s = 8.0;
};

class DescriptorFeatureExtractor {
 public:
  static Result<DescriptorFeatureExtractor> Create(const DescriptorFeatureOptions& options);
  // `rhythm` may be null (then the beat-grid features are 0). The spectrogram must be of
  // `samples`; its hop defines the frame grid.
  DescriptorFeatures compute(std::span<const float> samples, const Spectrogram& spectrogram,
                             const RhythmResult* rhythm) const;

 private:
  DescriptorFeatureExtractor(const DescriptorFeatureOptions& o, SpectralFrameExtractor s)
      : options_(o), spectral_(std::move(s)) {}
  DescriptorFeatureOptions options_;
  SpectralFrameExtractor spectral_;
};

}  // namespace sonance::descriptor_internal
