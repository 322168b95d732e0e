#include "sonance/recommend/rec_track.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sonance/audio/fingerprint.h"
#include "support/fixtures.h"

namespace sonance {
namespace {

TrackRecord Record(std::int64_t rowid, const std::string& title, std::vector<std::string> artists) {
  TrackRecord r;
  r.rowid = rowid;
  r.id = EncodeTrackId(0, static_cast<std::uint64_t>(rowid));
  r.tags.title = title;
  r.tags.artists = std::move(artists);
  return r;
}

TEST(MakeRecTrackTest, DerivesYearGenresAndNameKeys) {
  TrackRecord r = Record(7, "Don't Stop Me Now (feat. Someone)", {"Beyoncé", "The Beatles"});
  r.tags.release_date = "1999-04-12";
  r.tags.genre = "Rock; Indie Pop";
  r.tags.album = "Motörhead's Best";
  AudioFeatures f;
  f.energy = 0.5;
  RecTrack t = MakeRecTrack(r, f, std::nullopt);
  EXPECT_EQ(t.release_year, 1999);
  EXPECT_EQ(t.genres, (std::vector<std::string>{"Rock", "Indie Pop"}));
  EXPECT_EQ(t.genre_keys, (std::vector<std::string>{"rock", "indie pop"}));
  EXPECT_EQ(t.title_key, "dont stop me now");
  EXPECT_EQ(t.artist_keys, (std::vector<std::string>{"beyonce", "beatles"}));
  EXPECT_EQ(t.album_key, "motorheads best");
  EXPECT_EQ(t.features.energy, 0.5);
  EXPECT_EQ(t.record.rowid, 7);
  EXPECT_FALSE(t.analysis.has_value());
}

TEST(MakeRecTrackTest, UnknownOrMalformedReleaseDateGivesYearZero) {
  for (const char* date : {"", "199", "unknown", "19x9-01-01", "19991", "0000"}) {
    TrackRecord r = Record(1, "T", {"A"});
    r.tags.release_date = date;
    EXPECT_EQ(MakeRecTrack(r, {}, std::nullopt).release_year, 0) << date;
  }
  TrackRecord r = Record(1, "T", {"A"});
  r.tags.release_date = "2004";
  EXPECT_EQ(MakeRecTrack(r, {}, std::nullopt).release_year, 2004);
}

TEST(MakeRecTrackTest, NoAlbumGenreOrArtistGivesEmptyKeys) {
  RecTrack t = MakeRecTrack(Record(1, "Alone", {}), {}, std::nullopt);
  EXPECT_TRUE(t.genres.empty());
  EXPECT_TRUE(t.genre_keys.empty());
  EXPECT_TRUE(t.artist_keys.empty());
  EXPECT_EQ(t.album_key, "");
  EXPECT_EQ(t.release_year, 0);
}

TEST(MakeRecTrackTest, OneArtistWrittenTwoWaysCountsOnce) {
  RecTrack t = MakeRecTrack(Record(1, "T", {"Queen", "QUEEN"}), {}, std::nullopt);
  EXPECT_EQ(t.artist_keys, (std::vector<std::string>{"queen"}));
}

TEST(RecTrackTest, HasFeatureIsFalseOnlyForMissingFeatures) {
  TrackRecord r = Record(1, "T", {"A"});
  r.missing_features = {"key", "loudness"};
  RecTrack t = MakeRecTrack(r, {}, std::nullopt);
  EXPECT_FALSE(t.HasFeature("key"));
  EXPECT_FALSE(t.HasFeature("loudness"));
  EXPECT_TRUE(t.HasFeature("energy"));
  EXPECT_TRUE(t.HasFeature("tempo"));
}

TEST(ToFeatureRowTest, CarriesFeaturesMissingAnalysisYearAndGenres) {
  TrackRecord r = Record(42, "T", {"A"});
  r.tags.release_date = "1975";
  r.tags.genre = "Rock; Glam";
  r.missing_features = {"mode"};
  AudioFeatures f;
  f.tempo = 120.0;
  f.features_version = kImportedFeaturesVersion;
  AnalysisSummary a;
  a.rowid = 42;
  a.beats = 300;
  RecTrack t = MakeRecTrack(r, f, a);
  FeatureRow row = ToFeatureRow(t);
  EXPECT_EQ(row.rowid, 42);
  EXPECT_EQ(row.features.tempo, 120.0);
  EXPECT_EQ(row.features.features_version, kImportedFeaturesVersion);
  EXPECT_EQ(row.missing, (std::vector<std::string>{"mode"}));
  ASSERT_TRUE(row.analysis.has_value());
  EXPECT_EQ(row.analysis->beats, 300);
  EXPECT_EQ(row.release_year, 1975);
  EXPECT_EQ(row.genres, (std::vector<std::string>{"Rock", "Glam"}));
}

TEST(DisplayNameTest, FirstArtistDashTitleOrTitleAlone) {
  EXPECT_EQ(DisplayName(
                MakeRecTrack(Record(1, "Bohemian Rhapsody", {"Queen", "Other"}), {}, std::nullopt)),
            "Queen - Bohemian Rhapsody");
  EXPECT_EQ(DisplayName(MakeRecTrack(Record(1, "Untitled", {}), {}, std::nullopt)), "Untitled");
}

// ---- LoadRecTracks over a real catalog --------------------------------------------------

TrackAnalysis Analysis(double energy, int beats) {
  TrackAnalysis a;
  a.features.energy = energy;
  a.features.tempo = 100.0;
  a.features.duration_ms = 200000;
  for (int i = 0; i < beats; ++i) a.analysis.beats.push_back({0.5 * i, 0.5, 1.0});
  return a;
}

TEST(LoadRecTracksTest, ReadsAnalysedAndImportedTracksWithFeaturesInRowidOrder) {
  test::TempDir dir;
  auto opened = Catalog::Open(dir / "catalog.db");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  Catalog& cat = **opened;

  // Stored in the reverse of path order, so that rowid order differs from ListTracks' order.
  TrackTags zt;
  zt.title = "Zed";
  zt.artists = {"Zed Artist"};
  zt.genre = "Rock; Pop";
  zt.release_date = "2001-02-03";
  const std::vector<std::uint32_t> raw(64, 0x12345678u);
  const std::string print = EncodeFingerprint(raw);
  ASSERT_TRUE(cat.StoreAnalysis({"/m/z.ogg", 10, 1}, "hz", zt, Analysis(0.9, 4), print).ok());
  TrackTags at;
  at.title = "Ay";
  at.artists = {"Ay Artist"};
  ASSERT_TRUE(cat.StoreAnalysis({"/m/a.ogg", 10, 1}, "ha", at, Analysis(0.1, 0)).ok());
  ASSERT_TRUE(cat.StoreFailure({"/m/f.ogg", 10, 1}, "hf", "Corrupt: no audio").ok());
  {
    auto import = cat.BeginImport();
    ASSERT_TRUE(import.ok()) << import.status().ToString();
    ImportedTrack with;
    with.tags.title = "Imported With";
    with.tags.artists = {"Table Artist"};
    with.popularity = 77;
    AudioFeatures f;
    f.energy = 0.4;
    f.features_version = kImportedFeaturesVersion;
    with.features = f;
    with.missing_features = {"key"};
    ASSERT_TRUE((*import)->PutTrack(with).ok());
    ImportedTrack without;
    without.tags.title = "Imported Without";
    without.tags.artists = {"Table Artist"};
    ASSERT_TRUE((*import)->PutTrack(without).ok());
    ASSERT_TRUE((*import)->Commit().ok());
  }

  auto loaded = LoadRecTracks(cat);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ASSERT_EQ(loaded->size(), 3u);  // the failure and the import without features are left out
  const RecTrack& z = (*loaded)[0];
  const RecTrack& a = (*loaded)[1];
  const RecTrack& imp = (*loaded)[2];
  EXPECT_LT(z.record.rowid, a.record.rowid);
  EXPECT_LT(a.record.rowid, imp.record.rowid);

  EXPECT_EQ(z.record.tags.title, "Zed");
  EXPECT_EQ(z.features.energy, 0.9);
  EXPECT_EQ(z.features.features_version, kFeaturesVersion);
  EXPECT_EQ(z.release_year, 2001);
  EXPECT_EQ(z.genre_keys, (std::vector<std::string>{"rock", "pop"}));
  EXPECT_EQ(z.artist_keys, (std::vector<std::string>{"zed artist"}));
  EXPECT_EQ(z.record.content_hash, "hz");
  EXPECT_EQ(z.record.fingerprint, print);
  ASSERT_TRUE(z.analysis.has_value());
  EXPECT_EQ(z.analysis->rowid, z.record.rowid);
  EXPECT_EQ(z.analysis->beats, 4);

  EXPECT_EQ(a.record.tags.title, "Ay");
  EXPECT_EQ(a.features.energy, 0.1);

  EXPECT_EQ(imp.record.tags.title, "Imported With");
  EXPECT_EQ(imp.record.source, "imported");
  EXPECT_EQ(imp.features.features_version, kImportedFeaturesVersion);
  EXPECT_EQ(imp.features.energy, 0.4);
  EXPECT_EQ(imp.record.popularity, 77);
  EXPECT_FALSE(imp.HasFeature("key"));
  EXPECT_FALSE(imp.analysis.has_value());
}

TEST(LoadRecTracksTest, EmptyCatalogGivesNoTracks) {
  test::TempDir dir;
  auto opened = Catalog::Open(dir / "catalog.db");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  auto loaded = LoadRecTracks(**opened);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_TRUE(loaded->empty());
}

TEST(LoadRecTracksTest, MissingFilesAreNoRecommendations) {
  test::TempDir dir;
  auto opened = Catalog::Open(dir / "catalog.db");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  Catalog& cat = **opened;
  // A real folder with no files in it: the stored track's file is gone.
  const auto root = dir / "music";
  std::filesystem::create_directories(root);
  TrackTags tags;
  tags.title = "Gone";
  ASSERT_TRUE(
      cat.StoreAnalysis({(root / "gone.ogg").string(), 10, 1}, "h", tags, Analysis(0.5, 2)).ok());
  auto marked = cat.MarkMissing({root});
  ASSERT_TRUE(marked.ok()) << marked.status().ToString();
  ASSERT_EQ(*marked, 1);
  auto loaded = LoadRecTracks(cat);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_TRUE(loaded->empty());
}

}  // namespace
}  // namespace sonance
