// Experiment runs written in MLflow's file-store layout, so `mlflow ui --backend-store-uri
// DIR` opens them without MLflow being involved in writing:
//
//   DIR/<experiment_id>/meta.yaml                      experiment name, id, artifact location
//   DIR/<experiment_id>/<run_id>/meta.yaml             run id, name, status, start/end times
//   DIR/<experiment_id>/<run_id>/params/<key>          the value as text
//   DIR/<experiment_id>/<run_id>/metrics/<key>         lines "<timestamp_ms> <value> <step>"
//   DIR/<experiment_id>/<run_id>/tags/<key>            the value (mlflow.runName etc.)
//   DIR/<experiment_id>/<run_id>/artifacts/            files logged as artifacts
//
// An experiment is found by name among existing ones (its meta.yaml), else created with the
// next free numeric id ("0" is MLflow's Default experiment and is not used here). Run ids
// are 32 hex characters. Files are written to a temporary name and renamed, so a crash
// leaves no half-written value. Not thread-safe: one writer per directory.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "sonance/common/status.h"

namespace sonance {

class ExperimentRun {
 public:
  const std::string& run_id() const { return run_id_; }
  const std::filesystem::path& dir() const { return dir_; }

  Status LogParam(const std::string& key, const std::string& value);
  Status LogMetric(const std::string& key, double value, std::int64_t step = 0);
  Status SetTag(const std::string& key, const std::string& value);
  // Copies `file` into artifacts/ (as `name`, default its file name).
  Status LogArtifact(const std::filesystem::path& file, const std::string& name = "");
  // Marks the run FINISHED (or FAILED) with its end time.
  Status End(bool success = true);

 private:
  friend class ExperimentStore;
  std::filesystem::path dir_;
  std::string run_id_;
  std::string name_;
  std::string experiment_id_;
  std::int64_t start_ms_ = 0;
};

class ExperimentStore {
 public:
  explicit ExperimentStore(std::filesystem::path root) : root_(std::move(root)) {}

  // The id of the named experiment, created when absent.
  Result<std::string> Experiment(const std::string& name);
  // Starts a run (status RUNNING) named `run_name` (tag mlflow.runName too).
  Result<ExperimentRun> StartRun(const std::string& experiment_name, const std::string& run_name);

 private:
  std::filesystem::path root_;
};

}  // namespace sonance
