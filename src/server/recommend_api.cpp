// The recommendation routes: POST /api/playlist, GET /v1/recommendations, GET /api/path.
#include <charconv>
#include <cmath>

#include "sonance/recommend/harmonic_order.h"
#include "sonance/recommend/playlist_export.h"
#include "sonance/recommend/recommender.h"
#include "sonance/server/api.h"
#include "sonance/server/recommender_cache.h"

namespace sonance {

using nlohmann::json;

namespace {

constexpr int kMaxPlaylistSeeds = 50;
constexpr std::size_t kMaxSeedLength = 512;

[[noreturn]] void Fail(const Status& s) {
  throw HttpError(HttpStatusFor(s.code()), s.message());
}

template <typename T>
T Unwrap(Result<T> r) {
  if (!r.ok()) Fail(r.status());
  return std::move(r).value();
}

std::shared_ptr<const RecommenderEntry> RequireRecommender(ApiContext& ctx) {
  if (ctx.recommender == nullptr) throw HttpError(503, "recommendations are not enabled");
  return Unwrap(ctx.recommender->Get());
}

const TrackEntry& EntryOf(const RecommenderEntry& e, const RecTrack& t) {
  const TrackEntry* entry = e.snapshot->ById(t.record.id);
  if (entry == nullptr) throw HttpError(500, "track " + t.record.id + " is not in the snapshot");
  return *entry;
}

double Round(double v, double scale = 1000.0) {
  return std::round(v * scale) / scale;
}

json SeedJson(const RecTrack& t) {
  return {
      {"id", t.record.id},
      {"name", t.record.tags.title},
      {"artist", t.record.tags.artists.empty() ? json(nullptr) : json(t.record.tags.artists[0])}};
}

// ---- filters ---------------------------------------------------------------------------------

// Parses "min_tempo" / "max_energy" / "target_key" into `filters`; false when `name` is
// not a filter name at all.
bool SetFilter(AttributeFilters* filters, const std::string& name, double value) {
  static const std::pair<const char*, std::optional<double> AttributeBounds::*> kKinds[] = {
      {"min_", &AttributeBounds::min},
      {"max_", &AttributeBounds::max},
      {"target_", &AttributeBounds::target}};
  for (const auto& [prefix, member] : kKinds) {
    const std::string p = prefix;
    if (name.rfind(p, 0) != 0) continue;
    const std::string attr = name.substr(p.size());
    const auto& known = TunableAttributes();
    if (std::find(known.begin(), known.end(), attr) == known.end()) {
      throw HttpError(
          400, "unknown attribute in '" + name + "'; tunable attributes are " + [&] {
            std::string all;
            for (const auto& a : known) all += (all.empty() ? "" : ", ") + a;
            return all;
          }());
    }
    (*filters)[attr].*member = value;
    return true;
  }
  return false;
}

double ParseNumber(const std::string& name, const std::string& text) {
  double v = 0.0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || p != text.data() + text.size() || !std::isfinite(v)) {
    throw HttpError(400,
                    "parameter '" + name + "' must be a number, got '" + text.substr(0, 64) + "'");
  }
  return v;
}

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  if (s.empty()) return out;
  std::size_t i = 0;
  while (i <= s.size()) {
    const std::size_t comma = std::min(s.find(',', i), s.size());
    std::string one = s.substr(i, comma - i);
    if (one.empty()) throw HttpError(400, "empty item in the list '" + s.substr(0, 64) + "'");
    if (one.size() > kMaxSeedLength) throw HttpError(400, "list item longer than 512 bytes");
    out.push_back(std::move(one));
    i = comma + 1;
  }
  return out;
}

// ---- POST /api/playlist ------------------------------------------------------------------------

template <typename T>
T Field(const json& body, const char* name, T fallback) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return fallback;
  try {
    return it->get<T>();
  } catch (const json::exception&) {
    throw HttpError(400, std::string("field '") + name + "' has the wrong type");
  }
}

int IntField(const json& body, const char* name, int fallback) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return fallback;
  if (!it->is_number_integer()) {
    throw HttpError(400, std::string("field '") + name + "' must be a whole number");
  }
  const auto v = it->get<long long>();
  if (v < -1000000 || v > 1000000) {
    throw HttpError(400, std::string("field '") + name + "' is out of range");
  }
  return static_cast<int>(v);
}

HttpResponse PostPlaylist(ApiContext& ctx, const HttpRequest& req) {
  json body;
  try {
    body = json::parse(req.body);
  } catch (const json::exception& e) {
    throw HttpError(400, std::string("the body is not valid JSON: ") + e.what());
  }
  if (!body.is_object()) throw HttpError(400, "the body must be a JSON object");
  PlaylistRequest pr;
  auto seeds = body.find("seeds");
  if (seeds == body.end() || !seeds->is_array() || seeds->empty()) {
    throw HttpError(400,
                    "field 'seeds' is required: a non-empty array of track ids or "
                    "\"Artist - Title\" names");
  }
  if (seeds->size() > kMaxPlaylistSeeds) {
    throw HttpError(400, "too many seeds: " + std::to_string(seeds->size()) + " (at most " +
                             std::to_string(kMaxPlaylistSeeds) + ")");
  }
  for (const json& s : *seeds) {
    if (!s.is_string() || s.get<std::string>().empty()) {
      throw HttpError(400, "every seed must be a non-empty string");
    }
    if (s.get<std::string>().size() > kMaxSeedLength) {
      throw HttpError(400, "a seed is longer than 512 bytes");
    }
    pr.seeds.push_back(s.get<std::string>());
  }
  pr.per_seed = IntField(body, "per_seed", 3);
  pr.size = IntField(body, "size", 0);
  pr.partial = Field<bool>(body, "partial", false);
  const std::string order = Field<std::string>(body, "order", "seeds");
  if (order != "seeds" && order != "harmonic") {
    throw HttpError(400, "field 'order' must be \"seeds\" or \"harmonic\"");
  }
  const std::string format = Field<std::string>(body, "format", "json");
  std::optional<PlaylistFormat> export_format;
  if (format != "json") {
    auto f = ParsePlaylistFormat(format);
    if (!f.ok()) throw HttpError(400, f.status().message());
    export_format = *f;
  }
  if (auto filters = body.find("filters"); filters != body.end() && !filters->is_null()) {
    if (!filters->is_object()) throw HttpError(400, "field 'filters' must be an object");
    for (auto it = filters->begin(); it != filters->end(); ++it) {
      if (it.key() == "max_per_artist" || it.key() == "max_per_album") {
        (it.key() == "max_per_artist" ? pr.max_per_artist : pr.max_per_album) =
            IntField(*filters, it.key().c_str(), 0);
        continue;
      }
      if (!it->is_number()) {
        throw HttpError(400, "filter '" + it.key() + "' must be a number");
      }
      if (!SetFilter(&pr.filters, it.key(), it->get<double>())) {
        throw HttpError(400, "unknown filter '" + it.key() +
                                 "' (max_per_artist, max_per_album, min_/max_/target_<attribute>)");
      }
    }
  }
  auto entry = RequireRecommender(ctx);
  Playlist playlist = Unwrap(entry->recommender->BuildPlaylist(pr));

  std::vector<std::size_t> positions(playlist.entries.size());
  for (std::size_t i = 0; i < positions.size(); ++i) positions[i] = i;
  if (order == "harmonic") {
    std::vector<KeyTempo> keys;
    for (const auto& e : playlist.entries) keys.push_back(KeyTempoOf(*e.track));
    positions = OrderHarmonically(keys);
  }

  if (export_format) {
    std::vector<const RecTrack*> tracks;
    for (std::size_t p : positions) tracks.push_back(playlist.entries[p].track);
    PlaylistMeta meta;
    meta.title = Field<std::string>(body, "title", "Sonance playlist");
    std::string from;
    for (const RecTrack* s : playlist.seeds) from += (from.empty() ? "" : "; ") + DisplayName(*s);
    meta.annotation = std::to_string(pr.per_seed) + " tracks per seed from: " + from;
    HttpResponse r;
    r.body = ExportPlaylist(tracks, meta, *export_format);
    r.content_type = std::string(PlaylistMediaType(*export_format)) + "; charset=utf-8";
    return r;
  }

  json seeds_json = json::array();
  for (const RecTrack* s : playlist.seeds)
    seeds_json.push_back(SpotifyTrackJson(EntryOf(*entry, *s)));
  json tracks = json::array();
  for (std::size_t p : positions) {
    const PlaylistEntry& e = playlist.entries[p];
    const AudioFeatures& f = e.track->features;
    tracks.push_back({{"track", SpotifyTrackJson(EntryOf(*entry, *e.track))},
                      {"seed", SeedJson(*e.seed)},
                      {"distance", Round(e.distance)},
                      {"closest_features", e.closest_features},
                      {"camelot", CamelotCode(KeyTempoOf(*e.track).key, f.mode)},
                      {"tempo", Round(f.tempo, 10.0)}});
  }
  return HttpResponse::Json({{"seeds", seeds_json},
                             {"skipped_seeds", playlist.skipped_seeds},
                             {"order", order},
                             {"total", tracks.size()},
                             {"tracks", tracks}});
}

// ---- GET /v1/recommendations -------------------------------------------------------------------

HttpResponse V1Recommendations(ApiContext& ctx, const HttpRequest& req) {
  RecommendationsRequest rr;
  rr.limit = 20;
  for (const auto& [name, value] : req.query) {
    if (name == "seed_tracks") {
      rr.seed_tracks = SplitList(value);
    } else if (name == "seed_artists") {
      rr.seed_artists = SplitList(value);
    } else if (name == "seed_genres") {
      rr.seed_genres = SplitList(value);
    } else if (name == "limit") {
      const double v = ParseNumber(name, value);
      if (v != std::floor(v) || v < 1 || v > 100) {
        throw HttpError(400, "parameter 'limit' must be a whole number from 1 to 100");
      }
      rr.limit = static_cast<int>(v);
    } else if (name == "market") {
      continue;  // accepted for compatibility; the catalog has no markets
    } else if (!SetFilter(&rr.filters, name, ParseNumber(name, value))) {
      throw HttpError(400, "unknown parameter '" + name.substr(0, 64) + "'");
    }
  }
  const std::size_t seeds = rr.seed_tracks.size() + rr.seed_artists.size() + rr.seed_genres.size();
  if (seeds == 0) {
    throw HttpError(400, "at least one of seed_tracks, seed_artists, seed_genres is required");
  }
  if (seeds > 5) {
    throw HttpError(400, "at most 5 seeds in all (seed_tracks + seed_artists + seed_genres), got " +
                             std::to_string(seeds));
  }
  if (Status s = ValidateFilters(rr.filters); !s.ok()) Fail(s);
  auto entry = RequireRecommender(ctx);
  Recommendations recs = Unwrap(entry->recommender->Recommend(rr));
  json tracks = json::array();
  for (const RecTrack* t : recs.tracks) tracks.push_back(SpotifyTrackJson(EntryOf(*entry, *t)));
  json seeds_json = json::array();
  for (const RecommendationSeed& s : recs.seeds) {
    std::string href;
    if (s.type == "TRACK") href = "/v1/tracks/" + s.id;
    seeds_json.push_back({{"afterFilteringSize", s.after_filtering_size},
                          {"afterRelinkingSize", s.after_relinking_size},
                          {"href", href.empty() ? json(nullptr) : json(href)},
                          {"id", s.id},
                          {"initialPoolSize", s.initial_pool_size},
                          {"type", s.type}});
  }
  return HttpResponse::Json({{"seeds", seeds_json}, {"tracks", tracks}});
}

// ---- GET /api/path
// -------------------------------------------------------------------------------

HttpResponse ApiPath(ApiContext& ctx, const HttpRequest& req) {
  auto param = [&](const char* name) {
    const std::string* v = req.Query(name);
    if (v == nullptr || v->empty()) {
      throw HttpError(400, std::string("missing required query parameter '") + name + "'");
    }
    if (v->size() > kMaxSeedLength) {
      throw HttpError(400, std::string("query parameter '") + name + "' is too long");
    }
    return *v;
  };
  const std::string from = param("from");
  const std::string to = param("to");
  int steps = 8;
  if (const std::string* v = req.Query("steps"); v != nullptr) {
    const double d = ParseNumber("steps", *v);
    if (d != std::floor(d) || d < 2 || d > 100) {
      throw HttpError(400, "parameter 'steps' must be a whole number from 2 to 100");
    }
    steps = static_cast<int>(d);
  }
  auto entry = RequireRecommender(ctx);
  auto path = Unwrap(entry->recommender->Path(from, to, steps));
  json tracks = json::array();
  for (std::size_t i = 0; i < path.size(); ++i) {
    json item = {{"track", SpotifyTrackJson(EntryOf(*entry, *path[i]))}};
    if (i > 0) {
      item["distance_from_previous"] =
          Round(Unwrap(entry->recommender->Distance(*path[i - 1], *path[i])));
    }
    tracks.push_back(std::move(item));
  }
  return HttpResponse::Json({{"from", path.front()->record.id},
                             {"to", path.back()->record.id},
                             {"steps", path.size()},
                             {"tracks", tracks}});
}

}  // namespace

void RegisterRecommendRoutes(HttpServer& server, ApiContext& ctx) {
  ApiContext* c = &ctx;
  server.Route("POST", "/api/playlist", [c](const HttpRequest& r) { return PostPlaylist(*c, r); });
  server.Route("GET", "/v1/recommendations",
               [c](const HttpRequest& r) { return V1Recommendations(*c, r); });
  server.Route("GET", "/api/path", [c](const HttpRequest& r) { return ApiPath(*c, r); });
}

}  // namespace sonance
