#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include "sonance/analysis/structure.h"

namespace sonance {
namespace {

constexpr double kMinHz = 40.0;
constexpr double kMaxHz = 11025.0;
constexpr double kFloorDb = -100.0;
// Spotify's timbre[0] is about 0..60 with loud music near 50; this offset puts a frame at
// -60 dBFS mean power at 0 and a full-scale sine (-3 dBFS) at 57.
constexpr double kLevelOffsetDb = 60.0;
// Coefficients 1..11 are three times the amplitude (dB) of each cosine across the log-mel
// spectrum, which puts typical music in about -100..+100 like Spotify's values.
constexpr double kShapeScale = 3.0;

double HzToMel(double hz) {
  return 2595.0 * std::log10(1.0 + hz / 700.0);
}
double MelToHz(double mel) {
  return 700.0 * (std::pow(10.0, mel / 2595.0) - 1.0);
}

// Triangular mel filters with peak 1 (HTK style): neighbouring filters sum to one, so the
// band powers add up to the power of the covered range.
struct FilterBank {
  struct Band {
    std::size_t first_bin = 0;
    std::vector<float> weights;
  };
  std::vector<Band> bands;
};

FilterBank MakeFilterBank(int num_bands, const Spectrogram& s) {
  FilterBank fb;
  const double bin_hz = static_cast<double>(s.sample_rate) / s.frame_size;
  const double top = std::min(kMaxHz, s.sample_rate / 2.0);
  const double mel_lo = HzToMel(kMinHz);
  const double mel_hi = HzToMel(top);
  std::vector<double> edges(static_cast<std::size_t>(num_bands) + 2);
  for (std::size_t i = 0; i < edges.size(); ++i) {
    edges[i] = MelToHz(mel_lo + (mel_hi - mel_lo) * static_cast<double>(i) / (num_bands + 1));
  }
  fb.bands.resize(static_cast<std::size_t>(num_bands));
  for (int b = 0; b < num_bands; ++b) {
    const double lo = edges[b];
    const double mid = edges[b + 1];
    const double hi = edges[b + 2];
    auto& band = fb.bands[static_cast<std::size_t>(b)];
    band.first_bin = static_cast<std::size_t>(std::ceil(lo / bin_hz));
    for (std::size_t k = band.first_bin; k < s.num_bins && k * bin_hz < hi; ++k) {
      const double f = k * bin_hz;
      const double w = f <= mid ? (f - lo) / (mid - lo) : (hi - f) / (hi - mid);
      band.weights.push_back(static_cast<float>(std::max(0.0, w)));
    }
    // A band narrower than a bin (tiny frames) still gets the bin nearest its centre.
    if (band.weights.empty() ||
        *std::max_element(band.weights.begin(), band.weights.end()) <= 0.0f) {
      band.first_bin =
          std::min(s.num_bins - 1, static_cast<std::size_t>(std::lround(mid / bin_hz)));
      band.weights.assign(1, 1.0f);
    }
  }
  return fb;
}

}  // namespace

Result<TimbreExtractor> TimbreExtractor::Create(int num_mel_bands) {
  if (num_mel_bands < 12 || num_mel_bands > 128) {
    return Status::InvalidArgument("timbre num_mel_bands must be in 12..128");
  }
  return TimbreExtractor(num_mel_bands);
}

std::vector<Timbre> TimbreExtractor::compute(const Spectrogram& s) const {
  std::vector<Timbre> out(s.num_frames, Timbre{});
  if (s.num_frames == 0 || s.num_bins < 2 || s.sample_rate <= 0 || s.frame_size <= 0) return out;
  const FilterBank fb = MakeFilterBank(num_mel_bands_, s);
  const auto num_bands = static_cast<std::size_t>(num_mel_bands_);

  // Parseval for a Hann-windowed frame: mean square of the signal = sum over the one-sided
  // spectrum of 2|X|^2 / (N * sum(w^2)), with sum(w^2) = 3N/8.
  const double n = s.frame_size;
  const double power_scale = 2.0 / (n * 3.0 * n / 8.0);

  std::vector<std::array<double, 12>> basis(num_bands);
  for (std::size_t b = 0; b < num_bands; ++b) {
    for (std::size_t k = 0; k < 12; ++k) {
      basis[b][k] = 2.0 / num_bands *
                    std::cos(std::numbers::pi * k * (b + 0.5) / static_cast<double>(num_bands));
    }
  }
  std::vector<double> level(num_bands);
  for (std::size_t f = 0; f < s.num_frames; ++f) {
    const std::span<const float> mag = s.frame(f);
    double total = 0.0;
    for (std::size_t b = 0; b < num_bands; ++b) {
      const auto& band = fb.bands[b];
      // Float is ample for a sum of at most a few hundred positive terms, and vectorises.
      float acc = 0.0f;
      const float* m = mag.data() + band.first_bin;
      for (std::size_t i = 0; i < band.weights.size(); ++i) acc += band.weights[i] * m[i] * m[i];
      const double p = acc * power_scale;
      total += p;
      level[b] = std::max(kFloorDb, 10.0 * std::log10(p + 1e-30));
    }
    Timbre& t = out[f];
    t[0] = static_cast<float>(
        std::max(0.0, std::max(kFloorDb, 10.0 * std::log10(total + 1e-30)) + kLevelOffsetDb));
    // The mean level is c0's business; removing it keeps the shape coefficients of a flat
    // (or silent) spectrum exactly zero instead of rounding noise.
    double mean_level = 0.0;
    for (double l : level) mean_level += l;
    mean_level /= static_cast<double>(num_bands);
    for (std::size_t k = 1; k < 12; ++k) {
      double c = 0.0;
      for (std::size_t b = 0; b < num_bands; ++b) c += (level[b] - mean_level) * basis[b][k];
      t[k] = static_cast<float>(kShapeScale * c);
    }
    // Coefficient 1 weighs low bands positively; flip it so that larger means brighter.
    t[1] = -t[1];
  }
  return out;
}

}  // namespace sonance
