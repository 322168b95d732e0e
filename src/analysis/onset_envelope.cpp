#include "analysis/onset_envelope.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>

#include "sonance/analysis/spectrogram.h"

namespace sonance {
namespace {

bool IsPowerOfTwo(int n) {
  return n > 0 && (n & (n - 1)) == 0;
}

// Frames are computed in chunks so that memory stays bounded on long tracks (a whole 4-minute
// spectrogram would be 40 MB; the band powers kept here are 36 floats per frame).
constexpr std::size_t kChunkFrames = 2048;

// Maps FFT bins to log-spaced bands; bands narrower than a bin are dropped (their bins are
// taken by the next band), so every returned band holds at least one bin.
struct BandLayout {
  std::vector<int> band_of_bin;  // -1: outside min_hz..max_hz
  int num_bands = 0;
  int num_low_bands = 0;  // bands [0, num_low_bands) are the bass register
};

BandLayout MakeBands(const OnsetEnvelopeOptions& o) {
  const int num_bins = o.frame_size / 2 + 1;
  const double bin_hz = static_cast<double>(o.sample_rate) / o.frame_size;
  const double top = std::min(o.max_hz, o.sample_rate / 2.0);
  std::vector<double> edges(o.num_bands + 1);
  for (int k = 0; k <= o.num_bands; ++k) {
    edges[k] = o.min_hz * std::pow(top / o.min_hz, static_cast<double>(k) / o.num_bands);
  }
  BandLayout layout;
  layout.band_of_bin.assign(num_bins, -1);
  int band = -1;
  int last_edge = -1;
  for (int b = 1; b < num_bins; ++b) {
    const double f = b * bin_hz;
    if (f < o.min_hz || f >= top) continue;
    const int edge =
        static_cast<int>(std::upper_bound(edges.begin(), edges.end(), f) - edges.begin()) - 1;
    if (edge != last_edge) {
      ++band;
      last_edge = edge;
      if (edges[edge + 1] <= o.low_band_max_hz) layout.num_low_bands = band + 1;
    }
    layout.band_of_bin[b] = band;
  }
  layout.num_bands = band + 1;
  return layout;
}

}  // namespace

Result<OnsetEnvelopeComputer> OnsetEnvelopeComputer::Create(const OnsetEnvelopeOptions& o) {
  if (o.sample_rate < 4000 || o.sample_rate > 192000) {
    return Status::InvalidArgument("onset envelope sample_rate must be in 4000..192000");
  }
  if (!IsPowerOfTwo(o.frame_size) || o.frame_size < 256 || o.frame_size > 8192) {
    return Status::InvalidArgument("onset envelope frame_size must be a power of two in 256..8192");
  }
  if (o.hop_size < 1 || o.hop_size > o.frame_size) {
    return Status::InvalidArgument("onset envelope hop_size must be in 1..frame_size");
  }
  if (o.num_bands < 4 || o.num_bands > 128) {
    return Status::InvalidArgument("onset envelope num_bands must be in 4..128");
  }
  if (!(o.min_hz > 0.0) || !(o.max_hz > o.min_hz) || o.min_hz >= o.sample_rate / 2.0) {
    return Status::InvalidArgument("onset envelope needs 0 < min_hz < max_hz, min_hz < Nyquist");
  }
  if (!(o.low_band_max_hz > o.min_hz)) {
    return Status::InvalidArgument("onset envelope low_band_max_hz must exceed min_hz");
  }
  if (!(o.dynamic_range_db >= 20.0 && o.dynamic_range_db <= 160.0)) {
    return Status::InvalidArgument("onset envelope dynamic_range_db must be in 20..160");
  }
  return OnsetEnvelopeComputer(o);
}

OnsetEnvelope OnsetEnvelopeComputer::compute(std::span<const float> x) const {
  const OnsetEnvelopeOptions& o = options_;
  OnsetEnvelope env;
  env.frame_rate = static_cast<double>(o.sample_rate) / o.hop_size;
  if (x.empty()) return env;

  const BandLayout layout = MakeBands(o);
  const std::size_t hop = static_cast<std::size_t>(o.hop_size);
  const std::size_t total_frames = (x.size() + hop - 1) / hop;
  const std::size_t nb = static_cast<std::size_t>(layout.num_bands);
  const std::size_t nl = static_cast<std::size_t>(std::max(1, layout.num_low_bands));
  const auto range = static_cast<float>(o.dynamic_range_db);
  env.strength.assign(total_frames, 0.0f);
  env.low.assign(total_frames, 0.0f);
  env.num_bands = nb;
  env.num_low_bands = std::min(nl, nb);
  env.band_level_db.assign(total_frames * nb, -range);
  if (nb == 0) return env;

  auto stft = SpectrogramComputer::Create({o.frame_size, o.hop_size, o.sample_rate});
  if (!stft.ok()) return env;  // unreachable: the options were validated in Create()

  // Band powers of every frame, stored where the levels will go.
  std::vector<float>& power = env.band_level_db;
  std::fill(power.begin(), power.end(), 0.0f);
  const std::size_t half = static_cast<std::size_t>(o.frame_size / 2);
  const std::size_t pad = (half + hop - 1) / hop * hop;  // whole hops covering half a frame
  for (std::size_t first = 0; first < total_frames; first += kChunkFrames) {
    const std::size_t count = std::min(kChunkFrames, total_frames - first);
    const std::size_t start = first * hop >= pad ? first * hop - pad : 0;
    const std::size_t skip = (first * hop - start) / hop;
    const std::size_t end = std::min(x.size(), (first + count - 1) * hop + half);
    const Spectrogram s = stft->compute(x.subspan(start, end - start));
    for (std::size_t j = 0; j < count && skip + j < s.num_frames; ++j) {
      const std::span<const float> mag = s.frame(skip + j);
      float* row = power.data() + (first + j) * nb;
      for (std::size_t b = 0; b < mag.size(); ++b) {
        const int band = layout.band_of_bin[b];
        if (band >= 0) row[band] += mag[b] * mag[b];
      }
    }
  }

  const float loudest = *std::max_element(power.begin(), power.end());
  if (!(loudest > 0.0f)) {  // digital silence: no onsets
    std::fill(power.begin(), power.end(), -range);
    return env;
  }
  const float floor_power = loudest * std::pow(10.0f, -range / 10.0f);
  const float reference_db = 10.0f * std::log10(loudest);
  // The bass envelope follows the summed power of the low bands with a soft floor 10 dB
  // under its mean, so that only energetic low notes count, not a chord's leakage or quiet
  // low partials rising out of silence.
  std::vector<double> low_power(total_frames);
  for (std::size_t f = 0; f < total_frames; ++f) {
    const float* row = power.data() + f * nb;
    low_power[f] = std::accumulate(row, row + env.num_low_bands, 0.0);
  }
  const double low_floor =
      std::accumulate(low_power.begin(), low_power.end(), 0.0) / total_frames + 1e-30;
  std::vector<float> low_db(total_frames);
  for (std::size_t f = 0; f < total_frames; ++f) {
    low_db[f] = static_cast<float>(10.0 * std::log10(low_power[f] + low_floor));
  }
  for (float& p : power) p = 10.0f * std::log10(std::max(p, floor_power)) - reference_db;

  // Before the first frame the track is taken as silent, so a note at time 0 is an onset.
  for (std::size_t f = 0; f < total_frames; ++f) {
    const float* level = env.levels(f);
    const float* before = f > 0 ? env.levels(f - 1) : nullptr;
    double all = 0.0;
    for (std::size_t b = 0; b < nb; ++b) {
      all += std::max(0.0f, level[b] - (before ? before[b] : -range));
    }
    env.strength[f] = static_cast<float>(all / nb);
    const auto low_before =
        f > 0 ? low_db[f - 1] : static_cast<float>(10.0 * std::log10(low_floor));
    env.low[f] = std::max(0.0f, low_db[f] - low_before);
  }
  return env;
}

}  // namespace sonance
