// The formulas that turn track-level low-level descriptors into Spotify's seven 0..1
// perceptual descriptors (private to the analysis module).
//
// Each descriptor is a bounded (clamped linear or logistic) combination of a few measured
// quantities, documented with its references in docs/features-descriptors.md. There is no
// ground truth: the constants were set on synthetic and rendered signals with a known
// direction (speech vs music, acoustic vs distorted, steady vs rubato, ...), so the values
// rank tracks sensibly but are not calibrated probabilities. Pure functions; thread-safe.
#pragma once

#include "descriptor_features.h"
#include "sonance/analysis/descriptors.h"
#include "sonance/analysis/tonal.h"

namespace sonance::descriptor_internal {

// clamp((x - lo) / (hi - lo), 0, 1); hi < lo gives a falling ramp. NaN gives 0.
double Ramp(double x, double lo, double hi);

// clamp((x - centre) / half_width, -1, 1): signed evidence for "more than centre". NaN gives 0.
double Evidence(double x, double centre, double half_width);

double Logistic(double x);

// Speech-likeness evidence behind speechiness, in [-5.5, 5.5]: syllabic (4 Hz) modulation,
// low-energy frames, gliding partials, absent pulse and voiced/unvoiced alternation.
double SpeechEvidence(const DescriptorFeatures& f);

// All seven descriptors. `key` may be null (no tonal information: valence ignores mode).
// A track without active frames (empty, silence) gives zeros, except instrumentalness 1:
// there is no voice in it.
Descriptors EstimateDescriptors(const DescriptorFeatures& f, const KeyEstimate* key,
                                double integrated_lufs);

}  // namespace sonance::descriptor_internal
