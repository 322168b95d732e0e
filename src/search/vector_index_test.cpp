#include "sonance/search/vector_index.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>
#include <random>
#include <set>
#include <vector>

#include "support/fixtures.h"

namespace sonance {
namespace {

using test::TempDir;

std::vector<float> RandomVectors(int n, int dims, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> v(static_cast<std::size_t>(n) * dims);
  for (auto& x : v) x = u(rng);
  return v;
}

std::vector<std::int64_t> Ids(int n) {
  std::vector<std::int64_t> ids(n);
  for (int i = 0; i < n; ++i) ids[i] = 1000 + 7 * i;  // not 0..n-1, so ids are really mapped
  return ids;
}

// The second implementation: every distance computed here, sorted.
std::vector<IndexHit> BruteForce(const std::vector<float>& data,
                                 const std::vector<std::int64_t>& ids, std::span<const float> q,
                                 int dims, int k, IndexMetric metric) {
  std::vector<IndexHit> all;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    double d = 0.0;
    for (int j = 0; j < dims; ++j) {
      const double diff = static_cast<double>(data[i * dims + j]) - q[j];
      d += metric == IndexMetric::kL1 ? std::abs(diff) : diff * diff;
    }
    all.push_back({ids[i], static_cast<float>(d)});
  }
  std::stable_sort(all.begin(), all.end(),
                   [](const IndexHit& a, const IndexHit& b) { return a.distance < b.distance; });
  all.resize(std::min<std::size_t>(k, all.size()));
  return all;
}

std::unique_ptr<VectorIndex> Build(int dims, const VectorIndexOptions& o,
                                   const std::vector<std::int64_t>& ids,
                                   const std::vector<float>& data) {
  auto index = VectorIndex::Create(dims, o);
  EXPECT_TRUE(index.ok()) << index.status().ToString();
  if (!index.ok()) return nullptr;
  Status st = (*index)->Add(ids, data);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return std::move(*index);
}

void ExpectExact(IndexMetric metric, int dims = 8) {
  const int n = 500, k = 10;
  const auto data = RandomVectors(n, dims, 1);
  const auto ids = Ids(n);
  VectorIndexOptions o;
  o.metric = metric;
  auto index = Build(dims, o, ids, data);
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index->size(), n);
  const auto queries = RandomVectors(20, dims, 2);
  auto batch = index->SearchBatch(queries, k);
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  ASSERT_EQ(batch->size(), 20u);
  for (int q = 0; q < 20; ++q) {
    std::span<const float> query(queries.data() + q * dims, dims);
    const auto expected = BruteForce(data, ids, query, dims, k, metric);
    const auto& got = (*batch)[q];
    ASSERT_EQ(got.size(), expected.size());
    for (int i = 0; i < k; ++i) {
      EXPECT_EQ(got[i].id, expected[i].id) << "query " << q << " rank " << i;
      EXPECT_NEAR(got[i].distance, expected[i].distance, 1e-4);
    }
  }
}

TEST(VectorIndexTest, FlatL1MatchesBruteForce) {
  ExpectExact(IndexMetric::kL1);
}

// The exact L1 scan has its own SIMD kernel: every length of its 16-, 8- and 1-float steps.
TEST(VectorIndexTest, FlatL1MatchesBruteForceForEveryVectorLength) {
  for (int dims : {1, 3, 7, 9, 15, 16, 17, 31, 52, 64}) {
    SCOPED_TRACE("dims " + std::to_string(dims));
    ExpectExact(IndexMetric::kL1, dims);
  }
}

TEST(VectorIndexTest, FlatL2MatchesBruteForceSquaredDistances) {
  ExpectExact(IndexMetric::kL2);
}

TEST(VectorIndexTest, SearchMatchesSearchBatch) {
  const int dims = 4;
  const auto data = RandomVectors(50, dims, 3);
  auto index = Build(dims, {}, Ids(50), data);
  ASSERT_NE(index, nullptr);
  const auto query = RandomVectors(1, dims, 4);
  auto one = index->Search(query, 5);
  auto batch = index->SearchBatch(query, 5);
  ASSERT_TRUE(one.ok() && batch.ok());
  ASSERT_EQ(one->size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ((*one)[i].id, (*batch)[0][i].id);
}

double RecallAt10(const VectorIndexOptions& o) {
  const int dims = 16, n = 5000, k = 10, nq = 100;
  const auto data = RandomVectors(n, dims, 5);
  const auto ids = Ids(n);
  auto index = Build(dims, o, ids, data);
  if (index == nullptr) return 0.0;
  const auto queries = RandomVectors(nq, dims, 6);
  auto batch = index->SearchBatch(queries, k);
  EXPECT_TRUE(batch.ok()) << batch.status().ToString();
  if (!batch.ok()) return 0.0;
  int found = 0;
  for (int q = 0; q < nq; ++q) {
    std::span<const float> query(queries.data() + q * dims, dims);
    std::set<std::int64_t> truth;
    for (const auto& h : BruteForce(data, ids, query, dims, k, o.metric)) truth.insert(h.id);
    for (const auto& h : (*batch)[q]) found += static_cast<int>(truth.count(h.id));
  }
  return static_cast<double>(found) / (nq * k);
}

TEST(VectorIndexTest, Hnsw32RecallAt10IsHigh) {
  VectorIndexOptions o;
  o.factory = "HNSW32";
  o.ef_search = 128;
  EXPECT_GE(RecallAt10(o), 0.9);
}

TEST(VectorIndexTest, HnswEfSearchReachesFaiss) {
  // A candidate list of k finds fewer true neighbours than one of 128.
  VectorIndexOptions o;
  o.factory = "HNSW32";
  o.ef_search = 10;
  const double narrow = RecallAt10(o);
  o.ef_search = 128;
  EXPECT_LT(narrow, RecallAt10(o));
}

TEST(VectorIndexTest, ThreadLimitIsRestoredAfterEachCall) {
  omp_set_num_threads(3);
  VectorIndexOptions o;
  o.threads = 1;
  auto index = Build(4, o, Ids(100), RandomVectors(100, 4, 18));
  ASSERT_NE(index, nullptr);
  ASSERT_TRUE(index->Search(RandomVectors(1, 4, 19), 3).ok());
  EXPECT_EQ(omp_get_max_threads(), 3);
}

TEST(VectorIndexTest, IvfL2RecallAt10IsHigh) {
  VectorIndexOptions o;
  o.factory = "IVF64,Flat";
  o.metric = IndexMetric::kL2;
  o.nprobe = 16;
  EXPECT_GE(RecallAt10(o), 0.9);
}

TEST(VectorIndexTest, IvfWithL1IsInvalidArgument) {
  // FAISS 1.7.3 cannot scan inverted lists under L1 (it would abort at search time).
  VectorIndexOptions o;
  o.factory = "IVF64,Flat";
  o.metric = IndexMetric::kL1;
  EXPECT_EQ(VectorIndex::Create(16, o).status().code(), StatusCode::kInvalidArgument);
}

TEST(VectorIndexTest, IvfWithOneProbeFindsLessThanWithMany) {
  // nprobe must reach FAISS: one list of 64 cannot hold every true neighbour.
  VectorIndexOptions o;
  o.factory = "IVF64,Flat";
  o.metric = IndexMetric::kL2;
  o.nprobe = 1;
  const double one = RecallAt10(o);
  o.nprobe = 64;
  const double all = RecallAt10(o);
  EXPECT_LT(one, 0.9);
  EXPECT_NEAR(all, 1.0, 1e-9);
}

TEST(VectorIndexTest, IvfTrainsOnFirstAdd) {
  VectorIndexOptions o;
  o.factory = "IVF8,Flat";
  o.metric = IndexMetric::kL2;
  auto index = VectorIndex::Create(4, o);
  ASSERT_TRUE(index.ok());
  EXPECT_FALSE((*index)->is_trained());
  ASSERT_TRUE((*index)->Add(Ids(400), RandomVectors(400, 4, 7)).ok());
  EXPECT_TRUE((*index)->is_trained());
  EXPECT_EQ((*index)->size(), 400);
}

TEST(VectorIndexTest, TooFewVectorsToTrainIsInvalidArgument) {
  VectorIndexOptions o;
  o.factory = "IVF64,Flat";
  o.metric = IndexMetric::kL2;
  auto index = VectorIndex::Create(4, o);
  ASSERT_TRUE(index.ok());
  EXPECT_EQ((*index)->Train(RandomVectors(10, 4, 8)).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((*index)->Train({}).code(), StatusCode::kInvalidArgument);
}

TEST(VectorIndexTest, RemoveOnFlatRemovesThoseIds) {
  const int dims = 4;
  const auto data = RandomVectors(20, dims, 9);
  const auto ids = Ids(20);
  auto index = Build(dims, {}, ids, data);
  ASSERT_NE(index, nullptr);
  const std::vector<std::int64_t> gone = {ids[0], ids[5], 424242};  // the last is unknown
  auto removed = index->Remove(gone);
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(*removed, 2);
  EXPECT_EQ(index->size(), 18);
  // The removed vector's own query no longer finds it; the others still find themselves.
  auto hits = index->Search(std::span<const float>(data.data(), dims), 20);
  ASSERT_TRUE(hits.ok());
  EXPECT_EQ(hits->size(), 18u);
  for (const auto& h : *hits) EXPECT_TRUE(h.id != ids[0] && h.id != ids[5]);
  auto self = index->Search(std::span<const float>(data.data() + 3 * dims, dims), 1);
  ASSERT_TRUE(self.ok());
  ASSERT_EQ(self->size(), 1u);
  EXPECT_EQ((*self)[0].id, ids[3]);
  EXPECT_FLOAT_EQ((*self)[0].distance, 0.0f);
  // A removed id may be added again.
  EXPECT_TRUE(index
                  ->Add(std::vector<std::int64_t>{ids[0]},
                        std::vector<float>(data.begin(), data.begin() + dims))
                  .ok());
}

TEST(VectorIndexTest, RemoveOnHnswIsUnsupported) {
  VectorIndexOptions o;
  o.factory = "HNSW16";
  auto index = Build(4, o, Ids(20), RandomVectors(20, 4, 10));
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index->Remove(std::vector<std::int64_t>{Ids(20)[0]}).status().code(),
            StatusCode::kUnsupported);
  EXPECT_EQ(index->size(), 20);
}

TEST(VectorIndexTest, SaveLoadRoundTripGivesSameResults) {
  TempDir dir;
  const int dims = 6;
  const auto data = RandomVectors(700, dims, 11);
  VectorIndexOptions o;
  o.factory = "IVF16,Flat";
  o.metric = IndexMetric::kL2;
  o.nprobe = 4;
  auto index = Build(dims, o, Ids(700), data);
  ASSERT_NE(index, nullptr);
  ASSERT_TRUE(index->Save(dir / "index.faiss").ok());
  VectorIndexOptions lo = o;
  lo.metric = IndexMetric::kL1;  // the file's metric wins
  auto loaded = VectorIndex::Load(dir / "index.faiss", lo);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ((*loaded)->dims(), dims);
  EXPECT_EQ((*loaded)->size(), 700);
  EXPECT_TRUE((*loaded)->is_trained());
  EXPECT_EQ((*loaded)->options().metric, IndexMetric::kL2);
  const auto queries = RandomVectors(10, dims, 12);
  auto a = index->SearchBatch(queries, 7);
  auto b = (*loaded)->SearchBatch(queries, 7);
  ASSERT_TRUE(a.ok() && b.ok());
  for (std::size_t q = 0; q < a->size(); ++q) {
    ASSERT_EQ((*a)[q].size(), (*b)[q].size());
    for (std::size_t i = 0; i < (*a)[q].size(); ++i) {
      EXPECT_EQ((*a)[q][i].id, (*b)[q][i].id);
      EXPECT_EQ((*a)[q][i].distance, (*b)[q][i].distance);
    }
  }
  // Ids survive the round trip: removing one still works.
  auto removed = (*loaded)->Remove(std::vector<std::int64_t>{Ids(700)[1]});
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, 1);
}

TEST(VectorIndexTest, LoadOfMissingOrCorruptFile) {
  TempDir dir;
  std::ofstream(dir / "junk.faiss") << "definitely not a FAISS index";
  EXPECT_EQ(VectorIndex::Load(dir / "absent.faiss", {}).status().code(), StatusCode::kIOError);
  EXPECT_EQ(VectorIndex::Load(dir / "junk.faiss", {}).status().code(), StatusCode::kCorrupt);
}

TEST(VectorIndexTest, WrongDimsAreInvalidArgument) {
  auto index = Build(4, {}, Ids(3), RandomVectors(3, 4, 13));
  ASSERT_NE(index, nullptr);
  const std::vector<float> five(5, 0.0f);
  EXPECT_EQ(index->Search(five, 1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(index->SearchBatch(five, 1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(index->Add(Ids(1), five).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(index->Train(five).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(VectorIndex::Create(0, {}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(index->size(), 3);
}

TEST(VectorIndexTest, DuplicateIdsAreInvalidArgument) {
  auto index = Build(2, {}, Ids(3), RandomVectors(3, 2, 14));
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index->Add(std::vector<std::int64_t>{Ids(3)[1]}, RandomVectors(1, 2, 15)).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(index->Add(std::vector<std::int64_t>{5, 5}, RandomVectors(2, 2, 16)).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(index->size(), 3);
}

TEST(VectorIndexTest, UnknownFactoryStringIsInvalidArgument) {
  for (const char* factory : {"NoSuchIndex", "", "IVF,Flat,Banana", "IDMap,Flat"}) {
    VectorIndexOptions o;
    o.factory = factory;
    EXPECT_EQ(VectorIndex::Create(4, o).status().code(), StatusCode::kInvalidArgument) << factory;
  }
}

TEST(VectorIndexTest, InvalidOptionsAreInvalidArgument) {
  VectorIndexOptions o;
  o.nprobe = 0;
  EXPECT_EQ(VectorIndex::Create(4, o).status().code(), StatusCode::kInvalidArgument);
  o = {};
  o.ef_search = 0;
  EXPECT_EQ(VectorIndex::Create(4, o).status().code(), StatusCode::kInvalidArgument);
  o = {};
  o.threads = 0;
  EXPECT_EQ(VectorIndex::Create(4, o).status().code(), StatusCode::kInvalidArgument);
  auto index = VectorIndex::Create(4, {});
  ASSERT_TRUE(index.ok());
  EXPECT_EQ((*index)->Search(std::vector<float>(4, 0.0f), 0).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(VectorIndexTest, SearchOnEmptyIndexReturnsNothing) {
  for (const char* factory : {"Flat", "HNSW32", "IVF16,Flat"}) {
    VectorIndexOptions o;
    o.factory = factory;
    if (o.factory.starts_with("IVF")) o.metric = IndexMetric::kL2;
    auto index = VectorIndex::Create(3, o);
    ASSERT_TRUE(index.ok()) << factory;
    auto hits = (*index)->Search(std::vector<float>(3, 0.5f), 5);
    ASSERT_TRUE(hits.ok()) << factory << ": " << hits.status().ToString();
    EXPECT_TRUE(hits->empty()) << factory;
    auto batch = (*index)->SearchBatch(std::vector<float>(6, 0.5f), 5);
    ASSERT_TRUE(batch.ok());
    ASSERT_EQ(batch->size(), 2u);
    EXPECT_TRUE((*batch)[0].empty() && (*batch)[1].empty());
  }
}

TEST(VectorIndexTest, FewerVectorsThanKReturnsAllOfThem) {
  auto index = Build(2, {}, Ids(3), RandomVectors(3, 2, 17));
  ASSERT_NE(index, nullptr);
  auto hits = index->Search(std::vector<float>{0.0f, 0.0f}, 10);
  ASSERT_TRUE(hits.ok());
  EXPECT_EQ(hits->size(), 3u);
  EXPECT_TRUE(std::is_sorted(hits->begin(), hits->end(), [](const IndexHit& a, const IndexHit& b) {
    return a.distance < b.distance;
  }));
}

}  // namespace
}  // namespace sonance
