#include "spectral_features.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace sonance::descriptor_internal {

Result<SpectralFrameExtractor> SpectralFrameExtractor::Create(const SpectralFrameOptions& o) {
  if (!(o.rolloff_fraction > 0.0 && o.rolloff_fraction < 1.0)) {
    return Status::InvalidArgument("rolloff_fraction must be in (0, 1)");
  }
  if (!(o.low_split_hz > 0.0 && o.high_split_hz > o.low_split_hz)) {
    return Status::InvalidArgument("need 0 < low_split_hz < high_split_hz");
  }
  if (!(o.flatness_min_hz >= 0.0 && o.flatness_max_hz > o.flatness_min_hz)) {
    return Status::InvalidArgument("need 0 <= flatness_min_hz < flatness_max_hz");
  }
  if (!(o.band_min_hz > 0.0 && o.band_max_hz > o.band_min_hz)) {
    return Status::InvalidArgument("need 0 < band_min_hz < band_max_hz");
  }
  if (!(o.pitch_min_hz > 0.0 && o.pitch_max_hz > o.pitch_min_hz)) {
    return Status::InvalidArgument("need 0 < pitch_min_hz < pitch_max_hz");
  }
  if (o.pitch_harmonics < 1 || o.pitch_harmonics > 32) {
    return Status::InvalidArgument("pitch_harmonics must be in 1..32");
  }
  if (!(o.persistence_min_hz > 0.0 && o.persistence_max_hz > o.persistence_min_hz)) {
    return Status::InvalidArgument("need 0 < persistence_min_hz < persistence_max_hz");
  }
  if (o.persistence_lag < 1 || o.persistence_lag > 64) {
    return Status::InvalidArgument("persistence_lag must be in 1..64");
  }
  if (!(o.silence_db > 0.0 && o.silence_db <= 200.0)) {
    return Status::InvalidArgument("silence_db must be in (0, 200]");
  }
  return SpectralFrameExtractor(o);
}

namespace {

std::size_t BinOf(double hz, const Spectrogram& s) {
  const double b = std::round(hz * s.frame_size / s.sample_rate);
  return static_cast<std::size_t>(std::clamp(b, 0.0, static_cast<double>(s.num_bins - 1)));
}

// Sum of term(b) for b in [lo, hi) with four independent accumulators, written out so they
// live in registers: a single running sum is one long dependency chain, and these loops run
// over ten million bins per song.
template <typename Term>
float LaneSum(std::size_t lo, std::size_t hi, Term term) {
  float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;
  std::size_t b = lo;
  for (; b + 4 <= hi; b += 4) {
    a0 += term(b);
    a1 += term(b + 1);
    a2 += term(b + 2);
    a3 += term(b + 3);
  }
  for (; b < hi; ++b) a0 += term(b);
  return (a0 + a1) + (a2 + a3);
}

}  // namespace

SpectralFrames SpectralFrameExtractor::compute(const Spectrogram& s) const {
  const SpectralFrameOptions& o = options_;
  SpectralFrames out;
  const std::size_t n = s.num_frames;
  out.num_frames = n;
  out.frame_rate = s.hop_size > 0 ? s.frame_rate() : 0.0;
  out.power.assign(n, 0.0f);
  out.centroid_hz.assign(n, 0.0f);
  out.rolloff_hz.assign(n, 0.0f);
  out.flatness.assign(n, 0.0f);
  out.flux.assign(n, 0.0f);
  out.high_ratio.assign(n, 0.0f);
  out.low_ratio.assign(n, 0.0f);
  out.harmonicity.assign(n, 0.0f);
  out.pitch_hz.assign(n, 0.0f);
  out.peak_persistence.assign(n, 0.0f);
  out.band_power.assign(n * kModulationBands, 0.0f);
  out.silent.assign(n, true);
  if (n == 0 || s.num_bins < 4 || s.magnitudes.size() < n * s.num_bins || s.sample_rate <= 0 ||
      s.frame_size <= 0 || s.hop_size <= 0) {
    return out;
  }

  const std::size_t nb = s.num_bins;
  // Pass 1: power per frame (DC excluded: it carries offset, not sound).
  float max_power = 0.0f;
  for (std::size_t f = 0; f < n; ++f) {
    const float* m = s.magnitudes.data() + f * nb;
    const float p = LaneSum(1, nb, [m](std::size_t b) { return m[b] * m[b]; });
    out.power[f] = p;
    max_power = std::max(max_power, p);
  }
  if (!(max_power > 0.0f) || !std::isfinite(max_power)) return out;
  const float silence_power = max_power * static_cast<float>(std::pow(10.0, -o.silence_db / 10.0));
  // Flux compares log magnitudes above a floor tied to the loudest frame, so it does not
  // depend on the overall level and ignores changes far below what is audible in the mix.
  const float mag_floor = std::sqrt(max_power / static_cast<float>(nb)) * 1e-3f;

  const std::size_t high_bin = BinOf(o.high_split_hz, s);
  const std::size_t low_bin = BinOf(o.low_split_hz, s);
  const std::size_t flat_lo = std::max<std::size_t>(1, BinOf(o.flatness_min_hz, s));
  const std::size_t flat_hi = std::max(flat_lo + 1, BinOf(o.flatness_max_hz, s));
  std::vector<std::size_t> band_edges(kModulationBands + 1);
  for (int k = 0; k <= kModulationBands; ++k) {
    const double hz = o.band_min_hz * std::pow(o.band_max_hz / o.band_min_hz,
                                               static_cast<double>(k) / kModulationBands);
    band_edges[k] = std::max<std::size_t>(1, BinOf(hz, s));
  }
  // Pitch candidates on a half-semitone grid; harmonics above 5 kHz carry little pitch.
  std::vector<double> candidates;
  for (double f0 = o.pitch_min_hz; f0 <= o.pitch_max_hz; f0 *= std::pow(2.0, 1.0 / 24.0)) {
    candidates.push_back(f0);
  }
  const double bin_per_hz = static_cast<double>(s.frame_size) / s.sample_rate;
  const double pitch_top_hz = std::min(5000.0, 0.5 * s.sample_rate);
  std::vector<std::vector<std::size_t>> harmonic_bins(candidates.size());
  std::vector<float> weights(o.pitch_harmonics);
  for (int h = 0; h < o.pitch_harmonics; ++h) weights[h] = std::pow(0.85f, static_cast<float>(h));
  for (std::size_t c = 0; c < candidates.size(); ++c) {
    for (int h = 1; h <= o.pitch_harmonics && candidates[c] * h < pitch_top_hz; ++h) {
      const auto b = static_cast<std::size_t>(std::lround(candidates[c] * h * bin_per_hz));
      if (b + 1 < nb) harmonic_bins[c].push_back(b);
    }
  }
  const std::size_t pitch_lo_bin = std::max<std::size_t>(1, BinOf(0.5 * o.pitch_min_hz, s));
  std::size_t peak_top = 1;
  for (const auto& hb : harmonic_bins) {
    if (!hb.empty()) peak_top = std::max(peak_top, hb.back());
  }

  const float log_floor = FastLog2(mag_floor);
  const float flat_count = static_cast<float>(flat_hi - flat_lo);
  // Per frame: power per bin and its running sum (in double: band shares far below the
  // total must not drown in rounding), from which every band power is one subtraction.
  std::vector<float> pw(nb, 0.0f), log_mag(nb, 0.0f), peak(nb, 0.0f);
  std::vector<float> floored_prev(nb, log_floor), floored(nb, log_floor);
  std::vector<double> cum(nb, 0.0);
  // Spectral peaks of the last persistence_lag + 1 frames, as bin flags (a ring).
  const auto lag = static_cast<std::size_t>(o.persistence_lag);
  std::vector<std::vector<unsigned char>> peak_flags(lag + 1, std::vector<unsigned char>(nb, 0));
  const std::size_t persist_lo = std::max<std::size_t>(2, BinOf(o.persistence_min_hz, s));
  const std::size_t persist_hi = std::min(nb - 2, BinOf(o.persistence_max_hz, s));
  auto band = [&cum](std::size_t lo, std::size_t hi) {  // power of bins [lo, hi), lo >= 1
    return hi > lo ? cum[hi - 1] - cum[lo - 1] : 0.0;
  };
  for (std::size_t f = 0; f < n; ++f) {
    const float* m = s.magnitudes.data() + f * nb;
    for (std::size_t b = 1; b < nb; ++b) log_mag[b] = FastLog2(m[b]);
    // Flux is computed for every frame, silent ones included, so onsets out of silence count.
    for (std::size_t b = 1; b < nb; ++b) floored[b] = std::max(log_mag[b], log_floor);
    const float flux =
        LaneSum(1, nb, [&](std::size_t b) { return std::max(0.0f, floored[b] - floored_prev[b]); });
    if (f > 0) out.flux[f] = flux / static_cast<float>(nb - 1);
    std::swap(floored_prev, floored);

    std::vector<unsigned char>& flags = peak_flags[f % (lag + 1)];
    std::fill(flags.begin(), flags.end(), 0);
    const float total = out.power[f];
    if (!(total > silence_power) || !(total > 0.0f)) continue;
    out.silent[f] = false;

    // Peak persistence: held notes keep their partials on the same bins; gliding voices
    // (speech intonation, vibrato) move them.
    {
      float top = 0.0f;
      for (std::size_t b = persist_lo; b <= persist_hi; ++b) top = std::max(top, m[b]);
      const float threshold = top * 0.01f;  // -40 dB
      const std::vector<unsigned char>& before = peak_flags[(f + 1) % (lag + 1)];
      const bool have_before = f >= lag && !out.silent[f - lag];
      float held = 0.0f, all_peaks = 0.0f;
      for (std::size_t b = persist_lo; b <= persist_hi; ++b) {
        if (m[b] < threshold || m[b] <= m[b - 1] || m[b] < m[b + 1]) continue;
        flags[b] = 1;
        all_peaks += m[b];
        if (have_before && (before[b - 1] | before[b] | before[b + 1])) held += m[b];
      }
      out.peak_persistence[f] = have_before && all_peaks > 0.0f ? held / all_peaks : 0.0f;
    }

    for (std::size_t b = 1; b < nb; ++b) pw[b] = m[b] * m[b];
    double running = 0.0;
    for (std::size_t b = 1; b < nb; ++b) cum[b] = running += pw[b];
    const double all = cum[nb - 1];
    if (!(all > 0.0)) continue;
    const float weighted =
        LaneSum(1, nb, [&](std::size_t b) { return pw[b] * static_cast<float>(b); });
    out.centroid_hz[f] = static_cast<float>(s.bin_hz(1) * weighted / all);
    out.high_ratio[f] = static_cast<float>(band(high_bin, nb) / all);
    out.low_ratio[f] = static_cast<float>(band(1, low_bin) / all);
    const auto roll = std::lower_bound(cum.begin() + 1, cum.end(), o.rolloff_fraction * all);
    out.rolloff_hz[f] = static_cast<float>(
        s.bin_hz(static_cast<std::size_t>(std::min(roll, cum.end() - 1) - cum.begin())));

    // Flatness with a floor 60 dB under the band's mean power: bins of exact zero (band-
    // limited synthesis) would otherwise send the geometric mean, and flatness, to zero.
    const double band_mean = band(flat_lo, flat_hi) / flat_count;
    if (band_mean > 0.0) {
      // log2 of the magnitude floor, i.e. half the log2 of the power floor.
      const float half_log_eps = 0.5f * static_cast<float>(std::log2(band_mean * 1e-6));
      const float log_sum = LaneSum(
          flat_lo, flat_hi, [&](std::size_t b) { return std::max(log_mag[b], half_log_eps); });
      const double geometric = std::exp2(2.0 * static_cast<double>(log_sum) / flat_count);
      out.flatness[f] = static_cast<float>(std::clamp(geometric / band_mean, 0.0, 1.0));
    }

    float* bands = out.band_power.data() + f * kModulationBands;
    for (int k = 0; k < kModulationBands; ++k) {
      bands[k] = static_cast<float>(band(band_edges[k], band_edges[k + 1]));
    }

    // Harmonic sum: the candidate whose (decaying-weight) harmonics collect the most
    // magnitude. Taking the max over +-1 bin makes off-bin partials count fully.
    for (std::size_t b = 1; b <= peak_top; ++b) peak[b] = std::max({m[b - 1], m[b], m[b + 1]});
    std::size_t best = 0;
    float best_salience = -1.0f;
    for (std::size_t c = 0; c < candidates.size(); ++c) {
      float salience = 0.0f;
      const auto& hb = harmonic_bins[c];
      for (std::size_t h = 0; h < hb.size(); ++h) salience += weights[h] * peak[hb[h]];
      if (salience > best_salience) {
        best_salience = salience;
        best = c;
      }
    }
    const auto& hb = harmonic_bins[best];
    if (!hb.empty()) {
      double harmonic = 0.0;
      std::size_t next = 1;  // first bin not yet counted: crowded harmonics share no bin
      for (std::size_t b : hb) {
        const std::size_t lo = std::max(b - 1, next);
        harmonic += band(lo, b + 2);
        next = std::max(next, b + 2);
      }
      const std::size_t top = std::min(
          nb - 1,
          hb.back() + static_cast<std::size_t>(std::lround(0.5 * candidates[best] * bin_per_hz)));
      const double range = band(pitch_lo_bin, top + 1);
      out.harmonicity[f] = range > 0.0 ? static_cast<float>(std::min(1.0, harmonic / range)) : 0.0f;
      out.pitch_hz[f] = static_cast<float>(candidates[best]);
    }
  }
  return out;
}

Result<WaveformFrameExtractor> WaveformFrameExtractor::Create(const WaveformFrameOptions& o) {
  if (o.hop_size < 1) return Status::InvalidArgument("waveform hop_size must be >= 1");
  if (o.frame_size < o.hop_size) {
    return Status::InvalidArgument("waveform frame_size must be >= hop_size");
  }
  return WaveformFrameExtractor(o);
}

WaveformFrames WaveformFrameExtractor::compute(std::span<const float> x) const {
  WaveformFrames out;
  const auto hop = static_cast<std::size_t>(options_.hop_size);
  const auto len = static_cast<long long>(options_.frame_size);
  out.num_frames = x.empty() ? 0 : (x.size() + hop - 1) / hop;
  out.rms.assign(out.num_frames, 0.0f);
  out.peak.assign(out.num_frames, 0.0f);
  out.zcr.assign(out.num_frames, 0.0f);
  const auto total = static_cast<long long>(x.size());
  for (std::size_t f = 0; f < out.num_frames; ++f) {
    const long long begin = std::max(0LL, static_cast<long long>(f * hop) - len / 2);
    const long long end = std::min(total, static_cast<long long>(f * hop) + len / 2);
    double sum = 0.0;
    float peak = 0.0f;
    int crossings = 0;
    for (long long i = begin; i < end; ++i) {
      const float v = x[static_cast<std::size_t>(i)];
      sum += static_cast<double>(v) * v;
      peak = std::max(peak, std::abs(v));
      if (i > begin && (v >= 0.0f) != (x[static_cast<std::size_t>(i - 1)] >= 0.0f)) ++crossings;
    }
    out.rms[f] = static_cast<float>(std::sqrt(sum / static_cast<double>(len)));
    out.peak[f] = peak;
    // Silence (all zeros) has no crossings; the >= 0 test keeps it that way.
    out.zcr[f] = end - begin > 1
                     ? static_cast<float>(crossings) / static_cast<float>(end - begin - 1)
                     : 0.0f;
  }
  return out;
}

}  // namespace sonance::descriptor_internal
