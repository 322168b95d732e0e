#include "descriptor_features.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <numeric>

namespace sonance::descriptor_internal {
namespace {

constexpr double kTiny = 1e-20;

// Windows of `len` frames every `len / 2`, plus one ending at the last frame so the tail is
// not ignored. Returns start indices; empty when n < len.
std::vector<std::size_t> WindowStarts(std::size_t n, std::size_t len) {
  std::vector<std::size_t> starts;
  if (len == 0 || n < len) return starts;
  const std::size_t hop = std::max<std::size_t>(1, len / 2);
  for (std::size_t s = 0; s + len <= n; s += hop) starts.push_back(s);
  if (starts.back() + len < n) starts.push_back(n - len);
  return starts;
}

double Db(double amplitude) {
  return 20.0 * std::log10(std::max(amplitude, 1e-10));
}

}  // namespace

double LowEnergyRatio(std::span<const float> rms, double frame_rate, double window_s,
                      double fraction, double floor_rms) {
  if (rms.empty() || !(frame_rate > 0.0) || !(window_s > 0.0)) return 0.0;
  const auto half =
      static_cast<std::size_t>(std::max(1.0, std::round(window_s * frame_rate / 2.0)));
  std::vector<double> prefix(rms.size() + 1, 0.0);
  for (std::size_t i = 0; i < rms.size(); ++i) prefix[i + 1] = prefix[i] + rms[i];
  std::size_t counted = 0, low = 0;
  for (std::size_t i = 0; i < rms.size(); ++i) {
    const std::size_t lo = i > half ? i - half : 0;
    const std::size_t hi = std::min(rms.size(), i + half + 1);
    const double mean = (prefix[hi] - prefix[lo]) / static_cast<double>(hi - lo);
    if (!(mean > floor_rms)) continue;
    ++counted;
    if (rms[i] < fraction * mean) ++low;
  }
  return counted > 0 ? static_cast<double>(low) / static_cast<double>(counted) : 0.0;
}

double ModulationEnergy(const SpectralFrames& frames, double lo_hz, double hi_hz) {
  const double rate = frames.frame_rate;
  if (frames.num_frames == 0 || !(rate > 0.0) || !(hi_hz > lo_hz)) return 0.0;
  const auto len = static_cast<std::size_t>(std::round(1.5 * rate));
  const auto starts = WindowStarts(frames.num_frames, len);
  if (starts.empty() || len < 8) return 0.0;
  const std::size_t j_lo = static_cast<std::size_t>(std::ceil(lo_hz * len / rate));
  const std::size_t j_hi =
      std::min(len / 2, static_cast<std::size_t>(std::floor(hi_hz * len / rate)));
  if (j_lo == 0 || j_hi < j_lo) return 0.0;
  std::vector<double> window(len), cosines((j_hi - j_lo + 1) * len), sines(cosines.size());
  for (std::size_t t = 0; t < len; ++t) {
    window[t] = 0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * (t + 0.5) / len);
    for (std::size_t j = j_lo; j <= j_hi; ++j) {
      const double phase = 2.0 * std::numbers::pi * static_cast<double>(j * t) / len;
      cosines[(j - j_lo) * len + t] = std::cos(phase);
      sines[(j - j_lo) * len + t] = std::sin(phase);
    }
  }
  std::vector<double> env(len);
  double in_band = 0.0, total = 0.0;
  for (std::size_t s : starts) {
    for (int k = 0; k < kModulationBands; ++k) {
      double energy = 0.0;
      for (std::size_t t = 0; t < len; ++t) {
        env[t] = window[t] * std::sqrt(std::max(0.0f, frames.bands(s + t)[k]));
        energy += env[t] * env[t];
      }
      if (!(energy > kTiny)) continue;
      double band = 0.0;
      for (std::size_t j = j_lo; j <= j_hi; ++j) {
        double re = 0.0, im = 0.0;
        const double* c = &cosines[(j - j_lo) * len];
        const double* sn = &sines[(j - j_lo) * len];
        for (std::size_t t = 0; t < len; ++t) {
          re += env[t] * c[t];
          im += env[t] * sn[t];
        }
        band += re * re + im * im;
      }
      // Parseval: sum over all DFT bins of |X|^2 = len * energy; the band is counted twice
      // (positive and negative frequencies).
      in_band += 2.0 * band / static_cast<double>(len);
      total += energy;
    }
  }
  return total > kTiny ? std::clamp(in_band / total, 0.0, 1.0) : 0.0;
}

MeanStd ActiveMeanStd(std::span<const float> values, const std::vector<bool>& active) {
  double sum = 0.0, sum2 = 0.0;
  std::size_t n = 0;
  for (std::size_t i = 0; i < values.size() && i < active.size(); ++i) {
    if (!active[i]) continue;
    sum += values[i];
    sum2 += static_cast<double>(values[i]) * values[i];
    ++n;
  }
  if (n == 0) return {};
  const double mean = sum / static_cast<double>(n);
  return {mean, std::sqrt(std::max(0.0, sum2 / static_cast<double>(n) - mean * mean))};
}

double PulseClarity(std::span<const float> envelope, double rate, double min_bpm, double max_bpm,
                    double window_s) {
  if (envelope.empty() || !(rate > 0.0) || !(min_bpm > 0.0) || !(max_bpm > min_bpm)) return 0.0;
  const auto lag_lo = static_cast<std::size_t>(std::max(1.0, std::floor(60.0 / max_bpm * rate)));
  const auto lag_hi = static_cast<std::size_t>(std::ceil(60.0 / min_bpm * rate));
  // A window must hold at least two periods of the slowest tempo.
  std::size_t len = static_cast<std::size_t>(std::round(window_s * rate));
  len = std::min(len, envelope.size());
  if (len < 2 * lag_hi + 1) return 0.0;
  const auto starts = WindowStarts(envelope.size(), len);
  std::vector<double> x(len);
  std::vector<double> energies, clarities;
  for (std::size_t s : starts) {
    double mean = 0.0;
    for (std::size_t t = 0; t < len; ++t) mean += envelope[s + t];
    mean /= static_cast<double>(len);
    double r0 = 0.0;
    for (std::size_t t = 0; t < len; ++t) {
      x[t] = envelope[s + t] - mean;
      r0 += x[t] * x[t];
    }
    if (!(r0 > kTiny)) continue;
    double best = 0.0;
    for (std::size_t lag = lag_lo; lag <= lag_hi; ++lag) {
      double r = 0.0;
      for (std::size_t t = 0; t + lag < len; ++t) r += x[t] * x[t + lag];
      // Unbiased: a perfect period keeps 1 at every multiple of its lag.
      best = std::max(best, r / r0 * static_cast<double>(len) / static_cast<double>(len - lag));
    }
    energies.push_back(r0);
    clarities.push_back(std::clamp(best, 0.0, 1.0));
  }
  if (clarities.empty()) return 0.0;
  // Near-silent windows (fades, intros) carry no pulse worth averaging.
  const double loudest = *std::max_element(energies.begin(), energies.end());
  double sum = 0.0;
  int n = 0;
  for (std::size_t i = 0; i < clarities.size(); ++i) {
    if (energies[i] < 0.01 * loudest) continue;
    sum += clarities[i];
    ++n;
  }
  return n > 0 ? sum / n : 0.0;
}

double DfaExponent(std::span<const float> envelope, double rate, double min_s, double max_s) {
  constexpr double kNeutral = 1.0;
  if (envelope.size() < 16 || !(rate > 0.0) || !(max_s > min_s) || !(min_s > 0.0)) {
    return kNeutral;
  }
  const std::size_t n = envelope.size();
  double mean = 0.0;
  for (float v : envelope) mean += v;
  mean /= static_cast<double>(n);
  if (!(mean > kTiny)) return kNeutral;
  std::vector<double> y(n);
  double acc = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    acc += envelope[i] / mean - 1.0;
    y[i] = acc;
  }
  std::vector<double> log_tau, log_f;
  std::size_t previous = 0;
  for (double tau = min_s; tau <= max_s * 1.0001; tau *= 1.25) {
    const auto len = static_cast<std::size_t>(std::round(tau * rate));
    if (len < 4 || len == previous) continue;
    previous = len;
    const std::size_t windows = n / len;
    if (windows < 2) break;
    // Residual variance of a least-squares line over t = 0..len-1, from running sums.
    const double l = static_cast<double>(len);
    const double st = l * (l - 1.0) / 2.0;
    const double stt = (l - 1.0) * l * (2.0 * l - 1.0) / 6.0;
    const double var_t = stt - st * st / l;
    double residual = 0.0;
    for (std::size_t w = 0; w < windows; ++w) {
      double sy = 0.0, syy = 0.0, sty = 0.0;
      for (std::size_t t = 0; t < len; ++t) {
        const double v = y[w * len + t];
        sy += v;
        syy += v * v;
        sty += static_cast<double>(t) * v;
      }
      const double var_y = syy - sy * sy / l;
      const double cov = sty - st * sy / l;
      residual += std::max(0.0, var_y - cov * cov / var_t) / l;
    }
    const double f = std::sqrt(residual / static_cast<double>(windows));
    log_tau.push_back(std::log(l));
    log_f.push_back(std::log(f + kTiny));
  }
  if (log_tau.size() < 2) return kNeutral;
  // A steady envelope (float rounding aside) has no fluctuation at any scale: real music
  // fluctuates by percents of its mean level within 0.3 s.
  if (*std::max_element(log_f.begin(), log_f.end()) < std::log(1e-4)) return kNeutral;
  const double mx = std::accumulate(log_tau.begin(), log_tau.end(), 0.0) / log_tau.size();
  const double my = std::accumulate(log_f.begin(), log_f.end(), 0.0) / log_f.size();
  double sxy = 0.0, sxx = 0.0;
  for (std::size_t i = 0; i < log_tau.size(); ++i) {
    sxy += (log_tau[i] - mx) * (log_f[i] - my);
    sxx += (log_tau[i] - mx) * (log_tau[i] - mx);
  }
  return sxx > 0.0 ? sxy / sxx : kNeutral;
}

double BeatRegularity(std::span<const TimeInterval> beats) {
  if (beats.size() < 4) return 0.0;
  std::vector<double> ibi;
  for (std::size_t i = 1; i < beats.size(); ++i) ibi.push_back(beats[i].start - beats[i - 1].start);
  const double mean = std::accumulate(ibi.begin(), ibi.end(), 0.0) / ibi.size();
  if (!(mean > 0.0)) return 0.0;
  double var = 0.0;
  for (double v : ibi) var += (v - mean) * (v - mean);
  const double cv = std::sqrt(var / ibi.size()) / mean;
  return std::exp(-cv / 0.1);
}

double OnsetRate(std::span<const float> envelope, double rate, double threshold, double min_gap_s) {
  if (envelope.size() < 3 || !(rate > 0.0)) return 0.0;
  const double median = Quantile({envelope.begin(), envelope.end()}, 0.5);
  double mad = 0.0;
  for (float v : envelope) mad += std::abs(v - median);
  mad /= static_cast<double>(envelope.size());
  const double level = median + threshold * mad;
  if (!(mad > kTiny)) return 0.0;
  const auto gap = static_cast<std::size_t>(std::round(min_gap_s * rate));
  std::size_t count = 0, last = 0;
  bool any = false;
  for (std::size_t i = 1; i + 1 < envelope.size(); ++i) {
    const float v = envelope[i];
    if (v > level && v > envelope[i - 1] && v >= envelope[i + 1] && (!any || i - last >= gap)) {
      ++count;
      last = i;
      any = true;
    }
  }
  return static_cast<double>(count) * rate / static_cast<double>(envelope.size());
}

double Quantile(std::vector<float> values, double q) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  const double pos = std::clamp(q, 0.0, 1.0) * static_cast<double>(values.size() - 1);
  const auto i = static_cast<std::size_t>(std::floor(pos));
  const std::size_t j = std::min(values.size() - 1, i + 1);
  const double frac = pos - static_cast<double>(i);
  return values[i] * (1.0 - frac) + values[j] * frac;
}

Result<DescriptorFeatureExtractor> DescriptorFeatureExtractor::Create(
    const DescriptorFeatureOptions& o) {
  if (o.sample_rate <= 0) return Status::InvalidArgument("sample_rate must be > 0");
  if (!(o.min_bpm > 0.0 && o.max_bpm > o.min_bpm)) {
    return Status::InvalidArgument("need 0 < min_bpm < max_bpm");
  }
  if (!(o.pulse_window_s > 60.0 / o.min_bpm * 2.0)) {
    return Status::InvalidArgument("pulse_window_s must hold two periods of min_bpm");
  }
  if (!(o.dfa_min_s > 0.0 && o.dfa_max_s > o.dfa_min_s)) {
    return Status::InvalidArgument("need 0 < dfa_min_s < dfa_max_s");
  }
  SpectralFrameOptions spectral;
  spectral.silence_db = o.silence_db;
  auto extractor = SpectralFrameExtractor::Create(spectral);
  if (!extractor.ok()) return extractor.status();
  return DescriptorFeatureExtractor(o, std::move(extractor).value());
}

DescriptorFeatures DescriptorFeatureExtractor::compute(std::span<const float> samples,
                                                       const Spectrogram& spectrogram,
                                                       const RhythmResult* rhythm) const {
  const DescriptorFeatureOptions& o = options_;
  DescriptorFeatures d;
  d.duration_s = static_cast<double>(samples.size()) / o.sample_rate;
  if (rhythm != nullptr) {
    d.beat_regularity = BeatRegularity(rhythm->beats);
    d.tempo_bpm = std::isfinite(rhythm->tempo.bpm) ? std::max(0.0, rhythm->tempo.bpm) : 0.0;
    d.tempo_confidence = std::isfinite(rhythm->tempo.confidence)
                             ? std::clamp(rhythm->tempo.confidence, 0.0, 1.0)
                             : 0.0;
  }
  const SpectralFrames frames = spectral_.compute(spectrogram);
  if (frames.num_frames == 0 || spectrogram.hop_size <= 0) return d;

  auto waveform_extractor =
      WaveformFrameExtractor::Create({spectrogram.hop_size, 2 * spectrogram.hop_size});
  if (!waveform_extractor.ok()) return d;
  WaveformFrames wave = waveform_extractor->compute(samples);
  wave.rms.resize(frames.num_frames, 0.0f);
  wave.peak.resize(frames.num_frames, 0.0f);
  wave.zcr.resize(frames.num_frames, 0.0f);

  // Active: above the relative silence threshold and above -90 dBFS, so that dither or a
  // denormal hiss on an otherwise silent file does not count as sound.
  const float abs_floor = static_cast<float>(std::pow(10.0, -90.0 / 20.0));
  std::vector<bool> active(frames.num_frames);
  std::size_t n_active = 0;
  for (std::size_t i = 0; i < frames.num_frames; ++i) {
    active[i] = !frames.silent[i] && wave.rms[i] > abs_floor;
    n_active += active[i];
  }
  d.active_fraction = static_cast<double>(n_active) / static_cast<double>(frames.num_frames);
  if (n_active == 0) return d;

  std::vector<float> active_db;
  double crest = 0.0;
  for (std::size_t i = 0; i < frames.num_frames; ++i) {
    if (!active[i]) continue;
    active_db.push_back(static_cast<float>(Db(wave.rms[i])));
    crest += Db(wave.peak[i]) - Db(wave.rms[i]);
  }
  d.crest_db = crest / static_cast<double>(n_active);
  d.rms_db_median = Quantile(active_db, 0.5);
  d.dynamic_range_db = Quantile(active_db, 0.95) - Quantile(active_db, 0.10);

  const double rate = frames.frame_rate;
  const float max_rms = *std::max_element(wave.rms.begin(), wave.rms.end());
  d.low_energy_ratio =
      LowEnergyRatio(wave.rms, rate, 1.0, 0.5, max_rms * std::pow(10.0, -o.silence_db / 20.0));
  d.modulation_4hz = ModulationEnergy(frames, 3.0, 6.0);

  const double zcr_mean = ActiveMeanStd(wave.zcr, active).mean;
  double flicker = 0.0;
  std::size_t flicker_pairs = 0;
  for (std::size_t i = 2; i < frames.num_frames; ++i) {
    if (!active[i] || !active[i - 2]) continue;
    flicker += std::abs(wave.zcr[i] - wave.zcr[i - 2]);
    ++flicker_pairs;
  }
  if (flicker_pairs > 0 && zcr_mean > kTiny) {
    d.zcr_flicker = flicker / static_cast<double>(flicker_pairs) / zcr_mean;
  }

  d.centroid_hz = ActiveMeanStd(frames.centroid_hz, active).mean;
  d.rolloff_hz = ActiveMeanStd(frames.rolloff_hz, active).mean;
  d.flatness = ActiveMeanStd(frames.flatness, active).mean;
  d.harmonicity = ActiveMeanStd(frames.harmonicity, active).mean;
  double power = 0.0, low = 0.0;
  for (std::size_t i = 0; i < frames.num_frames; ++i) {
    if (!active[i]) continue;
    power += frames.power[i];
    low += static_cast<double>(frames.low_ratio[i]) * frames.power[i];
  }
  if (power > 0.0) d.low_ratio = low / power;
  std::size_t voiced = 0;
  for (std::size_t i = 0; i < frames.num_frames; ++i) {
    voiced += active[i] && frames.harmonicity[i] >= 0.4f;
  }
  d.voiced_fraction = static_cast<double>(voiced) / static_cast<double>(n_active);

  d.peak_persistence = ActiveMeanStd(frames.peak_persistence, active).mean;

  // Background: the quietest frame of every second, where crowd noise, hiss or room tone
  // shows between and under the notes. Digital silence counts (as -100 dB): a studio gap.
  const auto second = static_cast<std::size_t>(std::max(1.0, std::round(rate)));
  std::vector<float> floor_db;
  double bg_flatness = 0.0;
  for (std::size_t s = 0; s + second <= frames.num_frames; s += second) {
    std::size_t quietest = s;
    for (std::size_t i = s; i < s + second; ++i) {
      if (wave.rms[i] < wave.rms[quietest]) quietest = i;
    }
    floor_db.push_back(
        static_cast<float>(wave.rms[quietest] > abs_floor ? Db(wave.rms[quietest]) : -100.0));
    bg_flatness += active[quietest] ? frames.flatness[quietest] : 0.0f;
  }
  if (!floor_db.empty()) {
    d.background_flatness = bg_flatness / static_cast<double>(floor_db.size());
    d.background_db = std::min(0.0, Quantile(floor_db, 0.5) - d.rms_db_median);
  }

  d.onset_rate = OnsetRate(frames.flux, rate, 1.5, 0.05);
  d.pulse_clarity = PulseClarity(frames.flux, rate, o.min_bpm, o.max_bpm, o.pulse_window_s);
  d.dfa_alpha = DfaExponent(wave.rms, rate, o.dfa_min_s, o.dfa_max_s);
  return d;
}

}  // namespace sonance::descriptor_internal
