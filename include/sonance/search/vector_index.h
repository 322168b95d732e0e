// VectorIndex: nearest-neighbour search over fixed-length float vectors, with FAISS.
//
// Built from a FAISS factory string: "Flat" (exact, the default), "IVF<n>,Flat" (inverted
// lists, trained with k-means, searched over `nprobe` lists), "HNSW<m>" (graph, `ef_search`),
// with the L1 (Manhattan, the default, as the original playlist generator used) or L2
// metric. FAISS 1.7.3's IVF indexes scan their lists under L2 only, so Create() refuses an IVF
// factory string with L1 (InvalidArgument) rather than letting a search abort. Vectors are
// row-major, `dims()` floats each, and carry the caller's 64-bit ids (FAISS's IndexIDMap2).
// Distances are those of the metric (L1: sum of absolute differences; L2: the squared Euclidean
// distance, as FAISS reports it). Remove() is Unsupported on indexes that cannot delete (HNSW):
// rebuild those. Save()/Load() use FAISS's own format. FAISS exceptions never escape: they become a
// Status. Each call lets FAISS use at most `threads` OpenMP threads and restores the calling
// thread's previous OpenMP setting.
//
// Thread-safety: Search may run concurrently with other Search calls; Train/Add/Remove
// need exclusive access. Ownership: results are copies.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "sonance/common/status.h"

namespace sonance {

enum class IndexMetric { kL1, kL2 };

struct VectorIndexOptions {
  std::string factory = "Flat";
  IndexMetric metric = IndexMetric::kL1;
  int nprobe = 16;     // IVF lists searched (>= 1)
  int ef_search = 64;  // HNSW candidate list size (>= 1)
  int threads = 1;     // OpenMP threads FAISS may use for one call (>= 1)
};

struct IndexHit {
  std::int64_t id = 0;
  float distance = 0.0f;
};

class VectorIndex {
 public:
  // InvalidArgument for dims < 1, an unknown factory string or invalid options.
  static Result<std::unique_ptr<VectorIndex>> Create(int dims, const VectorIndexOptions& options);
  // IOError / Corrupt with the path. dims and metric come from the file (options().metric
  // reports it); nprobe, ef_search and threads from `options`; the factory string is kept as
  // given, for display only.
  static Result<std::unique_ptr<VectorIndex>> Load(const std::filesystem::path& path,
                                                   const VectorIndexOptions& options);
  ~VectorIndex();

  int dims() const;
  std::int64_t size() const;
  bool is_trained() const;
  const VectorIndexOptions& options() const;

  // InvalidArgument when vectors.size() is not a multiple of dims() (or too few to train).
  Status Train(std::span<const float> vectors);
  // Trains first when the index needs it and is not trained. Ids must be new and not -1
  // (FAISS's "no result"); InvalidArgument otherwise, with nothing added.
  Status Add(std::span<const std::int64_t> ids, std::span<const float> vectors);
  // Returns how many were removed.
  Result<std::int64_t> Remove(std::span<const std::int64_t> ids);

  // The k nearest, nearest first (fewer when the index holds fewer; none when it is empty).
  // InvalidArgument for k < 1 or a query that is not dims() floats.
  Result<std::vector<IndexHit>> Search(std::span<const float> query, int k) const;
  // One result list per query (queries.size() / dims() of them).
  Result<std::vector<std::vector<IndexHit>>> SearchBatch(std::span<const float> queries,
                                                         int k) const;

  Status Save(const std::filesystem::path& path) const;

 private:
  struct State;
  explicit VectorIndex(std::unique_ptr<State> s);
  std::unique_ptr<State> s_;
};

}  // namespace sonance
