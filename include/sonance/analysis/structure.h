// Structure: timbre coefficients, segments, sections and fades.
//
// TimbreExtractor gives 12 MFCC-like coefficients per spectrogram frame (coefficient 0 is
// overall loudness, 1 brightness, 2 flatness, ...; see docs/features.md). Segmenter cuts the
// signal at onsets into Spotify-style segments with loudness envelope, chroma and timbre.
// SectionSegmenter finds large-scale boundaries by novelty on a self-similarity matrix.
// FadeDetector finds end_of_fade_in and start_of_fade_out from the loudness curve.
// All validate options in Create(); compute() is const, pure and thread-safe.
#pragma once

#include <array>
#include <span>
#include <vector>

#include "sonance/analysis/spectrogram.h"
#include "sonance/analysis/tonal.h"
#include "sonance/analysis/track_analysis.h"
#include "sonance/common/status.h"

namespace sonance {

using Timbre = std::array<float, 12>;

class TimbreExtractor {
 public:
  static Result<TimbreExtractor> Create(int num_mel_bands = 40);
  std::vector<Timbre> compute(const Spectrogram& spectrogram) const;

 private:
  explicit TimbreExtractor(int bands) : num_mel_bands_(bands) {}
  int num_mel_bands_;
};

// Frame-aligned inputs shared by segmenter and sections: all vectors have one entry per
// frame at `frame_rate` frames per second.
struct FrameFeatures {
  double frame_rate = 0.0;
  std::vector<float> onset;          // onset strength
  std::vector<float> loudness_db;    // short-term loudness, dB
  std::vector<Chroma> chroma;
  std::vector<Timbre> timbre;
};

struct SegmenterOptions {
  double min_segment_seconds = 0.08;
  double max_segment_seconds = 2.0;
};

class Segmenter {
 public:
  static Result<Segmenter> Create(const SegmenterOptions& options);
  std::vector<Segment> compute(const FrameFeatures& frames) const;

 private:
  explicit Segmenter(const SegmenterOptions& o) : options_(o) {}
  SegmenterOptions options_;
};

struct SectionOptions {
  double min_section_seconds = 8.0;
};

class SectionSegmenter {
 public:
  static Result<SectionSegmenter> Create(const SectionOptions& options);
  // Section boundaries in seconds: starts with 0, strictly increasing; each section then
  // runs to the next boundary (the last to the end). Confidence per boundary in `confidences`.
  std::vector<double> compute(const FrameFeatures& frames, std::vector<double>* confidences) const;

 private:
  explicit SectionSegmenter(const SectionOptions& o) : options_(o) {}
  SectionOptions options_;
};

struct Fades {
  double end_of_fade_in = 0.0;     // seconds
  double start_of_fade_out = 0.0;  // seconds (== duration when there is no fade)
};

class FadeDetector {
 public:
  static Result<FadeDetector> Create(double threshold_db = 12.0);
  Fades compute(std::span<const float> loudness_db, double frame_rate, double duration) const;

 private:
  explicit FadeDetector(double t) : threshold_db_(t) {}
  double threshold_db_;
};

}  // namespace sonance
