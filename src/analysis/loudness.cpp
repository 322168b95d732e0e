#include "sonance/analysis/loudness.h"

#include <ebur128.h>

#include <algorithm>
#include <cmath>
#include <memory>

namespace sonance {
namespace {

struct EbuR128Destroy {
  void operator()(ebur128_state* st) const { ebur128_destroy(&st); }
};

}  // namespace

Result<LoudnessMeter> LoudnessMeter::Create(const LoudnessOptions& o) {
  // libebur128 accepts 8 kHz .. 2.8 MHz; below that its K-weighting filters are meaningless.
  if (o.sample_rate < 8000 || o.sample_rate > 384000) {
    return Status::InvalidArgument("loudness sample_rate must be in 8000..384000");
  }
  if (!(o.floor_db >= -200.0 && o.floor_db <= 0.0)) {
    return Status::InvalidArgument("loudness floor_db must be in -200..0");
  }
  return LoudnessMeter(o);
}

double LoudnessMeter::Integrated(std::span<const float> samples) const {
  if (samples.empty()) return options_.floor_db;
  std::unique_ptr<ebur128_state, EbuR128Destroy> st(
      ebur128_init(1, static_cast<unsigned long>(options_.sample_rate), EBUR128_MODE_I));
  if (!st) return options_.floor_db;
  // Feed in chunks: the library's size_t frame count is fine, but chunks keep its internal
  // copy bounded and let us stop cleanly on an error.
  constexpr std::size_t kChunk = 1 << 16;
  for (std::size_t i = 0; i < samples.size(); i += kChunk) {
    const std::size_t n = std::min(kChunk, samples.size() - i);
    if (ebur128_add_frames_float(st.get(), samples.data() + i, n) != EBUR128_SUCCESS) {
      return options_.floor_db;
    }
  }
  double lufs = 0.0;
  if (ebur128_loudness_global(st.get(), &lufs) != EBUR128_SUCCESS || !std::isfinite(lufs)) {
    return options_.floor_db;
  }
  return std::max(options_.floor_db, lufs);
}

std::vector<float> LoudnessMeter::Curve(std::span<const float> samples, int hop) const {
  if (samples.empty() || hop < 1) return {};
  const std::size_t n = samples.size();
  const auto h = static_cast<std::size_t>(hop);
  const std::size_t frames = (n + h - 1) / h;
  // Frame f's window [f*hop - hop, f*hop + hop) is exactly blocks f-1 and f of the signal
  // cut every hop samples, so one pass of block energies (in double: a long loud track
  // would swamp a float sum) serves every window.
  std::vector<double> block(frames, 0.0);
  for (std::size_t b = 0; b < frames; ++b) {
    const std::size_t end = std::min(n, (b + 1) * h);
    double e = 0.0;
    for (std::size_t i = b * h; i < end; ++i) e += static_cast<double>(samples[i]) * samples[i];
    block[b] = e;
  }
  std::vector<float> out(frames);
  const double window = 2.0 * hop;  // zero padding outside the signal counts as silence
  const auto floor = static_cast<float>(options_.floor_db);
  for (std::size_t f = 0; f < frames; ++f) {
    const double mean_square = (block[f] + (f > 0 ? block[f - 1] : 0.0)) / window;
    out[f] = mean_square > 0.0 ? std::max(floor, static_cast<float>(10.0 * std::log10(mean_square)))
                               : floor;
  }
  return out;
}

}  // namespace sonance
