#include <algorithm>
#include <cmath>
#include <vector>

#include "sonance/analysis/structure.h"

namespace sonance {
namespace {

constexpr float kFloorDb = -60.0f;

std::size_t FrameCount(const FrameFeatures& f) {
  return std::max({f.onset.size(), f.loudness_db.size(), f.chroma.size(), f.timbre.size()});
}

float LoudnessAt(const FrameFeatures& f, std::size_t i) {
  return i < f.loudness_db.size() ? f.loudness_db[i] : kFloorDb;
}

// Onset strength per frame. Without an onset envelope (rhythm step skipped or failed) the
// rise of the loudness curve stands in: a new sound mostly announces itself by getting
// louder.
std::vector<float> Novelty(const FrameFeatures& f, std::size_t n) {
  std::vector<float> nov(n, 0.0f);
  if (!f.onset.empty()) {
    for (std::size_t i = 0; i < n && i < f.onset.size(); ++i) nov[i] = std::max(0.0f, f.onset[i]);
    return nov;
  }
  for (std::size_t i = 1; i < n; ++i)
    nov[i] = std::max(0.0f, LoudnessAt(f, i) - LoudnessAt(f, i - 1));
  return nov;
}

// The value below which `q` of the positive entries lie (0 when there are none).
float PositiveQuantile(const std::vector<float>& x, double q) {
  std::vector<float> v;
  v.reserve(x.size());
  for (float a : x) {
    if (a > 0.0f) v.push_back(a);
  }
  if (v.empty()) return 0.0f;
  const auto k = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

struct Boundary {
  std::size_t frame;
  double confidence;
};

}  // namespace

Result<Segmenter> Segmenter::Create(const SegmenterOptions& o) {
  if (!(o.min_segment_seconds >= 0.02 && o.min_segment_seconds <= 5.0)) {
    return Status::InvalidArgument("segmenter min_segment_seconds must be in 0.02..5");
  }
  if (!(o.max_segment_seconds >= 2.0 * o.min_segment_seconds && o.max_segment_seconds <= 60.0)) {
    return Status::InvalidArgument(
        "segmenter max_segment_seconds must be in 2*min_segment_seconds..60");
  }
  if (!(o.threshold >= 0.0 && o.threshold <= 1.0)) {
    return Status::InvalidArgument("segmenter threshold must be in 0..1");
  }
  return Segmenter(o);
}

std::vector<Segment> Segmenter::compute(const FrameFeatures& f) const {
  std::vector<Segment> out;
  const std::size_t n = FrameCount(f);
  if (n == 0 || !(f.frame_rate > 0.0)) return out;
  const double rate = f.frame_rate;
  const double duration = f.duration > 0.0 ? f.duration : static_cast<double>(n) / rate;

  const std::vector<float> nov = Novelty(f, n);
  // Scale-free thresholds: the onset envelope's units depend on its producer, so peaks are
  // judged against the track's own strong onsets (98th percentile) and a local mean.
  const float strong = PositiveQuantile(nov, 0.98);
  // Rounded up, so that no segment is shorter than the minimum.
  const auto min_gap = std::max<std::size_t>(
      1, static_cast<std::size_t>(std::ceil(options_.min_segment_seconds * rate - 1e-9)));
  const auto local = std::max<std::size_t>(2, static_cast<std::size_t>(std::lround(0.25 * rate)));
  std::vector<double> prefix(n + 1, 0.0);
  for (std::size_t i = 0; i < n; ++i) prefix[i + 1] = prefix[i] + nov[i];

  std::vector<Boundary> peaks;
  if (strong > 0.0f) {
    const std::size_t reach = std::max<std::size_t>(1, min_gap / 2);
    for (std::size_t i = 0; i < n; ++i) {
      const float v = nov[i];
      if (v <= 0.0f) continue;
      const std::size_t a = i >= reach ? i - reach : 0;
      const std::size_t b = std::min(n - 1, i + reach);
      bool is_max = true;
      for (std::size_t j = a; j <= b && is_max; ++j) {
        // Ties go to the earliest frame, so a plateau gives one peak at its start.
        if (nov[j] > v || (nov[j] == v && j < i)) is_max = false;
      }
      if (!is_max) continue;
      const std::size_t la = i >= local ? i - local : 0;
      const std::size_t lb = std::min(n, i + local + 1);
      const double mean = (prefix[lb] - prefix[la]) / static_cast<double>(lb - la);
      const double excess = (v - mean) / strong;
      if (excess < options_.threshold) continue;
      peaks.push_back({i, std::clamp(excess, 0.0, 1.0)});
    }
  }
  // Onset envelopes peak as soon as an attack enters the analysis window, up to a hop or
  // two early. The frame where the centred loudness window rises most is where the attack
  // is; move each peak there if such a rise is nearby.
  const std::size_t slack =
      std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(0.05 * rate)));
  for (Boundary& p : peaks) {
    float best_rise = 1.0f;  // dB: smaller rises are level noise, not attacks
    const std::size_t a = std::max<std::size_t>(1, p.frame >= slack ? p.frame - slack : 0);
    const std::size_t b = std::min(n - 1, p.frame + slack);
    std::size_t at = p.frame;
    for (std::size_t j = a; j <= b; ++j) {
      const float rise = LoudnessAt(f, j) - LoudnessAt(f, j - 1);
      if (rise > best_rise) {
        best_rise = rise;
        at = j;
      }
    }
    p.frame = at;
  }
  // Keep the stronger of two peaks closer than the minimum segment length.
  std::vector<Boundary> kept;
  for (const Boundary& p : peaks) {
    if (!kept.empty() && p.frame < kept.back().frame + min_gap) {
      if (p.confidence > kept.back().confidence) kept.back() = p;
      continue;
    }
    kept.push_back(p);
  }
  // The track starts a segment; an onset within the first minimum length is that start.
  std::vector<Boundary> bounds;
  if (kept.empty() || kept.front().frame >= min_gap) bounds.push_back({0, 0.0});
  for (const Boundary& p : kept) {
    if (bounds.empty()) {
      bounds.push_back({0, p.confidence});
    } else {
      bounds.push_back(p);
    }
  }
  // Split segments longer than the maximum at their strongest novelty, else evenly.
  const auto max_len = static_cast<std::size_t>(options_.max_segment_seconds * rate);
  std::vector<Boundary> split;
  for (std::size_t s = 0; s < bounds.size(); ++s) {
    const std::size_t begin = bounds[s].frame;
    const std::size_t end = s + 1 < bounds.size() ? bounds[s + 1].frame : n;
    split.push_back(bounds[s]);
    std::size_t cur = begin;
    while (end - cur > max_len) {
      const std::size_t pieces = (end - cur + max_len - 1) / max_len;
      std::size_t cut = cur + (end - cur) / pieces;
      float best = 0.0f;
      for (std::size_t j = cur + min_gap; j + min_gap <= end && j <= cur + max_len; ++j) {
        if (nov[j] > best) {
          best = nov[j];
          cut = j;
        }
      }
      // A forced cut is a weaker claim than a detected onset: half its relative strength.
      const double conf =
          strong > 0.0f ? 0.5 * std::clamp(static_cast<double>(best) / strong, 0.0, 1.0) : 0.0;
      split.push_back({cut, conf});
      cur = cut;
    }
  }

  out.reserve(split.size());
  for (std::size_t s = 0; s < split.size(); ++s) {
    const std::size_t begin = split[s].frame;
    const std::size_t end = s + 1 < split.size() ? split[s + 1].frame : n;
    Segment seg;
    seg.start = static_cast<double>(begin) / rate;
    const double stop = s + 1 < split.size() ? static_cast<double>(end) / rate : duration;
    seg.duration = std::max(0.0, stop - seg.start);
    seg.confidence = split[s].confidence;
    seg.loudness_start = LoudnessAt(f, begin);
    seg.loudness_end = LoudnessAt(f, end - 1);
    std::size_t loudest = begin;
    for (std::size_t j = begin; j < end; ++j) {
      if (LoudnessAt(f, j) > LoudnessAt(f, loudest)) loudest = j;
    }
    seg.loudness_max = LoudnessAt(f, loudest);
    seg.loudness_max_time = static_cast<double>(loudest - begin) / rate;
    double peak = 0.0;
    for (std::size_t j = begin; j < end && j < f.chroma.size(); ++j) {
      for (std::size_t k = 0; k < 12; ++k) seg.pitches[k] += f.chroma[j][k];
    }
    for (double v : seg.pitches) peak = std::max(peak, v);
    if (peak > 0.0) {
      for (double& v : seg.pitches) v /= peak;
    }
    for (std::size_t j = begin; j < end && j < f.timbre.size(); ++j) {
      for (std::size_t k = 0; k < 12; ++k) seg.timbre[k] += f.timbre[j][k];
    }
    for (double& v : seg.timbre) v /= static_cast<double>(end - begin);
    out.push_back(seg);
  }
  return out;
}

}  // namespace sonance
