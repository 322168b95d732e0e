// The 0..1 perceptual descriptors of Spotify's audio features: danceability, energy,
// speechiness, acousticness, instrumentalness, liveness and valence.
//
// There is no ground truth for these; each is a documented combination of measurable
// descriptors (docs/features.md) calibrated so that it moves the right way on signals with
// a known answer (speech vs music, acoustic vs distorted, steady vs rubato, loud dense vs
// quiet solo, with vs without voice, major fast bright vs minor slow dark).
// DescriptorEstimator::compute is const, pure and thread-safe; all outputs are in [0, 1].
#pragma once

#include <span>

#include "sonance/analysis/rhythm.h"
#include "sonance/analysis/spectrogram.h"
#include "sonance/analysis/tonal.h"
#include "sonance/common/status.h"

namespace sonance {

struct DescriptorInputs {
  std::span<const float> samples;       // mono, analysis rate
  const Spectrogram* spectrogram;       // frame 2048, hop 512 at the analysis rate
  const RhythmResult* rhythm;
  const KeyEstimate* key;
  double integrated_loudness = -60.0;   // LUFS
};

struct Descriptors {
  double danceability = 0.0;
  double energy = 0.0;
  double speechiness = 0.0;
  double acousticness = 0.0;
  double instrumentalness = 0.0;
  double liveness = 0.0;
  double valence = 0.0;
};

struct DescriptorOptions {
  int sample_rate = 22050;
};

class DescriptorEstimator {
 public:
  static Result<DescriptorEstimator> Create(const DescriptorOptions& options);
  Descriptors compute(const DescriptorInputs& inputs) const;

 private:
  explicit DescriptorEstimator(const DescriptorOptions& o) : options_(o) {}
  DescriptorOptions options_;
};

}  // namespace sonance
