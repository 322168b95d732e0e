// Rhythm: onset strength, tempo, beats, bars, tatums and time signature.
//
// RhythmAnalyzer::compute takes mono samples at the analysis rate and returns the beat grid
// in Spotify's shape. Internally it is a chain of small steps (onset envelope -> tempo ->
// beat tracking -> meter), each with its own options; see docs/features.md.
// Create() validates options and returns InvalidArgument for bad ones. compute() is const,
// pure (no I/O) and safe to call from several threads at once.
// Empty input, silence and signals without pulse give tempo 0, confidence 0, no beats, and
// time_signature 4 with confidence 0.
// The tempo counts felt beats: in compound meters (6/8) the dotted quarter. time_signature
// counts beats per bar (3/4 -> 3; 2/4, 2/2, 4/4 -> 4; also 5 and 7), except that 6/8 is
// reported as 6 with bars of two beats (see docs/features-rhythm.md for the rule).
#pragma once

#include <span>
#include <vector>

#include "sonance/analysis/track_analysis.h"
#include "sonance/common/status.h"

namespace sonance {

struct RhythmOptions {
  int sample_rate = 22050;
  double min_bpm = 50.0;   // slowest tempo reported
  double max_bpm = 220.0;  // fastest tempo reported
};

struct TempoEstimate {
  double bpm = 0.0;         // 0 when no pulse
  double confidence = 0.0;  // 0..1
};

struct RhythmResult {
  TempoEstimate tempo;
  int time_signature = 4;                  // beats per bar, 3..7
  double time_signature_confidence = 0.0;  // 0..1
  std::vector<TimeInterval> beats;
  std::vector<TimeInterval> bars;     // starting on downbeats
  std::vector<TimeInterval> tatums;   // subdivisions of beats: 2 per beat, 3 in compound meters
  std::vector<float> onset_envelope;  // onset strength per envelope frame, >= 0
  double envelope_rate = 0.0;         // envelope frames per second
};

class RhythmAnalyzer {
 public:
  static Result<RhythmAnalyzer> Create(const RhythmOptions& options);
  RhythmResult compute(std::span<const float> samples) const;
  const RhythmOptions& options() const { return options_; }

 private:
  explicit RhythmAnalyzer(const RhythmOptions& o) : options_(o) {}
  RhythmOptions options_;
};

}  // namespace sonance
