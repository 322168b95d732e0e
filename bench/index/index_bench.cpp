// Vector-index benchmark: build time, memory, single-query latency and recall@k of exact and
// approximate FAISS indexes over feature-pipeline vectors of a generated catalog.
//
//   index_bench --tracks 100000 --queries 1000 --factories "Flat;HNSW32;HNSW16"
//               [--out DIR] [--seed 7] [--k 10]
//
// The catalog is generated (seeded): 60 genres of Zipf-like sizes, each with its own centre
// in feature space, tracks drawn around their genre's centre, release years around the
// genre's decade; every track has all twelve features, a year and a genre, like a row of the
// public Spotify tracks table. The real FeaturePipeline is fitted (PCA at 95% variance) and
// transforms every track. Each index is built from those vectors; queries are the vectors of
// `queries` tracks drawn at random, searched one at a time on one thread for k+1 neighbours
// (the query itself comes back first). Recall@k is measured against the first factory
// (which should be Flat, the exact search). With --out, the vectors, the query rows and the
// exact neighbours are written for bench/index/sklearn_knn.py.
// One JSON line per index on stdout: {"factory", "tracks", "dims", "build_s", "heap_mb", ...}.
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "sonance/search/feature_pipeline.h"
#include "sonance/search/vector_index.h"

using namespace sonance;

namespace {

// Heap bytes in use (small blocks plus mmap'ed large ones), in MiB: the index's own memory is
// the difference across its build. RSS would hide reuse of memory freed earlier.
double HeapMb() {
  const struct mallinfo2 m = mallinfo2();
  return static_cast<double>(m.uordblks + m.hblkhd) / (1024.0 * 1024.0);
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

std::vector<FeatureRow> GenerateRows(std::int64_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  constexpr int kGenres = 60;
  struct Centre {
    double f[9];
    double tempo, loudness, duration_s;
    int decade;
  };
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<Centre> centres(kGenres);
  for (auto& c : centres) {
    for (double& x : c.f) x = u(rng);
    c.tempo = 70 + 110 * u(rng);
    c.loudness = -20 + 16 * u(rng);
    c.duration_s = 150 + 150 * u(rng);
    c.decade = 1960 + 10 * static_cast<int>(6 * u(rng));
  }
  std::vector<double> weights(kGenres);
  for (int g = 0; g < kGenres; ++g) weights[g] = 1.0 / (g + 1);
  std::discrete_distribution<int> genre_of(weights.begin(), weights.end());
  std::normal_distribution<double> noise(0.0, 1.0);
  auto clip = [](double v) { return std::clamp(v, 0.0, 1.0); };
  std::vector<FeatureRow> rows(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    const int g = genre_of(rng);
    const Centre& c = centres[g];
    FeatureRow& r = rows[static_cast<std::size_t>(i)];
    r.rowid = i + 1;
    AudioFeatures& f = r.features;
    f.features_version = 0;
    f.danceability = clip(c.f[0] + 0.12 * noise(rng));
    f.energy = clip(c.f[1] + 0.12 * noise(rng));
    f.speechiness = clip(c.f[2] * 0.3 + 0.05 * noise(rng));
    f.acousticness = clip(c.f[3] + 0.15 * noise(rng));
    f.instrumentalness = clip(c.f[4] + 0.2 * noise(rng));
    f.liveness = clip(c.f[5] * 0.4 + 0.1 * noise(rng));
    f.valence = clip(c.f[6] + 0.15 * noise(rng));
    f.tempo = std::max(40.0, c.tempo + 15 * noise(rng));
    f.loudness = std::min(0.0, c.loudness + 3 * noise(rng));
    f.key = static_cast<int>(12 * u(rng));
    f.mode = u(rng) < 0.6 ? 1 : 0;
    f.time_signature = u(rng) < 0.9 ? 4 : 3;
    f.duration_ms = static_cast<long long>(1000 * std::max(30.0, c.duration_s + 40 * noise(rng)));
    r.release_year = std::clamp(c.decade + static_cast<int>(10 * u(rng)), 1950, 2024);
    r.genres = {"genre-" + std::to_string(g)};
  }
  return rows;
}

struct Args {
  std::int64_t tracks = 100000;
  int queries = 1000;
  int k = 10;
  std::uint64_t seed = 7;
  std::vector<std::string> factories = {"Flat", "HNSW32", "HNSW16"};
  std::string out;
  int ef_search = 64;
  int nprobe = 16;
};

Args Parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const std::string v = argv[i + 1];
    if (k == "--tracks")
      a.tracks = std::atoll(v.c_str());
    else if (k == "--queries")
      a.queries = std::atoi(v.c_str());
    else if (k == "--k")
      a.k = std::atoi(v.c_str());
    else if (k == "--seed")
      a.seed = std::strtoull(v.c_str(), nullptr, 10);
    else if (k == "--out")
      a.out = v;
    else if (k == "--ef-search")
      a.ef_search = std::atoi(v.c_str());
    else if (k == "--nprobe")
      a.nprobe = std::atoi(v.c_str());
    else if (k == "--factories") {
      // Factory strings contain commas ("IVF1024,Flat"): separate them with ';'.
      a.factories.clear();
      std::stringstream ss(v);
      std::string one;
      while (std::getline(ss, one, ';')) a.factories.push_back(one);
    } else {
      std::fprintf(stderr, "index_bench: unknown option %s\n", k.c_str());
      std::exit(2);
    }
  }
  return a;
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const std::size_t i = std::min(v.size() - 1, static_cast<std::size_t>(p * (v.size() - 1) + 0.5));
  return v[i];
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = Parse(argc, argv);
  auto t0 = std::chrono::steady_clock::now();
  const auto rows = GenerateRows(args.tracks, args.seed);
  const double gen_s = Seconds(t0);

  t0 = std::chrono::steady_clock::now();
  auto pipeline = FeaturePipeline::Fit(rows);
  if (!pipeline.ok()) {
    std::fprintf(stderr, "index_bench: %s\n", pipeline.status().ToString().c_str());
    return 1;
  }
  const double fit_s = Seconds(t0);
  const int dims = pipeline->dims();
  t0 = std::chrono::steady_clock::now();
  std::vector<float> vectors;
  vectors.reserve(rows.size() * static_cast<std::size_t>(dims));
  std::vector<std::int64_t> ids;
  ids.reserve(rows.size());
  for (const FeatureRow& r : rows) {
    auto v = pipeline->Transform(r);
    if (!v.ok()) {
      std::fprintf(stderr, "index_bench: %s\n", v.status().ToString().c_str());
      return 1;
    }
    vectors.insert(vectors.end(), v->begin(), v->end());
    ids.push_back(r.rowid);
  }
  const double transform_s = Seconds(t0);
  std::fprintf(stderr,
               "generated %lld tracks in %.2f s; pipeline: %zu input columns -> %d components "
               "(%.3f of the variance), fit %.2f s, transform %.2f s\n",
               static_cast<long long>(args.tracks), gen_s, pipeline->input_columns().size(), dims,
               pipeline->explained_variance(), fit_s, transform_s);

  std::mt19937_64 rng(args.seed + 1);
  std::uniform_int_distribution<std::size_t> pick(0, rows.size() - 1);
  std::vector<std::size_t> queries(static_cast<std::size_t>(args.queries));
  for (auto& q : queries) q = pick(rng);

  std::vector<std::vector<std::int64_t>> exact;  // from the first factory
  for (std::size_t fi = 0; fi < args.factories.size(); ++fi) {
    VectorIndexOptions o;
    o.factory = args.factories[fi];
    o.metric = IndexMetric::kL1;
    o.threads = 1;
    o.ef_search = args.ef_search;
    o.nprobe = args.nprobe;
    const double heap_before = HeapMb();
    t0 = std::chrono::steady_clock::now();
    auto index = VectorIndex::Create(dims, o);
    if (!index.ok()) {
      std::fprintf(stderr, "index_bench: %s\n", index.status().ToString().c_str());
      return 1;
    }
    if (Status s = (*index)->Add(ids, vectors); !s.ok()) {
      std::fprintf(stderr, "index_bench: %s: %s\n", o.factory.c_str(), s.ToString().c_str());
      return 1;
    }
    const double build_s = Seconds(t0);
    const double heap_mb = HeapMb() - heap_before;
    std::vector<double> latency_ms;
    latency_ms.reserve(queries.size());
    double recall_sum = 0.0;
    std::vector<std::vector<std::int64_t>> found(queries.size());
    for (std::size_t qi = 0; qi < queries.size(); ++qi) {
      const float* q = vectors.data() + queries[qi] * static_cast<std::size_t>(dims);
      const auto start = std::chrono::steady_clock::now();
      auto hits =
          (*index)->Search(std::span<const float>(q, static_cast<std::size_t>(dims)), args.k + 1);
      latency_ms.push_back(Seconds(start) * 1000.0);
      if (!hits.ok()) {
        std::fprintf(stderr, "index_bench: %s\n", hits.status().ToString().c_str());
        return 1;
      }
      for (const IndexHit& h : *hits) {
        if (h.id != ids[queries[qi]] && found[qi].size() < static_cast<std::size_t>(args.k)) {
          found[qi].push_back(h.id);
        }
      }
      if (fi > 0) {
        int hit = 0;
        for (std::int64_t id : found[qi]) {
          hit += std::count(exact[qi].begin(), exact[qi].end(), id) > 0 ? 1 : 0;
        }
        recall_sum += static_cast<double>(hit) / std::max<std::size_t>(1, exact[qi].size());
      }
    }
    if (fi == 0) exact = found;
    std::printf(
        "{\"factory\": \"%s\", \"tracks\": %lld, \"dims\": %d, \"build_s\": %.3f, "
        "\"heap_mb\": %.1f, \"queries\": %zu, \"p50_ms\": %.4f, \"p99_ms\": %.4f, "
        "\"mean_ms\": %.4f, \"recall_at_%d\": %s}\n",
        o.factory.c_str(), static_cast<long long>(args.tracks), dims, build_s, heap_mb,
        queries.size(), Percentile(latency_ms, 0.50), Percentile(latency_ms, 0.99),
        [&] {
          double s = 0;
          for (double x : latency_ms) s += x;
          return s / latency_ms.size();
        }(),
        args.k, fi == 0 ? "1.0" : std::to_string(recall_sum / queries.size()).c_str());
    std::fflush(stdout);
  }

  if (!args.out.empty()) {
    std::ofstream v(args.out + "/vectors.f32", std::ios::binary);
    v.write(reinterpret_cast<const char*>(vectors.data()),
            static_cast<std::streamsize>(vectors.size() * sizeof(float)));
    std::ofstream meta(args.out + "/meta.json");
    meta << "{\"tracks\": " << rows.size() << ", \"dims\": " << dims << ", \"k\": " << args.k
         << "}\n";
    std::ofstream q(args.out + "/queries.txt");
    for (std::size_t qi = 0; qi < queries.size(); ++qi) {
      q << queries[qi];
      for (std::int64_t id : exact[qi]) q << ' ' << (id - 1);  // rows are 0-based there
      q << '\n';
    }
  }
  return 0;
}
