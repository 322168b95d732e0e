// KMeans, Silhouette and ChooseK (clustering.h). FAISS trains the centroids; the assignment,
// inertia and silhouette are then computed here in double precision, so they are exact
// for the centroids FAISS returns and do not depend on its float search kernels.
#include "sonance/search/clustering.h"

#include <faiss/Clustering.h>
#include <faiss/IndexFlat.h>
#include <faiss/impl/FaissException.h>
#include <omp.h>

#include <Eigen/Core>
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstddef>
#include <exception>
#include <limits>
#include <numeric>
#include <string>
#include <utility>

namespace sonance {
namespace {

// Above this many points the silhouette is computed over a sample of this size.
constexpr std::size_t kSilhouetteSampleSize = 5000;
// The sample is a fixed function of n, so the same input always gives the same value.
constexpr std::uint64_t kSilhouetteSampleSeed = 0x5ee1a7c0ffee2024ULL;

// Below this many multiply-adds per k-means iteration (n * k * dims), FAISS's OpenMP threads
// cost more than they save (and spin badly on a loaded machine): one thread is used.
constexpr std::size_t kSerialWork = std::size_t{1} << 20;

// Caps OpenMP at one thread for the calling thread while alive, then restores the cap.
class SerialOmpScope {
 public:
  explicit SerialOmpScope(bool active) : previous_(omp_get_max_threads()), active_(active) {
    if (active_) omp_set_num_threads(1);
  }
  ~SerialOmpScope() {
    if (active_) omp_set_num_threads(previous_);
  }
  SerialOmpScope(const SerialOmpScope&) = delete;
  SerialOmpScope& operator=(const SerialOmpScope&) = delete;

 private:
  int previous_;
  bool active_;
};

// splitmix64 (Steele, Lea, Flood 2014): a fixed generator, unlike std:: distributions whose
// output differs between standard libraries.
std::uint64_t SplitMix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// `count` distinct indices of [0, n) in increasing order (partial Fisher-Yates).
std::vector<std::size_t> SampleIndices(std::size_t n, std::size_t count) {
  std::vector<std::size_t> all(n);
  std::iota(all.begin(), all.end(), std::size_t{0});
  std::uint64_t state = kSilhouetteSampleSeed;
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t j = i + static_cast<std::size_t>(SplitMix64(state) % (n - i));
    std::swap(all[i], all[j]);
  }
  all.resize(count);
  std::sort(all.begin(), all.end());
  return all;
}

Status ValidatePoints(const std::vector<float>& points, int dims) {
  if (dims < 1) return Status::InvalidArgument("dims must be >= 1");
  if (points.size() % static_cast<std::size_t>(dims) != 0) {
    return Status::InvalidArgument("the number of floats (" + std::to_string(points.size()) +
                                   ") is not a multiple of dims (" + std::to_string(dims) + ")");
  }
  for (float x : points) {
    if (!std::isfinite(x)) return Status::InvalidArgument("points must be finite");
  }
  return Status::Ok();
}

double SquaredDistance(const float* a, const float* b, std::size_t dims) {
  double sum = 0.0;
  for (std::size_t j = 0; j < dims; ++j) {
    const double diff = static_cast<double>(a[j]) - static_cast<double>(b[j]);
    sum += diff * diff;
  }
  return sum;
}

// Silhouette of the points at `rows` with their labels (all in [0, k)), distances among
// those points only.
double SilhouetteOf(const std::vector<float>& points, std::size_t dims,
                    const std::vector<int>& assignment, int k,
                    const std::vector<std::size_t>& rows) {
  const auto n = static_cast<Eigen::Index>(rows.size());
  const auto d = static_cast<Eigen::Index>(dims);
  std::vector<int> label(rows.size());
  std::vector<double> cluster_size(static_cast<std::size_t>(k), 0.0);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    label[i] = assignment[rows[i]];
    cluster_size[static_cast<std::size_t>(label[i])] += 1.0;
  }
  const auto nonempty =
      std::count_if(cluster_size.begin(), cluster_size.end(), [](double s) { return s > 0.0; });
  if (nonempty < 2) return 0.0;

  // Points as double columns, centred (smaller norms, less cancellation in the Gram form
  // |x|^2 + |y|^2 - 2 x.y used for the distances).
  Eigen::MatrixXd x(d, n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const float* p = points.data() + rows[static_cast<std::size_t>(i)] * dims;
    for (Eigen::Index j = 0; j < d; ++j) x(j, i) = p[j];
  }
  x.colwise() -= x.rowwise().mean();
  const Eigen::VectorXd norms = x.colwise().squaredNorm().transpose();

  // Rows are processed in blocks so the distance block stays a few megabytes.
  constexpr Eigen::Index kBlock = 256;
  std::vector<double> sum_to(static_cast<std::size_t>(k));
  double total = 0.0;
  Eigen::MatrixXd gram;
  for (Eigen::Index begin = 0; begin < n; begin += kBlock) {
    const Eigen::Index count = std::min(kBlock, n - begin);
    gram.noalias() = x.middleCols(begin, count).transpose() * x;  // count x n
    for (Eigen::Index r = 0; r < count; ++r) {
      const Eigen::Index i = begin + r;
      const auto own = static_cast<std::size_t>(label[static_cast<std::size_t>(i)]);
      if (cluster_size[own] < 2.0) continue;  // alone in its cluster: 0
      std::fill(sum_to.begin(), sum_to.end(), 0.0);
      for (Eigen::Index j = 0; j < n; ++j) {
        if (j == i) continue;
        const double d2 = norms[i] + norms[j] - 2.0 * gram(r, j);
        sum_to[static_cast<std::size_t>(label[static_cast<std::size_t>(j)])] +=
            std::sqrt(std::max(d2, 0.0));
      }
      const double a = sum_to[own] / (cluster_size[own] - 1.0);
      double b = std::numeric_limits<double>::infinity();
      for (std::size_t c = 0; c < sum_to.size(); ++c) {
        if (c != own && cluster_size[c] > 0.0) b = std::min(b, sum_to[c] / cluster_size[c]);
      }
      const double scale = std::max(a, b);
      if (scale > 0.0) total += (b - a) / scale;
    }
  }
  return total / static_cast<double>(n);
}

// Distance of each normalised (x, y) point below the chord from the first to the last; the
// index of the largest, ties and "none below" going to the earliest.
std::size_t ElbowIndex(const std::vector<double>& xs, const std::vector<double>& ys) {
  const std::size_t m = xs.size();
  if (m < 3) return 0;
  const auto [y_min, y_max] = std::minmax_element(ys.begin(), ys.end());
  const double x_range = xs.back() - xs.front();
  const double y_range = *y_max - *y_min;
  if (x_range <= 0.0 || y_range <= 0.0) return 0;
  auto nx = [&](std::size_t i) { return (xs[i] - xs.front()) / x_range; };
  auto ny = [&](std::size_t i) { return (ys[i] - *y_min) / y_range; };
  const double y0 = ny(0);
  const double y1 = ny(m - 1);
  std::size_t best = 0;
  double best_depth = 0.0;
  for (std::size_t i = 1; i + 1 < m; ++i) {
    // The chord's height at x minus the curve's height: the vertical depth below the chord,
    // proportional to the perpendicular distance for a fixed chord.
    const double depth = y0 + (y1 - y0) * nx(i) - ny(i);
    if (depth > best_depth) {
      best_depth = depth;
      best = i;
    }
  }
  return best;
}

}  // namespace

Result<KMeansResult> KMeans(const std::vector<float>& points, int dims,
                            const KMeansOptions& options) {
  if (Status st = ValidatePoints(points, dims); !st.ok()) return st;
  const std::size_t d = static_cast<std::size_t>(dims);
  const std::size_t n = points.size() / d;
  if (options.k < 2) return Status::InvalidArgument("k must be >= 2");
  if (static_cast<std::size_t>(options.k) > n) {
    return Status::InvalidArgument("k (" + std::to_string(options.k) + ") exceeds the " +
                                   std::to_string(n) + " points");
  }
  if (options.iterations < 1) return Status::InvalidArgument("iterations must be >= 1");
  if (options.restarts < 1) return Status::InvalidArgument("restarts must be >= 1");
  const auto k = static_cast<std::size_t>(options.k);

  KMeansResult result;
  result.k = options.k;
  result.dims = dims;
  try {
    const SerialOmpScope serial(n * k * d < kSerialWork);
    faiss::ClusteringParameters cp;
    cp.niter = options.iterations;
    cp.nredo = options.restarts;
    cp.seed = static_cast<int>(options.seed);
    cp.verbose = false;
    // FAISS warns below min_points_per_centroid points per centroid and subsamples above
    // max_points_per_centroid; every point is used, however few or many.
    cp.min_points_per_centroid = 1;
    cp.max_points_per_centroid = static_cast<int>(std::min<std::size_t>((n + k - 1) / k, INT_MAX));
    faiss::Clustering clustering(dims, options.k, cp);
    faiss::IndexFlatL2 index(dims);
    clustering.train(static_cast<faiss::Index::idx_t>(n), points.data(), index);
    result.centroids = std::move(clustering.centroids);
  } catch (const faiss::FaissException& e) {
    return Status::Internal(std::string("FAISS k-means failed: ") + e.what());
  } catch (const std::exception& e) {
    return Status::Internal(std::string("k-means failed: ") + e.what());
  }
  if (result.centroids.size() != k * d) return Status::Internal("FAISS returned no centroids");

  // Nearest centroid in double; ties go to the lower cluster index.
  result.assignment.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const float* p = points.data() + i * d;
    double best = std::numeric_limits<double>::infinity();
    int best_c = 0;
    for (std::size_t c = 0; c < k; ++c) {
      const double dist = SquaredDistance(p, result.centroids.data() + c * d, d);
      if (dist < best) {
        best = dist;
        best_c = static_cast<int>(c);
      }
    }
    result.assignment[i] = best_c;
    result.inertia += best;
  }
  result.silhouette = Silhouette(points, dims, result.assignment, options.k);
  return result;
}

double Silhouette(const std::vector<float>& points, int dims, const std::vector<int>& assignment,
                  int k) {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  if (dims < 1 || k < 1 || points.size() % static_cast<std::size_t>(dims) != 0) return kNaN;
  const std::size_t n = points.size() / static_cast<std::size_t>(dims);
  if (assignment.size() != n) return kNaN;
  for (int c : assignment) {
    if (c < 0 || c >= k) return kNaN;
  }
  if (n < 2) return 0.0;
  std::vector<std::size_t> rows;
  if (n <= kSilhouetteSampleSize) {
    rows.resize(n);
    std::iota(rows.begin(), rows.end(), std::size_t{0});
  } else {
    rows = SampleIndices(n, kSilhouetteSampleSize);
  }
  return SilhouetteOf(points, static_cast<std::size_t>(dims), assignment, k, rows);
}

Result<KChoice> ChooseK(const std::vector<float>& points, int dims, int k_min, int k_max,
                        const KMeansOptions& options) {
  if (Status st = ValidatePoints(points, dims); !st.ok()) return st;
  const std::size_t n = points.size() / static_cast<std::size_t>(dims);
  if (k_min < 2) return Status::InvalidArgument("k_min must be >= 2");
  if (k_max < k_min) return Status::InvalidArgument("k_max must be >= k_min");
  if (static_cast<std::size_t>(k_min) > n) {
    return Status::InvalidArgument("k_min (" + std::to_string(k_min) + ") exceeds the " +
                                   std::to_string(n) + " points");
  }
  const int last = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(k_max), n));

  KChoice choice;
  std::vector<double> ks;
  std::vector<double> inertias;
  for (int k = k_min; k <= last; ++k) {
    KMeansOptions o = options;
    o.k = k;
    Result<KMeansResult> run = KMeans(points, dims, o);
    if (!run.ok()) return run.status();
    ks.push_back(k);
    inertias.push_back(run->inertia);
    choice.runs.push_back(std::move(run).value());
  }
  double best_silhouette = -std::numeric_limits<double>::infinity();
  for (const KMeansResult& run : choice.runs) {
    if (run.silhouette > best_silhouette) {  // strict: ties keep the smaller k
      best_silhouette = run.silhouette;
      choice.best_k = run.k;
    }
  }
  choice.elbow_k = choice.runs[ElbowIndex(ks, inertias)].k;
  return choice;
}

}  // namespace sonance
