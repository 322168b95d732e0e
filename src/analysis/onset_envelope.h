// Onset strength envelope: how much new sound starts in each short frame.
//
// The first step of the rhythm chain (see rhythm.h). The signal is cut into Hann frames
// (1024 samples, hop 256 at 22,050 Hz: 86 frames per second), the power spectrum is pooled
// into log-spaced bands, each band is converted to decibels (floored a fixed range below the
// loudest band of the track, so the envelope does not depend on the playback level), and the
// positive band-wise increases from one frame to the next are averaged (log spectral flux,
// Bello et al. 2005; band pooling as in Klapuri 1999 and librosa's onset_strength).
// Besides the full-band envelope, a bass one is kept (the level increase of the summed power
// below 150 Hz): the bass is where beats and downbeats show most clearly, and it tells the
// beat from an off-beat chord in "oom-pah" accompaniments.
// Create() validates the options; compute() is const, pure and thread-safe. The result is a
// plain value owned by the caller.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "sonance/common/status.h"

namespace sonance {

struct OnsetEnvelopeOptions {
  int sample_rate = 22050;
  int frame_size = 1024;           // power of two, 256..8192
  int hop_size = 256;              // 1..frame_size
  int num_bands = 36;              // log-spaced bands, 4..128
  double min_hz = 40.0;            // lowest band edge, > 0
  double max_hz = 10000.0;         // highest band edge, capped at Nyquist
  double low_band_max_hz = 150.0;  // upper edge of the bass register envelope
  double dynamic_range_db = 80.0;  // band levels are floored this far below the loudest band
};

struct OnsetEnvelope {
  std::vector<float> strength;  // full band, mean positive dB increase per band, >= 0
  // Bass register: positive dB increase of the summed power below low_band_max_hz, with a
  // soft floor 10 dB under its mean, so a chord's quiet low partials count little next to a
  // bass note. Same length.
  std::vector<float> low;
  // Level of every band in dB relative to the loudest band of the track, floored at
  // -dynamic_range_db; row-major, num_frames x num_bands. The meter step reads it to tell a
  // bass note from a chord and to see where the harmony changes.
  std::vector<float> band_level_db;
  std::size_t num_bands = 0;
  std::size_t num_low_bands = 0;  // bands [0, num_low_bands) make up `low`
  double frame_rate = 0.0;        // envelope frames per second

  std::size_t num_frames() const { return strength.size(); }
  // Time of frame i in seconds: centre of the analysis frame (frames are centred).
  double time(std::size_t i) const { return frame_rate > 0 ? i / frame_rate : 0.0; }
  const float* levels(std::size_t frame) const { return band_level_db.data() + frame * num_bands; }
};

class OnsetEnvelopeComputer {
 public:
  static Result<OnsetEnvelopeComputer> Create(const OnsetEnvelopeOptions& options);
  OnsetEnvelope compute(std::span<const float> samples) const;
  const OnsetEnvelopeOptions& options() const { return options_; }

 private:
  explicit OnsetEnvelopeComputer(const OnsetEnvelopeOptions& o) : options_(o) {}
  OnsetEnvelopeOptions options_;
};

}  // namespace sonance
