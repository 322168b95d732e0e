// Tonal analysis: chroma (pitch-class energy) and key/mode detection.
//
// ChromaExtractor turns a magnitude spectrogram into one 12-bin chroma vector per frame
// (C..B, max-normalised to 1; all zeros for silent and noise-like frames). It folds
// interpolated spectral peaks, not FFT bins, into pitch classes, after estimating the
// recording's tuning, so it works on the analyzer's 2048-sample / 512-hop spectrogram at
// 22,050 Hz (recommended; 4096 / 1024 gave no better keys) down to A1.
// KeyDetector correlates the aggregate chroma (plus the opening and closing frames) with
// major and minor key profiles and returns Spotify's key (-1..11) and mode (1 major,
// 0 minor) with confidences in 0..1; key -1 when there is no tonal content (silence,
// noise). Details and measured accuracy: docs/features.md.
// Both validate options in Create(); compute() is const, pure and thread-safe; results are
// plain values owned by the caller.
#pragma once

#include <array>
#include <span>
#include <vector>

#include "sonance/analysis/spectrogram.h"
#include "sonance/common/status.h"

namespace sonance {

using Chroma = std::array<float, 12>;

struct ChromaOptions {
  // Six whole octaves, A1..A7: a range that is not a whole number of octaves favours the
  // pitch classes of the partial octave (noise and dense mixes get a spurious key).
  double min_hz = 55.0;      // lowest frequency folded into chroma
  double max_hz = 3520.0;    // highest
  double tuning_hz = 440.0;  // reference A4
  // Estimate the recording's deviation from tuning_hz (circular mean of the spectral peaks'
  // offsets from the semitone grid) and fold relative to it.
  bool estimate_tuning = true;
  int max_peaks = 60;            // strongest spectral peaks per frame, 1..1000
  double peak_floor_db = -90.0;  // peaks below this level (dB re full-scale sine) are ignored
  // Frames whose power spectrum in [min_hz, max_hz] is flatter than this (geometric over
  // arithmetic mean; white noise ~0.56, tonal music < 0.1) are noise: zero chroma.
  double max_flatness = 0.35;
  int harmonics = 1;              // 1 = each peak counts for its own pitch class only; h > 1
                                  // also credits the pitch classes of f/2 .. f/h
  double harmonic_decay = 0.6;    // weight of f/(k+1) relative to f/k, (0, 1]
  double magnitude_exponent = 1;  // peak weight = amplitude^exponent, (0, 4]
  // Peak weight is also multiplied by (f / 440 Hz)^-frequency_exponent, [0, 2]. With 1, a
  // semitone holds the same expected weight in every octave for white noise (FFT bins per
  // semitone grow with f), and bass and melody count more than upper partials.
  double frequency_exponent = 1.0;
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

// Key profiles: expected pitch-class weights of a major and a minor key, from the tonic.
enum class KeyProfile {
  kKrumhansl,  // Krumhansl & Kessler 1982, probe-tone ratings
  kTemperley,  // Temperley 2005, Kostka-Payne corpus (classical; harmonic minor)
  kShaath,     // Sha'ath 2011 (KeyFinder), tuned on audio chroma of popular music
  kAarden,     // Aarden 2003, Essen folk song corpus frequencies
  // Temperley's major with Aarden's minor: folk and popular minor keys use the natural
  // minor (flat seventh) far more than the classical leading tone Temperley's minor
  // expects. Best on our folk-tune evaluation (docs/features.md).
  kTemperleyAarden,
};

struct KeyOptions {
  // Minimum share of frames with tonal energy for a key to be reported at all.
  double min_tonal_fraction = 0.05;
  KeyProfile profile = KeyProfile::kTemperleyAarden;
  // Music tends to open and close on its tonic. The first and the last `edge_fraction` of
  // the tonal frames are correlated with the profiles on their own and added to the
  // whole-track correlation with these weights (0 disables).
  double opening_weight = 0.25;
  double ending_weight = 0.25;
  double edge_fraction = 0.05;  // (0, 0.5]
  // Aggregate chroma flatter than this ((max - min) / max) is noise, not a key.
  double min_contrast = 0.15;
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
