#include "sonance/semantic/clusters.h"

#include <algorithm>
#include <cstdint>

namespace sonance {

namespace {

// A concept's dimension and sign under the signed hash (splitmix64 of the id).
std::pair<std::size_t, float> HashOf(std::uint32_t concept_id, int dims) {
  std::uint64_t z = concept_id + 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return {static_cast<std::size_t>((z >> 1) % static_cast<std::uint64_t>(dims)),
          (z & 1u) != 0 ? 1.0f : -1.0f};
}

}  // namespace

Result<ClusterReport> ClusterSongs(const SemanticLibrary& library, const ClusterOptions& options) {
  if (options.dims < 2 || options.dims > 4096) {
    return Status::InvalidArgument("dims must be 2 to 4096");
  }
  if (options.k != 0 && options.k < 2) return Status::InvalidArgument("k must be at least 2");
  if (options.k == 0 && (options.k_min < 2 || options.k_max < options.k_min)) {
    return Status::InvalidArgument("need 2 <= k_min <= k_max");
  }
  const auto& songs = library.songs();
  std::vector<std::size_t> members;
  std::vector<float> points;
  const auto dims = static_cast<std::size_t>(options.dims);
  for (std::size_t s = 0; s < songs.size(); ++s) {
    const SparseVector& v = songs[s].vector;
    const double norm = v.Norm();
    if (norm <= 0.0) continue;
    members.push_back(s);
    points.resize(points.size() + dims, 0.0f);
    float* row = points.data() + points.size() - dims;
    for (std::size_t i = 0; i < v.ids.size(); ++i) {
      const auto [d, sign] = HashOf(v.ids[i], options.dims);
      row[d] += sign * static_cast<float>(v.weights[i] / norm);
    }
  }
  const int need = options.k != 0 ? options.k : options.k_min;
  if (static_cast<int>(members.size()) < need) {
    return Status::InvalidArgument(
        "only " + std::to_string(members.size()) + " songs have a text vector; clustering into " +
        std::to_string(need) + " needs at least that many (run `sonance esa vectorize`)");
  }

  ClusterReport report;
  report.songs = members.size();
  const KMeansResult* chosen = nullptr;
  if (options.k != 0) {
    auto r = KMeans(points, options.dims, [&] {
      KMeansOptions o = options.kmeans;
      o.k = options.k;
      return o;
    }());
    if (!r.ok()) return r.status();
    report.tried.push_back(std::move(*r));
    report.best_k = report.elbow_k = options.k;
    chosen = &report.tried.front();
  } else {
    const int k_max = std::min<int>(options.k_max, static_cast<int>(members.size()));
    auto choice = ChooseK(points, options.dims, options.k_min, k_max, options.kmeans);
    if (!choice.ok()) return choice.status();
    report.tried = std::move(choice->runs);
    report.best_k = choice->best_k;
    report.elbow_k = choice->elbow_k;
    for (const KMeansResult& r : report.tried) {
      if (r.k == report.best_k) chosen = &r;
    }
    if (chosen == nullptr) return Status::Internal("the chosen k was not among the runs");
  }
  report.k = chosen->k;

  // Members and labels: the top concepts of the sum of the members' unit vectors.
  report.clusters.resize(static_cast<std::size_t>(report.k));
  const std::size_t concepts = library.esa().concept_count();
  std::vector<std::vector<float>> sums(static_cast<std::size_t>(report.k),
                                       std::vector<float>(concepts, 0.0f));
  for (std::size_t i = 0; i < members.size(); ++i) {
    const auto c = static_cast<std::size_t>(chosen->assignment[i]);
    report.clusters[c].songs.push_back(members[i]);
    const SparseVector& v = songs[members[i]].vector;
    const double norm = v.Norm();
    for (std::size_t j = 0; j < v.ids.size(); ++j) {
      if (v.ids[j] < concepts) sums[c][v.ids[j]] += static_cast<float>(v.weights[j] / norm);
    }
  }
  for (std::size_t c = 0; c < sums.size(); ++c) {
    SparseVector sum;
    for (std::uint32_t id = 0; id < concepts; ++id) {
      if (sums[c][id] > 0.0f) {
        sum.ids.push_back(id);
        sum.weights.push_back(sums[c][id]);
      }
    }
    for (const auto& [id, w] : sum.Top(static_cast<std::size_t>(std::max(0, options.labels)))) {
      report.clusters[c].top_concepts.emplace_back(ConceptLabel(library.esa().concept_title(id)));
    }
  }
  std::stable_sort(
      report.clusters.begin(), report.clusters.end(),
      [](const SongCluster& a, const SongCluster& b) { return a.songs.size() > b.songs.size(); });
  return report;
}

}  // namespace sonance
