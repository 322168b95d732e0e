#include "sonance/analysis/spectrogram.h"

#include <fftw3.h>

#include <cmath>
#include <memory>
#include <mutex>
#include <numbers>

namespace sonance {
namespace {

// FFTW's planner is not thread-safe; executing a plan with new-array execute is.
std::mutex& PlannerMutex() {
  static std::mutex m;
  return m;
}

struct FftwFree {
  void operator()(void* p) const { fftwf_free(p); }
};

bool IsPowerOfTwo(int n) { return n > 0 && (n & (n - 1)) == 0; }

}  // namespace

Result<SpectrogramComputer> SpectrogramComputer::Create(const SpectrogramOptions& o) {
  if (!IsPowerOfTwo(o.frame_size) || o.frame_size < 64 || o.frame_size > 65536) {
    return Status::InvalidArgument("spectrogram frame_size must be a power of two in 64..65536");
  }
  if (o.hop_size < 1 || o.hop_size > o.frame_size) {
    return Status::InvalidArgument("spectrogram hop_size must be in 1..frame_size");
  }
  if (o.sample_rate <= 0) return Status::InvalidArgument("spectrogram sample_rate must be > 0");
  return SpectrogramComputer(o);
}

Spectrogram SpectrogramComputer::compute(std::span<const float> x) const {
  const int n = options_.frame_size;
  const int hop = options_.hop_size;
  Spectrogram s;
  s.frame_size = n;
  s.hop_size = hop;
  s.sample_rate = options_.sample_rate;
  s.num_bins = static_cast<std::size_t>(n / 2 + 1);
  s.num_frames = x.empty() ? 0 : (x.size() + hop - 1) / hop;
  s.magnitudes.assign(s.num_frames * s.num_bins, 0.0f);
  if (s.num_frames == 0) return s;

  std::unique_ptr<float, FftwFree> in(static_cast<float*>(fftwf_malloc(sizeof(float) * n)));
  std::unique_ptr<fftwf_complex, FftwFree> out(
      static_cast<fftwf_complex*>(fftwf_malloc(sizeof(fftwf_complex) * s.num_bins)));
  fftwf_plan plan;
  {
    std::lock_guard lock(PlannerMutex());
    plan = fftwf_plan_dft_r2c_1d(n, in.get(), out.get(), FFTW_ESTIMATE);
  }
  std::vector<float> window(n);
  for (int i = 0; i < n; ++i) {
    window[i] = 0.5f - 0.5f * std::cos(2.0f * std::numbers::pi_v<float> * i / n);
  }
  const long long total = static_cast<long long>(x.size());
  for (std::size_t f = 0; f < s.num_frames; ++f) {
    const long long begin = static_cast<long long>(f) * hop - n / 2;
    float* buf = in.get();
    for (int i = 0; i < n; ++i) {
      const long long j = begin + i;
      buf[i] = (j >= 0 && j < total) ? x[static_cast<std::size_t>(j)] * window[i] : 0.0f;
    }
    fftwf_execute_dft_r2c(plan, buf, out.get());
    float* row = s.magnitudes.data() + f * s.num_bins;
    const fftwf_complex* c = out.get();
    for (std::size_t b = 0; b < s.num_bins; ++b) {
      row[b] = std::sqrt(c[b][0] * c[b][0] + c[b][1] * c[b][1]);
    }
  }
  {
    std::lock_guard lock(PlannerMutex());
    fftwf_destroy_plan(plan);
  }
  return s;
}

}  // namespace sonance
