#include "sonance/analysis/analysis_json.h"

#include <cmath>

namespace sonance {
namespace {

using nlohmann::json;

double R(double v) {
  if (!std::isfinite(v)) return 0.0;
  return std::round(v * 1e5) / 1e5;
}

json IntervalJson(const TimeInterval& t) {
  return {{"start", R(t.start)}, {"duration", R(t.duration)}, {"confidence", R(t.confidence)}};
}

template <typename T>
Status Get(const json& j, const char* key, T* out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return Status::Corrupt(std::string("missing field '") + key + "'");
  if constexpr (std::is_same_v<T, std::string>) {
    if (!it->is_string()) return Status::Corrupt(std::string("field '") + key + "' is not a string");
  } else {
    if (!it->is_number()) return Status::Corrupt(std::string("field '") + key + "' is not a number");
  }
  *out = it->get<T>();
  return Status::Ok();
}

#define SONANCE_GET(j, field, out)                  \
  do {                                             \
    if (Status s_ = Get((j), (field), (out)); !s_.ok()) return s_; \
  } while (0)

Result<TimeInterval> IntervalFromJson(const json& j) {
  TimeInterval t;
  SONANCE_GET(j, "start", &t.start);
  SONANCE_GET(j, "duration", &t.duration);
  SONANCE_GET(j, "confidence", &t.confidence);
  return t;
}

Status IntervalsFromJson(const json& j, const char* key, std::vector<TimeInterval>* out) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return Status::Corrupt(std::string("missing array '") + key + "'");
  out->reserve(it->size());
  for (const auto& e : *it) {
    auto t = IntervalFromJson(e);
    if (!t.ok()) return t.status();
    out->push_back(*t);
  }
  return Status::Ok();
}

}  // namespace

json ToJson(const AudioFeatures& f, const std::string& id) {
  json j = {
      {"danceability", R(f.danceability)},
      {"energy", R(f.energy)},
      {"key", f.key},
      {"loudness", R(f.loudness)},
      {"mode", f.mode},
      {"speechiness", R(f.speechiness)},
      {"acousticness", R(f.acousticness)},
      {"instrumentalness", R(f.instrumentalness)},
      {"liveness", R(f.liveness)},
      {"valence", R(f.valence)},
      {"tempo", R(f.tempo)},
      {"time_signature", f.time_signature},
      {"duration_ms", f.duration_ms},
      {"features_version", f.features_version},
  };
  if (!id.empty()) {
    j["id"] = id;
    j["uri"] = "sonance:track:" + id;
    j["track_href"] = "/v1/tracks/" + id;
    j["analysis_url"] = "/v1/audio-analysis/" + id;
    j["type"] = "audio_features";
  }
  return j;
}

json ToJson(const AudioAnalysis& a) {
  const TrackSummary& t = a.track;
  json track = {
      {"num_samples", t.num_samples},
      {"duration", R(t.duration)},
      {"sample_md5", t.sample_md5},
      {"offset_seconds", R(t.offset_seconds)},
      {"window_seconds", R(t.window_seconds)},
      {"analysis_sample_rate", t.analysis_sample_rate},
      {"analysis_channels", t.analysis_channels},
      {"end_of_fade_in", R(t.end_of_fade_in)},
      {"start_of_fade_out", R(t.start_of_fade_out)},
      {"loudness", R(t.loudness)},
      {"tempo", R(t.tempo)},
      {"tempo_confidence", R(t.tempo_confidence)},
      {"time_signature", t.time_signature},
      {"time_signature_confidence", R(t.time_signature_confidence)},
      {"key", t.key},
      {"key_confidence", R(t.key_confidence)},
      {"mode", t.mode},
      {"mode_confidence", R(t.mode_confidence)},
  };
  json meta = {
      {"analyzer_version", a.meta.analyzer_version},
      {"platform", a.meta.platform},
      {"detailed_status", a.meta.detailed_status},
      {"status_code", a.meta.status_code},
      {"timestamp", a.meta.timestamp},
      {"analysis_time", R(a.meta.analysis_time)},
      {"input_process", a.meta.input_process},
  };
  json bars = json::array(), beats = json::array(), tatums = json::array();
  for (const auto& b : a.bars) bars.push_back(IntervalJson(b));
  for (const auto& b : a.beats) beats.push_back(IntervalJson(b));
  for (const auto& b : a.tatums) tatums.push_back(IntervalJson(b));
  json sections = json::array();
  for (const auto& s : a.sections) {
    sections.push_back({{"start", R(s.start)},
                        {"duration", R(s.duration)},
                        {"confidence", R(s.confidence)},
                        {"loudness", R(s.loudness)},
                        {"tempo", R(s.tempo)},
                        {"tempo_confidence", R(s.tempo_confidence)},
                        {"key", s.key},
                        {"key_confidence", R(s.key_confidence)},
                        {"mode", s.mode},
                        {"mode_confidence", R(s.mode_confidence)},
                        {"time_signature", s.time_signature},
                        {"time_signature_confidence", R(s.time_signature_confidence)}});
  }
  json segments = json::array();
  for (const auto& s : a.segments) {
    json pitches = json::array(), timbre = json::array();
    for (double p : s.pitches) pitches.push_back(R(p));
    for (double v : s.timbre) timbre.push_back(R(v));
    segments.push_back({{"start", R(s.start)},
                        {"duration", R(s.duration)},
                        {"confidence", R(s.confidence)},
                        {"loudness_start", R(s.loudness_start)},
                        {"loudness_max", R(s.loudness_max)},
                        {"loudness_max_time", R(s.loudness_max_time)},
                        {"loudness_end", R(s.loudness_end)},
                        {"pitches", std::move(pitches)},
                        {"timbre", std::move(timbre)}});
  }
  return {{"meta", std::move(meta)}, {"track", std::move(track)},
          {"bars", std::move(bars)}, {"beats", std::move(beats)},
          {"tatums", std::move(tatums)}, {"sections", std::move(sections)},
          {"segments", std::move(segments)}, {"features_version", a.features_version}};
}

Result<AudioFeatures> FeaturesFromJson(const json& j) {
  if (!j.is_object()) return Status::Corrupt("audio features are not a JSON object");
  AudioFeatures f;
  SONANCE_GET(j, "danceability", &f.danceability);
  SONANCE_GET(j, "energy", &f.energy);
  SONANCE_GET(j, "key", &f.key);
  SONANCE_GET(j, "loudness", &f.loudness);
  SONANCE_GET(j, "mode", &f.mode);
  SONANCE_GET(j, "speechiness", &f.speechiness);
  SONANCE_GET(j, "acousticness", &f.acousticness);
  SONANCE_GET(j, "instrumentalness", &f.instrumentalness);
  SONANCE_GET(j, "liveness", &f.liveness);
  SONANCE_GET(j, "valence", &f.valence);
  SONANCE_GET(j, "tempo", &f.tempo);
  SONANCE_GET(j, "time_signature", &f.time_signature);
  SONANCE_GET(j, "duration_ms", &f.duration_ms);
  SONANCE_GET(j, "features_version", &f.features_version);
  return f;
}

Result<AudioAnalysis> AnalysisFromJson(const json& j) {
  if (!j.is_object()) return Status::Corrupt("audio analysis is not a JSON object");
  AudioAnalysis a;
  SONANCE_GET(j, "features_version", &a.features_version);
  auto m = j.find("meta");
  if (m != j.end() && m->is_object()) {
    a.meta.analyzer_version = m->value("analyzer_version", "");
    a.meta.platform = m->value("platform", "");
    a.meta.detailed_status = m->value("detailed_status", "");
    a.meta.status_code = m->value("status_code", 0);
    a.meta.timestamp = m->value("timestamp", 0LL);
    a.meta.analysis_time = m->value("analysis_time", 0.0);
    a.meta.input_process = m->value("input_process", "");
  }
  auto tj = j.find("track");
  if (tj == j.end() || !tj->is_object()) return Status::Corrupt("audio analysis has no track object");
  TrackSummary& t = a.track;
  SONANCE_GET(*tj, "num_samples", &t.num_samples);
  SONANCE_GET(*tj, "duration", &t.duration);
  SONANCE_GET(*tj, "sample_md5", &t.sample_md5);
  SONANCE_GET(*tj, "offset_seconds", &t.offset_seconds);
  SONANCE_GET(*tj, "window_seconds", &t.window_seconds);
  SONANCE_GET(*tj, "analysis_sample_rate", &t.analysis_sample_rate);
  SONANCE_GET(*tj, "analysis_channels", &t.analysis_channels);
  SONANCE_GET(*tj, "end_of_fade_in", &t.end_of_fade_in);
  SONANCE_GET(*tj, "start_of_fade_out", &t.start_of_fade_out);
  SONANCE_GET(*tj, "loudness", &t.loudness);
  SONANCE_GET(*tj, "tempo", &t.tempo);
  SONANCE_GET(*tj, "tempo_confidence", &t.tempo_confidence);
  SONANCE_GET(*tj, "time_signature", &t.time_signature);
  SONANCE_GET(*tj, "time_signature_confidence", &t.time_signature_confidence);
  SONANCE_GET(*tj, "key", &t.key);
  SONANCE_GET(*tj, "key_confidence", &t.key_confidence);
  SONANCE_GET(*tj, "mode", &t.mode);
  SONANCE_GET(*tj, "mode_confidence", &t.mode_confidence);
  if (Status s = IntervalsFromJson(j, "bars", &a.bars); !s.ok()) return s;
  if (Status s = IntervalsFromJson(j, "beats", &a.beats); !s.ok()) return s;
  if (Status s = IntervalsFromJson(j, "tatums", &a.tatums); !s.ok()) return s;
  auto sj = j.find("sections");
  if (sj == j.end() || !sj->is_array()) return Status::Corrupt("missing array 'sections'");
  for (const auto& e : *sj) {
    Section s;
    SONANCE_GET(e, "start", &s.start);
    SONANCE_GET(e, "duration", &s.duration);
    SONANCE_GET(e, "confidence", &s.confidence);
    SONANCE_GET(e, "loudness", &s.loudness);
    SONANCE_GET(e, "tempo", &s.tempo);
    SONANCE_GET(e, "tempo_confidence", &s.tempo_confidence);
    SONANCE_GET(e, "key", &s.key);
    SONANCE_GET(e, "key_confidence", &s.key_confidence);
    SONANCE_GET(e, "mode", &s.mode);
    SONANCE_GET(e, "mode_confidence", &s.mode_confidence);
    SONANCE_GET(e, "time_signature", &s.time_signature);
    SONANCE_GET(e, "time_signature_confidence", &s.time_signature_confidence);
    a.sections.push_back(s);
  }
  auto gj = j.find("segments");
  if (gj == j.end() || !gj->is_array()) return Status::Corrupt("missing array 'segments'");
  for (const auto& e : *gj) {
    Segment s;
    SONANCE_GET(e, "start", &s.start);
    SONANCE_GET(e, "duration", &s.duration);
    SONANCE_GET(e, "confidence", &s.confidence);
    SONANCE_GET(e, "loudness_start", &s.loudness_start);
    SONANCE_GET(e, "loudness_max", &s.loudness_max);
    SONANCE_GET(e, "loudness_max_time", &s.loudness_max_time);
    SONANCE_GET(e, "loudness_end", &s.loudness_end);
    auto p = e.find("pitches");
    auto tb = e.find("timbre");
    if (p == e.end() || !p->is_array() || p->size() != 12 || tb == e.end() || !tb->is_array() ||
        tb->size() != 12) {
      return Status::Corrupt("segment without 12 pitches and 12 timbre values");
    }
    for (int i = 0; i < 12; ++i) {
      if (!(*p)[i].is_number() || !(*tb)[i].is_number()) {
        return Status::Corrupt("segment pitches/timbre must be numbers");
      }
      s.pitches[i] = (*p)[i].get<double>();
      s.timbre[i] = (*tb)[i].get<double>();
    }
    a.segments.push_back(s);
  }
  return a;
}

}  // namespace sonance
