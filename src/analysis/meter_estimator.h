// Meter: beats per bar (time signature), where the bars start, and tatums per beat.
//
// Works on the beats found by BeatTracker and the band levels of the OnsetEnvelope. Every
// beat gets an onset profile (the positive level increase of each band just after the beat:
// a bass note, a chord, an accent each leave their own mark). Bars repeat, so beats one bar
// apart look alike: for every lag k of 1..12 beats the mean distance D(k) between the
// profiles of beats k apart is measured, and each bar length M in {2, 3, 4} is scored by how
// much closer the beats are at multiples of M than at the other lags (contrast, relative to
// the mean distance). "Oom-pah-pah" gives M = 3; "oom-pah" bass and chord alternation, or a
// kick on 1 and 3, gives M = 2 (reported as 4, Spotify's value for 2/4, 2/2 and 4/4); an
// accent every fourth beat gives M = 4.
//
// Rule for the reported time signature (Spotify's 3..7 counts beats per bar):
//   simple meters (2 tatums per beat): M = 3 -> 3; M = 2 or 4 -> 4; no contrast -> 4.
//   compound meters (3 tatums per beat, the beat a dotted quarter): M = 3 -> 3 (9/8);
//   otherwise 6 (6/8: two beats of three eighths), with bars of two beats. 12/8 is not told
//   apart from 6/8: melodies repeat in 4-bar phrases, so in jigs an 8-beat lag looks as
//   bar-like as a 4-beat one and "M = 4" would be mostly phrase structure.
// The downbeat is the bar phase whose beats show the most bass onsets, the largest onset
// strength and peak loudness (accents), and the most harmonic change (the band levels of the
// beat before and after differ most), each cue in standard scores over all beats.
//
// Create() validates options; compute() is const, pure and thread-safe.
#pragma once

#include <span>
#include <vector>

#include "analysis/onset_envelope.h"
#include "sonance/common/status.h"

namespace sonance {

struct MeterEstimatorOptions {
  int max_lag_beats = 14;      // 4..32: lags compared (two bars of 7 at most)
  double min_contrast = 0.04;  // 0..1: weaker contrast means "no evidence", default meter
};

struct MeterAnalysis {
  int time_signature = 4;   // 3..7, see the rule above
  double confidence = 0.0;  // 0..1
  int beats_per_bar = 4;    // beats grouped into one bar
  int first_downbeat = 0;   // index of the first beat that starts a bar
  int tatums_per_beat = 2;  // 2 or 3
  // Diagnostics: D(k) for k = 1..max_lag_beats (index k - 1), and the contrast of bar
  // lengths 2..7 (index M - 2). Empty when there were too few beats.
  std::vector<double> lag_distance;
  std::vector<double> contrast;
};

class MeterEstimator {
 public:
  static Result<MeterEstimator> Create(const MeterEstimatorOptions& options);
  // `beat_frames`: increasing beat positions in envelope frames; `subdivision`: 2 or 3.
  MeterAnalysis compute(const OnsetEnvelope& envelope, std::span<const double> beat_frames,
                        int subdivision) const;
  const MeterEstimatorOptions& options() const { return options_; }

 private:
  explicit MeterEstimator(const MeterEstimatorOptions& o) : options_(o) {}
  MeterEstimatorOptions options_;
};

}  // namespace sonance
