// Beat phase: moves tracked beats onto the bass when the tracker locked onto off-beats.
//
// The beat tracker follows the strongest onsets. In "oom-pah" accompaniments the chord on
// the off-beat (the "pah") has more onset strength than the bass note on the beat (the
// "oom"): abc2midi's 6/8 pattern puts chords on the third and sixth eighths, reggae puts
// its chords between the beats. Whoever plays the bass marks the beat, so every shift of
// the beat grid by a whole number of tatums (0..tatums_per_beat-1) is scored by the mean
// bass onset strength (OnsetEnvelope::low) at the shifted beats, and the grid moves when
// another shift scores at least `margin` times the tracked one.
//
// Create() validates options; compute() is const, pure and thread-safe.
#pragma once

#include <span>
#include <vector>

#include "sonance/common/status.h"

namespace sonance {

struct BeatPhaseOptions {
  double margin = 1.3;  // 1..10: how much more bass a shifted grid needs
};

struct BeatPhase {
  std::vector<double> frames;  // the beats, shifted or not
  int shift_tatums = 0;        // 0 when the tracked grid was kept
};

class BeatPhaseAligner {
 public:
  static Result<BeatPhaseAligner> Create(const BeatPhaseOptions& options);
  // `bass`: bass onset envelope; `beat_frames`: increasing beat positions in its frames;
  // `tatums_per_beat`: 2 or 3.
  BeatPhase compute(std::span<const float> bass, std::span<const double> beat_frames,
                    int tatums_per_beat) const;
  const BeatPhaseOptions& options() const { return options_; }

 private:
  explicit BeatPhaseAligner(const BeatPhaseOptions& o) : options_(o) {}
  BeatPhaseOptions options_;
};

}  // namespace sonance
