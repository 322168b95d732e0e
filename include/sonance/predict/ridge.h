// RidgeRegression: the linear baseline the stream-count model is compared with (Eigen,
// closed form).
//
// Fitting on a row-major float matrix with NaN for missing values:
//   1. per column, the mean and population standard deviation of its known values;
//   2. a column with any NaN in the training rows gets a missing-indicator column (1 where the
//      value was NaN), and its NaNs are imputed with the column's mean;
//   3. every column (indicators too) is standardised, z = (v - mean) / sd; a column constant
//      in the training rows (sd == 0, an all-NaN column included) is dropped: coefficient 0;
//   4. with yc = y - mean(y), solve (ZᵀZ + lambda·I) b = Zᵀyc (LDLT); the intercept is not
//      penalised.
// Prediction, on the original scale:  y = intercept + Σ c_j·x̃_j + Σ d_j·m_j,  where x̃_j is
// x_j or, when it is NaN, the training mean of column j, and m_j is 1 when x_j is NaN.
// A column that had no NaN in training is imputed the same way at prediction (its m_j has no
// coefficient).
//
// ChooseRidgeLambda picks lambda from a small grid by inner k-fold cross-validation on the
// rows it is given (lowest mean RMSE; ties go to the larger lambda, the simpler model).
//
// Thread-safety: a fitted RidgeRegression is immutable; every function is pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "sonance/common/status.h"

namespace sonance {

struct RidgeOptions {
  // The grid for ChooseRidgeLambda; every value > 0 (finite).
  std::vector<double> lambdas = {0.01, 0.1, 1.0, 10.0, 100.0, 1000.0};
  // Inner folds (2..20). With fewer than 2 * inner_folds rows the folds shrink to rows / 2;
  // with fewer than 4 rows the grid's middle value is taken without a search.
  int inner_folds = 3;
  std::uint64_t seed = 42;  // shuffles the inner folds (evaluation.h's AssignFolds)
};

class RidgeRegression {
 public:
  // `x` holds y.size() rows of `cols` floats. InvalidArgument for no rows, cols == 0, a size
  // mismatch, an infinite value, a non-finite target, or lambda not finite and > 0.
  static Result<RidgeRegression> Fit(std::span<const float> x, std::size_t cols,
                                     std::span<const float> y, double lambda);

  // InvalidArgument when x.size() is not a multiple of cols() or holds an infinity.
  Result<std::vector<double>> Predict(std::span<const float> x) const;

  std::size_t cols() const { return coefficients_.size(); }
  double lambda() const { return lambda_; }
  double intercept() const { return intercept_; }
  // c_j: per input column, on the original scale (0 for a dropped column).
  const std::vector<double>& coefficients() const { return coefficients_; }
  // d_j: per input column, the coefficient of its missing indicator (0 without one).
  const std::vector<double>& missing_coefficients() const { return missing_coefficients_; }
  // The training means used to impute.
  const std::vector<double>& means() const { return means_; }

 private:
  double lambda_ = 0.0;
  double intercept_ = 0.0;
  std::vector<double> coefficients_;
  std::vector<double> missing_coefficients_;
  std::vector<double> means_;
};

// InvalidArgument for an empty or invalid grid, bad inner_folds, or what Fit refuses.
Result<double> ChooseRidgeLambda(std::span<const float> x, std::size_t cols,
                                 std::span<const float> y, const RidgeOptions& options);

}  // namespace sonance
