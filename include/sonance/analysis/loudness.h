// Loudness: integrated programme loudness (EBU R 128 via libebur128) and a short-term
// loudness curve used for segments, sections and fades.
//
// Values are in dB (LUFS for the integrated value), floored at -60 dB for silence, as in
// Spotify's analysis. Const, pure, thread-safe.
#pragma once

#include <span>
#include <vector>

#include "sonance/common/status.h"

namespace sonance {

struct LoudnessOptions {
  int sample_rate = 22050;
  double floor_db = -60.0;
};

class LoudnessMeter {
 public:
  static Result<LoudnessMeter> Create(const LoudnessOptions& options);
  // Integrated loudness of the whole signal, LUFS, >= floor_db.
  double Integrated(std::span<const float> samples) const;
  // RMS level in dBFS of consecutive windows of `hop` samples (window = 2*hop, centred like
  // the spectrogram frames), >= floor_db. One value per spectrogram frame of that hop.
  std::vector<float> Curve(std::span<const float> samples, int hop) const;
  const LoudnessOptions& options() const { return options_; }

 private:
  explicit LoudnessMeter(const LoudnessOptions& o) : options_(o) {}
  LoudnessOptions options_;
};

}  // namespace sonance
