#include "space_store.h"

#include <cctype>
#include <cstring>
#include <fstream>
#include <system_error>

namespace sonance::recommend_internal {
namespace fs = std::filesystem;

namespace {

constexpr char kMagic[8] = {'S', 'N', 'C', 'S', 'P', 'C', '1', '\0'};

std::string Sanitize(const std::string& s) {
  std::string out;
  for (char c : s) out.push_back(std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  return out;
}

fs::path File(const fs::path& dir, const char* stem, std::int64_t gen, const char* ext) {
  return dir / (std::string(stem) + "." + std::to_string(gen) + ext);
}

std::optional<std::int64_t> CurrentGeneration(const fs::path& dir) {
  std::ifstream f(dir / "CURRENT");
  std::int64_t gen = 0;
  if (!(f >> gen) || gen <= 0) return std::nullopt;
  return gen;
}

bool ReadMembers(const fs::path& path, int dims,
                 std::unordered_map<std::int64_t, std::vector<float>>* out) {
  std::ifstream f(path, std::ios::binary);
  char magic[8];
  std::int64_t count = 0;
  std::int32_t file_dims = 0;
  if (!f.read(magic, 8) || std::memcmp(magic, kMagic, 8) != 0) return false;
  if (!f.read(reinterpret_cast<char*>(&count), sizeof count)) return false;
  if (!f.read(reinterpret_cast<char*>(&file_dims), sizeof file_dims)) return false;
  if (file_dims != dims || count < 0) return false;
  out->reserve(static_cast<std::size_t>(count));
  for (std::int64_t i = 0; i < count; ++i) {
    std::int64_t rowid = 0;
    std::vector<float> v(static_cast<std::size_t>(dims));
    if (!f.read(reinterpret_cast<char*>(&rowid), sizeof rowid)) return false;
    if (!f.read(reinterpret_cast<char*>(v.data()),
                static_cast<std::streamsize>(v.size() * sizeof(float)))) {
      return false;
    }
    out->emplace(rowid, std::move(v));
  }
  return f.peek() == std::char_traits<char>::eof();
}

}  // namespace

fs::path SpaceDir(const fs::path& state_dir, int features_version,
                  const VectorIndexOptions& index) {
  // Appended piece by piece: GCC 12 at -O3 warns (-Wrestrict, wrongly) on the chain of +.
  std::string name = "v";
  name += std::to_string(features_version);
  name += '-';
  name += Sanitize(index.factory);
  name += index.metric == IndexMetric::kL1 ? "-L1" : "-L2";
  return state_dir / name;
}

std::optional<StoredSpace> LoadSpace(const fs::path& dir, const VectorIndexOptions& options) {
  const auto gen = CurrentGeneration(dir);
  if (!gen) return std::nullopt;
  auto pipeline = FeaturePipeline::Load(File(dir, "pipeline", *gen, ".json"));
  if (!pipeline.ok()) return std::nullopt;
  auto index = VectorIndex::Load(File(dir, "index", *gen, ".faiss"), options);
  if (!index.ok() || (*index)->dims() != pipeline->dims() ||
      (*index)->options().metric != options.metric) {
    return std::nullopt;
  }
  StoredSpace s;
  if (!ReadMembers(File(dir, "members", *gen, ".bin"), pipeline->dims(), &s.vectors)) {
    return std::nullopt;
  }
  if (static_cast<std::int64_t>(s.vectors.size()) != (*index)->size()) return std::nullopt;
  s.pipeline = std::move(pipeline).value();
  s.index = std::move(index).value();
  return s;
}

Status SaveSpace(const fs::path& dir, const FeaturePipeline& pipeline, const VectorIndex& index,
                 std::span<const std::int64_t> rowids, std::span<const float> vectors) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create " + dir.string() + ": " + ec.message());
  const std::int64_t old = CurrentGeneration(dir).value_or(0);
  const std::int64_t gen = old + 1;
  if (Status s = pipeline.Save(File(dir, "pipeline", gen, ".json")); !s.ok()) return s;
  if (Status s = index.Save(File(dir, "index", gen, ".faiss")); !s.ok()) return s;
  {
    const fs::path members = File(dir, "members", gen, ".bin");
    std::ofstream f(members, std::ios::binary | std::ios::trunc);
    const std::int64_t count = static_cast<std::int64_t>(rowids.size());
    const std::int32_t dims = pipeline.dims();
    f.write(kMagic, 8);
    f.write(reinterpret_cast<const char*>(&count), sizeof count);
    f.write(reinterpret_cast<const char*>(&dims), sizeof dims);
    for (std::size_t i = 0; i < rowids.size(); ++i) {
      f.write(reinterpret_cast<const char*>(&rowids[i]), sizeof rowids[i]);
      f.write(reinterpret_cast<const char*>(vectors.data() + i * static_cast<std::size_t>(dims)),
              static_cast<std::streamsize>(static_cast<std::size_t>(dims) * sizeof(float)));
    }
    f.close();
    if (!f) return Status::IOError("cannot write " + members.string());
  }
  {
    const fs::path tmp = dir / "CURRENT.tmp";
    std::ofstream f(tmp, std::ios::trunc);
    f << gen << "\n";
    f.close();
    if (!f) return Status::IOError("cannot write " + tmp.string());
    fs::rename(tmp, dir / "CURRENT", ec);
    if (ec)
      return Status::IOError("cannot replace " + (dir / "CURRENT").string() + ": " + ec.message());
  }
  if (old > 0) {
    fs::remove(File(dir, "pipeline", old, ".json"), ec);
    fs::remove(File(dir, "index", old, ".faiss"), ec);
    fs::remove(File(dir, "members", old, ".bin"), ec);
  }
  return Status::Ok();
}

}  // namespace sonance::recommend_internal
