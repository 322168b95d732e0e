// TrackStore: the storage back-end behind Catalog, the only place that speaks a query language.
//
// Catalog owns the rules (what "changed" means, ids, timestamps, validation, JSON); a
// TrackStore only reads and writes rows, each write in one transaction. Implementations:
// SQLite (sqlite_track_store.h); PostgreSQL is planned behind the same interface.
//
// Thread-safety: implementations must be safe to call from several threads (Catalog does not
// add its own lock). Ownership: the Catalog owns its store; results are copies.
#pragma once

#include <cstdint>
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

class TrackStore {
 public:
  virtual ~TrackStore() = default;

  virtual int schema_version() const = 0;

  virtual Result<std::optional<TrackRecord>> FindByPath(const std::string& path) = 0;
  virtual Result<std::optional<TrackRecord>> FindById(const std::string& id) = 0;

  // Upsert by path; replaces artists, features and analysis; clears the failure.
  virtual Status PutAnalysis(const AnalyzedTrackRow& row) = 0;
  // Upsert by path in state failed; keeps tags; removes features and analysis.
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
  // Changes whenever another connection commits to the store (SQLite's data_version);
  // readers that cache the catalog compare it to know when to reload.
  virtual Result<std::int64_t> DataVersion() = 0;
};

}  // namespace sonance
