// The SQLite back-end: files, schema migrations, refusal of foreign files, WAL readers in
// another process, and crash safety under SIGKILL.
#include "sonance/catalog/sqlite_track_store.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "sonance/audio/fingerprint.h"
#include "sonance/catalog/catalog.h"
#include "support/fixtures.h"

namespace sonance {
namespace {
namespace fs = std::filesystem;
using test::TempDir;

// A direct connection for setting up and inspecting files behind the catalog's back.
class RawDb {
 public:
  explicit RawDb(const fs::path& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) ADD_FAILURE() << sqlite3_errmsg(db_);
    sqlite3_busy_timeout(db_, 5000);
  }
  ~RawDb() { sqlite3_close(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  bool Exec(const std::string& sql) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << (err ? err : "?");
      sqlite3_free(err);
    }
    return rc == SQLITE_OK;
  }
  // First column of every row, as text.
  std::vector<std::string> Column(const std::string& sql) {
    std::vector<std::string> out;
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db_);
      return out;
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
      const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
      out.push_back(t ? t : "");
    }
    sqlite3_finalize(st);
    return out;
  }
  std::string One(const std::string& sql) {
    auto c = Column(sql);
    return c.empty() ? std::string("<no row>") : c.front();
  }

 private:
  sqlite3* db_ = nullptr;
};

std::string ReadBytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

std::vector<std::string> DirEntries(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

TrackAnalysis Analysis(int segments) {
  TrackAnalysis a;
  a.features.danceability = 0.5;
  a.features.tempo = 120.0;
  a.features.duration_ms = 1000 * segments;
  a.analysis.track.tempo = 120.0;
  for (int i = 0; i < segments; ++i) {
    Segment s;
    s.start = 0.25 * i;
    s.duration = 0.25;
    for (int k = 0; k < 12; ++k) {
      s.pitches[static_cast<std::size_t>(k)] = (i * 7 + k) % 13 / 13.0;
      s.timbre[static_cast<std::size_t>(k)] = i * 0.37 - k * 2.11;
    }
    a.analysis.segments.push_back(s);
  }
  return a;
}

const std::string kTables = "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name";

// A valid fingerprint text (the catalog checks that it decodes).
std::string SomeFingerprint(std::uint32_t seed = 1) {
  std::mt19937 rng(seed);
  std::vector<std::uint32_t> raw(64);
  for (auto& w : raw) w = static_cast<std::uint32_t>(rng());
  return EncodeFingerprint(raw);
}

// ---- opening, creating, migrating ------------------------------------------------------------

TEST(SqliteCatalogTest, CreatesParentFoldersAndAWalCatalogAtTheLatestVersion) {
  TempDir dir;
  const fs::path path = dir / "deep/er/catalog.db";
  auto cat = Catalog::Open(path);
  ASSERT_TRUE(cat.ok()) << cat.status().ToString();
  const int latest = SqliteMigrations().back().version;
  EXPECT_EQ((*cat)->schema_version(), latest);
  ASSERT_TRUE(fs::exists(path));

  RawDb raw(path);
  EXPECT_EQ(raw.One("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(raw.One("PRAGMA user_version"), std::to_string(latest));
  EXPECT_EQ(raw.One("PRAGMA application_id"), std::to_string(kCatalogApplicationId));
  EXPECT_EQ(raw.Column(kTables),
            (std::vector<std::string>{"audio_analysis", "audio_features", "listening_history",
                                      "lyrics", "text_vectors", "track_artists", "tracks"}));
}

TEST(SqliteCatalogTest, ReopeningKeepsTracks) {
  TempDir dir;
  {
    auto cat = Catalog::Open(dir / "c.db");
    ASSERT_TRUE(cat.ok());
    ASSERT_TRUE((*cat)->StoreAnalysis({"/m/a.mp3", 1, 2}, "", {}, Analysis(2)).ok());
  }
  auto cat = Catalog::Open(dir / "c.db");
  ASSERT_TRUE(cat.ok());
  EXPECT_EQ((*cat)->Counts()->analyzed, 1);
  EXPECT_FALSE(*(*cat)->NeedsAnalysis({"/m/a.mp3", 1, 2}));
}

TEST(SqliteCatalogTest, MigratesAnEmptyDatabaseAndAnEmptyFile) {
  TempDir dir;
  {
    RawDb raw(dir / "v0.db");  // a valid, empty SQLite database at user_version 0
    raw.Exec("PRAGMA page_size = 4096; VACUUM;");
  }
  std::ofstream(dir / "zero.db").close();  // zero bytes: SQLite treats it as empty
  for (const char* name : {"v0.db", "zero.db"}) {
    auto cat = Catalog::Open(dir / name);
    ASSERT_TRUE(cat.ok()) << name << ": " << cat.status().ToString();
    EXPECT_EQ((*cat)->schema_version(), SqliteMigrations().back().version);
    EXPECT_TRUE((*cat)->StoreAnalysis({"/m/a.mp3", 1, 2}, "", {}, Analysis(1)).ok());
  }
}

// Every earlier version migrates: version 0 is an empty database; version k a catalog built
// with the first k migrations holding a track. Then open with all of them.
TEST(SqliteCatalogTest, MigratesFromEveryEarlierVersion) {
  const auto all = SqliteMigrations();
  for (std::size_t k = 0; k < all.size(); ++k) {
    TempDir dir;
    if (k == 0) {
      RawDb raw(dir / "c.db");
      raw.Exec("VACUUM");
    } else {
      auto store = OpenSqliteTrackStore(dir / "c.db", all.first(k));
      ASSERT_TRUE(store.ok()) << store.status().ToString();
      auto cat = Catalog::FromStore(std::move(store).value());
      ASSERT_TRUE(cat->StoreAnalysis({"/m/a.mp3", 1, 2}, "", {}, Analysis(1)).ok());
    }
    auto cat = Catalog::Open(dir / "c.db");
    ASSERT_TRUE(cat.ok()) << "from version " << k << ": " << cat.status().ToString();
    EXPECT_EQ((*cat)->schema_version(), all.back().version);
    EXPECT_EQ((*cat)->Counts()->analyzed, k == 0 ? 0 : 1);
    if (k > 0) {
      // Every read works on the migrated rows (a query naming a column an older version
      // lacked would fail here).
      auto old = (*cat)->FindTrack("/m/a.mp3");
      ASSERT_TRUE(old.ok() && old->has_value()) << "from version " << k;
      EXPECT_EQ((*old)->fingerprint, "");  // stored by a build without fingerprints
      auto summaries = (*cat)->AnalysisSummaries();
      ASSERT_TRUE(summaries.ok()) << summaries.status().ToString();
      EXPECT_EQ(summaries->size(), 1u);
    }
    EXPECT_TRUE(
        (*cat)->StoreAnalysis({"/m/b.mp3", 1, 2}, "", {}, Analysis(1), SomeFingerprint()).ok());
    EXPECT_EQ((*(*cat)->FindTrack("/m/b.mp3"))->fingerprint, SomeFingerprint());
    EXPECT_EQ((*cat)->ListTracks({})->size(), k == 0 ? 1u : 2u);
    RawDb raw(dir / "c.db");
    EXPECT_EQ(raw.One("PRAGMA user_version"), std::to_string(all.back().version));
    EXPECT_EQ(raw.One("PRAGMA integrity_check"), "ok");
  }
}

// Version 1 -> latest (2 added imports, 3 fingerprints): every track, artist and feature
// stays; the new columns are unknown or empty for old rows; the new tables work.
TEST(SqliteCatalogTest, MigratesAVersion1CatalogToTheLatestKeepingItsData) {
  TempDir dir;
  TrackTags tags;
  tags.title = "Old Song";
  tags.artists = {"First", "Second"};
  tags.genre = "folk";
  TrackAnalysis analysis = Analysis(3);
  analysis.features.key = 9;
  {
    auto store = OpenSqliteTrackStore(dir / "c.db", SqliteMigrations().first(1));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    EXPECT_EQ((*store)->schema_version(), 1);
    auto cat = Catalog::FromStore(std::move(store).value());
    ASSERT_TRUE(cat->StoreAnalysis({"/m/old.flac", 10, 20}, "hash", tags, analysis).ok());
  }
  {
    RawDb raw(dir / "c.db");
    EXPECT_EQ(raw.One("PRAGMA user_version"), "1");
    EXPECT_EQ(raw.Column(kTables), (std::vector<std::string>{"audio_analysis", "audio_features",
                                                             "track_artists", "tracks"}));
  }
  auto cat = Catalog::Open(dir / "c.db");
  ASSERT_TRUE(cat.ok()) << cat.status().ToString();
  const int latest = SqliteMigrations().back().version;
  EXPECT_EQ((*cat)->schema_version(), latest);
  auto t = (*cat)->FindTrack("/m/old.flac");
  ASSERT_TRUE(t.ok() && t->has_value());
  EXPECT_EQ((*t)->tags.title, "Old Song");
  EXPECT_EQ((*t)->tags.artists, (std::vector<std::string>{"First", "Second"}));
  EXPECT_EQ((*t)->tags.genre, "folk");
  EXPECT_EQ((*t)->content_hash, "hash");
  EXPECT_EQ((*t)->source, "analyzed");
  EXPECT_FALSE((*t)->popularity.has_value());
  EXPECT_FALSE((*t)->is_explicit.has_value());
  EXPECT_FALSE((*t)->streams.has_value());
  EXPECT_EQ((*t)->extra_json, "{}");
  EXPECT_TRUE((*t)->missing_features.empty());
  EXPECT_EQ((*t)->fingerprint, "");
  auto f = (*cat)->LoadFeatures((*t)->rowid);
  ASSERT_TRUE(f.ok() && f->has_value());
  EXPECT_EQ((*f)->key, 9);
  EXPECT_DOUBLE_EQ((*f)->tempo, 120.0);
  auto a = (*cat)->LoadAnalysis((*t)->rowid);
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->segments.size(), 3u);
  EXPECT_FALSE((*(*cat)->NeedsAnalysis({"/m/old.flac", 10, 20})));

  ASSERT_TRUE((*cat)->StoreLyrics((*t)->rowid, {{1000, "a line"}}, "lrc").ok());
  EXPECT_EQ((*(*cat)->LoadLyrics((*t)->rowid))->lines.size(), 1u);
  RawDb raw(dir / "c.db");
  EXPECT_EQ(raw.One("PRAGMA user_version"), std::to_string(latest));
  EXPECT_EQ(raw.One("SELECT popularity IS NULL AND streams IS NULL FROM tracks"), "1");
  EXPECT_EQ(raw.One("SELECT missing_fields FROM audio_features"), "");
  EXPECT_EQ(raw.One("SELECT count(*) FROM listening_history"), "0");
  EXPECT_EQ(raw.One("PRAGMA integrity_check"), "ok");
  EXPECT_EQ(raw.Column("PRAGMA foreign_key_check").size(), 0u);
}

// Version 2 -> 3 (fingerprints): analysed and imported tracks keep everything and have no
// fingerprint; the old analysis is not invalidated; a re-analysis stores one.
TEST(SqliteCatalogTest, MigratesAVersion2CatalogToVersion3WithEmptyFingerprints) {
  TempDir dir;
  TrackTags tags;
  tags.title = "Before Fingerprints";
  tags.artists = {"Band"};
  {
    auto store = OpenSqliteTrackStore(dir / "c.db", SqliteMigrations().first(2));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    EXPECT_EQ((*store)->schema_version(), 2);
    auto cat = Catalog::FromStore(std::move(store).value());
    ASSERT_TRUE(cat->StoreAnalysis({"/m/old.flac", 10, 20}, "hash", tags, Analysis(3)).ok());
    ImportedTrack imported;
    imported.spotify_id = "2ZyuwVvV6Z3XJaXIFbspeE";
    imported.tags.title = "Imported";
    imported.tags.artists = {"Someone"};
    imported.duration_ms = 180000;
    imported.popularity = 50;
    auto batch = cat->BeginImport();
    ASSERT_TRUE(batch.ok()) << batch.status().ToString();
    ASSERT_TRUE((*batch)->PutTrack(imported).ok());
    ASSERT_TRUE((*batch)->Commit().ok());
  }
  {
    RawDb raw(dir / "c.db");
    EXPECT_EQ(raw.One("PRAGMA user_version"), "2");
    EXPECT_EQ(raw.One("SELECT count(*) FROM pragma_table_info('tracks') "
                      "WHERE name = 'fingerprint'"),
              "0");
  }
  // Up to version 3 only, so that this checks migration 3 whatever comes after it.
  auto store = OpenSqliteTrackStore(dir / "c.db", SqliteMigrations().first(3));
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto cat = Catalog::FromStore(std::move(store).value());
  EXPECT_EQ(cat->schema_version(), 3);
  auto old = cat->FindTrack("/m/old.flac");
  ASSERT_TRUE(old.ok() && old->has_value());
  EXPECT_EQ((*old)->tags.title, "Before Fingerprints");
  EXPECT_EQ((*old)->tags.artists, (std::vector<std::string>{"Band"}));
  EXPECT_EQ((*old)->content_hash, "hash");
  EXPECT_EQ((*old)->fingerprint, "");
  EXPECT_EQ((*cat->LoadAnalysis((*old)->rowid))->segments.size(), 3u);
  EXPECT_FALSE(*cat->NeedsAnalysis({"/m/old.flac", 10, 20}));
  auto imp = cat->FindTrack("spotify:track:2ZyuwVvV6Z3XJaXIFbspeE");
  ASSERT_TRUE(imp.ok() && imp->has_value());
  EXPECT_EQ((*imp)->source, "imported");
  EXPECT_EQ((*imp)->popularity, 50);
  EXPECT_EQ((*imp)->fingerprint, "");

  ASSERT_TRUE(
      cat->StoreAnalysis({"/m/old.flac", 10, 21}, "hash", tags, Analysis(3), SomeFingerprint(7))
          .ok());
  EXPECT_EQ((*cat->FindTrack("/m/old.flac"))->fingerprint, SomeFingerprint(7));
  RawDb raw(dir / "c.db");
  EXPECT_EQ(raw.One("PRAGMA user_version"), "3");
  EXPECT_EQ(raw.One("SELECT count(*) FROM tracks WHERE fingerprint = ''"), "1");
  EXPECT_EQ(raw.One("PRAGMA integrity_check"), "ok");
}

// A text vector for a track of these tests.
TrackTextVector SomeTextVector(std::int64_t rowid) {
  TrackTextVector v;
  v.rowid = rowid;
  v.index_id = "esa-test";
  v.source = "metadata";
  v.text_hash = 0x8000000000000001u;
  v.valence = 0.75;
  v.arousal = 0.25;
  v.mood_words = 3;
  v.ids = {2, 40};
  v.weights = {0.5f, 0.125f};
  return v;
}

// Version 3 -> 4 (text vectors): tracks, artists, lyrics and fingerprints stay; there are no
// text vectors until they are computed; a version 3 store refuses to write them.
TEST(SqliteCatalogTest, MigratesAVersion3CatalogToVersion4KeepingItsData) {
  TempDir dir;
  TrackTags tags;
  tags.title = "Before Text";
  tags.album = "Old Album";
  tags.genre = "rock";
  tags.artists = {"One", "Two"};
  std::int64_t rowid = 0;
  {
    auto store = OpenSqliteTrackStore(dir / "c.db", SqliteMigrations().first(3));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    EXPECT_EQ((*store)->schema_version(), 3);
    auto cat = Catalog::FromStore(std::move(store).value());
    ASSERT_TRUE(
        cat->StoreAnalysis({"/m/old.flac", 10, 20}, "hash", tags, Analysis(3), SomeFingerprint(5))
            .ok());
    rowid = (*cat->FindTrack("/m/old.flac"))->rowid;
    ASSERT_TRUE(cat->StoreLyrics(rowid, {{0, "first line"}, {900, "second line"}}, "lrc").ok());
    EXPECT_EQ(cat->StoreTextVectors({SomeTextVector(rowid)}).code(), StatusCode::kUnsupported);
    auto none = cat->LoadTextVectors();
    ASSERT_TRUE(none.ok()) << none.status().ToString();
    EXPECT_TRUE(none->empty());
  }
  {
    RawDb raw(dir / "c.db");
    EXPECT_EQ(raw.One("PRAGMA user_version"), "3");
    EXPECT_EQ(raw.One("SELECT count(*) FROM sqlite_schema WHERE name = 'text_vectors'"), "0");
  }
  auto cat = Catalog::Open(dir / "c.db");
  ASSERT_TRUE(cat.ok()) << cat.status().ToString();
  EXPECT_EQ((*cat)->schema_version(), 4);
  auto old = (*cat)->FindTrack("/m/old.flac");
  ASSERT_TRUE(old.ok() && old->has_value());
  EXPECT_EQ((*old)->rowid, rowid);
  EXPECT_EQ((*old)->tags.artists, (std::vector<std::string>{"One", "Two"}));
  EXPECT_EQ((*old)->fingerprint, SomeFingerprint(5));
  EXPECT_FALSE(*(*cat)->NeedsAnalysis({"/m/old.flac", 10, 20}));
  auto texts = (*cat)->TrackTexts();
  ASSERT_TRUE(texts.ok()) << texts.status().ToString();
  ASSERT_EQ(texts->size(), 1u);
  EXPECT_EQ((*texts)[0].lyrics, (std::vector<std::string>{"first line", "second line"}));
  EXPECT_EQ((*texts)[0].title, "Before Text");
  EXPECT_TRUE((*cat)->LoadTextVectors()->empty());

  ASSERT_TRUE((*cat)->StoreTextVectors({SomeTextVector(rowid)}).ok());
  auto loaded = (*cat)->LoadTextVectors("esa-test");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ASSERT_EQ(loaded->size(), 1u);
  EXPECT_EQ((*loaded)[0].ids, (std::vector<std::uint32_t>{2, 40}));
  RawDb raw(dir / "c.db");
  EXPECT_EQ(raw.One("PRAGMA user_version"), "4");
  EXPECT_EQ(raw.One("PRAGMA integrity_check"), "ok");
  EXPECT_EQ(raw.Column("PRAGMA foreign_key_check").size(), 0u);
}

// The layout docs and other readers (sqlite3 on the command line) rely on: ids then weights,
// 4 little-endian bytes each; the hash's bits in a signed integer.
TEST(SqliteCatalogTest, StoresATextVectorInTheDocumentedByteLayout) {
  TempDir dir;
  auto cat = Catalog::Open(dir / "c.db");
  ASSERT_TRUE(cat.ok()) << cat.status().ToString();
  ASSERT_TRUE((*cat)->StoreAnalysis({"/m/a.mp3", 1, 2}, "", {}, Analysis(1)).ok());
  TrackTextVector v = SomeTextVector((*(*cat)->FindTrack("/m/a.mp3"))->rowid);
  v.ids = {1, 258};
  v.weights = {1.0f, -2.0f};  // 0x3F800000, 0xC0000000
  v.text_hash = 0xFFFFFFFFFFFFFFFEu;
  ASSERT_TRUE((*cat)->StoreTextVectors({v}).ok());
  RawDb raw(dir / "c.db");
  EXPECT_EQ(raw.One("SELECT hex(vector) FROM text_vectors"), "01000000020100000000803F000000C0");
  EXPECT_EQ(raw.One("SELECT concepts FROM text_vectors"), "2");
  EXPECT_EQ(raw.One("SELECT text_hash FROM text_vectors"), "-2");
  EXPECT_EQ(raw.One("SELECT typeof(vector) || typeof(valence) FROM text_vectors"), "blobreal");
}

TEST(SqliteCatalogTest, DeletingATrackDeletesItsTextVector) {
  TempDir dir;
  auto cat = Catalog::Open(dir / "c.db");
  ASSERT_TRUE(cat.ok()) << cat.status().ToString();
  ASSERT_TRUE((*cat)->StoreAnalysis({"/m/a.mp3", 1, 2}, "", {}, Analysis(1)).ok());
  ASSERT_TRUE((*cat)->StoreAnalysis({"/m/b.mp3", 1, 2}, "", {}, Analysis(1)).ok());
  const std::int64_t a = (*(*cat)->FindTrack("/m/a.mp3"))->rowid;
  const std::int64_t b = (*(*cat)->FindTrack("/m/b.mp3"))->rowid;
  ASSERT_TRUE((*cat)->StoreTextVectors({SomeTextVector(a), SomeTextVector(b)}).ok());
  {
    RawDb raw(dir / "c.db");
    raw.Exec("PRAGMA foreign_keys = ON; DELETE FROM tracks WHERE path = '/m/a.mp3';");
    EXPECT_EQ(raw.One("SELECT count(*) FROM text_vectors"), "1");
  }
  auto left = (*cat)->LoadTextVectors();
  ASSERT_TRUE(left.ok()) << left.status().ToString();
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ((*left)[0].rowid, b);
}

// A vector damaged behind the catalog's back is reported with its track, never read as a
// shorter or shifted vector.
TEST(SqliteCatalogTest, LoadTextVectorsReportsAMalformedStoredVectorAsCorrupt) {
  TempDir dir;
  auto cat = Catalog::Open(dir / "c.db");
  ASSERT_TRUE(cat.ok()) << cat.status().ToString();
  ASSERT_TRUE((*cat)->StoreAnalysis({"/m/a.mp3", 1, 2}, "", {}, Analysis(1)).ok());
  const std::int64_t rowid = (*(*cat)->FindTrack("/m/a.mp3"))->rowid;
  ASSERT_TRUE((*cat)->StoreTextVectors({SomeTextVector(rowid)}).ok());
  ASSERT_TRUE((*cat)->LoadTextVectors().ok());
  const char* damage[] = {
      "UPDATE text_vectors SET concepts = 3",                // blob too short for it
      "UPDATE text_vectors SET concepts = -1",               // no length at all
      "UPDATE text_vectors SET vector = x'0100000002'",      // not a whole entry
      "UPDATE text_vectors SET vector = x'', concepts = 1",  // empty blob, one concept
      "UPDATE text_vectors SET vector = x'05000000050000000000803F0000803F'",  // ids repeated
  };
  for (const char* sql : damage) {
    ASSERT_TRUE((*cat)->StoreTextVectors({SomeTextVector(rowid)}).ok());  // repair
    {
      RawDb raw(dir / "c.db");
      raw.Exec(sql);
    }
    auto loaded = (*cat)->LoadTextVectors();
    ASSERT_FALSE(loaded.ok()) << sql;
    EXPECT_EQ(loaded.status().code(), StatusCode::kCorrupt)
        << sql << ": " << loaded.status().ToString();
    EXPECT_NE(loaded.status().message().find("track " + std::to_string(rowid)), std::string::npos)
        << loaded.status().ToString();
  }
}

// The migration machinery, with a second migration that exists only in this test.
TEST(SqliteCatalogTest, AppliesANewMigrationInOrderAndRecordsTheVersion) {
  TempDir dir;
  const SqliteMigration v1 = SqliteMigrations().front();
  const SqliteMigration one[] = {v1};
  {
    auto store = OpenSqliteTrackStore(dir / "c.db", one);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto cat = Catalog::FromStore(std::move(store).value());
    ASSERT_TRUE(cat->StoreAnalysis({"/m/a.mp3", 1, 2}, "", {}, Analysis(1)).ok());
  }
  const SqliteMigration two[] = {
      v1, {2, "ALTER TABLE tracks ADD COLUMN rating INTEGER NOT NULL DEFAULT 3;"}};
  auto store = OpenSqliteTrackStore(dir / "c.db", two);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ((*store)->schema_version(), 2);
  store = Status::Internal("closed");  // release the connection before inspecting
  RawDb raw(dir / "c.db");
  EXPECT_EQ(raw.One("PRAGMA user_version"), "2");
  EXPECT_EQ(raw.One("SELECT rating FROM tracks WHERE path = '/m/a.mp3'"), "3");
}

TEST(SqliteCatalogTest, AFailingMigrationRollsBackToThePreviousVersion) {
  TempDir dir;
  const SqliteMigration v1 = SqliteMigrations().front();
  const SqliteMigration one[] = {v1};
  ASSERT_TRUE(OpenSqliteTrackStore(dir / "c.db", one).ok());
  const SqliteMigration broken[] = {
      v1, {2, "CREATE TABLE half_done (x INTEGER); INSERT INTO no_such_table VALUES (1);"}};
  auto store = OpenSqliteTrackStore(dir / "c.db", broken);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("schema version 2"), std::string::npos)
      << store.status().ToString();
  {
    RawDb raw(dir / "c.db");
    EXPECT_EQ(raw.One("PRAGMA user_version"), "1");
    EXPECT_EQ(raw.One("SELECT count(*) FROM sqlite_schema WHERE name = 'half_done'"), "0");
  }
  EXPECT_TRUE(Catalog::Open(dir / "c.db").ok());
}

TEST(SqliteCatalogTest, RejectsMisnumberedMigrations) {
  TempDir dir;
  const SqliteMigration gap[] = {SqliteMigrations().front(), {3, "SELECT 1;"}};
  EXPECT_EQ(OpenSqliteTrackStore(dir / "c.db", gap).status().code(), StatusCode::kInternal);
  EXPECT_FALSE(fs::exists(dir / "c.db"));
}

// An analysis damaged behind the catalog's back is reported with its track, as LoadAnalysis
// does, instead of failing with an SQL error or being skipped.
TEST(SqliteCatalogTest, AnalysisSummariesReportACorruptStoredAnalysis) {
  TempDir dir;
  {
    auto cat = Catalog::Open(dir / "c.db");
    ASSERT_TRUE(cat.ok()) << cat.status().ToString();
    ASSERT_TRUE((*cat)->StoreAnalysis({"/m/a.mp3", 1, 2}, "", {}, Analysis(2)).ok());
    auto ok = (*cat)->AnalysisSummaries();
    ASSERT_TRUE(ok.ok()) << ok.status().ToString();
    ASSERT_EQ(ok->size(), 1u);
    EXPECT_EQ((*ok)[0].segments, 2);
    EXPECT_DOUBLE_EQ((*ok)[0].segment_mean_s, 0.25);
  }
  {
    RawDb raw(dir / "c.db");
    raw.Exec("UPDATE audio_analysis SET analysis_json = '{\"beats\": [' ");
  }
  auto cat = Catalog::Open(dir / "c.db");
  ASSERT_TRUE(cat.ok());
  auto broken = (*cat)->AnalysisSummaries();
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.status().code(), StatusCode::kCorrupt) << broken.status().ToString();
  EXPECT_NE(broken.status().message().find("track 1"), std::string::npos)
      << broken.status().ToString();
}

// ---- refusing files it must not touch ------------------------------------------------------

TEST(SqliteCatalogTest, NewerSchemaIsUnsupportedAndTheFileIsUntouched) {
  TempDir dir;
  const fs::path path = dir / "future.db";
  {
    RawDb raw(path);
    raw.Exec("CREATE TABLE tracks (x); PRAGMA application_id = " +
             std::to_string(kCatalogApplicationId) + "; PRAGMA user_version = 99;");
  }
  const std::string before = ReadBytes(path);
  const auto mtime = fs::last_write_time(path);
  const auto entries = DirEntries(dir.path());

  auto cat = Catalog::Open(path);
  ASSERT_FALSE(cat.ok());
  EXPECT_EQ(cat.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(cat.status().message().find("99"), std::string::npos) << cat.status().ToString();
  EXPECT_NE(cat.status().message().find(path.string()), std::string::npos);
  EXPECT_EQ(ReadBytes(path), before);
  EXPECT_EQ(fs::last_write_time(path), mtime);
  EXPECT_EQ(DirEntries(dir.path()), entries);  // no -wal, -shm or -journal left behind
}

TEST(SqliteCatalogTest, AFileThatIsNotSqliteIsCorruptWithItsPathAndUntouched) {
  TempDir dir;
  std::mt19937 rng(3);
  std::string noise(64 * 1024, '\0');
  for (char& c : noise) c = static_cast<char>(rng());
  const std::vector<std::pair<std::string, std::string>> files = {
      {"notes.db", "these are my notes, not a database\n"}, {"noise.db", noise}};
  for (const auto& [name, content] : files) {
    const fs::path path = dir / name;
    std::ofstream(path, std::ios::binary) << content;
    const auto entries = DirEntries(dir.path());
    auto cat = Catalog::Open(path);
    ASSERT_FALSE(cat.ok()) << name;
    EXPECT_EQ(cat.status().code(), StatusCode::kCorrupt) << cat.status().ToString();
    EXPECT_NE(cat.status().message().find(path.string()), std::string::npos);
    EXPECT_EQ(ReadBytes(path), content);
    EXPECT_EQ(DirEntries(dir.path()), entries);
  }
}

TEST(SqliteCatalogTest, AnotherApplicationsDatabaseIsRefusedAndUntouched) {
  TempDir dir;
  const fs::path path = dir / "photos.db";
  {
    RawDb raw(path);
    raw.Exec(
        "CREATE TABLE photos (id INTEGER PRIMARY KEY, file TEXT);"
        "INSERT INTO photos (file) VALUES ('cat.jpg');");
  }
  const std::string before = ReadBytes(path);
  auto cat = Catalog::Open(path);
  ASSERT_FALSE(cat.ok());
  EXPECT_EQ(cat.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(cat.status().message().find("not a Sonance catalog"), std::string::npos);
  EXPECT_EQ(ReadBytes(path), before);
}

// ---- readers and writers -------------------------------------------------------------------

TEST(SqliteCatalogTest, ReadersAreNotBlockedByAnOpenWriteAndWritersWaitTheirTurn) {
  TempDir dir;
  const fs::path path = dir / "c.db";
  auto cat = Catalog::Open(path);
  ASSERT_TRUE(cat.ok());
  ASSERT_TRUE((*cat)->StoreAnalysis({"/m/a.mp3", 1, 2}, "", {}, Analysis(1)).ok());

  RawDb other(path);
  ASSERT_TRUE(other.Exec("BEGIN IMMEDIATE; UPDATE tracks SET title = 'uncommitted';"));
  // Reads see the last committed state at once.
  auto t = (*cat)->FindTrack("/m/a.mp3");
  ASSERT_TRUE(t.ok() && t->has_value());
  EXPECT_EQ((*t)->tags.title, "");

  // A write waits for the other writer (busy_timeout) instead of failing.
  std::thread committer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    other.Exec("COMMIT");
  });
  const auto t0 = std::chrono::steady_clock::now();
  Status s = (*cat)->StoreAnalysis({"/m/b.mp3", 1, 2}, "", {}, Analysis(1));
  const auto waited = std::chrono::steady_clock::now() - t0;
  committer.join();
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_GE(waited, std::chrono::milliseconds(250));
  EXPECT_EQ((*(*cat)->FindTrack("/m/a.mp3"))->tags.title, "uncommitted");
}

// Reads up to 4 bytes per message from `fd`, waiting at most `timeout_ms`; -1 on timeout/EOF.
int ReadIndex(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, timeout_ms) <= 0) return -1;
  std::int32_t v = 0;
  return read(fd, &v, sizeof v) == static_cast<ssize_t>(sizeof v) ? v : -1;
}

TrackFilter TenTracks() {
  TrackFilter f;
  f.limit = 10;
  return f;
}

std::string TrackPath(int i) {
  return "/lib/track" + std::to_string(100000 + i) + ".flac";
}

constexpr int kCrashSegments = 400;  // ~150 kB of JSON: the kill often lands mid-write

// The writer child: stores tracks first..first+count (count < 0: until killed) with analyses
// of `segments` segments, reporting each committed index on `out`; never returns into gtest.
[[noreturn]] void RunWriter(const fs::path& db, int first, int count, int segments, int out,
                            int go) {
  auto cat = Catalog::Open(db);
  if (!cat.ok()) _exit(2);
  const TrackAnalysis big = Analysis(segments);
  for (int i = first; count < 0 || i < first + count; ++i) {
    TrackTags tags;
    tags.title = "Track " + std::to_string(i);
    tags.artists = {"Artist " + std::to_string(i % 7), "Guest " + std::to_string(i)};
    const FileStat stat{TrackPath(i), 1000 + i, i};
    Status s = i % 5 == 4 ? (*cat)->StoreFailure(stat, "", "decoder error " + std::to_string(i))
                          : (*cat)->StoreAnalysis(stat, "hash", tags, big);
    // Rewrite an older track too, so that replacements (deletes + inserts) get interrupted.
    if (s.ok() && i % 3 == 0 && i > first) {
      const FileStat old{TrackPath(i - 1), 1000 + i - 1, i - 1};
      s = i % 2 == 0 ? (*cat)->StoreFailure(old, "", "retried and failed")
                     : (*cat)->StoreAnalysis(old, "hash", tags, big);
    }
    if (!s.ok()) _exit(3);
    const std::int32_t v = i;
    if (write(out, &v, sizeof v) != static_cast<ssize_t>(sizeof v)) _exit(4);
    if (go >= 0 && i == first) {  // wait until the parent's reader is ready
      char c;
      if (read(go, &c, 1) != 1) _exit(5);
    }
  }
  _exit(0);
}

// Every track is whole: analysed ones have features and an analysis that parses, failed ones
// have neither, and nothing dangles.
// `unreported`: how many tracks may have been committed by a killed writer that had no time
// to report them.
void ExpectConsistent(const fs::path& db, const std::set<int>& committed, std::size_t unreported) {
  {
    RawDb raw(db);
    EXPECT_EQ(raw.One("PRAGMA integrity_check"), "ok");
    EXPECT_TRUE(raw.Column("PRAGMA foreign_key_check").empty());
    EXPECT_EQ(raw.One("SELECT count(*) FROM tracks t WHERE t.state = 'analyzed' AND ("
                      "NOT EXISTS (SELECT 1 FROM audio_features f WHERE f.track_rowid = "
                      "t.track_rowid) OR NOT EXISTS (SELECT 1 FROM audio_analysis a WHERE "
                      "a.track_rowid = t.track_rowid))"),
              "0");
    EXPECT_EQ(raw.One("SELECT count(*) FROM tracks t WHERE t.state = 'failed' AND ("
                      "EXISTS (SELECT 1 FROM audio_features f WHERE f.track_rowid = "
                      "t.track_rowid) OR EXISTS (SELECT 1 FROM audio_analysis a WHERE "
                      "a.track_rowid = t.track_rowid))"),
              "0");
  }
  auto cat = Catalog::Open(db);
  ASSERT_TRUE(cat.ok()) << cat.status().ToString();
  for (int i : committed) {
    auto t = (*cat)->FindTrack(TrackPath(i));
    ASSERT_TRUE(t.ok() && t->has_value()) << "committed track " << i << " lost";
  }
  auto all = (*cat)->ListTracks({});
  ASSERT_TRUE(all.ok());
  EXPECT_GE(all->size(), committed.size());
  EXPECT_LE(all->size(), committed.size() + unreported);
  for (const TrackRecord& t : *all) {
    if (t.state == TrackState::kAnalyzed) {
      EXPECT_EQ(t.tags.artists.size(), 2u) << t.path;
      auto a = (*cat)->LoadAnalysis(t.rowid);
      ASSERT_TRUE(a.ok()) << t.path << ": " << a.status().ToString();
      ASSERT_TRUE(a->has_value()) << t.path;
      EXPECT_EQ((*a)->segments.size(), std::size_t{kCrashSegments}) << t.path;
      EXPECT_TRUE((*cat)->LoadFeatures(t.rowid)->has_value()) << t.path;
    } else {
      EXPECT_EQ(t.state, TrackState::kFailed) << t.path;
      EXPECT_FALSE(t.failure_reason.empty()) << t.path;
    }
  }
}

TEST(SqliteCatalogCrashTest, KillNineLosesNothingCommittedAndLeavesNothingHalfWritten) {
  TempDir dir;
  const fs::path db = dir / "c.db";
  ASSERT_TRUE(Catalog::Open(db).ok());  // create the schema before any child runs
  std::mt19937 rng(11);
  std::set<int> committed;
  int next = 0;
  for (int round = 0; round < 4; ++round) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      RunWriter(db, next, -1, kCrashSegments, fds[1], -1);
    }
    close(fds[1]);
    // Let it commit a random number of tracks, then kill it at a random moment.
    const int wanted = 5 + static_cast<int>(rng() % 10);
    int seen = 0;
    while (seen < wanted) {
      const int i = ReadIndex(fds[0], 20000);
      ASSERT_GE(i, 0) << "writer stalled or died in round " << round;
      committed.insert(i);
      ++seen;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 20000));
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    for (int i; (i = ReadIndex(fds[0], 0)) >= 0;) committed.insert(i);
    close(fds[0]);
    // Each killed writer may have committed one track it could not report.
    ExpectConsistent(db, committed, static_cast<std::size_t>(round) + 1);
    // The next writer continues after the last index any process may have started.
    next = *committed.rbegin() + 2;
    if (HasFatalFailure()) return;
  }
}

TEST(SqliteCatalogTest, AReaderInAnotherProcessReadsWhileAWriterWrites) {
  TempDir dir;
  const fs::path db = dir / "c.db";
  ASSERT_TRUE(Catalog::Open(db).ok());
  constexpr int kTracks = 60;
  int progress[2], go[2];
  ASSERT_EQ(pipe(progress), 0);
  ASSERT_EQ(pipe(go), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(progress[0]);
    close(go[1]);
    RunWriter(db, 0, kTracks, 20, progress[1], go[0]);
  }
  close(progress[1]);
  close(go[0]);
  ASSERT_EQ(ReadIndex(progress[0], 20000), 0);  // the writer has committed its first track

  auto reader = Catalog::Open(db);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  ASSERT_EQ(write(go[1], "g", 1), 1);
  std::int64_t last = 0;
  int reads = 0, partial = 0, failures = 0;
  for (;;) {
    int status = 0;
    const pid_t done = waitpid(pid, &status, WNOHANG);
    auto counts = (*reader)->Counts();
    auto page = (*reader)->ListTracks(TenTracks());
    if (!counts.ok() || !page.ok()) {
      ++failures;
      ADD_FAILURE() << (counts.ok() ? page.status() : counts.status()).ToString();
    } else {
      ++reads;
      EXPECT_GE(counts->tracks, last);  // never goes back in time
      last = counts->tracks;
      if (last > 1 && last < kTracks) ++partial;
    }
    if (done == pid) {
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "writer status " << status;
      break;
    }
    if (failures > 5) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
  }
  close(progress[0]);
  close(go[1]);
  EXPECT_GT(partial, 0) << "no read landed while the writer was writing (" << reads << " reads)";
  EXPECT_EQ((*reader)->Counts()->tracks, kTracks);
}

}  // namespace
}  // namespace sonance
