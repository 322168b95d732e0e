#include "sonance/predict/evaluation.h"

#include <cmath>
#include <random>
#include <utility>

namespace sonance {

namespace {

// The rows of fold `fold` (in = true) or of every other fold, in row order.
void Split(std::span<const float> x, std::size_t cols, std::span<const float> y,
           const std::vector<int>& fold_of_row, int fold, bool in, std::vector<float>* sx,
           std::vector<float>* sy, std::vector<std::size_t>* index) {
  sx->clear();
  sy->clear();
  index->clear();
  for (std::size_t r = 0; r < y.size(); ++r) {
    if ((fold_of_row[r] == fold) != in) continue;
    sx->insert(sx->end(), x.begin() + static_cast<std::ptrdiff_t>(r * cols),
               x.begin() + static_cast<std::ptrdiff_t>((r + 1) * cols));
    sy->push_back(y[r]);
    index->push_back(r);
  }
}

Status Summarise(ModelCvResult* m, std::span<const double> truth) {
  auto pooled = ComputeRegressionMetrics(truth, m->out_of_fold);
  if (!pooled.ok()) return pooled.status();
  m->pooled = *pooled;
  RegressionMetrics mean;
  mean.n = truth.size();
  for (const RegressionMetrics& f : m->per_fold) {
    mean.mae += f.mae;
    mean.rmse += f.rmse;
    mean.r2 += f.r2;
  }
  const double k = static_cast<double>(m->per_fold.size());
  mean.mae /= k;
  mean.rmse /= k;
  mean.r2 /= k;
  m->mean_over_folds = mean;
  return Status::Ok();
}

}  // namespace

Result<RegressionMetrics> ComputeRegressionMetrics(std::span<const double> truth,
                                                   std::span<const double> predicted) {
  if (truth.empty()) return Status::InvalidArgument("no values to score");
  if (truth.size() != predicted.size()) {
    return Status::InvalidArgument(std::to_string(truth.size()) + " true values for " +
                                   std::to_string(predicted.size()) + " predictions");
  }
  const std::size_t n = truth.size();
  double mean = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(truth[i]) || !std::isfinite(predicted[i])) {
      return Status::InvalidArgument("value " + std::to_string(i) + " is not finite");
    }
    mean += truth[i];
  }
  mean /= static_cast<double>(n);
  double abs = 0.0, se = 0.0, total = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double e = truth[i] - predicted[i];
    abs += std::fabs(e);
    se += e * e;
    total += (truth[i] - mean) * (truth[i] - mean);
  }
  RegressionMetrics m;
  m.n = n;
  m.mae = abs / static_cast<double>(n);
  m.rmse = std::sqrt(se / static_cast<double>(n));
  m.r2 = total > 0 ? 1.0 - se / total : (se == 0 ? 1.0 : 0.0);
  return m;
}

Result<std::vector<int>> AssignFolds(std::size_t rows, int folds, std::uint64_t seed) {
  if (folds < 2) {
    return Status::InvalidArgument("folds must be at least 2, not " + std::to_string(folds));
  }
  if (rows < static_cast<std::size_t>(folds)) {
    return Status::InvalidArgument(std::to_string(rows) + " rows cannot fill " +
                                   std::to_string(folds) + " folds");
  }
  std::vector<std::size_t> perm(rows);
  for (std::size_t i = 0; i < rows; ++i) perm[i] = i;
  std::mt19937_64 rng(seed);
  for (std::size_t i = rows - 1; i > 0; --i) {
    const std::size_t j = static_cast<std::size_t>(rng() % (i + 1));
    std::swap(perm[i], perm[j]);
  }
  std::vector<int> fold_of_row(rows);
  for (std::size_t k = 0; k < rows; ++k) {
    fold_of_row[perm[k]] = static_cast<int>(k % static_cast<std::size_t>(folds));
  }
  return fold_of_row;
}

Result<CvReport> CrossValidate(std::span<const float> x, std::size_t cols, std::span<const float> y,
                               const CvOptions& options) {
  if (options.folds < 2 || options.folds > 20) {
    return Status::InvalidArgument("folds = " + std::to_string(options.folds) +
                                   " is outside 2..20");
  }
  if (cols == 0 || x.size() != y.size() * cols) {
    return Status::InvalidArgument("the feature matrix has " + std::to_string(x.size()) +
                                   " values for " + std::to_string(y.size()) + " rows of " +
                                   std::to_string(cols) + " columns");
  }
  if (Status s = ValidateXgbParams(options.xgboost); !s.ok()) return s;
  const std::size_t needed = static_cast<std::size_t>(options.folds) * 2;
  if (y.size() < needed) {
    return Status::FailedPrecondition("cross-validation with " + std::to_string(options.folds) +
                                      " folds needs at least " + std::to_string(needed) +
                                      " rows, not " + std::to_string(y.size()));
  }
  auto folds = AssignFolds(y.size(), options.folds, options.seed);
  if (!folds.ok()) return folds.status();

  CvReport report;
  report.folds = options.folds;
  report.seed = options.seed;
  report.fold_of_row = *folds;
  report.xgboost.model = "xgboost";
  report.mean_baseline.model = "mean";
  report.ridge.model = "ridge";
  for (ModelCvResult* m : {&report.xgboost, &report.mean_baseline, &report.ridge}) {
    m->out_of_fold.assign(y.size(), 0.0);
  }
  const std::vector<double> truth(y.begin(), y.end());

  std::vector<float> tx, ty, vx, vy;
  std::vector<std::size_t> train_index, held_index;
  for (int f = 0; f < options.folds; ++f) {
    Split(x, cols, y, report.fold_of_row, f, false, &tx, &ty, &train_index);
    Split(x, cols, y, report.fold_of_row, f, true, &vx, &vy, &held_index);
    const std::vector<double> held_truth(vy.begin(), vy.end());

    auto score = [&](ModelCvResult* m, const std::vector<double>& pred) -> Status {
      auto metrics = ComputeRegressionMetrics(held_truth, pred);
      if (!metrics.ok()) return metrics.status();
      m->per_fold.push_back(*metrics);
      for (std::size_t i = 0; i < held_index.size(); ++i) m->out_of_fold[held_index[i]] = pred[i];
      return Status::Ok();
    };

    auto xgb = XgbRegressor::Train(tx, cols, ty, options.xgboost);
    if (!xgb.ok()) return xgb.status();
    auto xgb_pred = xgb->Predict(vx);
    if (!xgb_pred.ok()) return xgb_pred.status();
    if (Status s = score(&report.xgboost, *xgb_pred); !s.ok()) return s;

    double train_mean = 0.0;
    for (float v : ty) train_mean += v;
    train_mean /= static_cast<double>(ty.size());
    if (Status s = score(&report.mean_baseline, std::vector<double>(vy.size(), train_mean));
        !s.ok()) {
      return s;
    }

    RidgeOptions inner = options.ridge;
    inner.seed = options.seed + 1 + static_cast<std::uint64_t>(f);
    auto lambda = ChooseRidgeLambda(tx, cols, ty, inner);
    if (!lambda.ok()) return lambda.status();
    report.ridge_lambdas.push_back(*lambda);
    auto ridge = RidgeRegression::Fit(tx, cols, ty, *lambda);
    if (!ridge.ok()) return ridge.status();
    auto ridge_pred = ridge->Predict(vx);
    if (!ridge_pred.ok()) return ridge_pred.status();
    if (Status s = score(&report.ridge, *ridge_pred); !s.ok()) return s;
  }
  for (ModelCvResult* m : {&report.xgboost, &report.mean_baseline, &report.ridge}) {
    if (Status s = Summarise(m, truth); !s.ok()) return s;
  }
  return report;
}

}  // namespace sonance
