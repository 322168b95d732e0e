// Scene splitting: a storyline cut into coherent scenes where the meaning changes.
//
// The story is split into sentences (text::SplitSentences). For every gap between sentence
// i-1 and i, the similarity of the `block_size` sentences before the gap with the
// `block_size` sentences after it (cosine of their embeddings, each block embedded as one
// text) is computed. Gaps whose similarity is below `similarity_threshold` are candidate
// boundaries; they are taken from the least similar up, keeping only those that leave every
// scene at least `min_scene_length` sentences long (ties: the earlier gap). Deterministic.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "sonance/common/status.h"
#include "sonance/text/sparse_vector.h"

namespace sonance::text {

// Maps a text to its (ESA) vector.
using Embedder = std::function<SparseVector(std::string_view)>;

struct SceneOptions {
  double similarity_threshold = 0.2;
  int min_scene_length = 3;  // sentences
  int block_size = 2;        // sentences on each side of a gap
};

struct Scene {
  int first_sentence = 0;
  int sentence_count = 0;
  std::string text;  // the scene's sentences joined by single spaces
};

struct SceneSplit {
  std::vector<std::string> sentences;
  std::vector<Scene> scenes;
  std::vector<double> gap_similarity;  // gap_similarity[i-1]: gap before sentence i
  std::vector<int> boundaries;         // sentence indices that start a scene, except 0
};

// InvalidArgument for invalid options (threshold outside [-1, 1], lengths < 1), invalid
// UTF-8 or a story without a sentence. A story shorter than 2 * min_scene_length sentences
// is one scene.
Result<SceneSplit> SplitScenes(std::string_view story, const SceneOptions& options,
                               const Embedder& embed);

// Mean of (1 - cosine) between the embeddings of adjacent scenes: higher means more
// distinct scenes. 0 for fewer than two scenes.
double SceneDissimilarity(const std::vector<Scene>& scenes, const Embedder& embed);

// Segmentation error metrics over `units` sentences, boundaries given as the indices of
// the sentences that start a segment (0 excluded). k defaults to half the mean reference
// segment length (Beeferman et al. 1999; Pevzner & Hearst 2002). Both in [0, 1], 0 = perfect.
double Pk(const std::vector<int>& reference, const std::vector<int>& hypothesis, int units,
          int k = 0);
double WindowDiff(const std::vector<int>& reference, const std::vector<int>& hypothesis, int units,
                  int k = 0);

}  // namespace sonance::text
