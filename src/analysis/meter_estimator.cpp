#include "analysis/meter_estimator.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>

namespace sonance {
namespace {

constexpr int kMinBar = 2;
constexpr int kMaxBar = 7;
constexpr double kOddMeterMargin = 1.5;

constexpr std::size_t kProfileGroups = 8;
// Weight of the loudness peak in a profile, in band groups: an accent raises every band at
// once, which the per-group values, noisy on short bursts, show less clearly.
constexpr double kLoudnessWeight = 2.0;

// Onset profile of every beat, over its first quarter (from two frames before the beat, as
// onsets are smeared over the analysis frame): the positive level increase of each of
// kProfileGroups groups of neighbouring bands (mean dB per band), then the peak level of the
// whole spectrum (dB), weighted.
std::vector<std::vector<double>> OnsetProfiles(const OnsetEnvelope& env,
                                               std::span<const long> beats) {
  const std::size_t nb = env.num_bands;
  const std::size_t groups = std::min(kProfileGroups, nb);
  const long frames = static_cast<long>(env.num_frames());
  std::vector<std::vector<double>> profiles(beats.size(), std::vector<double>(groups + 1, 0.0));
  for (std::size_t i = 0; i < beats.size(); ++i) {
    const long span =
        i + 1 < beats.size() ? beats[i + 1] - beats[i] : (i > 0 ? beats[i] - beats[i - 1] : 8);
    const long from = std::max(1L, beats[i] - 2);
    const long to = std::min(frames, beats[i] + std::max(2L, span / 4));
    std::vector<double>& p = profiles[i];
    std::vector<int> count(groups, 0);
    double peak_power = 0.0;
    for (long f = from; f < to; ++f) {
      const float* now = env.levels(static_cast<std::size_t>(f));
      const float* before = env.levels(static_cast<std::size_t>(f - 1));
      double power = 0.0;
      for (std::size_t b = 0; b < nb; ++b) {
        p[b * groups / nb] += std::max(0.0f, now[b] - before[b]);
        if (f == from) ++count[b * groups / nb];
        power += std::pow(10.0, now[b] / 10.0);
      }
      peak_power = std::max(peak_power, power);
    }
    for (std::size_t g = 0; g < groups; ++g) p[g] /= std::max(1, count[g]);
    p[groups] = kLoudnessWeight * 10.0 * std::log10(std::max(peak_power, 1e-12));
  }
  return profiles;
}

double MeanAbsDifference(const std::vector<double>& a, const std::vector<double>& b) {
  double sum = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) sum += std::abs(a[i] - b[i]);
  return a.empty() ? 0.0 : sum / static_cast<double>(a.size());
}

// Mean band level over [from, to): what sounds during a beat.
std::vector<double> MeanLevels(const OnsetEnvelope& env, long from, long to) {
  std::vector<double> mean(env.num_bands, 0.0);
  from = std::max(0L, from);
  to = std::min(static_cast<long>(env.num_frames()), to);
  if (to <= from) return mean;
  for (long f = from; f < to; ++f) {
    const float* level = env.levels(static_cast<std::size_t>(f));
    for (std::size_t b = 0; b < env.num_bands; ++b) mean[b] += level[b];
  }
  for (double& v : mean) v /= static_cast<double>(to - from);
  return mean;
}

}  // namespace

Result<MeterEstimator> MeterEstimator::Create(const MeterEstimatorOptions& o) {
  if (o.max_lag_beats < 4 || o.max_lag_beats > 32) {
    return Status::InvalidArgument("meter max_lag_beats must be in 4..32");
  }
  if (!(o.min_contrast >= 0.0 && o.min_contrast <= 1.0)) {
    return Status::InvalidArgument("meter min_contrast must be in 0..1");
  }
  return MeterEstimator(o);
}

MeterAnalysis MeterEstimator::compute(const OnsetEnvelope& env, std::span<const double> beat_frames,
                                      int subdivision) const {
  MeterAnalysis out;
  out.tatums_per_beat = subdivision == 3 ? 3 : 2;
  const bool compound = out.tatums_per_beat == 3;
  out.time_signature = compound ? 6 : 4;
  out.beats_per_bar = compound ? 2 : 4;
  const std::size_t n = beat_frames.size();
  if (env.num_bands == 0 || env.num_frames() < 2 || n < 6) return out;

  std::vector<long> beats(n);
  for (std::size_t i = 0; i < n; ++i) {
    beats[i] = std::clamp(std::lround(beat_frames[i]), 0L, static_cast<long>(env.num_frames()) - 1);
  }
  const auto profiles = OnsetProfiles(env, beats);

  // D(k): mean profile distance of beats k apart. Needs a few pairs at every lag.
  const int max_lag = std::min<int>(options_.max_lag_beats, static_cast<int>(n) / 2);
  std::vector<double> distance(static_cast<std::size_t>(max_lag), 0.0);
  for (int k = 1; k <= max_lag; ++k) {
    double sum = 0.0;
    for (std::size_t i = 0; i + k < n; ++i) sum += MeanAbsDifference(profiles[i], profiles[i + k]);
    distance[static_cast<std::size_t>(k - 1)] = sum / static_cast<double>(n - k);
  }
  out.lag_distance = distance;
  const double mean_distance =
      std::accumulate(distance.begin(), distance.end(), 0.0) / static_cast<double>(max_lag);

  // Contrast of every bar length; index m - kMinBar. A length needs two of its multiples
  // among the lags to be judged.
  for (int m = kMinBar; m <= kMaxBar; ++m) {
    double on = 0.0, off = 0.0;
    int n_on = 0, n_off = 0;
    for (int k = 1; k <= max_lag; ++k) {
      (k % m == 0 ? on : off) += distance[static_cast<std::size_t>(k - 1)];
      ++(k % m == 0 ? n_on : n_off);
    }
    const bool judged = n_on >= 2 && n_off > 0 && mean_distance > 0.0;
    out.contrast.push_back(judged ? (off / n_off - on / n_on) / mean_distance : 0.0);
  }
  auto contrast = [&](int m) { return out.contrast[static_cast<std::size_t>(m - kMinBar)]; };
  int bar = 0;  // 0: no evidence
  double best_contrast = options_.min_contrast;
  for (int m : {2, 3, 4}) {
    if (contrast(m) >= best_contrast) {
      best_contrast = contrast(m);
      bar = m;
    }
  }
  // Odd meters are rare: they must beat the common ones clearly.
  for (int m : {5, 7}) {
    if (contrast(m) >= std::max(kOddMeterMargin * best_contrast, 2.0 * options_.min_contrast)) {
      best_contrast = contrast(m);
      bar = m;
    }
  }
  if (compound) {
    out.time_signature = bar == 3 ? 3 : 6;
    out.beats_per_bar = bar == 3 ? 3 : 2;
  } else {
    out.time_signature = bar == 0 || bar == 2 ? 4 : bar;
    out.beats_per_bar = out.time_signature;
  }
  out.confidence = bar > 0 ? std::clamp(best_contrast * 2.0, 0.0, 1.0) : 0.0;
  if (compound && bar != 3) out.confidence *= 0.5;  // 6/8 is the default of compound meters

  // Downbeat phase: bass onsets, accents and harmonic change, averaged per phase.
  const int m = out.beats_per_bar;
  std::vector<double> bass(n, 0.0), accent(n, 0.0), change(n, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    const long span = i + 1 < n ? beats[i + 1] - beats[i] : beats[i] - beats[i - 1];
    const long to = std::min(static_cast<long>(env.low.size()), beats[i] + std::max(2L, span / 4));
    for (long f = std::max(0L, beats[i] - 2); f < to; ++f) {
      bass[i] += env.low[static_cast<std::size_t>(f)];
      accent[i] += env.strength[static_cast<std::size_t>(f)];
    }
    if (i > 0 && i + 1 < n) {
      change[i] = MeanAbsDifference(MeanLevels(env, beats[i - 1], beats[i]),
                                    MeanLevels(env, beats[i], beats[i + 1]));
    }
  }
  // The first and last beats have no harmonic change measured: give them the average.
  if (n > 2) {
    change[0] = change[n - 1] =
        std::accumulate(change.begin() + 1, change.end() - 1, 0.0) / static_cast<double>(n - 2);
  }
  std::vector<double> loudness(n);
  for (std::size_t i = 0; i < n; ++i) loudness[i] = profiles[i].back();
  // Each cue in standard scores, so that none dominates by its units.
  auto standardise = [](std::vector<double>& v) {
    const double mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
    double var = 0.0;
    for (double x : v) var += (x - mean) * (x - mean);
    const double sd = std::sqrt(var / static_cast<double>(v.size()));
    for (double& x : v) x = sd > 0.0 ? (x - mean) / sd : 0.0;
  };
  standardise(bass);
  standardise(accent);
  standardise(change);
  standardise(loudness);
  std::vector<double> phase_score(static_cast<std::size_t>(m), 0.0);
  std::vector<int> phase_count(static_cast<std::size_t>(m), 0);
  for (std::size_t i = 0; i < n; ++i) {
    phase_score[i % m] += bass[i] + accent[i] + change[i] + loudness[i];
    ++phase_count[i % m];
  }
  int phase = 0;
  for (int p = 0; p < m; ++p) {
    phase_score[p] /= std::max(1, phase_count[p]);
    if (phase_score[p] > phase_score[phase]) phase = p;
  }
  out.first_downbeat = phase;
  return out;
}

}  // namespace sonance
