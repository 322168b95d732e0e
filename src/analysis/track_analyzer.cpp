#include "sonance/analysis/track_analyzer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <numeric>

#include "sonance/analysis/descriptors.h"
#include "sonance/analysis/loudness.h"
#include "sonance/analysis/rhythm.h"
#include "sonance/analysis/spectrogram.h"
#include "sonance/analysis/structure.h"
#include "sonance/analysis/tonal.h"

#ifndef SONANCE_VERSION
#define SONANCE_VERSION "0.1.0"
#endif

namespace sonance {
namespace {

// The tonal/timbral spectrogram: 93 ms frames every 23 ms at 22,050 Hz.
constexpr int kFrameSize = 2048;
constexpr int kHopSize = 512;

// Each step is created once with default options; defaults are validated by the steps'
// own tests, so a failure here is a bug.
template <typename T>
T Must(Result<T> r) {
  if (!r.ok()) std::abort();
  return std::move(r).value();
}

// Resamples the rhythm onset envelope onto the spectrogram frame grid by taking the
// maximum of the envelope frames that fall into each spectrogram frame's hop.
std::vector<float> AlignEnvelope(const RhythmResult& rhythm, std::size_t num_frames,
                                 double frame_rate) {
  std::vector<float> out(num_frames, 0.0f);
  if (rhythm.onset_envelope.empty() || rhythm.envelope_rate <= 0.0) return out;
  const double ratio = rhythm.envelope_rate / frame_rate;
  for (std::size_t i = 0; i < num_frames; ++i) {
    const auto lo = static_cast<std::size_t>(std::max(0.0, (i - 0.5) * ratio));
    const auto hi = std::min(rhythm.onset_envelope.size(),
                             static_cast<std::size_t>(std::ceil((i + 0.5) * ratio)));
    float m = 0.0f;
    for (std::size_t k = lo; k < hi; ++k) m = std::max(m, rhythm.onset_envelope[k]);
    out[i] = m;
  }
  return out;
}

// Power mean of dB values, so a loud half dominates as it does to the ear.
double MeanDb(std::span<const float> db, double floor_db) {
  if (db.empty()) return floor_db;
  double p = 0.0;
  for (float v : db) p += std::pow(10.0, v / 10.0);
  return std::max(floor_db, 10.0 * std::log10(p / db.size() + 1e-12));
}

// Tempo of a stretch from the beats inside it: median inter-beat interval.
void SectionTempo(const std::vector<TimeInterval>& beats, double start, double end,
                  double* tempo, double* confidence) {
  std::vector<double> ibis;
  double conf = 0.0;
  int n = 0;
  for (const auto& b : beats) {
    if (b.start < start || b.start >= end) continue;
    if (b.duration > 0.0) ibis.push_back(b.duration);
    conf += b.confidence;
    ++n;
  }
  if (ibis.size() < 2) {
    *tempo = 0.0;
    *confidence = 0.0;
    return;
  }
  std::nth_element(ibis.begin(), ibis.begin() + ibis.size() / 2, ibis.end());
  *tempo = 60.0 / ibis[ibis.size() / 2];
  *confidence = n > 0 ? conf / n : 0.0;
}

}  // namespace

TrackAnalyzer::TrackAnalyzer() = default;

Result<TrackAnalysis> TrackAnalyzer::analyze(const AudioBuffer& audio) const {
  if (audio.sample_rate != kAnalysisSampleRate) {
    return Status::InvalidArgument("analysis expects " + std::to_string(kAnalysisSampleRate) +
                                   " Hz audio, got " + std::to_string(audio.sample_rate));
  }
  const auto started = std::chrono::steady_clock::now();
  const std::span<const float> x(audio.samples);
  const double duration = audio.duration_seconds();

  static const RhythmAnalyzer rhythm_analyzer = Must(RhythmAnalyzer::Create({}));
  static const SpectrogramComputer spectrogram_computer =
      Must(SpectrogramComputer::Create({kFrameSize, kHopSize, kAnalysisSampleRate}));
  static const ChromaExtractor chroma_extractor = Must(ChromaExtractor::Create({}));
  static const KeyDetector key_detector = Must(KeyDetector::Create({}));
  static const LoudnessMeter loudness_meter = Must(LoudnessMeter::Create({}));
  static const TimbreExtractor timbre_extractor = Must(TimbreExtractor::Create());
  static const Segmenter segmenter = Must(Segmenter::Create({}));
  static const SectionSegmenter section_segmenter = Must(SectionSegmenter::Create({}));
  static const FadeDetector fade_detector = Must(FadeDetector::Create());
  static const DescriptorEstimator descriptor_estimator = Must(DescriptorEstimator::Create({}));

  const RhythmResult rhythm = rhythm_analyzer.compute(x);
  const Spectrogram spec = spectrogram_computer.compute(x);
  FrameFeatures frames;
  frames.frame_rate = spec.frame_rate();
  frames.duration = duration;
  frames.chroma = chroma_extractor.compute(spec);
  const KeyEstimate key = key_detector.compute(frames.chroma);
  const double loudness = loudness_meter.Integrated(x);
  frames.loudness_db = loudness_meter.Curve(x, kHopSize);
  frames.loudness_db.resize(spec.num_frames, static_cast<float>(loudness_meter.options().floor_db));
  frames.timbre = timbre_extractor.compute(spec);
  frames.onset = AlignEnvelope(rhythm, spec.num_frames, frames.frame_rate);

  TrackAnalysis out;
  AudioAnalysis& a = out.analysis;
  a.beats = rhythm.beats;
  a.bars = rhythm.bars;
  a.tatums = rhythm.tatums;
  a.segments = segmenter.compute(frames);

  std::vector<double> boundary_conf;
  std::vector<double> boundaries = section_segmenter.compute(frames, &boundary_conf);
  if (boundaries.empty() && duration > 0.0) {
    boundaries = {0.0};
    boundary_conf = {1.0};
  }
  for (std::size_t s = 0; s < boundaries.size(); ++s) {
    Section sec;
    sec.start = boundaries[s];
    const double end = s + 1 < boundaries.size() ? boundaries[s + 1] : duration;
    sec.duration = std::max(0.0, end - sec.start);
    sec.confidence = s < boundary_conf.size() ? boundary_conf[s] : 0.0;
    const auto f0 = std::min(spec.num_frames, static_cast<std::size_t>(sec.start * frames.frame_rate));
    const auto f1 = std::min(spec.num_frames, static_cast<std::size_t>(end * frames.frame_rate));
    const std::span<const float> sec_loudness(frames.loudness_db.data() + f0, f1 - f0);
    sec.loudness = MeanDb(sec_loudness, loudness_meter.options().floor_db);
    SectionTempo(rhythm.beats, sec.start, end, &sec.tempo, &sec.tempo_confidence);
    const KeyEstimate sk =
        key_detector.compute(std::span<const Chroma>(frames.chroma.data() + f0, f1 - f0));
    sec.key = sk.key;
    sec.key_confidence = sk.key_confidence;
    sec.mode = sk.mode;
    sec.mode_confidence = sk.mode_confidence;
    sec.time_signature = rhythm.time_signature;
    sec.time_signature_confidence = rhythm.time_signature_confidence;
    a.sections.push_back(sec);
  }

  const Fades fades = fade_detector.compute(frames.loudness_db, frames.frame_rate, duration);

  DescriptorInputs inputs{x, &spec, &rhythm, &key, loudness};
  const Descriptors d = descriptor_estimator.compute(inputs);

  AudioFeatures& f = out.features;
  f.danceability = d.danceability;
  f.energy = d.energy;
  f.speechiness = d.speechiness;
  f.acousticness = d.acousticness;
  f.instrumentalness = d.instrumentalness;
  f.liveness = d.liveness;
  f.valence = d.valence;
  f.key = key.key;
  f.mode = key.mode;
  f.loudness = loudness;
  f.tempo = rhythm.tempo.bpm;
  f.time_signature = rhythm.time_signature;
  f.duration_ms = std::llround(duration * 1000.0);

  TrackSummary& t = a.track;
  t.num_samples = static_cast<long long>(audio.samples.size());
  t.duration = duration;
  t.analysis_sample_rate = audio.sample_rate;
  t.analysis_channels = 1;
  t.window_seconds = 0.0;
  t.end_of_fade_in = fades.end_of_fade_in;
  t.start_of_fade_out = fades.start_of_fade_out;
  t.loudness = loudness;
  t.tempo = rhythm.tempo.bpm;
  t.tempo_confidence = rhythm.tempo.confidence;
  t.time_signature = rhythm.time_signature;
  t.time_signature_confidence = rhythm.time_signature_confidence;
  t.key = key.key;
  t.key_confidence = key.key_confidence;
  t.mode = key.mode;
  t.mode_confidence = key.mode_confidence;

  const auto finished = std::chrono::steady_clock::now();
  a.meta.analyzer_version =
      std::string("sonance ") + SONANCE_VERSION + " (features v" + std::to_string(kFeaturesVersion) + ")";
  a.meta.timestamp = static_cast<long long>(std::time(nullptr));
  a.meta.analysis_time = std::chrono::duration<double>(finished - started).count();
  a.meta.input_process = "libavcodec, mono float32, " + std::to_string(audio.sample_rate) + " Hz";
  return out;
}

}  // namespace sonance
