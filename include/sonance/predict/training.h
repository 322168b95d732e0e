// Training a stream-count model end to end, as `sonance model train` does:
//
//   1. BuildStreamDataset(catalog, source) (FailedPrecondition with the counts when there is
//      too little data);
//   2. CrossValidate: XGBoost, the mean baseline and ridge, on the same folds;
//   3. the final XgbRegressor trained on every row with the same params;
//   4. ModelStore::Add: a new version with its meta.json (made current unless told not to);
//   5. with an MLflow file store given, a run in experiment "stream_prediction"
//      (LogTrainingRun): params, metrics and the version's model.sxgb and meta.json as
//      artifacts; the run id is stored in meta.json.
//
// MLflow is a record of the run, not part of the model: when logging fails after the model was
// stored, the model stays stored and TrainResult::mlflow says what failed (the caller warns).
//
// Thread-safety: as the catalog and the model store allow; one training per call.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "sonance/catalog/catalog.h"
#include "sonance/common/status.h"
#include "sonance/predict/dataset.h"
#include "sonance/predict/evaluation.h"
#include "sonance/predict/store.h"
#include "sonance/text/experiment_log.h"

namespace sonance {

inline constexpr const char* kStreamPredictionExperiment = "stream_prediction";

struct TrainOptions {
  TrainingSource source = TrainingSource::kHistory;
  // min_rows; dataset.folds is taken from cv.folds.
  DatasetOptions dataset;
  CvOptions cv;  // folds, seed, XGBoost params (also those of the final model), ridge grid
  bool make_current = true;
  std::filesystem::path mlruns;  // MLflow file store root; empty: no run is logged
  std::string run_name;          // MLflow run name; empty: "stream-<source>-<data hash>"
};

struct TrainResult {
  StreamModelMeta meta;  // as stored (version, created_at, mlflow_run_id filled in)
  DatasetCounts counts;
  std::vector<std::string> skipped_examples;  // StreamDataset::skipped_examples
  CvReport cv;
  Status mlflow;  // OK when logged or not asked for
};

// Errors of steps 1-4 are returned as they come (nothing is stored when they fail).
Result<TrainResult> TrainStreamModel(Catalog& catalog, ModelStore& store,
                                     const TrainOptions& options);

// Logs one training run into `run` (started by the caller, so that its id can go into the
// meta.json before the version is stored): params (source, target_transform,
// features_version, training_rows, data_hash, model_version, the XGBoost params, cv_folds,
// cv_seed), metrics "<model>_<mae|rmse|r2>" (mean over folds) and
// "<model>_pooled_<mae|rmse|r2>" for xgboost, mean and ridge, "<model>_fold_rmse" with
// step = fold, and `files` copied into the run's artifacts/ (ExperimentRun::LogArtifact).
// Ends the run FINISHED, or FAILED when a step fails (that step's error is returned).
Status LogTrainingRun(ExperimentRun& run, const StreamModelMeta& meta, const CvReport& cv,
                      const std::vector<std::filesystem::path>& files);

}  // namespace sonance
