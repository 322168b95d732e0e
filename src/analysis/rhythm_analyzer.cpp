#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "analysis/beat_phase.h"
#include "analysis/beat_tracker.h"
#include "analysis/meter_estimator.h"
#include "analysis/onset_envelope.h"
#include "analysis/tempo_estimator.h"
#include "sonance/analysis/rhythm.h"

namespace sonance {
namespace {

// The log spectral flux rises as soon as an onset enters the analysis window, about half a
// frame before the window is centred on it; measured on click tracks with the default frame
// (1024) and hop (256) at 22,050 Hz, the envelope peaks lead the clicks by 13 ms.
constexpr double kOnsetLeadSeconds = 0.013;

OnsetEnvelopeOptions EnvelopeOptionsFor(const RhythmOptions& o) {
  OnsetEnvelopeOptions e;
  e.sample_rate = o.sample_rate;
  // Keep the frame about 46 ms and the hop about 11.6 ms whatever the rate.
  int frame = 256;
  while (frame < 8192 && frame * 22050 < 1024 * o.sample_rate) frame *= 2;
  e.frame_size = frame;
  e.hop_size = frame / 4;
  e.max_hz = std::min(e.max_hz, o.sample_rate / 2.0);
  return e;
}

TempoEstimatorOptions TempoOptionsFor(const RhythmOptions& o) {
  TempoEstimatorOptions t;
  t.min_bpm = o.min_bpm;
  t.max_bpm = o.max_bpm;
  return t;
}

// Envelope value near a (fractional) frame: the largest within +-2 frames.
double EnvelopeNear(const std::vector<float>& env, double frame) {
  const long centre = std::lround(frame);
  double best = 0.0;
  for (long f = centre - 2; f <= centre + 2; ++f) {
    if (f >= 0 && f < static_cast<long>(env.size())) {
      best = std::max(best, static_cast<double>(env[static_cast<std::size_t>(f)]));
    }
  }
  return best;
}

}  // namespace

Result<RhythmAnalyzer> RhythmAnalyzer::Create(const RhythmOptions& options) {
  if (options.sample_rate < 4000 || options.sample_rate > 192000) {
    return Status::InvalidArgument("rhythm sample_rate must be in 4000..192000");
  }
  if (!(options.min_bpm >= 20.0) || !(options.max_bpm > options.min_bpm) ||
      !(options.max_bpm <= 400.0)) {
    return Status::InvalidArgument(
        "rhythm tempo range must satisfy 20 <= min_bpm < max_bpm <= 400");
  }
  // The steps validate the same values again; this keeps their messages in one place.
  if (auto e = OnsetEnvelopeComputer::Create(EnvelopeOptionsFor(options)); !e.ok()) {
    return e.status();
  }
  if (auto t = TempoEstimator::Create(TempoOptionsFor(options)); !t.ok()) return t.status();
  return RhythmAnalyzer(options);
}

RhythmResult RhythmAnalyzer::compute(std::span<const float> samples) const {
  RhythmResult result;
  // Options were validated in Create(), so the steps cannot fail here.
  const auto envelope_step = OnsetEnvelopeComputer::Create(EnvelopeOptionsFor(options_));
  const auto tempo_step = TempoEstimator::Create(TempoOptionsFor(options_));
  const auto beat_step = BeatTracker::Create({});
  const auto phase_step = BeatPhaseAligner::Create({});
  const auto meter_step = MeterEstimator::Create({});
  if (!envelope_step.ok() || !tempo_step.ok() || !beat_step.ok() || !phase_step.ok() ||
      !meter_step.ok()) {
    return result;
  }

  const OnsetEnvelope env = envelope_step->compute(samples);
  result.onset_envelope = env.strength;
  result.envelope_rate = env.frame_rate;
  const TempoAnalysis tempo = tempo_step->compute(env.strength, env.frame_rate);
  if (!(tempo.bpm > 0.0)) return result;
  BeatTrack track = beat_step->compute(env.strength, tempo.period_frames);
  if (track.frames.size() < 2) return result;  // a tempo without beats is no pulse either
  const BeatPhase phase = phase_step->compute(env.low, track.frames, tempo.subdivision);
  if (phase.shift_tatums != 0) {
    // The strengths were measured at the tracked positions; take them where the beats are now.
    track.frames = phase.frames;
    track.strength.resize(track.frames.size());
    double top = 0.0;
    for (double f : track.frames) top = std::max(top, EnvelopeNear(env.strength, f));
    for (std::size_t i = 0; i < track.frames.size(); ++i) {
      track.strength[i] = top > 0.0 ? EnvelopeNear(env.strength, track.frames[i]) / top : 0.0;
    }
  }
  if (track.frames.size() < 2) return result;
  const MeterAnalysis meter = meter_step->compute(env, track.frames, tempo.subdivision);

  result.tempo = {tempo.bpm, tempo.confidence};
  result.time_signature = meter.time_signature;
  result.time_signature_confidence = meter.confidence;

  const double beat_seconds = 60.0 / tempo.bpm;
  const double duration = static_cast<double>(samples.size()) / options_.sample_rate;
  auto seconds = [&](double frame) {
    return std::clamp(frame / env.frame_rate + kOnsetLeadSeconds, 0.0, duration);
  };
  const std::size_t n = track.frames.size();
  std::vector<double> starts(n);
  for (std::size_t i = 0; i < n; ++i) starts[i] = seconds(track.frames[i]);
  auto beat_end = [&](std::size_t i) {
    return i + 1 < n ? starts[i + 1] : std::min(duration, starts[i] + beat_seconds);
  };
  for (std::size_t i = 0; i < n; ++i) {
    result.beats.push_back({starts[i], beat_end(i) - starts[i], track.strength[i]});
  }

  // Tatums split every beat evenly; their confidence is the onset strength found there,
  // relative to the strongest beat.
  double reference = 0.0;
  for (double f : track.frames) reference = std::max(reference, EnvelopeNear(env.strength, f));
  const int per_beat = meter.tatums_per_beat;
  for (std::size_t i = 0; i < n; ++i) {
    const double step = (beat_end(i) - starts[i]) / per_beat;
    for (int k = 0; k < per_beat; ++k) {
      const double start = starts[i] + k * step;
      const double frame = (start - kOnsetLeadSeconds) * env.frame_rate;
      const double confidence =
          k == 0 ? track.strength[i]
                 : std::clamp(reference > 0.0 ? EnvelopeNear(env.strength, frame) / reference : 0.0,
                              0.0, 1.0);
      result.tatums.push_back({start, step, confidence});
    }
  }

  // Bars start on the downbeats; the last one may be incomplete.
  const auto per_bar = static_cast<std::size_t>(meter.beats_per_bar);
  for (auto i = static_cast<std::size_t>(meter.first_downbeat); i < n; i += per_bar) {
    const std::size_t last = std::min(n, i + per_bar) - 1;
    result.bars.push_back({starts[i], beat_end(last) - starts[i],
                           std::clamp(meter.confidence * track.strength[i], 0.0, 1.0)});
  }
  return result;
}

}  // namespace sonance
