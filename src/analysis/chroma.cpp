#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <vector>

#include "sonance/analysis/tonal.h"

namespace sonance {
namespace {

// A spectral peak folded later into pitch classes: `semitones` above the reference A4
// (unwrapped, fractional) and its linear amplitude.
struct Peak {
  float semitones;
  float amplitude;
};

// Natural log of a positive normal float to about 1e-6 (absolute), without a libm call: the
// exponent from the bits, the mantissa m in [1, 2) by the atanh series
// ln m = 2 (s + s^3/3 + s^5/5 + s^7/7 + s^9/9), s = (m - 1) / (m + 1) < 1/3. The chroma
// takes a log of every bin in range of every frame, which dominated its cost with logf.
inline float FastLog(float x) {
  const auto bits = std::bit_cast<std::uint32_t>(x);
  const int exponent = static_cast<int>((bits >> 23) & 0xFFu) - 127;
  const float m = std::bit_cast<float>((bits & 0x7FFFFFu) | 0x3F800000u);
  const float t = (m - 1.0f) / (m + 1.0f);
  const float t2 = t * t;
  const float series =
      t *
      (2.0f + t2 * (2.0f / 3.0f + t2 * (2.0f / 5.0f + t2 * (2.0f / 7.0f + t2 * (2.0f / 9.0f)))));
  return static_cast<float>(exponent) * std::numbers::ln2_v<float> + series;
}

// Scratch buffers reused across the frames of one compute() call.
struct FrameScratch {
  std::vector<float> log_mag;
  std::vector<std::pair<float, std::size_t>> candidates;
};

// Peaks of one magnitude frame between bins lo and hi (inclusive), refined by parabolic
// interpolation of the log magnitude. Interpolation matters: with 2048-point frames at
// 22,050 Hz a bin is 10.8 Hz wide, more than a semitone below 180 Hz, so taking the bin
// centre would put low notes into the neighbouring pitch class.
// Returns false (and no peaks) for a noise-like frame: spectral flatness of the range above
// max_flatness, where "peaks" are only the random maxima of a noise spectrum.
bool FramePeaks(std::span<const float> mag, std::size_t lo, std::size_t hi, float min_amplitude,
                double max_flatness, double bin_hz, double ref_hz, int max_peaks,
                FrameScratch* scratch, std::vector<Peak>* out) {
  out->clear();
  float loudest = 0.0f;
  for (std::size_t b = lo; b <= hi; ++b) loudest = std::max(loudest, mag[b]);
  if (loudest <= min_amplitude) return false;

  // log_mag[i] is the log magnitude of bin lo - 1 + i, relative to the loudest bin (so
  // that squares stay in float range), floored 140 dB down.
  auto& log_mag = scratch->log_mag;
  const std::size_t count = hi - lo + 3;
  log_mag.resize(count);
  const float inv_loudest = 1.0f / loudest;
  float log_sum = 0.0f;
  float power_sum = 0.0f;
  for (std::size_t i = 0; i < count; ++i) {
    const float r = std::max(mag[lo - 1 + i] * inv_loudest, 1e-7f);
    log_mag[i] = FastLog(r);
    log_sum += log_mag[i];
    power_sum += r * r;
  }
  // The sums above include the two guard bins; take them out again.
  for (std::size_t i : {std::size_t{0}, count - 1}) {
    const float r = std::exp(log_mag[i]);
    log_sum -= log_mag[i];
    power_sum -= r * r;
  }
  const float bins = static_cast<float>(hi - lo + 1);
  // Flatness of the power spectrum: geometric over arithmetic mean. White noise gives about
  // 0.56, tonal frames < 0.1.
  const float flatness = std::exp(2.0f * log_sum / bins) / std::max(power_sum / bins, 1e-30f);
  if (flatness > max_flatness) return false;

  // Local maxima, collected without branches: whether a bin is a peak is a coin toss to
  // the branch predictor, and this loop runs over every bin in range of every frame.
  auto& cand = scratch->candidates;
  cand.resize(hi - lo + 1);
  std::size_t found = 0;
  for (std::size_t b = lo; b <= hi; ++b) {
    const float m = mag[b];
    cand[found] = {m, b};
    found += static_cast<std::size_t>((m > min_amplitude) & (m > mag[b - 1]) & (m >= mag[b + 1]));
  }
  cand.resize(found);
  if (static_cast<int>(cand.size()) > max_peaks) {
    std::nth_element(cand.begin(), cand.begin() + max_peaks, cand.end(),
                     [](const auto& x, const auto& y) { return x.first > y.first; });
    cand.resize(static_cast<std::size_t>(max_peaks));
  }
  for (const auto& [m, b] : cand) {
    const std::size_t i = b - lo + 1;
    const float a = log_mag[i - 1];
    const float c = log_mag[i];
    const float d = log_mag[i + 1];
    const float denom = a - 2.0f * c + d;
    const float p = denom < 0.0f ? std::clamp(0.5f * (a - d) / denom, -0.5f, 0.5f) : 0.0f;
    const float log_amp = c - 0.25f * (a - d) * p;
    const double hz = (static_cast<double>(b) + p) * bin_hz;
    out->push_back(
        {static_cast<float>(12.0 * std::log2(hz / ref_hz)), loudest * std::exp(log_amp)});
  }
  return true;
}

// Circular mean of the peaks' deviation from the equal-tempered grid, in semitones
// (-0.5..0.5), weighted by amplitude; 0 when the deviations do not agree. Peaks are added
// one at a time so that a whole track's peaks never need to be held at once. Deviations are
// binned (1 cent) so that the trigonometry runs per bin, not per peak.
class TuningEstimator {
 public:
  void Add(const Peak& p) {
    const double frac = p.semitones - std::floor(p.semitones);
    hist_[static_cast<std::size_t>(std::min(kBins - 1, static_cast<int>(frac * kBins)))] +=
        p.amplitude;
    total_ += p.amplitude;
  }

  double Estimate() const {
    if (total_ <= 0.0) return 0.0;
    double re = 0.0;
    double im = 0.0;
    for (int i = 0; i < kBins; ++i) {
      const double phase = 2.0 * std::numbers::pi * (i + 0.5) / kBins;
      re += hist_[static_cast<std::size_t>(i)] * std::cos(phase);
      im += hist_[static_cast<std::size_t>(i)] * std::sin(phase);
    }
    // A resultant below 0.2 means the peaks scatter around the grid (noise, inharmonic
    // sounds): keep the nominal reference rather than chase a random offset.
    if (std::hypot(re, im) / total_ < 0.2) return 0.0;
    return std::atan2(im, re) / (2.0 * std::numbers::pi);
  }

 private:
  static constexpr int kBins = 100;
  std::array<double, kBins> hist_{};
  double total_ = 0.0;
};

}  // namespace

Result<ChromaExtractor> ChromaExtractor::Create(const ChromaOptions& o) {
  if (!(o.min_hz >= 20.0) || !(o.max_hz > o.min_hz) || !(o.max_hz <= 20000.0)) {
    return Status::InvalidArgument("chroma needs 20 <= min_hz < max_hz <= 20000");
  }
  if (!(o.tuning_hz >= 400.0 && o.tuning_hz <= 480.0)) {
    return Status::InvalidArgument("chroma tuning_hz must be in 400..480");
  }
  if (o.max_peaks < 1 || o.max_peaks > 1000) {
    return Status::InvalidArgument("chroma max_peaks must be in 1..1000");
  }
  if (!(o.peak_floor_db <= 0.0 && o.peak_floor_db >= -200.0)) {
    return Status::InvalidArgument("chroma peak_floor_db must be in -200..0");
  }
  if (!(o.max_flatness > 0.0 && o.max_flatness <= 1.0)) {
    return Status::InvalidArgument("chroma max_flatness must be in (0, 1]");
  }
  if (o.harmonics < 1 || o.harmonics > 8) {
    return Status::InvalidArgument("chroma harmonics must be in 1..8");
  }
  if (!(o.harmonic_decay > 0.0 && o.harmonic_decay <= 1.0)) {
    return Status::InvalidArgument("chroma harmonic_decay must be in (0, 1]");
  }
  if (!(o.magnitude_exponent > 0.0 && o.magnitude_exponent <= 4.0)) {
    return Status::InvalidArgument("chroma magnitude_exponent must be in (0, 4]");
  }
  if (!(o.frequency_exponent >= 0.0 && o.frequency_exponent <= 2.0)) {
    return Status::InvalidArgument("chroma frequency_exponent must be in 0..2");
  }
  return ChromaExtractor(o);
}

std::vector<Chroma> ChromaExtractor::compute(const Spectrogram& s) const {
  std::vector<Chroma> out(s.num_frames, Chroma{});
  if (s.num_frames == 0 || s.num_bins < 3 || s.sample_rate <= 0 || s.frame_size <= 0) return out;

  const double bin_hz = static_cast<double>(s.sample_rate) / s.frame_size;
  const double top_hz = std::min(options_.max_hz, s.sample_rate / 2.0);
  const auto lo =
      std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(options_.min_hz / bin_hz)));
  const auto hi = std::min<std::size_t>(s.num_bins - 2, static_cast<std::size_t>(top_hz / bin_hz));
  if (lo > hi) return out;
  // A full-scale sine peaks at frame_size / 4 in a Hann-windowed FFT magnitude.
  const float full_scale = static_cast<float>(s.frame_size) / 4.0f;
  const float min_amplitude =
      full_scale * static_cast<float>(std::pow(10.0, options_.peak_floor_db / 20.0));

  // Two passes over the frames' peaks, the first only for the tuning: picking peaks again
  // costs less than holding every peak of a long track (12 MB for ten minutes).
  FrameScratch scratch;
  std::vector<Peak> frame_peaks;
  auto peaks_of = [&](std::size_t f) {
    FramePeaks(s.frame(f), lo, hi, min_amplitude, options_.max_flatness, bin_hz, options_.tuning_hz,
               options_.max_peaks, &scratch, &frame_peaks);
  };
  double offset = 0.0;
  if (options_.estimate_tuning) {
    TuningEstimator tuning;
    for (std::size_t f = 0; f < s.num_frames; ++f) {
      peaks_of(f);
      for (const Peak& p : frame_peaks) tuning.Add(p);
    }
    offset = tuning.Estimate();
  }

  // Each peak is spread over the nearest pitch classes with a cos^2 window 4/3 semitone wide
  // (Gomez 2006), so a note a little out of tune still lands in its class and a peak
  // between two classes is shared rather than flipped into one of them. Tabulated: the
  // fold runs for every peak of every frame.
  constexpr double kHalfWidth = 2.0 / 3.0;
  constexpr int kTable = 256;
  std::array<float, kTable + 1> window{};
  for (int i = 0; i <= kTable; ++i) {
    const double c = std::cos(0.5 * std::numbers::pi * i / kTable);
    window[static_cast<std::size_t>(i)] = static_cast<float>(c * c);
  }
  std::vector<double> harmonic_shift(static_cast<std::size_t>(options_.harmonics));
  std::vector<double> harmonic_weight(static_cast<std::size_t>(options_.harmonics));
  for (std::size_t h = 0; h < harmonic_shift.size(); ++h) {
    harmonic_shift[h] = 12.0 * std::log2(h + 1.0);
    harmonic_weight[h] = std::pow(options_.harmonic_decay, static_cast<double>(h));
  }
  const bool linear = options_.magnitude_exponent == 1.0;
  for (std::size_t f = 0; f < s.num_frames; ++f) {
    std::array<double, 12> acc{};
    peaks_of(f);
    for (const Peak& p : frame_peaks) {
      const double a = static_cast<double>(p.amplitude) / full_scale;
      double w = linear ? a : std::pow(a, options_.magnitude_exponent);
      if (options_.frequency_exponent != 0.0) {
        w *= std::exp2(-options_.frequency_exponent * p.semitones / 12.0);
      }
      for (std::size_t h = 0; h < harmonic_shift.size(); ++h) {
        // Semitones above C: A is pitch class 9.
        const double pos = p.semitones - offset - harmonic_shift[h] + 9.0;
        const double nearest = std::round(pos);
        for (int k = -1; k <= 1; ++k) {
          const double d = std::abs(pos - (nearest + k));
          if (d >= kHalfWidth) continue;
          int pc = static_cast<int>(nearest + k) % 12;
          if (pc < 0) pc += 12;
          const auto idx = static_cast<std::size_t>(d * (kTable / kHalfWidth) + 0.5);
          acc[static_cast<std::size_t>(pc)] += w * harmonic_weight[h] * window[idx];
        }
      }
    }
    const double peak = *std::max_element(acc.begin(), acc.end());
    if (peak <= 0.0) continue;
    for (std::size_t k = 0; k < 12; ++k) out[f][k] = static_cast<float>(acc[k] / peak);
  }
  return out;
}

}  // namespace sonance
