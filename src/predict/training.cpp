#include "sonance/predict/training.h"

#include <cstdio>
#include <optional>
#include <utility>

namespace sonance {

namespace {

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

Status LogModel(ExperimentRun& run, const ModelCvResult& m) {
  const std::pair<const char*, double> mean[] = {{"mae", m.mean_over_folds.mae},
                                                 {"rmse", m.mean_over_folds.rmse},
                                                 {"r2", m.mean_over_folds.r2}};
  for (const auto& [name, value] : mean) {
    if (Status s = run.LogMetric(m.model + "_" + name, value); !s.ok()) return s;
  }
  const std::pair<const char*, double> pooled[] = {
      {"mae", m.pooled.mae}, {"rmse", m.pooled.rmse}, {"r2", m.pooled.r2}};
  for (const auto& [name, value] : pooled) {
    if (Status s = run.LogMetric(m.model + "_pooled_" + name, value); !s.ok()) return s;
  }
  for (std::size_t f = 0; f < m.per_fold.size(); ++f) {
    if (Status s =
            run.LogMetric(m.model + "_fold_rmse", m.per_fold[f].rmse, static_cast<std::int64_t>(f));
        !s.ok()) {
      return s;
    }
  }
  return Status::Ok();
}

Status LogEverything(ExperimentRun& run, const StreamModelMeta& meta, const CvReport& cv,
                     const std::vector<std::filesystem::path>& files) {
  const XgbParams& p = meta.params;
  const std::pair<const char*, std::string> params[] = {
      {"source", TrainingSourceName(meta.source)},
      {"target_transform", TargetTransformName(meta.transform)},
      {"features_version", std::to_string(meta.features_version)},
      {"training_rows", std::to_string(meta.training_rows)},
      {"data_hash", meta.data_hash},
      {"model_version", "v" + std::to_string(meta.version)},
      {"objective", "reg:squarederror"},
      {"max_depth", std::to_string(p.max_depth)},
      {"eta", Num(p.eta)},
      {"n_rounds", std::to_string(p.n_rounds)},
      {"subsample", Num(p.subsample)},
      {"colsample_bytree", Num(p.colsample_bytree)},
      {"min_child_weight", Num(p.min_child_weight)},
      {"lambda", Num(p.lambda)},
      {"seed", std::to_string(p.seed)},
      {"nthread", std::to_string(p.nthread)},
      {"cv_folds", std::to_string(cv.folds)},
      {"cv_seed", std::to_string(cv.seed)},
  };
  for (const auto& [key, value] : params) {
    if (Status s = run.LogParam(key, value); !s.ok()) return s;
  }
  for (const ModelCvResult* m : {&cv.xgboost, &cv.mean_baseline, &cv.ridge}) {
    if (Status s = LogModel(run, *m); !s.ok()) return s;
  }
  for (std::size_t f = 0; f < cv.ridge_lambdas.size(); ++f) {
    if (Status s = run.LogMetric("ridge_lambda", cv.ridge_lambdas[f], static_cast<std::int64_t>(f));
        !s.ok()) {
      return s;
    }
  }
  if (Status s = run.SetTag("sonance.model_version", "v" + std::to_string(meta.version)); !s.ok()) {
    return s;
  }
  for (const std::filesystem::path& file : files) {
    if (Status s = run.LogArtifact(file); !s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace

Status LogTrainingRun(ExperimentRun& run, const StreamModelMeta& meta, const CvReport& cv,
                      const std::vector<std::filesystem::path>& files) {
  Status s = LogEverything(run, meta, cv, files);
  Status end = run.End(s.ok());
  return s.ok() ? end : s;
}

Result<TrainResult> TrainStreamModel(Catalog& catalog, ModelStore& store,
                                     const TrainOptions& options) {
  DatasetOptions dataset_options = options.dataset;
  dataset_options.folds = options.cv.folds;
  auto dataset = BuildStreamDataset(catalog, options.source, dataset_options);
  if (!dataset.ok()) return dataset.status();
  auto cv = CrossValidate(dataset->x, kStreamFeatureCount, dataset->y, options.cv);
  if (!cv.ok()) return cv.status();
  auto model = XgbRegressor::Train(dataset->x, kStreamFeatureCount, dataset->y, options.cv.xgboost);
  if (!model.ok()) return model.status();

  StreamModelMeta meta;
  meta.source = dataset->source;
  meta.transform = dataset->transform;
  meta.training_rows = dataset->rows;
  meta.data_hash = HashHex(dataset->data_hash);
  meta.params = options.cv.xgboost;
  SetCvSummary(*cv, &meta);

  TrainResult result;
  result.counts = dataset->counts;
  result.skipped_examples = dataset->skipped_examples;

  // The run is started first so that its id is part of the stored meta.json.
  std::optional<ExperimentRun> run;
  if (!options.mlruns.empty()) {
    ExperimentStore experiments(options.mlruns);
    const std::string name = options.run_name.empty()
                                 ? "stream-" + std::string(TrainingSourceName(options.source)) +
                                       "-" + meta.data_hash.substr(0, 8)
                                 : options.run_name;
    auto started = experiments.StartRun(kStreamPredictionExperiment, name);
    if (started.ok()) {
      run = std::move(started).value();
      meta.mlflow_run_id = run->run_id();
    } else {
      result.mlflow = started.status();
    }
  }
  auto stored = store.Add(*model, meta, options.make_current);
  if (!stored.ok()) {
    if (run) (void)run->End(false);
    return stored.status();
  }
  result.meta = *stored;
  if (run) {
    result.mlflow =
        LogTrainingRun(*run, result.meta, *cv,
                       {store.ModelFile(result.meta.version), store.MetaFile(result.meta.version)});
  }
  result.cv = std::move(cv).value();
  return result;
}

}  // namespace sonance
