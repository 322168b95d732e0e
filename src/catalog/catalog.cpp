#include "sonance/catalog/catalog.h"

#include <sys/stat.h>
#include <xxhash.h>

#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <utility>

#include "sonance/analysis/analysis_json.h"
#include "sonance/catalog/sqlite_track_store.h"
#include "sonance/catalog/track_store.h"

namespace sonance {
namespace fs = std::filesystem;

namespace {

constexpr char kBase62[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
constexpr std::size_t kTrackIdLength = 22;  // 62^22 > 2^128
constexpr std::string_view kTrackUriPrefix = "sonance:track:";

// Empty on failure; absolute() only fails when the current directory is unreadable.
std::string NormalizePath(const fs::path& path) {
  std::error_code ec;
  fs::path abs = fs::absolute(path, ec);
  if (ec) return {};
  return abs.lexically_normal().string();
}

Status CheckFinite(double v, const char* name) {
  if (std::isfinite(v)) return Status::Ok();
  return Status::InvalidArgument(std::string("audio feature '") + name + "' is not finite");
}

Status ValidateFeatures(const AudioFeatures& f) {
  const std::pair<double, const char*> values[] = {{f.danceability, "danceability"},
                                                   {f.energy, "energy"},
                                                   {f.loudness, "loudness"},
                                                   {f.speechiness, "speechiness"},
                                                   {f.acousticness, "acousticness"},
                                                   {f.instrumentalness, "instrumentalness"},
                                                   {f.liveness, "liveness"},
                                                   {f.valence, "valence"},
                                                   {f.tempo, "tempo"}};
  for (const auto& [v, name] : values) {
    if (Status s = CheckFinite(v, name); !s.ok()) return s;
  }
  if (f.duration_ms < 0) return Status::InvalidArgument("duration_ms is negative");
  return Status::Ok();
}

Status ValidateStat(const FileStat& stat) {
  if (stat.path.empty() || !fs::path(stat.path).is_absolute()) {
    return Status::InvalidArgument("track path must be absolute: '" + stat.path + "'");
  }
  return Status::Ok();
}

// Only "no such file" counts: a permission or I/O error is not a deletion.
bool DefinitelyGone(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) return false;
  return errno == ENOENT || errno == ENOTDIR;
}

std::string Iso8601Utc(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

Result<FileStat> StatFile(const fs::path& path) {
  const std::string normal = NormalizePath(path);
  if (normal.empty()) return Status::IOError("cannot make an absolute path of " + path.string());
  struct stat st {};
  if (::stat(normal.c_str(), &st) != 0) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR) return Status::NotFound("no such file: " + normal);
    return Status::IOError("cannot stat " + normal + ": " + std::strerror(err));
  }
  if (!S_ISREG(st.st_mode)) return Status::InvalidArgument("not a regular file: " + normal);
  FileStat out;
  out.path = normal;
  out.size = static_cast<std::int64_t>(st.st_size);
  out.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 +
                 static_cast<std::int64_t>(st.st_mtim.tv_nsec);
  return out;
}

Result<std::string> HashFile(const fs::path& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    const int err = errno;
    if (err == ENOENT) return Status::NotFound("no such file: " + path.string());
    return Status::IOError("cannot open " + path.string() + ": " + std::strerror(err));
  }
  std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> state(XXH3_createState(),
                                                                 &XXH3_freeState);
  if (!state || XXH3_128bits_reset(state.get()) != XXH_OK) {
    std::fclose(f);
    return Status::Internal("cannot initialise XXH3");
  }
  std::vector<unsigned char> chunk(std::size_t{1} << 20);
  for (;;) {
    const std::size_t n = std::fread(chunk.data(), 1, chunk.size(), f);
    if (n > 0) XXH3_128bits_update(state.get(), chunk.data(), n);
    if (n < chunk.size()) break;
  }
  const bool read_error = std::ferror(f) != 0;
  std::fclose(f);
  if (read_error) return Status::IOError("cannot read " + path.string());
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, XXH3_128bits_digest(state.get()));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(32);
  for (unsigned char byte : canonical.digest) {
    hex.push_back(kHex[byte >> 4]);
    hex.push_back(kHex[byte & 0xF]);
  }
  return hex;
}

std::string TrackIdForPath(const std::string& normalized_path) {
  const XXH128_hash_t h = XXH3_128bits(normalized_path.data(), normalized_path.size());
  return EncodeTrackId(h.high64, h.low64);
}

std::string EncodeTrackId(std::uint64_t high64, std::uint64_t low64) {
  // Four 32-bit limbs, most significant first, divided by 62 repeatedly (schoolbook long
  // division; no __int128 under -Wpedantic).
  std::array<std::uint32_t, 4> limbs = {
      static_cast<std::uint32_t>(high64 >> 32), static_cast<std::uint32_t>(high64),
      static_cast<std::uint32_t>(low64 >> 32), static_cast<std::uint32_t>(low64)};
  std::string id(kTrackIdLength, '0');
  for (std::size_t pos = kTrackIdLength; pos-- > 0;) {
    std::uint64_t rem = 0;
    for (auto& limb : limbs) {
      const std::uint64_t cur = (rem << 32) | limb;
      limb = static_cast<std::uint32_t>(cur / 62);
      rem = cur % 62;
    }
    id[pos] = kBase62[rem];
  }
  return id;
}

bool LooksLikeTrackId(const std::string& s) {
  if (s.size() != kTrackIdLength) return false;
  for (char c : s) {
    const bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!alnum) return false;
  }
  return true;
}

const char* TrackStateName(TrackState state) {
  switch (state) {
    case TrackState::kAnalyzed:
      return "analyzed";
    case TrackState::kFailed:
      return "failed";
    case TrackState::kMissing:
      return "missing";
  }
  return "analyzed";
}

std::optional<TrackState> ParseTrackState(const std::string& name) {
  for (TrackState s : {TrackState::kAnalyzed, TrackState::kFailed, TrackState::kMissing}) {
    if (name == TrackStateName(s)) return s;
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------

Catalog::Catalog(std::unique_ptr<TrackStore> store, CatalogOptions options)
    : store_(std::move(store)), options_(std::move(options)) {}

Catalog::~Catalog() = default;

Result<std::unique_ptr<Catalog>> Catalog::Open(const fs::path& path, CatalogOptions options) {
  auto store = OpenSqliteTrackStore(path);
  if (!store.ok()) return store.status();
  return FromStore(std::move(store).value(), std::move(options));
}

std::unique_ptr<Catalog> Catalog::FromStore(std::unique_ptr<TrackStore> store,
                                            CatalogOptions options) {
  return std::unique_ptr<Catalog>(new Catalog(std::move(store), std::move(options)));
}

fs::path Catalog::DefaultPath() {
  auto env = [](const char* name) -> std::string {
    const char* v = std::getenv(name);
    return v == nullptr ? std::string() : std::string(v);
  };
  if (std::string p = env("SONANCE_CATALOG"); !p.empty()) return p;
  // The XDG spec says relative values are invalid and must be ignored.
  if (std::string xdg = env("XDG_DATA_HOME"); !xdg.empty() && fs::path(xdg).is_absolute()) {
    return fs::path(xdg) / "sonance" / "catalog.db";
  }
  std::string home = env("HOME");
  if (home.empty()) home = ".";
  return fs::path(home) / ".local" / "share" / "sonance" / "catalog.db";
}

int Catalog::schema_version() const {
  return store_->schema_version();
}

std::string Catalog::Now() const {
  return Iso8601Utc(options_.clock());
}

Result<bool> Catalog::NeedsAnalysis(const FileStat& stat) {
  const std::string path = NormalizePath(stat.path);
  auto found = store_->FindByPath(path);
  if (!found.ok()) return found.status();
  if (!found->has_value()) return true;
  const TrackRecord& t = **found;
  return t.state == TrackState::kMissing || t.size != stat.size || t.mtime_ns != stat.mtime_ns ||
         t.features_version != kFeaturesVersion;
}

Status Catalog::StoreAnalysis(const FileStat& stat, const std::string& content_hash,
                              const TrackTags& tags, const TrackAnalysis& analysis) {
  if (Status s = ValidateStat(stat); !s.ok()) return s;
  if (Status s = ValidateFeatures(analysis.features); !s.ok()) return s;
  if (analysis.features.features_version != analysis.analysis.features_version) {
    return Status::InvalidArgument(
        "features version " + std::to_string(analysis.features.features_version) +
        " differs from analysis version " + std::to_string(analysis.analysis.features_version));
  }
  AnalyzedTrackRow row;
  try {
    // Replace, not throw, on invalid UTF-8 in the analysis strings.
    row.analysis_json =
        ToJson(analysis.analysis).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } catch (const std::exception& e) {  // e.g. std::bad_alloc for a huge analysis
    return Status::InvalidArgument("cannot serialise the analysis of " + stat.path + ": " +
                                   e.what());
  }
  row.stat = stat;
  row.stat.path = NormalizePath(stat.path);
  row.id = TrackIdForPath(row.stat.path);
  row.content_hash = content_hash;
  row.tags = tags;
  row.features = analysis.features;
  row.analyzed_at = Now();
  return store_->PutAnalysis(row);
}

Status Catalog::StoreFailure(const FileStat& stat, const std::string& content_hash,
                             const std::string& reason) {
  if (Status s = ValidateStat(stat); !s.ok()) return s;
  FailedTrackRow row;
  row.stat = stat;
  row.stat.path = NormalizePath(stat.path);
  row.id = TrackIdForPath(row.stat.path);
  row.content_hash = content_hash;
  row.reason = reason.empty() ? std::string("unknown error") : reason;
  row.features_version = kFeaturesVersion;
  row.analyzed_at = Now();
  return store_->PutFailure(row);
}

Result<std::int64_t> Catalog::MarkMissing(const std::vector<fs::path>& roots) {
  std::vector<PresentTrack> gone;
  for (const auto& root : roots) {
    std::string prefix = NormalizePath(root);
    std::error_code ec;
    if (prefix.empty() || !fs::is_directory(prefix, ec)) {
      return Status::NotFound("no such folder: " + root.string());
    }
    if (prefix.back() != '/') prefix.push_back('/');
    auto under = store_->TracksUnder(prefix);
    if (!under.ok()) return under.status();
    for (auto& t : *under) {
      if (DefinitelyGone(t.path)) gone.push_back(std::move(t));
    }
  }
  if (gone.empty()) return std::int64_t{0};
  return store_->SetMissing(gone);
}

Result<std::vector<TrackRecord>> Catalog::ListTracks(const TrackFilter& filter) {
  if (filter.limit < 0) return Status::InvalidArgument("limit must not be negative");
  if (filter.offset < 0) return Status::InvalidArgument("offset must not be negative");
  return store_->List(filter);
}

Result<std::optional<TrackRecord>> Catalog::FindTrack(const std::string& id_or_path) {
  if (id_or_path.empty()) return std::optional<TrackRecord>();
  std::string id = id_or_path;
  if (id.starts_with(kTrackUriPrefix)) id = id.substr(kTrackUriPrefix.size());
  if (LooksLikeTrackId(id)) {
    auto by_id = store_->FindById(id);
    if (!by_id.ok() || by_id->has_value()) return by_id;
  }
  const std::string path = NormalizePath(id_or_path);
  if (path.empty()) return std::optional<TrackRecord>();
  return store_->FindByPath(path);
}

Result<std::optional<AudioFeatures>> Catalog::LoadFeatures(std::int64_t rowid) {
  return store_->LoadFeatures(rowid);
}

Result<std::optional<AudioAnalysis>> Catalog::LoadAnalysis(std::int64_t rowid) {
  auto stored = store_->LoadAnalysis(rowid);
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return std::optional<AudioAnalysis>();
  nlohmann::json j = nlohmann::json::parse((*stored)->json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return Status::Corrupt("stored analysis of track " + std::to_string(rowid) +
                           " is not valid JSON");
  }
  auto analysis = AnalysisFromJson(j);
  if (!analysis.ok()) {
    return Status::Corrupt("stored analysis of track " + std::to_string(rowid) + ": " +
                           analysis.status().message());
  }
  analysis->features_version = (*stored)->features_version;
  return std::optional<AudioAnalysis>(std::move(analysis).value());
}

Result<CatalogCounts> Catalog::Counts() {
  return store_->Counts();
}

Result<std::vector<std::pair<std::int64_t, AudioFeatures>>> Catalog::AllFeatures() {
  return store_->AllFeatures();
}

Result<std::int64_t> Catalog::DataVersion() {
  return store_->DataVersion();
}

}  // namespace sonance
