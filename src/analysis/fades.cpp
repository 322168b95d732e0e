#include <algorithm>
#include <cmath>
#include <vector>

#include "sonance/analysis/structure.h"

namespace sonance {
namespace {

// Loudness is smoothed over one second: long enough to iron out beats and note attacks,
// short enough to place the end of a fade within about half a second.
constexpr double kSmoothSeconds = 1.0;
// A fade has ended when the smoothed level is within this of the track's typical level.
constexpr double kMarginDb = 1.0;
// Sound is anything louder than the typical level minus this.
constexpr double kSilenceBelowDb = 40.0;
// A fade lasts at least this long and rises (or falls) mostly in one direction.
constexpr double kMinFadeSeconds = 1.0;
constexpr double kMinMonotonic = 0.7;
constexpr double kMinHalfwayShare = 0.3;
// Never call more than this share of the track (or this many seconds) a fade.
constexpr double kMaxFadeShare = 0.5;
constexpr double kMaxFadeSeconds = 60.0;

// Power mean of the dB curve over a centred window, in dB.
std::vector<double> Smooth(std::span<const float> db, std::size_t half) {
  const std::size_t n = db.size();
  std::vector<double> prefix(n + 1, 0.0);
  for (std::size_t i = 0; i < n; ++i) prefix[i + 1] = prefix[i] + std::pow(10.0, db[i] / 10.0);
  std::vector<double> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t a = i >= half ? i - half : 0;
    const std::size_t b = std::min(n, i + half + 1);
    out[i] = 10.0 * std::log10((prefix[b] - prefix[a]) / static_cast<double>(b - a) + 1e-30);
  }
  return out;
}

// Share of the total movement of `s` between frames a and b (inclusive, a <= b) that goes
// in the direction `sign` (+1 rising, -1 falling), sampled every `step` frames.
double Monotonic(const std::vector<double>& s, std::size_t a, std::size_t b, std::size_t step,
                 double sign) {
  double with = 0.0;
  double total = 0.0;
  for (std::size_t i = a; i + step <= b; i += step) {
    const double d = sign * (s[i + step] - s[i]);
    with += std::max(0.0, d);
    total += std::abs(d);
  }
  return total > 0.0 ? with / total : 0.0;
}

// A fade changes level throughout; a quiet passage followed by a jump does not. Checks that
// halfway (in time) from the quiet end `q` to the loud end `l` of a candidate the smoothed
// level has covered at least kMinHalfwayShare of the dB distance between `low` and `high`.
// A linear amplitude fade covers ~85% by then (the dB curve is logarithmic), a fade linear
// in dB 50%, a step at the end 0%.
bool Gradual(const std::vector<double>& s, std::size_t q, std::size_t l, double low, double high) {
  const std::size_t mid = (q + l) / 2;
  return high > low && (s[mid] - low) / (high - low) >= kMinHalfwayShare;
}

}  // namespace

Result<FadeDetector> FadeDetector::Create(double threshold_db) {
  if (!(threshold_db >= 3.0 && threshold_db <= 60.0)) {
    return Status::InvalidArgument("fade threshold_db must be in 3..60");
  }
  return FadeDetector(threshold_db);
}

Fades FadeDetector::compute(std::span<const float> loudness_db, double frame_rate,
                            double duration) const {
  Fades out;
  out.end_of_fade_in = 0.0;
  out.start_of_fade_out = std::max(0.0, duration);
  const std::size_t n = loudness_db.size();
  if (n < 2 || !(frame_rate > 0.0) || !(duration > 0.0)) return out;

  const auto half = static_cast<std::size_t>(std::lround(0.5 * kSmoothSeconds * frame_rate));
  const std::vector<double> s = Smooth(loudness_db, half);
  const double floor = *std::min_element(s.begin(), s.end());
  std::vector<double> loud;
  for (double v : s) {
    if (v > floor + 1.0) loud.push_back(v);
  }
  if (loud.empty()) return out;  // constant level, silence included: nothing fades
  std::nth_element(loud.begin(), loud.begin() + static_cast<std::ptrdiff_t>(loud.size() / 2),
                   loud.end());
  const double typical = loud[loud.size() / 2];
  const double silence = typical - kSilenceBelowDb;

  // Sound boundaries on the raw curve: smoothing would move them by half a window.
  std::size_t first = 0;
  while (first < n && loudness_db[first] <= silence) ++first;
  std::size_t last = n - 1;
  while (last > first && loudness_db[last] <= silence) --last;
  if (first >= n) return out;

  const auto step =
      std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(0.25 * frame_rate)));
  const double max_fade = std::min(kMaxFadeSeconds, kMaxFadeShare * duration);
  const double time_per_frame = 1.0 / frame_rate;

  // Fade-in: from the first sound to the first time the level is back to typical.
  out.end_of_fade_in = std::min(duration, static_cast<double>(first) * time_per_frame);
  std::size_t reach = first;
  while (reach < n && s[reach] < typical - kMarginDb) ++reach;
  if (reach < n) {
    const double length = static_cast<double>(reach - first) * time_per_frame;
    const std::size_t probe = std::min(reach, first + half);
    const double rise =
        s[reach] - *std::min_element(s.begin() + static_cast<std::ptrdiff_t>(first),
                                     s.begin() + static_cast<std::ptrdiff_t>(probe) + 1);
    if (length >= kMinFadeSeconds && length <= max_fade && rise >= threshold_db_ &&
        Monotonic(s, first, reach, step, 1.0) >= kMinMonotonic &&
        Gradual(s, first, reach, s[reach] - rise, s[reach])) {
      out.end_of_fade_in = static_cast<double>(reach) * time_per_frame;
    }
  }

  // Fade-out: from the last time the level is typical to the last sound.
  const double end_of_sound = std::min(duration, static_cast<double>(last + 1) * time_per_frame);
  out.start_of_fade_out = last + 1 < n ? end_of_sound : duration;
  std::size_t from = last;
  while (from > first && s[from] < typical - kMarginDb) --from;
  const double length = static_cast<double>(last - from) * time_per_frame;
  const std::size_t probe = last >= half && last - half > from ? last - half : from;
  const double drop =
      s[from] - *std::min_element(s.begin() + static_cast<std::ptrdiff_t>(probe),
                                  s.begin() + static_cast<std::ptrdiff_t>(last) + 1);
  if (length >= kMinFadeSeconds && length <= max_fade && drop >= threshold_db_ &&
      Monotonic(s, from, last, step, -1.0) >= kMinMonotonic &&
      Gradual(s, last, from, s[from] - drop, s[from])) {
    out.start_of_fade_out = static_cast<double>(from) * time_per_frame;
  }
  out.start_of_fade_out = std::max(out.start_of_fade_out, out.end_of_fade_in);
  return out;
}

}  // namespace sonance
