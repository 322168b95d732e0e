// The routes of `sonance serve`: the original systems' shapes, the Spotify-compatible /v1
// endpoints, health, metrics and the OpenAPI description, wired onto an HttpServer.
//
// Handlers read one CatalogSnapshot per request (so a request sees one consistent catalog),
// translate a Status into the JSON error shape, and never block on a catalog writer.
// docs/server.md describes every route; /openapi.json is generated from the same table.
//
// Thread-safety: after RegisterApiRoutes the handlers may run concurrently; ApiContext's
// members must outlive the server. Ownership: the context is borrowed, not owned.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "sonance/server/catalog_view.h"
#include "sonance/server/http_transport.h"
#include "sonance/server/metrics.h"
#include "sonance/server/recommender_cache.h"

namespace sonance {

class SemanticCache;
class PredictionCache;

struct ApiContext {
  CatalogView* catalog = nullptr;
  MetricsRegistry* metrics = nullptr;
  RecommenderCache* recommender = nullptr;  // null: recommendation routes answer 503
  SemanticCache* semantic = nullptr;        // null: the text routes answer 503
  PredictionCache* prediction = nullptr;    // null: /api/prediction answers 503
  std::string version;                      // the Sonance version reported by /api/health
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

// Declares every metric family the server exposes: request_count and
// request_duration_seconds by route, method and status; catalog gauges; and the timing
// histograms of the text and recommendation pipelines (empty until those run).
void RegisterServerMetrics(MetricsRegistry& metrics);

// Records one finished request in request_count and request_duration_seconds.
void RecordRequestMetrics(MetricsRegistry& metrics, const RequestRecord& record);

// Every route, including RegisterRecommendRoutes'.
void RegisterApiRoutes(HttpServer& server, ApiContext& context);
// POST /api/playlist, GET /v1/recommendations, GET /api/path (recommend_api.cpp).
void RegisterRecommendRoutes(HttpServer& server, ApiContext& context);
// POST /generate_soundtrack, GET /api/lyrics/search (semantic_api.cpp).
void RegisterSemanticRoutes(HttpServer& server, ApiContext& context);

// The OpenAPI 3.1 document served at /openapi.json, and the HTML page served at /docs.
nlohmann::json OpenApiDocument(const std::string& version);
std::string ApiDocsPage();

// Spotify-shaped objects for one catalog track (also used by other modules' responses).
nlohmann::json SpotifyTrackJson(const TrackEntry& track);
// The same object written straight into `out` (the bytes of SpotifyTrackJson(track).dump()),
// for responses with many tracks.
void AppendSpotifyTrackJson(std::string* out, const TrackEntry& track);

}  // namespace sonance
