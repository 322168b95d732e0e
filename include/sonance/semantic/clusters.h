// Clusters of songs by meaning: k-means (search/clustering.h, FAISS) over the songs' text
// vectors, each labelled by the concepts its songs weigh most.
//
// The sparse ESA vectors (over ~100,000 concepts) are projected onto `dims` dense
// dimensions by a signed feature hash (each concept to one dimension with a +-1 sign, a
// sparse Johnson-Lindenstrauss projection that keeps inner products in expectation), after
// scaling to unit length, so Euclidean k-means on the projection approximates clustering by
// cosine. Songs without a vector are left out.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "sonance/common/status.h"
#include "sonance/search/clustering.h"
#include "sonance/semantic/library.h"

namespace sonance {

struct ClusterOptions {
  int k = 0;  // 0: chosen by the highest mean silhouette over [k_min, k_max]
  int k_min = 2;
  int k_max = 12;
  int dims = 256;
  int labels = 5;  // concepts per cluster label
  KMeansOptions kmeans;
};

struct SongCluster {
  std::vector<std::size_t> songs;  // indices into SemanticLibrary::songs()
  std::vector<std::string> top_concepts;
};

struct ClusterReport {
  std::size_t songs = 0;  // songs clustered (with a vector)
  int k = 0;
  std::vector<KMeansResult> tried;    // one per k tried (just the one when k was given)
  int best_k = 0;                     // by silhouette
  int elbow_k = 0;                    // by the elbow of the inertia curve
  std::vector<SongCluster> clusters;  // largest first
};

// InvalidArgument for bad options or fewer songs with a vector than k (or k_min).
Result<ClusterReport> ClusterSongs(const SemanticLibrary& library, const ClusterOptions& options);

}  // namespace sonance
