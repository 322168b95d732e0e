#include "sonance/analysis/analysis_json.h"

#include <gtest/gtest.h>

namespace sonance {
namespace {

AudioAnalysis SampleAnalysis() {
  AudioAnalysis a;
  a.track.num_samples = 22050 * 3;
  a.track.duration = 3.0;
  a.track.analysis_sample_rate = 22050;
  a.track.tempo = 120.0;
  a.track.key = 9;
  a.track.mode = 0;
  a.beats = {{0.0, 0.5, 0.9}, {0.5, 0.5, 0.8}};
  a.bars = {{0.0, 2.0, 0.7}};
  a.tatums = {{0.0, 0.25, 0.9}};
  Section s;
  s.start = 0.0;
  s.duration = 3.0;
  s.key = 9;
  a.sections = {s};
  Segment g;
  g.start = 0.1;
  g.duration = 0.4;
  g.pitches[9] = 1.0;
  g.timbre[0] = 42.5;
  a.segments = {g};
  a.meta.analyzer_version = "sonance test";
  return a;
}

TEST(AnalysisJsonTest, FeaturesHaveSpotifyFieldsAndIdentity) {
  AudioFeatures f;
  f.tempo = 128.123456;
  f.key = 5;
  f.duration_ms = 123456;
  nlohmann::json j = ToJson(f, "abc");
  for (const char* k : {"danceability", "energy", "key", "loudness", "mode", "speechiness",
                        "acousticness", "instrumentalness", "liveness", "valence", "tempo",
                        "time_signature", "duration_ms", "id", "uri", "track_href",
                        "analysis_url", "type"}) {
    EXPECT_TRUE(j.contains(k)) << k;
  }
  EXPECT_EQ(j["type"], "audio_features");
  EXPECT_EQ(j["uri"], "sonance:track:abc");
  EXPECT_DOUBLE_EQ(j["tempo"].get<double>(), 128.12346);  // rounded to 5 decimals
  EXPECT_TRUE(j["key"].is_number_integer());
  EXPECT_FALSE(ToJson(f).contains("id"));
}

TEST(AnalysisJsonTest, FeaturesRoundTrip) {
  AudioFeatures f;
  f.danceability = 0.5;
  f.key = 11;
  f.mode = 1;
  f.loudness = -7.25;
  f.duration_ms = 1000;
  auto back = FeaturesFromJson(ToJson(f, "x"));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->key, 11);
  EXPECT_EQ(back->mode, 1);
  EXPECT_DOUBLE_EQ(back->loudness, -7.25);
  EXPECT_EQ(back->duration_ms, 1000);
}

TEST(AnalysisJsonTest, AnalysisRoundTrip) {
  const AudioAnalysis a = SampleAnalysis();
  nlohmann::json j = ToJson(a);
  EXPECT_EQ(j["segments"][0]["pitches"].size(), 12u);
  EXPECT_EQ(j["segments"][0]["timbre"].size(), 12u);
  auto back = AnalysisFromJson(j);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->beats.size(), 2u);
  EXPECT_DOUBLE_EQ(back->beats[1].start, 0.5);
  EXPECT_EQ(back->sections[0].key, 9);
  EXPECT_DOUBLE_EQ(back->segments[0].timbre[0], 42.5);
  EXPECT_EQ(back->meta.analyzer_version, "sonance test");
}

TEST(AnalysisJsonTest, RejectsMalformedInput) {
  EXPECT_EQ(FeaturesFromJson(nlohmann::json::array()).status().code(), StatusCode::kCorrupt);
  nlohmann::json j = ToJson(AudioFeatures{});
  j.erase("tempo");
  EXPECT_EQ(FeaturesFromJson(j).status().code(), StatusCode::kCorrupt);
  j = ToJson(AudioFeatures{});
  j["key"] = "C";
  EXPECT_EQ(FeaturesFromJson(j).status().code(), StatusCode::kCorrupt);
  nlohmann::json a = ToJson(SampleAnalysis());
  a["segments"][0]["pitches"].erase(0);
  EXPECT_EQ(AnalysisFromJson(a).status().code(), StatusCode::kCorrupt);
  a = ToJson(SampleAnalysis());
  a.erase("track");
  EXPECT_EQ(AnalysisFromJson(a).status().code(), StatusCode::kCorrupt);
}

}  // namespace
}  // namespace sonance
