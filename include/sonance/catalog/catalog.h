// Catalog: the persistent store of tracks, their audio features and analysis, and failures.
//
// A Catalog remembers, for every audio file it has seen, where it is (absolute path), what it
// was (size, mtime, content hash, tags), what came out of analysing it (AudioFeatures and
// AudioAnalysis, with the features version that produced them) or why analysing it failed.
// NeedsAnalysis() tells a library scan which files can be skipped; every Store*() call is one
// transaction, so an interrupted scan loses nothing already stored and never leaves a
// half-written track. It also keeps what was imported rather than analysed (CatalogImport):
// tracks from tables of tracks (source "imported", Spotify's feature values under
// kImportedFeaturesVersion), lyrics line by line, and a listening history matched to tracks;
// an import is one transaction however much it writes. The default back-end is an embedded
// SQLite file in WAL mode, so other processes may read while one writes; the API says nothing
// about SQL so that other back-ends (PostgreSQL) can sit behind the same class (see
// track_store.h, docs/catalog.md and docs/importing.md).
//
// Thread-safety: a Catalog may be shared by threads; calls are serialised on one connection
// (while a CatalogImport is open, other threads wait for it).
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
class ImportBatch;
class CatalogImport;

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
  std::string analyzed_at;          // ISO-8601 UTC of the last analysis, failure or import
  std::string source = "analyzed";  // "analyzed" (from audio) or "imported" (from a table)
  // What a table of tracks said about the track (nullopt: the source did not say). Analysed
  // tracks leave them empty.
  std::optional<int> popularity;         // Spotify's popularity, 0..100
  std::optional<bool> is_explicit;       // explicit lyrics
  std::optional<std::int64_t> streams;   // total streams reported by the source
  std::optional<int> available_markets;  // number of markets the track was available in
  std::string extra_json = "{}";         // the source's other columns, as a JSON object
  // Audio features the source did not provide ("key", "loudness", ...): they are stored with
  // AudioFeatures' default values, which mean nothing for this track. Empty for analysed tracks.
  std::vector<std::string> missing_features;
  // Chromaprint fingerprint of the audio (EncodeFingerprint in sonance/audio/fingerprint.h),
  // for finding the same recording under two files; empty for imported tracks and for
  // tracks analysed before fingerprints were stored.
  std::string fingerprint;
};

// The time structures of a track's audio analysis in numbers, as the playlist features use
// them (the original generator computed these from Spotify's analysis).
struct AnalysisSummary {
  std::int64_t rowid = 0;
  int beats = 0;
  double beat_mean_s = 0.0;  // mean duration; 0 when there are none
  int bars = 0;
  double bar_mean_s = 0.0;
  int sections = 0;
  double section_mean_s = 0.0;
  int segments = 0;
  double segment_mean_s = 0.0;
};

// The features version of imported features: Spotify's published values, not computed by
// Sonance. Analysers are numbered from 1, so imported values never pass for analysed ones.
inline constexpr int kImportedFeaturesVersion = 0;

// A track read from a table (CSV) of tracks, ready for CatalogImport::PutTrack.
struct ImportedTrack {
  std::string spotify_id;        // 22 base62 characters, or empty when the table has no id
  TrackTags tags;                // title (required), artists, album, release_date, genre
  std::int64_t duration_ms = 0;  // 0 when unknown
  std::optional<int> popularity;
  std::optional<bool> is_explicit;
  std::optional<std::int64_t> streams;
  std::optional<int> available_markets;
  std::string extra_json = "{}";
  // The features the table gave (features_version kImportedFeaturesVersion); nullopt when it
  // gave none. Fields listed in missing_features hold AudioFeatures' defaults.
  std::optional<AudioFeatures> features;
  std::vector<std::string> missing_features;
};

enum class ImportOutcome {
  kInserted,         // a new track
  kUpdated,          // an imported track already there: what the row says replaces, the rest stays
  kSkippedAnalyzed,  // the id belongs to an analysed track, which an import never overwrites
};

// One line of lyrics; time_ms is when it starts, when the source says.
struct LyricLine {
  std::optional<std::int64_t> time_ms;
  std::string text;
};

struct TrackLyrics {
  // Where the lines came from: "lrc" or "txt" (a file beside the audio file, or matched by
  // its [ar:]/[ti:] tags), "embedded:SYLT", "embedded:USLT", "embedded:LYRICS",
  // "embedded:UNSYNCEDLYRICS" or "embedded:©lyr" (tags inside the audio file).
  std::string source;
  std::vector<LyricLine> lines;  // in order; timed lines sorted by time
};

// A track's text vector for text semantics: the ESA concept vector (text/esa.h) of its
// lyrics (source "lyrics") or, without lyrics, of its title, album, genre and artists
// (source "metadata"), with the mood of that text. It is valid for one ESA index (index_id)
// and one text (text_hash, XXH64 of the text vectorised); when either changes it is computed
// again.
struct TrackTextVector {
  std::int64_t rowid = 0;
  std::string index_id;
  std::string source;  // "lyrics" or "metadata"
  std::uint64_t text_hash = 0;
  double valence = 0.5;  // text mood in [0, 1] (text/mood.h)
  double arousal = 0.5;
  std::int64_t mood_words = 0;     // rated words the mood came from; 0: neutral default
  std::vector<std::uint32_t> ids;  // concept ids, ascending, unique
  std::vector<float> weights;      // same length as ids
};

// The text of a track to vectorise: its lyrics lines in order (empty without lyrics) and
// the metadata used without them.
struct TrackText {
  std::int64_t rowid = 0;
  std::vector<std::string> lyrics;  // the lines' text, in order; lines of only white space dropped
  std::string title;
  std::string album;
  std::string genre;
  std::vector<std::string> artists;
};

// One play from a listening history (Spotify's personal data export).
struct Play {
  std::int64_t play_rowid = 0;  // set when read back from the catalog
  std::string played_at;        // ISO-8601 UTC when the play ended, "2024-01-02T03:04:05Z"
  std::int64_t ms_played = 0;
  std::string track_name;  // never empty
  std::string artist_name;
  std::string album_name;
  std::string spotify_uri;  // "spotify:track:<id>", or empty
  std::string reason_start;
  std::string reason_end;
  std::string platform;
  std::optional<bool> shuffle;
  std::optional<bool> skipped;
  // "account" (StreamingHistory*.json, minute precision) or "extended" (endsong_*.json,
  // Streaming_History_Audio_*.json).
  std::string export_format = "extended";
  std::string extra_json = "{}";            // other fields worth keeping (never IP addresses)
  std::optional<std::int64_t> track_rowid;  // the catalog track it was matched to
};

enum class PlayOutcome {
  kAdded,
  kDuplicate,  // this play is already in the catalog (same time, artist, title, ms_played)
};

// Spotify counts a stream when at least 30 s were played.
inline constexpr std::int64_t kStreamMinMsPlayed = 30000;

struct TrackPlayCounts {
  std::int64_t rowid = 0;
  std::int64_t plays = 0;      // every play matched to the track
  std::int64_t streams = 0;    // plays with ms_played >= kStreamMinMsPlayed
  std::int64_t ms_played = 0;  // total
};

struct HistoryFilter {
  std::optional<std::int64_t> track_rowid;  // only plays of this track
  bool unmatched_only = false;              // only plays not matched to a track
  int limit = 0;                            // 0 = all; negative is InvalidArgument
  int offset = 0;
};

struct HistoryCounts {
  std::int64_t plays = 0;
  std::int64_t matched = 0;
  std::int64_t streams = 0;  // plays with ms_played >= kStreamMinMsPlayed
};

// Filters combine with AND. Text comparisons fold case (Unicode simple case folding).
struct TrackFilter {
  std::string text;  // substring of title, artist, album artist, album or path
  std::optional<TrackState> state;
  std::string artist;  // equals one of the track's artists
  std::string album;   // equals the album
  std::string genre;   // equals the genre, or one of its "; "-separated genres
  std::string source;  // "analyzed" or "imported"; empty = both
  int limit = 0;       // 0 = all; negative is InvalidArgument
  int offset = 0;      // negative is InvalidArgument
};

struct CatalogCounts {
  std::int64_t tracks = 0;
  std::int64_t analyzed = 0;  // analysed from audio, in state analyzed
  std::int64_t failed = 0;
  std::int64_t missing = 0;
  std::int64_t imported = 0;  // imported from tables of tracks (source "imported")
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

  // One transaction: upsert the track (id from the path), replace its artists, features,
  // analysis and fingerprint (EncodeFingerprint text; "" stores none), clear any failure.
  // InvalidArgument for a relative path, non-finite values, features and analysis of
  // different versions, or a fingerprint that does not decode.
  Status StoreAnalysis(const FileStat& stat, const std::string& content_hash, const TrackTags& tags,
                       const TrackAnalysis& analysis, const std::string& fingerprint = "");

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

  // The AnalysisSummary of every track that has a stored analysis, ordered by rowid.
  Result<std::vector<AnalysisSummary>> AnalysisSummaries();

  // A number that changes when another connection or process commits to the catalog; equal
  // values mean nothing changed in between (writes through this Catalog do not change it).
  Result<std::int64_t> DataVersion();

  // ---- imports (tables of tracks, lyrics, listening history) ----------------------------

  // Starts an import: one write transaction for everything put into it (see CatalogImport).
  Result<std::unique_ptr<CatalogImport>> BeginImport();

  // One transaction: replaces the track's lyrics. NotFound for an unknown rowid;
  // InvalidArgument for text that is not UTF-8 or a negative time.
  Status StoreLyrics(std::int64_t rowid, const std::vector<LyricLine>& lines,
                     const std::string& source);
  // nullopt when the track has no lyrics.
  Result<std::optional<TrackLyrics>> LoadLyrics(std::int64_t rowid);

  // ---- text vectors ---------------------------------------------------------------------

  // The text of every track that has features (analysed or imported), ordered by rowid
  // (three queries for the whole catalog: tracks, artists, lyrics).
  Result<std::vector<TrackText>> TrackTexts();
  // One transaction: inserts or replaces each track's text vector (a rowid given twice keeps
  // the last). NotFound for an unknown rowid; InvalidArgument for an empty or non-UTF-8
  // index_id, a source other than "lyrics"/"metadata", a valence or arousal outside [0, 1],
  // negative mood_words, ids not ascending and unique, lengths that differ or a non-finite
  // weight. On any error nothing of the call is written.
  Status StoreTextVectors(const std::vector<TrackTextVector>& vectors);
  // Every stored text vector, ordered by rowid; with a non-empty index_id, only those
  // computed against that index. Corrupt when a stored vector blob is malformed.
  Result<std::vector<TrackTextVector>> LoadTextVectors(const std::string& index_id = "");

  // Plays ordered by played_at, then by rowid.
  Result<std::vector<Play>> ListHistory(const HistoryFilter& filter);
  // Plays and streams of every track that has a matched play, ordered by rowid (the input of
  // the stream-count model).
  Result<std::vector<TrackPlayCounts>> StreamCounts();
  Result<HistoryCounts> CountHistory();

 private:
  Catalog(std::unique_ptr<TrackStore> store, CatalogOptions options);
  std::string Now() const;

  std::unique_ptr<TrackStore> store_;
  CatalogOptions options_;

  friend class CatalogImport;
};

// An import in progress. Everything put into it is one write transaction: Commit() makes it
// durable at once; destroying the object without Commit() (or after a failed Put) rolls all
// of it back, and so does a crash. Imported tracks get the Spotify id when the table has one
// (locator "spotify:track:<id>"), else the id of the locator
// "import:<normalised artist>/<normalised title>"; locators are never file paths, so
// MarkMissing never touches imported tracks. An analysed track is never overwritten.
//
// Plays are matched to a track by their spotify_uri (the id of an imported track), else by
// artist and title compared with NormalizeName (exact keys; analysed tracks first, then the
// lowest rowid).
//
// Thread-safety: use it from one thread. While it is open, the catalog's other functions
// wait for it on other threads; on the import's own thread reads see the import's writes and
// other writes fail. Ownership: it borrows the Catalog, which must outlive it.
class CatalogImport {
 public:
  ~CatalogImport();
  CatalogImport(const CatalogImport&) = delete;
  CatalogImport& operator=(const CatalogImport&) = delete;

  // Inserts the track, or updates the imported track with the same id or locator: the fields
  // the row gives replace the stored ones; empty text, a 0 duration, unknown numbers, an empty
  // artist list and features listed as missing keep the stored values; extra_json objects are
  // merged. InvalidArgument for an empty title, a malformed id, text that is not UTF-8 or
  // non-finite features; other errors (IOError, ...) abort the import.
  Result<ImportOutcome> PutTrack(const ImportedTrack& track);

  // Matches the play to a track (unless play.track_rowid is set) and stores it.
  // InvalidArgument for an empty track name, a malformed time or negative ms_played.
  Result<PlayOutcome> AddPlay(Play play);

  // Matches plays stored earlier without a track; returns how many found one.
  Result<std::int64_t> MatchUnmatchedPlays();

  // The track a play or a lyrics file names: by Spotify URI ("spotify:track:<id>") when
  // given and known, else by artist and title (NormalizeName keys); nullopt when none.
  Result<std::optional<std::int64_t>> MatchTrack(const std::string& spotify_uri,
                                                 const std::string& artist,
                                                 const std::string& title);

  // Replaces the track's lyrics (see Catalog::StoreLyrics).
  Status PutLyrics(std::int64_t rowid, const TrackLyrics& lyrics);

  Status Commit();

 private:
  friend class Catalog;
  struct Matcher;
  CatalogImport(Catalog* catalog, std::unique_ptr<ImportBatch> batch);
  Status LoadMatcher();

  Catalog* catalog_;
  std::unique_ptr<ImportBatch> batch_;
  std::unique_ptr<Matcher> matcher_;
  std::string now_;
};

}  // namespace sonance
