// The OpenAPI 3.1 description of every route, and a small HTML page that renders it.
#include <string>
#include <vector>

#include "sonance/server/api.h"

namespace sonance {

using nlohmann::json;

namespace {

struct Param {
  const char* name;
  const char* in;  // query or path
  bool required;
  json schema;
  const char* description;
};

struct Operation {
  const char* path;
  const char* id;
  const char* tag;
  const char* summary;
  std::vector<Param> params;
  json ok_schema;
  std::vector<int> errors;
  const char* content_type = "application/json";
  const char* method = "get";
  json request_body = nullptr;  // schema of a JSON body (POST)
};

json Ref(const char* name) {
  return {{"$ref", std::string("#/components/schemas/") + name}};
}

json Nullable(const char* type) {
  return {{"type", json::array({type, "null"})}};
}

json Schemas() {
  json unit = {{"type", "number"}, {"minimum", 0}, {"maximum", 1}};
  json features = {
      {"type", "object"},
      {"description", "Spotify's audio-features object"},
      {"required", json::array({"danceability", "energy", "key", "loudness", "mode", "speechiness",
                                "acousticness", "instrumentalness", "liveness", "valence", "tempo",
                                "time_signature", "duration_ms", "id", "uri", "track_href",
                                "analysis_url", "type"})},
      {"properties",
       {{"danceability", unit},
        {"energy", unit},
        {"key", {{"type", "integer"}, {"minimum", -1}, {"maximum", 11}}},
        {"loudness", {{"type", "number"}, {"description", "integrated loudness, dB"}}},
        {"mode", {{"type", "integer"}, {"enum", json::array({0, 1})}}},
        {"speechiness", unit},
        {"acousticness", unit},
        {"instrumentalness", unit},
        {"liveness", unit},
        {"valence", unit},
        {"tempo", {{"type", "number"}, {"description", "beats per minute"}}},
        {"time_signature", {{"type", "integer"}, {"minimum", 3}, {"maximum", 7}}},
        {"duration_ms", {{"type", "integer"}}},
        {"id", {{"type", "string"}}},
        {"uri", {{"type", "string"}}},
        {"track_href", {{"type", "string"}}},
        {"analysis_url", {{"type", "string"}}},
        {"type", {{"const", "audio_features"}}}}}};
  json artist = {{"type", "object"},
                 {"properties",
                  {{"id", {{"type", "string"}}},
                   {"name", {{"type", "string"}}},
                   {"type", {{"const", "artist"}}},
                   {"uri", {{"type", "string"}}}}}};
  json track = {
      {"type", "object"},
      {"description", "Spotify's track object; `source` says whether it was analysed or imported"},
      {"properties",
       {{"album",
         {{"type", "object"},
          {"properties",
           {{"name", {{"type", "string"}}},
            {"release_date", Nullable("string")},
            {"release_date_precision", Nullable("string")},
            {"artists", {{"type", "array"}, {"items", Ref("Artist")}}}}}}},
        {"artists", {{"type", "array"}, {"items", Ref("Artist")}}},
        {"duration_ms", {{"type", "integer"}}},
        {"explicit", {{"type", "boolean"}}},
        {"external_ids", {{"type", "object"}}},
        {"href", {{"type", "string"}}},
        {"id", {{"type", "string"}}},
        {"is_local", {{"type", "boolean"}}},
        {"name", {{"type", "string"}}},
        {"popularity", Nullable("integer")},
        {"track_number", {{"type", "integer"}}},
        {"type", {{"const", "track"}}},
        {"uri", {{"type", "string"}}},
        {"source", {{"enum", json::array({"analyzed", "imported"})}}}}}};
  json time_interval = {{"type", "object"},
                        {"properties",
                         {{"start", {{"type", "number"}}},
                          {"duration", {{"type", "number"}}},
                          {"confidence", {{"type", "number"}}}}}};
  json analysis = {{"type", "object"},
                   {"description", "Spotify's audio-analysis object (docs/features.md)"},
                   {"properties",
                    {{"meta", {{"type", "object"}}},
                     {"track", {{"type", "object"}}},
                     {"bars", {{"type", "array"}, {"items", Ref("TimeInterval")}}},
                     {"beats", {{"type", "array"}, {"items", Ref("TimeInterval")}}},
                     {"tatums", {{"type", "array"}, {"items", Ref("TimeInterval")}}},
                     {"sections", {{"type", "array"}, {"items", {{"type", "object"}}}}},
                     {"segments", {{"type", "array"}, {"items", {{"type", "object"}}}}}}}};
  json error = {{"type", "object"},
                {"required", json::array({"error"})},
                {"properties",
                 {{"error",
                   {{"type", "object"},
                    {"required", json::array({"status", "message", "id"})},
                    {"properties",
                     {{"status", {{"type", "integer"}}},
                      {"message", {{"type", "string"}}},
                      {"id", {{"type", "string"}, {"description", "also in the server log"}}},
                      {"suggestions",
                       {{"type", "array"},
                        {"description", "closest tracks, on a 404 for a name"},
                        {"items",
                         {{"type", "object"},
                          {"properties",
                           {{"id", {{"type", "string"}}},
                            {"name", {{"type", "string"}}},
                            {"artist", {{"type", "string"}}},
                            {"score", {{"type", "number"}}}}}}}}}}}}}}}};
  json paging = {{"type", "object"},
                 {"properties",
                  {{"href", {{"type", "string"}}},
                   {"items", {{"type", "array"}, {"items", Ref("Track")}}},
                   {"limit", {{"type", "integer"}}},
                   {"next", Nullable("string")},
                   {"offset", {{"type", "integer"}}},
                   {"previous", Nullable("string")},
                   {"total", {{"type", "integer"}}}}}};
  return {{"AudioFeatures", features},     {"Artist", artist},          {"Track", track},
          {"TimeInterval", time_interval}, {"AudioAnalysis", analysis}, {"Error", error},
          {"TrackPaging", paging}};
}

const char* ErrorDescription(int status) {
  switch (status) {
    case 400:
      return "a parameter is missing, malformed or out of range";
    case 404:
      return "no such track (for names: with the closest suggestions)";
    case 405:
      return "the path exists but not for this method";
    case 409:
      return "the catalog has no tracks with audio features yet (run sonance analyze or sonance "
             "import tracks)";
    case 413:
      return "the request body is larger than max_body_bytes";
    case 503:
      return "the catalog is unavailable";
    default:
      return "internal error (a bug); the id leads to the log entry";
  }
}

}  // namespace

json OpenApiDocument(const std::string& version) {
  const json string_schema = {{"type", "string"}};
  const json id_param_schema = {{"type", "string"}, {"pattern", "^[0-9A-Za-z]{22}$"}};
  const std::vector<Operation> ops = {
      {"/",
       "welcome",
       "service",
       "Welcome message",
       {},
       {{"type", "object"}, {"properties", {{"message", string_schema}}}},
       {}},
      {"/api/health",
       "health",
       "service",
       "Status, version, catalog counts and features version (503 while the catalog is "
       "unavailable)",
       {},
       {{"type", "object"},
        {"properties",
         {{"status", {{"enum", json::array({"ok", "unavailable"})}}},
          {"version", string_schema},
          {"features_version", {{"type", "integer"}}},
          {"catalog", {{"type", "object"}}}}}},
       {503}},
      {"/get_track_data",
       "getTrackData",
       "original",
       "A track's data by name (forgiving match; 404 with suggestions)",
       {{"track_name", "query", true, string_schema, "track title, or \"Artist - Title\""},
        {"artist", "query", false, string_schema, "narrow to this artist"}},
       {{"type", "object"}, {"properties", {{"track_data", {{"type", "object"}}}}}},
       {400, 404, 503}},
      {"/api/features",
       "features",
       "original",
       "MusicFlow's grouped features: track, album (release date split) and audio_features",
       {{"song", "query", true, string_schema, "track title"},
        {"artist", "query", false, string_schema, "artist name"}},
       {{"type", "object"},
        {"properties",
         {{"track", {{"type", "object"}}},
          {"album", {{"type", "object"}}},
          {"audio_features", {{"type", json::array({"object", "null"})}}}}}},
       {400, 404, 503}},
      {"/api/raw_features",
       "rawFeatures",
       "original",
       "The unprocessed track and audio-features objects",
       {{"song", "query", true, string_schema, "track title"},
        {"artist", "query", false, string_schema, "artist name"}},
       {{"type", "object"},
        {"properties", {{"track", Ref("Track")}, {"audio_features", Ref("AudioFeatures")}}}},
       {400, 404, 503}},
      {"/api/prediction",
       "prediction",
       "original",
       "MusicFlow's stream prediction for a song by the current model (`sonance model train`), "
       "with its verdict (docs/prediction.md)",
       {{"song", "query", true, string_schema, "track title"},
        {"artist", "query", false, string_schema, "artist name"}},
       {{"type", "object"},
        {"properties",
         {{"song", string_schema},
          {"artist", string_schema},
          {"prediction", {{"type", "number"}}},
          {"description", string_schema},
          {"song_metadata", {{"type", "object"}}},
          {"message",
           {{"type", "object"},
            {"properties", {{"emoji", string_schema}, {"text", string_schema}}}}},
          {"model_version", {{"type", "integer"}}}}}},
       {400, 404, 409, 503}},
      {"/v1/tracks/{id}",
       "getTrack",
       "spotify",
       "A track",
       {{"id", "path", true, id_param_schema, "Sonance (or imported Spotify) track id"}},
       Ref("Track"),
       {400, 404, 503}},
      {"/v1/audio-features/{id}",
       "getAudioFeatures",
       "spotify",
       "A track's audio features",
       {{"id", "path", true, id_param_schema, "track id"}},
       Ref("AudioFeatures"),
       {400, 404, 503}},
      {"/v1/audio-features",
       "getSeveralAudioFeatures",
       "spotify",
       "Audio features of up to 100 tracks (null for unknown ids)",
       {{"ids", "query", true, string_schema, "comma-separated track ids, at most 100"}},
       {{"type", "object"},
        {"properties",
         {{"audio_features",
           {{"type", "array"},
            {"items", {{"oneOf", json::array({Ref("AudioFeatures"), {{"type", "null"}}})}}}}}}}},
       {400, 503}},
      {"/v1/audio-analysis/{id}",
       "getAudioAnalysis",
       "spotify",
       "A track's audio analysis",
       {{"id", "path", true, id_param_schema, "track id"}},
       Ref("AudioAnalysis"),
       {400, 404, 503}},
      {"/v1/search",
       "search",
       "spotify",
       "Search tracks: words plus track:, artist:, album:, genre:, year:YYYY[-YYYY] filters",
       {{"q", "query", true, string_schema, "the query"},
        {"type", "query", false, string_schema, "must include track (default track)"},
        {"limit",
         "query",
         false,
         {{"type", "integer"}, {"minimum", 0}, {"maximum", 50}, {"default", 20}},
         "page size"},
        {"offset",
         "query",
         false,
         {{"type", "integer"}, {"minimum", 0}, {"maximum", 1000}, {"default", 0}},
         "first item"}},
       {{"type", "object"}, {"properties", {{"tracks", Ref("TrackPaging")}}}},
       {400, 503}},
      {"/api/playlist",
       "playlist",
       "recommend",
       "A playlist of the nearest tracks (k-NN, L1 over the PCA of the features) to each seed; "
       "each track says which seed brought it, the distance and the closest features. "
       "format m3u8/xspf/jspf returns the exported playlist instead of JSON",
       {},
       {{"type", "object"},
        {"properties",
         {{"seeds", {{"type", "array"}, {"items", Ref("Track")}}},
          {"skipped_seeds", {{"type", "array"}, {"items", string_schema}}},
          {"order", string_schema},
          {"total", {{"type", "integer"}}},
          {"tracks",
           {{"type", "array"},
            {"items",
             {{"type", "object"},
              {"properties",
               {{"track", Ref("Track")},
                {"seed", {{"type", "object"}}},
                {"distance", {{"type", "number"}}},
                {"closest_features", {{"type", "array"}, {"items", string_schema}}},
                {"camelot", string_schema},
                {"tempo", {{"type", "number"}}}}}}}}}}}},
       {400, 404, 409, 413, 503},
       "application/json",
       "post",
       {{"type", "object"},
        {"required", json::array({"seeds"})},
        {"properties",
         {{"seeds",
           {{"type", "array"},
            {"minItems", 1},
            {"maxItems", 50},
            {"items", string_schema},
            {"description", "track ids, sonance:track:<id> URIs or \"Artist - Title\" names"}}},
          {"per_seed", {{"type", "integer"}, {"minimum", 1}, {"maximum", 100}, {"default", 3}}},
          {"size", {{"type", "integer"}, {"minimum", 0}, {"maximum", 1000}, {"default", 0}}},
          {"partial", {{"type", "boolean"}, {"default", false}}},
          {"order", {{"enum", json::array({"seeds", "harmonic"})}, {"default", "seeds"}}},
          {"format",
           {{"enum", json::array({"json", "m3u8", "xspf", "jspf"})}, {"default", "json"}}},
          {"title", string_schema},
          {"filters",
           {{"type", "object"},
            {"description",
             "max_per_artist, max_per_album, and min_/max_/target_<attribute> as in "
             "/v1/recommendations"}}}}}}},
      {"/v1/recommendations",
       "getRecommendations",
       "spotify",
       "Spotify's recommendations: up to 5 seeds of tracks, artists and genres; min_, max_ and "
       "target_ for acousticness, danceability, duration_ms, energy, instrumentalness, key, "
       "liveness, loudness, mode, popularity, speechiness, tempo, time_signature, valence",
       {{"seed_tracks", "query", false, string_schema, "comma-separated track ids"},
        {"seed_artists", "query", false, string_schema, "comma-separated artist ids or names"},
        {"seed_genres", "query", false, string_schema, "comma-separated genres"},
        {"limit",
         "query",
         false,
         {{"type", "integer"}, {"minimum", 1}, {"maximum", 100}, {"default", 20}},
         "tracks to return"},
        {"min_tempo", "query", false, {{"type", "number"}}, "and every other min_<attribute>"},
        {"max_tempo", "query", false, {{"type", "number"}}, "and every other max_<attribute>"},
        {"target_tempo",
         "query",
         false,
         {{"type", "number"}},
         "and every other target_<attribute>"}},
       {{"type", "object"},
        {"properties",
         {{"tracks", {{"type", "array"}, {"items", Ref("Track")}}},
          {"seeds",
           {{"type", "array"},
            {"items",
             {{"type", "object"},
              {"properties",
               {{"initialPoolSize", {{"type", "integer"}}},
                {"afterFilteringSize", {{"type", "integer"}}},
                {"afterRelinkingSize", {{"type", "integer"}}},
                {"href", Nullable("string")},
                {"id", string_schema},
                {"type", {{"enum", json::array({"TRACK", "ARTIST", "GENRE"})}}}}}}}}}}}},
       {400, 404, 409, 503}},
      {"/api/path",
       "songPath",
       "recommend",
       "A sequence of tracks moving smoothly from one song to another, without repeats",
       {{"from", "query", true, string_schema, "first track: id or \"Artist - Title\""},
        {"to", "query", true, string_schema, "last track"},
        {"steps",
         "query",
         false,
         {{"type", "integer"}, {"minimum", 2}, {"maximum", 100}, {"default", 8}},
         "tracks in all, both ends included"}},
       {{"type", "object"},
        {"properties",
         {{"from", string_schema},
          {"to", string_schema},
          {"steps", {{"type", "integer"}}},
          {"tracks", {{"type", "array"}, {"items", {{"type", "object"}}}}}}}},
       {400, 404, 409, 503}},
      {"/generate_soundtrack",
       "generateSoundtrack",
       "text",
       "Splits a storyline into scenes and assigns each a song of one artist (recommended for "
       "the story unless given) by ESA similarity and mood, without repeating a song while "
       "unused ones remain. Keys \"Scene 1\", \"Scene 2\", ... hold the scenes",
       {},
       {{"type", "object"},
        {"required", json::array({"Chosen Artist", "sonance"})},
        {"properties",
         {{"Chosen Artist", string_schema},
          {"sonance",
           {{"type", "object"},
            {"properties",
             {{"artist_recommended", {{"type", "boolean"}}},
              {"artist_similarity", {{"type", "number"}}},
              {"lyrics_used", {{"type", "boolean"}}},
              {"note", string_schema},
              {"timings_ms", {{"type", "object"}}}}}}}}},
        {"additionalProperties",
         {{"type", "object"},
          {"description", "a scene"},
          {"properties",
           {{"scene_text", string_schema},
            {"assigned_song", Nullable("string")},
            {"similarity_to_song", Nullable("number")},
            {"track_id", string_schema},
            {"score", {{"type", "number"}}},
            {"mood_fit", Nullable("number")},
            {"scene_mood", {{"type", "object"}}},
            {"shared_concepts", {{"type", "array"}, {"items", string_schema}}}}}}}},
       {400, 404, 413, 503},
       "application/json",
       "post",
       {{"type", "object"},
        {"required", json::array({"storyline"})},
        {"properties",
         {{"storyline",
           {{"type", "string"},
            {"minLength", 1},
            {"maxLength", 100000},
            {"description", "the story, UTF-8, at most 100,000 characters"}}},
          {"artist", {{"type", "string"}, {"description", "use this artist's songs"}}}}}}},
      {"/api/lyrics/search",
       "searchLyrics",
       "text",
       "Songs whose lyrics mean what the query says (ESA), each with its best lines; lines "
       "unrelated to the query lower a song's score (docs/text.md)",
       {{"q", "query", true, string_schema, "what the lyrics should be about"},
        {"limit",
         "query",
         false,
         {{"type", "integer"}, {"minimum", 1}, {"maximum", 50}, {"default", 10}},
         "songs to return"}},
       {{"type", "object"},
        {"properties",
         {{"query", string_schema},
          {"candidates", {{"type", "integer"}}},
          {"lyrics_used", {{"type", "boolean"}}},
          {"note", string_schema},
          {"results",
           {{"type", "array"},
            {"items",
             {{"type", "object"},
              {"properties",
               {{"track", {{"type", "object"}}},
                {"score", {{"type", "number"}}},
                {"song_similarity", {{"type", "number"}}},
                {"line_score", {{"type", "number"}}},
                {"lines", {{"type", "array"}, {"items", {{"type", "object"}}}}}}}}}}}}}},
       {400, 413, 503}},
      {"/metrics",
       "metrics",
       "service",
       "Prometheus metrics (text format 0.0.4)",
       {},
       string_schema,
       {},
       "text/plain"},
      {"/openapi.json", "openapi", "service", "This document", {}, {{"type", "object"}}, {}},
      {"/docs",
       "docs",
       "service",
       "Human-readable API documentation",
       {},
       string_schema,
       {},
       "text/html"},
  };

  json paths = json::object();
  for (const Operation& op : ops) {
    json params = json::array();
    for (const Param& p : op.params) {
      params.push_back({{"name", p.name},
                        {"in", p.in},
                        {"required", p.required},
                        {"schema", p.schema},
                        {"description", p.description}});
    }
    json responses = {
        {"200",
         {{"description", "OK"}, {"content", {{op.content_type, {{"schema", op.ok_schema}}}}}}}};
    std::vector<int> errors = op.errors;
    errors.push_back(405);
    errors.push_back(500);
    for (int status : errors) {
      responses[std::to_string(status)] = {
          {"description", ErrorDescription(status)},
          {"content", {{"application/json", {{"schema", Ref("Error")}}}}}};
    }
    json operation = {{"operationId", op.id},
                      {"tags", json::array({op.tag})},
                      {"summary", op.summary},
                      {"parameters", params},
                      {"responses", responses}};
    if (!op.request_body.is_null()) {
      operation["requestBody"] = {
          {"required", true}, {"content", {{"application/json", {{"schema", op.request_body}}}}}};
    }
    paths[op.path][op.method] = operation;
  }
  return {{"openapi", "3.1.0"},
          {"info",
           {{"title", "Sonance API"},
            {"version", version},
            {"description",
             "Audio features, audio analysis and search over a self-hosted music catalog, in "
             "Spotify's shapes and those of the systems Sonance replaces. Every error is "
             "{\"error\": {\"status\", \"message\", \"id\"}}."}}},
          {"servers", json::array({{{"url", "/"}}})},
          {"tags",
           json::array(
               {{{"name", "service"}, {"description", "health and operations"}},
                {{"name", "original"}, {"description", "shapes of the systems Sonance replaces"}},
                {{"name", "spotify"}, {"description", "Spotify Web API compatible endpoints"}},
                {{"name", "recommend"}, {"description", "playlists and song paths"}},
                {{"name", "text"}, {"description", "storyline soundtracks and lyrics search"}}})},
          {"paths", paths},
          {"components", {{"schemas", Schemas()}}}};
}

std::string ApiDocsPage() {
  // Self-contained: no scripts from elsewhere; renders /openapi.json into a list.
  return R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Sonance API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body { font: 15px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
h1 { margin-bottom: .2rem; }
.op { border: 1px solid #ddd; border-radius: 6px; margin: 1rem 0; padding: .6rem 1rem; }
.method { font-weight: bold; color: #fff; background: #2a7ae2; border-radius: 4px; padding: 0 .4rem; margin-right: .5rem; }
code, .path { font-family: ui-monospace, monospace; }
table { border-collapse: collapse; margin: .4rem 0; }
td, th { border-bottom: 1px solid #eee; padding: .2rem .6rem; text-align: left; vertical-align: top; }
.errors { color: #666; font-size: 90%; }
</style>
</head>
<body>
<h1>Sonance API</h1>
<p id="intro">Loading <a href="/openapi.json">/openapi.json</a>&hellip;</p>
<div id="ops"></div>
<script>
fetch('/openapi.json').then(r => r.json()).then(doc => {
  document.getElementById('intro').textContent = doc.info.description + ' Version ' + doc.info.version + '.';
  const ops = document.getElementById('ops');
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const div = document.createElement('div');
      div.className = 'op';
      const head = document.createElement('div');
      const m = document.createElement('span'); m.className = 'method'; m.textContent = method.toUpperCase();
      const p = document.createElement('span'); p.className = 'path'; p.textContent = path;
      head.append(m, p);
      const sum = document.createElement('p'); sum.textContent = op.summary;
      div.append(head, sum);
      if (op.parameters.length) {
        const t = document.createElement('table');
        t.innerHTML = '<tr><th>parameter</th><th>in</th><th>required</th><th>description</th></tr>';
        for (const prm of op.parameters) {
          const tr = document.createElement('tr');
          for (const v of [prm.name, prm.in, prm.required ? 'yes' : 'no', prm.description]) {
            const td = document.createElement('td'); td.textContent = v; tr.append(td);
          }
          t.append(tr);
        }
        div.append(t);
      }
      const errs = Object.entries(op.responses).filter(([s]) => s !== '200')
        .map(([s, r]) => s + ' ' + r.description).join('; ');
      const e = document.createElement('p'); e.className = 'errors'; e.textContent = 'Errors: ' + errs;
      div.append(e);
      ops.append(div);
    }
  }
}).catch(err => { document.getElementById('intro').textContent = 'Cannot load /openapi.json: ' + err; });
</script>
</body>
</html>
)html";
}

}  // namespace sonance
