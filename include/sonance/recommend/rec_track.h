// RecTrack: what the recommenders know of one track, loaded once from the catalog.
//
// Plain data: the catalog record (ids, tags, popularity, fingerprint, ...), its audio
// features, the analysis summary when the track has an analysis, and the derived values the
// recommenders compare (release year, genres, NormalizeName keys). LoadRecTracks() reads
// every track that has features (state analyzed, or imported with features), ordered by
// rowid; ToFeatureRow() is the input the feature pipeline takes.
//
// Thread-safety: plain values. Ownership: the caller owns the returned vector.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sonance/analysis/track_analysis.h"
#include "sonance/catalog/catalog.h"
#include "sonance/common/status.h"
#include "sonance/search/feature_pipeline.h"

namespace sonance {

struct RecTrack {
  TrackRecord record;
  AudioFeatures features;  // features.features_version separates analysed from imported
  std::optional<AnalysisSummary> analysis;
  int release_year = 0;                  // 0 when unknown
  std::vector<std::string> genres;       // the record's genre split on "; ", as written
  std::vector<std::string> genre_keys;   // NormalizeName of each genre
  std::string title_key;                 // NormalizeName(title)
  std::vector<std::string> artist_keys;  // NormalizeName of each artist
  std::string album_key;                 // NormalizeName(album), empty when none

  bool HasFeature(const std::string& name) const;  // not listed in record.missing_features
};

// Fills the derived fields from record and features.
RecTrack MakeRecTrack(TrackRecord record, AudioFeatures features,
                      std::optional<AnalysisSummary> analysis);

Result<std::vector<RecTrack>> LoadRecTracks(Catalog& catalog);

FeatureRow ToFeatureRow(const RecTrack& track);

// "Artist - Title" as a playlist shows it (first artist; the title alone when none).
std::string DisplayName(const RecTrack& track);

}  // namespace sonance
