// Recommender (recommender.h): playlists, recommendations and paths over feature vectors.
#include "sonance/recommend/recommender.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <functional>
#include <limits>
#include <span>
#include <sstream>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "sonance/audio/fingerprint.h"
#include "sonance/common/name_match.h"
#include "space_store.h"

namespace sonance {

namespace {

struct AttributeSpec {
  const char* name;
  AttributeRange range;
};

// Spotify's tunable attributes in its documented (alphabetical) order; see recommender.h
// for why each range is what it is.
constexpr std::array<AttributeSpec, 14> kAttributes = {{
    {"acousticness", {0.0, 1.0, 1.0}},
    {"danceability", {0.0, 1.0, 1.0}},
    {"duration_ms", {0.0, 86'400'000.0, 600'000.0}},
    {"energy", {0.0, 1.0, 1.0}},
    {"instrumentalness", {0.0, 1.0, 1.0}},
    {"key", {-1.0, 11.0, 12.0}},
    {"liveness", {0.0, 1.0, 1.0}},
    {"loudness", {-100.0, 0.0, 60.0}},
    {"mode", {0.0, 1.0, 1.0}},
    {"popularity", {0.0, 100.0, 100.0}},
    {"speechiness", {0.0, 1.0, 1.0}},
    {"tempo", {0.0, 400.0, 300.0}},
    {"time_signature", {0.0, 11.0, 4.0}},
    {"valence", {0.0, 1.0, 1.0}},
}};

// The AudioFeatures fields a playlist entry may name as "closest": the input columns a
// listener recognises. Imputed analysis columns or two zeros in a genre one-hot column are
// equal without meaning the tracks share anything.
// The continuous features only: key, mode and time signature are equal for most pairs of
// tracks (most music is in 4/4, half of it major), so "closest" would nearly always name them
// and say nothing.
constexpr std::array<std::string_view, 10> kExplainableFeatures = {
    "danceability",     "energy",   "loudness", "speechiness", "acousticness",
    "instrumentalness", "liveness", "valence",  "tempo",       "duration_ms"};

// Candidates a recommendation seed starts from, as Spotify's initialPoolSize reported it
// (a few hundred); fewer when the seed's group is smaller.
constexpr int kRecommendationPool = 500;

constexpr int kMaxRecommendationSeeds = 5;
constexpr int kMaxPerSeed = 100;
constexpr int kMaxPlaylistSize = 1000;
constexpr int kMaxLimit = 100;
constexpr int kMinPathSteps = 2;
constexpr int kMaxPathSteps = 100;
constexpr std::size_t kMaxSuggestions = 5;
// Below this NameSimilarity a name is no useful suggestion (unrelated names score ~0.2).
constexpr double kMinSuggestionSimilarity = 0.4;

std::string FormatNumber(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

std::string Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::string Quoted(const std::string& s) {
  return "\"" + s + "\"";
}

std::string JoinQuoted(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ", ";
    out += Quoted(names[i]);
  }
  return out;
}

// "; did you mean "A", "B"?" or nothing.
std::string DidYouMean(const std::vector<std::string>& suggestions) {
  if (suggestions.empty()) return "";
  return "; did you mean " + JoinQuoted(suggestions) + "?";
}

// The artist id the server shows (api.cpp's EntityId("artist", key)), so that an id taken
// from an artist object can seed recommendations.
std::string ArtistId(const std::string& artist_key) {
  return TrackIdForPath("artist:" + artist_key);
}

}  // namespace

const std::vector<std::string>& TunableAttributes() {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> names;
    for (const AttributeSpec& a : kAttributes) names.emplace_back(a.name);
    return names;
  }();
  return kNames;
}

std::optional<AttributeRange> TunableAttributeRange(const std::string& name) {
  for (const AttributeSpec& a : kAttributes) {
    if (name == a.name) return a.range;
  }
  return std::nullopt;
}

Status ValidateFilters(const AttributeFilters& filters) {
  for (const auto& [name, bounds] : filters) {
    const std::optional<AttributeRange> range = TunableAttributeRange(name);
    if (!range) {
      std::string known;
      for (const std::string& n : TunableAttributes()) known += (known.empty() ? "" : ", ") + n;
      return Status::InvalidArgument("unknown tunable attribute " + Quoted(name) +
                                     " (known: " + known + ")");
    }
    const std::pair<const char*, const std::optional<double>*> values[] = {
        {"min_", &bounds.min}, {"max_", &bounds.max}, {"target_", &bounds.target}};
    for (const auto& [prefix, value] : values) {
      if (!value->has_value()) continue;
      const double v = **value;
      if (!std::isfinite(v) || v < range->min || v > range->max) {
        return Status::InvalidArgument(std::string(prefix) + name + " " + FormatNumber(v) +
                                       " is outside " + FormatNumber(range->min) + ".." +
                                       FormatNumber(range->max));
      }
    }
    if (bounds.min && bounds.max && *bounds.min > *bounds.max) {
      return Status::InvalidArgument("min_" + name + " " + FormatNumber(*bounds.min) +
                                     " is above max_" + name + " " + FormatNumber(*bounds.max));
    }
  }
  return Status::Ok();
}

std::optional<double> AttributeValue(const RecTrack& track, const std::string& name) {
  const AudioFeatures& f = track.features;
  if (name == "popularity") {
    if (!track.record.popularity) return std::nullopt;
    return static_cast<double>(*track.record.popularity);
  }
  if (name == "duration_ms") {
    // The features' duration is the decoded length; the record's is what tags or the
    // imported table said, the fallback when the features lack it.
    if (track.HasFeature("duration_ms") && f.duration_ms > 0) {
      return static_cast<double>(f.duration_ms);
    }
    if (track.record.duration_ms > 0) return static_cast<double>(track.record.duration_ms);
    return std::nullopt;
  }
  if (!TunableAttributeRange(name) || !track.HasFeature(name)) return std::nullopt;
  if (name == "acousticness") return f.acousticness;
  if (name == "danceability") return f.danceability;
  if (name == "energy") return f.energy;
  if (name == "instrumentalness") return f.instrumentalness;
  if (name == "key") return static_cast<double>(f.key);
  if (name == "liveness") return f.liveness;
  if (name == "loudness") return f.loudness;
  if (name == "mode") return static_cast<double>(f.mode);
  if (name == "speechiness") return f.speechiness;
  if (name == "tempo") return f.tempo;
  if (name == "time_signature") return static_cast<double>(f.time_signature);
  if (name == "valence") return f.valence;
  return std::nullopt;
}

namespace {

// True when the track has every bounded attribute and each value is within its bounds.
bool PassesFilters(const RecTrack& track, const AttributeFilters& filters) {
  for (const auto& [name, bounds] : filters) {
    if (!bounds.min && !bounds.max) continue;
    const std::optional<double> v = AttributeValue(track, name);
    if (!v) return false;
    if (bounds.min && *v < *bounds.min) return false;
    if (bounds.max && *v > *bounds.max) return false;
  }
  return true;
}

// Sum of |value - target| / span over the target_ attributes; a track without a targeted
// value pays the most an in-range value could (1), so it is not preferred for lacking it.
double TargetPenalty(const RecTrack& track, const AttributeFilters& filters) {
  double penalty = 0.0;
  for (const auto& [name, bounds] : filters) {
    if (!bounds.target) continue;
    const std::optional<AttributeRange> range = TunableAttributeRange(name);
    const std::optional<double> v = AttributeValue(track, name);
    if (!range || !v) {
      penalty += 1.0;
      continue;
    }
    penalty += std::abs(*v - *bounds.target) / range->span;
  }
  return penalty;
}

struct Group {
  int version = 0;
  FeaturePipeline pipeline;
  std::unique_ptr<VectorIndex> index;
  std::vector<std::size_t> members;       // track indices, ascending
  std::vector<std::size_t> explain_cols;  // input columns that may be "closest_features"
  bool ids_are_rowids = false;            // index ids: rowids (persisted) or track indices
};

bool SamePipelineOptions(const FeaturePipelineOptions& a, const FeaturePipelineOptions& b) {
  return a.components == b.components && a.variance_share == b.variance_share &&
         a.max_genres == b.max_genres && a.use_analysis == b.use_analysis &&
         a.use_year == b.use_year && a.refit_change_share == b.refit_change_share;
}

struct Hit {
  std::size_t track = 0;
  double distance = 0.0;
};

}  // namespace

struct Recommender::State {
  RecommenderOptions options;
  std::vector<RecTrack> tracks;
  std::vector<Group> groups;
  std::vector<GroupBuild> builds;                      // per group
  std::vector<std::size_t> group_of;                   // per track
  std::vector<std::vector<float>> vectors;             // per track, Transform()
  std::vector<std::vector<std::uint32_t>> prints;      // per track, decoded; empty = unknown
  std::vector<std::string> display_keys;               // per track, NormalizeName(DisplayName)
  std::unordered_map<std::string, std::size_t> by_id;  // the best track of each id
  std::unordered_map<std::int64_t, std::size_t> by_rowid;
  std::unordered_map<std::string, std::vector<std::size_t>> by_title;   // best first
  std::unordered_map<std::string, std::vector<std::size_t>> by_artist;  // ascending
  std::unordered_map<std::string, std::string> artist_key_by_id;
  std::unordered_map<std::string, std::string> artist_names;           // key -> first spelling seen
  std::unordered_map<std::string, std::vector<std::size_t>> by_genre;  // ascending
  std::unordered_map<std::string, std::string> genre_names;

  // Analysed before imported, then more popular, then by id: which of several tracks a name
  // means (the order the server's name lookup uses too).
  bool Better(std::size_t a, std::size_t b) const {
    const TrackRecord& ra = tracks[a].record;
    const TrackRecord& rb = tracks[b].record;
    const bool aa = ra.source == "analyzed";
    const bool ba = rb.source == "analyzed";
    if (aa != ba) return aa;
    const int pa = ra.popularity.value_or(-1);
    const int pb = rb.popularity.value_or(-1);
    if (pa != pb) return pa > pb;
    if (ra.id != rb.id) return ra.id < rb.id;
    if (ra.rowid != rb.rowid) return ra.rowid < rb.rowid;
    return a < b;
  }

  // The order of equally distant hits: by track id, so results never depend on the index.
  bool HitBefore(const Hit& a, const Hit& b) const {
    if (a.distance != b.distance) return a.distance < b.distance;
    const TrackRecord& ra = tracks[a.track].record;
    const TrackRecord& rb = tracks[b.track].record;
    if (ra.id != rb.id) return ra.id < rb.id;
    if (ra.rowid != rb.rowid) return ra.rowid < rb.rowid;
    return a.track < b.track;
  }

  // The index's metric in double precision (L1, or FAISS's squared L2), so reported
  // distances agree with Distance() whatever the index rounded.
  double DistanceTo(std::span<const float> q, std::size_t t) const {
    const std::vector<float>& v = vectors[t];
    double sum = 0.0;
    for (std::size_t i = 0; i < v.size() && i < q.size(); ++i) {
      const double d = static_cast<double>(q[i]) - static_cast<double>(v[i]);
      sum += options.index.metric == IndexMetric::kL1 ? std::abs(d) : d * d;
    }
    return sum;
  }

  // Up to k nearest tracks of the group to q, in HitBefore order.
  Result<std::vector<Hit>> Nearest(const Group& g, std::span<const float> q, std::size_t k) const {
    k = std::min(k, g.members.size());
    std::vector<Hit> out;
    if (k == 0) return out;
    auto hits = g.index->Search(q, static_cast<int>(k));
    if (!hits.ok()) return hits.status();
    out.reserve(hits->size());
    for (const IndexHit& h : *hits) {
      // FAISS pads a short answer with id -1.
      if (h.id < 0) continue;
      std::size_t t = 0;
      if (g.ids_are_rowids) {
        auto it = by_rowid.find(h.id);
        if (it == by_rowid.end()) continue;
        t = it->second;
      } else {
        if (static_cast<std::size_t>(h.id) >= tracks.size()) continue;
        t = static_cast<std::size_t>(h.id);
      }
      out.push_back({t, DistanceTo(q, t)});
    }
    std::sort(out.begin(), out.end(),
              [this](const Hit& a, const Hit& b) { return HitBefore(a, b); });
    return out;
  }

  std::optional<std::size_t> IndexOf(const RecTrack& track) const {
    const RecTrack* p = &track;
    if (!tracks.empty() && !std::less<const RecTrack*>()(p, tracks.data()) &&
        std::less<const RecTrack*>()(p, tracks.data() + tracks.size())) {
      return static_cast<std::size_t>(p - tracks.data());
    }
    // A copy of one of our tracks (the caller kept a RecTrack by value).
    if (auto it = by_rowid.find(track.record.rowid);
        it != by_rowid.end() && tracks[it->second].record.id == track.record.id) {
      return it->second;
    }
    return std::nullopt;
  }

  std::vector<std::string> SuggestTracks(const std::string& query) const {
    const std::string key = NormalizeName(query);
    std::vector<std::pair<double, std::size_t>> scored;
    for (std::size_t i = 0; i < tracks.size(); ++i) {
      const double s =
          std::max(NameSimilarity(key, tracks[i].title_key), NameSimilarity(key, display_keys[i]));
      if (s >= kMinSuggestionSimilarity) scored.emplace_back(s, i);
    }
    std::sort(scored.begin(), scored.end(), [this](const auto& a, const auto& b) {
      if (a.first != b.first) return a.first > b.first;
      return Better(a.second, b.second);
    });
    std::vector<std::string> out;
    for (const auto& [score, i] : scored) {
      std::string name = DisplayName(tracks[i]);
      if (std::find(out.begin(), out.end(), name) != out.end()) continue;
      out.push_back(std::move(name));
      if (out.size() == kMaxSuggestions) break;
    }
    return out;
  }

  static std::vector<std::string> SuggestNames(
      const std::string& query, const std::unordered_map<std::string, std::string>& names) {
    const std::string key = NormalizeName(query);
    std::vector<std::pair<double, std::string>> scored;
    for (const auto& [k, name] : names) {
      const double s = NameSimilarity(key, k);
      if (s >= kMinSuggestionSimilarity) scored.emplace_back(s, name);
    }
    std::sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) {
      if (a.first != b.first) return a.first > b.first;
      return a.second < b.second;
    });
    std::vector<std::string> out;
    for (std::size_t i = 0; i < scored.size() && i < kMaxSuggestions; ++i) {
      out.push_back(scored[i].second);
    }
    return out;
  }

  // Tracks titled `title` with an artist `artist` (NormalizeName keys), best first.
  std::vector<std::size_t> ByArtistTitle(std::string_view artist, std::string_view title) const {
    std::vector<std::size_t> out;
    const std::string artist_key = NormalizeName(artist);
    if (artist_key.empty()) return out;
    auto it = by_title.find(NormalizeName(title));
    if (it == by_title.end()) return out;
    for (std::size_t i : it->second) {
      const auto& keys = tracks[i].artist_keys;
      if (std::find(keys.begin(), keys.end(), artist_key) != keys.end()) out.push_back(i);
    }
    return out;
  }

  Result<std::size_t> ResolveIndex(const std::string& raw) const {
    const std::string seed = Trim(raw);
    if (seed.empty()) return Status::NotFound("empty seed: name a track id, URI or title");
    for (std::string_view prefix : {"sonance:track:", "spotify:track:"}) {
      if (!StartsWith(seed, prefix)) continue;
      const std::string id = seed.substr(prefix.size());
      if (auto it = by_id.find(id); it != by_id.end()) return it->second;
      return Status::NotFound("no track with id " + Quoted(id) + " (seed " + Quoted(seed) + ")");
    }
    if (auto it = by_id.find(seed); it != by_id.end()) return it->second;

    // A title first (it may itself contain " - "), then "Artist - Title" split at each
    // " - " (either side may contain one), then "Title - Artist" as people also type it.
    if (auto it = by_title.find(NormalizeName(seed)); it != by_title.end() && !it->second.empty()) {
      return it->second.front();
    }
    std::vector<std::size_t> found;
    for (int order = 0; order < 2 && found.empty(); ++order) {
      for (std::size_t dash = seed.find(" - "); dash != std::string::npos;
           dash = seed.find(" - ", dash + 1)) {
        const std::string_view left = std::string_view(seed).substr(0, dash);
        const std::string_view right = std::string_view(seed).substr(dash + 3);
        auto m = order == 0 ? ByArtistTitle(left, right) : ByArtistTitle(right, left);
        found.insert(found.end(), m.begin(), m.end());
      }
    }
    if (!found.empty()) {
      return *std::min_element(found.begin(), found.end(),
                               [this](std::size_t a, std::size_t b) { return Better(a, b); });
    }
    return Status::NotFound("no track matches " + Quoted(seed) + DidYouMean(SuggestTracks(seed)));
  }

  // The key and the tracks of an artist named by name, artist id or "sonance:artist:<id>".
  Result<std::pair<std::string, std::vector<std::size_t>>> ResolveArtist(
      const std::string& raw) const {
    const std::string seed = Trim(raw);
    std::string key = NormalizeName(seed);
    for (std::string_view prefix : {"sonance:artist:", "spotify:artist:"}) {
      if (StartsWith(seed, prefix)) {
        key.clear();
        if (auto it = artist_key_by_id.find(seed.substr(prefix.size()));
            it != artist_key_by_id.end()) {
          key = it->second;
        }
      }
    }
    if (auto it = artist_key_by_id.find(seed); it != artist_key_by_id.end()) key = it->second;
    if (auto it = by_artist.find(key); !key.empty() && it != by_artist.end()) {
      return std::make_pair(key, it->second);
    }
    return Status::NotFound("no artist matches " + Quoted(seed) +
                            DidYouMean(SuggestNames(seed, artist_names)));
  }

  Result<std::vector<std::size_t>> ResolveGenre(const std::string& raw) const {
    const std::string seed = Trim(raw);
    const std::string key = NormalizeName(seed);
    if (auto it = by_genre.find(key); !key.empty() && it != by_genre.end()) return it->second;
    return Status::NotFound("no genre matches " + Quoted(seed) +
                            DidYouMean(SuggestNames(seed, genre_names)));
  }

  // The 3 explainable input columns where the two tracks' standardised values differ least.
  std::vector<std::string> ClosestFeatures(std::size_t a, std::size_t b) const {
    const Group& g = groups[group_of[a]];
    const std::vector<std::string>& columns = g.pipeline.input_columns();
    // Computed when asked rather than kept per track: a few microseconds per playlist entry
    // against a vector of every input column for every track of the catalog.
    auto za = g.pipeline.Standardize(ToFeatureRow(tracks[a]));
    auto zb = g.pipeline.Standardize(ToFeatureRow(tracks[b]));
    const std::vector<double> none;
    const std::vector<double>& sa = za.ok() ? *za : none;
    const std::vector<double>& sb = zb.ok() ? *zb : none;
    std::vector<std::pair<double, std::size_t>> diffs;
    const auto consider = [&](std::size_t c) {
      if (c >= sa.size() || c >= sb.size()) return;
      diffs.emplace_back(std::abs(sa[c] - sb[c]), c);
    };
    for (std::size_t c : g.explain_cols) {
      // An imputed value equals the mean for both tracks and says nothing about them.
      if (!tracks[a].HasFeature(columns[c]) || !tracks[b].HasFeature(columns[c])) continue;
      consider(c);
    }
    if (diffs.size() < 3) {
      // The pipeline names its columns differently or the tracks lack most features: fall
      // back to every column rather than explain nothing.
      diffs.clear();
      for (std::size_t c = 0; c < columns.size(); ++c) consider(c);
    }
    std::sort(diffs.begin(), diffs.end());
    std::vector<std::string> out;
    for (std::size_t i = 0; i < diffs.size() && i < 3; ++i) out.push_back(columns[diffs[i].second]);
    return out;
  }

  std::vector<float> Centroid(const Group& g, const std::vector<std::size_t>& members) const {
    std::vector<double> sum(static_cast<std::size_t>(g.pipeline.dims()), 0.0);
    for (std::size_t t : members) {
      for (std::size_t i = 0; i < sum.size() && i < vectors[t].size(); ++i) sum[i] += vectors[t][i];
    }
    std::vector<float> out(sum.size());
    for (std::size_t i = 0; i < sum.size(); ++i) {
      out[i] = static_cast<float>(sum[i] / static_cast<double>(members.size()));
    }
    return out;
  }
};

namespace {

// What a playlist (or a list of recommendations) already holds, to refuse a second copy of
// one song: the same artist+title keys, the same file contents, or the same recording by its
// Chromaprint fingerprint.
class DuplicateGuard {
 public:
  // prints[i] is the decoded fingerprint of tracks[i] (empty: unknown).
  DuplicateGuard(const std::vector<RecTrack>& tracks,
                 const std::vector<std::vector<std::uint32_t>>& prints)
      : tracks_(tracks), prints_(prints) {}

  bool IsDuplicate(std::size_t t) const {
    for (const std::string& k : TitleKeys(t)) {
      if (title_keys_.count(k) > 0) return true;
    }
    const std::string& hash = tracks_[t].record.content_hash;
    if (!hash.empty() && hashes_.count(hash) > 0) return true;
    const auto& print = prints_[t];
    if (print.empty()) return false;
    for (std::size_t other : printed_) {
      if (!SimilarLength(t, other)) continue;
      if (FingerprintSimilarity(print, prints_[other]) >= kSameRecordingSimilarity) return true;
    }
    return false;
  }

  void Add(std::size_t t) {
    for (std::string& k : TitleKeys(t)) title_keys_.insert(std::move(k));
    const std::string& hash = tracks_[t].record.content_hash;
    if (!hash.empty()) hashes_.insert(hash);
    if (!prints_[t].empty()) printed_.push_back(t);
  }

 private:
  // "artist\x1ftitle" per artist; none without a title or an artist, since two untitled or
  // anonymous tracks are not thereby the same song.
  std::vector<std::string> TitleKeys(std::size_t t) const {
    std::vector<std::string> keys;
    const RecTrack& r = tracks_[t];
    if (r.title_key.empty()) return keys;
    for (const std::string& a : r.artist_keys) keys.push_back(a + '\x1f' + r.title_key);
    return keys;
  }

  static std::int64_t Length(const RecTrack& r) {
    return r.features.duration_ms > 0 ? r.features.duration_ms : r.record.duration_ms;
  }

  // Comparing fingerprints costs ~0.1 ms a pair; one recording under two files has one
  // length, so pairs whose known lengths differ by more than 10 s (or 10%) are skipped.
  bool SimilarLength(std::size_t a, std::size_t b) const {
    const std::int64_t la = Length(tracks_[a]);
    const std::int64_t lb = Length(tracks_[b]);
    if (la <= 0 || lb <= 0) return true;
    const std::int64_t diff = la > lb ? la - lb : lb - la;
    return diff <= std::max<std::int64_t>(10'000, std::max(la, lb) / 10);
  }

  const std::vector<RecTrack>& tracks_;
  const std::vector<std::vector<std::uint32_t>>& prints_;
  std::unordered_set<std::string> title_keys_;
  std::unordered_set<std::string> hashes_;
  std::vector<std::size_t> printed_;
};

// Caps per artist and per album. An album is its key with the album artist (else the first
// artist), so two artists' "Greatest Hits" are two albums.
class PlaylistCaps {
 public:
  PlaylistCaps(const std::vector<RecTrack>& tracks, int per_artist, int per_album)
      : tracks_(tracks), per_artist_(per_artist), per_album_(per_album) {}

  bool Allows(std::size_t t) const {
    if (per_artist_ > 0) {
      for (const std::string& a : tracks_[t].artist_keys) {
        if (auto it = artists_.find(a); it != artists_.end() && it->second >= per_artist_) {
          return false;
        }
      }
    }
    if (per_album_ > 0) {
      const std::string k = AlbumKey(t);
      if (auto it = albums_.find(k);
          !k.empty() && it != albums_.end() && it->second >= per_album_) {
        return false;
      }
    }
    return true;
  }

  void Add(std::size_t t) {
    for (const std::string& a : tracks_[t].artist_keys) ++artists_[a];
    if (std::string k = AlbumKey(t); !k.empty()) ++albums_[k];
  }

 private:
  std::string AlbumKey(std::size_t t) const {
    const RecTrack& r = tracks_[t];
    if (r.album_key.empty()) return "";
    std::string artist = NormalizeName(r.record.tags.album_artist);
    if (artist.empty() && !r.artist_keys.empty()) artist = r.artist_keys.front();
    return r.album_key + '\x1f' + artist;
  }

  const std::vector<RecTrack>& tracks_;
  int per_artist_;
  int per_album_;
  std::unordered_map<std::string, int> artists_;
  std::unordered_map<std::string, int> albums_;
};

}  // namespace

Recommender::Recommender(std::unique_ptr<State> s) : s_(std::move(s)) {}
Recommender::~Recommender() = default;

const std::vector<RecTrack>& Recommender::tracks() const {
  return s_->tracks;
}

std::filesystem::path RecommenderStateDir(const std::filesystem::path& catalog_path) {
  std::filesystem::path p = catalog_path;
  return p.replace_extension(".index");
}

const std::vector<GroupBuild>& Recommender::builds() const {
  return s_->builds;
}

Result<std::unique_ptr<Recommender>> Recommender::Build(std::vector<RecTrack> tracks,
                                                        const RecommenderOptions& options) {
  if (tracks.empty()) {
    return Status::FailedPrecondition(
        "the catalog has no tracks with features: run sonance analyze or sonance import tracks "
        "first");
  }
  auto s = std::make_unique<State>();
  s->options = options;
  s->tracks = std::move(tracks);
  const std::size_t n = s->tracks.size();
  s->group_of.assign(n, 0);
  s->vectors.resize(n);
  s->prints.resize(n);
  s->display_keys.resize(n);

  // Features versions in ascending order, so group numbers do not depend on track order.
  std::map<int, std::vector<std::size_t>> by_version;
  for (std::size_t i = 0; i < n; ++i)
    by_version[s->tracks[i].features.features_version].push_back(i);

  for (auto& [version, members] : by_version) {
    std::vector<FeatureRow> rows;
    rows.reserve(members.size());
    for (std::size_t i : members) rows.push_back(ToFeatureRow(s->tracks[i]));
    const bool persist = !options.state_dir.empty();
    GroupBuild report;
    report.features_version = version;
    report.tracks = static_cast<std::int64_t>(members.size());
    Group g;
    g.version = version;
    g.members = members;
    g.ids_are_rowids = persist;
    std::vector<std::int64_t> ids;
    ids.reserve(members.size());
    for (std::size_t i : members) {
      ids.push_back(persist ? s->tracks[i].record.rowid : static_cast<std::int64_t>(i));
    }
    if (persist) {
      std::unordered_set<std::int64_t> seen(ids.begin(), ids.end());
      if (seen.size() != ids.size()) {
        return Status::InvalidArgument("a persisted recommender needs distinct track rowids");
      }
    }
    const std::filesystem::path dir =
        persist ? recommend_internal::SpaceDir(options.state_dir, version, options.index)
                : std::filesystem::path();
    std::optional<recommend_internal::StoredSpace> stored;
    if (persist) stored = recommend_internal::LoadSpace(dir, options.index);
    if (stored && (!SamePipelineOptions(stored->pipeline.options(), options.pipeline) ||
                   stored->pipeline.features_version() != version)) {
      stored.reset();
    }

    // Vectors under the stored pipeline when there is one, to tell what changed.
    std::vector<std::int64_t> added_ids, removed_ids;
    if (stored) {
      g.pipeline = stored->pipeline;
      std::unordered_set<std::int64_t> current;
      for (std::size_t k = 0; k < members.size(); ++k) {
        auto v = g.pipeline.Transform(rows[k]);
        if (!v.ok()) return v.status();
        s->vectors[members[k]] = std::move(v).value();
        current.insert(ids[k]);
        auto it = stored->vectors.find(ids[k]);
        if (it == stored->vectors.end()) {
          added_ids.push_back(ids[k]);
        } else if (it->second != s->vectors[members[k]]) {
          added_ids.push_back(ids[k]);
          removed_ids.push_back(ids[k]);
        }
      }
      for (const auto& [rowid, v] : stored->vectors) {
        if (current.count(rowid) == 0) removed_ids.push_back(rowid);
      }
      const auto added = static_cast<std::int64_t>(added_ids.size());
      const auto removed = static_cast<std::int64_t>(removed_ids.size());
      if (g.pipeline.NeedsRefit(added, removed, version)) {
        stored.reset();
      } else {
        report.added = added;
        report.removed = removed;
      }
    }
    if (!stored) {
      auto fit = FeaturePipeline::Fit(rows, options.pipeline);
      if (!fit.ok()) {
        return Status(fit.status().code(), "features version " + std::to_string(version) + ": " +
                                               fit.status().message());
      }
      g.pipeline = std::move(fit).value();
      for (std::size_t k = 0; k < members.size(); ++k) {
        auto v = g.pipeline.Transform(rows[k]);
        if (!v.ok()) return v.status();
        s->vectors[members[k]] = std::move(v).value();
      }
    }
    const int dims = g.pipeline.dims();
    std::vector<float> flat;
    flat.reserve(members.size() * static_cast<std::size_t>(std::max(dims, 0)));
    for (std::size_t k = 0; k < members.size(); ++k) {
      const std::size_t i = members[k];
      s->group_of[i] = s->groups.size();
      flat.insert(flat.end(), s->vectors[i].begin(), s->vectors[i].end());
    }
    auto build_fresh = [&]() -> Status {
      auto index = VectorIndex::Create(dims, options.index);
      if (!index.ok()) return index.status();
      g.index = std::move(index).value();
      return g.index->Add(ids, flat);
    };
    if (!stored) {
      report.how = "fitted";
      if (Status st = build_fresh(); !st.ok()) return st;
    } else if (added_ids.empty() && removed_ids.empty()) {
      report.how = "loaded";
      g.index = std::move(stored->index);
    } else {
      report.how = "updated";
      g.index = std::move(stored->index);
      auto removed = g.index->Remove(removed_ids);
      if (!removed.ok()) {
        // HNSW cannot delete: rebuild the index, keeping the pipeline.
        if (Status st = build_fresh(); !st.ok()) return st;
      } else {
        std::unordered_map<std::int64_t, std::size_t> position;
        for (std::size_t k = 0; k < ids.size(); ++k) position.emplace(ids[k], k);
        std::vector<float> add_vectors;
        for (std::int64_t id : added_ids) {
          const std::size_t k = position.at(id);
          const auto& v = s->vectors[members[k]];
          add_vectors.insert(add_vectors.end(), v.begin(), v.end());
        }
        if (Status st = g.index->Add(added_ids, add_vectors); !st.ok()) return st;
      }
    }
    if (persist && report.how != "loaded") {
      // The stored state is a cache: failing to write it (a read-only folder, a full disk)
      // costs the next build time, not this one its answers.
      if (Status st = recommend_internal::SaveSpace(dir, g.pipeline, *g.index, ids, flat);
          !st.ok()) {
        report.save_error = st.message();
      }
    }
    report.dims = dims;
    s->builds.push_back(report);
    const std::vector<std::string>& columns = g.pipeline.input_columns();
    for (std::size_t c = 0; c < columns.size(); ++c) {
      if (std::find(kExplainableFeatures.begin(), kExplainableFeatures.end(), columns[c]) !=
          kExplainableFeatures.end()) {
        g.explain_cols.push_back(c);
      }
    }
    s->groups.push_back(std::move(g));
  }

  for (std::size_t i = 0; i < n; ++i) {
    const RecTrack& t = s->tracks[i];
    if (!t.record.fingerprint.empty()) {
      // An undecodable fingerprint is an unknown one: it must not stop recommendations.
      if (auto raw = DecodeFingerprint(t.record.fingerprint); raw.ok()) s->prints[i] = *raw;
    }
    s->display_keys[i] = NormalizeName(DisplayName(t));
    if (!t.record.id.empty()) {
      auto [it, inserted] = s->by_id.emplace(t.record.id, i);
      if (!inserted && s->Better(i, it->second)) it->second = i;
    }
    s->by_rowid.emplace(t.record.rowid, i);
    if (!t.title_key.empty()) s->by_title[t.title_key].push_back(i);
    for (std::size_t a = 0; a < t.artist_keys.size(); ++a) {
      const std::string& key = t.artist_keys[a];
      s->by_artist[key].push_back(i);
      s->artist_key_by_id.emplace(ArtistId(key), key);
      s->artist_names.emplace(key,
                              a < t.record.tags.artists.size() ? t.record.tags.artists[a] : key);
    }
    for (std::size_t g = 0; g < t.genre_keys.size(); ++g) {
      const std::string& key = t.genre_keys[g];
      if (key.empty()) continue;
      auto& list = s->by_genre[key];
      if (list.empty() || list.back() != i) list.push_back(i);
      s->genre_names.emplace(key, t.genres[g]);
    }
  }
  for (auto& [key, list] : s->by_title) {
    std::sort(list.begin(), list.end(),
              [&s](std::size_t a, std::size_t b) { return s->Better(a, b); });
  }
  return std::unique_ptr<Recommender>(new Recommender(std::move(s)));
}

Result<const RecTrack*> Recommender::Resolve(const std::string& seed) const {
  auto i = s_->ResolveIndex(seed);
  if (!i.ok()) return i.status();
  return &s_->tracks[*i];
}

Result<std::vector<std::pair<const RecTrack*, double>>> Recommender::Neighbours(
    const RecTrack& track, int k) const {
  if (k < 1) return Status::InvalidArgument("k must be at least 1, not " + std::to_string(k));
  const std::optional<std::size_t> self = s_->IndexOf(track);
  if (!self) return Status::NotFound("track " + Quoted(DisplayName(track)) + " is not indexed");
  const Group& g = s_->groups[s_->group_of[*self]];
  // One more than asked for, since the track finds itself (possibly behind exact twins).
  auto hits = s_->Nearest(g, s_->vectors[*self], static_cast<std::size_t>(k) + 1);
  if (!hits.ok()) return hits.status();
  std::vector<std::pair<const RecTrack*, double>> out;
  for (const Hit& h : *hits) {
    if (h.track == *self) continue;
    if (out.size() == static_cast<std::size_t>(k)) break;
    out.emplace_back(&s_->tracks[h.track], h.distance);
  }
  return out;
}

Result<double> Recommender::Distance(const RecTrack& a, const RecTrack& b) const {
  const std::optional<std::size_t> ia = s_->IndexOf(a);
  const std::optional<std::size_t> ib = s_->IndexOf(b);
  if (!ia) return Status::NotFound("track " + Quoted(DisplayName(a)) + " is not indexed");
  if (!ib) return Status::NotFound("track " + Quoted(DisplayName(b)) + " is not indexed");
  if (s_->group_of[*ia] != s_->group_of[*ib]) {
    return Status::InvalidArgument(
        "tracks of features versions " + std::to_string(a.features.features_version) + " and " +
        std::to_string(b.features.features_version) + " are not comparable");
  }
  return s_->DistanceTo(s_->vectors[*ia], *ib);
}

Result<Playlist> Recommender::BuildPlaylist(const PlaylistRequest& request) const {
  if (request.seeds.empty()) return Status::InvalidArgument("a playlist needs at least one seed");
  if (request.per_seed < 1 || request.per_seed > kMaxPerSeed) {
    return Status::InvalidArgument("per_seed must be 1.." + std::to_string(kMaxPerSeed) + ", not " +
                                   std::to_string(request.per_seed));
  }
  if (request.size < 0 || request.size > kMaxPlaylistSize) {
    return Status::InvalidArgument("size must be 0 (seeds x per_seed) or 1.." +
                                   std::to_string(kMaxPlaylistSize) + ", not " +
                                   std::to_string(request.size));
  }
  if (request.max_per_artist < 0 || request.max_per_album < 0) {
    return Status::InvalidArgument("max_per_artist and max_per_album must be 0 (no cap) or more");
  }
  if (Status st = ValidateFilters(request.filters); !st.ok()) return st;

  Playlist playlist;
  std::vector<std::size_t> seeds;
  for (const std::string& seed : request.seeds) {
    auto i = s_->ResolveIndex(seed);
    if (i.ok()) {
      seeds.push_back(*i);
      playlist.seeds.push_back(&s_->tracks[*i]);
    } else if (request.partial && i.status().code() == StatusCode::kNotFound) {
      playlist.skipped_seeds.push_back(seed);
    } else {
      return i.status();
    }
  }
  if (seeds.empty()) {
    // partial skips the seeds it cannot find, but a playlist of no seed has nothing to say.
    return Status::NotFound("none of the seeds was found: " + JoinQuoted(playlist.skipped_seeds));
  }

  // A seed (or another copy of one) is what the listener already has.
  const std::unordered_set<std::size_t> seed_set(seeds.begin(), seeds.end());
  DuplicateGuard taken(s_->tracks, s_->prints);
  for (std::size_t seed : seeds) taken.Add(seed);
  PlaylistCaps caps(s_->tracks, request.max_per_artist, request.max_per_album);
  const auto per_seed = static_cast<std::size_t>(request.per_seed);

  for (std::size_t seed : seeds) {
    const Group& g = s_->groups[s_->group_of[seed]];
    std::unordered_set<std::size_t> examined;
    std::size_t found = 0;
    // Most candidates pass; when filters, caps or duplicates reject many, the search widens.
    std::size_t k = per_seed + seeds.size() + 16;
    while (found < per_seed) {
      auto hits = s_->Nearest(g, s_->vectors[seed], k);
      if (!hits.ok()) return hits.status();
      for (const Hit& h : *hits) {
        if (found == per_seed) break;
        if (!examined.insert(h.track).second) continue;
        if (seed_set.count(h.track) > 0 || taken.IsDuplicate(h.track)) continue;
        const RecTrack& t = s_->tracks[h.track];
        if (!PassesFilters(t, request.filters) || !caps.Allows(h.track)) continue;
        taken.Add(h.track);
        caps.Add(h.track);
        playlist.entries.push_back(
            {&t, &s_->tracks[seed], h.distance, s_->ClosestFeatures(seed, h.track)});
        ++found;
      }
      if (k >= g.members.size()) break;
      k = std::min(g.members.size(), k * 4);
    }
  }
  if (request.size > 0 && playlist.entries.size() > static_cast<std::size_t>(request.size)) {
    playlist.entries.resize(static_cast<std::size_t>(request.size));
  }
  return playlist;
}

Result<Recommendations> Recommender::Recommend(const RecommendationsRequest& request) const {
  const std::size_t total =
      request.seed_tracks.size() + request.seed_artists.size() + request.seed_genres.size();
  if (total == 0) {
    return Status::InvalidArgument("at least one of seed_tracks, seed_artists, seed_genres");
  }
  if (total > static_cast<std::size_t>(kMaxRecommendationSeeds)) {
    return Status::InvalidArgument("at most " + std::to_string(kMaxRecommendationSeeds) +
                                   " seeds in total, not " + std::to_string(total));
  }
  if (request.limit < 1 || request.limit > kMaxLimit) {
    return Status::InvalidArgument("limit must be 1.." + std::to_string(kMaxLimit) + ", not " +
                                   std::to_string(request.limit));
  }
  if (Status st = ValidateFilters(request.filters); !st.ok()) return st;

  struct Pool {
    RecommendationSeed seed;
    std::size_t group = 0;
    std::vector<float> query;
    std::vector<Hit> ranked;  // filtered, best first
    std::size_t next = 0;
  };
  std::vector<Pool> pools;
  std::unordered_set<std::size_t> seed_tracks;

  for (const std::string& seed : request.seed_tracks) {
    auto i = s_->ResolveIndex(seed);
    if (!i.ok()) return i.status();
    seed_tracks.insert(*i);
    Pool p;
    p.seed.id = s_->tracks[*i].record.id;
    p.seed.type = "TRACK";
    p.group = s_->group_of[*i];
    p.query = s_->vectors[*i];
    pools.push_back(std::move(p));
  }
  // An artist's or genre's tracks may span groups: the centroid is taken in the group that
  // holds most of them (analysed, the higher version, on a tie), since vectors of two groups
  // cannot be averaged.
  const auto centroid_pool = [this](const std::vector<std::size_t>& members, Pool* p) {
    std::map<std::size_t, std::vector<std::size_t>> per_group;
    for (std::size_t t : members) per_group[s_->group_of[t]].push_back(t);
    auto best = per_group.begin();
    for (auto it = per_group.begin(); it != per_group.end(); ++it) {
      if (it->second.size() >= best->second.size()) best = it;
    }
    p->group = best->first;
    p->query = s_->Centroid(s_->groups[best->first], best->second);
  };
  for (const std::string& seed : request.seed_artists) {
    auto artist = s_->ResolveArtist(seed);
    if (!artist.ok()) return artist.status();
    Pool p;
    // The id, not the name as typed, so the server can link the seed to the artist.
    p.seed.id = ArtistId(artist->first);
    p.seed.type = "ARTIST";
    centroid_pool(artist->second, &p);
    pools.push_back(std::move(p));
  }
  for (const std::string& seed : request.seed_genres) {
    auto members = s_->ResolveGenre(seed);
    if (!members.ok()) return members.status();
    Pool p;
    p.seed.id = Trim(seed);
    p.seed.type = "GENRE";
    centroid_pool(*members, &p);
    pools.push_back(std::move(p));
  }

  for (Pool& p : pools) {
    const Group& g = s_->groups[p.group];
    auto hits = s_->Nearest(g, p.query, kRecommendationPool + seed_tracks.size());
    if (!hits.ok()) return hits.status();
    std::vector<Hit> pool;
    for (const Hit& h : *hits) {
      if (seed_tracks.count(h.track) > 0) continue;
      if (pool.size() == static_cast<std::size_t>(kRecommendationPool)) break;
      pool.push_back(h);
    }
    p.seed.initial_pool_size = static_cast<std::int64_t>(pool.size());
    for (const Hit& h : pool) {
      if (PassesFilters(s_->tracks[h.track], request.filters)) p.ranked.push_back(h);
    }
    p.seed.after_filtering_size = static_cast<std::int64_t>(p.ranked.size());
    p.seed.after_relinking_size = p.seed.after_filtering_size;
    // The penalty is added to the candidate's rank by distance as a share of the pool (0
    // nearest .. <1 farthest), not to the distance itself: distances have no fixed scale, a
    // rank does, so a target 0.1 off costs the same as a tenth of the pool whatever the
    // vectors look like, and one far outlier cannot squash the others together.
    const auto pool_size = static_cast<double>(p.ranked.size());
    std::vector<std::pair<double, Hit>> scored;
    scored.reserve(p.ranked.size());
    for (std::size_t r = 0; r < p.ranked.size(); ++r) {
      const Hit& h = p.ranked[r];
      scored.emplace_back(
          static_cast<double>(r) / pool_size + TargetPenalty(s_->tracks[h.track], request.filters),
          h);
    }
    std::stable_sort(scored.begin(), scored.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (std::size_t i = 0; i < scored.size(); ++i) p.ranked[i] = scored[i].second;
  }

  // The seeds take turns, each adding its best track not yet in the list.
  Recommendations out;
  DuplicateGuard taken(s_->tracks, s_->prints);
  for (std::size_t t : seed_tracks) taken.Add(t);
  const auto limit = static_cast<std::size_t>(request.limit);
  bool progressed = true;
  while (out.tracks.size() < limit && progressed) {
    progressed = false;
    for (Pool& p : pools) {
      if (out.tracks.size() == limit) break;
      while (p.next < p.ranked.size()) {
        const std::size_t t = p.ranked[p.next++].track;
        if (taken.IsDuplicate(t)) continue;
        taken.Add(t);
        out.tracks.push_back(&s_->tracks[t]);
        progressed = true;
        break;
      }
    }
  }
  for (Pool& p : pools) out.seeds.push_back(std::move(p.seed));
  return out;
}

Result<std::vector<const RecTrack*>> Recommender::Path(const std::string& from,
                                                       const std::string& to, int steps) const {
  if (steps < kMinPathSteps || steps > kMaxPathSteps) {
    return Status::InvalidArgument("steps must be " + std::to_string(kMinPathSteps) + ".." +
                                   std::to_string(kMaxPathSteps) + ", not " +
                                   std::to_string(steps));
  }
  auto a = s_->ResolveIndex(from);
  if (!a.ok()) return a.status();
  auto b = s_->ResolveIndex(to);
  if (!b.ok()) return b.status();
  if (*a == *b) return Status::InvalidArgument("a path needs two different tracks");
  if (s_->group_of[*a] != s_->group_of[*b]) {
    return Status::InvalidArgument(
        "tracks of features versions " + std::to_string(s_->tracks[*a].features.features_version) +
        " and " + std::to_string(s_->tracks[*b].features.features_version) +
        " are not comparable: no path between them");
  }
  const Group& g = s_->groups[s_->group_of[*a]];
  if (g.members.size() < static_cast<std::size_t>(steps)) {
    return Status::InvalidArgument("a path of " + std::to_string(steps) + " steps needs " +
                                   std::to_string(steps) + " tracks; there are " +
                                   std::to_string(g.members.size()));
  }

  const std::vector<float>& va = s_->vectors[*a];
  const std::vector<float>& vb = s_->vectors[*b];
  std::vector<const RecTrack*> path = {&s_->tracks[*a]};
  std::unordered_set<std::size_t> used = {*a, *b};
  DuplicateGuard heard(s_->tracks, s_->prints);
  heard.Add(*a);
  heard.Add(*b);
  std::vector<float> point(va.size());
  for (int step = 1; step < steps - 1; ++step) {
    const double share = static_cast<double>(step) / static_cast<double>(steps - 1);
    for (std::size_t i = 0; i < point.size(); ++i) {
      point[i] = static_cast<float>(va[i] + share * (static_cast<double>(vb[i]) - va[i]));
    }
    // The nearest unused track; another copy of a song already on the path only when
    // nothing else is left.
    std::optional<std::size_t> pick;
    std::optional<std::size_t> fallback;
    for (std::size_t k = used.size() + 8;; k = std::min(g.members.size(), k * 4)) {
      auto hits = s_->Nearest(g, point, k);
      if (!hits.ok()) return hits.status();
      for (const Hit& h : *hits) {
        if (used.count(h.track) > 0) continue;
        if (!fallback) fallback = h.track;
        if (!heard.IsDuplicate(h.track)) {
          pick = h.track;
          break;
        }
      }
      if (pick || k >= g.members.size()) break;
    }
    if (!pick) pick = fallback;
    if (!pick) return Status::Internal("path: no unused track left");  // excluded by the size check
    used.insert(*pick);
    heard.Add(*pick);
    path.push_back(&s_->tracks[*pick]);
  }
  path.push_back(&s_->tracks[*b]);
  return path;
}

}  // namespace sonance
