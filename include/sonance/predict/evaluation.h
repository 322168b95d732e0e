// Evaluating the stream-count model: regression metrics, reproducible folds, and k-fold
// cross-validation of XGBoost against two baselines.
//
// Metrics, over n pairs (truth t, prediction p):
//   MAE  = Σ|t - p| / n,   RMSE = sqrt(Σ(t - p)² / n),
//   R²   = 1 - Σ(t - p)² / Σ(t - mean(t))²;  when every t is equal R² is 1 for a perfect
//          prediction and 0 otherwise (scikit-learn's force_finite), so a report holds no NaN.
// Metrics are on the target's scale (clipped counts for "history", log1p for "streams").
//
// Folds: AssignFolds shuffles 0..rows-1 with Fisher-Yates driven by std::mt19937_64(seed)
// (for i from rows-1 down to 1: j = rng() % (i + 1), swap), and row perm[k] goes to fold
// k % folds. mt19937_64's output is fixed by the C++ standard, so the folds are the same with
// every compiler and standard library, and a reference implementation can rebuild them (or
// read them from CvReport::fold_of_row, or the CSV of dataset.h's WriteDatasetCsv).
// Fold sizes differ by at most one.
//
// CrossValidate trains, for every fold, on the other folds and predicts the fold:
//   - "xgboost": XgbRegressor with CvOptions::xgboost;
//   - "mean": the mean target of the training folds (R² near 0 on held-out data, slightly
//     below: the held-out mean differs from the training mean);
//   - "ridge": RidgeRegression, its lambda chosen on the training folds alone by inner CV
//     (ridge.h), so no held-out row influences any choice.
// Each model gets per-fold metrics, their plain mean over the folds, and "pooled" metrics over
// all out-of-fold predictions together.
//
// Thread-safety: pure functions; XGBoost runs with CvOptions::xgboost.nthread threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "sonance/common/status.h"
#include "sonance/predict/model.h"
#include "sonance/predict/ridge.h"

namespace sonance {

struct RegressionMetrics {
  std::size_t n = 0;
  double mae = 0.0;
  double rmse = 0.0;
  double r2 = 0.0;
};

// InvalidArgument for empty input, different lengths or a non-finite value.
Result<RegressionMetrics> ComputeRegressionMetrics(std::span<const double> truth,
                                                   std::span<const double> predicted);

// The fold (0..folds-1) of each row. InvalidArgument for folds < 2 or rows < folds.
Result<std::vector<int>> AssignFolds(std::size_t rows, int folds, std::uint64_t seed);

struct CvOptions {
  int folds = 5;            // 2..20; every fold needs at least 2 rows
  std::uint64_t seed = 42;  // of the fold shuffle (AssignFolds)
  XgbParams xgboost;
  RidgeOptions ridge;  // its seed is ignored: inner folds use `seed` + 1 + the outer fold
};

struct ModelCvResult {
  std::string model;  // "xgboost", "mean" or "ridge"
  std::vector<RegressionMetrics> per_fold;
  RegressionMetrics mean_over_folds;  // n: all rows; mae, rmse, r2: means of the folds' values
  RegressionMetrics pooled;           // over every out-of-fold prediction at once
  std::vector<double> out_of_fold;    // per row, predicted by the model that did not see it
};

struct CvReport {
  int folds = 0;
  std::uint64_t seed = 0;
  std::vector<int> fold_of_row;
  ModelCvResult xgboost;
  ModelCvResult mean_baseline;
  ModelCvResult ridge;
  std::vector<double> ridge_lambdas;  // chosen per fold
};

// `x` holds y.size() rows of `cols` floats (NaN = missing). FailedPrecondition when there
// are fewer than 2 * folds rows; InvalidArgument for bad options or data (as the models
// refuse it); Internal when XGBoost fails.
Result<CvReport> CrossValidate(std::span<const float> x, std::size_t cols, std::span<const float> y,
                               const CvOptions& options);

}  // namespace sonance
