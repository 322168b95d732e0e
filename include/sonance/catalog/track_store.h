// TrackStore: the storage back-end behind Catalog, the only place that speaks a query language.
//
// Catalog owns the rules (what "changed" means, ids, timestamps, validation, JSON); a
// TrackStore only reads and writes rows, each write in one transaction (an import's many
// writes in the one transaction of its ImportBatch). Implementations:
// SQLite (sqlite_track_store.h); PostgreSQL is planned behind the same interface.
//
// Thread-safety: implementations must be safe to call from several threads (Catalog does not
// add its own lock). Ownership: the Catalog owns its store; results are copies.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sonance/analysis/track_analysis.h"
#include "sonance/audio/tags.h"
#include "sonance/catalog/catalog.h"
#include "sonance/common/status.h"

namespace sonance {

// A successful analysis, ready to write; Catalog has validated and normalised it.
struct AnalyzedTrackRow {
  std::string id;
  FileStat stat;
  std::string content_hash;
  TrackTags tags;
  AudioFeatures features;     // features.duration_ms is also the track's duration
  std::string analysis_json;  // Spotify-shaped audio-analysis object
  std::string analyzed_at;
  std::string fingerprint;  // EncodeFingerprint text, replacing the stored one; "" for none
};

struct FailedTrackRow {
  std::string id;
  FileStat stat;
  std::string content_hash;
  std::string reason;
  int features_version = kFeaturesVersion;
  std::string analyzed_at;
};

// A track believed present, as seen when MarkMissing started; the store marks it missing
// only if the row still has this size and mtime (it was not re-stored in between).
struct PresentTrack {
  std::int64_t rowid = 0;
  std::string path;
  std::int64_t size = 0;
  std::int64_t mtime_ns = 0;
};

struct StoredAnalysis {
  int features_version = 0;
  std::string json;
};

// An imported track, ready to write; Catalog has validated it and chosen its id and locator.
struct ImportedTrackRow {
  std::string id;
  std::string locator;  // stored in `path`: "spotify:track:<id>" or "import:<artist>/<title>"
  TrackTags tags;
  std::int64_t duration_ms = 0;
  std::optional<int> popularity;
  std::optional<bool> is_explicit;
  std::optional<std::int64_t> streams;
  std::optional<int> available_markets;
  std::string extra_json = "{}";
  std::optional<AudioFeatures> features;
  std::string missing_features;  // comma-separated feature names
  std::string imported_at;
};

// What matching plays and lyrics files to tracks needs to know of every track.
struct TrackNames {
  std::int64_t rowid = 0;
  std::string id;
  std::string source;
  std::string title;
  std::vector<std::string> artists;  // the track's artists, then its album artist
};

// A write transaction spanning many calls (an import). Destroying it without Commit() rolls
// everything back. The store is locked for other threads while it lives.
class ImportBatch {
 public:
  virtual ~ImportBatch() = default;

  // Insert, or update an imported track with the row's id or locator, keeping what the row
  // does not say (see CatalogImport::PutTrack); an analysed track is left alone.
  virtual Result<ImportOutcome> PutTrack(const ImportedTrackRow& row) = 0;
  virtual Result<PlayOutcome> AddPlay(const Play& play) = 0;
  // Plays without a track (play_rowid, names and uri filled).
  virtual Result<std::vector<Play>> UnmatchedPlays() = 0;
  virtual Status SetPlayTrack(std::int64_t play_rowid, std::int64_t track_rowid) = 0;
  virtual Result<std::vector<TrackNames>> AllTrackNames() = 0;
  // NotFound for an unknown rowid.
  virtual Status ReplaceLyrics(std::int64_t rowid, const TrackLyrics& lyrics) = 0;
  virtual Status Commit() = 0;
};

class TrackStore {
 public:
  virtual ~TrackStore() = default;

  virtual int schema_version() const = 0;

  virtual Result<std::optional<TrackRecord>> FindByPath(const std::string& path) = 0;
  virtual Result<std::optional<TrackRecord>> FindById(const std::string& id) = 0;

  // Upsert by path; replaces artists, features, analysis and fingerprint; clears the failure.
  virtual Status PutAnalysis(const AnalyzedTrackRow& row) = 0;
  // Upsert by path in state failed; keeps tags; removes features, analysis and fingerprint.
  virtual Status PutFailure(const FailedTrackRow& row) = 0;

  // Tracks not in state missing whose path starts with `folder_prefix` (which ends in '/').
  virtual Result<std::vector<PresentTrack>> TracksUnder(const std::string& folder_prefix) = 0;
  // One transaction; returns how many rows changed state.
  virtual Result<std::int64_t> SetMissing(const std::vector<PresentTrack>& tracks) = 0;

  virtual Result<std::vector<TrackRecord>> List(const TrackFilter& filter) = 0;
  virtual Result<std::optional<AudioFeatures>> LoadFeatures(std::int64_t rowid) = 0;
  virtual Result<std::optional<StoredAnalysis>> LoadAnalysis(std::int64_t rowid) = 0;
  virtual Result<CatalogCounts> Counts() = 0;

  // Every stored feature row, ordered by rowid.
  virtual Result<std::vector<std::pair<std::int64_t, AudioFeatures>>> AllFeatures() = 0;
  // The AnalysisSummary of every stored analysis, ordered by rowid; Corrupt when one does not
  // parse.
  virtual Result<std::vector<AnalysisSummary>> AnalysisSummaries() = 0;
  // Changes whenever another connection commits to the store (SQLite's data_version);
  // readers that cache the catalog compare it to know when to reload.
  virtual Result<std::int64_t> DataVersion() = 0;

  // Starts a write transaction for an import (waits for other writers like any write).
  virtual Result<std::unique_ptr<ImportBatch>> BeginImport() = 0;
  virtual Result<std::optional<TrackLyrics>> LoadLyrics(std::int64_t rowid) = 0;

  // Every track with a features row, ordered by rowid: title, album, genre, artists in order
  // and every stored lyrics line in order (Catalog drops the blank ones). A few queries for
  // the whole catalog, not one per track.
  virtual Result<std::vector<TrackText>> TrackTexts() = 0;
  // One transaction: inserts or replaces the text vector of each rowid (Catalog has validated
  // them). NotFound for an unknown rowid, and then nothing of the call is written.
  // Unsupported on a store opened at a schema version before text vectors.
  virtual Status ReplaceTextVectors(const std::vector<TrackTextVector>& vectors) = 0;
  // Ordered by rowid; all of them when index_id is empty. Corrupt for a malformed stored
  // vector; none on a store opened at a schema version before text vectors.
  virtual Result<std::vector<TrackTextVector>> LoadTextVectors(const std::string& index_id) = 0;

  virtual Result<std::vector<Play>> ListPlays(const HistoryFilter& filter) = 0;
  virtual Result<std::vector<TrackPlayCounts>> PlayCounts() = 0;
  virtual Result<HistoryCounts> CountPlays() = 0;
};

}  // namespace sonance
