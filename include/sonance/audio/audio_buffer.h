// AudioBuffer: the one sample format handed from decoding to analysis.
//
// Every analysis step in Sonance consumes mono float32 samples in [-1, 1] at
// kAnalysisSampleRate (22,050 Hz). The decoder downmixes (mean of channels) and resamples
// to this rate; synthetic test signals are generated at it directly. 22,050 Hz keeps
// everything musically relevant (content up to 11 kHz) at half the cost of 44.1 kHz.
// A plain value type; not synchronised.
#pragma once

#include <cstddef>
#include <vector>

namespace sonance {

inline constexpr int kAnalysisSampleRate = 22050;

struct AudioBuffer {
  std::vector<float> samples;  // mono, [-1, 1]
  int sample_rate = kAnalysisSampleRate;

  double duration_seconds() const {
    return sample_rate > 0 ? static_cast<double>(samples.size()) / sample_rate : 0.0;
  }
};

}  // namespace sonance
