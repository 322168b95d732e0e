#include "sonance/catalog/sqlite_track_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "sonance/common/utf8.h"

namespace sonance {
namespace fs = std::filesystem;

namespace {

// Version 1: tracks with their tags and state, artists in order, features as columns, the
// analysis as Spotify-shaped JSON text. Integer primary keys are declared (not the implicit
// rowid) so that VACUUM never renumbers them under the foreign keys.
constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE tracks (
  track_rowid INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  path TEXT NOT NULL UNIQUE,
  size INTEGER NOT NULL,
  mtime_ns INTEGER NOT NULL,
  content_hash TEXT NOT NULL DEFAULT '',
  title TEXT NOT NULL DEFAULT '',
  album TEXT NOT NULL DEFAULT '',
  album_artist TEXT NOT NULL DEFAULT '',
  release_date TEXT NOT NULL DEFAULT '',
  genre TEXT NOT NULL DEFAULT '',
  track_number INTEGER NOT NULL DEFAULT 0,
  isrc TEXT NOT NULL DEFAULT '',
  duration_ms INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL CHECK (state IN ('analyzed', 'failed', 'missing')),
  failure_reason TEXT NOT NULL DEFAULT '',
  features_version INTEGER NOT NULL,
  analyzed_at TEXT NOT NULL,
  source TEXT NOT NULL DEFAULT 'analyzed'
) STRICT;
CREATE INDEX tracks_by_state ON tracks (state);

CREATE TABLE track_artists (
  track_rowid INTEGER NOT NULL REFERENCES tracks (track_rowid) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  name TEXT NOT NULL,
  PRIMARY KEY (track_rowid, position)
) STRICT, WITHOUT ROWID;

CREATE TABLE audio_features (
  track_rowid INTEGER PRIMARY KEY REFERENCES tracks (track_rowid) ON DELETE CASCADE,
  features_version INTEGER NOT NULL,
  danceability REAL NOT NULL,
  energy REAL NOT NULL,
  "key" INTEGER NOT NULL,
  loudness REAL NOT NULL,
  mode INTEGER NOT NULL,
  speechiness REAL NOT NULL,
  acousticness REAL NOT NULL,
  instrumentalness REAL NOT NULL,
  liveness REAL NOT NULL,
  valence REAL NOT NULL,
  tempo REAL NOT NULL,
  time_signature INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL
) STRICT;

CREATE TABLE audio_analysis (
  track_rowid INTEGER PRIMARY KEY REFERENCES tracks (track_rowid) ON DELETE CASCADE,
  features_version INTEGER NOT NULL,
  analysis_json TEXT NOT NULL
) STRICT;
)sql";

// Version 2: imports. Tracks read from tables of tracks keep what those tables say beyond
// tags (popularity, explicit, streams, markets, other columns as JSON); their features may
// lack some fields (listed in missing_fields, stored with AudioFeatures' defaults). Lyrics
// line by line, and a listening history whose plays point at tracks when matched.
constexpr std::string_view kSchemaV2 = R"sql(
ALTER TABLE tracks ADD COLUMN popularity INTEGER CHECK (popularity BETWEEN 0 AND 100);
ALTER TABLE tracks ADD COLUMN is_explicit INTEGER CHECK (is_explicit IN (0, 1));
ALTER TABLE tracks ADD COLUMN streams INTEGER CHECK (streams >= 0);
ALTER TABLE tracks ADD COLUMN available_markets INTEGER CHECK (available_markets >= 0);
ALTER TABLE tracks ADD COLUMN extra_json TEXT NOT NULL DEFAULT '{}';
CREATE INDEX tracks_by_source ON tracks (source);

ALTER TABLE audio_features ADD COLUMN missing_fields TEXT NOT NULL DEFAULT '';

CREATE TABLE lyrics (
  track_rowid INTEGER NOT NULL REFERENCES tracks (track_rowid) ON DELETE CASCADE,
  line_no INTEGER NOT NULL,
  time_ms INTEGER CHECK (time_ms >= 0),
  text TEXT NOT NULL,
  source TEXT NOT NULL,
  PRIMARY KEY (track_rowid, line_no)
) STRICT, WITHOUT ROWID;

CREATE TABLE listening_history (
  play_rowid INTEGER PRIMARY KEY,
  played_at TEXT NOT NULL,
  ms_played INTEGER NOT NULL CHECK (ms_played >= 0),
  track_name TEXT NOT NULL,
  artist_name TEXT NOT NULL DEFAULT '',
  album_name TEXT NOT NULL DEFAULT '',
  spotify_uri TEXT NOT NULL DEFAULT '',
  reason_start TEXT NOT NULL DEFAULT '',
  reason_end TEXT NOT NULL DEFAULT '',
  platform TEXT NOT NULL DEFAULT '',
  shuffle INTEGER CHECK (shuffle IN (0, 1)),
  skipped INTEGER CHECK (skipped IN (0, 1)),
  export_format TEXT NOT NULL CHECK (export_format IN ('account', 'extended')),
  extra_json TEXT NOT NULL DEFAULT '{}',
  track_rowid INTEGER REFERENCES tracks (track_rowid) ON DELETE SET NULL,
  UNIQUE (played_at, artist_name, track_name, ms_played)
) STRICT;
CREATE INDEX listening_history_by_track ON listening_history (track_rowid);
)sql";

// Version 3: the Chromaprint fingerprint of analysed audio (EncodeFingerprint's text), for
// finding one recording under two files. '' means none: imported tracks, failures, audio too
// short to fingerprint, and tracks analysed before version 3 until they are analysed again.
constexpr std::string_view kSchemaV3 = R"sql(
ALTER TABLE tracks ADD COLUMN fingerprint TEXT NOT NULL DEFAULT '';
)sql";

// Version 4: a text vector per track for text semantics (TrackTextVector): the ESA concept
// vector of its lyrics or metadata, valid for one index (index_id) and one text (text_hash,
// XXH64 bit-cast to a signed integer), with the text's mood. `vector` holds `concepts`
// little-endian uint32 concept ids, ascending, then as many little-endian float32 weights:
// one row per track rather than one per concept, so a vector is read in one piece.
constexpr std::string_view kSchemaV4 = R"sql(
CREATE TABLE text_vectors (
  track_rowid INTEGER PRIMARY KEY REFERENCES tracks (track_rowid) ON DELETE CASCADE,
  index_id TEXT NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('lyrics', 'metadata')),
  text_hash INTEGER NOT NULL,
  valence REAL NOT NULL,
  arousal REAL NOT NULL,
  mood_words INTEGER NOT NULL,
  concepts INTEGER NOT NULL,
  vector BLOB NOT NULL
) STRICT;
)sql";

constexpr SqliteMigration kMigrations[] = {
    {1, kSchemaV1},
    {2, kSchemaV2},
    {3, kSchemaV3},
    {4, kSchemaV4},
};

// The first schema version with tracks.fingerprint. A store opened with fewer migrations (how
// tests build the catalog an older release wrote) writes what that release wrote.
constexpr int kFingerprintVersion = 3;
// The first schema version with text_vectors; older stores have none to read or write.
constexpr int kTextVectorsVersion = 4;

constexpr int kBusyTimeoutMs = 5000;

// ---- case folding, shared by the SQL function and the needles bound to it -----------------

void SqlFold(sqlite3_context* ctx, int /*argc*/, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
    sqlite3_result_null(ctx);
    return;
  }
  const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
  const int n = sqlite3_value_bytes(argv[0]);
  const std::string folded = FoldCase(std::string_view(text, static_cast<std::size_t>(n)));
  sqlite3_result_text(ctx, folded.data(), static_cast<int>(folded.size()), SQLITE_TRANSIENT);
}

// ---- thin RAII over the C API ------------------------------------------------------------

Status SqliteStatus(sqlite3* db, int rc, std::string_view what, const std::string& path) {
  std::string msg = std::string(what) + " (catalog " + path + "): ";
  msg += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xFF) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Status::Corrupt(std::move(msg));
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::IOError(std::move(msg) + " (another process kept the catalog locked)");
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
    case SQLITE_MISUSE:
      return Status::Internal(std::move(msg));
    default:
      return Status::IOError(std::move(msg));
  }
}

class Stmt {
 public:
  Stmt() = default;
  explicit Stmt(sqlite3_stmt* s) : s_(s) {}
  Stmt(Stmt&& other) noexcept : s_(std::exchange(other.s_, nullptr)) {}
  Stmt& operator=(Stmt&& other) noexcept {
    std::swap(s_, other.s_);
    return *this;
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt() { sqlite3_finalize(s_); }

  void BindInt(int i, std::int64_t v) { sqlite3_bind_int64(s_, i, v); }
  void BindReal(int i, double v) { sqlite3_bind_double(s_, i, v); }
  void BindText(int i, std::string_view v) {
    sqlite3_bind_text64(s_, i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  }
  void BindNull(int i) { sqlite3_bind_null(s_, i); }
  void BindBlob(int i, std::string_view v) {
    // A null pointer would bind NULL, not an empty blob.
    if (v.empty()) {
      sqlite3_bind_zeroblob(s_, i, 0);
    } else {
      sqlite3_bind_blob64(s_, i, v.data(), v.size(), SQLITE_TRANSIENT);
    }
  }
  template <typename T>
  void BindOptional(int i, const std::optional<T>& v) {
    if (v) {
      BindInt(i, static_cast<std::int64_t>(*v));
    } else {
      BindNull(i);
    }
  }
  bool valid() const { return s_ != nullptr; }
  int Step() { return sqlite3_step(s_); }
  void Reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }

  bool IsNull(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  std::int64_t Int(int col) const { return sqlite3_column_int64(s_, col); }
  std::optional<std::int64_t> OptionalInt(int col) const {
    return IsNull(col) ? std::nullopt : std::optional<std::int64_t>(Int(col));
  }
  double Real(int col) const { return sqlite3_column_double(s_, col); }
  std::string Text(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
    return p == nullptr ? std::string()
                        : std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, col)));
  }
  // Valid until the next Step() or Reset().
  std::string_view Blob(int col) const {
    const void* p = sqlite3_column_blob(s_, col);
    const int n = sqlite3_column_bytes(s_, col);
    return p == nullptr
               ? std::string_view()
               : std::string_view(static_cast<const char*>(p), static_cast<std::size_t>(n));
  }

 private:
  sqlite3_stmt* s_ = nullptr;
};

// ---- opening and migrating -----------------------------------------------------------------

struct Connection {
  sqlite3* db = nullptr;
  std::string path;

  Status Fail(int rc, std::string_view what) const { return SqliteStatus(db, rc, what, path); }

  Result<Stmt> Prepare(std::string_view sql) const {
    sqlite3_stmt* s = nullptr;
    const int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &s, nullptr);
    if (rc != SQLITE_OK) return Fail(rc, "cannot prepare a query");
    return Stmt(s);
  }

  Status Exec(std::string_view sql, std::string_view what) const {
    const std::string text(sql);
    const int rc = sqlite3_exec(db, text.c_str(), nullptr, nullptr, nullptr);
    return rc == SQLITE_OK ? Status::Ok() : Fail(rc, what);
  }

  // The single integer of a one-row query such as a PRAGMA.
  Result<std::int64_t> QueryInt(std::string_view sql) const {
    auto st = Prepare(sql);
    if (!st.ok()) return st.status();
    const int rc = st->Step();
    if (rc != SQLITE_ROW) return Fail(rc, "cannot read the catalog header");
    return st->Int(0);
  }

  Result<std::string> QueryText(std::string_view sql) const {
    auto st = Prepare(sql);
    if (!st.ok()) return st.status();
    const int rc = st->Step();
    if (rc != SQLITE_ROW) return Fail(rc, "cannot read a setting");
    return st->Text(0);
  }
};

// Rolls back unless committed; BEGIN IMMEDIATE takes the write lock up front so that two
// writers queue on busy_timeout instead of failing halfway with SQLITE_BUSY.
class WriteTransaction {
 public:
  explicit WriteTransaction(const Connection& c) : c_(c) {}
  ~WriteTransaction() {
    if (active_) sqlite3_exec(c_.db, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;

  Status Begin() {
    Status s = c_.Exec("BEGIN IMMEDIATE", "cannot start a write");
    active_ = s.ok();
    return s;
  }
  Status Commit() {
    Status s = c_.Exec("COMMIT", "cannot commit");
    if (s.ok()) active_ = false;
    return s;
  }

 private:
  const Connection& c_;
  bool active_ = false;
};

// A read that spans several statements (tracks, then each track's artists) sees one snapshot.
class ReadTransaction {
 public:
  explicit ReadTransaction(const Connection& c) : c_(c) {
    active_ = sqlite3_exec(c_.db, "BEGIN", nullptr, nullptr, nullptr) == SQLITE_OK;
  }
  ~ReadTransaction() {
    if (active_) sqlite3_exec(c_.db, "COMMIT", nullptr, nullptr, nullptr);
  }
  ReadTransaction(const ReadTransaction&) = delete;
  ReadTransaction& operator=(const ReadTransaction&) = delete;

 private:
  const Connection& c_;
  bool active_ = false;
};

// Reads the header fields without writing anything, so that a foreign or newer file is left
// exactly as it was.
Status CheckIdentity(const Connection& c, int latest) {
  auto app_id = c.QueryInt("PRAGMA application_id");
  if (!app_id.ok()) {
    if (app_id.status().code() == StatusCode::kCorrupt) {
      return Status::Corrupt(c.path + " is not a SQLite database (" + app_id.status().message() +
                             ")");
    }
    return app_id.status();
  }
  auto version = c.QueryInt("PRAGMA user_version");
  if (!version.ok()) return version.status();
  auto objects = c.QueryInt("SELECT count(*) FROM sqlite_schema");
  if (!objects.ok()) return objects.status();

  if (*app_id != 0 && *app_id != kCatalogApplicationId) {
    return Status::Corrupt(c.path +
                           " is a SQLite database of another application (application_id " +
                           std::to_string(*app_id) + "), not a Sonance catalog");
  }
  if (*app_id == 0 && (*objects > 0 || *version > 0)) {
    return Status::Corrupt(c.path + " is a SQLite database but not a Sonance catalog");
  }
  if (*version > latest) {
    return Status::Unsupported(c.path + " has catalog schema version " + std::to_string(*version) +
                               ", newer than this build of Sonance understands (" +
                               std::to_string(latest) + "); upgrade Sonance to open it");
  }
  return Status::Ok();
}

Status Configure(const Connection& c) {
  auto mode = c.QueryText("PRAGMA journal_mode = WAL");
  if (!mode.ok()) return mode.status();
  if (*mode != "wal") {
    return Status::IOError("cannot switch " + c.path + " to WAL mode (journal mode is " + *mode +
                           ")");
  }
  // FULL: in WAL mode each commit is synced, so it also survives a power cut, at the cost of
  // one fsync per stored track (small next to decoding and analysing it).
  if (Status s = c.Exec("PRAGMA synchronous = FULL", "cannot set synchronous"); !s.ok()) return s;
  return c.Exec("PRAGMA foreign_keys = ON", "cannot enable foreign keys");
}

Result<int> Migrate(const Connection& c, std::span<const SqliteMigration> migrations) {
  auto current = c.QueryInt("PRAGMA user_version");
  if (!current.ok()) return current.status();
  int version = static_cast<int>(*current);
  for (const SqliteMigration& m : migrations) {
    if (m.version <= version) continue;
    WriteTransaction tx(c);
    if (Status s = tx.Begin(); !s.ok()) return s;
    // Another process may have migrated while we waited for the write lock.
    auto now = c.QueryInt("PRAGMA user_version");
    if (!now.ok()) return now.status();
    version = static_cast<int>(*now);
    if (version >= m.version) continue;
    const std::string step = "migration to schema version " + std::to_string(m.version);
    if (Status s = c.Exec(m.sql, "cannot apply " + step); !s.ok()) return s;
    if (version == 0) {
      const std::string id = "PRAGMA application_id = " + std::to_string(kCatalogApplicationId);
      if (Status s = c.Exec(id, "cannot mark the catalog"); !s.ok()) return s;
    }
    const std::string bump = "PRAGMA user_version = " + std::to_string(m.version);
    if (Status s = c.Exec(bump, "cannot record " + step); !s.ok()) return s;
    if (Status s = tx.Commit(); !s.ok()) return s;
    version = m.version;
  }
  return version;
}

Status ValidateMigrations(std::span<const SqliteMigration> migrations) {
  if (migrations.empty()) return Status::Internal("no catalog migrations");
  for (std::size_t i = 0; i < migrations.size(); ++i) {
    if (migrations[i].version != static_cast<int>(i) + 1) {
      return Status::Internal("catalog migrations must be numbered 1, 2, 3...");
    }
  }
  return Status::Ok();
}

// ---- the store -----------------------------------------------------------------------------

constexpr std::string_view kTrackColumns =
    "SELECT t.track_rowid, t.id, t.path, t.size, t.mtime_ns, t.content_hash, t.title, t.album, "
    "t.album_artist, t.release_date, t.genre, t.track_number, t.isrc, t.duration_ms, t.state, "
    "t.failure_reason, t.features_version, t.analyzed_at, t.source, t.popularity, "
    "t.is_explicit, t.streams, t.available_markets, t.extra_json, "
    "(SELECT f.missing_fields FROM audio_features f WHERE f.track_rowid = t.track_rowid), "
    "t.fingerprint "
    "FROM tracks t";

constexpr std::string_view kFeatureColumns =
    "SELECT features_version, danceability, energy, \"key\", loudness, mode, speechiness, "
    "acousticness, instrumentalness, liveness, valence, tempo, time_signature, duration_ms, "
    "track_rowid FROM audio_features";

AudioFeatures ReadFeatures(const Stmt& st) {
  AudioFeatures f;
  f.features_version = static_cast<int>(st.Int(0));
  f.danceability = st.Real(1);
  f.energy = st.Real(2);
  f.key = static_cast<int>(st.Int(3));
  f.loudness = st.Real(4);
  f.mode = static_cast<int>(st.Int(5));
  f.speechiness = st.Real(6);
  f.acousticness = st.Real(7);
  f.instrumentalness = st.Real(8);
  f.liveness = st.Real(9);
  f.valence = st.Real(10);
  f.tempo = st.Real(11);
  f.time_signature = static_cast<int>(st.Int(12));
  f.duration_ms = st.Int(13);
  return f;
}

// "key,loudness" -> {"key", "loudness"}; "" -> {}.
// Binds the twelve audio features and duration_ms to parameters ?3..?15, the order both
// audio_features writers use (after the track rowid and features version in ?1, ?2).
void BindFeatureValues(Stmt& st, const AudioFeatures& f) {
  st.BindReal(3, f.danceability);
  st.BindReal(4, f.energy);
  st.BindInt(5, f.key);
  st.BindReal(6, f.loudness);
  st.BindInt(7, f.mode);
  st.BindReal(8, f.speechiness);
  st.BindReal(9, f.acousticness);
  st.BindReal(10, f.instrumentalness);
  st.BindReal(11, f.liveness);
  st.BindReal(12, f.valence);
  st.BindReal(13, f.tempo);
  st.BindInt(14, f.time_signature);
  st.BindInt(15, f.duration_ms);
}

std::vector<std::string> SplitFieldList(const std::string& list) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < list.size()) {
    std::size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    if (comma > start) out.push_back(list.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

constexpr std::string_view kArtistsOf =
    "SELECT name FROM track_artists WHERE track_rowid = ?1 ORDER BY position";

// "2024-01-02T03:04:05Z" -> "2024-01-02T03:04:" (the minute, as a prefix of played_at).
std::string MinutePrefix(const std::string& played_at) {
  return played_at.substr(0, 17);
}

// The columns an imported track writes, bound as ?1..?21 by BindImported.
constexpr std::string_view kInsertImported =
    "INSERT INTO tracks (id, path, size, mtime_ns, content_hash, title, album, album_artist, "
    "release_date, genre, track_number, isrc, duration_ms, state, failure_reason, "
    "features_version, analyzed_at, source, popularity, is_explicit, streams, "
    "available_markets, extra_json) "
    "VALUES (?1, ?2, 0, 0, '', ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'analyzed', '', ?11, ?12, "
    "'imported', ?13, ?14, ?15, ?16, ?17) RETURNING track_rowid";
// An update keeps what the new row does not say: empty text, 0 and NULL leave the stored
// value; other columns of the table are merged into extra_json.
constexpr std::string_view kUpdateImported =
    "UPDATE tracks SET id = ?1, path = ?2, size = 0, mtime_ns = 0, content_hash = '', "
    "title = ?3, album = iif(?4 = '', album, ?4), "
    "album_artist = iif(?5 = '', album_artist, ?5), "
    "release_date = iif(?6 = '', release_date, ?6), genre = iif(?7 = '', genre, ?7), "
    "track_number = iif(?8 = 0, track_number, ?8), isrc = iif(?9 = '', isrc, ?9), "
    "duration_ms = iif(?10 = 0, duration_ms, ?10), state = 'analyzed', failure_reason = '', "
    "features_version = ?11, analyzed_at = ?12, source = 'imported', "
    "popularity = coalesce(?13, popularity), is_explicit = coalesce(?14, is_explicit), "
    "streams = coalesce(?15, streams), available_markets = coalesce(?16, available_markets), "
    "extra_json = json_patch(extra_json, ?17) "
    "WHERE track_rowid = ?18 RETURNING duration_ms";

// Copies the feature called `name` (a column name) from `from` to `to`.
void CopyFeature(std::string_view name, const AudioFeatures& from, AudioFeatures* to) {
  if (name == "danceability") to->danceability = from.danceability;
  if (name == "energy") to->energy = from.energy;
  if (name == "key") to->key = from.key;
  if (name == "loudness") to->loudness = from.loudness;
  if (name == "mode") to->mode = from.mode;
  if (name == "speechiness") to->speechiness = from.speechiness;
  if (name == "acousticness") to->acousticness = from.acousticness;
  if (name == "instrumentalness") to->instrumentalness = from.instrumentalness;
  if (name == "liveness") to->liveness = from.liveness;
  if (name == "valence") to->valence = from.valence;
  if (name == "tempo") to->tempo = from.tempo;
  if (name == "time_signature") to->time_signature = from.time_signature;
  if (name == "duration_ms") to->duration_ms = from.duration_ms;
}

void BindImported(Stmt& st, const ImportedTrackRow& row) {
  st.BindText(1, row.id);
  st.BindText(2, row.locator);
  st.BindText(3, row.tags.title);
  st.BindText(4, row.tags.album);
  st.BindText(5, row.tags.album_artist);
  st.BindText(6, row.tags.release_date);
  st.BindText(7, row.tags.genre);
  st.BindInt(8, row.tags.track_number);
  st.BindText(9, row.tags.isrc);
  st.BindInt(10, row.duration_ms);
  st.BindInt(11, kImportedFeaturesVersion);
  st.BindText(12, row.imported_at);
  st.BindOptional(13, row.popularity);
  st.BindOptional(14, row.is_explicit);
  st.BindOptional(15, row.streams);
  st.BindOptional(16, row.available_markets);
  st.BindText(17, row.extra_json);
}

constexpr std::string_view kPlayColumns =
    "SELECT play_rowid, played_at, ms_played, track_name, artist_name, album_name, spotify_uri, "
    "reason_start, reason_end, platform, shuffle, skipped, export_format, extra_json, "
    "track_rowid FROM listening_history";

Play ReadPlay(const Stmt& st) {
  Play p;
  p.play_rowid = st.Int(0);
  p.played_at = st.Text(1);
  p.ms_played = st.Int(2);
  p.track_name = st.Text(3);
  p.artist_name = st.Text(4);
  p.album_name = st.Text(5);
  p.spotify_uri = st.Text(6);
  p.reason_start = st.Text(7);
  p.reason_end = st.Text(8);
  p.platform = st.Text(9);
  if (auto v = st.OptionalInt(10)) p.shuffle = *v != 0;
  if (auto v = st.OptionalInt(11)) p.skipped = *v != 0;
  p.export_format = st.Text(12);
  p.extra_json = st.Text(13);
  p.track_rowid = st.OptionalInt(14);
  return p;
}

// text_vectors.vector: the ids, then the weights' bits, each as 4 little-endian bytes.
std::string EncodeTextVector(const TrackTextVector& v) {
  std::string out;
  out.reserve(8 * v.ids.size());
  auto put = [&out](std::uint32_t word) {
    for (int shift = 0; shift < 32; shift += 8) {
      out.push_back(static_cast<char>((word >> shift) & 0xFFu));
    }
  };
  for (std::uint32_t id : v.ids) put(id);
  for (float w : v.weights) put(std::bit_cast<std::uint32_t>(w));
  return out;
}

// The inverse of EncodeTextVector: "" when the blob holds `concepts` ascending ids and as
// many weights, else what is wrong with it.
std::string DecodeTextVector(std::string_view blob, std::int64_t concepts, TrackTextVector* v) {
  if (concepts < 0 ||
      static_cast<std::uint64_t>(blob.size()) != 8 * static_cast<std::uint64_t>(concepts)) {
    return std::to_string(blob.size()) + " bytes for " + std::to_string(concepts) + " concepts";
  }
  const auto n = static_cast<std::size_t>(concepts);
  auto word = [&blob](std::size_t i) {
    std::uint32_t w = 0;
    for (std::size_t b = 0; b < 4; ++b) {
      w |= static_cast<std::uint32_t>(static_cast<unsigned char>(blob[4 * i + b])) << (8 * b);
    }
    return w;
  };
  v->ids.resize(n);
  v->weights.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    v->ids[i] = word(i);
    if (i > 0 && v->ids[i] <= v->ids[i - 1]) return "concept ids not ascending";
    v->weights[i] = std::bit_cast<float>(word(n + i));
  }
  return "";
}

// One write transaction across many calls, with its statements prepared once: a table of
// 100,000 tracks is 100,000 executions of the same few statements.
class SqliteImportBatch final : public ImportBatch {
 public:
  SqliteImportBatch(const Connection& c, std::recursive_mutex& mu) : lock_(mu), c_(c), tx_(c) {}

  Status Begin() {
    // A big import dirties many pages in one transaction; a larger page cache keeps SQLite
    // from spilling them to the WAL before the commit (64 MiB at most, for this connection).
    if (Status s = c_.Exec("PRAGMA cache_size = -65536", "cannot size the page cache"); !s.ok()) {
      return s;
    }
    return tx_.Begin();
  }

  Result<ImportOutcome> PutTrack(const ImportedTrackRow& row) override {
    Stmt* find = nullptr;
    if (Status s = Prepared(&find_track_, &find,
                            "SELECT track_rowid, source FROM tracks WHERE id = ?1 OR path = ?2");
        !s.ok()) {
      return s;
    }
    find->BindText(1, row.id);
    find->BindText(2, row.locator);
    std::optional<std::int64_t> existing;
    bool analyzed = false;
    int rc;
    while ((rc = find->Step()) == SQLITE_ROW) {
      if (find->Text(1) != "imported") analyzed = true;
      if (!existing) existing = find->Int(0);
    }
    if (rc != SQLITE_DONE) return c_.Fail(rc, "cannot look up track " + row.id);
    if (analyzed) return ImportOutcome::kSkippedAnalyzed;

    std::int64_t rowid = 0;
    std::int64_t duration_ms = row.duration_ms;
    if (existing) {
      Stmt* up = nullptr;
      if (Status s = Prepared(&update_track_, &up, kUpdateImported); !s.ok()) return s;
      BindImported(*up, row);
      up->BindInt(18, *existing);
      if (int urc = up->Step(); urc != SQLITE_ROW) {
        return c_.Fail(urc, "cannot update the imported track " + row.locator);
      }
      duration_ms = up->Int(0);
      if (int done = up->Step(); done != SQLITE_DONE) {
        return c_.Fail(done, "cannot update the imported track " + row.locator);
      }
      rowid = *existing;
    } else {
      Stmt* ins = nullptr;
      if (Status s = Prepared(&insert_track_, &ins, kInsertImported); !s.ok()) return s;
      BindImported(*ins, row);
      if (int irc = ins->Step(); irc != SQLITE_ROW) {
        return c_.Fail(irc, "cannot store the imported track " + row.locator);
      }
      rowid = ins->Int(0);
      if (int done = ins->Step(); done != SQLITE_DONE) {
        return c_.Fail(done, "cannot store the imported track " + row.locator);
      }
    }
    if (!existing || !row.tags.artists.empty()) {
      if (Status s = PutArtists(rowid, row.tags.artists); !s.ok()) return s;
    }
    if (row.features) {
      if (Status s = PutFeatures(rowid, row, duration_ms, existing.has_value()); !s.ok()) {
        return s;
      }
    }
    return existing ? ImportOutcome::kUpdated : ImportOutcome::kInserted;
  }

  Result<PlayOutcome> AddPlay(const Play& play) override {
    const std::string minute = MinutePrefix(play.played_at);
    if (play.export_format == "account") {
      // The same play from the extended history (second precision) is already there.
      Stmt* twin = nullptr;
      if (Status s = Prepared(&find_extended_twin_, &twin,
                              "SELECT 1 FROM listening_history WHERE played_at >= ?1 AND "
                              "played_at < ?2 AND artist_name = ?3 AND track_name = ?4 AND "
                              "ms_played = ?5 AND export_format = 'extended' LIMIT 1");
          !s.ok()) {
        return s;
      }
      twin->BindText(1, minute);
      twin->BindText(2, minute + "~");
      twin->BindText(3, play.artist_name);
      twin->BindText(4, play.track_name);
      twin->BindInt(5, play.ms_played);
      const int trc = twin->Step();
      if (trc == SQLITE_ROW) return PlayOutcome::kDuplicate;
      if (trc != SQLITE_DONE) return c_.Fail(trc, "cannot look up a play");
    } else {
      // The extended history says the same as an account-data row, more precisely.
      Stmt* drop = nullptr;
      if (Status s = Prepared(&drop_account_twin_, &drop,
                              "DELETE FROM listening_history WHERE played_at = ?1 AND "
                              "artist_name = ?2 AND track_name = ?3 AND ms_played = ?4 AND "
                              "export_format = 'account'");
          !s.ok()) {
        return s;
      }
      drop->BindText(1, minute + "00Z");
      drop->BindText(2, play.artist_name);
      drop->BindText(3, play.track_name);
      drop->BindInt(4, play.ms_played);
      if (int drc = drop->Step(); drc != SQLITE_DONE) return c_.Fail(drc, "cannot merge a play");
    }
    Stmt* ins = nullptr;
    if (Status s = Prepared(
            &insert_play_, &ins,
            "INSERT INTO listening_history (played_at, ms_played, track_name, artist_name, "
            "album_name, spotify_uri, reason_start, reason_end, platform, shuffle, skipped, "
            "export_format, extra_json, track_rowid) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) "
            "ON CONFLICT DO NOTHING");
        !s.ok()) {
      return s;
    }
    ins->BindText(1, play.played_at);
    ins->BindInt(2, play.ms_played);
    ins->BindText(3, play.track_name);
    ins->BindText(4, play.artist_name);
    ins->BindText(5, play.album_name);
    ins->BindText(6, play.spotify_uri);
    ins->BindText(7, play.reason_start);
    ins->BindText(8, play.reason_end);
    ins->BindText(9, play.platform);
    ins->BindOptional(10, play.shuffle);
    ins->BindOptional(11, play.skipped);
    ins->BindText(12, play.export_format);
    ins->BindText(13, play.extra_json);
    ins->BindOptional(14, play.track_rowid);
    if (int irc = ins->Step(); irc != SQLITE_DONE) {
      return c_.Fail(irc, "cannot store the play of " + play.track_name + " at " + play.played_at);
    }
    return sqlite3_changes(c_.db) > 0 ? PlayOutcome::kAdded : PlayOutcome::kDuplicate;
  }

  Result<std::vector<Play>> UnmatchedPlays() override {
    auto st = c_.Prepare(std::string(kPlayColumns) + " WHERE track_rowid IS NULL");
    if (!st.ok()) return st.status();
    std::vector<Play> out;
    int rc;
    while ((rc = st->Step()) == SQLITE_ROW) out.push_back(ReadPlay(*st));
    if (rc != SQLITE_DONE) return c_.Fail(rc, "cannot read the listening history");
    return out;
  }

  Status SetPlayTrack(std::int64_t play_rowid, std::int64_t track_rowid) override {
    Stmt* up = nullptr;
    if (Status s = Prepared(&set_play_track_, &up,
                            "UPDATE listening_history SET track_rowid = ?2 WHERE play_rowid = ?1");
        !s.ok()) {
      return s;
    }
    up->BindInt(1, play_rowid);
    up->BindInt(2, track_rowid);
    if (int rc = up->Step(); rc != SQLITE_DONE) return c_.Fail(rc, "cannot match a play");
    return Status::Ok();
  }

  Result<std::vector<TrackNames>> AllTrackNames() override {
    auto st = c_.Prepare(
        "SELECT t.track_rowid, t.id, t.source, t.title, t.album_artist, "
        "(SELECT group_concat(a.name, char(31)) FROM track_artists a "
        "WHERE a.track_rowid = t.track_rowid) FROM tracks t ORDER BY t.track_rowid");
    if (!st.ok()) return st.status();
    std::vector<TrackNames> out;
    int rc;
    while ((rc = st->Step()) == SQLITE_ROW) {
      TrackNames n;
      n.rowid = st->Int(0);
      n.id = st->Text(1);
      n.source = st->Text(2);
      n.title = st->Text(3);
      const std::string joined = st->Text(5);
      std::size_t start = 0;
      while (start < joined.size()) {
        std::size_t sep = joined.find('\x1f', start);
        if (sep == std::string::npos) sep = joined.size();
        n.artists.push_back(joined.substr(start, sep - start));
        start = sep + 1;
      }
      if (std::string album_artist = st->Text(4); !album_artist.empty()) {
        n.artists.push_back(std::move(album_artist));
      }
      out.push_back(std::move(n));
    }
    if (rc != SQLITE_DONE) return c_.Fail(rc, "cannot read track names");
    return out;
  }

  Status ReplaceLyrics(std::int64_t rowid, const TrackLyrics& lyrics) override {
    Stmt* exists = nullptr;
    if (Status s = Prepared(&track_exists_, &exists, "SELECT 1 FROM tracks WHERE track_rowid = ?1");
        !s.ok()) {
      return s;
    }
    exists->BindInt(1, rowid);
    const int erc = exists->Step();
    if (erc == SQLITE_DONE) return Status::NotFound("no track " + std::to_string(rowid));
    if (erc != SQLITE_ROW) return c_.Fail(erc, "cannot look up a track");

    Stmt* del = nullptr;
    if (Status s = Prepared(&delete_lyrics_, &del, "DELETE FROM lyrics WHERE track_rowid = ?1");
        !s.ok()) {
      return s;
    }
    del->BindInt(1, rowid);
    if (int rc = del->Step(); rc != SQLITE_DONE) return c_.Fail(rc, "cannot replace lyrics");
    Stmt* ins = nullptr;
    if (Status s = Prepared(&insert_lyric_, &ins,
                            "INSERT INTO lyrics (track_rowid, line_no, time_ms, text, source) "
                            "VALUES (?1, ?2, ?3, ?4, ?5)");
        !s.ok()) {
      return s;
    }
    for (std::size_t i = 0; i < lyrics.lines.size(); ++i) {
      ins->Reset();
      ins->BindInt(1, rowid);
      ins->BindInt(2, static_cast<std::int64_t>(i));
      ins->BindOptional(3, lyrics.lines[i].time_ms);
      ins->BindText(4, lyrics.lines[i].text);
      ins->BindText(5, lyrics.source);
      if (int rc = ins->Step(); rc != SQLITE_DONE) return c_.Fail(rc, "cannot store lyrics");
    }
    return Status::Ok();
  }

  Status Commit() override { return tx_.Commit(); }

 private:
  Status PutArtists(std::int64_t rowid, const std::vector<std::string>& artists) {
    Stmt* del = nullptr;
    if (Status s =
            Prepared(&delete_artists_, &del, "DELETE FROM track_artists WHERE track_rowid = ?1");
        !s.ok()) {
      return s;
    }
    del->BindInt(1, rowid);
    if (int rc = del->Step(); rc != SQLITE_DONE) return c_.Fail(rc, "cannot replace artists");
    Stmt* add = nullptr;
    if (Status s = Prepared(&insert_artist_, &add,
                            "INSERT INTO track_artists (track_rowid, position, name) "
                            "VALUES (?1, ?2, ?3)");
        !s.ok()) {
      return s;
    }
    for (std::size_t i = 0; i < artists.size(); ++i) {
      add->Reset();
      add->BindInt(1, rowid);
      add->BindInt(2, static_cast<std::int64_t>(i));
      add->BindText(3, artists[i]);
      if (int rc = add->Step(); rc != SQLITE_DONE) return c_.Fail(rc, "cannot store artists");
    }
    return Status::Ok();
  }

  // Writes the row's features. On an update, a feature the row lacks keeps the value stored
  // before, when that one was known: two tables describing one track complete each other.
  Status PutFeatures(std::int64_t rowid, const ImportedTrackRow& row, std::int64_t duration_ms,
                     bool existing) {
    AudioFeatures f = *row.features;
    f.duration_ms = duration_ms;
    std::vector<std::string> missing = SplitFieldList(row.missing_features);
    if (duration_ms > 0) std::erase(missing, std::string("duration_ms"));
    if (existing && !missing.empty()) {
      Stmt* old = nullptr;
      if (Status s = Prepared(&get_features_, &old,
                              "SELECT features_version, danceability, energy, \"key\", loudness, "
                              "mode, speechiness, acousticness, instrumentalness, liveness, "
                              "valence, tempo, time_signature, duration_ms, track_rowid, "
                              "missing_fields FROM audio_features WHERE track_rowid = ?1");
          !s.ok()) {
        return s;
      }
      old->BindInt(1, rowid);
      const int rc = old->Step();
      if (rc == SQLITE_ROW) {
        const AudioFeatures before = ReadFeatures(*old);
        const std::vector<std::string> unknown_before = SplitFieldList(old->Text(15));
        std::vector<std::string> still_missing;
        for (const std::string& name : missing) {
          if (std::find(unknown_before.begin(), unknown_before.end(), name) !=
              unknown_before.end()) {
            still_missing.push_back(name);
          } else {
            CopyFeature(name, before, &f);
          }
        }
        missing = std::move(still_missing);
      } else if (rc != SQLITE_DONE) {
        return c_.Fail(rc, "cannot read the features of " + row.locator);
      }
      old->Reset();
    }
    std::string missing_list;
    for (const std::string& name : missing)
      missing_list += (missing_list.empty() ? "" : ",") + name;

    Stmt* feat = nullptr;
    if (Status s = Prepared(
            &put_features_, &feat,
            "INSERT OR REPLACE INTO audio_features (track_rowid, features_version, "
            "danceability, energy, \"key\", loudness, mode, speechiness, acousticness, "
            "instrumentalness, liveness, valence, tempo, time_signature, duration_ms, "
            "missing_fields) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)");
        !s.ok()) {
      return s;
    }
    feat->BindInt(1, rowid);
    feat->BindInt(2, kImportedFeaturesVersion);
    BindFeatureValues(*feat, f);
    feat->BindText(16, missing_list);
    if (int rc = feat->Step(); rc != SQLITE_DONE) {
      return c_.Fail(rc, "cannot store the features of " + row.locator);
    }
    return Status::Ok();
  }

  // Prepares `sql` into *slot on first use, then resets it for the next execution.
  Status Prepared(Stmt* slot, Stmt** out, std::string_view sql) {
    if (!slot->valid()) {
      auto st = c_.Prepare(sql);
      if (!st.ok()) return st.status();
      *slot = std::move(st).value();
    } else {
      slot->Reset();
    }
    *out = slot;
    return Status::Ok();
  }

  // Declaration order is destruction order, reversed: statements are finalised before the
  // transaction rolls back, and the lock is released last.
  std::unique_lock<std::recursive_mutex> lock_;
  const Connection& c_;
  WriteTransaction tx_;
  Stmt find_track_, insert_track_, update_track_, delete_artists_, insert_artist_, put_features_,
      get_features_, find_extended_twin_, drop_account_twin_, insert_play_, set_play_track_,
      track_exists_, delete_lyrics_, insert_lyric_;
};

class SqliteTrackStore final : public TrackStore {
 public:
  SqliteTrackStore(Connection c, int version) : c_(std::move(c)), version_(version) {}
  ~SqliteTrackStore() override { sqlite3_close_v2(c_.db); }

  int schema_version() const override { return version_; }

  Result<std::optional<TrackRecord>> FindByPath(const std::string& path) override {
    std::lock_guard lock(mu_);
    return FindOne(" WHERE t.path = ?1", path);
  }

  Result<std::optional<TrackRecord>> FindById(const std::string& id) override {
    std::lock_guard lock(mu_);
    return FindOne(" WHERE t.id = ?1", id);
  }

  Status PutAnalysis(const AnalyzedTrackRow& row) override {
    std::lock_guard lock(mu_);
    WriteTransaction tx(c_);
    if (Status s = tx.Begin(); !s.ok()) return s;

    // An imported row may hold this id (a table that carried Sonance ids): the file wins.
    auto drop =
        c_.Prepare("DELETE FROM tracks WHERE id = ?1 AND path != ?2 AND source = 'imported'");
    if (!drop.ok()) return drop.status();
    drop->BindText(1, row.id);
    drop->BindText(2, row.stat.path);
    if (int rc = drop->Step(); rc != SQLITE_DONE) {
      return c_.Fail(rc, "cannot replace the imported track " + row.id);
    }

    auto up = c_.Prepare(
        "INSERT INTO tracks (id, path, size, mtime_ns, content_hash, title, album, album_artist, "
        "release_date, genre, track_number, isrc, duration_ms, state, failure_reason, "
        "features_version, analyzed_at, source) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 'analyzed', '', ?14, "
        "?15, 'analyzed') "
        "ON CONFLICT (path) DO UPDATE SET id = excluded.id, size = excluded.size, "
        "mtime_ns = excluded.mtime_ns, content_hash = excluded.content_hash, "
        "title = excluded.title, album = excluded.album, album_artist = excluded.album_artist, "
        "release_date = excluded.release_date, genre = excluded.genre, "
        "track_number = excluded.track_number, isrc = excluded.isrc, "
        "duration_ms = excluded.duration_ms, state = 'analyzed', failure_reason = '', "
        "features_version = excluded.features_version, analyzed_at = excluded.analyzed_at, "
        "source = 'analyzed' "
        "RETURNING track_rowid");
    if (!up.ok()) return up.status();
    const TrackTags& tags = row.tags;
    up->BindText(1, row.id);
    up->BindText(2, row.stat.path);
    up->BindInt(3, row.stat.size);
    up->BindInt(4, row.stat.mtime_ns);
    up->BindText(5, row.content_hash);
    up->BindText(6, tags.title);
    up->BindText(7, tags.album);
    up->BindText(8, tags.album_artist);
    up->BindText(9, tags.release_date);
    up->BindText(10, tags.genre);
    up->BindInt(11, tags.track_number);
    up->BindText(12, tags.isrc);
    up->BindInt(13, row.features.duration_ms);
    up->BindInt(14, row.features.features_version);
    up->BindText(15, row.analyzed_at);
    auto rowid = StepReturningRowid(*up, "cannot store the track " + row.stat.path);
    if (!rowid.ok()) return rowid.status();

    if (Status s = ReplaceArtists(*rowid, tags.artists); !s.ok()) return s;
    if (Status s = SetFingerprint(*rowid, row.fingerprint, row.stat.path); !s.ok()) return s;

    auto feat = c_.Prepare(
        "INSERT OR REPLACE INTO audio_features (track_rowid, features_version, danceability, "
        "energy, \"key\", loudness, mode, speechiness, acousticness, instrumentalness, liveness, "
        "valence, tempo, time_signature, duration_ms) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)");
    if (!feat.ok()) return feat.status();
    const AudioFeatures& f = row.features;
    feat->BindInt(1, *rowid);
    feat->BindInt(2, f.features_version);
    BindFeatureValues(*feat, f);
    if (int rc = feat->Step(); rc != SQLITE_DONE) {
      return c_.Fail(rc, "cannot store the features of " + row.stat.path);
    }

    auto an = c_.Prepare(
        "INSERT OR REPLACE INTO audio_analysis (track_rowid, features_version, analysis_json) "
        "VALUES (?1, ?2, ?3)");
    if (!an.ok()) return an.status();
    an->BindInt(1, *rowid);
    an->BindInt(2, f.features_version);
    an->BindText(3, row.analysis_json);
    if (int rc = an->Step(); rc != SQLITE_DONE) {
      return c_.Fail(rc, "cannot store the analysis of " + row.stat.path);
    }
    return tx.Commit();
  }

  Status PutFailure(const FailedTrackRow& row) override {
    std::lock_guard lock(mu_);
    WriteTransaction tx(c_);
    if (Status s = tx.Begin(); !s.ok()) return s;
    auto up = c_.Prepare(
        "INSERT INTO tracks (id, path, size, mtime_ns, content_hash, duration_ms, state, "
        "failure_reason, features_version, analyzed_at, source) "
        "VALUES (?1, ?2, ?3, ?4, ?5, 0, 'failed', ?6, ?7, ?8, 'analyzed') "
        "ON CONFLICT (path) DO UPDATE SET id = excluded.id, size = excluded.size, "
        "mtime_ns = excluded.mtime_ns, content_hash = excluded.content_hash, duration_ms = 0, "
        "state = 'failed', failure_reason = excluded.failure_reason, "
        "features_version = excluded.features_version, analyzed_at = excluded.analyzed_at "
        "RETURNING track_rowid");
    if (!up.ok()) return up.status();
    up->BindText(1, row.id);
    up->BindText(2, row.stat.path);
    up->BindInt(3, row.stat.size);
    up->BindInt(4, row.stat.mtime_ns);
    up->BindText(5, row.content_hash);
    up->BindText(6, row.reason);
    up->BindInt(7, row.features_version);
    up->BindText(8, row.analyzed_at);
    auto rowid = StepReturningRowid(*up, "cannot store the failure of " + row.stat.path);
    if (!rowid.ok()) return rowid.status();
    // The file no longer decodes: a fingerprint of what it was would name the wrong audio.
    if (Status s = SetFingerprint(*rowid, "", row.stat.path); !s.ok()) return s;
    for (std::string_view sql : {"DELETE FROM audio_features WHERE track_rowid = ?1",
                                 "DELETE FROM audio_analysis WHERE track_rowid = ?1"}) {
      auto del = c_.Prepare(sql);
      if (!del.ok()) return del.status();
      del->BindInt(1, *rowid);
      if (int rc = del->Step(); rc != SQLITE_DONE) {
        return c_.Fail(rc, "cannot remove the old results of " + row.stat.path);
      }
    }
    return tx.Commit();
  }

  Result<std::vector<PresentTrack>> TracksUnder(const std::string& folder_prefix) override {
    if (folder_prefix.empty() || folder_prefix.back() != '/') {
      return Status::InvalidArgument("folder prefix must end in '/': " + folder_prefix);
    }
    // Every path starting with "<dir>/" sorts in ["<dir>/", "<dir>0"): '0' follows '/'.
    std::string upper = folder_prefix;
    upper.back() = '0';
    std::lock_guard lock(mu_);
    auto st = c_.Prepare(
        "SELECT track_rowid, path, size, mtime_ns FROM tracks "
        "WHERE path >= ?1 AND path < ?2 AND state != 'missing' ORDER BY path");
    if (!st.ok()) return st.status();
    st->BindText(1, folder_prefix);
    st->BindText(2, upper);
    std::vector<PresentTrack> out;
    int rc;
    while ((rc = st->Step()) == SQLITE_ROW) {
      out.push_back({st->Int(0), st->Text(1), st->Int(2), st->Int(3)});
    }
    if (rc != SQLITE_DONE) return c_.Fail(rc, "cannot list tracks under " + folder_prefix);
    return out;
  }

  Result<std::int64_t> SetMissing(const std::vector<PresentTrack>& tracks) override {
    std::lock_guard lock(mu_);
    WriteTransaction tx(c_);
    if (Status s = tx.Begin(); !s.ok()) return s;
    auto st = c_.Prepare(
        "UPDATE tracks SET state = 'missing' WHERE track_rowid = ?1 AND size = ?2 "
        "AND mtime_ns = ?3 AND state != 'missing'");
    if (!st.ok()) return st.status();
    std::int64_t changed = 0;
    for (const PresentTrack& t : tracks) {
      st->Reset();
      st->BindInt(1, t.rowid);
      st->BindInt(2, t.size);
      st->BindInt(3, t.mtime_ns);
      if (int rc = st->Step(); rc != SQLITE_DONE) {
        return c_.Fail(rc, "cannot mark " + t.path + " missing");
      }
      changed += sqlite3_changes(c_.db);
    }
    if (Status s = tx.Commit(); !s.ok()) return s;
    return changed;
  }

  Result<std::vector<TrackRecord>> List(const TrackFilter& filter) override {
    std::string sql(kTrackColumns);
    sql += " WHERE 1";
    if (filter.state) sql += " AND t.state = ?1";
    if (!filter.text.empty()) {
      sql +=
          " AND (instr(sonance_fold(t.title), ?2) OR instr(sonance_fold(t.album), ?2)"
          " OR instr(sonance_fold(t.album_artist), ?2) OR instr(sonance_fold(t.path), ?2)"
          " OR EXISTS (SELECT 1 FROM track_artists a WHERE a.track_rowid = t.track_rowid"
          " AND instr(sonance_fold(a.name), ?2)))";
    }
    if (!filter.artist.empty()) {
      sql +=
          " AND EXISTS (SELECT 1 FROM track_artists a WHERE a.track_rowid = t.track_rowid"
          " AND sonance_fold(a.name) = ?3)";
    }
    if (!filter.album.empty()) sql += " AND sonance_fold(t.album) = ?4";
    if (!filter.genre.empty()) {
      // Imported tracks listed under several genres hold them as "a; b".
      sql +=
          " AND (sonance_fold(t.genre) = ?5"
          " OR instr('; ' || sonance_fold(t.genre) || '; ', '; ' || ?5 || '; '))";
    }
    if (!filter.source.empty()) sql += " AND t.source = ?8";
    sql += " ORDER BY t.path LIMIT ?6 OFFSET ?7";

    std::lock_guard lock(mu_);
    ReadTransaction snapshot(c_);
    auto st = c_.Prepare(sql);
    if (!st.ok()) return st.status();
    if (filter.state) st->BindText(1, TrackStateName(*filter.state));
    if (!filter.text.empty()) st->BindText(2, FoldCase(filter.text));
    if (!filter.artist.empty()) st->BindText(3, FoldCase(filter.artist));
    if (!filter.album.empty()) st->BindText(4, FoldCase(filter.album));
    if (!filter.genre.empty()) st->BindText(5, FoldCase(filter.genre));
    st->BindInt(6, filter.limit > 0 ? filter.limit : -1);  // negative LIMIT: no limit
    st->BindInt(7, filter.offset);
    if (!filter.source.empty()) st->BindText(8, filter.source);
    return ReadTracks(*st);
  }

  Result<std::optional<AudioFeatures>> LoadFeatures(std::int64_t rowid) override {
    std::lock_guard lock(mu_);
    auto st = c_.Prepare(std::string(kFeatureColumns) + " WHERE track_rowid = ?1");
    if (!st.ok()) return st.status();
    st->BindInt(1, rowid);
    const int rc = st->Step();
    if (rc == SQLITE_DONE) return std::optional<AudioFeatures>();
    if (rc != SQLITE_ROW) return c_.Fail(rc, "cannot read features");
    return std::optional<AudioFeatures>(ReadFeatures(*st));
  }

  Result<std::vector<std::pair<std::int64_t, AudioFeatures>>> AllFeatures() override {
    std::lock_guard lock(mu_);
    auto st = c_.Prepare(std::string(kFeatureColumns) + " ORDER BY track_rowid");
    if (!st.ok()) return st.status();
    std::vector<std::pair<std::int64_t, AudioFeatures>> out;
    int rc;
    while ((rc = st->Step()) == SQLITE_ROW) out.emplace_back(st->Int(14), ReadFeatures(*st));
    if (rc != SQLITE_DONE) return c_.Fail(rc, "cannot read features");
    return out;
  }

  Result<std::int64_t> DataVersion() override {
    std::lock_guard lock(mu_);
    return c_.QueryInt("PRAGMA data_version");
  }

  Result<std::unique_ptr<ImportBatch>> BeginImport() override {
    auto batch = std::make_unique<SqliteImportBatch>(c_, mu_);
    if (Status s = batch->Begin(); !s.ok()) return s;
    return std::unique_ptr<ImportBatch>(std::move(batch));
  }

  Result<std::optional<TrackLyrics>> LoadLyrics(std::int64_t rowid) override {
    std::lock_guard lock(mu_);
    auto st = c_.Prepare(
        "SELECT time_ms, text, source FROM lyrics WHERE track_rowid = ?1 ORDER BY line_no");
    if (!st.ok()) return st.status();
    st->BindInt(1, rowid);
    TrackLyrics lyrics;
    bool any = false;
    int rc;
    while ((rc = st->Step()) == SQLITE_ROW) {
      any = true;
      lyrics.lines.push_back({st->OptionalInt(0), st->Text(1)});
      lyrics.source = st->Text(2);
    }
    if (rc != SQLITE_DONE) return c_.Fail(rc, "cannot read lyrics");
    if (!any) return std::optional<TrackLyrics>();
    return std::optional<TrackLyrics>(std::move(lyrics));
  }

  Result<std::vector<TrackText>> TrackTexts() override {
    // Three ordered scans (tracks, artists, lyrics) merged by rowid, in one snapshot; the
    // join with audio_features keeps the tracks AllFeatures returns.
    std::lock_guard lock(mu_);
    ReadTransaction snapshot(c_);
    auto tracks = c_.Prepare(
        "SELECT t.track_rowid, t.title, t.album, t.genre FROM tracks t "
        "JOIN audio_features f ON f.track_rowid = t.track_rowid ORDER BY t.track_rowid");
    if (!tracks.ok()) return tracks.status();
    std::vector<TrackText> out;
    int rc;
    while ((rc = tracks->Step()) == SQLITE_ROW) {
      TrackText t;
      t.rowid = tracks->Int(0);
      t.title = tracks->Text(1);
      t.album = tracks->Text(2);
      t.genre = tracks->Text(3);
      out.push_back(std::move(t));
    }
    if (rc != SQLITE_DONE) return c_.Fail(rc, "cannot read tracks");

    auto of = [&out](std::int64_t rowid) -> TrackText* {
      auto it = std::lower_bound(out.begin(), out.end(), rowid,
                                 [](const TrackText& t, std::int64_t r) { return t.rowid < r; });
      return it != out.end() && it->rowid == rowid ? &*it : nullptr;
    };
    auto artists = c_.Prepare(
        "SELECT a.track_rowid, a.name FROM track_artists a "
        "JOIN audio_features f ON f.track_rowid = a.track_rowid "
        "ORDER BY a.track_rowid, a.position");
    if (!artists.ok()) return artists.status();
    while ((rc = artists->Step()) == SQLITE_ROW) {
      if (TrackText* t = of(artists->Int(0))) t->artists.push_back(artists->Text(1));
    }
    if (rc != SQLITE_DONE) return c_.Fail(rc, "cannot read artists");

    auto lyrics = c_.Prepare(
        "SELECT l.track_rowid, l.text FROM lyrics l "
        "JOIN audio_features f ON f.track_rowid = l.track_rowid "
        "ORDER BY l.track_rowid, l.line_no");
    if (!lyrics.ok()) return lyrics.status();
    while ((rc = lyrics->Step()) == SQLITE_ROW) {
      if (TrackText* t = of(lyrics->Int(0))) t->lyrics.push_back(lyrics->Text(1));
    }
    if (rc != SQLITE_DONE) return c_.Fail(rc, "cannot read lyrics");
    return out;
  }

  Status ReplaceTextVectors(const std::vector<TrackTextVector>& vectors) override {
    if (version_ < kTextVectorsVersion) return NoTextVectors();
    std::lock_guard lock(mu_);
    WriteTransaction tx(c_);
    if (Status s = tx.Begin(); !s.ok()) return s;
    auto exists = c_.Prepare("SELECT 1 FROM tracks WHERE track_rowid = ?1");
    if (!exists.ok()) return exists.status();
    auto put = c_.Prepare(
        "INSERT OR REPLACE INTO text_vectors (track_rowid, index_id, source, text_hash, "
        "valence, arousal, mood_words, concepts, vector) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    if (!put.ok()) return put.status();
    for (const TrackTextVector& v : vectors) {
      exists->Reset();
      exists->BindInt(1, v.rowid);
      const int erc = exists->Step();
      // Returning rolls back the vectors already written in this call.
      if (erc == SQLITE_DONE) return Status::NotFound("no track " + std::to_string(v.rowid));
      if (erc != SQLITE_ROW) return c_.Fail(erc, "cannot look up a track");
      put->Reset();
      put->BindInt(1, v.rowid);
      put->BindText(2, v.index_id);
      put->BindText(3, v.source);
      put->BindInt(4, std::bit_cast<std::int64_t>(v.text_hash));
      put->BindReal(5, v.valence);
      put->BindReal(6, v.arousal);
      put->BindInt(7, v.mood_words);
      put->BindInt(8, static_cast<std::int64_t>(v.ids.size()));
      put->BindBlob(9, EncodeTextVector(v));
      if (int rc = put->Step(); rc != SQLITE_DONE) {
        return c_.Fail(rc, "cannot store the text vector of track " + std::to_string(v.rowid));
      }
    }
    return tx.Commit();
  }

  Result<std::vector<TrackTextVector>> LoadTextVectors(const std::string& index_id) override {
    if (version_ < kTextVectorsVersion) return std::vector<TrackTextVector>();
    std::string sql =
        "SELECT track_rowid, index_id, source, text_hash, valence, arousal, mood_words, "
        "concepts, vector FROM text_vectors";
    if (!index_id.empty()) sql += " WHERE index_id = ?1";
    sql += " ORDER BY track_rowid";
    std::lock_guard lock(mu_);
    auto st = c_.Prepare(sql);
    if (!st.ok()) return st.status();
    if (!index_id.empty()) st->BindText(1, index_id);
    std::vector<TrackTextVector> out;
    int rc;
    while ((rc = st->Step()) == SQLITE_ROW) {
      TrackTextVector v;
      v.rowid = st->Int(0);
      v.index_id = st->Text(1);
      v.source = st->Text(2);
      v.text_hash = std::bit_cast<std::uint64_t>(st->Int(3));
      v.valence = st->Real(4);
      v.arousal = st->Real(5);
      v.mood_words = st->Int(6);
      if (std::string bad = DecodeTextVector(st->Blob(8), st->Int(7), &v); !bad.empty()) {
        return Status::Corrupt("stored text vector of track " + std::to_string(v.rowid) +
                               " is malformed (" + bad + "; catalog " + c_.path + ")");
      }
      out.push_back(std::move(v));
    }
    if (rc != SQLITE_DONE) return c_.Fail(rc, "cannot read text vectors");
    return out;
  }

  Result<std::vector<Play>> ListPlays(const HistoryFilter& filter) override {
    std::string sql(kPlayColumns);
    sql += " WHERE 1";
    if (filter.track_rowid) sql += " AND track_rowid = ?1";
    if (filter.unmatched_only) sql += " AND track_rowid IS NULL";
    sql += " ORDER BY played_at, play_rowid LIMIT ?2 OFFSET ?3";
    std::lock_guard lock(mu_);
    auto st = c_.Prepare(sql);
    if (!st.ok()) return st.status();
    if (filter.track_rowid) st->BindInt(1, *filter.track_rowid);
    st->BindInt(2, filter.limit > 0 ? filter.limit : -1);
    st->BindInt(3, filter.offset);
    std::vector<Play> out;
    int rc;
    while ((rc = st->Step()) == SQLITE_ROW) out.push_back(ReadPlay(*st));
    if (rc != SQLITE_DONE) return c_.Fail(rc, "cannot read the listening history");
    return out;
  }

  Result<std::vector<TrackPlayCounts>> PlayCounts() override {
    std::lock_guard lock(mu_);
    auto st = c_.Prepare(
        "SELECT track_rowid, count(*), total(ms_played >= ?1), total(ms_played) "
        "FROM listening_history WHERE track_rowid IS NOT NULL "
        "GROUP BY track_rowid ORDER BY track_rowid");
    if (!st.ok()) return st.status();
    st->BindInt(1, kStreamMinMsPlayed);
    std::vector<TrackPlayCounts> out;
    int rc;
    while ((rc = st->Step()) == SQLITE_ROW) {
      out.push_back({st->Int(0), st->Int(1), st->Int(2), st->Int(3)});
    }
    if (rc != SQLITE_DONE) return c_.Fail(rc, "cannot count plays");
    return out;
  }

  Result<HistoryCounts> CountPlays() override {
    std::lock_guard lock(mu_);
    auto st = c_.Prepare(
        "SELECT count(*), count(track_rowid), total(ms_played >= ?1) FROM listening_history");
    if (!st.ok()) return st.status();
    st->BindInt(1, kStreamMinMsPlayed);
    const int rc = st->Step();
    if (rc != SQLITE_ROW) return c_.Fail(rc, "cannot count plays");
    return HistoryCounts{st->Int(0), st->Int(1), st->Int(2)};
  }

  Result<std::optional<StoredAnalysis>> LoadAnalysis(std::int64_t rowid) override {
    std::lock_guard lock(mu_);
    auto st = c_.Prepare(
        "SELECT features_version, analysis_json FROM audio_analysis WHERE track_rowid = ?1");
    if (!st.ok()) return st.status();
    st->BindInt(1, rowid);
    const int rc = st->Step();
    if (rc == SQLITE_DONE) return std::optional<StoredAnalysis>();
    if (rc != SQLITE_ROW) return c_.Fail(rc, "cannot read the analysis");
    return std::optional<StoredAnalysis>(StoredAnalysis{static_cast<int>(st->Int(0)), st->Text(1)});
  }

  Result<std::vector<AnalysisSummary>> AnalysisSummaries() override {
    // Counted inside SQLite: pulling every analysis out as text and parsing it in C++ would
    // move megabytes per track (the segments) to keep four numbers. A row whose JSON does not
    // parse is reported rather than skipped, as LoadAnalysis does; the CASE keeps json_each
    // from failing the whole query on it.
    constexpr std::string_view kSql =
        "SELECT track_rowid, valid, "
        "coalesce(json_array_length(j, '$.beats'), 0), "
        "(SELECT avg(json_extract(value, '$.duration')) FROM json_each(j, '$.beats')), "
        "coalesce(json_array_length(j, '$.bars'), 0), "
        "(SELECT avg(json_extract(value, '$.duration')) FROM json_each(j, '$.bars')), "
        "coalesce(json_array_length(j, '$.sections'), 0), "
        "(SELECT avg(json_extract(value, '$.duration')) FROM json_each(j, '$.sections')), "
        "coalesce(json_array_length(j, '$.segments'), 0), "
        "(SELECT avg(json_extract(value, '$.duration')) FROM json_each(j, '$.segments')) "
        "FROM (SELECT track_rowid, json_valid(analysis_json) AS valid, "
        "CASE WHEN json_valid(analysis_json) THEN analysis_json ELSE '{}' END AS j "
        "FROM audio_analysis) ORDER BY track_rowid";
    std::lock_guard lock(mu_);
    auto st = c_.Prepare(kSql);
    if (!st.ok()) return st.status();
    std::vector<AnalysisSummary> out;
    int rc;
    while ((rc = st->Step()) == SQLITE_ROW) {
      AnalysisSummary a;
      a.rowid = st->Int(0);
      if (st->Int(1) == 0) {
        return Status::Corrupt("stored analysis of track " + std::to_string(a.rowid) +
                               " is not JSON (catalog " + c_.path + ")");
      }
      // avg() of no rows is NULL, read as 0.0: the documented mean of nothing.
      a.beats = static_cast<int>(st->Int(2));
      a.beat_mean_s = st->Real(3);
      a.bars = static_cast<int>(st->Int(4));
      a.bar_mean_s = st->Real(5);
      a.sections = static_cast<int>(st->Int(6));
      a.section_mean_s = st->Real(7);
      a.segments = static_cast<int>(st->Int(8));
      a.segment_mean_s = st->Real(9);
      out.push_back(a);
    }
    if (rc != SQLITE_DONE) return c_.Fail(rc, "cannot summarise the stored analyses");
    return out;
  }

  Result<CatalogCounts> Counts() override {
    std::lock_guard lock(mu_);
    auto st = c_.Prepare(
        "SELECT count(*), total(state = 'analyzed' AND source = 'analyzed'), "
        "total(state = 'failed'), total(state = 'missing'), total(source = 'imported') "
        "FROM tracks");
    if (!st.ok()) return st.status();
    const int rc = st->Step();
    if (rc != SQLITE_ROW) return c_.Fail(rc, "cannot count tracks");
    CatalogCounts c;
    c.tracks = st->Int(0);
    c.analyzed = st->Int(1);
    c.failed = st->Int(2);
    c.missing = st->Int(3);
    c.imported = st->Int(4);
    return c;
  }

 private:
  Result<std::int64_t> StepReturningRowid(Stmt& st, const std::string& what) {
    const int rc = st.Step();
    if (rc != SQLITE_ROW) return c_.Fail(rc, what);
    const std::int64_t rowid = st.Int(0);
    // RETURNING rows are produced before the statement completes; finish it.
    if (int done = st.Step(); done != SQLITE_DONE) return c_.Fail(done, what);
    return rowid;
  }

  Status NoTextVectors() const {
    return Status::Unsupported("catalog " + c_.path + " is at schema version " +
                               std::to_string(version_) + ", before text vectors (version " +
                               std::to_string(kTextVectorsVersion) + ")");
  }

  // Caller holds mu_ inside a write transaction.
  Status SetFingerprint(std::int64_t rowid, const std::string& fingerprint,
                        const std::string& path) {
    if (version_ < kFingerprintVersion) return Status::Ok();
    auto st = c_.Prepare("UPDATE tracks SET fingerprint = ?2 WHERE track_rowid = ?1");
    if (!st.ok()) return st.status();
    st->BindInt(1, rowid);
    st->BindText(2, fingerprint);
    if (int rc = st->Step(); rc != SQLITE_DONE) {
      return c_.Fail(rc, "cannot store the fingerprint of " + path);
    }
    return Status::Ok();
  }

  Status ReplaceArtists(std::int64_t rowid, const std::vector<std::string>& artists) {
    auto del = c_.Prepare("DELETE FROM track_artists WHERE track_rowid = ?1");
    if (!del.ok()) return del.status();
    del->BindInt(1, rowid);
    if (int rc = del->Step(); rc != SQLITE_DONE) return c_.Fail(rc, "cannot replace artists");
    auto ins =
        c_.Prepare("INSERT INTO track_artists (track_rowid, position, name) VALUES (?1, ?2, ?3)");
    if (!ins.ok()) return ins.status();
    for (std::size_t i = 0; i < artists.size(); ++i) {
      ins->Reset();
      ins->BindInt(1, rowid);
      ins->BindInt(2, static_cast<std::int64_t>(i));
      ins->BindText(3, artists[i]);
      if (int rc = ins->Step(); rc != SQLITE_DONE) return c_.Fail(rc, "cannot store artists");
    }
    return Status::Ok();
  }

  // Caller holds mu_.
  Result<std::optional<TrackRecord>> FindOne(std::string_view where, const std::string& key) {
    ReadTransaction snapshot(c_);
    auto st = c_.Prepare(std::string(kTrackColumns) + std::string(where));
    if (!st.ok()) return st.status();
    st->BindText(1, key);
    auto tracks = ReadTracks(*st);
    if (!tracks.ok()) return tracks.status();
    if (tracks->empty()) return std::optional<TrackRecord>();
    return std::optional<TrackRecord>(std::move(tracks->front()));
  }

  // Caller holds mu_.
  Result<std::vector<TrackRecord>> ReadTracks(Stmt& st) {
    auto artists = c_.Prepare(kArtistsOf);
    if (!artists.ok()) return artists.status();
    std::vector<TrackRecord> out;
    int rc;
    while ((rc = st.Step()) == SQLITE_ROW) {
      TrackRecord t;
      t.rowid = st.Int(0);
      t.id = st.Text(1);
      t.path = st.Text(2);
      t.size = st.Int(3);
      t.mtime_ns = st.Int(4);
      t.content_hash = st.Text(5);
      t.tags.title = st.Text(6);
      t.tags.album = st.Text(7);
      t.tags.album_artist = st.Text(8);
      t.tags.release_date = st.Text(9);
      t.tags.genre = st.Text(10);
      t.tags.track_number = static_cast<int>(st.Int(11));
      t.tags.isrc = st.Text(12);
      t.duration_ms = st.Int(13);
      const auto state = ParseTrackState(st.Text(14));
      if (!state) return Status::Corrupt("track " + t.path + " has an unknown state in " + c_.path);
      t.state = *state;
      t.failure_reason = st.Text(15);
      t.features_version = static_cast<int>(st.Int(16));
      t.analyzed_at = st.Text(17);
      t.source = st.Text(18);
      if (auto v = st.OptionalInt(19)) t.popularity = static_cast<int>(*v);
      if (auto v = st.OptionalInt(20)) t.is_explicit = *v != 0;
      t.streams = st.OptionalInt(21);
      if (auto v = st.OptionalInt(22)) t.available_markets = static_cast<int>(*v);
      t.extra_json = st.Text(23);
      t.missing_features = SplitFieldList(st.Text(24));
      t.fingerprint = st.Text(25);

      artists->Reset();
      artists->BindInt(1, t.rowid);
      int arc;
      while ((arc = artists->Step()) == SQLITE_ROW) t.tags.artists.push_back(artists->Text(0));
      if (arc != SQLITE_DONE) return c_.Fail(arc, "cannot read artists");
      out.push_back(std::move(t));
    }
    if (rc != SQLITE_DONE) return c_.Fail(rc, "cannot read tracks");
    return out;
  }

  Connection c_;
  const int version_;
  // Recursive: an ImportBatch holds it for its whole life, and reads on the importing thread
  // (which then see the import's own writes) must not deadlock.
  std::recursive_mutex mu_;
};

}  // namespace

std::span<const SqliteMigration> SqliteMigrations() {
  return kMigrations;
}

Result<std::unique_ptr<TrackStore>> OpenSqliteTrackStore(
    const fs::path& path, std::span<const SqliteMigration> migrations) {
  if (Status s = ValidateMigrations(migrations); !s.ok()) return s;
  if (path.empty()) return Status::InvalidArgument("empty catalog path");
  std::error_code ec;
  const fs::path parent = fs::absolute(path, ec).parent_path();
  if (!ec && !parent.empty()) fs::create_directories(parent, ec);
  if (ec) {
    return Status::IOError("cannot create the folder of catalog " + path.string() + ": " +
                           ec.message());
  }

  Connection c;
  c.path = path.string();
  // NOMUTEX: the store serialises access itself.
  const int flags =
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  int rc = sqlite3_open_v2(c.path.c_str(), &c.db, flags, nullptr);
  // From here on the connection must be closed on every path.
  auto fail = [&c](Status s) -> Result<std::unique_ptr<TrackStore>> {
    sqlite3_close_v2(c.db);
    return s;
  };
  if (rc != SQLITE_OK) return fail(c.Fail(rc, "cannot open the catalog"));
  sqlite3_busy_timeout(c.db, kBusyTimeoutMs);
  rc = sqlite3_create_function_v2(c.db, "sonance_fold", 1,
                                  SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, nullptr,
                                  &SqlFold, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return fail(c.Fail(rc, "cannot register sonance_fold"));

  const int latest = migrations.back().version;
  if (Status s = CheckIdentity(c, latest); !s.ok()) return fail(s);
  if (Status s = Configure(c); !s.ok()) return fail(s);
  auto version = Migrate(c, migrations);
  if (!version.ok()) return fail(version.status());
  return std::unique_ptr<TrackStore>(new SqliteTrackStore(std::move(c), *version));
}

}  // namespace sonance
