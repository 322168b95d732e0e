// The API over a real catalog file and a real server on a loopback port.
#include "sonance/server/api.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "sonance/catalog/catalog.h"
#include "sonance/server/catalog_view.h"
#include "sonance/server/http_transport.h"
#include "sonance/server/metrics.h"
#include "support/fixtures.h"

namespace sonance {
namespace {

using nlohmann::json;
using test::TempDir;

TrackAnalysis AnalysisWithTempo(double tempo, int key) {
  TrackAnalysis a;
  a.features.danceability = 0.5;
  a.features.energy = 0.25;
  a.features.key = key;
  a.features.loudness = -9.5;
  a.features.mode = 1;
  a.features.speechiness = 0.04;
  a.features.acousticness = 0.75;
  a.features.instrumentalness = 0.125;
  a.features.liveness = 0.1;
  a.features.valence = 0.625;
  a.features.tempo = tempo;
  a.features.time_signature = 4;
  a.features.duration_ms = 200000;
  a.features.features_version = kFeaturesVersion;
  a.analysis.features_version = kFeaturesVersion;
  a.analysis.track.tempo = tempo;
  a.analysis.track.duration = 200.0;
  a.analysis.track.key = key;
  for (int i = 0; i < 8; ++i) a.analysis.beats.push_back({0.5 * i, 0.5, 0.75});
  return a;
}

TrackTags Tags(std::string title, std::vector<std::string> artists, std::string album,
               std::string date = "1975-10-31", std::string genre = "Rock") {
  TrackTags t;
  t.title = std::move(title);
  t.artists = std::move(artists);
  t.album = std::move(album);
  t.release_date = std::move(date);
  t.genre = std::move(genre);
  t.track_number = 11;
  t.isrc = "GBUM71029604";
  return t;
}

// A catalog of four tracks, a CatalogView over it, and the API on a free loopback port.
class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_ / "catalog.db";
    auto cat = Catalog::Open(path_);
    ASSERT_TRUE(cat.ok()) << cat.status().ToString();
    catalog_ = std::move(cat).value();
    Store("/m/bohemian.flac", Tags("Bohemian Rhapsody", {"Queen"}, "A Night at the Opera"),
          AnalysisWithTempo(72.0, 10));
    Store("/m/beyonce.flac",
          Tags("Halo", {"Beyonc\xC3\xA9"}, "I Am... Sasha Fierce", "2008-11", "Pop"),
          AnalysisWithTempo(80.0, 11));
    Store("/m/road.flac",
          Tags("Old Town Road (feat. Billy Ray Cyrus)", {"Lil Nas X", "Billy Ray Cyrus"}, "7 EP",
               "2019", "Country"),
          AnalysisWithTempo(136.0, 6));
    Store("/m/beatles.flac", Tags("Let It Be", {"The Beatles"}, "Let It Be", "1970-03-06"),
          AnalysisWithTempo(71.5, 0));
    ASSERT_TRUE(catalog_->StoreFailure({"/m/broken.mp3", 10, 1}, "h", "not audio").ok());

    view_ = CatalogView::Open(path_, {std::chrono::milliseconds(50)});
    ASSERT_TRUE(view_->Availability().ok()) << view_->Availability().ToString();
    RegisterServerMetrics(metrics_);
    HttpServerOptions options;
    options.port = 0;
    options.threads = 4;
    options.max_body_bytes = 1024;
    server_ = std::make_unique<HttpServer>(options);
    context_.catalog = view_.get();
    context_.metrics = &metrics_;
    context_.version = "test";
    RegisterApiRoutes(*server_, context_);
    server_->SetRequestObserver(
        [this](const RequestRecord& r) { RecordRequestMetrics(metrics_, r); });
    ASSERT_TRUE(server_->Bind().ok());
    thread_ = std::thread([this] { (void)server_->Run(); });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_url_encode(false);  // send targets exactly as written
  }

  void TearDown() override {
    if (server_) server_->Stop();
    if (thread_.joinable()) thread_.join();
  }

  void Store(const std::string& path, const TrackTags& tags, const TrackAnalysis& a) {
    ASSERT_TRUE(catalog_->StoreAnalysis({path, 1000, 1}, "hash", tags, a).ok());
  }

  std::string IdOf(const std::string& path) { return TrackIdForPath(path); }

  // GET returning status and parsed JSON (null when the body is not JSON).
  std::pair<int, json> Get(const std::string& target) {
    auto res = client_->Get(target);
    if (!res) return {0, nullptr};
    return {res->status, json::parse(res->body, nullptr, false)};
  }

  // Every error has the one shape, with its HTTP status inside.
  static void ExpectErrorShape(int status, const json& body) {
    ASSERT_TRUE(body.is_object()) << body;
    ASSERT_TRUE(body.contains("error")) << body;
    EXPECT_EQ(body["error"]["status"], status);
    EXPECT_TRUE(body["error"]["message"].is_string());
    EXPECT_EQ(body["error"]["id"].get<std::string>().size(), 16u);
  }

  TempDir dir_;
  std::filesystem::path path_;
  std::unique_ptr<Catalog> catalog_;
  std::unique_ptr<CatalogView> view_;
  MetricsRegistry metrics_;
  ApiContext context_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(ApiTest, WelcomeAndHealth) {
  auto [status, body] = Get("/");
  EXPECT_EQ(status, 200);
  EXPECT_EQ(body, json({{"message", "Welcome to the Sonance API!"}}));
  auto [hs, health] = Get("/api/health");
  EXPECT_EQ(hs, 200);
  EXPECT_EQ(health["status"], "ok");
  EXPECT_EQ(health["version"], "test");
  EXPECT_EQ(health["features_version"], kFeaturesVersion);
  EXPECT_EQ(health["catalog"]["tracks"], 5);
  EXPECT_EQ(health["catalog"]["analyzed"], 4);
  EXPECT_EQ(health["catalog"]["failed"], 1);
}

TEST_F(ApiTest, GetTrackDataMatchesNamesForgivingly) {
  for (const char* q : {"bohemian%20rhapsody", "BOHEMIAN%20RHAPSODY!", "Bohemian+Rhapsody",
                        "Queen%20-%20Bohemian%20Rhapsody"}) {
    auto [status, body] = Get(std::string("/get_track_data?track_name=") + q);
    ASSERT_EQ(status, 200) << q << " " << body;
    EXPECT_EQ(body["track_data"]["name"], "Bohemian Rhapsody");
    EXPECT_EQ(body["track_data"]["artist"], "Queen");
    EXPECT_EQ(body["track_data"]["album"], "A Night at the Opera");
    EXPECT_EQ(body["track_data"]["id"], IdOf("/m/bohemian.flac"));
    EXPECT_DOUBLE_EQ(body["track_data"]["audio_features"]["tempo"].get<double>(), 72.0);
  }
  // Featured credit in the stored title, accent in the stored artist, "The" prefix.
  EXPECT_EQ(Get("/get_track_data?track_name=old%20town%20road").second["track_data"]["artist"],
            "Lil Nas X");
  EXPECT_EQ(Get("/api/features?song=halo&artist=beyonce").first, 200);
  EXPECT_EQ(Get("/api/features?song=let%20it%20be&artist=beatles").first, 200);
  EXPECT_EQ(Get("/api/features?song=let%20it%20be&artist=the%20beatles").first, 200);
  EXPECT_EQ(Get("/api/features?song=halo&artist=queen").first, 404);
}

TEST_F(ApiTest, AMissIsA404WithTheClosestSuggestionFirst) {
  auto [status, body] = Get("/get_track_data?track_name=Bohemian%20Rapsody");
  EXPECT_EQ(status, 404);
  ExpectErrorShape(404, body);
  ASSERT_FALSE(body["error"]["suggestions"].empty());
  EXPECT_EQ(body["error"]["suggestions"][0]["name"], "Bohemian Rhapsody");
  EXPECT_EQ(body["error"]["suggestions"][0]["id"], IdOf("/m/bohemian.flac"));
  EXPECT_NE(body["error"]["message"].get<std::string>().find("did you mean 'Bohemian Rhapsody'"),
            std::string::npos);
}

TEST_F(ApiTest, MissingOrEmptyParametersAre400) {
  for (const char* target :
       {"/get_track_data", "/get_track_data?track_name=", "/api/features",
        "/api/raw_features?artist=Queen", "/v1/search", "/v1/audio-features",
        "/v1/search?q=queen&limit=51", "/v1/search?q=queen&limit=x", "/v1/search?q=queen&offset=-1",
        "/v1/search?q=queen&type=artist", "/v1/search?q=year:19x0", "/v1/tracks/short",
        "/v1/audio-features/not-an-id-at-all-000000"}) {
    auto [status, body] = Get(target);
    EXPECT_EQ(status, 400) << target << " " << body;
    ExpectErrorShape(400, body);
  }
}

TEST_F(ApiTest, MusicFlowGroupingSplitsTheReleaseDate) {
  auto [status, body] = Get("/api/features?song=Bohemian%20Rhapsody&artist=Queen");
  ASSERT_EQ(status, 200);
  EXPECT_EQ(body["track"]["track_name"], "Bohemian Rhapsody");
  EXPECT_EQ(body["track"]["artist_name"], "Queen");
  EXPECT_EQ(body["track"]["num_artists"], 1);
  EXPECT_EQ(body["track"]["duration_ms"], 200000);
  EXPECT_EQ(body["track"]["isrc"], "GBUM71029604");
  EXPECT_EQ(body["album"]["release_year"], 1975);
  EXPECT_EQ(body["album"]["release_month"], 10);
  EXPECT_EQ(body["album"]["release_day"], 31);
  EXPECT_EQ(body["album"]["release_date_precision"], "day");
  EXPECT_EQ(body["album"]["date_is_complete"], true);
  EXPECT_EQ(body["audio_features"]["key"], 10);
  EXPECT_FALSE(body["audio_features"].contains("id"));

  auto [s2, halo] = Get("/api/features?song=Halo");
  EXPECT_EQ(halo["album"]["release_date_precision"], "month");
  EXPECT_EQ(halo["album"]["release_day"], nullptr);
  EXPECT_EQ(halo["album"]["date_is_complete"], false);

  auto [s3, road] = Get("/api/features?song=Old%20Town%20Road");
  EXPECT_EQ(road["track"]["num_artists"], 2);

  auto [s4, raw] = Get("/api/raw_features?song=Bohemian%20Rhapsody");
  ASSERT_EQ(s4, 200);
  EXPECT_EQ(raw["track"]["type"], "track");
  EXPECT_EQ(raw["audio_features"]["type"], "audio_features");
  EXPECT_DOUBLE_EQ(raw["audio_features"]["acousticness"].get<double>(), 0.75);
}

TEST_F(ApiTest, SpotifyTrackAndFeatureObjects) {
  const std::string id = IdOf("/m/bohemian.flac");
  auto [status, track] = Get("/v1/tracks/" + id);
  ASSERT_EQ(status, 200);
  EXPECT_EQ(track["id"], id);
  EXPECT_EQ(track["uri"], "sonance:track:" + id);
  EXPECT_EQ(track["name"], "Bohemian Rhapsody");
  EXPECT_EQ(track["artists"][0]["name"], "Queen");
  EXPECT_EQ(track["album"]["release_date"], "1975-10-31");
  EXPECT_EQ(track["album"]["release_date_precision"], "day");
  EXPECT_EQ(track["external_ids"]["isrc"], "GBUM71029604");
  EXPECT_EQ(track["track_number"], 11);

  auto [fs, features] = Get("/v1/audio-features/" + id);
  ASSERT_EQ(fs, 200);
  EXPECT_EQ(features["type"], "audio_features");
  EXPECT_EQ(features["key"], 10);
  EXPECT_EQ(features["analysis_url"], "/v1/audio-analysis/" + id);

  const std::string unknown = "0000000000000000000000";
  EXPECT_EQ(Get("/v1/tracks/" + unknown).first, 404);
  EXPECT_EQ(Get("/v1/audio-features/" + unknown).first, 404);
  // A failed track exists but has no features.
  auto [bs, broken] = Get("/v1/audio-features/" + IdOf("/m/broken.mp3"));
  EXPECT_EQ(bs, 404);
  EXPECT_NE(broken["error"]["message"].get<std::string>().find("not audio"), std::string::npos);
}

TEST_F(ApiTest, SeveralAudioFeaturesKeepOrderWithNullForUnknownAndCapAt100) {
  const std::string a = IdOf("/m/road.flac");
  const std::string b = IdOf("/m/beyonce.flac");
  auto [status, body] = Get("/v1/audio-features?ids=" + a + ",0000000000000000000000," + b);
  ASSERT_EQ(status, 200);
  ASSERT_EQ(body["audio_features"].size(), 3u);
  EXPECT_DOUBLE_EQ(body["audio_features"][0]["tempo"].get<double>(), 136.0);
  EXPECT_TRUE(body["audio_features"][1].is_null());
  EXPECT_DOUBLE_EQ(body["audio_features"][2]["tempo"].get<double>(), 80.0);

  std::string ids;
  for (int i = 0; i < 100; ++i) ids += (i ? "," : "") + a;
  EXPECT_EQ(Get("/v1/audio-features?ids=" + ids).first, 200);
  EXPECT_EQ(Get("/v1/audio-features?ids=" + ids + "," + a).first, 400);
}

TEST_F(ApiTest, AudioAnalysisComesFromTheCatalog) {
  auto [status, body] = Get("/v1/audio-analysis/" + IdOf("/m/road.flac"));
  ASSERT_EQ(status, 200);
  EXPECT_EQ(body["beats"].size(), 8u);
  EXPECT_DOUBLE_EQ(body["track"]["tempo"].get<double>(), 136.0);
}

TEST_F(ApiTest, SearchPagesLikeSpotify) {
  auto [status, body] = Get("/v1/search?q=let&type=track&limit=1");
  ASSERT_EQ(status, 200) << body;
  const json& page = body["tracks"];
  EXPECT_EQ(page["total"], 1);
  EXPECT_EQ(page["items"][0]["name"], "Let It Be");
  EXPECT_TRUE(page["next"].is_null());
  EXPECT_TRUE(page["previous"].is_null());

  // "the" is in an artist (The Beatles) and an album (A Night at the Opera): page through.
  auto [s1, first] = Get("/v1/search?q=the&limit=1");
  ASSERT_EQ(s1, 200);
  EXPECT_EQ(first["tracks"]["total"], 2);
  EXPECT_EQ(first["tracks"]["next"], "/v1/search?q=the&type=track&offset=1&limit=1");
  auto [s2, second] = Get(first["tracks"]["next"].get<std::string>());
  ASSERT_EQ(s2, 200);
  EXPECT_TRUE(second["tracks"]["next"].is_null());
  EXPECT_EQ(second["tracks"]["previous"], "/v1/search?q=the&type=track&offset=0&limit=1");
  EXPECT_NE(first["tracks"]["items"][0]["id"], second["tracks"]["items"][0]["id"]);

  EXPECT_EQ(Get("/v1/search?q=artist:queen").second["tracks"]["total"], 1);
  EXPECT_EQ(Get("/v1/search?q=year:1970-1979").second["tracks"]["total"], 2);
  EXPECT_EQ(Get("/v1/search?q=genre:pop").second["tracks"]["items"][0]["name"], "Halo");
  EXPECT_EQ(Get("/v1/search?q=beyonce").second["tracks"]["total"], 1);
  EXPECT_EQ(Get("/v1/search?q=zzzz").second["tracks"]["total"], 0);
}

TEST_F(ApiTest, WrongMethodIs405WithAllowAndUnknownPathIs404) {
  auto res = client_->Post("/v1/search", "{}", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 405);
  EXPECT_EQ(res->get_header_value("Allow"), "GET, HEAD");
  ExpectErrorShape(405, json::parse(res->body));
  auto [status, body] = Get("/v2/nothing");
  EXPECT_EQ(status, 404);
  ExpectErrorShape(404, body);
}

TEST_F(ApiTest, OversizedBodyIs413InTheErrorShape) {
  auto res = client_->Post("/", std::string(4096, 'x'), "text/plain");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413);
  ExpectErrorShape(413, json::parse(res->body));
}

TEST_F(ApiTest, OpenApiDescribesEveryRouteAndDocsPageLoadsIt) {
  auto [status, doc] = Get("/openapi.json");
  ASSERT_EQ(status, 200);
  EXPECT_EQ(doc["openapi"], "3.1.0");
  for (const char* path :
       {"/", "/api/health", "/get_track_data", "/api/features", "/api/raw_features",
        "/v1/tracks/{id}", "/v1/audio-features/{id}", "/v1/audio-features",
        "/v1/audio-analysis/{id}", "/v1/search", "/metrics", "/openapi.json", "/docs"}) {
    ASSERT_TRUE(doc["paths"].contains(path)) << path;
    EXPECT_TRUE(doc["paths"][path]["get"]["responses"].contains("200")) << path;
  }
  EXPECT_TRUE(doc["paths"]["/v1/search"]["get"]["responses"].contains("400"));
  auto res = client_->Get("/docs");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_NE(res->body.find("/openapi.json"), std::string::npos);
}

TEST_F(ApiTest, MetricsCountRequestsByRouteAndStatus) {
  for (int i = 0; i < 3; ++i) Get("/");
  Get("/v1/tracks/0000000000000000000000");
  auto res = client_->Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  const std::string& text = res->body;
  EXPECT_NE(text.find("request_count{route=\"/\",method=\"GET\",status=\"200\"} 3\n"),
            std::string::npos)
      << text.substr(0, 2000);
  EXPECT_NE(text.find("request_count{route=\"/v1/tracks/{id}\",method=\"GET\",status=\"404\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("catalog_tracks{state=\"analyzed\"} 4\n"), std::string::npos);
  for (const char* h : {"scene_split_time", "esa_vector_generation_time", "story_esa_vector_time",
                        "artist_recommendation_time", "top_tracks_retrieval_time",
                        "tracks_esa_vector_generation_time", "song_assignment_time"}) {
    EXPECT_NE(text.find(std::string("# TYPE ") + h + " histogram"), std::string::npos) << h;
  }
}

TEST_F(ApiTest, ServerSeesTracksAnotherConnectionAdds) {
  EXPECT_EQ(Get("/get_track_data?track_name=Yesterday").first, 404);
  auto writer = Catalog::Open(path_);
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)
                  ->StoreAnalysis({"/m/yesterday.flac", 1, 1}, "h",
                                  Tags("Yesterday", {"The Beatles"}, "Help!"),
                                  AnalysisWithTempo(97.0, 5))
                  .ok());
  // The view polls every 50 ms; give it up to 5 s on a loaded machine.
  int status = 0;
  for (int i = 0; i < 100 && status != 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    status = Get("/get_track_data?track_name=Yesterday").first;
  }
  EXPECT_EQ(status, 200);
}

TEST_F(ApiTest, ImportedTracksCarryPopularityExplicitAndNullForMissingFeatures) {
  auto import = catalog_->BeginImport();
  ASSERT_TRUE(import.ok()) << import.status().ToString();
  ImportedTrack t;
  t.spotify_id = "4u7EnebtmKWzUH433cf5Qv";
  t.tags = Tags("Bohemian Rhapsody", {"Queen"}, "A Night at the Opera (Remastered)", "1975");
  t.duration_ms = 354320;
  t.popularity = 83;
  t.is_explicit = false;
  AudioFeatures f;
  f.danceability = 0.392;
  f.energy = 0.402;
  f.tempo = 143.883;
  f.time_signature = 4;
  f.duration_ms = 354320;
  f.features_version = kImportedFeaturesVersion;
  t.features = f;
  t.missing_features = {"key", "mode"};
  ASSERT_TRUE((*import)->PutTrack(t).ok());
  ImportedTrack popular = t;
  popular.spotify_id = "0000000000000000000001";
  popular.tags.title = "Radio Gaga";
  popular.popularity = 90;
  ASSERT_TRUE((*import)->PutTrack(popular).ok());
  ASSERT_TRUE((*import)->Commit().ok());
  import->reset();
  ASSERT_TRUE(view_->Refresh().ok());

  auto [status, track] = Get("/v1/tracks/4u7EnebtmKWzUH433cf5Qv");
  ASSERT_EQ(status, 200) << track;
  EXPECT_EQ(track["popularity"], 83);
  EXPECT_EQ(track["explicit"], false);
  EXPECT_EQ(track["source"], "imported");
  EXPECT_EQ(track["is_local"], false);
  auto [fs, features] = Get("/v1/audio-features/4u7EnebtmKWzUH433cf5Qv");
  ASSERT_EQ(fs, 200);
  EXPECT_TRUE(features["key"].is_null());
  EXPECT_TRUE(features["mode"].is_null());
  EXPECT_DOUBLE_EQ(features["tempo"].get<double>(), 143.883);
  auto [as, analysis] = Get("/v1/audio-analysis/4u7EnebtmKWzUH433cf5Qv");
  EXPECT_EQ(as, 404);
  EXPECT_NE(analysis["error"]["message"].get<std::string>().find("imported"), std::string::npos);
  // The analysed copy of the same song wins a name lookup; search ranks by popularity.
  auto [ns, data] = Get("/get_track_data?track_name=Bohemian%20Rhapsody");
  EXPECT_EQ(data["track_data"]["source"], "analyzed");
  auto [ss, page] = Get("/v1/search?q=artist:queen");
  ASSERT_EQ(page["tracks"]["total"], 3);
  EXPECT_EQ(page["tracks"]["items"][0]["name"], "Radio Gaga");
  EXPECT_EQ(page["tracks"]["items"][1]["popularity"], 83);
  auto [hs, health] = Get("/api/health");
  EXPECT_EQ(health["catalog"]["imported"], 2);
}

TEST(CatalogUnavailableTest, Is503UntilTheCatalogAppears) {
  TempDir dir;
  const auto path = dir / "later.db";
  auto view = CatalogView::Open(path, {std::chrono::milliseconds(50)});
  EXPECT_FALSE(view->Availability().ok());
  MetricsRegistry metrics;
  RegisterServerMetrics(metrics);
  HttpServerOptions options;
  options.port = 0;
  options.threads = 2;
  HttpServer server(options);
  ApiContext ctx;
  ctx.catalog = view.get();
  ctx.metrics = &metrics;
  RegisterApiRoutes(server, ctx);
  ASSERT_TRUE(server.Bind().ok());
  std::thread t([&] { (void)server.Run(); });
  httplib::Client client("127.0.0.1", server.port());
  auto health = client.Get("/api/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 503);
  EXPECT_EQ(json::parse(health->body)["status"], "unavailable");
  auto track = client.Get("/get_track_data?track_name=x");
  ASSERT_TRUE(track);
  EXPECT_EQ(track->status, 503);
  EXPECT_NE(track->body.find("sonance analyze"), std::string::npos) << track->body;

  {
    auto cat = Catalog::Open(path);
    ASSERT_TRUE(cat.ok());
    ASSERT_TRUE((*cat)
                    ->StoreAnalysis({"/m/x.flac", 1, 1}, "h", Tags("X", {"Y"}, "Z"),
                                    AnalysisWithTempo(100.0, 1))
                    .ok());
  }
  int status = 0;
  for (int i = 0; i < 100 && status != 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto r = client.Get("/get_track_data?track_name=x");
    status = r ? r->status : 0;
  }
  EXPECT_EQ(status, 200);
  server.Stop();
  t.join();
}

}  // namespace
}  // namespace sonance

namespace sonance {
namespace {

// The direct writer used by /v1/search against the JSON-tree one, byte for byte, on tracks
// with every kind of text JSON must escape or replace.
TEST(SpotifyTrackJsonTest, DirectWriterEqualsTheJsonTreeByteForByte) {
  std::vector<TrackRecord> records;
  auto add = [&](std::string title, std::vector<std::string> artists, std::string album,
                 std::string album_artist, std::string date) {
    TrackRecord r;
    r.rowid = static_cast<std::int64_t>(records.size()) + 1;
    r.id = EncodeTrackId(0, static_cast<std::uint64_t>(r.rowid));
    r.path = "/m/" + std::to_string(r.rowid) + ".flac";
    r.tags.title = std::move(title);
    r.tags.artists = std::move(artists);
    r.tags.album = std::move(album);
    r.tags.album_artist = std::move(album_artist);
    r.tags.release_date = std::move(date);
    r.duration_ms = 1000 * r.rowid;
    records.push_back(r);
    return &records.back();
  };
  add("Plain", {"Artist"}, "Album", "", "1999-04-12");
  add("Quote \" and \\ backslash", {"A/B", "Beyonc\xC3\xA9"}, "\xE2\x9C\x93 \xF0\x9F\x8E\xB5",
      "The Band", "2001-02");
  add("Tabs\tnew\nlines\r\x01\x1f\x7f", {}, "", "", "");
  add("Bad \xFF\xFE bytes", {"\xC3"}, "x\xE2\x82", "", "1975");
  TrackRecord* imported = add("Imported", {"Someone"}, "Hits", "", "2020-01-01");
  imported->source = "imported";
  imported->popularity = 77;
  imported->is_explicit = true;
  imported->tags.isrc = "USRC17607839";
  imported->tags.track_number = 5;
  CatalogSnapshot snap(records, {}, {});
  for (const TrackEntry& t : snap.tracks()) {
    std::string direct;
    AppendSpotifyTrackJson(&direct, t);
    const std::string tree =
        SpotifyTrackJson(t).dump(-1, ' ', false, json::error_handler_t::replace);
    EXPECT_EQ(direct, tree) << t.record.tags.title;
  }
}

}  // namespace
}  // namespace sonance
