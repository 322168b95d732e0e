// FeaturePipeline: turns what the catalog knows about a track into a short vector for
// nearest-neighbour search, as the playlist generator Sonance replaces did.
//
// Input columns (FeatureRow): the ten continuous audio features (danceability, energy,
// loudness, speechiness, acousticness, instrumentalness, liveness, valence, tempo,
// duration_ms), key and mode and time_signature as numbers, the counts and mean durations of
// beats, bars, sections and segments (AnalysisSummary), release year, and genre one-hot (the
// `max_genres` most common genres; a track with several genres gets a 1 in each; rarer ones
// share an "other" column). Fit() learns, per column, the mean of the known values (a missing
// value is imputed with it: a feature listed in FeatureRow::missing, an analysis the track
// does not have, an unknown year; key -1, "no key", is a value, not a gap) and the population
// standard deviation after imputation (columns are standardised to mean 0, deviation 1 over
// the fitted rows; a constant column becomes 0), then a PCA (Eigen's self-adjoint eigen
// solver on the covariance of the standardised columns) that keeps `components` components,
// or, when that is 0, the fewest whose explained variance reaches `variance_share`.
// Transform() applies the fitted steps to any row.
//
// A fitted pipeline remembers the features version of the rows it was fitted on; rows of
// another version are refused (InvalidArgument), since their values are not comparable.
// Save()/Load() keep it as one JSON file. NeedsRefit() is the documented refit rule: the
// catalog has changed by at least `refit_change_share` of the rows fitted on (added plus
// removed), or the features version differs.
//
// Thread-safety: a fitted pipeline is immutable; const methods are safe from any thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sonance/analysis/track_analysis.h"
#include "sonance/catalog/catalog.h"
#include "sonance/common/status.h"

namespace sonance {

struct FeatureRow {
  std::int64_t rowid = 0;
  AudioFeatures features;                   // features.features_version is the row's version
  std::vector<std::string> missing;         // AudioFeatures field names with no value ("key", ...)
  std::optional<AnalysisSummary> analysis;  // nullopt: every analysis column is imputed
  int release_year = 0;                     // 0: unknown, imputed
  std::vector<std::string> genres;          // as stored; compared after NormalizeName
};

// Builds the rows of every present track (state analyzed, which imported tracks also are)
// with features: the tags' release year and genres
// ("; "-separated), the features and their missing list, the analysis summary.
Result<std::vector<FeatureRow>> LoadFeatureRows(Catalog& catalog);

struct FeaturePipelineOptions {
  int components = 0;            // PCA components to keep (>= 0); 0 = by variance_share
  double variance_share = 0.95;  // (0, 1]
  int max_genres = 50;           // >= 0; 0 leaves genre out
  bool use_analysis = true;      // beat/bar/section/segment counts and mean durations
  bool use_year = true;
  double refit_change_share = 0.2;  // (0, 1], see NeedsRefit
};

class FeaturePipeline {
 public:
  // InvalidArgument for invalid options, no rows, rows of different features versions, a
  // non-finite value that is not listed as missing, or more components than input columns.
  static Result<FeaturePipeline> Fit(std::span<const FeatureRow> rows,
                                     const FeaturePipelineOptions& options = {});

  // dims() floats. InvalidArgument for a row of another features version.
  Result<std::vector<float>> Transform(const FeatureRow& row) const;
  // The standardised input columns before the PCA, named by input_columns() (for
  // explaining which features two tracks share).
  Result<std::vector<double>> Standardize(const FeatureRow& row) const;

  int dims() const;
  const std::vector<std::string>& input_columns() const;
  double explained_variance() const;  // share of the total variance the kept components hold
  int features_version() const;
  std::int64_t fitted_rows() const;
  const FeaturePipelineOptions& options() const;

  bool NeedsRefit(std::int64_t added, std::int64_t removed, int features_version) const;

  // IOError when the file cannot be written or read, Corrupt when it is not a pipeline.
  Status Save(const std::filesystem::path& path) const;
  static Result<FeaturePipeline> Load(const std::filesystem::path& path);

  FeaturePipeline();
  ~FeaturePipeline();
  FeaturePipeline(const FeaturePipeline&);
  FeaturePipeline& operator=(const FeaturePipeline&);
  FeaturePipeline(FeaturePipeline&&) noexcept;
  FeaturePipeline& operator=(FeaturePipeline&&) noexcept;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace sonance
