#include "sonance/predict/evaluation.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "sonance/predict/ridge.h"

namespace sonance {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// ---- metrics ---------------------------------------------------------------------------------

TEST(RegressionMetricsTest, FourRowsByHand) {
  // errors 0, -1, 1, -2: |e| sums to 4, e² to 6; truth mean 2.5, Σ(t - 2.5)² = 5.
  auto m =
      ComputeRegressionMetrics(std::vector<double>{1, 2, 3, 4}, std::vector<double>{1, 3, 2, 6});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->n, 4u);
  EXPECT_DOUBLE_EQ(m->mae, 1.0);
  EXPECT_DOUBLE_EQ(m->rmse, std::sqrt(1.5));
  EXPECT_DOUBLE_EQ(m->r2, 1.0 - 6.0 / 5.0);
}

TEST(RegressionMetricsTest, ConstantTruthGivesFiniteR2) {
  EXPECT_EQ(ComputeRegressionMetrics(std::vector<double>{3, 3}, std::vector<double>{3, 3})->r2,
            1.0);
  EXPECT_EQ(ComputeRegressionMetrics(std::vector<double>{3, 3}, std::vector<double>{3, 4})->r2,
            0.0);
}

TEST(RegressionMetricsTest, BadInputIsRefused) {
  EXPECT_EQ(ComputeRegressionMetrics({}, {}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(
      ComputeRegressionMetrics(std::vector<double>{1}, std::vector<double>{1, 2}).status().code(),
      StatusCode::kInvalidArgument);
  EXPECT_EQ(
      ComputeRegressionMetrics(std::vector<double>{1, 2}, std::vector<double>{1, std::nan("")})
          .status()
          .code(),
      StatusCode::kInvalidArgument);
}

// ---- folds -----------------------------------------------------------------------------------

TEST(AssignFoldsTest, IsTheDocumentedSeededFisherYates) {
  // The algorithm of evaluation.h written out again, independently of the library.
  const std::size_t rows = 23;
  const int folds = 4;
  std::vector<std::size_t> perm(rows);
  for (std::size_t i = 0; i < rows; ++i) perm[i] = i;
  std::mt19937_64 rng(99);
  for (std::size_t i = rows - 1; i >= 1; --i) std::swap(perm[i], perm[rng() % (i + 1)]);
  std::vector<int> expected(rows);
  for (std::size_t k = 0; k < rows; ++k) expected[perm[k]] = static_cast<int>(k % folds);

  auto got = AssignFolds(rows, folds, 99);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, expected);
  // The standard fixes mt19937_64's output: its 10000th value from the default seed.
  std::mt19937_64 check;
  check.discard(9999);
  EXPECT_EQ(check(), 9981545732273789042ull);
  // Balanced: 23 rows in 4 folds are 6, 6, 6, 5.
  for (int f = 0; f < folds; ++f) {
    EXPECT_EQ(std::count(got->begin(), got->end(), f), f < 3 ? 6 : 5) << f;
  }
  EXPECT_NE(*AssignFolds(rows, folds, 100), *got);
  EXPECT_EQ(AssignFolds(3, 4, 1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(AssignFolds(10, 1, 1).status().code(), StatusCode::kInvalidArgument);
}

// ---- ridge -----------------------------------------------------------------------------------

TEST(RidgeRegressionTest, RecoversALineWithATinyPenalty) {
  const std::vector<float> x = {0, 1, 2, 3, 4, 5};
  const std::vector<float> y = {1, 3, 5, 7, 9, 11};  // y = 2x + 1
  auto r = RidgeRegression::Fit(x, 1, y, 1e-9);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_NEAR(r->coefficients()[0], 2.0, 1e-8);
  EXPECT_NEAR(r->intercept(), 1.0, 1e-8);
  EXPECT_NEAR(r->Predict(std::vector<float>{10})->front(), 21.0, 1e-7);
}

TEST(RidgeRegressionTest, PenaltyShrinksTheStandardisedSlopeAsComputedByHand) {
  // x = 0..3: mean 1.5, population sd s = sqrt(1.25), Σz² = 4, Σz·(y - ȳ) = 2·s·4 = 8s.
  // b = 8s / (4 + lambda); with lambda = 4, b = s, so the slope b / s is 1 and the
  // intercept ȳ - 1 · 1.5 = 4 - 1.5 = 2.5.
  auto r =
      RidgeRegression::Fit(std::vector<float>{0, 1, 2, 3}, 1, std::vector<float>{1, 3, 5, 7}, 4.0);
  ASSERT_TRUE(r.ok());
  EXPECT_NEAR(r->coefficients()[0], 1.0, 1e-12);
  EXPECT_NEAR(r->intercept(), 2.5, 1e-12);
}

TEST(RidgeRegressionTest, MissingValuesGetTheMeanAndAnIndicator) {
  // Known rows lie on y = 2x + 1; the two rows without x have y = 20. Imputed with the mean
  // (1.5), they fit exactly with an indicator coefficient d: 1 + 2·1.5 + d = 20, d = 16.
  const std::vector<float> x = {0, 1, 2, 3, kNaN, kNaN};
  const std::vector<float> y = {1, 3, 5, 7, 20, 20};
  auto r = RidgeRegression::Fit(x, 1, y, 1e-9);
  ASSERT_TRUE(r.ok());
  EXPECT_NEAR(r->means()[0], 1.5, 1e-12);
  EXPECT_NEAR(r->coefficients()[0], 2.0, 1e-6);
  EXPECT_NEAR(r->missing_coefficients()[0], 16.0, 1e-6);
  EXPECT_NEAR(r->intercept(), 1.0, 1e-6);
  auto p = r->Predict(std::vector<float>{kNaN, 5});
  ASSERT_TRUE(p.ok());
  EXPECT_NEAR((*p)[0], 20.0, 1e-6);
  EXPECT_NEAR((*p)[1], 11.0, 1e-6);
}

TEST(RidgeRegressionTest, ConstantAndEmptyColumnsAreDropped) {
  // Column 0 constant, column 1 all missing, column 2 the signal.
  const std::vector<float> x = {7, kNaN, 0, 7, kNaN, 1, 7, kNaN, 2, 7, kNaN, 3};
  auto r = RidgeRegression::Fit(x, 3, std::vector<float>{1, 3, 5, 7}, 1e-9);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->coefficients()[0], 0.0);
  EXPECT_EQ(r->coefficients()[1], 0.0);
  EXPECT_EQ(r->missing_coefficients()[1], 0.0);
  EXPECT_NEAR(r->coefficients()[2], 2.0, 1e-8);
  // Nothing to learn from: the intercept is the mean.
  auto flat =
      RidgeRegression::Fit(std::vector<float>{5, 5, 5}, 1, std::vector<float>{1, 2, 6}, 1.0);
  ASSERT_TRUE(flat.ok());
  EXPECT_DOUBLE_EQ(flat->intercept(), 3.0);
}

TEST(RidgeRegressionTest, InvalidInputIsRefused) {
  const std::vector<float> x = {0, 1};
  const std::vector<float> y = {0, 1};
  EXPECT_EQ(RidgeRegression::Fit(x, 1, y, 0.0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(RidgeRegression::Fit(x, 1, y, -1.0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(RidgeRegression::Fit(x, 2, y, 1.0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(RidgeRegression::Fit({}, 1, {}, 1.0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(RidgeRegression::Fit(x, 1, std::vector<float>{0, kNaN}, 1.0).status().code(),
            StatusCode::kInvalidArgument);
  RidgeOptions o;
  o.lambdas = {};
  EXPECT_EQ(ChooseRidgeLambda(x, 1, y, o).status().code(), StatusCode::kInvalidArgument);
  o.lambdas = {1.0, 0.0};
  EXPECT_EQ(ChooseRidgeLambda(x, 1, y, o).status().code(), StatusCode::kInvalidArgument);
}

TEST(RidgeRegressionTest, InnerCvPicksTheSmallestPenaltyForANoiselessLine) {
  std::vector<float> x, y;
  for (int i = 0; i < 30; ++i) {
    x.push_back(static_cast<float>(i));
    y.push_back(2.0f * static_cast<float>(i) + 1.0f);
  }
  auto lambda = ChooseRidgeLambda(x, 1, y, RidgeOptions{});
  ASSERT_TRUE(lambda.ok());
  EXPECT_EQ(*lambda, 0.01);
  // Too few rows to search: the grid's middle value (of 0.01 .. 1000, the fourth: 10).
  auto few = ChooseRidgeLambda(std::vector<float>{0, 1, 2}, 1, std::vector<float>{0, 1, 2},
                               RidgeOptions{});
  ASSERT_TRUE(few.ok());
  EXPECT_EQ(*few, 10.0);
}

// ---- cross-validation ----------------------------------------------------------------------

CvOptions FastCv() {
  CvOptions o;
  o.folds = 5;
  o.seed = 11;
  o.xgboost.n_rounds = 150;
  o.xgboost.eta = 0.1;
  o.xgboost.max_depth = 3;
  return o;
}

TEST(CrossValidateTest, XgboostLearnsASineThatRidgeCannot) {
  // y = sin(2x) on x in [0, 10): five periods and a half, almost no linear trend; a second
  // column of noise.
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<float> u(0.0f, 10.0f);
  std::vector<float> x, y;
  for (int i = 0; i < 400; ++i) {
    const float a = u(rng);
    x.push_back(a);
    x.push_back(u(rng));
    y.push_back(std::sin(2.0f * a));
  }
  auto cv = CrossValidate(x, 2, y, FastCv());
  ASSERT_TRUE(cv.ok()) << cv.status().ToString();
  EXPECT_GT(cv->xgboost.mean_over_folds.r2, 0.9);
  EXPECT_LT(cv->ridge.mean_over_folds.r2, 0.1);
  EXPECT_GT(cv->xgboost.mean_over_folds.r2 - cv->ridge.mean_over_folds.r2, 0.8);
  EXPECT_GT(cv->xgboost.pooled.r2, 0.9);
  // The mean of a training fold on a held-out fold: R² at most 0 in every fold, close to it.
  for (const RegressionMetrics& f : cv->mean_baseline.per_fold) {
    EXPECT_LE(f.r2, 0.0);
    EXPECT_GT(f.r2, -0.1);
  }
  EXPECT_EQ(cv->xgboost.per_fold.size(), 5u);
  EXPECT_EQ(cv->ridge_lambdas.size(), 5u);

  // Deterministic: the same report again, on the folds AssignFolds gives.
  auto again = CrossValidate(x, 2, y, FastCv());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->xgboost.out_of_fold, cv->xgboost.out_of_fold);
  EXPECT_EQ(again->ridge.out_of_fold, cv->ridge.out_of_fold);
  EXPECT_EQ(cv->fold_of_row, *AssignFolds(400, 5, 11));
}

TEST(CrossValidateTest, ReportsMatchTheirOutOfFoldPredictions) {
  std::vector<float> x, y;
  for (int i = 0; i < 40; ++i) {
    x.push_back(static_cast<float>(i % 10));
    y.push_back(static_cast<float>(3 * (i % 10) + (i % 3)));
  }
  auto cv = CrossValidate(x, 1, y, FastCv());
  ASSERT_TRUE(cv.ok());
  // Pooled metrics are the metrics of the out-of-fold predictions; the mean baseline's
  // prediction for a row is the mean target of the other folds.
  const std::vector<double> truth(y.begin(), y.end());
  const auto pooled = ComputeRegressionMetrics(truth, cv->ridge.out_of_fold);
  EXPECT_DOUBLE_EQ(cv->ridge.pooled.rmse, pooled->rmse);
  for (std::size_t r = 0; r < y.size(); ++r) {
    double sum = 0;
    int n = 0;
    for (std::size_t k = 0; k < y.size(); ++k) {
      if (cv->fold_of_row[k] != cv->fold_of_row[r]) {
        sum += y[k];
        ++n;
      }
    }
    EXPECT_NEAR(cv->mean_baseline.out_of_fold[r], sum / n, 1e-9);
  }
  double mean_rmse = 0;
  for (const RegressionMetrics& f : cv->xgboost.per_fold) mean_rmse += f.rmse / 5;
  EXPECT_NEAR(cv->xgboost.mean_over_folds.rmse, mean_rmse, 1e-12);
  // A line: ridge is near perfect, and better than the mean.
  EXPECT_GT(cv->ridge.pooled.r2, 0.9);
  EXPECT_LT(cv->ridge.pooled.rmse, cv->mean_baseline.pooled.rmse);
}

TEST(CrossValidateTest, TooFewRowsOrBadOptionsAreRefused) {
  const std::vector<float> x(9, 1.0f);
  const std::vector<float> y(9, 1.0f);
  const auto few = CrossValidate(x, 1, y, FastCv());
  EXPECT_EQ(few.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(few.status().message().find("at least 10 rows, not 9"), std::string::npos)
      << few.status().message();
  CvOptions o = FastCv();
  o.folds = 1;
  EXPECT_EQ(CrossValidate(x, 1, y, o).status().code(), StatusCode::kInvalidArgument);
  o = FastCv();
  o.xgboost.eta = 2;
  EXPECT_EQ(CrossValidate(std::vector<float>(20, 1.0f), 1, std::vector<float>(20, 1.0f), o)
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(CrossValidate(x, 2, y, FastCv()).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sonance
