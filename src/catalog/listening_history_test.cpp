// ParseStreamingHistory on hand-written files in both formats of Spotify's export.
#include "sonance/catalog/listening_history.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace sonance {
namespace {

TEST(StreamingHistoryTest, AccountDataEntriesBecomePlaysAtMinutePrecision) {
  const std::string text = R"([
  {
    "endTime" : "2023-01-05 17:04",
    "artistName" : "Beyoncé",
    "trackName" : "Halo",
    "msPlayed" : 261000
  },
  {
    "endTime" : "2023-01-05 17:10",
    "podcastName" : "A Show",
    "episodeName" : "Episode 1",
    "msPlayed" : 1200000
  }
])";
  auto h = ParseStreamingHistory(text);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->entries, 2);
  EXPECT_EQ(h->podcasts, 1);
  ASSERT_EQ(h->plays.size(), 1u);
  const auto& [line, p] = h->plays[0];
  EXPECT_EQ(line, 2);
  EXPECT_EQ(p.export_format, "account");
  EXPECT_EQ(p.played_at, "2023-01-05T17:04:00Z");
  EXPECT_EQ(p.artist_name, "Beyoncé");
  EXPECT_EQ(p.track_name, "Halo");
  EXPECT_EQ(p.ms_played, 261000);
  EXPECT_TRUE(p.spotify_uri.empty());
  EXPECT_TRUE(h->bad.empty());
}

TEST(StreamingHistoryTest, ExtendedEntriesKeepTheirFieldsButNoAddresses) {
  const std::string text = R"json([{"ts": "2021-03-04T05:06:07Z", "username": "someone",
"platform": "Android OS 9 API 28 (samsung, SM-G960F)", "ms_played": 215000,
"conn_country": "GB", "ip_addr_decrypted": "192.0.2.1", "user_agent_decrypted": "unknown",
"master_metadata_track_name": "Paranoid Android", "master_metadata_album_artist_name": "Radiohead",
"master_metadata_album_album_name": "OK Computer",
"spotify_track_uri": "spotify:track:6LgJvl0Xdtc73RJ1mmpotq", "episode_name": null,
"episode_show_name": null, "spotify_episode_uri": null, "reason_start": "clickrow",
"reason_end": "trackdone", "shuffle": false, "skipped": null, "offline": false,
"offline_timestamp": 1614834000, "incognito_mode": false},
{"ts": "2021-03-04T06:00:00Z", "ms_played": 900000, "master_metadata_track_name": null,
"episode_name": "Some Episode", "spotify_episode_uri": "spotify:episode:x"},
{"ts": "2021-03-04T07:00:00Z", "ms_played": 1000, "master_metadata_track_name": null},
{"ts": "2021-03-04T08:00:00Z", "ms_played": 1000, "master_metadata_track_name": null,
"audiobook_title": "A Book"}])json";
  auto h = ParseStreamingHistory(text);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->entries, 4);
  EXPECT_EQ(h->podcasts, 2);
  EXPECT_EQ(h->without_track, 1);
  ASSERT_EQ(h->plays.size(), 1u);
  const Play& p = h->plays[0].second;
  EXPECT_EQ(h->plays[0].first, 1);
  EXPECT_EQ(p.export_format, "extended");
  EXPECT_EQ(p.played_at, "2021-03-04T05:06:07Z");
  EXPECT_EQ(p.ms_played, 215000);
  EXPECT_EQ(p.track_name, "Paranoid Android");
  EXPECT_EQ(p.artist_name, "Radiohead");
  EXPECT_EQ(p.album_name, "OK Computer");
  EXPECT_EQ(p.spotify_uri, "spotify:track:6LgJvl0Xdtc73RJ1mmpotq");
  EXPECT_EQ(p.reason_start, "clickrow");
  EXPECT_EQ(p.reason_end, "trackdone");
  EXPECT_EQ(p.platform, "Android OS 9 API 28 (samsung, SM-G960F)");
  EXPECT_EQ(p.shuffle, false);
  EXPECT_FALSE(p.skipped.has_value());
  const auto extra = nlohmann::json::parse(p.extra_json);
  EXPECT_EQ(extra["conn_country"], "GB");
  EXPECT_EQ(extra["offline_timestamp"], 1614834000);
  EXPECT_EQ(extra["incognito_mode"], false);
  EXPECT_EQ(p.extra_json.find("192.0.2.1"), std::string::npos);
  EXPECT_EQ(p.extra_json.find("someone"), std::string::npos);
}

TEST(StreamingHistoryTest, BadEntriesAreReportedWithTheLineTheyStartOn) {
  const std::string text =
      "[\n"
      "  {\"endTime\": \"2023-01-05 17:04\", \"artistName\": \"A\", \"trackName\": \"B\", "
      "\"msPlayed\": 1},\n"
      "  {\"endTime\": \"yesterday\", \"artistName\": \"A\", \"trackName\": \"B\", "
      "\"msPlayed\": 1},\n"
      "  {\"ts\": \"2023-01-05T17:04:00Z\",\n"
      "   \"ms_played\": \"lots\", \"master_metadata_track_name\": \"B\"},\n"
      "  {\"ts\": \"2023-01-05T17:05:00Z\", \"ms_played\": -5, "
      "\"master_metadata_track_name\": \"{[\\\"B\"},\n"
      "  [1, 2],\n"
      "  {\"something\": \"else\"}\n"
      "]\n";
  auto h = ParseStreamingHistory(text);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->plays.size(), 1u);
  ASSERT_EQ(h->bad.size(), 5u);
  EXPECT_EQ(h->bad[0].line, 3);
  EXPECT_NE(h->bad[0].reason.find("endTime"), std::string::npos);
  EXPECT_EQ(h->bad[1].line, 4);
  EXPECT_NE(h->bad[1].reason.find("ms_played"), std::string::npos);
  EXPECT_EQ(h->bad[2].line, 6);  // the brackets inside the string do not confuse the count
  EXPECT_EQ(h->bad[3].line, 7);
  EXPECT_EQ(h->bad[4].line, 8);
  EXPECT_NE(h->bad[4].reason.find("not a play"), std::string::npos);
}

TEST(StreamingHistoryTest, TimesInOtherSpellingsAreNormalised) {
  auto h = ParseStreamingHistory(
      R"([{"ts": "2021-03-04 05:06:07", "ms_played": 1, "master_metadata_track_name": "x"},
          {"ts": "2021-03-04T05:06:07.123Z", "ms_played": 1.0, "master_metadata_track_name": "y"},
          {"ts": "2021-13-04T05:06:07Z", "ms_played": 1, "master_metadata_track_name": "z"}])");
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h->plays.size(), 2u);
  EXPECT_EQ(h->plays[0].second.played_at, "2021-03-04T05:06:07Z");
  EXPECT_EQ(h->plays[1].second.played_at, "2021-03-04T05:06:07Z");
  EXPECT_EQ(h->bad.size(), 1u);  // month 13
}

TEST(StreamingHistoryTest, FilesThatAreNoHistoryAreRefused) {
  auto broken = ParseStreamingHistory("[\n{\"ts\": \n");
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.status().message().find("not valid JSON (line"), std::string::npos);
  auto playlist = ParseStreamingHistory(R"({"playlists": []})");
  ASSERT_FALSE(playlist.ok());
  EXPECT_NE(playlist.status().message().find("playlist"), std::string::npos);
  auto searches = ParseStreamingHistory(R"([{"searchTime": "x", "searchQuery": "y"}])");
  ASSERT_FALSE(searches.ok());
  EXPECT_NE(searches.status().message().find("not a streaming history"), std::string::npos);
  auto empty = ParseStreamingHistory("[]");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->entries, 0);
}

}  // namespace
}  // namespace sonance
