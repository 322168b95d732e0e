#include "analysis/tempo_estimator.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "analysis/rhythm_signal.h"

namespace sonance {
namespace {

constexpr double kGridStepFrames = 0.05;

// Mean autocorrelation at the multiples of `period` that the computed lags reach.
double CombSalience(std::span<const double> r, double period) {
  const double max_lag = static_cast<double>(r.size() - 1);
  double sum = 0.0;
  int count = 0;
  for (double lag = period; lag <= max_lag; lag += period) {
    sum += rhythm::InterpolateAt(r, lag);
    ++count;
  }
  return count > 0 ? sum / count : 0.0;
}

}  // namespace

Result<TempoEstimator> TempoEstimator::Create(const TempoEstimatorOptions& o) {
  if (!(o.min_bpm >= 20.0) || !(o.max_bpm > o.min_bpm) || !(o.max_bpm <= 400.0)) {
    return Status::InvalidArgument("tempo range must satisfy 20 <= min_bpm < max_bpm <= 400");
  }
  if (!(o.detrend_seconds >= 0.05 && o.detrend_seconds <= 5.0)) {
    return Status::InvalidArgument("tempo detrend_seconds must be in 0.05..5");
  }
  if (!(o.level_ratio >= 0.3 && o.level_ratio <= 1.0)) {
    return Status::InvalidArgument("tempo level_ratio must be in 0.3..1");
  }
  if (!(o.min_salience >= 0.0 && o.min_salience <= 1.0)) {
    return Status::InvalidArgument("tempo min_salience must be in 0..1");
  }
  if (!(o.max_lag_beats >= 1.0 && o.max_lag_beats <= 16.0)) {
    return Status::InvalidArgument("tempo max_lag_beats must be in 1..16");
  }
  return TempoEstimator(o);
}

TempoAnalysis TempoEstimator::compute(std::span<const float> envelope, double frame_rate) const {
  TempoAnalysis out;
  if (envelope.empty() || !(frame_rate > 0.0)) return out;
  const TempoEstimatorOptions& o = options_;
  const double min_period = 60.0 * frame_rate / o.max_bpm;
  const double max_period = 60.0 * frame_rate / o.min_bpm;
  // At least two beats of the candidate period must fit, or there is no periodicity to see.
  const double usable = static_cast<double>(envelope.size()) / 2.0;
  if (usable < min_period) return out;

  const auto half_width = static_cast<std::size_t>(std::lround(o.detrend_seconds * frame_rate));
  std::vector<float> detrended = rhythm::DetrendEnvelope(envelope, half_width);
  // A [1 2 1] / 4 smoothing: onsets that fall between frames alternate between two whole
  // frames, and the autocorrelation of one-frame spikes would punish that jitter.
  detrended = rhythm::SmoothEnvelope(detrended);
  const auto max_lag =
      static_cast<std::size_t>(std::ceil(std::min(usable, o.max_lag_beats * max_period) + 1.0));
  const std::vector<double> r = rhythm::NormalizedAutocorrelation(detrended, max_lag);
  if (r.size() < 3) return out;

  const double top_period = std::min(max_period, static_cast<double>(r.size() - 1));
  const auto steps = static_cast<std::size_t>((top_period - min_period) / kGridStepFrames) + 1;
  std::vector<double> salience(steps);
  for (std::size_t i = 0; i < steps; ++i) {
    salience[i] = CombSalience(r, min_period + i * kGridStepFrames);
  }
  const double strongest = *std::max_element(salience.begin(), salience.end());
  if (!(strongest >= o.min_salience)) return out;

  // Fastest local maximum (or range edge) strong enough to be the beat.
  std::size_t chosen = 0;
  bool found = false;
  for (std::size_t i = 0; i < steps && !found; ++i) {
    const bool left_ok = i == 0 || salience[i] >= salience[i - 1];
    const bool right_ok = i + 1 == steps || salience[i] >= salience[i + 1];
    if (left_ok && right_ok && salience[i] >= o.level_ratio * strongest) {
      chosen = i;
      found = true;
    }
  }
  if (!found) return out;

  double period = min_period + chosen * kGridStepFrames;
  if (chosen > 0 && chosen + 1 < steps) {  // parabolic refinement between grid points
    const double a = salience[chosen - 1];
    const double b = salience[chosen];
    const double c = salience[chosen + 1];
    const double denom = a - 2.0 * b + c;
    if (denom < 0.0) period += kGridStepFrames * std::clamp(0.5 * (a - c) / denom, -0.5, 0.5);
  }

  out.period_frames = period;
  out.bpm = 60.0 * frame_rate / period;
  out.confidence = std::clamp(salience[chosen], 0.0, 1.0);

  const double half = rhythm::MaxNear(r, period / 2.0, 0.03);
  const double third =
      0.5 * (rhythm::MaxNear(r, period / 3.0, 0.03) + rhythm::MaxNear(r, 2.0 * period / 3.0, 0.03));
  out.subdivision = third > half + 0.05 && third > 0.1 ? 3 : 2;
  out.subdivision_confidence = std::clamp(std::abs(third - half) * 2.0, 0.0, 1.0);
  return out;
}

}  // namespace sonance
