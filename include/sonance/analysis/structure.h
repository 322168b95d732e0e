// Structure: timbre coefficients, segments, sections and fades.
//
// TimbreExtractor gives 12 MFCC-like coefficients per spectrogram frame (recommended:
// 2048-sample frames, 512 hop at 22,050 Hz, the same spectrogram as the chroma). From a
// 40-band mel spectrum (40 Hz..11 kHz) in dB:
//   [0]  level: mean power in dBFS + 60, >= 0 (a full-scale sine reads 57; Spotify's 0..60);
//   [1]  brightness: spectral tilt, > 0 when the top of the spectrum outweighs the bottom;
//   [2]  mid-range emphasis vs. the extremes (negative for a hump in the middle);
//   [3..11] finer spectral shape (higher cosine terms of the log-mel spectrum).
// Coefficients 1..11 are 3x the amplitude in dB of each cosine across the bands, which gives
// music values of roughly -100..+100 like Spotify's; they do not change with gain.
// Segmenter cuts the signal at onsets into Spotify-style segments with loudness envelope,
// chroma and timbre. SectionSegmenter finds large-scale boundaries by novelty on a
// self-similarity matrix. FadeDetector finds end_of_fade_in and start_of_fade_out from the
// loudness curve. See docs/features.md for the definitions.
// All validate options in Create(); compute() is const, pure and thread-safe; results are
// plain values owned by the caller.
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
  // num_mel_bands: 12..128.
  static Result<TimbreExtractor> Create(int num_mel_bands = 40);
  std::vector<Timbre> compute(const Spectrogram& spectrogram) const;

 private:
  explicit TimbreExtractor(int bands) : num_mel_bands_(bands) {}
  int num_mel_bands_;
};

// Frame-aligned inputs shared by segmenter and sections: all vectors have one entry per
// frame at `frame_rate` frames per second.
// Missing entries (a vector shorter than the longest one) read as silence: onset 0,
// loudness -60 dB, zero chroma and timbre.
struct FrameFeatures {
  double frame_rate = 0.0;
  double duration = 0.0;           // seconds of audio; 0 = (number of frames) / frame_rate
  std::vector<float> onset;        // onset strength, >= 0, any scale; empty = derive from
                                   // the rise of loudness_db
  std::vector<float> loudness_db;  // short-term loudness, dB (LoudnessMeter::Curve)
  std::vector<Chroma> chroma;
  std::vector<Timbre> timbre;
};

// Segments start at onset peaks (moved to the steepest loudness rise within 50 ms), at
// least min_segment_seconds apart; longer stretches than max_segment_seconds are split at
// their strongest onset. The first segment starts at 0, the last ends at the duration.
// loudness_start / loudness_end are the curve at the first / last frame, loudness_max its
// maximum and loudness_max_time the seconds from the segment start to it; pitches is the
// mean chroma, max-normalised; timbre the mean timbre; confidence the onset's prominence
// (0 for the track start and for cuts without any onset).
struct SegmenterOptions {
  double min_segment_seconds = 0.08;  // 0.02..5
  double max_segment_seconds = 2.0;   // 2 * min_segment_seconds..60
  // An onset starts a segment when it exceeds the mean onset strength of the surrounding
  // 0.5 s by this share of the track's strong onsets (98th percentile), 0..1.
  double threshold = 0.2;
};

class Segmenter {
 public:
  static Result<Segmenter> Create(const SegmenterOptions& options);
  std::vector<Segment> compute(const FrameFeatures& frames) const;

 private:
  explicit Segmenter(const SegmenterOptions& o) : options_(o) {}
  SegmenterOptions options_;
};

// Sections: half-second blocks of chroma, timbre and loudness, smoothed over 4 s and
// standardised over the track; cosine self-similarity; Foote's checkerboard novelty with
// a kernel of about min_section_seconds; the strongest novelty peaks that keep every
// section (first and last included) at least min_section_seconds long. A track shorter
// than two minimum sections is one section.
struct SectionOptions {
  double min_section_seconds = 8.0;  // 2..120
  // Minimum novelty (0..1; 1 = two internally uniform halves with nothing in common) for a
  // boundary.
  double threshold = 0.2;
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

// Fades from the loudness curve smoothed over 1 s. A fade-in runs from the first sound to
// the first time the level is within 1 dB of the track's median level, if that takes at
// least 1 s (at most 60 s and half the track), rises by at least threshold_db, mostly
// upwards and gradually (a quiet intro followed by a jump is not a fade). The fade-out
// mirrors it from the end. Without a fade-in, end_of_fade_in is where sound starts (0, or
// the end of leading silence); without a fade-out, start_of_fade_out is where sound ends
// (the duration, or the start of trailing silence).
struct Fades {
  double end_of_fade_in = 0.0;     // seconds
  double start_of_fade_out = 0.0;  // seconds (== duration when there is no fade)
};

class FadeDetector {
 public:
  // threshold_db: minimum level change of a fade, 3..60 dB.
  static Result<FadeDetector> Create(double threshold_db = 12.0);
  Fades compute(std::span<const float> loudness_db, double frame_rate, double duration) const;

 private:
  explicit FadeDetector(double t) : threshold_db_(t) {}
  double threshold_db_;
};

}  // namespace sonance
