// PredictionCache: the current stream-count model of the model store (predict/store.h) for
// GET /api/prediction, loaded on first use and again whenever `sonance model use` or `sonance
// model train` changes the current version (one small file read per request). A corrupt model
// file is refused with its path; the server keeps running and the route answers 503.
//
// Thread-safety: Get() is thread-safe; predictors are shared and immutable.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>

#include "sonance/predict/store.h"

namespace sonance {

class PredictionCache {
 public:
  explicit PredictionCache(std::filesystem::path model_dir);

  // FailedPrecondition saying how to train one when there is no model; Corrupt naming the
  // file for a damaged one.
  Result<std::shared_ptr<const StreamPredictor>> Get();

  const std::filesystem::path& dir() const { return store_.dir(); }

 private:
  ModelStore store_;
  std::mutex mu_;
  int version_ = 0;
  std::shared_ptr<const StreamPredictor> current_;
};

}  // namespace sonance
