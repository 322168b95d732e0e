// Short-time Fourier magnitudes of a mono signal, shared by the analysis steps.
//
// Frames are centred: frame i covers samples [i*hop - frame/2, i*hop + frame/2), zero-padded
// at the edges, Hann-windowed. num_frames = ceil(n / hop) (0 for empty input). Magnitudes
// are stored row-major, one row of (frame_size/2 + 1) bins per frame. Construction
// validates options (frame_size a power of two in 64..65536, 1 <= hop <= frame_size);
// compute() is const and thread-safe (FFTW plans are created under a global lock).
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "sonance/common/status.h"

namespace sonance {

struct SpectrogramOptions {
  int frame_size = 2048;
  int hop_size = 512;
  int sample_rate = 22050;
};

struct Spectrogram {
  int frame_size = 0;
  int hop_size = 0;
  int sample_rate = 0;
  std::size_t num_frames = 0;
  std::size_t num_bins = 0;        // frame_size / 2 + 1
  std::vector<float> magnitudes;   // num_frames * num_bins

  std::span<const float> frame(std::size_t i) const {
    return {magnitudes.data() + i * num_bins, num_bins};
  }
  double frame_rate() const { return static_cast<double>(sample_rate) / hop_size; }
  double bin_hz(std::size_t bin) const {
    return static_cast<double>(bin) * sample_rate / frame_size;
  }
  // Centre time of frame i in seconds.
  double frame_time(std::size_t i) const { return static_cast<double>(i) * hop_size / sample_rate; }
};

class SpectrogramComputer {
 public:
  static Result<SpectrogramComputer> Create(const SpectrogramOptions& options);
  Spectrogram compute(std::span<const float> samples) const;
  const SpectrogramOptions& options() const { return options_; }

 private:
  explicit SpectrogramComputer(const SpectrogramOptions& o) : options_(o) {}
  SpectrogramOptions options_;
};

}  // namespace sonance
