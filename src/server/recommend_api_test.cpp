// The recommendation routes over a real catalog file and a real server on a loopback port.
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "sonance/catalog/catalog.h"
#include "sonance/server/api.h"
#include "sonance/server/catalog_view.h"
#include "sonance/server/recommender_cache.h"
#include "support/fixtures.h"

namespace sonance {
namespace {

using nlohmann::json;
using test::TempDir;

// Three clusters of four tracks that differ in every sound parameter: "quiet" (slow,
// acoustic, soft), "loud" (fast, electronic, loud) and "mid". Within a cluster the tempo
// steps by 1 BPM, so the nearest neighbour of a track is always in its own cluster.
struct Cluster {
  const char* name;
  const char* genre;
  double level;  // 0..1, sets every feature
  double tempo;
};
constexpr Cluster kClusters[] = {
    {"quiet", "Folk", 0.1, 70.0}, {"mid", "Pop", 0.5, 110.0}, {"loud", "Techno", 0.9, 150.0}};

TrackAnalysis ClusterAnalysis(const Cluster& c, int i) {
  TrackAnalysis a;
  AudioFeatures& f = a.features;
  f.danceability = c.level;
  f.energy = c.level;
  f.key = (3 * i) % 12;
  f.loudness = -30.0 + 25.0 * c.level;
  f.mode = 1;
  f.speechiness = 0.05;
  f.acousticness = 1.0 - c.level;
  f.instrumentalness = 0.5;
  f.liveness = 0.1;
  f.valence = c.level;
  f.tempo = c.tempo + i;
  f.time_signature = 4;
  f.duration_ms = 200000 + 1000 * i;
  f.features_version = kFeaturesVersion;
  a.analysis.features_version = kFeaturesVersion;
  a.analysis.track.tempo = f.tempo;
  a.analysis.track.duration = 200.0;
  for (int b = 0; b < 8; ++b) a.analysis.beats.push_back({0.5 * b, 0.5, 0.75});
  return a;
}

std::string PathOf(const Cluster& c, int i) {
  return std::string("/m/") + c.name + std::to_string(i) + ".flac";
}

class RecommendApiTest : public ::testing::Test {
 protected:
  void SetUp() override { StartServer(true); }

  void StartServer(bool with_tracks) {
    path_ = dir_ / "catalog.db";
    {
      auto cat = Catalog::Open(path_);
      ASSERT_TRUE(cat.ok()) << cat.status().ToString();
      if (with_tracks) {
        for (const Cluster& c : kClusters) {
          for (int i = 0; i < 4; ++i) {
            TrackTags t;
            t.title = std::string(c.name) + " song " + std::to_string(i);
            t.artists = {std::string(c.name) + " artist " + std::to_string(i % 2)};
            t.album = std::string(c.name) + " album";
            t.release_date = std::to_string(1990 + i);
            t.genre = c.genre;
            ASSERT_TRUE((*cat)
                            ->StoreAnalysis({PathOf(c, i), 1000, 1}, "hash-" + PathOf(c, i), t,
                                            ClusterAnalysis(c, i))
                            .ok());
          }
        }
      }
    }
    view_ = CatalogView::Open(path_, {std::chrono::milliseconds(50)});
    recommender_ = std::make_unique<RecommenderCache>(view_.get());
    RegisterServerMetrics(metrics_);
    HttpServerOptions options;
    options.port = 0;
    options.threads = 4;
    options.max_body_bytes = 4096;
    server_ = std::make_unique<HttpServer>(options);
    context_.catalog = view_.get();
    context_.metrics = &metrics_;
    context_.recommender = recommender_.get();
    RegisterApiRoutes(*server_, context_);
    ASSERT_TRUE(server_->Bind().ok());
    thread_ = std::thread([this] { (void)server_->Run(); });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_url_encode(false);
  }

  void TearDown() override {
    if (server_) server_->Stop();
    if (thread_.joinable()) thread_.join();
  }

  std::pair<int, json> Get(const std::string& target) {
    auto res = client_->Get(target);
    if (!res) return {0, nullptr};
    return {res->status, json::parse(res->body, nullptr, false)};
  }
  std::pair<int, json> Post(const std::string& target, const std::string& body) {
    auto res = client_->Post(target, body, "application/json");
    if (!res) return {0, nullptr};
    return {res->status, json::parse(res->body, nullptr, false)};
  }

  static std::string Id(const Cluster& c, int i) { return TrackIdForPath(PathOf(c, i)); }
  static std::string ClusterOfName(const std::string& title) {
    return title.substr(0, title.find(' '));
  }

  TempDir dir_;
  std::filesystem::path path_;
  std::unique_ptr<CatalogView> view_;
  std::unique_ptr<RecommenderCache> recommender_;
  MetricsRegistry metrics_;
  ApiContext context_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(RecommendApiTest, PlaylistTakesNeighboursFromEachSeedsClusterAndSaysWhy) {
  const std::string quiet0 = Id(kClusters[0], 0);
  const std::string loud3 = Id(kClusters[2], 3);
  auto [status, body] =
      Post("/api/playlist", json{{"seeds", {quiet0, loud3}}, {"per_seed", 3}}.dump());
  ASSERT_EQ(status, 200) << body;
  ASSERT_EQ(body["seeds"].size(), 2u);
  EXPECT_EQ(body["seeds"][0]["id"], quiet0);
  ASSERT_EQ(body["tracks"].size(), 6u) << body;
  std::set<std::string> ids;
  for (std::size_t i = 0; i < 6; ++i) {
    const json& t = body["tracks"][i];
    const std::string seed = i < 3 ? quiet0 : loud3;
    EXPECT_EQ(t["seed"]["id"], seed);
    EXPECT_NE(t["track"]["id"], quiet0);
    EXPECT_NE(t["track"]["id"], loud3);
    EXPECT_EQ(ClusterOfName(t["track"]["name"]), i < 3 ? "quiet" : "loud") << t;
    EXPECT_EQ(t["closest_features"].size(), 3u);
    if (i % 3 > 0) {
      EXPECT_GE(t["distance"], body["tracks"][i - 1]["distance"]);
    }
    ids.insert(t["track"]["id"].get<std::string>());
  }
  EXPECT_EQ(ids.size(), 6u);
  // Tempo steps by one BPM inside a cluster: quiet1 is quiet0's nearest.
  EXPECT_EQ(body["tracks"][0]["track"]["id"], Id(kClusters[0], 1));
  // The same request gives the same playlist.
  auto again = Post("/api/playlist", json{{"seeds", {quiet0, loud3}}, {"per_seed", 3}}.dump());
  EXPECT_EQ(again.second["tracks"], body["tracks"]);
}

TEST_F(RecommendApiTest, PlaylistSeedsByNameAndUnknownSeedsAre404OrSkipped) {
  auto [ok, body] =
      Post("/api/playlist", R"({"seeds": ["mid artist 0 - mid song 2"], "per_seed": 2})");
  ASSERT_EQ(ok, 200) << body;
  EXPECT_EQ(body["seeds"][0]["id"], Id(kClusters[1], 2));
  auto [missing, err] = Post("/api/playlist", R"({"seeds": ["Nobody - Nothing At All"]})");
  EXPECT_EQ(missing, 404);
  EXPECT_NE(err["error"]["message"].get<std::string>().find("Nothing At All"), std::string::npos)
      << err;
  auto [partial, skipped] = Post(
      "/api/playlist",
      json{{"seeds", {"Nobody - Nothing At All", Id(kClusters[1], 0)}}, {"partial", true}}.dump());
  ASSERT_EQ(partial, 200) << skipped;
  EXPECT_EQ(skipped["skipped_seeds"], json::array({"Nobody - Nothing At All"}));
  EXPECT_EQ(skipped["tracks"].size(), 3u);
}

TEST_F(RecommendApiTest, PlaylistBadBodiesAre400) {
  for (const char* body :
       {"{", "[]", "{}", R"({"seeds": []})", R"({"seeds": "x"})", R"({"seeds": [1]})",
        R"({"seeds": ["x"], "per_seed": 0})", R"({"seeds": ["x"], "per_seed": "3"})",
        R"({"seeds": ["x"], "order": "random"})", R"({"seeds": ["x"], "format": "mp3"})",
        R"({"seeds": ["x"], "filters": {"min_tempo": 200, "max_tempo": 100}})",
        R"({"seeds": ["x"], "filters": {"min_loveliness": 1}})",
        R"({"seeds": ["x"], "filters": {"max_energy": "high"}})"}) {
    auto [status, err] = Post("/api/playlist", body);
    EXPECT_EQ(status, 400) << body << " -> " << err;
    EXPECT_EQ(err["error"]["status"], 400) << body;
  }
}

TEST_F(RecommendApiTest, PlaylistExportsM3u8AndJspf) {
  const std::string seed = Id(kClusters[0], 0);
  auto m3u = client_->Post("/api/playlist", json{{"seeds", {seed}}, {"format", "m3u8"}}.dump(),
                           "application/json");
  ASSERT_TRUE(m3u);
  ASSERT_EQ(m3u->status, 200) << m3u->body;
  EXPECT_EQ(m3u->get_header_value("Content-Type").rfind("audio/x-mpegurl", 0), 0u);
  EXPECT_EQ(m3u->body.rfind("#EXTM3U", 0), 0u) << m3u->body;
  EXPECT_NE(m3u->body.find("/m/quiet1.flac"), std::string::npos) << m3u->body;
  EXPECT_EQ(std::count(m3u->body.begin(), m3u->body.end(), '\n') >= 7, true);
  auto [status, jspf] = Post("/api/playlist", json{{"seeds", {seed}}, {"format", "jspf"}}.dump());
  ASSERT_EQ(status, 200);
  EXPECT_EQ(jspf["playlist"]["track"].size(), 3u) << jspf;
}

TEST_F(RecommendApiTest, HarmonicOrderKeepsTheSameTracks) {
  const std::string body =
      json{{"seeds", {Id(kClusters[0], 0), Id(kClusters[1], 0)}}, {"per_seed", 3}}.dump();
  auto [s1, plain] = Post("/api/playlist", body);
  json harmonic_body = json::parse(body);
  harmonic_body["order"] = "harmonic";
  auto [s2, harmonic] = Post("/api/playlist", harmonic_body.dump());
  ASSERT_EQ(s1, 200);
  ASSERT_EQ(s2, 200) << harmonic;
  std::multiset<std::string> a, b;
  for (const auto& t : plain["tracks"]) a.insert(t["track"]["id"].get<std::string>());
  for (const auto& t : harmonic["tracks"]) b.insert(t["track"]["id"].get<std::string>());
  EXPECT_EQ(a, b);
  EXPECT_EQ(harmonic["order"], "harmonic");
  for (const auto& t : harmonic["tracks"]) EXPECT_FALSE(t["camelot"].get<std::string>().empty());
}

TEST_F(RecommendApiTest, RecommendationsFollowSpotifysShapeAndFilters) {
  const std::string seed = Id(kClusters[1], 1);
  auto [status, body] = Get("/v1/recommendations?seed_tracks=" + seed + "&limit=5");
  ASSERT_EQ(status, 200) << body;
  ASSERT_EQ(body["tracks"].size(), 5u);
  for (const auto& t : body["tracks"]) EXPECT_NE(t["id"], seed);
  ASSERT_EQ(body["seeds"].size(), 1u);
  const json& s = body["seeds"][0];
  EXPECT_EQ(s["id"], seed);
  EXPECT_EQ(s["type"], "TRACK");
  EXPECT_EQ(s["href"], "/v1/tracks/" + seed);
  EXPECT_GE(s["initialPoolSize"].get<int>(), s["afterFilteringSize"].get<int>());
  EXPECT_EQ(s["afterRelinkingSize"], s["afterFilteringSize"]);
  // The three nearest are the other mid tracks.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(ClusterOfName(body["tracks"][i]["name"]), "mid");

  auto [fs, filtered] = Get("/v1/recommendations?seed_tracks=" + seed + "&max_tempo=100");
  ASSERT_EQ(fs, 200) << filtered;
  ASSERT_FALSE(filtered["tracks"].empty());
  for (const auto& t : filtered["tracks"]) EXPECT_EQ(ClusterOfName(t["name"]), "quiet") << t;

  auto [gs, by_genre] = Get("/v1/recommendations?seed_genres=techno&limit=4");
  ASSERT_EQ(gs, 200) << by_genre;
  for (const auto& t : by_genre["tracks"]) EXPECT_EQ(ClusterOfName(t["name"]), "loud") << t;
  EXPECT_EQ(by_genre["seeds"][0]["type"], "GENRE");
}

TEST_F(RecommendApiTest, RecommendationsRejectBadRequests) {
  const std::string seed = Id(kClusters[1], 1);
  const std::vector<std::string> targets = {
      "/v1/recommendations",
      "/v1/recommendations?limit=5",
      "/v1/recommendations?seed_tracks=" + seed + "," + seed + "," + seed + "&seed_genres=a,b,c",
      "/v1/recommendations?seed_tracks=" + seed + "&limit=0",
      "/v1/recommendations?seed_tracks=" + seed + "&limit=101",
      "/v1/recommendations?seed_tracks=" + seed + "&min_energy=0.8&max_energy=0.2",
      "/v1/recommendations?seed_tracks=" + seed + "&min_energy=2",
      "/v1/recommendations?seed_tracks=" + seed + "&target_tempo=fast",
      "/v1/recommendations?seed_tracks=" + seed + "&max_sparkle=1"};
  for (const std::string& target : targets) {
    auto [status, err] = Get(target);
    EXPECT_EQ(status, 400) << target << " -> " << err;
  }
  auto [status, err] = Get("/v1/recommendations?seed_tracks=0000000000000000000000");
  EXPECT_EQ(status, 404) << err;
}

TEST_F(RecommendApiTest, PathMovesFromOneSongToAnotherWithoutRepeats) {
  const std::string from = Id(kClusters[0], 0);
  const std::string to = Id(kClusters[2], 3);
  auto [status, body] = Get("/api/path?from=" + from + "&to=" + to + "&steps=6");
  ASSERT_EQ(status, 200) << body;
  ASSERT_EQ(body["tracks"].size(), 6u);
  EXPECT_EQ(body["tracks"][0]["track"]["id"], from);
  EXPECT_EQ(body["tracks"][5]["track"]["id"], to);
  std::set<std::string> ids;
  for (const auto& t : body["tracks"]) ids.insert(t["track"]["id"].get<std::string>());
  EXPECT_EQ(ids.size(), 6u);
  // The way goes through the middle cluster.
  bool via_mid = false;
  for (const auto& t : body["tracks"]) via_mid |= ClusterOfName(t["track"]["name"]) == "mid";
  EXPECT_TRUE(via_mid) << body;
  EXPECT_EQ(Get("/api/path?from=" + from).first, 400);
  EXPECT_EQ(Get("/api/path?from=" + from + "&to=" + to + "&steps=1").first, 400);
  EXPECT_EQ(Get("/api/path?from=" + from + "&to=nobody").first, 404);
}

TEST_F(RecommendApiTest, OpenApiDescribesTheRecommendationRoutes) {
  auto [status, doc] = Get("/openapi.json");
  ASSERT_EQ(status, 200);
  EXPECT_TRUE(doc["paths"]["/api/playlist"].contains("post"));
  EXPECT_TRUE(doc["paths"]["/api/playlist"]["post"].contains("requestBody"));
  EXPECT_TRUE(doc["paths"]["/v1/recommendations"].contains("get"));
  EXPECT_TRUE(doc["paths"]["/api/path"].contains("get"));
}

class EmptyCatalogRecommendTest : public RecommendApiTest {
 protected:
  void SetUp() override { StartServer(false); }
};

TEST_F(EmptyCatalogRecommendTest, ACatalogWithoutFeaturesIs409SayingWhatToRun) {
  auto [status, err] = Post("/api/playlist", R"({"seeds": ["x"]})");
  EXPECT_EQ(status, 409) << err;
  EXPECT_NE(err["error"]["message"].get<std::string>().find("sonance analyze"), std::string::npos)
      << err;
  EXPECT_EQ(Get("/v1/recommendations?seed_genres=pop").first, 409);
}

}  // namespace
}  // namespace sonance
