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
#include <unordered_map>
#include <utility>

#include "sonance/analysis/analysis_json.h"
#include "sonance/audio/fingerprint.h"
#include "sonance/catalog/sqlite_track_store.h"
#include "sonance/catalog/track_store.h"
#include "sonance/common/name_match.h"
#include "sonance/common/paths.h"
#include "sonance/common/utf8.h"

namespace sonance {
namespace fs = std::filesystem;

namespace {

constexpr char kBase62[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
constexpr std::size_t kTrackIdLength = 22;  // 62^22 > 2^128
constexpr std::string_view kTrackUriPrefix = "sonance:track:";
constexpr std::string_view kSpotifyUriPrefix = "spotify:track:";
constexpr std::string_view kImportLocatorPrefix = "import:";

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

Status CheckUtf8(const std::string& s, const char* what) {
  if (IsValidUtf8(s)) return Status::Ok();
  return Status::InvalidArgument(std::string(what) + " is not valid UTF-8");
}

// The matching key of a name: NormalizeName, or the folded text when normalising leaves
// nothing (a title made only of punctuation).
std::string NameKey(const std::string& name) {
  std::string key = NormalizeName(name);
  return key.empty() ? FoldCase(name) : key;
}

std::string ArtistTitleKey(const std::string& artist, const std::string& title) {
  return NameKey(artist) + '\x1f' + NameKey(title);
}

// "2024-01-02T03:04:05Z", with plausible field values.
bool IsIsoUtcSecond(const std::string& t) {
  static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:ddZ";
  if (t.size() != kShape.size()) return false;
  for (std::size_t i = 0; i < t.size(); ++i) {
    const bool digit = t[i] >= '0' && t[i] <= '9';
    if (kShape[i] == 'd' ? !digit : t[i] != kShape[i]) return false;
  }
  auto num = [&t](std::size_t pos, std::size_t len) { return std::stoi(t.substr(pos, len)); };
  return num(5, 2) >= 1 && num(5, 2) <= 12 && num(8, 2) >= 1 && num(8, 2) <= 31 &&
         num(11, 2) <= 23 && num(14, 2) <= 59 && num(17, 2) <= 60;
}

// Nothing but ASCII white space (or nothing at all).
bool IsBlank(const std::string& s) {
  return s.find_first_not_of(" \t\n\v\f\r") == std::string::npos;
}

Status ValidateTextVector(const TrackTextVector& v) {
  const std::string what = "the text vector of track " + std::to_string(v.rowid);
  if (v.index_id.empty()) return Status::InvalidArgument(what + " has no index id");
  if (Status s = CheckUtf8(v.index_id, "an index id"); !s.ok()) return s;
  if (v.source != "lyrics" && v.source != "metadata") {
    return Status::InvalidArgument(what + " has source '" + v.source +
                                   "', not 'lyrics' or 'metadata'");
  }
  // Written this way round, NaN fails too.
  if (!(v.valence >= 0.0 && v.valence <= 1.0) || !(v.arousal >= 0.0 && v.arousal <= 1.0)) {
    return Status::InvalidArgument(what + " has a valence or arousal outside [0, 1]");
  }
  if (v.mood_words < 0) return Status::InvalidArgument(what + " has a negative mood_words");
  if (v.ids.size() != v.weights.size()) {
    return Status::InvalidArgument(what + " has " + std::to_string(v.ids.size()) +
                                   " concept ids but " + std::to_string(v.weights.size()) +
                                   " weights");
  }
  for (std::size_t i = 0; i < v.ids.size(); ++i) {
    if (i > 0 && v.ids[i] <= v.ids[i - 1]) {
      return Status::InvalidArgument(what + " has concept ids that are not ascending and unique");
    }
    if (!std::isfinite(v.weights[i])) {
      return Status::InvalidArgument(what + " has a weight that is not finite");
    }
  }
  return Status::Ok();
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
  return UserDataFile("SONANCE_CATALOG", "catalog.db");
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
                              const TrackTags& tags, const TrackAnalysis& analysis,
                              const std::string& fingerprint) {
  if (Status s = ValidateStat(stat); !s.ok()) return s;
  if (Status s = ValidateFeatures(analysis.features); !s.ok()) return s;
  // Readers decode the stored text to compare recordings; keep it decodable.
  if (auto fp = DecodeFingerprint(fingerprint); !fp.ok()) {
    return Status::InvalidArgument("fingerprint of " + stat.path + ": " + fp.status().message());
  }
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
  row.fingerprint = fingerprint;
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
  if (id.starts_with(kSpotifyUriPrefix)) id = id.substr(kSpotifyUriPrefix.size());
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

Result<std::vector<AnalysisSummary>> Catalog::AnalysisSummaries() {
  return store_->AnalysisSummaries();
}

Result<std::int64_t> Catalog::DataVersion() {
  return store_->DataVersion();
}

// ---- imports -------------------------------------------------------------------------------

Result<std::unique_ptr<CatalogImport>> Catalog::BeginImport() {
  auto batch = store_->BeginImport();
  if (!batch.ok()) return batch.status();
  return std::unique_ptr<CatalogImport>(new CatalogImport(this, std::move(batch).value()));
}

Status Catalog::StoreLyrics(std::int64_t rowid, const std::vector<LyricLine>& lines,
                            const std::string& source) {
  auto import = BeginImport();
  if (!import.ok()) return import.status();
  if (Status s = (*import)->PutLyrics(rowid, TrackLyrics{source, lines}); !s.ok()) return s;
  return (*import)->Commit();
}

Result<std::optional<TrackLyrics>> Catalog::LoadLyrics(std::int64_t rowid) {
  return store_->LoadLyrics(rowid);
}

// ---- text vectors --------------------------------------------------------------------------

Result<std::vector<TrackText>> Catalog::TrackTexts() {
  auto texts = store_->TrackTexts();
  if (!texts.ok()) return texts.status();
  // Blank lines stay in the lyrics table as the source had them; they carry nothing to
  // vectorise.
  for (TrackText& t : *texts) std::erase_if(t.lyrics, IsBlank);
  return texts;
}

Status Catalog::StoreTextVectors(const std::vector<TrackTextVector>& vectors) {
  // All checked first: a refusal writes nothing, like an unknown rowid.
  for (const TrackTextVector& v : vectors) {
    if (Status s = ValidateTextVector(v); !s.ok()) return s;
  }
  if (vectors.empty()) return Status::Ok();
  return store_->ReplaceTextVectors(vectors);
}

Result<std::vector<TrackTextVector>> Catalog::LoadTextVectors(const std::string& index_id) {
  return store_->LoadTextVectors(index_id);
}

Result<std::vector<Play>> Catalog::ListHistory(const HistoryFilter& filter) {
  if (filter.limit < 0) return Status::InvalidArgument("limit must not be negative");
  if (filter.offset < 0) return Status::InvalidArgument("offset must not be negative");
  return store_->ListPlays(filter);
}

Result<std::vector<TrackPlayCounts>> Catalog::StreamCounts() {
  return store_->PlayCounts();
}

Result<HistoryCounts> Catalog::CountHistory() {
  return store_->CountPlays();
}

// Who a track is, by Spotify id and by artist-and-title key.
struct CatalogImport::Matcher {
  struct Candidate {
    std::int64_t rowid = 0;
    bool analyzed = false;
  };
  std::unordered_map<std::string, std::int64_t> by_id;
  std::unordered_map<std::string, Candidate> by_name;

  void Add(const TrackNames& t) {
    by_id.emplace(t.id, t.rowid);
    const Candidate c{t.rowid, t.source != "imported"};
    for (const std::string& artist : t.artists) {
      auto [it, inserted] = by_name.emplace(ArtistTitleKey(artist, t.title), c);
      // Tracks arrive by rowid: replace only an imported track by an analysed one.
      if (!inserted && c.analyzed && !it->second.analyzed) it->second = c;
    }
  }
};

CatalogImport::CatalogImport(Catalog* catalog, std::unique_ptr<ImportBatch> batch)
    : catalog_(catalog), batch_(std::move(batch)), now_(catalog->Now()) {}

CatalogImport::~CatalogImport() = default;

Status CatalogImport::LoadMatcher() {
  if (matcher_) return Status::Ok();
  auto names = batch_->AllTrackNames();
  if (!names.ok()) return names.status();
  auto m = std::make_unique<Matcher>();
  for (const TrackNames& t : *names) m->Add(t);
  matcher_ = std::move(m);
  return Status::Ok();
}

Result<ImportOutcome> CatalogImport::PutTrack(const ImportedTrack& track) {
  if (!batch_) return Status::Internal("the import is already committed");
  if (track.tags.title.empty()) return Status::InvalidArgument("no track title");
  const std::pair<const std::string*, const char*> texts[] = {
      {&track.tags.title, "the title"},
      {&track.tags.album, "the album"},
      {&track.tags.genre, "the genre"},
      {&track.tags.release_date, "the release date"},
      {&track.tags.album_artist, "the album artist"},
      {&track.extra_json, "the extra columns"}};
  for (const auto& [text, what] : texts) {
    if (Status s = CheckUtf8(*text, what); !s.ok()) return s;
  }
  for (const std::string& artist : track.tags.artists) {
    if (Status s = CheckUtf8(artist, "an artist name"); !s.ok()) return s;
  }
  if (track.duration_ms < 0) return Status::InvalidArgument("duration_ms is negative");

  ImportedTrackRow row;
  if (!track.spotify_id.empty()) {
    if (!LooksLikeTrackId(track.spotify_id)) {
      return Status::InvalidArgument("'" + track.spotify_id +
                                     "' is not a Spotify track id (22 characters 0-9a-zA-Z)");
    }
    row.id = track.spotify_id;
    row.locator = std::string(kSpotifyUriPrefix) + track.spotify_id;
  } else {
    const std::string artist = track.tags.artists.empty() ? "" : track.tags.artists.front();
    row.locator =
        std::string(kImportLocatorPrefix) + NameKey(artist) + "/" + NameKey(track.tags.title);
    row.id = TrackIdForPath(row.locator);
  }
  row.tags = track.tags;
  row.duration_ms = track.duration_ms;
  row.popularity = track.popularity;
  row.is_explicit = track.is_explicit;
  row.streams = track.streams;
  row.available_markets = track.available_markets;
  row.extra_json = track.extra_json.empty() ? "{}" : track.extra_json;
  if (track.features) {
    if (Status s = ValidateFeatures(*track.features); !s.ok()) return s;
    row.features = track.features;
    row.features->features_version = kImportedFeaturesVersion;
    row.features->duration_ms = track.duration_ms;
    for (const std::string& name : track.missing_features) {
      if (!row.missing_features.empty()) row.missing_features += ',';
      row.missing_features += name;
    }
  }
  row.imported_at = now_;
  auto outcome = batch_->PutTrack(row);
  if (outcome.ok() && *outcome != ImportOutcome::kSkippedAnalyzed) matcher_.reset();
  return outcome;
}

Result<std::optional<std::int64_t>> CatalogImport::MatchTrack(const std::string& spotify_uri,
                                                              const std::string& artist,
                                                              const std::string& title) {
  if (!batch_) return Status::Internal("the import is already committed");
  if (Status s = LoadMatcher(); !s.ok()) return s;
  if (spotify_uri.starts_with(kSpotifyUriPrefix)) {
    const auto it = matcher_->by_id.find(spotify_uri.substr(kSpotifyUriPrefix.size()));
    if (it != matcher_->by_id.end()) return std::optional<std::int64_t>(it->second);
  }
  if (title.empty()) return std::optional<std::int64_t>();
  const auto it = matcher_->by_name.find(ArtistTitleKey(artist, title));
  if (it == matcher_->by_name.end()) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(it->second.rowid);
}

Result<PlayOutcome> CatalogImport::AddPlay(Play play) {
  if (!batch_) return Status::Internal("the import is already committed");
  if (play.track_name.empty()) return Status::InvalidArgument("no track name");
  if (!IsIsoUtcSecond(play.played_at)) {
    return Status::InvalidArgument("'" + play.played_at +
                                   "' is not a UTC time like 2024-01-02T03:04:05Z");
  }
  if (play.ms_played < 0) return Status::InvalidArgument("ms_played is negative");
  if (play.export_format != "account" && play.export_format != "extended") {
    return Status::InvalidArgument("unknown export format '" + play.export_format + "'");
  }
  const std::pair<const std::string*, const char*> texts[] = {
      {&play.track_name, "the track name"}, {&play.artist_name, "the artist name"},
      {&play.album_name, "the album name"}, {&play.spotify_uri, "the URI"},
      {&play.reason_start, "reason_start"}, {&play.reason_end, "reason_end"},
      {&play.platform, "the platform"},     {&play.extra_json, "the extra fields"}};
  for (const auto& [text, what] : texts) {
    if (Status s = CheckUtf8(*text, what); !s.ok()) return s;
  }
  if (play.extra_json.empty()) play.extra_json = "{}";
  if (!play.track_rowid) {
    auto match = MatchTrack(play.spotify_uri, play.artist_name, play.track_name);
    if (!match.ok()) return match.status();
    play.track_rowid = *match;
  }
  return batch_->AddPlay(play);
}

Result<std::int64_t> CatalogImport::MatchUnmatchedPlays() {
  if (!batch_) return Status::Internal("the import is already committed");
  auto plays = batch_->UnmatchedPlays();
  if (!plays.ok()) return plays.status();
  std::int64_t matched = 0;
  for (const Play& p : *plays) {
    auto match = MatchTrack(p.spotify_uri, p.artist_name, p.track_name);
    if (!match.ok()) return match.status();
    if (!*match) continue;
    if (Status s = batch_->SetPlayTrack(p.play_rowid, **match); !s.ok()) return s;
    ++matched;
  }
  return matched;
}

Status CatalogImport::PutLyrics(std::int64_t rowid, const TrackLyrics& lyrics) {
  if (!batch_) return Status::Internal("the import is already committed");
  if (lyrics.source.empty()) return Status::InvalidArgument("lyrics need a source");
  for (const LyricLine& line : lyrics.lines) {
    if (Status s = CheckUtf8(line.text, "a line of lyrics"); !s.ok()) return s;
    if (line.time_ms && *line.time_ms < 0) {
      return Status::InvalidArgument("a line of lyrics has a negative time");
    }
  }
  return batch_->ReplaceLyrics(rowid, lyrics);
}

Status CatalogImport::Commit() {
  if (!batch_) return Status::Internal("the import is already committed");
  Status s = batch_->Commit();
  batch_.reset();  // releases the catalog to other threads (rolls back if Commit failed)
  matcher_.reset();
  return s;
}

}  // namespace sonance
