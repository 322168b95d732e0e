#include "sonance/server/api.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "sonance/analysis/analysis_json.h"
#include "sonance/analysis/track_analysis.h"
#include "sonance/catalog/catalog.h"
#include "sonance/common/name_match.h"
#include "sonance/common/utf8.h"
#include "sonance/predict/features.h"
#include "sonance/predict/verdict.h"
#include "sonance/server/prediction_cache.h"

namespace sonance {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxNameLength = 512;
constexpr std::size_t kMaxIdsPerRequest = 100;
constexpr int kSearchMaxLimit = 50;
constexpr int kSearchMaxOffset = 1000;
constexpr std::size_t kSuggestions = 5;

// ---- parameters ----------------------------------------------------------------------------

const std::string& RequiredParam(const HttpRequest& req, const char* name) {
  const std::string* v = req.Query(name);
  if (v == nullptr) {
    throw HttpError(400, std::string("missing required query parameter '") + name + "'");
  }
  if (v->empty()) throw HttpError(400, std::string("query parameter '") + name + "' is empty");
  if (v->size() > kMaxNameLength) {
    throw HttpError(400, std::string("query parameter '") + name + "' is longer than " +
                             std::to_string(kMaxNameLength) + " bytes");
  }
  return *v;
}

std::string OptionalParam(const HttpRequest& req, const char* name) {
  const std::string* v = req.Query(name);
  if (v == nullptr) return {};
  if (v->size() > kMaxNameLength) {
    throw HttpError(400, std::string("query parameter '") + name + "' is longer than " +
                             std::to_string(kMaxNameLength) + " bytes");
  }
  return *v;
}

int IntParam(const HttpRequest& req, const char* name, int fallback, int lo, int hi) {
  const std::string* v = req.Query(name);
  if (v == nullptr) return fallback;
  int out = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || p != v->data() + v->size() || v->empty()) {
    throw HttpError(400, std::string("query parameter '") + name +
                             "' must be a whole number, got '" + *v + "'");
  }
  if (out < lo || out > hi) {
    throw HttpError(400, std::string("query parameter '") + name + "' must be between " +
                             std::to_string(lo) + " and " + std::to_string(hi));
  }
  return out;
}

std::string UrlEncode(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

// ---- JSON shapes ---------------------------------------------------------------------------

json ArtistJson(const std::string& name) {
  const std::string id = EntityId("artist", NormalizeName(name));
  return {{"external_urls", json::object()},
          {"href", nullptr},
          {"id", id},
          {"name", name},
          {"type", "artist"},
          {"uri", "sonance:artist:" + id}};
}

struct ReleaseDate {
  std::string text;
  std::string precision;  // day, month, year or ""
  int year = 0;
  int month = 0;
  int day = 0;
};

ReleaseDate ParseReleaseDate(const std::string& date) {
  ReleaseDate r;
  auto number = [&](std::size_t pos, std::size_t len, int* out) {
    if (date.size() < pos + len) return false;
    auto [p, ec] = std::from_chars(date.data() + pos, date.data() + pos + len, *out);
    return ec == std::errc() && p == date.data() + pos + len;
  };
  if (!number(0, 4, &r.year)) return r;
  r.precision = "year";
  r.text = date.substr(0, 4);
  if (date.size() >= 7 && date[4] == '-' && number(5, 2, &r.month) && r.month >= 1 &&
      r.month <= 12) {
    r.precision = "month";
    r.text = date.substr(0, 7);
    if (date.size() >= 10 && date[7] == '-' && number(8, 2, &r.day) && r.day >= 1 && r.day <= 31) {
      r.precision = "day";
      r.text = date.substr(0, 10);
    } else {
      r.day = 0;
    }
  } else {
    r.month = 0;
  }
  return r;
}

// Features a table did not provide are null, never a default that looks like a value.
json FeaturesJson(const TrackEntry& t) {
  if (!t.features) return nullptr;
  json j = ToJson(*t.features, t.record.id);
  for (const auto& missing : t.record.missing_features) {
    if (j.contains(missing)) j[missing] = nullptr;
  }
  return j;
}

std::optional<int> PopularityOf(const TrackRecord& r) {
  return r.popularity;
}
std::optional<bool> ExplicitOf(const TrackRecord& r) {
  return r.is_explicit;
}

json OptionalJson(const std::optional<int>& v) {
  return v ? json(*v) : json(nullptr);
}

// Tracks whose title matches (and artist, if given), or 404 with the closest suggestions.
const TrackEntry& FindTrackByName(const CatalogSnapshot& snap, const std::string& title,
                                  const std::string& artist) {
  auto found = snap.FindByName(title, artist);
  if (!found.empty()) return *found.front();
  json suggestions = json::array();
  for (const auto& s : snap.Suggest(title, artist, kSuggestions)) {
    if (s.score <= 0.0) continue;
    suggestions.push_back({{"id", s.track->record.id},
                           {"name", s.track->record.tags.title},
                           {"artist", PrimaryArtist(s.track->record)},
                           {"score", std::round(s.score * 1000.0) / 1000.0}});
  }
  std::string what = "no track named '" + title + "'";
  if (!artist.empty()) what += " by '" + artist + "'";
  what += " in the catalog";
  if (!suggestions.empty() && suggestions[0]["score"].get<double>() >= 0.6) {
    what += "; did you mean '" + suggestions[0]["name"].get<std::string>() + "' by '" +
            suggestions[0]["artist"].get<std::string>() + "'?";
  }
  throw HttpError(404, what, {{"suggestions", suggestions}});
}

// ---- context helpers -------------------------------------------------------------------------

std::shared_ptr<const CatalogSnapshot> RequireCatalog(ApiContext& ctx) {
  auto snap = ctx.catalog->Snapshot();
  if (!snap) {
    throw HttpError(503, "the catalog is unavailable: " + ctx.catalog->Availability().message());
  }
  return snap;
}

const TrackEntry& RequireTrackId(const CatalogSnapshot& snap, const std::string& id) {
  if (!LooksLikeTrackId(id)) {
    throw HttpError(400, "invalid track id '" + id + "' (expected 22 base62 characters)");
  }
  const TrackEntry* t = snap.ById(id);
  if (t == nullptr) throw HttpError(404, "no track with id '" + id + "' in the catalog");
  return *t;
}

// ---- direct JSON writing, for the routes that return many tracks ---------------------------

// A JSON string literal as nlohmann writes it (escapes for '"', '\\' and control characters,
// other text as it is); text that is not valid UTF-8 goes through nlohmann, which replaces
// the bad bytes, so both writers always agree.
void AppendJsonString(std::string* out, std::string_view s) {
  if (!IsValidUtf8(s)) {
    *out += json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace);
    return;
  }
  static const char* kHex = "0123456789abcdef";
  out->push_back('"');
  // Runs of characters that need no escape are appended whole: nearly all text is one run.
  std::size_t run = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\b':
        *out += "\\b";
        break;
      case '\f':
        *out += "\\f";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      default:
        *out += "\\u00";
        out->push_back(kHex[c >> 4]);
        out->push_back(kHex[c & 15]);
    }
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
}

void AppendArtistJson(std::string* out, const std::string& name, const std::string& id) {
  *out += R"({"external_urls":{},"href":null,"id":")";
  *out += id;
  *out += R"(","name":)";
  AppendJsonString(out, name);
  *out += R"(,"type":"artist","uri":"sonance:artist:)";
  *out += id;
  *out += R"("})";
}

void AppendOptionalString(std::string* out, const std::string& v) {
  if (v.empty()) {
    *out += "null";
  } else {
    AppendJsonString(out, v);
  }
}

}  // namespace

void AppendSpotifyTrackJson(std::string* out, const TrackEntry& t) {
  const TrackRecord& r = t.record;
  const std::string& album_artist = AlbumArtistOf(r);
  const ReleaseDate date = ParseReleaseDate(r.tags.release_date);
  *out += R"({"album":{"album_type":"album","artists":[)";
  if (!album_artist.empty()) AppendArtistJson(out, album_artist, t.album_artist_id);
  *out += R"(],"external_urls":{},"href":null,"id":")";
  *out += t.album_id;
  *out += R"(","images":[],"name":)";
  AppendJsonString(out, r.tags.album);
  *out += R"(,"release_date":)";
  AppendOptionalString(out, date.text);
  *out += R"(,"release_date_precision":)";
  AppendOptionalString(out, date.precision);
  *out += R"(,"type":"album","uri":"sonance:album:)";
  *out += t.album_id;
  *out += R"("},"artists":[)";
  for (std::size_t i = 0; i < r.tags.artists.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendArtistJson(out, r.tags.artists[i], t.artist_ids[i]);
  }
  *out += R"(],"disc_number":1,"duration_ms":)";
  *out += std::to_string(r.duration_ms);
  *out += R"(,"explicit":)";
  *out += ExplicitOf(r).value_or(false) ? "true" : "false";
  *out += R"(,"external_ids":)";
  if (r.tags.isrc.empty()) {
    *out += "{}";
  } else {
    *out += R"({"isrc":)";
    AppendJsonString(out, r.tags.isrc);
    out->push_back('}');
  }
  *out += R"(,"external_urls":{},"href":)";
  AppendJsonString(out, "/v1/tracks/" + r.id);
  *out += R"(,"id":)";
  AppendJsonString(out, r.id);
  *out += R"(,"is_local":)";
  *out += r.source != "imported" ? "true" : "false";
  *out += R"(,"name":)";
  AppendJsonString(out, r.tags.title);
  *out += R"(,"popularity":)";
  *out += r.popularity ? std::to_string(*r.popularity) : std::string("null");
  *out += R"(,"preview_url":null,"source":)";
  AppendJsonString(out, r.source);
  *out += R"(,"track_number":)";
  *out += std::to_string(r.tags.track_number);
  *out += R"(,"type":"track","uri":)";
  AppendJsonString(out, "sonance:track:" + r.id);
  out->push_back('}');
}

json SpotifyTrackJson(const TrackEntry& t) {
  const TrackRecord& r = t.record;
  json artists = json::array();
  for (const auto& a : r.tags.artists) artists.push_back(ArtistJson(a));
  const std::string album_artist =
      r.tags.album_artist.empty() ? PrimaryArtist(r) : r.tags.album_artist;
  json album_artists = json::array();
  if (!album_artist.empty()) album_artists.push_back(ArtistJson(album_artist));
  const ReleaseDate date = ParseReleaseDate(r.tags.release_date);
  const std::string album_id =
      EntityId("album", NormalizeName(album_artist) + "\n" + NormalizeName(r.tags.album));
  const auto explicit_flag = ExplicitOf(r);
  return {
      {"album",
       {{"album_type", "album"},
        {"artists", album_artists},
        {"external_urls", json::object()},
        {"href", nullptr},
        {"id", album_id},
        {"images", json::array()},
        {"name", r.tags.album},
        {"release_date", date.text.empty() ? json(nullptr) : json(date.text)},
        {"release_date_precision", date.precision.empty() ? json(nullptr) : json(date.precision)},
        {"type", "album"},
        {"uri", "sonance:album:" + album_id}}},
      {"artists", artists},
      {"disc_number", 1},
      {"duration_ms", r.duration_ms},
      {"explicit", explicit_flag.value_or(false)},
      {"external_ids", r.tags.isrc.empty() ? json::object() : json{{"isrc", r.tags.isrc}}},
      {"external_urls", json::object()},
      {"href", "/v1/tracks/" + r.id},
      {"id", r.id},
      {"is_local", r.source != "imported"},
      {"name", r.tags.title},
      {"popularity", OptionalJson(PopularityOf(r))},
      {"preview_url", nullptr},
      {"track_number", r.tags.track_number},
      {"type", "track"},
      {"uri", "sonance:track:" + r.id},
      {"source", r.source},
  };
}

void RegisterServerMetrics(MetricsRegistry& m) {
  m.Counter("request_count", "HTTP requests served, by route pattern, method and status",
            {"route", "method", "status"});
  m.Histogram("request_duration_seconds", "Time to handle an HTTP request, by route and status",
              {"route", "status"});
  m.Gauge("catalog_tracks", "Tracks in the catalog by state", {"state"});
  m.Gauge("catalog_available", "1 while the catalog can be read, 0 otherwise");
  m.Counter("catalog_reloads_total", "Times the in-memory catalog was rebuilt after a change");
  m.Gauge("catalog_reload_seconds", "Duration of the last catalog reload");
  m.Gauge("analysis_tracks", "Tracks by analysis outcome (analysed, failed)", {"outcome"});
  m.Gauge("features_version", "The audio-features version this build computes");
  for (const char* name :
       {"scene_split_time", "esa_vector_generation_time", "story_esa_vector_time",
        "artist_recommendation_time", "top_tracks_retrieval_time",
        "tracks_esa_vector_generation_time", "song_assignment_time"}) {
    m.Histogram(name, std::string("Seconds spent in the ") + name +
                          " step of the soundtrack and recommendation pipelines");
  }
}

void RecordRequestMetrics(MetricsRegistry& m, const RequestRecord& r) {
  static MetricFamily* count = nullptr;
  static MetricFamily* duration = nullptr;
  // Families are registered once, before the server starts; look them up per registry.
  count = m.Find("request_count");
  duration = m.Find("request_duration_seconds");
  const std::string status = std::to_string(r.status);
  if (count != nullptr) count->Increment({r.route, r.method, status});
  if (duration != nullptr) duration->Observe({r.route, status}, r.seconds);
}

namespace {

void UpdateCatalogGauges(ApiContext& ctx) {
  MetricsRegistry& m = *ctx.metrics;
  auto snap = ctx.catalog->Snapshot();
  const bool available = ctx.catalog->Availability().ok();
  m.Find("catalog_available")->Set({}, available ? 1.0 : 0.0);
  m.Find("features_version")->Set({}, kFeaturesVersion);
  m.Find("catalog_reload_seconds")->Set({}, ctx.catalog->last_reload_seconds());
  MetricFamily* reloads = m.Find("catalog_reloads_total");
  reloads->Set({}, static_cast<double>(ctx.catalog->reloads()));
  if (!snap) return;
  const CatalogCounts& c = snap->counts();
  MetricFamily* tracks = m.Find("catalog_tracks");
  tracks->Set({"all"}, static_cast<double>(c.tracks));
  tracks->Set({"analyzed"}, static_cast<double>(c.analyzed));
  tracks->Set({"failed"}, static_cast<double>(c.failed));
  tracks->Set({"missing"}, static_cast<double>(c.missing));
  tracks->Set({"imported"}, static_cast<double>(c.imported));
  MetricFamily* analysis = m.Find("analysis_tracks");
  analysis->Set({"analysed"}, static_cast<double>(c.analyzed));
  analysis->Set({"failed"}, static_cast<double>(c.failed));
}

HttpResponse Health(ApiContext& ctx) {
  const Status avail = ctx.catalog->Availability();
  auto snap = ctx.catalog->Snapshot();
  json catalog = {{"path", ctx.catalog->path().string()}, {"available", avail.ok()}};
  if (!avail.ok()) catalog["error"] = avail.message();
  if (snap) {
    const CatalogCounts& c = snap->counts();
    catalog["tracks"] = c.tracks;
    catalog["analyzed"] = c.analyzed;
    catalog["failed"] = c.failed;
    catalog["missing"] = c.missing;
    catalog["imported"] = c.imported;
  }
  const double uptime =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - ctx.started).count();
  json body = {{"status", avail.ok() ? "ok" : "unavailable"},
               {"version", ctx.version},
               {"features_version", kFeaturesVersion},
               {"uptime_seconds", std::round(uptime * 10.0) / 10.0},
               {"catalog", catalog}};
  return HttpResponse::Json(body, avail.ok() ? 200 : 503);
}

HttpResponse GetTrackData(ApiContext& ctx, const HttpRequest& req) {
  const std::string& name = RequiredParam(req, "track_name");
  const std::string artist = OptionalParam(req, "artist");
  auto snap = RequireCatalog(ctx);
  const TrackEntry& t = FindTrackByName(*snap, name, artist);
  const TrackRecord& r = t.record;
  json artists = json::array();
  for (const auto& a : r.tags.artists) artists.push_back(a);
  json data = {{"name", r.tags.title},
               {"artist", PrimaryArtist(r)},
               {"artists", artists},
               {"album", r.tags.album},
               {"release_date", r.tags.release_date},
               {"genre", r.tags.genre},
               {"duration_ms", r.duration_ms},
               {"popularity", OptionalJson(PopularityOf(r))},
               {"id", r.id},
               {"uri", "sonance:track:" + r.id},
               {"source", r.source},
               {"audio_features", FeaturesJson(t)}};
  return HttpResponse::Json({{"track_data", data}});
}

// MusicFlow's grouping: track, album and audio-feature blocks, with the release date split.
HttpResponse ApiFeatures(ApiContext& ctx, const HttpRequest& req) {
  const std::string& song = RequiredParam(req, "song");
  const std::string artist = OptionalParam(req, "artist");
  auto snap = RequireCatalog(ctx);
  const TrackEntry& t = FindTrackByName(*snap, song, artist);
  const TrackRecord& r = t.record;
  const ReleaseDate date = ParseReleaseDate(r.tags.release_date);
  json track = {{"id", r.id},
                {"track_name", r.tags.title},
                {"artist_name", PrimaryArtist(r)},
                {"num_artists", std::max<std::size_t>(1, r.tags.artists.size())},
                {"duration_ms", r.duration_ms},
                {"explicit", ExplicitOf(r) ? json(*ExplicitOf(r)) : json(nullptr)},
                {"popularity", OptionalJson(PopularityOf(r))},
                {"isrc", r.tags.isrc.empty() ? json(nullptr) : json(r.tags.isrc)}};
  json album = {
      {"album", r.tags.album},
      {"release_date_precision", date.precision.empty() ? json(nullptr) : json(date.precision)},
      {"release_year", date.year > 0 ? json(date.year) : json(nullptr)},
      {"release_month", date.month > 0 ? json(date.month) : json(nullptr)},
      {"release_day", date.day > 0 ? json(date.day) : json(nullptr)},
      {"date_is_complete", date.precision == "day"}};
  json features = nullptr;
  if (t.features) {
    // The twelve model inputs only, rounded like every other features response.
    features = ToJson(*t.features);
    for (const char* k :
         {"id", "uri", "track_href", "analysis_url", "type", "duration_ms", "features_version"}) {
      features.erase(k);
    }
  }
  return HttpResponse::Json({{"track", track}, {"album", album}, {"audio_features", features}});
}

// GET /api/prediction?song=&artist=: MusicFlow's answer, from the current stream model.
HttpResponse ApiPrediction(ApiContext& ctx, const HttpRequest& req) {
  const std::string& song = RequiredParam(req, "song");
  const std::string artist = OptionalParam(req, "artist");
  auto snap = RequireCatalog(ctx);
  const TrackEntry& t = FindTrackByName(*snap, song, artist);
  if (ctx.prediction == nullptr) throw HttpError(503, "predictions are not enabled");
  auto predictor = ctx.prediction->Get();
  if (!predictor.ok()) {
    const StatusCode code = predictor.status().code();
    throw HttpError(code == StatusCode::kNotFound || code == StatusCode::kFailedPrecondition ||
                            code == StatusCode::kCorrupt || code == StatusCode::kIOError
                        ? 503
                        : HttpStatusFor(code),
                    predictor.status().message());
  }
  if (!t.features) {
    throw HttpError(409, "'" + t.record.tags.title + "' has no audio features to predict from");
  }
  auto p = (*predictor)->Predict(BuildStreamFeatureRow(t.record, *t.features));
  if (!p.ok()) throw HttpError(HttpStatusFor(p.status().code()), p.status().message());
  const StreamVerdict v = VerdictFor((*predictor)->meta().transform, p->streams);
  const TrackRecord& r = t.record;
  return HttpResponse::Json(
      {{"song", r.tags.title},
       {"artist", PrimaryArtist(r)},
       {"prediction", p->streams},
       {"description", v.description},
       {"song_metadata",
        {{"song", r.tags.title}, {"artist", r.tags.artists}, {"album", r.tags.album}}},
       {"message", {{"emoji", v.emoji}, {"text", v.text}}},
       {"model_version", (*predictor)->meta().version}});
}

HttpResponse ApiRawFeatures(ApiContext& ctx, const HttpRequest& req) {
  const std::string& song = RequiredParam(req, "song");
  const std::string artist = OptionalParam(req, "artist");
  auto snap = RequireCatalog(ctx);
  const TrackEntry& t = FindTrackByName(*snap, song, artist);
  return HttpResponse::Json({{"track", SpotifyTrackJson(t)}, {"audio_features", FeaturesJson(t)}});
}

HttpResponse V1Track(ApiContext& ctx, const HttpRequest& req) {
  auto snap = RequireCatalog(ctx);
  return HttpResponse::Json(SpotifyTrackJson(RequireTrackId(*snap, req.path_params.at("id"))));
}

HttpResponse V1AudioFeatures(ApiContext& ctx, const HttpRequest& req) {
  auto snap = RequireCatalog(ctx);
  const TrackEntry& t = RequireTrackId(*snap, req.path_params.at("id"));
  if (!t.features) {
    throw HttpError(
        404, "track '" + t.record.id + "' has no audio features (its analysis " +
                 (t.record.state == TrackState::kFailed ? "failed: " + t.record.failure_reason
                                                        : std::string("is missing")) +
                 ")");
  }
  return HttpResponse::Json(FeaturesJson(t));
}

HttpResponse V1SeveralAudioFeatures(ApiContext& ctx, const HttpRequest& req) {
  const std::string* ids_param = req.Query("ids");
  if (ids_param == nullptr || ids_param->empty()) {
    throw HttpError(400, "missing required query parameter 'ids' (comma-separated track ids)");
  }
  std::vector<std::string> ids;
  std::size_t i = 0;
  while (i <= ids_param->size()) {
    const std::size_t comma = std::min(ids_param->find(',', i), ids_param->size());
    ids.push_back(ids_param->substr(i, comma - i));
    i = comma + 1;
  }
  if (ids.size() > kMaxIdsPerRequest) {
    throw HttpError(400, "too many ids: " + std::to_string(ids.size()) + " (at most " +
                             std::to_string(kMaxIdsPerRequest) + ")");
  }
  for (const auto& id : ids) {
    if (!LooksLikeTrackId(id)) {
      throw HttpError(
          400, "invalid track id '" + id.substr(0, 64) + "' (expected 22 base62 characters)");
    }
  }
  auto snap = RequireCatalog(ctx);
  json list = json::array();
  for (const auto& id : ids) {
    const TrackEntry* t = snap->ById(id);
    list.push_back(t == nullptr ? json(nullptr) : FeaturesJson(*t));
  }
  return HttpResponse::Json({{"audio_features", list}});
}

HttpResponse V1AudioAnalysis(ApiContext& ctx, const HttpRequest& req) {
  auto snap = RequireCatalog(ctx);
  const TrackEntry& t = RequireTrackId(*snap, req.path_params.at("id"));
  auto analysis = ctx.catalog->LoadAnalysis(t.record.rowid);
  if (!analysis.ok()) {
    throw HttpError(
        HttpStatusFor(analysis.status().code()) == 400 ? 500
                                                       : HttpStatusFor(analysis.status().code()),
        "cannot read the analysis of '" + t.record.id + "': " + analysis.status().message());
  }
  if (!analysis->has_value()) {
    throw HttpError(404, "track '" + t.record.id + "' has no audio analysis" +
                             (t.record.source == "imported"
                                  ? std::string(" (imported tracks carry audio features only)")
                                  : std::string()));
  }
  return HttpResponse::Json(ToJson(**analysis));
}

HttpResponse V1Search(ApiContext& ctx, const HttpRequest& req) {
  const std::string& q = RequiredParam(req, "q");
  std::string type = "track";
  if (const std::string* t = req.Query("type"); t != nullptr) {
    type = *t;
    bool has_track = false;
    std::size_t i = 0;
    while (i <= type.size()) {
      const std::size_t comma = std::min(type.find(',', i), type.size());
      const std::string one = type.substr(i, comma - i);
      if (one == "track") {
        has_track = true;
      } else if (one != "album" && one != "artist" && one != "playlist" && one != "show" &&
                 one != "episode" && one != "audiobook") {
        throw HttpError(400, "unknown search type '" + one + "'");
      }
      i = comma + 1;
    }
    if (!has_track) {
      throw HttpError(400, "type '" + type +
                               "' is not searchable here: Sonance searches tracks "
                               "(type=track)");
    }
  }
  const int limit = IntParam(req, "limit", 20, 0, kSearchMaxLimit);
  const int offset = IntParam(req, "offset", 0, 0, kSearchMaxOffset);
  auto parsed = ParseSearchQuery(q);
  if (!parsed.ok()) throw HttpError(400, parsed.status().message());
  auto snap = RequireCatalog(ctx);
  const SearchPage page =
      snap->Search(*parsed, static_cast<std::size_t>(offset), static_cast<std::size_t>(limit));
  auto href = [&](int off) {
    return "/v1/search?q=" + UrlEncode(q) + "&type=track&offset=" + std::to_string(off) +
           "&limit=" + std::to_string(limit);
  };
  const auto total = static_cast<long long>(page.total);
  json next = nullptr;
  if (limit > 0 && offset + limit < total && offset + limit <= kSearchMaxOffset) {
    next = href(offset + limit);
  }
  json previous = nullptr;
  if (offset > 0) previous = href(std::max(0, offset - std::max(limit, 1)));
  // Written directly: building 20 track objects as a JSON tree, then printing it, costs more
  // than the search itself. The bytes equal json{...}.dump() (keys in the same sorted order).
  HttpResponse r;
  std::string& body = r.body;
  body.reserve(512 + page.items.size() * 1024);
  body += R"({"tracks":{"href":)";
  AppendJsonString(&body, href(offset));
  body += R"(,"items":[)";
  for (std::size_t i = 0; i < page.items.size(); ++i) {
    if (i > 0) body.push_back(',');
    AppendSpotifyTrackJson(&body, *page.items[i]);
  }
  body += R"(],"limit":)";
  body += std::to_string(limit);
  body += R"(,"next":)";
  body += next.dump(-1, ' ', false, json::error_handler_t::replace);
  body += R"(,"offset":)";
  body += std::to_string(offset);
  body += R"(,"previous":)";
  body += previous.dump(-1, ' ', false, json::error_handler_t::replace);
  body += R"(,"total":)";
  body += std::to_string(total);
  body += "}}";
  return r;
}

HttpResponse Metrics(ApiContext& ctx) {
  UpdateCatalogGauges(ctx);
  HttpResponse r;
  r.body = ctx.metrics->Render();
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  return r;
}

}  // namespace

void RegisterApiRoutes(HttpServer& server, ApiContext& ctx) {
  ApiContext* c = &ctx;
  // Lookups by id or name and search are short and bounded: they run on the event loops. (A
  // name miss scores only a few hundred trigram-index candidates for its suggestions, see
  // CatalogSnapshot::Suggest, not every title.) What reads the catalog file (audio analysis)
  // runs on the workers.
  constexpr RouteMode kInline = RouteMode::kInline;
  server.Route(
      "GET", "/",
      [](const HttpRequest&) {
        return HttpResponse::Json({{"message", "Welcome to the Sonance API!"}});
      },
      kInline);
  server.Route(
      "GET", "/api/health", [c](const HttpRequest&) { return Health(*c); }, kInline);
  server.Route(
      "GET", "/get_track_data", [c](const HttpRequest& r) { return GetTrackData(*c, r); }, kInline);
  server.Route(
      "GET", "/api/features", [c](const HttpRequest& r) { return ApiFeatures(*c, r); }, kInline);
  server.Route(
      "GET", "/api/raw_features", [c](const HttpRequest& r) { return ApiRawFeatures(*c, r); },
      kInline);
  server.Route(
      "GET", "/v1/tracks/{id}", [c](const HttpRequest& r) { return V1Track(*c, r); }, kInline);
  server.Route(
      "GET", "/v1/audio-features",
      [c](const HttpRequest& r) { return V1SeveralAudioFeatures(*c, r); }, kInline);
  server.Route(
      "GET", "/v1/audio-features/{id}",
      [c](const HttpRequest& r) { return V1AudioFeatures(*c, r); }, kInline);
  server.Route("GET", "/v1/audio-analysis/{id}",
               [c](const HttpRequest& r) { return V1AudioAnalysis(*c, r); });
  server.Route(
      "GET", "/v1/search", [c](const HttpRequest& r) { return V1Search(*c, r); }, kInline);
  server.Route(
      "GET", "/metrics", [c](const HttpRequest&) { return Metrics(*c); }, kInline);
  RegisterRecommendRoutes(server, ctx);
  RegisterSemanticRoutes(server, ctx);
  server.Route("GET", "/api/prediction",
               [c](const HttpRequest& r) { return ApiPrediction(*c, r); });
  const std::string version = ctx.version;
  server.Route(
      "GET", "/openapi.json",
      [version](const HttpRequest&) { return HttpResponse::Json(OpenApiDocument(version)); },
      kInline);
  server.Route(
      "GET", "/docs",
      [](const HttpRequest&) {
        HttpResponse r;
        r.body = ApiDocsPage();
        r.content_type = "text/html; charset=utf-8";
        return r;
      },
      kInline);
}

}  // namespace sonance
