// k-means clustering of dense vectors (FAISS's k-means, L2) with the reports that help choose
// k: the inertia curve (elbow) and the mean silhouette coefficient.
//
// Plain functions over caller-owned row-major float arrays; results are returned by value.
// Safe to call from several threads at once (FAISS parallelises each call with OpenMP).
// FAISS trains the centroids on every point (no subsampling); the assignment, inertia and
// silhouette are then computed in double precision against those centroids.
#pragma once

#include <cstdint>
#include <vector>

#include "sonance/common/status.h"

namespace sonance {

struct KMeansOptions {
  int k = 8;
  int iterations = 25;
  int restarts = 3;        // FAISS nredo: the best of this many runs is kept
  std::uint32_t seed = 1;  // deterministic for a fixed seed and thread count
};

struct KMeansResult {
  int k = 0;
  int dims = 0;
  std::vector<float> centroids;  // k * dims, row-major
  std::vector<int> assignment;   // cluster of each point
  double inertia = 0.0;          // sum of squared distances to the assigned centroid
  double silhouette = 0.0;       // mean silhouette coefficient in [-1, 1]
};

// Clusters `n` points of `dims` floats (row-major). InvalidArgument when k < 2, k > n,
// dims < 1, the number of floats is not a multiple of dims, a value is not finite, or
// iterations / restarts < 1; points are not modified. Each point goes to its nearest
// centroid (ties: the lower index); a cluster may end up empty when points coincide.
Result<KMeansResult> KMeans(const std::vector<float>& points, int dims,
                            const KMeansOptions& options);

// Mean silhouette coefficient of an assignment (Euclidean distances; exact for n <= 5000,
// otherwise over a deterministic sample of 5000 points, with distances among the sample only,
// as scikit-learn's sample_size). Points alone in their cluster count 0 (Rousseeuw 1987);
// empty clusters are ignored; fewer than two non-empty clusters give 0. NaN when the input
// is malformed (dims < 1, size not n * dims, assignment not n labels in [0, k)).
double Silhouette(const std::vector<float>& points, int dims, const std::vector<int>& assignment,
                  int k);

struct KChoice {
  std::vector<KMeansResult> runs;  // one per k tried, in increasing k
  int best_k = 0;                  // the k with the highest silhouette (ties: smaller k)
  int elbow_k = 0;                 // the k of the elbow of the inertia curve (largest
                                   // distance below the chord from the first to the last k,
                                   // both axes scaled to [0, 1]; ties, and a curve with no
                                   // point below the chord, give the smaller k)
};

// Runs KMeans for every k in [k_min, k_max] (k_max clamped to n) and reports both choices.
// InvalidArgument for the KMeans reasons and when k_min < 2, k_max < k_min or k_min > n.
Result<KChoice> ChooseK(const std::vector<float>& points, int dims, int k_min, int k_max,
                        const KMeansOptions& options);

}  // namespace sonance
