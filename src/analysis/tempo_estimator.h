// Tempo estimation from an onset strength envelope: the beat period and its subdivision.
//
// The envelope is detrended (a moving average is removed, then half-wave rectified) and
// autocorrelated. A comb over the autocorrelation gives every candidate beat period P a
// salience, the mean autocorrelation at P, 2P, 3P, ... (Scheirer 1998, Ellis 2007, Percival &
// Tzanetakis 2014), computed with linear interpolation on a grid of 0.05 frame, so the period
// is known to a fraction of a frame.
//
// The metrical level is chosen from the periodicity structure rather than from a fixed prior
// around 120 BPM: the salience of a period is also the salience of all its multiples (the
// bar, two bars), while a subdivision only reaches it if the subdivision is as regular as the
// beat. So the beat is the *fastest* salience peak within [min_bpm, max_bpm] that reaches
// `level_ratio` of the strongest one. This finds 60 BPM when the half-beat level carries
// little weight and 200 BPM when the 100 BPM level is no stronger than the 200 BPM one.
// The subdivision (2 for simple meters, 3 for compound ones such as 6/8, whose felt beat is
// the dotted quarter) compares the autocorrelation at P/3 and 2P/3 with that at P/2.
//
// Create() validates options; compute() is const, pure and thread-safe.
#pragma once

#include <span>

#include "sonance/common/status.h"

namespace sonance {

struct TempoEstimatorOptions {
  double min_bpm = 50.0;         // 20..max_bpm
  double max_bpm = 220.0;        // min_bpm..400
  double detrend_seconds = 0.5;  // half-width of the moving average removed, 0.05..5
  double level_ratio = 0.7;      // 0.3..1: how strong a faster level must be to be the beat
  double min_salience = 0.08;    // 0..1: below it there is no pulse (noise, silence)
  double max_lag_beats = 4.0;    // the comb reaches this many slowest beats, 1..16
};

struct TempoAnalysis {
  double bpm = 0.0;                     // 0 when no pulse
  double confidence = 0.0;              // 0..1, the salience of the chosen period
  double period_frames = 0.0;           // beat period in envelope frames (0 when no pulse)
  int subdivision = 2;                  // tatums per beat: 2 (simple) or 3 (compound)
  double subdivision_confidence = 0.0;  // 0..1
};

class TempoEstimator {
 public:
  static Result<TempoEstimator> Create(const TempoEstimatorOptions& options);
  // `envelope`: onset strength (>= 0) at `frame_rate` frames per second.
  TempoAnalysis compute(std::span<const float> envelope, double frame_rate) const;
  const TempoEstimatorOptions& options() const { return options_; }

 private:
  explicit TempoEstimator(const TempoEstimatorOptions& o) : options_(o) {}
  TempoEstimatorOptions options_;
};

}  // namespace sonance
