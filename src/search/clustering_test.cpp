#include "sonance/search/clustering.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <vector>

namespace sonance {
namespace {

struct Blobs {
  std::vector<float> points;
  std::vector<int> labels;  // the blob each point was drawn from
  std::vector<std::vector<double>> centres;
  int dims = 0;
};

// `per_blob` Gaussian points around each centre, standard deviation `sigma` per axis.
Blobs MakeBlobs(const std::vector<std::vector<double>>& centres, int per_blob, double sigma,
                unsigned seed) {
  Blobs b;
  b.centres = centres;
  b.dims = static_cast<int>(centres[0].size());
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0.0, sigma);
  for (int i = 0; i < per_blob; ++i) {
    for (int c = 0; c < static_cast<int>(centres.size()); ++c) {  // interleaved blobs
      for (double x : centres[c]) b.points.push_back(static_cast<float>(x + noise(rng)));
      b.labels.push_back(c);
    }
  }
  return b;
}

const std::vector<std::vector<double>> kFourCentres = {
    {0, 0, 0}, {10, 0, 0}, {0, 10, 0}, {0, 0, 10}};

// The second implementation: the definition, one distance at a time.
double ReferenceSilhouette(const std::vector<float>& points, int dims,
                           const std::vector<int>& labels, int k) {
  const std::size_t n = labels.size();
  std::vector<double> size(k, 0.0);
  for (int c : labels) size[c] += 1.0;
  if (std::count_if(size.begin(), size.end(), [](double s) { return s > 0; }) < 2) return 0.0;
  double total = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    if (size[labels[i]] < 2) continue;
    std::vector<double> sum(k, 0.0);
    for (std::size_t j = 0; j < n; ++j) {
      if (j == i) continue;
      double d2 = 0.0;
      for (int t = 0; t < dims; ++t) {
        const double diff = double{points[i * dims + t]} - double{points[j * dims + t]};
        d2 += diff * diff;
      }
      sum[labels[j]] += std::sqrt(d2);
    }
    const double a = sum[labels[i]] / (size[labels[i]] - 1);
    double b = std::numeric_limits<double>::infinity();
    for (int c = 0; c < k; ++c) {
      if (c != labels[i] && size[c] > 0) b = std::min(b, sum[c] / size[c]);
    }
    total += (b - a) / std::max(a, b);
  }
  return total / static_cast<double>(n);
}

// True when `found` equals `truth` up to renaming the clusters.
bool SamePartition(const std::vector<int>& found, const std::vector<int>& truth) {
  if (found.size() != truth.size()) return false;
  std::map<int, int> found_to_truth;
  std::map<int, int> truth_to_found;
  for (std::size_t i = 0; i < found.size(); ++i) {
    const auto a = found_to_truth.emplace(found[i], truth[i]).first;
    const auto b = truth_to_found.emplace(truth[i], found[i]).first;
    if (a->second != truth[i] || b->second != found[i]) return false;
  }
  return true;
}

KMeansOptions Options(int k, int restarts = 10) {
  KMeansOptions o;
  o.k = k;
  o.restarts = restarts;  // 4 equal blobs: one random start often puts two seeds in one
  o.seed = 42;
  return o;
}

TEST(KMeansTest, RecoversWellSeparatedBlobs) {
  const Blobs b = MakeBlobs(kFourCentres, 50, 0.5, 1234);
  const auto r = KMeans(b.points, b.dims, Options(4));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->k, 4);
  EXPECT_EQ(r->dims, 3);
  ASSERT_EQ(r->centroids.size(), 12u);
  ASSERT_EQ(r->assignment.size(), 200u);
  EXPECT_TRUE(SamePartition(r->assignment, b.labels));

  // Each centroid is the mean of its cluster (a k-means fixed point) and lies near the
  // true centre: the mean of 50 draws with sigma 0.5 has a standard error of 0.07 per axis.
  double inertia = 0.0;
  for (int c = 0; c < 4; ++c) {
    std::vector<double> mean(3, 0.0);
    int count = 0;
    int truth = -1;
    for (std::size_t i = 0; i < b.labels.size(); ++i) {
      if (r->assignment[i] != c) continue;
      truth = b.labels[i];
      ++count;
      for (int t = 0; t < 3; ++t) mean[t] += b.points[i * 3 + t];
    }
    ASSERT_EQ(count, 50);
    for (int t = 0; t < 3; ++t) {
      mean[t] /= count;
      EXPECT_NEAR(r->centroids[c * 3 + t], mean[t], 1e-4);
      EXPECT_NEAR(r->centroids[c * 3 + t], b.centres[truth][t], 0.3);
    }
  }
  for (std::size_t i = 0; i < b.labels.size(); ++i) {
    for (int t = 0; t < 3; ++t) {
      const double diff = double{b.points[i * 3 + t]} - r->centroids[r->assignment[i] * 3 + t];
      inertia += diff * diff;
    }
  }
  EXPECT_NEAR(r->inertia, inertia, 1e-9 * inertia);
  // Expected inertia: n * dims * sigma^2 = 200 * 3 * 0.25 = 150 (chi-square, sd about 9).
  EXPECT_GT(r->inertia, 110.0);
  EXPECT_LT(r->inertia, 190.0);
  // Within-blob distances are ~1, between blobs >= 10: the silhouette is close to 0.9.
  EXPECT_NEAR(r->silhouette, ReferenceSilhouette(b.points, 3, r->assignment, 4), 1e-9);
  EXPECT_GT(r->silhouette, 0.8);
}

TEST(KMeansTest, SameSeedGivesSameResult) {
  const Blobs b = MakeBlobs(kFourCentres, 40, 2.0, 99);  // overlapping: many local optima
  const auto first = KMeans(b.points, b.dims, Options(5, 2));
  const auto second = KMeans(b.points, b.dims, Options(5, 2));
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->centroids, second->centroids);
  EXPECT_EQ(first->assignment, second->assignment);
  EXPECT_EQ(first->inertia, second->inertia);
}

TEST(KMeansTest, OneDimensionalHandExampleHasTheHandSilhouette) {
  // See SilhouetteTest.MatchesHandComputationInOneDimension for the value.
  const std::vector<float> points = {10, 0, 11, 2, 13};
  const auto r = KMeans(points, 1, Options(2));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(SamePartition(r->assignment, {1, 0, 1, 0, 1}));
  // Inertia: {0, 2} around 1 gives 1 + 1; {10, 11, 13} around 34/3 gives
  // (4/3)^2 + (1/3)^2 + (5/3)^2 = 42/9 = 14/3.
  EXPECT_NEAR(r->inertia, 2.0 + 14.0 / 3.0, 1e-5);
  EXPECT_NEAR(r->silhouette, 172589.0 / 214200.0, 1e-12);
}

TEST(KMeansTest, AsManyClustersAsPointsPutsEachPointAlone) {
  const std::vector<float> points = {0, 0, 1, 0, 0, 1, 5, 5, 9, 1};
  const auto r = KMeans(points, 2, Options(5));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(std::set<int>(r->assignment.begin(), r->assignment.end()).size(), 5u);
  EXPECT_DOUBLE_EQ(r->inertia, 0.0);
  EXPECT_DOUBLE_EQ(r->silhouette, 0.0);  // all singletons count 0
}

TEST(KMeansTest, IdenticalPointsGiveZeroInertiaAndSilhouette) {
  const std::vector<float> zeros(20, 0.0f);  // 10 points of 2 zeros
  const auto r = KMeans(zeros, 2, Options(3));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->assignment, std::vector<int>(10, 0));  // ties go to the lowest cluster
  EXPECT_DOUBLE_EQ(r->inertia, 0.0);
  EXPECT_DOUBLE_EQ(r->silhouette, 0.0);  // a single non-empty cluster
}

TEST(KMeansTest, InvalidArgumentsAreRejected) {
  const std::vector<float> points = {0, 0, 1, 1, 2, 2, 3, 3};  // 4 points of 2 dims
  auto code = [&](const std::vector<float>& p, int dims, const KMeansOptions& o) {
    return KMeans(p, dims, o).status().code();
  };
  EXPECT_EQ(code(points, 2, Options(1)), StatusCode::kInvalidArgument);
  EXPECT_EQ(code(points, 2, Options(0)), StatusCode::kInvalidArgument);
  EXPECT_EQ(code(points, 2, Options(5)), StatusCode::kInvalidArgument);  // k > n
  EXPECT_EQ(code(points, 0, Options(2)), StatusCode::kInvalidArgument);
  EXPECT_EQ(code(points, -1, Options(2)), StatusCode::kInvalidArgument);
  EXPECT_EQ(code(points, 3, Options(2)), StatusCode::kInvalidArgument);  // 8 % 3 != 0
  EXPECT_EQ(code({}, 2, Options(2)), StatusCode::kInvalidArgument);      // empty: k > n
  std::vector<float> with_nan = points;
  with_nan[3] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(code(with_nan, 2, Options(2)), StatusCode::kInvalidArgument);
  KMeansOptions o = Options(2);
  o.iterations = 0;
  EXPECT_EQ(code(points, 2, o), StatusCode::kInvalidArgument);
  o = Options(2);
  o.restarts = 0;
  EXPECT_EQ(code(points, 2, o), StatusCode::kInvalidArgument);
  EXPECT_TRUE(KMeans(points, 2, Options(4)).ok());  // k == n is allowed
}

TEST(SilhouetteTest, MatchesHandComputationInOneDimension) {
  // Clusters A = {0, 2} and B = {10, 11, 13}; s = (b - a) / max(a, b) with a the mean
  // distance to the rest of the own cluster and b the mean distance to the other cluster:
  //   x = 0:  a = 2,   b = (10 + 11 + 13) / 3 = 34/3  ->  s = 1 - 6/34 = 14/17
  //   x = 2:  a = 2,   b = (8 + 9 + 11) / 3 = 28/3    ->  s = 1 - 6/28 = 11/14
  //   x = 10: a = 2,   b = (10 + 8) / 2 = 9           ->  s = 1 - 2/9  = 7/9
  //   x = 11: a = 3/2, b = (11 + 9) / 2 = 10          ->  s = 1 - 3/20 = 17/20
  //   x = 13: a = 5/2, b = (13 + 11) / 2 = 12         ->  s = 1 - 5/24 = 19/24
  // Mean: (14/17 + 11/14 + 7/9 + 17/20 + 19/24) / 5 = 172589/214200 = 0.80573762...
  const std::vector<float> points = {0, 2, 10, 11, 13};
  EXPECT_NEAR(Silhouette(points, 1, {0, 0, 1, 1, 1}, 2), 172589.0 / 214200.0, 1e-12);
  // Cluster names do not matter.
  EXPECT_NEAR(Silhouette(points, 1, {1, 1, 0, 0, 0}, 2), 172589.0 / 214200.0, 1e-12);
}

TEST(SilhouetteTest, SingletonsCountZeroAndEmptyClustersAreIgnored) {
  // The example above plus 30 alone in cluster 3, cluster 2 empty. 30 is farther from every
  // point than its current nearest other cluster, so the five values are unchanged, and the
  // singleton adds a 0: the sum 172589/42840 (= 5 * 172589/214200) is divided by 6.
  const std::vector<float> points = {0, 2, 10, 11, 13, 30};
  EXPECT_NEAR(Silhouette(points, 1, {0, 0, 1, 1, 1, 3}, 4), 172589.0 / 42840.0 / 6.0, 1e-12);
}

TEST(SilhouetteTest, WrongClustersGiveNegativeValues) {
  // Clusters {0, 10} and {1, 11}: every a is 10.
  //   x = 0:  b = (1 + 11) / 2 = 6  ->  s = (6 - 10) / 10 = -0.4
  //   x = 1:  b = (1 + 9) / 2 = 5   ->  s = -0.5
  //   x = 10: b = (9 + 1) / 2 = 5   ->  s = -0.5
  //   x = 11: b = (11 + 1) / 2 = 6  ->  s = -0.4
  const std::vector<float> points = {0, 1, 10, 11};
  EXPECT_NEAR(Silhouette(points, 1, {0, 1, 0, 1}, 2), -0.45, 1e-12);
}

TEST(SilhouetteTest, OneClusterGivesZeroAndMalformedInputGivesNaN) {
  const std::vector<float> points = {0, 1, 10, 11};
  EXPECT_DOUBLE_EQ(Silhouette(points, 1, {0, 0, 0, 0}, 2), 0.0);
  EXPECT_DOUBLE_EQ(Silhouette({}, 1, {}, 2), 0.0);
  EXPECT_TRUE(std::isnan(Silhouette(points, 1, {0, 1, 0}, 2)));     // too few labels
  EXPECT_TRUE(std::isnan(Silhouette(points, 1, {0, 1, 0, 2}, 2)));  // label >= k
  EXPECT_TRUE(std::isnan(Silhouette(points, 1, {0, -1, 0, 1}, 2)));
  EXPECT_TRUE(std::isnan(Silhouette(points, 0, {0, 1, 0, 1}, 2)));
  EXPECT_TRUE(std::isnan(Silhouette(points, 3, {0, 1, 0, 1}, 2)));  // 4 % 3 != 0
}

TEST(SilhouetteTest, MatchesTheDefinitionOnRandomLabels) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-3.0f, 3.0f);
  std::uniform_int_distribution<int> label(0, 3);  // cluster 4 of 5 stays empty
  std::vector<float> points(300 * 4);
  for (auto& x : points) x = u(rng);
  std::vector<int> labels(300);
  for (auto& l : labels) l = label(rng);
  const double expected = ReferenceSilhouette(points, 4, labels, 5);
  EXPECT_NEAR(Silhouette(points, 4, labels, 5), expected, 1e-9);
  EXPECT_LT(std::abs(expected), 0.2);  // random labels: no structure
}

TEST(SilhouetteTest, SampledValueOfALargeInputIsCloseToTheExactOne) {
  const Blobs b = MakeBlobs({{0, 0}, {4, 0}, {0, 4}}, 2000, 1.0, 77);  // 6000 points
  const double exact = ReferenceSilhouette(b.points, 2, b.labels, 3);
  const double sampled = Silhouette(b.points, 2, b.labels, 3);
  EXPECT_NEAR(sampled, exact, 0.02);
  EXPECT_EQ(Silhouette(b.points, 2, b.labels, 3), sampled);  // the sample is fixed
}

TEST(ChooseKTest, PicksTheTrueNumberOfBlobsBySilhouetteAndElbow) {
  const Blobs b = MakeBlobs(kFourCentres, 50, 0.5, 1234);
  const auto choice = ChooseK(b.points, b.dims, 2, 8, Options(0));
  ASSERT_TRUE(choice.ok()) << choice.status().ToString();
  ASSERT_EQ(choice->runs.size(), 7u);
  for (int i = 0; i < 7; ++i) EXPECT_EQ(choice->runs[i].k, 2 + i);
  EXPECT_EQ(choice->best_k, 4);
  EXPECT_EQ(choice->elbow_k, 4);
  // Merging two blobs costs far more than splitting them saves: halving a 3-D Gaussian
  // blob along one axis keeps (3 - 2/pi) / 3 = 79% of its inertia.
  EXPECT_GT(choice->runs[1].inertia, 10.0 * choice->runs[2].inertia);
  EXPECT_GT(choice->runs[6].inertia, 0.6 * choice->runs[2].inertia);
}

TEST(ChooseKTest, ClampsTheRangeToTheNumberOfPoints) {
  const std::vector<float> points = {0, 1, 10, 11, 20};
  const auto choice = ChooseK(points, 1, 2, 50, Options(0));
  ASSERT_TRUE(choice.ok()) << choice.status().ToString();
  ASSERT_EQ(choice->runs.size(), 4u);
  EXPECT_EQ(choice->runs.back().k, 5);
  EXPECT_DOUBLE_EQ(choice->runs.back().inertia, 0.0);
  // {0, 1}, {10, 11}, {20}: the singleton counts 0, yet k = 3 still has the best silhouette.
  EXPECT_EQ(choice->best_k, 3);
}

TEST(ChooseKTest, InvalidRangesAreRejected) {
  const std::vector<float> points = {0, 1, 10, 11};
  auto code = [&](int k_min, int k_max) {
    return ChooseK(points, 1, k_min, k_max, Options(0)).status().code();
  };
  EXPECT_EQ(code(1, 3), StatusCode::kInvalidArgument);
  EXPECT_EQ(code(3, 2), StatusCode::kInvalidArgument);
  EXPECT_EQ(code(5, 6), StatusCode::kInvalidArgument);  // k_min > n
  EXPECT_EQ(ChooseK(points, 3, 2, 3, Options(0)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ChooseK(points, 0, 2, 3, Options(0)).status().code(), StatusCode::kInvalidArgument);
  const auto single = ChooseK(points, 1, 2, 2, Options(0));
  ASSERT_TRUE(single.ok()) << single.status().ToString();
  EXPECT_EQ(single->best_k, 2);
  EXPECT_EQ(single->elbow_k, 2);
}

}  // namespace
}  // namespace sonance
