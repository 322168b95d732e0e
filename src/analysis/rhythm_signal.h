// Small signal helpers shared by the rhythm steps (tempo, beats, meter).
//
// Free functions over plain vectors; pure and thread-safe.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace sonance::rhythm {

// Removes a centred moving average of +-half_width frames and keeps the positive part, so
// that slow loudness changes do not look like periodicity.
std::vector<float> DetrendEnvelope(std::span<const float> envelope, std::size_t half_width);

// Three-tap [1 2 1] / 4 smoothing (edges use the available neighbours).
std::vector<float> SmoothEnvelope(std::span<const float> x);

// Autocorrelation of x with its mean removed, unbiased (each lag divided by its number of
// products) and normalised so that lag 0 is 1. Lags 0..max_lag (clipped to x.size() - 1).
// Empty when x is constant (no energy to correlate).
std::vector<double> NormalizedAutocorrelation(std::span<const float> x, std::size_t max_lag);

// Linear interpolation of r at a fractional lag; 0 outside the computed lags.
double InterpolateAt(std::span<const double> r, double lag);

// Largest value of r within lag * (1 +- relative_tolerance), interpolated.
double MaxNear(std::span<const double> r, double lag, double relative_tolerance);

}  // namespace sonance::rhythm
