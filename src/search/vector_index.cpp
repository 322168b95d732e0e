// VectorIndex (vector_index.h): FAISS behind a pimpl, its exceptions turned into Status.
#include "sonance/search/vector_index.h"

#include <faiss/IVFlib.h>
#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIDMap.h>
#include <faiss/IndexIVF.h>
#include <faiss/impl/FaissException.h>
#include <faiss/impl/IDSelector.h>
#include <faiss/index_factory.h>
#include <faiss/index_io.h>
#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <queue>
#include <unordered_set>
#include <utility>

namespace sonance {
namespace {

using idx_t = faiss::Index::idx_t;

// FAISS parallelises with OpenMP inside each call; the guard caps it at `threads` for the
// calling thread and restores the previous cap, so the engine's other work keeps its cores.
class OmpThreadLimit {
 public:
  explicit OmpThreadLimit(int threads) : previous_(omp_get_max_threads()) {
    omp_set_num_threads(threads);
  }
  ~OmpThreadLimit() { omp_set_num_threads(previous_); }
  OmpThreadLimit(const OmpThreadLimit&) = delete;
  OmpThreadLimit& operator=(const OmpThreadLimit&) = delete;

 private:
  int previous_;
};

// ---- exact L1 scan ------------------------------------------------------------------------
//
// FAISS 1.7.3 computes L1 distances of a flat index with scalar code, several times slower
// than the memory they stream. The exact L1 search of a Flat index therefore scans FAISS's
// own stored vectors (IndexFlat::get_xb) with these kernels: AVX2 where the processor has
// it (checked once at run time), a plain loop elsewhere. Same distances, same neighbours.

float L1Scalar(const float* a, const float* b, std::size_t d) {
  float sum = 0.0f;
  for (std::size_t i = 0; i < d; ++i) sum += std::fabs(a[i] - b[i]);
  return sum;
}

__attribute__((target("avx2"))) float L1Avx2(const float* a, const float* b, std::size_t d) {
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  __m256 acc0 = _mm256_setzero_ps();
  __m256 acc1 = _mm256_setzero_ps();
  std::size_t i = 0;
  for (; i + 16 <= d; i += 16) {
    const __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
    const __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8));
    acc0 = _mm256_add_ps(acc0, _mm256_and_ps(d0, abs_mask));
    acc1 = _mm256_add_ps(acc1, _mm256_and_ps(d1, abs_mask));
  }
  for (; i + 8 <= d; i += 8) {
    const __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
    acc0 = _mm256_add_ps(acc0, _mm256_and_ps(d0, abs_mask));
  }
  const __m256 acc = _mm256_add_ps(acc0, acc1);
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 0x55));
  float sum = _mm_cvtss_f32(s);
  for (; i < d; ++i) sum += std::fabs(a[i] - b[i]);
  return sum;
}

using L1Kernel = float (*)(const float*, const float*, std::size_t);

L1Kernel ChooseL1Kernel() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") ? &L1Avx2 : &L1Scalar;
}

// The k nearest stored vectors to each query by L1, nearest first (ties: earlier stored).
void ScanL1(const faiss::IndexFlat& flat, const float* queries, std::size_t n, idx_t k,
            float* distances, idx_t* labels) {
  static const L1Kernel kernel = ChooseL1Kernel();
  const auto d = static_cast<std::size_t>(flat.d);
  const float* xb = flat.get_xb();
  const auto total = static_cast<std::size_t>(flat.ntotal);
  using Entry = std::pair<float, idx_t>;  // max-heap on (distance, position)
  for (std::size_t q = 0; q < n; ++q) {
    const float* query = queries + q * d;
    std::priority_queue<Entry> heap;
    for (std::size_t j = 0; j < total; ++j) {
      const float dist = kernel(query, xb + j * d, d);
      if (heap.size() < static_cast<std::size_t>(k)) {
        heap.emplace(dist, static_cast<idx_t>(j));
      } else if (dist < heap.top().first) {
        heap.pop();
        heap.emplace(dist, static_cast<idx_t>(j));
      }
    }
    for (idx_t r = static_cast<idx_t>(heap.size()) - 1; r >= 0; --r) {
      distances[q * static_cast<std::size_t>(k) + static_cast<std::size_t>(r)] = heap.top().first;
      labels[q * static_cast<std::size_t>(k) + static_cast<std::size_t>(r)] = heap.top().second;
      heap.pop();
    }
  }
}

Status ValidateOptions(const VectorIndexOptions& o) {
  if (o.nprobe < 1) return Status::InvalidArgument("nprobe must be >= 1");
  if (o.ef_search < 1) return Status::InvalidArgument("ef_search must be >= 1");
  if (o.threads < 1) return Status::InvalidArgument("threads must be >= 1");
  return Status::Ok();
}

// Search-time knobs live on the wrapped index; setting them once keeps Search const and safe
// to call concurrently.
void ApplySearchOptions(faiss::Index* inner, const VectorIndexOptions& o) {
  if (faiss::IndexIVF* ivf = faiss::ivflib::try_extract_index_ivf(inner)) {
    ivf->nprobe = std::min<std::size_t>(static_cast<std::size_t>(o.nprobe), ivf->nlist);
  }
  if (auto* hnsw = dynamic_cast<faiss::IndexHNSW*>(inner)) hnsw->hnsw.efSearch = o.ef_search;
}

}  // namespace

struct VectorIndex::State {
  VectorIndexOptions options;
  std::unique_ptr<faiss::IndexIDMap2> index;
};

VectorIndex::VectorIndex(std::unique_ptr<State> s) : s_(std::move(s)) {}
VectorIndex::~VectorIndex() = default;

Result<std::unique_ptr<VectorIndex>> VectorIndex::Create(int dims,
                                                         const VectorIndexOptions& options) {
  if (dims < 1) return Status::InvalidArgument("dims must be >= 1");
  if (Status st = ValidateOptions(options); !st.ok()) return st;
  // The ids are ours to map; a second IDMap inside would hide them.
  if (options.factory.empty() || options.factory.find("IDMap") != std::string::npos) {
    return Status::InvalidArgument("invalid index factory string \"" + options.factory + "\"");
  }
  const faiss::MetricType metric =
      options.metric == IndexMetric::kL1 ? faiss::METRIC_L1 : faiss::METRIC_L2;
  try {
    std::unique_ptr<faiss::Index> inner(
        faiss::index_factory(dims, options.factory.c_str(), metric));
    // FAISS 1.7.3's inverted-list scanners know only L2 and inner product, and they fail
    // inside an OpenMP region at search time, where the exception cannot be caught.
    if (metric != faiss::METRIC_L2 && faiss::ivflib::try_extract_index_ivf(inner.get())) {
      return Status::InvalidArgument("\"" + options.factory +
                                     "\": FAISS's IVF indexes support only the L2 metric");
    }
    ApplySearchOptions(inner.get(), options);
    auto s = std::make_unique<State>();
    s->options = options;
    s->index = std::make_unique<faiss::IndexIDMap2>(inner.get());
    s->index->own_fields = true;
    inner.release();
    return std::unique_ptr<VectorIndex>(new VectorIndex(std::move(s)));
  } catch (const faiss::FaissException& e) {
    return Status::InvalidArgument("invalid index factory string \"" + options.factory +
                                   "\": " + e.what());
  }
}

Result<std::unique_ptr<VectorIndex>> VectorIndex::Load(const std::filesystem::path& path,
                                                       const VectorIndexOptions& options) {
  if (Status st = ValidateOptions(options); !st.ok()) return st;
  // FAISS reports an unreadable file and a corrupt one alike; tell them apart first.
  if (!std::ifstream(path, std::ios::binary)) {
    return Status::IOError("cannot read " + path.string());
  }
  std::unique_ptr<faiss::Index> loaded;
  try {
    OmpThreadLimit limit(options.threads);
    loaded.reset(faiss::read_index(path.string().c_str()));
  } catch (const faiss::FaissException& e) {
    return Status::Corrupt(path.string() + " is not a vector index: " + e.what());
  }
  auto* idmap = dynamic_cast<faiss::IndexIDMap2*>(loaded.get());
  if (idmap == nullptr) {
    return Status::Corrupt(path.string() + " is a FAISS index without Sonance's id map");
  }
  if (idmap->metric_type != faiss::METRIC_L1 && idmap->metric_type != faiss::METRIC_L2) {
    return Status::Corrupt(path.string() + " uses a metric other than L1 or L2");
  }
  if (idmap->metric_type != faiss::METRIC_L2 && faiss::ivflib::try_extract_index_ivf(idmap)) {
    return Status::Corrupt(path.string() + " is an IVF index with a metric other than L2");
  }
  auto s = std::make_unique<State>();
  s->options = options;
  s->options.metric = idmap->metric_type == faiss::METRIC_L1 ? IndexMetric::kL1 : IndexMetric::kL2;
  loaded.release();
  s->index.reset(idmap);
  ApplySearchOptions(s->index->index, s->options);
  return std::unique_ptr<VectorIndex>(new VectorIndex(std::move(s)));
}

int VectorIndex::dims() const {
  return static_cast<int>(s_->index->d);
}
std::int64_t VectorIndex::size() const {
  return s_->index->ntotal;
}
bool VectorIndex::is_trained() const {
  return s_->index->is_trained;
}
const VectorIndexOptions& VectorIndex::options() const {
  return s_->options;
}

Status VectorIndex::Train(std::span<const float> vectors) {
  const auto d = static_cast<std::size_t>(dims());
  if (vectors.empty() || vectors.size() % d != 0) {
    return Status::InvalidArgument("training needs a whole number (>= 1) of " + std::to_string(d) +
                                   "-float vectors, got " + std::to_string(vectors.size()) +
                                   " floats");
  }
  try {
    OmpThreadLimit limit(s_->options.threads);
    s_->index->train(static_cast<idx_t>(vectors.size() / d), vectors.data());
  } catch (const faiss::FaissException& e) {
    // What FAISS refuses here is the data (too few points for the lists), not the index.
    return Status::InvalidArgument(std::string("cannot train the index: ") + e.what());
  }
  ApplySearchOptions(s_->index->index, s_->options);
  return Status::Ok();
}

Status VectorIndex::Add(std::span<const std::int64_t> ids, std::span<const float> vectors) {
  const auto d = static_cast<std::size_t>(dims());
  if (vectors.size() != ids.size() * d) {
    return Status::InvalidArgument(std::to_string(ids.size()) + " ids need " +
                                   std::to_string(ids.size() * d) + " floats, got " +
                                   std::to_string(vectors.size()));
  }
  if (ids.empty()) return Status::Ok();
  // IndexIDMap2 would silently overwrite the reverse map entry of a reused id, and FAISS
  // reports "no result" as id -1.
  std::unordered_set<std::int64_t> batch;
  for (std::int64_t id : ids) {
    if (id == -1) return Status::InvalidArgument("id -1 is reserved");
    if (!batch.insert(id).second || s_->index->rev_map.count(id)) {
      return Status::InvalidArgument("id " + std::to_string(id) + " is already in the index");
    }
  }
  if (!is_trained()) {
    if (Status st = Train(vectors); !st.ok()) return st;
  }
  try {
    OmpThreadLimit limit(s_->options.threads);
    static_assert(sizeof(idx_t) == sizeof(std::int64_t));
    s_->index->add_with_ids(static_cast<idx_t>(ids.size()), vectors.data(),
                            reinterpret_cast<const idx_t*>(ids.data()));
  } catch (const faiss::FaissException& e) {
    return Status::Internal(std::string("cannot add to the index: ") + e.what());
  }
  return Status::Ok();
}

Result<std::int64_t> VectorIndex::Remove(std::span<const std::int64_t> ids) {
  if (dynamic_cast<const faiss::IndexHNSW*>(s_->index->index) != nullptr) {
    return Status::Unsupported("an HNSW index cannot remove vectors: rebuild it without them");
  }
  try {
    OmpThreadLimit limit(s_->options.threads);
    std::vector<idx_t> keys(ids.begin(), ids.end());
    faiss::IDSelectorBatch selector(keys.size(), keys.data());
    return static_cast<std::int64_t>(s_->index->remove_ids(selector));
  } catch (const faiss::FaissException& e) {
    // The ids cannot be wrong; what fails is an index type that does not implement removal.
    return Status::Unsupported(std::string("this index cannot remove vectors: ") + e.what());
  }
}

Result<std::vector<IndexHit>> VectorIndex::Search(std::span<const float> query, int k) const {
  if (query.size() != static_cast<std::size_t>(dims())) {
    return Status::InvalidArgument("a query has " + std::to_string(dims()) + " floats, got " +
                                   std::to_string(query.size()));
  }
  auto lists = SearchBatch(query, k);
  if (!lists.ok()) return lists.status();
  return std::move(lists->front());
}

Result<std::vector<std::vector<IndexHit>>> VectorIndex::SearchBatch(std::span<const float> queries,
                                                                    int k) const {
  const auto d = static_cast<std::size_t>(dims());
  if (queries.size() % d != 0) {
    return Status::InvalidArgument("queries are " + std::to_string(d) + " floats each, got " +
                                   std::to_string(queries.size()) + " floats");
  }
  if (k < 1) return Status::InvalidArgument("k must be >= 1");
  const std::size_t n = queries.size() / d;
  std::vector<std::vector<IndexHit>> out(n);
  // An empty index (possibly untrained) has nothing to find; FAISS would refuse or pad.
  if (n == 0 || size() == 0) return out;
  const idx_t kk = std::min<idx_t>(k, s_->index->ntotal);
  std::vector<float> distances(n * static_cast<std::size_t>(kk));
  std::vector<idx_t> labels(n * static_cast<std::size_t>(kk));
  try {
    const auto* flat = dynamic_cast<const faiss::IndexFlat*>(s_->index->index);
    if (flat != nullptr && flat->metric_type == faiss::METRIC_L1) {
      ScanL1(*flat, queries.data(), n, kk, distances.data(), labels.data());
      for (idx_t& label : labels) label = s_->index->id_map[static_cast<std::size_t>(label)];
    } else {
      OmpThreadLimit limit(s_->options.threads);
      s_->index->search(static_cast<idx_t>(n), queries.data(), kk, distances.data(), labels.data());
    }
  } catch (const faiss::FaissException& e) {
    return Status::Internal(std::string("index search failed: ") + e.what());
  }
  for (std::size_t q = 0; q < n; ++q) {
    for (idx_t j = 0; j < kk; ++j) {
      const std::size_t at = q * static_cast<std::size_t>(kk) + static_cast<std::size_t>(j);
      // Approximate indexes may find fewer than k: FAISS pads with id -1.
      if (labels[at] != -1) out[q].push_back({labels[at], distances[at]});
    }
  }
  return out;
}

Status VectorIndex::Save(const std::filesystem::path& path) const {
  try {
    faiss::write_index(s_->index.get(), path.string().c_str());
  } catch (const faiss::FaissException& e) {
    return Status::IOError("cannot write " + path.string() + ": " + e.what());
  }
  return Status::Ok();
}

}  // namespace sonance
