// Beat tracking by dynamic programming over an onset strength envelope (Ellis 2007).
//
// Given the beat period found by TempoEstimator, the tracker chooses the sequence of beat
// frames that maximises the onset strength at the beats minus a penalty for every
// inter-beat interval that departs from the period: tightness * log(interval / period)^2.
// The best path is found in one forward pass (the best predecessor of every frame within
// 0.5..2 periods) and one backtrace from the last strong beat. Beats at the start and end
// whose onset strength is below half the RMS of all beat strengths are trimmed (lead-in
// silence, fades), as librosa does. Each beat is refined to a fraction of a frame by fitting
// a parabola to the smoothed envelope.
//
// Create() validates options; compute() is const, pure and thread-safe.
#pragma once

#include <span>
#include <vector>

#include "sonance/common/status.h"

namespace sonance {

struct BeatTrackerOptions {
  // 1..10000: how strictly intervals follow the period. Stricter than librosa's 100: with
  // 100 the first beats drift between on- and off-beat onsets before settling.
  double tightness = 400.0;
  double trim_ratio = 0.5;  // 0..1: edge beats below this share of the RMS strength go
};

struct BeatTrack {
  std::vector<double> frames;    // beat positions in envelope frames, increasing
  std::vector<double> strength;  // onset strength at each beat relative to the track, 0..1
};

class BeatTracker {
 public:
  static Result<BeatTracker> Create(const BeatTrackerOptions& options);
  // `envelope`: onset strength (>= 0); `period_frames`: beat period in envelope frames (> 0).
  BeatTrack compute(std::span<const float> envelope, double period_frames) const;
  const BeatTrackerOptions& options() const { return options_; }

 private:
  explicit BeatTracker(const BeatTrackerOptions& o) : options_(o) {}
  BeatTrackerOptions options_;
};

}  // namespace sonance
