// Catalog: the persistent store of tracks, their audio features and analysis, and failures.
//
// A Catalog remembers, for every audio file it has seen, where it is (absolute path), what it
// was (size, mtime, content hash, tags), what came out of analysing it (AudioFeatures and
// AudioAnalysis, with the features version that produced them) or why analysing it failed.
// NeedsAnalysis() tells a library scan which files can be skipped; every Store*() call is one
// transaction, so an interrupted scan loses nothing already stored and never leaves a
// half-written track. The default back-end is an embedded SQLite file in WAL mode, so other
// processes may read while one writes; the API says nothing about SQL so that other back-ends
// (PostgreSQL) can sit behind the same class (see track_store.h and docs/catalog.md).
//
// Thread-safety: a Catalog may be shared by threads; calls are serialised on one connection.
// Ownership: Open() returns the sole owner of the connection; every returned value is a copy.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sonance/analysis/track_analysis.h"
#include "sonance/audio/tags.h"
#include "sonance/common/status.h"

namespace sonance {

class TrackStore;

// What the catalog compares to decide whether a file changed.
struct FileStat {
  std::string path;  // absolute, lexically normal
  std::int64_t size = 0;
  std::int64_t mtime_ns = 0;  // nanoseconds since the Unix epoch
};

// NotFound when the file does not exist, InvalidArgument when it is not a regular file.
Result<FileStat> StatFile(const std::filesystem::path& path);

// XXH3-128 of the file's contents as 32 lower-case hex digits (the canonical, big-endian form
// printed by `xxhsum -H2`), read in 1 MiB chunks.
Result<std::string> HashFile(const std::filesystem::path& path);

// The Spotify-style track id of a path: 22 base62 characters ([0-9a-zA-Z]) encoding the
// XXH3-128 of the path string. Deterministic, so re-analysing a file keeps its id.
std::string TrackIdForPath(const std::string& normalized_path);
// The 128-bit number high64:low64 in 22 base62 digits, most significant first, zero-padded
// (Spotify's alphabet: 0-9, a-z, A-Z).
std::string EncodeTrackId(std::uint64_t high64, std::uint64_t low64);

// True for a string of 22 base62 characters.
bool LooksLikeTrackId(const std::string& s);

enum class TrackState { kAnalyzed, kFailed, kMissing };

// "analyzed", "failed", "missing"; the parse is the inverse (nullopt for anything else).
const char* TrackStateName(TrackState state);
std::optional<TrackState> ParseTrackState(const std::string& name);

struct TrackRecord {
  std::int64_t rowid = 0;  // back-end key, stable for the life of the track
  std::string id;          // Spotify-style 22-char base62 id, stable for a path
  std::string path;
  std::int64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::string content_hash;
  TrackTags tags;
  std::int64_t duration_ms = 0;
  TrackState state = TrackState::kAnalyzed;
  std::string failure_reason;       // empty unless state == kFailed
  int features_version = 0;         // version of the stored features, or of the failed attempt
  std::string analyzed_at;          // ISO-8601 UTC of the last analysis or failure, "...Z"
  std::string source = "analyzed";  // "analyzed" (from audio); importers will add "imported"
};

// Filters combine with AND. Text comparisons fold case (Unicode simple case folding).
struct TrackFilter {
  std::string text;  // substring of title, artist, album artist, album or path
  std::optional<TrackState> state;
  std::string artist;  // equals one of the track's artists
  std::string album;   // equals the album
  std::string genre;   // equals the genre
  int limit = 0;       // 0 = all; negative is InvalidArgument
  int offset = 0;      // negative is InvalidArgument
};

struct CatalogCounts {
  std::int64_t tracks = 0;
  std::int64_t analyzed = 0;
  std::int64_t failed = 0;
  std::int64_t missing = 0;
};

struct CatalogOptions {
  // Source of `analyzed_at` timestamps; a seam for tests.
  std::function<std::chrono::system_clock::time_point()> clock = [] {
    return std::chrono::system_clock::now();
  };
};

class Catalog {
 public:
  // Opens or creates the SQLite catalog at `path`: creates parent folders, switches to WAL,
  // waits up to 5 s for other writers, enforces foreign keys and migrates the schema.
  // Corrupt (with the path) when the file is not a SQLite database or not a Sonance catalog;
  // Unsupported when its schema is newer than this build. In both cases the file is untouched.
  static Result<std::unique_ptr<Catalog>> Open(const std::filesystem::path& path,
                                               CatalogOptions options = {});
  // Wraps an already opened back-end (the seam for PostgreSQL and for tests).
  static std::unique_ptr<Catalog> FromStore(std::unique_ptr<TrackStore> store,
                                            CatalogOptions options = {});

  // $SONANCE_CATALOG if set, else $XDG_DATA_HOME/sonance/catalog.db (when XDG_DATA_HOME is an
  // absolute path), else $HOME/.local/share/sonance/catalog.db.
  static std::filesystem::path DefaultPath();

  ~Catalog();
  Catalog(const Catalog&) = delete;
  Catalog& operator=(const Catalog&) = delete;

  int schema_version() const;

  // True when the path is unknown, its size or mtime changed, its stored features version is
  // not kFeaturesVersion, or it was marked missing; false for an unchanged analysed or failed
  // file.
  Result<bool> NeedsAnalysis(const FileStat& stat);

  // One transaction: upsert the track (id from the path), replace its artists, features and
  // analysis, clear any failure. InvalidArgument for a relative path, non-finite values or
  // features and analysis of different versions.
  Status StoreAnalysis(const FileStat& stat, const std::string& content_hash, const TrackTags& tags,
                       const TrackAnalysis& analysis);

  // One transaction: upsert the track in state failed with `reason`, keeping its tags and
  // removing any features and analysis it had.
  Status StoreFailure(const FileStat& stat, const std::string& content_hash,
                      const std::string& reason);

  // Tracks under these folders whose file no longer exists move to state missing (their
  // features are kept, in case the file comes back). Returns how many changed. NotFound when
  // a root itself does not exist: an unmounted disk must not mark a whole library missing.
  Result<std::int64_t> MarkMissing(const std::vector<std::filesystem::path>& roots);

  // Ordered by path.
  Result<std::vector<TrackRecord>> ListTracks(const TrackFilter& filter);

  // Accepts a track id, a "sonance:track:<id>" URI or a file path (relative paths are taken
  // from the current directory).
  Result<std::optional<TrackRecord>> FindTrack(const std::string& id_or_path);

  // nullopt when the track has no features (failed, or unknown rowid).
  Result<std::optional<AudioFeatures>> LoadFeatures(std::int64_t rowid);
  // nullopt when the track has no analysis; Corrupt when the stored JSON does not parse.
  Result<std::optional<AudioAnalysis>> LoadAnalysis(std::int64_t rowid);

  Result<CatalogCounts> Counts();

  // The features of every track that has them, ordered by rowid (one query, for loading an
  // in-memory index).
  Result<std::vector<std::pair<std::int64_t, AudioFeatures>>> AllFeatures();

  // A number that changes when another connection or process commits to the catalog; equal
  // values mean nothing changed in between (writes through this Catalog do not change it).
  Result<std::int64_t> DataVersion();

 private:
  Catalog(std::unique_ptr<TrackStore> store, CatalogOptions options);
  std::string Now() const;

  std::unique_ptr<TrackStore> store_;
  CatalogOptions options_;
};

}  // namespace sonance
