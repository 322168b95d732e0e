// ModelStore: the trained stream-count models of one catalog, kept as numbered versions in a
// folder (by default `<catalog>.models/` beside the catalog file):
//
//   <dir>/v1/model.sxgb    the XGBoost model in Sonance's container (model.h)
//   <dir>/v1/meta.json     StreamModelMeta: version, created_at, source, target transform,
//                          features version and list, training rows, data hash, params, CV
//                          metrics of xgboost, mean and ridge, MLflow run id
//   <dir>/v2/...
//   <dir>/current          the version in use, "v2\n"
//
// A version is written whole into a temporary folder and renamed into place, so a reader never
// sees half a version and two trainings at once get different numbers. `current` is replaced
// through a temporary file and a rename. Versions are never rewritten; `Use` only moves the
// pointer.
//
// A StreamPredictor is a loaded version: the model with its meta. It refuses rows of another
// features version (a model from a newer build) and rows CheckFeatureRanges refuses, and turns
// the model's output back into streams (dataset.h's InvertTargetTransform).
//
// Thread-safety: ModelStore calls may run from several threads and processes; concurrent Add
// calls get distinct versions. A StreamPredictor is immutable once loaded and Predict is
// thread-safe. Ownership: every returned value is the caller's.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sonance/common/status.h"
#include "sonance/predict/dataset.h"
#include "sonance/predict/evaluation.h"
#include "sonance/predict/features.h"
#include "sonance/predict/model.h"

namespace sonance {

inline constexpr const char* kModelFileName = "model.sxgb";
inline constexpr const char* kModelMetaFileName = "meta.json";

struct ModelCvSummary {
  RegressionMetrics mean_over_folds;
  RegressionMetrics pooled;
};

struct StreamModelMeta {
  int version = 0;         // set by ModelStore::Add
  std::string created_at;  // ISO-8601 UTC, set by ModelStore::Add
  TrainingSource source = TrainingSource::kHistory;
  TargetTransform transform = TargetTransform::kClip0To30;
  int features_version = kStreamFeaturesVersion;
  std::vector<std::string> features = StreamFeatureNames();
  std::size_t training_rows = 0;
  std::string data_hash;  // HashHex(StreamDataset::data_hash)
  XgbParams params;
  int cv_folds = 0;
  std::uint64_t cv_seed = 0;
  ModelCvSummary xgboost;
  ModelCvSummary mean_baseline;
  ModelCvSummary ridge;
  std::vector<double> ridge_lambdas;  // chosen per fold
  std::string mlflow_run_id;          // empty when the run was not logged
};

// The meta.json text (pretty-printed), and its parse. Corrupt naming `where` for JSON that
// does not parse or lacks a field.
std::string StreamModelMetaToJson(const StreamModelMeta& meta);
Result<StreamModelMeta> StreamModelMetaFromJson(std::string_view text, const std::string& where);

// Fills the CV fields of `meta` from a report.
void SetCvSummary(const CvReport& report, StreamModelMeta* meta);

struct StreamPrediction {
  double target = 0.0;   // the model's output, on the target's scale
  double streams = 0.0;  // InvertTargetTransform(meta.transform, target)
};

class StreamPredictor {
 public:
  StreamPredictor(XgbRegressor model, StreamModelMeta meta)
      : model_(std::move(model)), meta_(std::move(meta)) {}

  const StreamModelMeta& meta() const { return meta_; }
  const XgbRegressor& model() const { return model_; }

  // One prediction per row. InvalidArgument naming the row and field for a row that
  // CheckFeatureRanges refuses; FailedPrecondition when the meta says another features
  // version or feature list than this build's (ModelStore::Load refuses those already).
  Result<std::vector<StreamPrediction>> Predict(std::span<const StreamFeatureRow> rows) const;
  Result<StreamPrediction> Predict(const StreamFeatureRow& row) const;

 private:
  XgbRegressor model_;
  StreamModelMeta meta_;
};

struct ModelStoreOptions {
  // Source of created_at; a seam for tests.
  std::function<std::chrono::system_clock::time_point()> clock = [] {
    return std::chrono::system_clock::now();
  };
  int nthread = 1;  // threads for prediction with loaded models (1..64)
};

class ModelStore {
 public:
  explicit ModelStore(std::filesystem::path dir, ModelStoreOptions options = {});

  // `<catalog path>.models` ("/data/catalog.db" -> "/data/catalog.db.models").
  static std::filesystem::path DefaultDir(const std::filesystem::path& catalog_path);
  // "v3" or "3" -> 3; InvalidArgument for anything else (0 and negatives included).
  static Result<int> ParseVersion(std::string_view text);

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path VersionDir(int version) const;
  std::filesystem::path ModelFile(int version) const;
  std::filesystem::path MetaFile(int version) const;

  // Stores `model` with `meta` as the next version (creating the folder when needed), fills
  // in meta.version and meta.created_at, and, with make_current, points `current` at it.
  // Returns the stored meta. IOError naming the path.
  Result<StreamModelMeta> Add(const XgbRegressor& model, StreamModelMeta meta,
                              bool make_current = true);

  // Every version's meta, ascending; empty when the folder does not exist. A version folder
  // whose meta.json is unreadable is Corrupt (with its path).
  Result<std::vector<StreamModelMeta>> List() const;
  // NotFound for an unknown version.
  Result<StreamModelMeta> Show(int version) const;
  // Points `current` at `version`; NotFound when it does not exist.
  Status Use(int version);
  // nullopt when no version is in use. Corrupt when `current` is malformed.
  Result<std::optional<int>> CurrentVersion() const;

  // NotFound for an unknown version; Corrupt (with the path) for a damaged model or meta;
  // FailedPrecondition for a model of another features version (train again with this build).
  Result<StreamPredictor> Load(int version) const;
  // FailedPrecondition when no version is in use: "no trained stream model in DIR: run
  // `sonance model train`" (or, when versions exist but none is current, "... run `sonance
  // model use VERSION`"); Corrupt when `current` names a version that is not there.
  Result<StreamPredictor> LoadCurrent() const;

 private:
  std::filesystem::path dir_;
  ModelStoreOptions options_;
};

}  // namespace sonance
