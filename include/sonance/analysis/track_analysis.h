// The results of analysing one track, in Spotify's vocabulary.
//
// AudioFeatures mirrors Spotify's audio-features object and AudioAnalysis its
// audio-analysis object (field names, units and ranges as documented in docs/features.md).
// Both are plain data. Every result carries the features version that produced it:
// values computed by different versions are not comparable, and the catalog re-analyses
// a track whose stored version differs from kFeaturesVersion.
#pragma once

#include <array>
#include <string>
#include <vector>

namespace sonance {

// Bump when any computed value changes meaning or algorithm.
inline constexpr int kFeaturesVersion = 1;

struct AudioFeatures {
  double danceability = 0.0;      // 0..1
  double energy = 0.0;            // 0..1
  int key = -1;                   // -1 (none) or 0 = C .. 11 = B
  double loudness = -60.0;        // integrated loudness, dB (LUFS, EBU R 128)
  int mode = 0;                   // 1 major, 0 minor
  double speechiness = 0.0;       // 0..1
  double acousticness = 0.0;      // 0..1
  double instrumentalness = 0.0;  // 0..1
  double liveness = 0.0;          // 0..1
  double valence = 0.0;           // 0..1
  double tempo = 0.0;             // BPM; 0 when no beat was found
  int time_signature = 4;         // 3..7 (beats per bar)
  long long duration_ms = 0;
  int features_version = kFeaturesVersion;
};

// A span of time with a confidence: beats, bars and tatums.
struct TimeInterval {
  double start = 0.0;       // seconds
  double duration = 0.0;    // seconds
  double confidence = 0.0;  // 0..1
};

struct Section {
  double start = 0.0;
  double duration = 0.0;
  double confidence = 0.0;
  double loudness = -60.0;  // dB
  double tempo = 0.0;
  double tempo_confidence = 0.0;
  int key = -1;
  double key_confidence = 0.0;
  int mode = 0;
  double mode_confidence = 0.0;
  int time_signature = 4;
  double time_signature_confidence = 0.0;
};

struct Segment {
  double start = 0.0;
  double duration = 0.0;
  double confidence = 0.0;
  double loudness_start = -60.0;    // dB
  double loudness_max = -60.0;      // dB
  double loudness_max_time = 0.0;   // seconds from segment start
  double loudness_end = -60.0;      // dB
  std::array<double, 12> pitches{};  // chroma C..B, max-normalised to 1
  std::array<double, 12> timbre{};   // MFCC-like coefficients, see docs/features.md
};

struct TrackSummary {
  long long num_samples = 0;
  double duration = 0.0;  // seconds
  std::string sample_md5;
  double offset_seconds = 0.0;
  double window_seconds = 0.0;
  int analysis_sample_rate = 0;
  int analysis_channels = 1;
  double end_of_fade_in = 0.0;
  double start_of_fade_out = 0.0;
  double loudness = -60.0;
  double tempo = 0.0;
  double tempo_confidence = 0.0;
  int time_signature = 4;
  double time_signature_confidence = 0.0;
  int key = -1;
  double key_confidence = 0.0;
  int mode = 0;
  double mode_confidence = 0.0;
};

// Spotify's `meta` object: how and when the analysis ran.
struct AnalysisMeta {
  std::string analyzer_version;  // "sonance <version> (features v<N>)"
  std::string platform = "Linux";
  std::string detailed_status = "OK";
  int status_code = 0;
  long long timestamp = 0;     // Unix seconds when the analysis finished
  double analysis_time = 0.0;  // seconds of wall time spent analysing (excluding decoding)
  std::string input_process;   // e.g. "libavcodec, mono float32, 22050 Hz"
};

struct AudioAnalysis {
  AnalysisMeta meta;
  TrackSummary track;
  std::vector<TimeInterval> bars;
  std::vector<TimeInterval> beats;
  std::vector<TimeInterval> tatums;
  std::vector<Section> sections;
  std::vector<Segment> segments;
  int features_version = kFeaturesVersion;
};

struct TrackAnalysis {
  AudioFeatures features;
  AudioAnalysis analysis;
};

}  // namespace sonance
