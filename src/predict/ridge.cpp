#include "sonance/predict/ridge.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "sonance/predict/evaluation.h"

namespace sonance {

namespace {

Status CheckInput(std::span<const float> x, std::size_t cols, std::span<const float> y) {
  if (y.empty()) return Status::InvalidArgument("no rows to fit");
  if (cols == 0) return Status::InvalidArgument("a feature matrix needs at least one column");
  if (x.size() != y.size() * cols) {
    return Status::InvalidArgument("the feature matrix has " + std::to_string(x.size()) +
                                   " values for " + std::to_string(y.size()) + " rows of " +
                                   std::to_string(cols) + " columns");
  }
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (std::isinf(x[i])) {
      return Status::InvalidArgument("feature value at row " + std::to_string(i / cols) +
                                     ", column " + std::to_string(i % cols) + " is infinite");
    }
  }
  for (std::size_t i = 0; i < y.size(); ++i) {
    if (!std::isfinite(y[i])) {
      return Status::InvalidArgument("target of row " + std::to_string(i) + " is not finite");
    }
  }
  return Status::Ok();
}

// The rows of `x` (and `y`) whose fold is (or, with `in` false, is not) `fold`.
void SelectRows(std::span<const float> x, std::size_t cols, std::span<const float> y,
                const std::vector<int>& fold_of_row, int fold, bool in, std::vector<float>* sx,
                std::vector<float>* sy) {
  sx->clear();
  sy->clear();
  for (std::size_t r = 0; r < y.size(); ++r) {
    if ((fold_of_row[r] == fold) != in) continue;
    sx->insert(sx->end(), x.begin() + static_cast<std::ptrdiff_t>(r * cols),
               x.begin() + static_cast<std::ptrdiff_t>((r + 1) * cols));
    sy->push_back(y[r]);
  }
}

}  // namespace

Result<RidgeRegression> RidgeRegression::Fit(std::span<const float> x, std::size_t cols,
                                             std::span<const float> y, double lambda) {
  if (Status s = CheckInput(x, cols, y); !s.ok()) return s;
  if (!std::isfinite(lambda) || lambda <= 0) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%g", lambda);
    return Status::InvalidArgument(std::string("ridge lambda = ") + buf + " must be > 0");
  }
  const std::size_t n = y.size();
  std::vector<double> mean(cols, 0.0), sd(cols, 0.0), missing_share(cols, 0.0);
  std::vector<std::size_t> known(cols, 0);
  for (std::size_t r = 0; r < n; ++r) {
    for (std::size_t c = 0; c < cols; ++c) {
      const float v = x[r * cols + c];
      if (std::isnan(v)) continue;
      ++known[c];
      mean[c] += v;
    }
  }
  for (std::size_t c = 0; c < cols; ++c) {
    if (known[c] > 0) mean[c] /= static_cast<double>(known[c]);
    missing_share[c] = static_cast<double>(n - known[c]) / static_cast<double>(n);
  }
  for (std::size_t r = 0; r < n; ++r) {
    for (std::size_t c = 0; c < cols; ++c) {
      const float v = x[r * cols + c];
      if (!std::isnan(v)) sd[c] += (v - mean[c]) * (v - mean[c]);
    }
  }
  // Standardised design columns: (input column, is indicator, centre, scale).
  struct Design {
    std::size_t column;
    bool indicator;
    double centre;
    double scale;
  };
  std::vector<Design> design;
  for (std::size_t c = 0; c < cols; ++c) {
    // The population sd over all rows, imputed ones included (they sit at the mean).
    sd[c] = std::sqrt(sd[c] / static_cast<double>(n));
    if (sd[c] > 0) design.push_back({c, false, mean[c], sd[c]});
  }
  for (std::size_t c = 0; c < cols; ++c) {
    const double p = missing_share[c];
    const double s = std::sqrt(p * (1 - p));
    if (p > 0 && s > 0) design.push_back({c, true, p, s});
  }

  double y_mean = 0.0;
  for (float v : y) y_mean += v;
  y_mean /= static_cast<double>(n);

  RidgeRegression model;
  model.lambda_ = lambda;
  model.coefficients_.assign(cols, 0.0);
  model.missing_coefficients_.assign(cols, 0.0);
  model.means_ = mean;
  model.intercept_ = y_mean;
  if (design.empty()) return model;

  const Eigen::Index p = static_cast<Eigen::Index>(design.size());
  Eigen::MatrixXd z(static_cast<Eigen::Index>(n), p);
  Eigen::VectorXd yc(static_cast<Eigen::Index>(n));
  for (std::size_t r = 0; r < n; ++r) {
    yc(static_cast<Eigen::Index>(r)) = y[r] - y_mean;
    for (Eigen::Index k = 0; k < p; ++k) {
      const Design& d = design[static_cast<std::size_t>(k)];
      const float v = x[r * cols + d.column];
      const double value = d.indicator ? (std::isnan(v) ? 1.0 : 0.0)
                                       : (std::isnan(v) ? d.centre : static_cast<double>(v));
      z(static_cast<Eigen::Index>(r), k) = (value - d.centre) / d.scale;
    }
  }
  Eigen::MatrixXd a = z.transpose() * z;
  a.diagonal().array() += lambda;
  const Eigen::VectorXd b = a.ldlt().solve(z.transpose() * yc);
  for (Eigen::Index k = 0; k < p; ++k) {
    const Design& d = design[static_cast<std::size_t>(k)];
    const double coef = b(k) / d.scale;
    (d.indicator ? model.missing_coefficients_ : model.coefficients_)[d.column] = coef;
    model.intercept_ -= coef * d.centre;
  }
  return model;
}

Result<std::vector<double>> RidgeRegression::Predict(std::span<const float> x) const {
  const std::size_t cols = coefficients_.size();
  if (x.size() % cols != 0) {
    return Status::InvalidArgument("the feature matrix has " + std::to_string(x.size()) +
                                   " values, not a multiple of " + std::to_string(cols) +
                                   " columns");
  }
  std::vector<double> out(x.size() / cols, intercept_);
  for (std::size_t r = 0; r < out.size(); ++r) {
    for (std::size_t c = 0; c < cols; ++c) {
      const float v = x[r * cols + c];
      if (std::isinf(v)) {
        return Status::InvalidArgument("feature value at row " + std::to_string(r) + ", column " +
                                       std::to_string(c) + " is infinite");
      }
      if (std::isnan(v)) {
        out[r] += coefficients_[c] * means_[c] + missing_coefficients_[c];
      } else {
        out[r] += coefficients_[c] * v;
      }
    }
  }
  return out;
}

Result<double> ChooseRidgeLambda(std::span<const float> x, std::size_t cols,
                                 std::span<const float> y, const RidgeOptions& options) {
  if (options.lambdas.empty()) return Status::InvalidArgument("the ridge lambda grid is empty");
  for (double l : options.lambdas) {
    if (!std::isfinite(l) || l <= 0) {
      return Status::InvalidArgument("every ridge lambda must be finite and > 0");
    }
  }
  if (options.inner_folds < 2 || options.inner_folds > 20) {
    return Status::InvalidArgument("ridge inner_folds = " + std::to_string(options.inner_folds) +
                                   " is outside 2..20");
  }
  if (Status s = CheckInput(x, cols, y); !s.ok()) return s;
  std::vector<double> grid = options.lambdas;
  std::sort(grid.begin(), grid.end());
  const int folds = std::min<int>(options.inner_folds, static_cast<int>(y.size() / 2));
  if (folds < 2) return grid[grid.size() / 2];
  auto fold_of_row = AssignFolds(y.size(), folds, options.seed);
  if (!fold_of_row.ok()) return fold_of_row.status();

  double best_lambda = grid.front();
  double best_rmse = std::numeric_limits<double>::infinity();
  std::vector<float> tx, ty, vx, vy;
  for (double lambda : grid) {
    double rmse_sum = 0.0;
    for (int f = 0; f < folds; ++f) {
      SelectRows(x, cols, y, *fold_of_row, f, false, &tx, &ty);
      SelectRows(x, cols, y, *fold_of_row, f, true, &vx, &vy);
      auto model = RidgeRegression::Fit(tx, cols, ty, lambda);
      if (!model.ok()) return model.status();
      auto pred = model->Predict(vx);
      if (!pred.ok()) return pred.status();
      double se = 0.0;
      for (std::size_t i = 0; i < vy.size(); ++i) se += ((*pred)[i] - vy[i]) * ((*pred)[i] - vy[i]);
      rmse_sum += std::sqrt(se / static_cast<double>(vy.size()));
    }
    const double rmse = rmse_sum / folds;
    // Ascending grid: an equal (to rounding) error keeps the larger, simpler lambda.
    if (rmse <= best_rmse * (1 + 1e-12)) {
      best_rmse = std::min(best_rmse, rmse);
      best_lambda = lambda;
    }
  }
  return best_lambda;
}

}  // namespace sonance
