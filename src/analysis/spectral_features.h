// Frame-level low-level descriptors used by the 0..1 perceptual descriptors (private to the
// analysis module).
//
// SpectralFrameExtractor reads a magnitude spectrogram and gives, per frame: power, spectral
// centroid, roll-off, flatness, positive log-magnitude flux (onset strength), the share of
// power above and below two split frequencies, band powers on a few log-spaced bands (for
// modulation analysis) and a harmonic-sum pitch estimate with its harmonicity.
// WaveformFrameExtractor reads the samples on the same hop grid and gives RMS, peak and
// zero-crossing rate. Both validate options in Create(); compute() is const, pure and
// thread-safe; results are plain values owned by the caller. Silent frames give zeros (never
// NaN).
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "sonance/analysis/spectrogram.h"
#include "sonance/common/status.h"

namespace sonance::descriptor_internal {

// Number of log-spaced bands whose power envelopes feed the modulation analysis.
inline constexpr int kModulationBands = 8;

struct SpectralFrameOptions {
  double rolloff_fraction = 0.85;  // share of power below the roll-off frequency, (0, 1)
  double high_split_hz = 4000.0;   // "high-frequency content" starts here
  double low_split_hz = 150.0;     // "bass" ends here (kick drums, bass lines)
  double flatness_min_hz = 60.0;   // flatness is measured on this band, where music lives
  double flatness_max_hz = 8000.0;
  double band_min_hz = 100.0;  // modulation bands span this range, log-spaced
  double band_max_hz = 8000.0;
  double pitch_min_hz = 70.0;  // harmonic-sum pitch candidates
  double pitch_max_hz = 800.0;
  int pitch_harmonics = 10;           // harmonics summed per candidate, 1..32
  double persistence_min_hz = 100.0;  // spectral peaks tracked for persistence
  double persistence_max_hz = 4000.0;
  int persistence_lag = 4;  // frames between compared spectra, 1..64 (4 = 93 ms)
  // Frames quieter than this many dB below the loudest frame count as silent.
  double silence_db = 60.0;
};

struct SpectralFrames {
  double frame_rate = 0.0;
  std::size_t num_frames = 0;
  std::vector<float> power;        // sum of squared magnitudes
  std::vector<float> centroid_hz;  // 0 for silent frames
  std::vector<float> rolloff_hz;   // 0 for silent frames
  std::vector<float> flatness;     // geometric / arithmetic mean power, 0..1 (0 when silent)
  std::vector<float> flux;         // sum of positive log-magnitude differences, >= 0
  std::vector<float> high_ratio;   // power above high_split_hz / total, 0..1
  std::vector<float> low_ratio;    // power below low_split_hz / total, 0..1
  std::vector<float> harmonicity;  // power on the best pitch's harmonics / total, 0..1
  std::vector<float> pitch_hz;     // best harmonic-sum pitch, 0 when silent
  // Magnitude share of this frame's spectral peaks (local maxima within 40 dB of the
  // strongest, persistence_min_hz..max_hz) that were also peaks (+-1 bin) persistence_lag
  // frames earlier; 0 when that frame was silent.
  std::vector<float> peak_persistence;
  std::vector<float> band_power;  // num_frames * kModulationBands, row-major
  std::vector<bool> silent;       // below the silence threshold

  std::span<const float> bands(std::size_t frame) const {
    return {band_power.data() + frame * kModulationBands, kModulationBands};
  }
};

class SpectralFrameExtractor {
 public:
  static Result<SpectralFrameExtractor> Create(const SpectralFrameOptions& options);
  SpectralFrames compute(const Spectrogram& spectrogram) const;
  const SpectralFrameOptions& options() const { return options_; }

 private:
  explicit SpectralFrameExtractor(const SpectralFrameOptions& o) : options_(o) {}
  SpectralFrameOptions options_;
};

struct WaveformFrameOptions {
  int hop_size = 512;     // frame i is centred on sample i * hop_size, like the spectrogram
  int frame_size = 1024;  // >= hop_size
};

struct WaveformFrames {
  std::size_t num_frames = 0;  // ceil(n / hop)
  std::vector<float> rms;      // root mean square over the frame
  std::vector<float> peak;     // largest |sample| in the frame
  std::vector<float> zcr;      // zero crossings per sample, 0..1
};

class WaveformFrameExtractor {
 public:
  static Result<WaveformFrameExtractor> Create(const WaveformFrameOptions& options);
  WaveformFrames compute(std::span<const float> samples) const;

 private:
  explicit WaveformFrameExtractor(const WaveformFrameOptions& o) : options_(o) {}
  WaveformFrameOptions options_;
};

// log2 with < 3e-6 absolute error for normal positive x, for per-bin logs whose exact
// value does not matter (flatness, flux) but whose cost does: a 4-minute song has ten
// million bins. Branch-free so loops over bins vectorise. Zero and denormals give about
// -127 (not -inf); x must not be negative, infinite or NaN.
inline float FastLog2(float x) {
  const auto bits = std::bit_cast<std::uint32_t>(x);
  const auto exponent = static_cast<float>(static_cast<int>(bits >> 23) - 127);
  // Mantissa in [1, 2); log2(1 + t) by a least-squares polynomial with p(0) = 0.
  const float t = std::bit_cast<float>((bits & 0x007fffffu) | 0x3f800000u) - 1.0f;
  const float p =
      t * (1.44253478f + t * (-0.718033584f +
                              t * (0.457158093f +
                                   t * (-0.277341591f + t * (0.121472899f + t * -0.0257923286f)))));
  return exponent + p;
}

}  // namespace sonance::descriptor_internal
