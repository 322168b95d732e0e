// Tonal analysis: chroma (pitch-class energy) and key/mode detection.
//
// ChromaExtractor turns a magnitude spectrogram into one 12-bin chroma vector per frame
// (C..B, max-normalised to 1; all zeros for silent frames). KeyDetector correlates an
// aggregate chroma with major and minor key profiles and returns Spotify's key (-1..11)
// and mode (1 major, 0 minor) with confidences in 0..1; key -1 when there is no tonal
// content (silence, noise). Both validate options in Create(); compute() is const, pure
// and thread-safe.
#pragma once

#include <array>
#include <span>
#include <vector>

#include "sonance/analysis/spectrogram.h"
#include "sonance/common/status.h"

namespace sonance {

using Chroma = std::array<float, 12>;

struct ChromaOptions {
  double min_hz = 55.0;      // lowest frequency folded into chroma
  double max_hz = 5000.0;    // highest
  double tuning_hz = 440.0;  // reference A4
};

class ChromaExtractor {
 public:
  static Result<ChromaExtractor> Create(const ChromaOptions& options);
  std::vector<Chroma> compute(const Spectrogram& spectrogram) const;

 private:
  explicit ChromaExtractor(const ChromaOptions& o) : options_(o) {}
  ChromaOptions options_;
};

struct KeyEstimate {
  int key = -1;  // -1 none, 0 = C .. 11 = B
  double key_confidence = 0.0;
  int mode = 0;  // 1 major, 0 minor
  double mode_confidence = 0.0;
};

struct KeyOptions {
  // Minimum share of frames with tonal energy for a key to be reported at all.
  double min_tonal_fraction = 0.05;
};

class KeyDetector {
 public:
  static Result<KeyDetector> Create(const KeyOptions& options);
  KeyEstimate compute(std::span<const Chroma> chroma_frames) const;

 private:
  explicit KeyDetector(const KeyOptions& o) : options_(o) {}
  KeyOptions options_;
};

}  // namespace sonance
