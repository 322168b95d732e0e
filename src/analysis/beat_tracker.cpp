#include "analysis/beat_tracker.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numeric>

namespace sonance {
namespace {

// Envelope in units of its standard deviation, smoothed by a Gaussian of width period/32 so
// that a beat can sit a frame off the sharpest peak without losing its score.
std::vector<double> LocalScore(std::span<const float> env, double period) {
  const std::size_t n = env.size();
  const double mean = std::accumulate(env.begin(), env.end(), 0.0) / static_cast<double>(n);
  double var = 0.0;
  for (float v : env) var += (v - mean) * (v - mean);
  const double sd = std::sqrt(var / static_cast<double>(n));
  if (!(sd > 0.0)) return {};
  const double sigma = std::max(0.5, period / 32.0);
  const auto reach = static_cast<std::ptrdiff_t>(std::ceil(3.0 * sigma));
  std::vector<double> kernel(static_cast<std::size_t>(2 * reach + 1));
  for (std::ptrdiff_t j = -reach; j <= reach; ++j) {
    kernel[static_cast<std::size_t>(j + reach)] = std::exp(-0.5 * (j / sigma) * (j / sigma));
  }
  std::vector<double> local(n, 0.0);
  const auto sn = static_cast<std::ptrdiff_t>(n);
  for (std::ptrdiff_t i = 0; i < sn; ++i) {
    double acc = 0.0;
    for (std::ptrdiff_t j = std::max(-reach, -i); j <= reach && i + j < sn; ++j) {
      acc += kernel[static_cast<std::size_t>(j + reach)] * env[static_cast<std::size_t>(i + j)];
    }
    local[static_cast<std::size_t>(i)] = acc / sd;
  }
  return local;
}

}  // namespace

Result<BeatTracker> BeatTracker::Create(const BeatTrackerOptions& o) {
  if (!(o.tightness >= 1.0 && o.tightness <= 10000.0)) {
    return Status::InvalidArgument("beat tracker tightness must be in 1..10000");
  }
  if (!(o.trim_ratio >= 0.0 && o.trim_ratio <= 1.0)) {
    return Status::InvalidArgument("beat tracker trim_ratio must be in 0..1");
  }
  return BeatTracker(o);
}

BeatTrack BeatTracker::compute(std::span<const float> envelope, double period) const {
  BeatTrack out;
  const std::size_t n = envelope.size();
  if (n == 0 || !(period >= 2.0) || static_cast<double>(n) < period) return out;
  const std::vector<double> local = LocalScore(envelope, period);
  if (local.empty()) return out;

  // Forward pass: best cumulative score of a beat at every frame, and its predecessor.
  const auto lo = static_cast<std::size_t>(std::max(1.0, std::round(period / 2.0)));
  const auto hi = static_cast<std::size_t>(std::round(2.0 * period));
  std::vector<double> penalty(hi + 1, 0.0);
  for (std::size_t d = lo; d <= hi; ++d) {
    const double x = std::log(static_cast<double>(d) / period);
    penalty[d] = -options_.tightness * x * x;
  }
  std::vector<double> cumulative(n, 0.0);
  std::vector<std::ptrdiff_t> previous(n, -1);
  for (std::size_t i = 0; i < n; ++i) {
    double best = -std::numeric_limits<double>::infinity();
    std::ptrdiff_t arg = -1;
    for (std::size_t d = lo; d <= hi && d <= i; ++d) {
      const double v = cumulative[i - d] + penalty[d];
      if (v > best) {
        best = v;
        arg = static_cast<std::ptrdiff_t>(i - d);
      }
    }
    if (arg >= 0 && best > 0.0) {
      cumulative[i] = local[i] + best;
      previous[i] = arg;
    } else {
      cumulative[i] = local[i];
    }
  }

  // The last beat: the last local maximum of the cumulative score that reaches half the
  // median local maximum (a beat in a silent tail only carries its chain along).
  std::vector<double> peaks;
  for (std::size_t i = 1; i + 1 < n; ++i) {
    if (cumulative[i] > cumulative[i - 1] && cumulative[i] >= cumulative[i + 1]) {
      peaks.push_back(cumulative[i]);
    }
  }
  if (peaks.empty()) return out;
  std::nth_element(peaks.begin(), peaks.begin() + peaks.size() / 2, peaks.end());
  const double threshold = 0.5 * peaks[peaks.size() / 2];
  std::ptrdiff_t last = -1;
  for (std::size_t i = n - 2; i >= 1 && last < 0; --i) {
    if (cumulative[i] > cumulative[i - 1] && cumulative[i] >= cumulative[i + 1] &&
        cumulative[i] >= threshold) {
      last = static_cast<std::ptrdiff_t>(i);
    }
  }
  if (last < 0) return out;
  std::vector<std::size_t> beats;
  for (std::ptrdiff_t b = last; b >= 0; b = previous[static_cast<std::size_t>(b)]) {
    beats.push_back(static_cast<std::size_t>(b));
  }
  std::reverse(beats.begin(), beats.end());

  // Trim weak beats at both ends.
  double sum_sq = 0.0;
  for (std::size_t b : beats) sum_sq += local[b] * local[b];
  const double trim = options_.trim_ratio * std::sqrt(sum_sq / static_cast<double>(beats.size()));
  std::size_t first = 0;
  std::size_t end = beats.size();
  while (first < end && local[beats[first]] < trim) ++first;
  while (end > first && local[beats[end - 1]] < trim) --end;
  if (first >= end) return out;

  double top = 0.0;
  for (std::size_t k = first; k < end; ++k) top = std::max(top, local[beats[k]]);
  for (std::size_t k = first; k < end; ++k) {
    const std::size_t b = beats[k];
    double position = static_cast<double>(b);
    if (b > 0 && b + 1 < n && local[b] >= local[b - 1] && local[b] >= local[b + 1]) {
      const double denom = local[b - 1] - 2.0 * local[b] + local[b + 1];
      if (denom < 0.0) {
        position += std::clamp(0.5 * (local[b - 1] - local[b + 1]) / denom, -0.5, 0.5);
      }
    }
    out.frames.push_back(position);
    out.strength.push_back(top > 0.0 ? std::clamp(local[b] / top, 0.0, 1.0) : 0.0);
  }
  return out;
}

}  // namespace sonance
