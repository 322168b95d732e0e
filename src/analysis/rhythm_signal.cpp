#include "analysis/rhythm_signal.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace sonance::rhythm {

std::vector<float> DetrendEnvelope(std::span<const float> e, std::size_t half_width) {
  const std::size_t n = e.size();
  std::vector<double> prefix(n + 1, 0.0);
  for (std::size_t i = 0; i < n; ++i) prefix[i + 1] = prefix[i] + e[i];
  std::vector<float> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t a = i >= half_width ? i - half_width : 0;
    const std::size_t b = std::min(n, i + half_width + 1);
    const double mean = (prefix[b] - prefix[a]) / static_cast<double>(b - a);
    out[i] = static_cast<float>(std::max(0.0, e[i] - mean));
  }
  return out;
}

std::vector<float> SmoothEnvelope(std::span<const float> x) {
  const std::size_t n = x.size();
  std::vector<float> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    const float left = i > 0 ? x[i - 1] : x[i];
    const float right = i + 1 < n ? x[i + 1] : x[i];
    out[i] = 0.25f * left + 0.5f * x[i] + 0.25f * right;
  }
  return out;
}

std::vector<double> NormalizedAutocorrelation(std::span<const float> x, std::size_t max_lag) {
  const std::size_t n = x.size();
  if (n < 2) return {};
  max_lag = std::min(max_lag, n - 1);
  const double mean = std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(n);
  std::vector<float> d(n);
  for (std::size_t i = 0; i < n; ++i) d[i] = static_cast<float>(x[i] - mean);
  std::vector<double> r(max_lag + 1, 0.0);
  for (std::size_t lag = 0; lag <= max_lag; ++lag) {
    // Blocks of float sums keep the inner loop vectorisable without losing precision.
    double total = 0.0;
    const std::size_t count = n - lag;
    constexpr std::size_t kBlock = 256;
    for (std::size_t start = 0; start < count; start += kBlock) {
      const std::size_t stop = std::min(count, start + kBlock);
      float partial = 0.0f;
      for (std::size_t i = start; i < stop; ++i) partial += d[i] * d[i + lag];
      total += partial;
    }
    r[lag] = total / static_cast<double>(count);
  }
  if (!(r[0] > 0.0)) return {};
  const double r0 = r[0];
  for (double& v : r) v /= r0;
  return r;
}

double InterpolateAt(std::span<const double> r, double lag) {
  if (r.empty() || lag < 0.0) return 0.0;
  const auto i = static_cast<std::size_t>(lag);
  if (i + 1 >= r.size()) return i + 1 == r.size() && lag == static_cast<double>(i) ? r[i] : 0.0;
  const double f = lag - static_cast<double>(i);
  return r[i] * (1.0 - f) + r[i + 1] * f;
}

double MaxNear(std::span<const double> r, double lag, double relative_tolerance) {
  const double lo = std::max(0.0, lag * (1.0 - relative_tolerance));
  const double hi = lag * (1.0 + relative_tolerance);
  double best = InterpolateAt(r, lag);
  // Integer lags inside the window hold the local maxima of the piecewise-linear function.
  for (auto i = static_cast<std::size_t>(std::ceil(lo)); static_cast<double>(i) <= hi; ++i) {
    if (i < r.size()) best = std::max(best, r[i]);
  }
  return std::max({best, InterpolateAt(r, lo), InterpolateAt(r, hi)});
}

}  // namespace sonance::rhythm
