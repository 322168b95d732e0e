// SpaceStore: keeps a fitted feature pipeline, its vector index and the vectors it indexed in
// a folder, so a recommender over a large catalog is not refitted and reindexed at every start.
//
// A folder holds generations: pipeline.<g>.json, index.<g>.faiss and members.<g>.bin (each
// indexed rowid with its vector), and CURRENT, which names the generation in use. Save()
// writes a new generation and then replaces CURRENT by rename, so a crash leaves the previous
// generation whole; older generations are removed afterwards. Load() treats anything it cannot
// read as "nothing stored" (the caller rebuilds): it is a cache, never the source of truth.
//
// Thread-safety: one writer per folder at a time; Load may run concurrently with Save.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "sonance/common/status.h"
#include "sonance/search/feature_pipeline.h"
#include "sonance/search/vector_index.h"

namespace sonance::recommend_internal {

struct StoredSpace {
  FeaturePipeline pipeline;
  std::unique_ptr<VectorIndex> index;
  std::unordered_map<std::int64_t, std::vector<float>> vectors;  // by rowid
};

// The folder of one features version and index kind inside a state folder, e.g.
// "<state>/v1-Flat-L1".
std::filesystem::path SpaceDir(const std::filesystem::path& state_dir, int features_version,
                               const VectorIndexOptions& index);

// nullopt when nothing (readable) is stored.
std::optional<StoredSpace> LoadSpace(const std::filesystem::path& dir,
                                     const VectorIndexOptions& index);

// `rowids` and `vectors` (row-major, pipeline.dims() floats each) are what `index` holds.
Status SaveSpace(const std::filesystem::path& dir, const FeaturePipeline& pipeline,
                 const VectorIndex& index, std::span<const std::int64_t> rowids,
                 std::span<const float> vectors);

}  // namespace sonance::recommend_internal
