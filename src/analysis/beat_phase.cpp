#include "analysis/beat_phase.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace sonance {
namespace {

// Largest value within +-2 frames of a fractional frame (onsets smear over the frame).
double Near(std::span<const float> env, double frame) {
  const long centre = std::lround(frame);
  double best = 0.0;
  for (long f = centre - 2; f <= centre + 2; ++f) {
    if (f >= 0 && f < static_cast<long>(env.size())) {
      best = std::max(best, static_cast<double>(env[static_cast<std::size_t>(f)]));
    }
  }
  return best;
}

// Beat i moved by `shift` tatums of its own interval (the last beat uses the one before).
std::vector<double> Shifted(std::span<const double> beats, int shift, int tatums_per_beat) {
  std::vector<double> out(beats.size());
  for (std::size_t i = 0; i < beats.size(); ++i) {
    const double interval =
        i + 1 < beats.size() ? beats[i + 1] - beats[i] : beats[i] - beats[i - 1];
    out[i] = beats[i] + shift * interval / tatums_per_beat;
  }
  return out;
}

}  // namespace

Result<BeatPhaseAligner> BeatPhaseAligner::Create(const BeatPhaseOptions& o) {
  if (!(o.margin >= 1.0 && o.margin <= 10.0)) {
    return Status::InvalidArgument("beat phase margin must be in 1..10");
  }
  return BeatPhaseAligner(o);
}

BeatPhase BeatPhaseAligner::compute(std::span<const float> bass,
                                    std::span<const double> beat_frames,
                                    int tatums_per_beat) const {
  BeatPhase out;
  out.frames.assign(beat_frames.begin(), beat_frames.end());
  if (beat_frames.size() < 2 || bass.empty() || tatums_per_beat < 2) return out;

  auto score = [&](const std::vector<double>& beats) {
    double sum = 0.0;
    for (double f : beats) sum += Near(bass, f);
    return sum / static_cast<double>(beats.size());
  };
  const double tracked = score(out.frames);
  double best = tracked;
  for (int s = 1; s < tatums_per_beat; ++s) {
    std::vector<double> candidate = Shifted(beat_frames, s, tatums_per_beat);
    const double value = score(candidate);
    if (value > best && value >= options_.margin * tracked) {
      best = value;
      out.frames = std::move(candidate);
      out.shift_tatums = s;
    }
  }
  if (out.shift_tatums == 0) return out;
  // A shifted last beat can fall past the end of the signal; a beat before the first one
  // may now fit before it, if there is bass there.
  const auto end = static_cast<double>(bass.size());
  while (!out.frames.empty() && out.frames.back() >= end) out.frames.pop_back();
  if (out.frames.size() >= 2) {
    const double before = out.frames[0] - (out.frames[1] - out.frames[0]);
    if (before >= -2.0 && Near(bass, std::max(0.0, before)) >= 0.5 * best) {
      out.frames.insert(out.frames.begin(), std::max(0.0, before));
    }
  }
  return out;
}

}  // namespace sonance
