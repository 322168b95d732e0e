// The text routes: POST /generate_soundtrack and GET /api/lyrics/search.
#include <charconv>

#include "sonance/semantic/json.h"
#include "sonance/server/api.h"
#include "sonance/server/semantic_cache.h"
#include "sonance/text/soundtrack.h"

namespace sonance {

using nlohmann::json;

namespace {

constexpr std::size_t kArtistSuggestions = 5;

std::shared_ptr<const SemanticLibrary> RequireLibrary(ApiContext& ctx) {
  if (ctx.semantic == nullptr) throw HttpError(503, "the text routes are not enabled");
  auto library = ctx.semantic->Get();
  if (!library.ok()) {
    const StatusCode code = library.status().code();
    throw HttpError(code == StatusCode::kFailedPrecondition || code == StatusCode::kIOError
                        ? 503
                        : HttpStatusFor(code),
                    library.status().message());
  }
  return *library;
}

void ObserveTimings(MetricsRegistry* metrics, const SoundtrackTimings& t) {
  if (metrics == nullptr) return;
  const std::pair<const char*, double> steps[] = {
      {"scene_split_time", t.scene_split},
      {"esa_vector_generation_time", t.esa_vectors},
      {"story_esa_vector_time", t.story_vector},
      {"artist_recommendation_time", t.artist_recommendation},
      {"top_tracks_retrieval_time", t.top_tracks},
      {"tracks_esa_vector_generation_time", t.track_vectors},
      {"song_assignment_time", t.assignment}};
  for (const auto& [name, seconds] : steps) {
    if (MetricFamily* f = metrics->Find(name); f != nullptr) f->Observe({}, seconds);
  }
}

HttpResponse GenerateSoundtrackRoute(ApiContext& ctx, const HttpRequest& req) {
  json body;
  try {
    body = json::parse(req.body);
  } catch (const json::exception& e) {
    throw HttpError(400, std::string("the body is not valid JSON: ") + e.what());
  }
  if (!body.is_object()) throw HttpError(400, "the body must be a JSON object");
  auto story = body.find("storyline");
  if (story == body.end() || !story->is_string()) {
    throw HttpError(400, "'storyline' (a string) is required");
  }
  const std::string& text = story->get_ref<const std::string&>();
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    throw HttpError(400, "'storyline' is empty");
  }
  if (CountCharacters(text) > kMaxStoryCharacters) {
    throw HttpError(413, "'storyline' has " + std::to_string(CountCharacters(text)) +
                             " characters; the limit is " + std::to_string(kMaxStoryCharacters));
  }
  SoundtrackOptions options;
  if (auto a = body.find("artist"); a != body.end() && !a->is_null()) {
    if (!a->is_string()) throw HttpError(400, "'artist' must be a string");
    options.artist = a->get<std::string>();
  }
  const auto library = RequireLibrary(ctx);
  auto result =
      GenerateSoundtrack(text, library->songs(), library->esa(), library->mood(), options);
  if (!result.ok()) {
    if (result.status().code() == StatusCode::kNotFound && !options.artist.empty()) {
      throw HttpError(
          404, result.status().message(),
          {{"suggestions", SuggestArtists(options.artist, library->songs(), kArtistSuggestions)}});
    }
    throw HttpError(HttpStatusFor(result.status().code()), result.status().message());
  }
  ObserveTimings(ctx.metrics, result->timings);
  return HttpResponse::Json(SoundtrackJson(*result));
}

HttpResponse LyricsSearchRoute(ApiContext& ctx, const HttpRequest& req) {
  const std::string* q = req.Query("q");
  if (q == nullptr) throw HttpError(400, "the query parameter 'q' is required");
  if (q->size() > 10000) throw HttpError(413, "'q' is longer than 10000 bytes");
  int limit = 10;
  if (const std::string* l = req.Query("limit"); l != nullptr) {
    const auto [end, ec] = std::from_chars(l->data(), l->data() + l->size(), limit);
    if (ec != std::errc() || end != l->data() + l->size() || limit < 1 || limit > 50) {
      throw HttpError(400, "'limit' must be an integer from 1 to 50, got '" + *l + "'");
    }
  }
  const auto library = RequireLibrary(ctx);
  auto result = library->SearchLyrics(*q, static_cast<std::size_t>(limit));
  if (!result.ok())
    throw HttpError(HttpStatusFor(result.status().code()), result.status().message());
  return HttpResponse::Json(LyricsSearchJson(*library, *q, *result));
}

}  // namespace

void RegisterSemanticRoutes(HttpServer& server, ApiContext& context) {
  ApiContext* c = &context;
  server.Route("POST", "/generate_soundtrack",
               [c](const HttpRequest& r) { return GenerateSoundtrackRoute(*c, r); });
  server.Route("GET", "/api/lyrics/search",
               [c](const HttpRequest& r) { return LyricsSearchRoute(*c, r); });
}

}  // namespace sonance
