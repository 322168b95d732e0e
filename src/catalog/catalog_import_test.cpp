// The catalog's import API: imported tracks, lyrics, plays, their transaction, and how they
// live next to analysed tracks.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "sonance/catalog/catalog.h"
#include "support/fixtures.h"

namespace sonance {
namespace {

namespace fs = std::filesystem;
using test::TempDir;
using Names = std::vector<std::string>;

std::unique_ptr<Catalog> OpenIn(const TempDir& dir) {
  CatalogOptions options;
  options.clock = [] { return std::chrono::system_clock::from_time_t(1732248306); };
  auto c = Catalog::Open(dir / "catalog.db", options);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return c.ok() ? std::move(c).value() : nullptr;
}

ImportedTrack Track(const std::string& id, const std::string& title, Names artists) {
  ImportedTrack t;
  t.spotify_id = id;
  t.tags.title = title;
  t.tags.artists = std::move(artists);
  t.tags.album = "An Album";
  t.tags.genre = "pop";
  t.tags.release_date = "2019-05";
  t.duration_ms = 200000;
  t.popularity = 64;
  t.is_explicit = true;
  t.streams = 123456789;
  t.available_markets = 79;
  t.extra_json = R"({"chorus_hit":41.5})";
  AudioFeatures f;
  f.danceability = 0.61;
  f.energy = 0.72;
  f.key = 5;
  f.loudness = -5.5;
  f.mode = 1;
  f.tempo = 118.5;
  f.time_signature = 4;
  t.features = f;
  t.missing_features = {"instrumentalness"};
  return t;
}

TrackAnalysis Analysed() {
  TrackAnalysis a;
  a.features.danceability = 0.5;
  a.features.tempo = 100.0;
  a.features.duration_ms = 1000;
  return a;
}

Result<ImportOutcome> PutOne(Catalog& cat, const ImportedTrack& t) {
  auto import = cat.BeginImport();
  if (!import.ok()) return import.status();
  auto out = (*import)->PutTrack(t);
  if (!out.ok()) return out;
  if (Status s = (*import)->Commit(); !s.ok()) return s;
  return out;
}

TEST(CatalogImportTest, AnImportedTrackKeepsEveryFieldAndItsSpotifyId) {
  TempDir dir;
  auto cat = OpenIn(dir);
  ASSERT_EQ(*PutOne(*cat, Track("2ZyuwVvV6Z3XJaXIFbspeE", "Wild Things", {"Alessia Cara"})),
            ImportOutcome::kInserted);
  auto found = cat->FindTrack("spotify:track:2ZyuwVvV6Z3XJaXIFbspeE");
  ASSERT_TRUE(found.ok() && found->has_value());
  const TrackRecord& t = **found;
  EXPECT_EQ(t.id, "2ZyuwVvV6Z3XJaXIFbspeE");
  EXPECT_EQ(t.path, "spotify:track:2ZyuwVvV6Z3XJaXIFbspeE");
  EXPECT_EQ(t.source, "imported");
  EXPECT_EQ(t.tags.title, "Wild Things");
  EXPECT_EQ(t.tags.artists, (Names{"Alessia Cara"}));
  EXPECT_EQ(t.tags.album, "An Album");
  EXPECT_EQ(t.tags.release_date, "2019-05");
  EXPECT_EQ(t.duration_ms, 200000);
  EXPECT_EQ(t.popularity, 64);
  EXPECT_EQ(t.is_explicit, true);
  EXPECT_EQ(t.streams, 123456789);
  EXPECT_EQ(t.available_markets, 79);
  EXPECT_EQ(t.extra_json, R"({"chorus_hit":41.5})");
  EXPECT_EQ(t.missing_features, (Names{"instrumentalness"}));
  EXPECT_EQ(t.features_version, kImportedFeaturesVersion);
  EXPECT_EQ(t.analyzed_at, "2024-11-22T04:05:06Z");

  auto f = cat->LoadFeatures(t.rowid);
  ASSERT_TRUE(f.ok() && f->has_value());
  EXPECT_EQ((*f)->features_version, kImportedFeaturesVersion);
  EXPECT_DOUBLE_EQ((*f)->danceability, 0.61);
  EXPECT_EQ((*f)->key, 5);
  EXPECT_DOUBLE_EQ((*f)->tempo, 118.5);
  EXPECT_EQ((*f)->duration_ms, 200000);
  auto all = cat->AllFeatures();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ(all->front().first, t.rowid);

  auto counts = cat->Counts();
  EXPECT_EQ(counts->tracks, 1);
  EXPECT_EQ(counts->imported, 1);
  EXPECT_EQ(counts->analyzed, 0);
}

TEST(CatalogImportTest, WithoutAnIdTheLocatorIsTheNormalisedArtistAndTitle) {
  TempDir dir;
  auto cat = OpenIn(dir);
  ASSERT_TRUE(PutOne(*cat, Track("", "Halo (feat. Nobody)", {"Beyoncé"})).ok());
  // Spelled differently, the same song: the same locator, so an update, not a new track.
  EXPECT_EQ(*PutOne(*cat, Track("", "HALO", {"Beyonce"})), ImportOutcome::kUpdated);
  auto tracks = cat->ListTracks({});
  ASSERT_EQ(tracks->size(), 1u);
  EXPECT_EQ(tracks->front().path, "import:beyonce/halo");
  EXPECT_EQ(tracks->front().id, TrackIdForPath("import:beyonce/halo"));
  EXPECT_EQ(tracks->front().tags.title, "HALO");
}

TEST(CatalogImportTest, AnUpdateChangesWhatTheRowSaysAndKeepsTheRest) {
  TempDir dir;
  auto cat = OpenIn(dir);
  ASSERT_TRUE(PutOne(*cat, Track("2ZyuwVvV6Z3XJaXIFbspeE", "Wild Things", {"A", "B"})).ok());
  const std::int64_t rowid = (*cat->ListTracks({})).front().rowid;
  // A second table about the same track: other artists and popularity, no album, no
  // streams, no features, one more column.
  ImportedTrack again;
  again.spotify_id = "2ZyuwVvV6Z3XJaXIFbspeE";
  again.tags.title = "Wild Things (Remastered)";
  again.tags.artists = {"A"};
  again.popularity = 70;
  again.extra_json = R"({"target":1})";
  EXPECT_EQ(*PutOne(*cat, again), ImportOutcome::kUpdated);
  auto tracks = cat->ListTracks({});
  ASSERT_EQ(tracks->size(), 1u);
  const TrackRecord& t = tracks->front();
  EXPECT_EQ(t.rowid, rowid);  // same track, same rowid
  EXPECT_EQ(t.tags.title, "Wild Things (Remastered)");
  EXPECT_EQ(t.tags.artists, (Names{"A"}));
  EXPECT_EQ(t.popularity, 70);
  EXPECT_EQ(t.tags.album, "An Album");  // kept
  EXPECT_EQ(t.streams, 123456789);      // kept
  EXPECT_EQ(t.duration_ms, 200000);     // kept
  EXPECT_EQ(t.extra_json, R"({"chorus_hit":41.5,"target":1})");
  EXPECT_DOUBLE_EQ((*cat->LoadFeatures(rowid))->tempo, 118.5);  // kept
}

TEST(CatalogImportTest, FeaturesFromTwoTablesCompleteEachOther) {
  TempDir dir;
  auto cat = OpenIn(dir);
  // The first table has no key or mode (like top10s), the second no loudness (like the 2023
  // table); each has its own tempo.
  ImportedTrack first = Track("", "Song", {"Artist"});
  first.features->key = -1;
  first.features->mode = 0;
  first.features->tempo = 97.0;
  first.missing_features = {"key", "mode"};
  ImportedTrack second = Track("", "Song", {"Artist"});
  second.features->key = 11;
  second.features->mode = 1;
  second.features->loudness = -60.0;
  second.features->tempo = 98.0;
  second.missing_features = {"loudness"};
  ASSERT_TRUE(PutOne(*cat, first).ok());
  ASSERT_EQ(*PutOne(*cat, second), ImportOutcome::kUpdated);
  const TrackRecord t = cat->ListTracks({})->front();
  EXPECT_TRUE(t.missing_features.empty());
  const AudioFeatures f = **cat->LoadFeatures(t.rowid);
  EXPECT_EQ(f.key, 11);
  EXPECT_EQ(f.mode, 1);
  EXPECT_DOUBLE_EQ(f.loudness, -5.5);  // from the first table
  EXPECT_DOUBLE_EQ(f.tempo, 98.0);     // the later table wins where both say
  // Importing the two again in the same order gives the same track.
  ASSERT_TRUE(PutOne(*cat, first).ok());
  ASSERT_TRUE(PutOne(*cat, second).ok());
  const AudioFeatures g = **cat->LoadFeatures(t.rowid);
  EXPECT_EQ(g.key, 11);
  EXPECT_DOUBLE_EQ(g.loudness, -5.5);
  EXPECT_DOUBLE_EQ(g.tempo, 98.0);
  EXPECT_TRUE(cat->ListTracks({})->front().missing_features.empty());
}

TEST(CatalogImportTest, AnAnalysedTrackIsNeverOverwrittenAndAFileWinsItsIdBack) {
  TempDir dir;
  auto cat = OpenIn(dir);
  TrackTags tags;
  tags.title = "Mine";
  ASSERT_TRUE(cat->StoreAnalysis({"/music/mine.flac", 10, 20}, "h", tags, Analysed()).ok());
  const std::string id = TrackIdForPath("/music/mine.flac");
  EXPECT_EQ(*PutOne(*cat, Track(id, "Theirs", {"X"})), ImportOutcome::kSkippedAnalyzed);
  auto t = cat->FindTrack(id);
  ASSERT_TRUE(t->has_value());
  EXPECT_EQ((*t)->tags.title, "Mine");
  EXPECT_EQ((*t)->source, "analyzed");
  EXPECT_EQ((*cat->LoadFeatures((*t)->rowid))->features_version, kFeaturesVersion);

  // The other way round: an imported row holding the id a file will get.
  const std::string later = TrackIdForPath("/music/later.flac");
  ASSERT_EQ(*PutOne(*cat, Track(later, "Imported first", {"X"})), ImportOutcome::kInserted);
  ASSERT_TRUE(cat->StoreAnalysis({"/music/later.flac", 10, 20}, "h", tags, Analysed()).ok());
  auto l = cat->FindTrack(later);
  ASSERT_TRUE(l->has_value());
  EXPECT_EQ((*l)->source, "analyzed");
  EXPECT_EQ((*l)->path, "/music/later.flac");
  EXPECT_EQ(cat->Counts()->tracks, 2);
}

TEST(CatalogImportTest, MarkMissingNeverTouchesImportedTracks) {
  TempDir dir;
  auto cat = OpenIn(dir);
  ASSERT_TRUE(PutOne(*cat, Track("2ZyuwVvV6Z3XJaXIFbspeE", "Wild Things", {"A"})).ok());
  ASSERT_TRUE(PutOne(*cat, Track("", "No Id", {"A"})).ok());
  ASSERT_TRUE(cat->StoreAnalysis({(dir / "gone.flac").string(), 1, 2}, "h", {}, Analysed()).ok());
  auto marked = cat->MarkMissing({"/"});
  ASSERT_TRUE(marked.ok()) << marked.status().ToString();
  EXPECT_EQ(*marked, 1);  // only the analysed file that does not exist
  const auto tracks = cat->ListTracks({});
  ASSERT_TRUE(tracks.ok());
  for (const TrackRecord& t : *tracks) {
    EXPECT_EQ(t.state == TrackState::kMissing, t.source == "analyzed") << t.path;
  }
}

TEST(CatalogImportTest, NothingIsStoredWithoutCommit) {
  TempDir dir;
  auto cat = OpenIn(dir);
  {
    auto import = cat->BeginImport();
    ASSERT_TRUE(import.ok());
    ASSERT_TRUE((*import)->PutTrack(Track("2ZyuwVvV6Z3XJaXIFbspeE", "A", {"B"})).ok());
    ASSERT_TRUE((*import)->PutTrack(Track("", "C", {"D"})).ok());
    // Reads on the importing thread see the import's own writes.
    EXPECT_EQ(cat->Counts()->imported, 2);
  }
  EXPECT_EQ(cat->Counts()->tracks, 0);
  // The catalog is free again for writers.
  EXPECT_TRUE(PutOne(*cat, Track("", "E", {"F"})).ok());
  EXPECT_EQ(cat->Counts()->tracks, 1);
}

TEST(CatalogImportTest, InvalidTracksAreRefusedBeforeTouchingTheDatabase) {
  TempDir dir;
  auto cat = OpenIn(dir);
  auto import = cat->BeginImport();
  ASSERT_TRUE(import.ok());
  EXPECT_EQ((*import)->PutTrack(Track("", "", {"A"})).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ((*import)->PutTrack(Track("not-an-id", "T", {"A"})).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ((*import)->PutTrack(Track("", "Bad \xFF text", {"A"})).status().code(),
            StatusCode::kInvalidArgument);
  ImportedTrack nan = Track("", "T", {"A"});
  nan.features->tempo = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ((*import)->PutTrack(nan).status().code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE((*import)->Commit().ok());
  EXPECT_EQ((*import)->Commit().code(), StatusCode::kInternal);  // only once
  EXPECT_EQ(cat->Counts()->tracks, 0);
}

TEST(CatalogImportTest, ListTracksFiltersBySourceAndByOneOfSeveralGenres) {
  TempDir dir;
  auto cat = OpenIn(dir);
  ImportedTrack t = Track("2ZyuwVvV6Z3XJaXIFbspeE", "A", {"B"});
  t.tags.genre = "acoustic; J-Pop";
  ASSERT_TRUE(PutOne(*cat, t).ok());
  TrackTags tags;
  tags.title = "Local";
  tags.genre = "pop";
  ASSERT_TRUE(cat->StoreAnalysis({"/m/a.flac", 1, 2}, "h", tags, Analysed()).ok());
  TrackFilter f;
  f.source = "imported";
  EXPECT_EQ(cat->ListTracks(f)->size(), 1u);
  f.source = "analyzed";
  EXPECT_EQ(cat->ListTracks(f)->front().tags.title, "Local");
  f = {};
  f.genre = "j-pop";
  EXPECT_EQ(cat->ListTracks(f)->size(), 1u);
  f.genre = "acoustic";
  EXPECT_EQ(cat->ListTracks(f)->size(), 1u);
  f.genre = "pop";  // whole genres only: "J-Pop" is not "pop"
  EXPECT_EQ(cat->ListTracks(f)->front().tags.title, "Local");
  EXPECT_EQ(cat->ListTracks(f)->size(), 1u);
}

// ---- lyrics ----------------------------------------------------------------------------------

TEST(CatalogLyricsTest, StoreReplacesAndLoadReturnsLinesInOrder) {
  TempDir dir;
  auto cat = OpenIn(dir);
  ASSERT_TRUE(PutOne(*cat, Track("", "Song", {"A"})).ok());
  const std::int64_t rowid = cat->ListTracks({})->front().rowid;
  EXPECT_FALSE(cat->LoadLyrics(rowid)->has_value());
  ASSERT_TRUE(
      cat->StoreLyrics(rowid, {{0, "one"}, {1500, "two"}, {std::nullopt, "three"}}, "lrc").ok());
  ASSERT_TRUE(cat->StoreLyrics(rowid, {{std::nullopt, "only"}, {std::nullopt, ""}}, "txt").ok());
  auto lyrics = cat->LoadLyrics(rowid);
  ASSERT_TRUE(lyrics.ok() && lyrics->has_value());
  EXPECT_EQ((*lyrics)->source, "txt");
  ASSERT_EQ((*lyrics)->lines.size(), 2u);
  EXPECT_EQ((*lyrics)->lines[0].text, "only");
  EXPECT_FALSE((*lyrics)->lines[0].time_ms.has_value());
  EXPECT_EQ((*lyrics)->lines[1].text, "");

  EXPECT_EQ(cat->StoreLyrics(rowid + 100, {{0, "x"}}, "lrc").code(), StatusCode::kNotFound);
  EXPECT_EQ(cat->StoreLyrics(rowid, {{-1, "x"}}, "lrc").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(cat->StoreLyrics(rowid, {{0, "\xC3"}}, "lrc").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((*cat->LoadLyrics(rowid))->lines.size(), 2u);  // unchanged by the refusals
}

// ---- listening history -----------------------------------------------------------------------

Play MakePlay(const std::string& at, const std::string& artist, const std::string& title,
              std::int64_t ms, const std::string& uri = "",
              const std::string& format = "extended") {
  Play p;
  p.played_at = at;
  p.artist_name = artist;
  p.track_name = title;
  p.ms_played = ms;
  p.spotify_uri = uri;
  p.export_format = format;
  return p;
}

class CatalogHistoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cat_ = OpenIn(dir_);
    TrackTags halo;
    halo.title = "Halo";
    halo.artists = {"Beyoncé"};
    ASSERT_TRUE(cat_->StoreAnalysis({"/music/halo.flac", 1, 2}, "h", halo, Analysed()).ok());
    TrackTags help;
    help.title = "Help!";
    help.artists = {"The Beatles"};
    ASSERT_TRUE(cat_->StoreAnalysis({"/music/help.flac", 1, 2}, "h", help, Analysed()).ok());
    ASSERT_TRUE(
        PutOne(*cat_, Track("6LgJvl0Xdtc73RJ1mmpotq", "Paranoid Android", {"Radiohead"})).ok());
    // An imported copy of Halo: the analysed file is preferred for name matches.
    ASSERT_TRUE(PutOne(*cat_, Track("", "Halo", {"Beyonce"})).ok());
    halo_ = (*cat_->FindTrack("/music/halo.flac"))->rowid;
    help_ = (*cat_->FindTrack("/music/help.flac"))->rowid;
    android_ = (*cat_->FindTrack("6LgJvl0Xdtc73RJ1mmpotq"))->rowid;
  }

  std::vector<PlayOutcome> Add(const std::vector<Play>& plays) {
    std::vector<PlayOutcome> out;
    auto import = cat_->BeginImport();
    EXPECT_TRUE(import.ok());
    for (const Play& p : plays) {
      auto o = (*import)->AddPlay(p);
      EXPECT_TRUE(o.ok()) << o.status().ToString();
      if (o.ok()) out.push_back(*o);
    }
    EXPECT_TRUE((*import)->Commit().ok());
    return out;
  }

  TempDir dir_;
  std::unique_ptr<Catalog> cat_;
  std::int64_t halo_ = 0, help_ = 0, android_ = 0;
};

TEST_F(CatalogHistoryTest, PlaysMatchByUriElseByForgivingNames) {
  Add({MakePlay("2021-03-04T05:06:07Z", "Someone Else", "Renamed Upstream", 215000,
                "spotify:track:6LgJvl0Xdtc73RJ1mmpotq"),
       MakePlay("2021-03-04T06:00:00Z", "BEYONCE", "Halo", 30000),
       MakePlay("2021-03-04T07:00:00Z", "Beatles", "Help", 29999),
       MakePlay("2021-03-04T08:00:00Z", "Nobody", "Unknown Song", 100000),
       MakePlay("2021-03-04T09:00:00Z", "Beyoncé", "Halo", 200000)});
  auto plays = cat_->ListHistory({});
  ASSERT_TRUE(plays.ok());
  ASSERT_EQ(plays->size(), 5u);
  EXPECT_EQ((*plays)[0].track_rowid, android_);
  EXPECT_EQ((*plays)[1].track_rowid, halo_);  // the analysed file, not the imported copy
  EXPECT_EQ((*plays)[2].track_rowid, help_);
  EXPECT_FALSE((*plays)[3].track_rowid.has_value());
  EXPECT_EQ((*plays)[4].track_rowid, halo_);

  // A stream is at least 30 s: Halo 30000 and 200000 count, Help 29999 does not.
  auto counts = cat_->StreamCounts();
  ASSERT_TRUE(counts.ok());
  std::vector<TrackPlayCounts> expected = {
      {halo_, 2, 2, 230000}, {help_, 1, 0, 29999}, {android_, 1, 1, 215000}};
  std::sort(expected.begin(), expected.end(),
            [](const auto& a, const auto& b) { return a.rowid < b.rowid; });
  ASSERT_EQ(counts->size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ((*counts)[i].rowid, expected[i].rowid);
    EXPECT_EQ((*counts)[i].plays, expected[i].plays);
    EXPECT_EQ((*counts)[i].streams, expected[i].streams);
    EXPECT_EQ((*counts)[i].ms_played, expected[i].ms_played);
  }
  auto totals = cat_->CountHistory();
  EXPECT_EQ(totals->plays, 5);
  EXPECT_EQ(totals->matched, 4);
  EXPECT_EQ(totals->streams, 4);  // 215000, 30000, 100000, 200000

  HistoryFilter only;
  only.track_rowid = halo_;
  EXPECT_EQ(cat_->ListHistory(only)->size(), 2u);
  only = {};
  only.unmatched_only = true;
  EXPECT_EQ(cat_->ListHistory(only)->front().track_name, "Unknown Song");
}

TEST_F(CatalogHistoryTest, TheSamePlayTwiceIsStoredOnce) {
  const Play p = MakePlay("2021-03-04T06:00:00Z", "Beyoncé", "Halo", 200000);
  EXPECT_EQ(Add({p, p}), (std::vector<PlayOutcome>{PlayOutcome::kAdded, PlayOutcome::kDuplicate}));
  EXPECT_EQ(Add({p}), (std::vector<PlayOutcome>{PlayOutcome::kDuplicate}));
  // A different length at the same time is another play.
  Play q = p;
  q.ms_played = 1000;
  EXPECT_EQ(Add({q}), (std::vector<PlayOutcome>{PlayOutcome::kAdded}));
  EXPECT_EQ(cat_->CountHistory()->plays, 2);
}

TEST_F(CatalogHistoryTest, AccountDataAndExtendedHistoryOfOnePlayAreOneRow) {
  const Play account = MakePlay("2021-03-04T06:07:00Z", "Beyoncé", "Halo", 200000, "", "account");
  const Play extended = MakePlay("2021-03-04T06:07:42Z", "Beyoncé", "Halo", 200000,
                                 "spotify:track:6LgJvl0Xdtc73RJ1mmpotq");
  // Account data first: the extended row replaces it (it is more precise).
  EXPECT_EQ(Add({account, extended}),
            (std::vector<PlayOutcome>{PlayOutcome::kAdded, PlayOutcome::kAdded}));
  auto plays = cat_->ListHistory({});
  ASSERT_EQ(plays->size(), 1u);
  EXPECT_EQ(plays->front().played_at, "2021-03-04T06:07:42Z");
  EXPECT_EQ(plays->front().export_format, "extended");
  // Then account data again: already there.
  EXPECT_EQ(Add({account}), (std::vector<PlayOutcome>{PlayOutcome::kDuplicate}));
  EXPECT_EQ(cat_->CountHistory()->plays, 1);
}

TEST_F(CatalogHistoryTest, PlaysFindTracksImportedLater) {
  Add({MakePlay("2021-03-04T08:00:00Z", "Nobody", "Unknown Song", 100000)});
  auto import = cat_->BeginImport();
  ASSERT_TRUE(import.ok());
  ASSERT_TRUE((*import)->PutTrack(Track("", "Unknown Song", {"Nobody"})).ok());
  auto matched = (*import)->MatchUnmatchedPlays();
  ASSERT_TRUE(matched.ok());
  EXPECT_EQ(*matched, 1);
  ASSERT_TRUE((*import)->Commit().ok());
  EXPECT_TRUE(cat_->ListHistory({})->front().track_rowid.has_value());
}

TEST_F(CatalogHistoryTest, InvalidPlaysAreRefused) {
  auto import = cat_->BeginImport();
  ASSERT_TRUE(import.ok());
  EXPECT_EQ((*import)->AddPlay(MakePlay("2021-03-04 06:00", "A", "B", 1)).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ((*import)->AddPlay(MakePlay("2021-03-04T06:00:00Z", "A", "", 1)).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ((*import)->AddPlay(MakePlay("2021-03-04T06:00:00Z", "A", "B", -1)).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sonance
