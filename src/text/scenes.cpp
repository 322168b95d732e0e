#include "sonance/text/scenes.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

#include "sonance/text/text.h"

namespace sonance::text {

namespace {

std::string JoinSentences(const std::vector<std::string>& sentences, int first, int end) {
  std::string out;
  for (int i = first; i < end; ++i) {
    if (i > first) out += ' ';
    out += sentences[static_cast<std::size_t>(i)];
  }
  return out;
}

Status ValidateOptions(const SceneOptions& o) {
  // The negated comparison also rejects NaN.
  if (!(o.similarity_threshold >= -1.0 && o.similarity_threshold <= 1.0)) {
    return Status::InvalidArgument("similarity_threshold must be in [-1, 1], got " +
                                   std::to_string(o.similarity_threshold));
  }
  if (o.min_scene_length < 1) {
    return Status::InvalidArgument("min_scene_length must be at least 1, got " +
                                   std::to_string(o.min_scene_length));
  }
  if (o.block_size < 1) {
    return Status::InvalidArgument("block_size must be at least 1, got " +
                                   std::to_string(o.block_size));
  }
  return Status::Ok();
}

// Boundaries as a sorted, duplicate-free list inside (0, units): the metrics take whatever a
// caller computed and must not index out of range.
std::vector<int> CleanBoundaries(std::vector<int> b, int units) {
  std::erase_if(b, [units](int x) { return x <= 0 || x >= units; });
  std::sort(b.begin(), b.end());
  b.erase(std::unique(b.begin(), b.end()), b.end());
  return b;
}

// prefix[j] = number of boundaries at sentence indices <= j, for j in [0, units).
std::vector<int> BoundaryPrefix(const std::vector<int>& boundaries, int units) {
  std::vector<int> prefix(static_cast<std::size_t>(units), 0);
  for (int b : boundaries) ++prefix[static_cast<std::size_t>(b)];
  for (int j = 1; j < units; ++j) {
    prefix[static_cast<std::size_t>(j)] += prefix[static_cast<std::size_t>(j - 1)];
  }
  return prefix;
}

int DefaultK(const std::vector<int>& reference, int units) {
  const double mean_segment = static_cast<double>(units) / (reference.size() + 1.0);
  return std::max(1, static_cast<int>(std::lround(mean_segment / 2.0)));
}

// Both metrics slide a window of width k: positions i and i + k, i in [0, units - k). For
// each window `count(prefix, i)` is the number of boundaries strictly after i and at or
// before i + k, which is what separates the two sentences.
template <typename Disagree>
double WindowError(const std::vector<int>& reference, const std::vector<int>& hypothesis, int units,
                   int k, Disagree disagree) {
  if (units < 2) return 0.0;
  const std::vector<int> ref = CleanBoundaries(reference, units);
  const std::vector<int> hyp = CleanBoundaries(hypothesis, units);
  if (k <= 0) k = DefaultK(ref, units);
  // A window wider than the text would compare nothing; the widest meaningful one spans it.
  k = std::min(k, units - 1);
  const std::vector<int> ref_prefix = BoundaryPrefix(ref, units);
  const std::vector<int> hyp_prefix = BoundaryPrefix(hyp, units);
  const int windows = units - k;
  int errors = 0;
  for (int i = 0; i < windows; ++i) {
    const auto at = [](const std::vector<int>& p, int j) { return p[static_cast<std::size_t>(j)]; };
    const int r = at(ref_prefix, i + k) - at(ref_prefix, i);
    const int h = at(hyp_prefix, i + k) - at(hyp_prefix, i);
    if (disagree(r, h)) ++errors;
  }
  return static_cast<double>(errors) / windows;
}

}  // namespace

Result<SceneSplit> SplitScenes(std::string_view story, const SceneOptions& options,
                               const Embedder& embed) {
  if (Status s = ValidateOptions(options); !s.ok()) return s;
  if (Status s = ValidateText(story); !s.ok()) return s;

  SceneSplit split;
  split.sentences = SplitSentences(story);
  if (split.sentences.empty()) return Status::InvalidArgument("the story has no sentence");
  const int n = static_cast<int>(split.sentences.size());
  const int b = options.block_size;
  const int min_len = options.min_scene_length;

  // The block before gap i + b is the block after gap i, so each range is embedded once.
  std::map<std::pair<int, int>, SparseVector> blocks;
  const auto block = [&](int first, int end) -> const SparseVector& {
    auto [it, inserted] = blocks.try_emplace({first, end});
    if (inserted) it->second = embed(JoinSentences(split.sentences, first, end));
    return it->second;
  };
  split.gap_similarity.reserve(static_cast<std::size_t>(n - 1));
  for (int i = 1; i < n; ++i) {
    const SparseVector& before = block(std::max(0, i - b), i);
    const SparseVector& after = block(i, std::min(n, i + b));
    split.gap_similarity.push_back(Cosine(before, after));
  }

  if (n >= 2 * min_len) {
    std::vector<int> candidates;
    for (int i = 1; i < n; ++i) {
      if (split.gap_similarity[static_cast<std::size_t>(i - 1)] < options.similarity_threshold) {
        candidates.push_back(i);
      }
    }
    // Least similar first; stable_sort keeps equal similarities in gap order (earlier wins).
    std::stable_sort(candidates.begin(), candidates.end(), [&](int x, int y) {
      return split.gap_similarity[static_cast<std::size_t>(x - 1)] <
             split.gap_similarity[static_cast<std::size_t>(y - 1)];
    });
    std::vector<int> taken;  // sorted
    for (int gap : candidates) {
      const auto next = std::lower_bound(taken.begin(), taken.end(), gap);
      const int previous_start = next == taken.begin() ? 0 : *(next - 1);
      const int next_start = next == taken.end() ? n : *next;
      if (gap - previous_start >= min_len && next_start - gap >= min_len) {
        taken.insert(next, gap);
      }
    }
    split.boundaries = std::move(taken);
  }

  int first = 0;
  for (std::size_t s = 0; s <= split.boundaries.size(); ++s) {
    const int end = s < split.boundaries.size() ? split.boundaries[s] : n;
    split.scenes.push_back({first, end - first, JoinSentences(split.sentences, first, end)});
    first = end;
  }
  return split;
}

double SceneDissimilarity(const std::vector<Scene>& scenes, const Embedder& embed) {
  if (scenes.size() < 2) return 0.0;
  double total = 0.0;
  SparseVector previous = embed(scenes.front().text);
  for (std::size_t i = 1; i < scenes.size(); ++i) {
    SparseVector current = embed(scenes[i].text);
    total += 1.0 - Cosine(previous, current);
    previous = std::move(current);
  }
  return total / static_cast<double>(scenes.size() - 1);
}

double Pk(const std::vector<int>& reference, const std::vector<int>& hypothesis, int units, int k) {
  // Disagreement on whether positions i and i + k lie in the same segment.
  return WindowError(reference, hypothesis, units, k,
                     [](int r, int h) { return (r == 0) != (h == 0); });
}

double WindowDiff(const std::vector<int>& reference, const std::vector<int>& hypothesis, int units,
                  int k) {
  // Disagreement on how many boundaries lie between them.
  return WindowError(reference, hypothesis, units, k, [](int r, int h) { return r != h; });
}

}  // namespace sonance::text
