// Test support for the predict tests: real catalogs in temporary folders with imported tracks
// (features, popularity, streams) and listening-history plays matched to them.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "sonance/catalog/catalog.h"

namespace sonance::test {

// Opens (creating) the catalog at `path` with a fixed clock.
inline std::unique_ptr<Catalog> OpenCatalog(const std::filesystem::path& path) {
  CatalogOptions options;
  options.clock = [] { return std::chrono::system_clock::from_time_t(1732248306); };
  auto c = Catalog::Open(path, options);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return c.ok() ? std::move(c).value() : nullptr;
}

// The Spotify-style id of test track `i` (22 base62 characters).
inline std::string TestTrackId(int i) {
  return EncodeTrackId(0, static_cast<std::uint64_t>(i) + 1);
}

// An imported track with every field set; `energy` and `danceability` drive the tests' targets.
inline ImportedTrack FullTrack(int i, double energy, double danceability) {
  ImportedTrack t;
  t.spotify_id = TestTrackId(i);
  t.tags.title = "Song " + std::to_string(i);
  t.tags.artists = {"Artist " + std::to_string(i % 7)};
  t.tags.release_date =
      "2015-06-" + std::string(i % 28 + 1 < 10 ? "0" : "") + std::to_string(i % 28 + 1);
  t.duration_ms = 180000 + 1000 * (i % 60);
  t.popularity = 20 + i % 70;
  t.is_explicit = i % 3 == 0;
  t.available_markets = 50 + i % 100;
  AudioFeatures f;
  f.danceability = danceability;
  f.energy = energy;
  f.key = i % 12;
  f.loudness = -12.0 + (i % 10);
  f.mode = i % 2;
  f.speechiness = 0.05;
  f.acousticness = 0.2;
  f.instrumentalness = 0.0;
  f.liveness = 0.1;
  f.valence = 0.5;
  f.tempo = 90.0 + i % 50;
  f.time_signature = 4;
  f.duration_ms = t.duration_ms;
  f.features_version = kImportedFeaturesVersion;
  t.features = f;
  return t;
}

inline void PutTracks(Catalog& catalog, const std::vector<ImportedTrack>& tracks) {
  auto import = catalog.BeginImport();
  ASSERT_TRUE(import.ok()) << import.status().ToString();
  for (const ImportedTrack& t : tracks) {
    auto o = (*import)->PutTrack(t);
    ASSERT_TRUE(o.ok()) << o.status().ToString();
  }
  ASSERT_TRUE((*import)->Commit().ok());
}

// Adds `streams` plays of >= 30 s and `skips` plays of 10 s of test track `i`, each at its own
// time (`*clock` counts seconds, so every play is distinct).
inline void AddPlays(CatalogImport& import, int i, int streams, int skips, int* clock) {
  for (int k = 0; k < streams + skips; ++k) {
    const int t = (*clock)++;
    char at[32];
    std::snprintf(at, sizeof at, "2024-%02d-%02dT%02d:%02d:%02dZ", 1 + t / (86400 * 28),
                  1 + (t / 86400) % 28, (t / 3600) % 24, (t / 60) % 60, t % 60);
    Play p;
    p.played_at = at;
    p.track_name = "Song " + std::to_string(i);
    p.artist_name = "Artist " + std::to_string(i % 7);
    p.spotify_uri = "spotify:track:" + TestTrackId(i);
    p.ms_played = k < streams ? 200000 : 10000;
    auto o = import.AddPlay(p);
    ASSERT_TRUE(o.ok()) << o.status().ToString();
    ASSERT_EQ(*o, PlayOutcome::kAdded);
  }
}

}  // namespace sonance::test
