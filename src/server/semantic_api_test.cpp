// The text routes over a real catalog file, a real ESA index file and a real server on a
// loopback port.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "sonance/catalog/catalog.h"
#include "sonance/semantic/song_vectors.h"
#include "sonance/server/api.h"
#include "sonance/server/catalog_view.h"
#include "sonance/server/semantic_cache.h"
#include "support/fixtures.h"
#include "support/topics.h"

namespace sonance {
namespace {

using nlohmann::json;

struct Song {
  const char* title;
  const char* artist;
  std::vector<std::string> lyrics;
  double valence;
};

const std::vector<Song>& Songs() {
  static const std::vector<Song> songs = {
      {"Sail Away", "The Mariners", {"the ship sails the ocean", "sailors at the harbour"}, 0.8},
      {"Siege Night", "The Mariners", {"fire and sword", "the army at the siege"}, 0.2},
      {"Warm Bread", "The Mariners", {"bread in the oven", "the cook and the kitchen"}, 0.7},
      {"Tide", "Harbour Band", {"the tide and the ship"}, 0.5},
  };
  return songs;
}

TrackAnalysis Analysis(double valence) {
  TrackAnalysis a;
  a.features.valence = valence;
  a.features.energy = 0.5;
  a.features.tempo = 100;
  a.features.duration_ms = 180000;
  a.features.features_version = kFeaturesVersion;
  a.analysis.features_version = kFeaturesVersion;
  a.analysis.track.duration = 180.0;
  return a;
}

class SemanticApiTest : public ::testing::Test {
 protected:
  void Start(bool lyrics, bool with_index) {
    EsaBuildOptions o;
    o.min_df = 1;
    o.max_df_fraction = 1.0;
    ASSERT_TRUE(BuildEsaIndex(test::TopicConcepts(), o, dir_ / "i.esa").ok());
    auto esa = EsaIndex::Load(dir_ / "i.esa");
    ASSERT_TRUE(esa.ok());
    auto mood = std::make_shared<const MoodLexicon>(
        MoodLexicon::FromTables({{"joy", 4}, {"grief", -4}}, {}));
    const auto path = dir_ / "catalog.db";
    {
      auto cat = Catalog::Open(path);
      ASSERT_TRUE(cat.ok());
      for (const Song& s : Songs()) {
        TrackTags t;
        t.title = s.title;
        t.artists = {s.artist};
        const std::string file = std::string("/m/") + s.title + ".flac";
        ASSERT_TRUE(
            (*cat)->StoreAnalysis({file, 1000, 1}, "h-" + file, t, Analysis(s.valence)).ok());
        if (!lyrics) continue;
        std::vector<LyricLine> lines;
        for (const auto& l : s.lyrics) lines.push_back({std::nullopt, l});
        ASSERT_TRUE((*cat)->StoreLyrics((*(*cat)->FindTrack(file))->rowid, lines, "txt").ok());
      }
      ASSERT_TRUE(VectorizeCatalog(**cat, **esa, *mood, VectorizeOptions{}).ok());
    }
    view_ = CatalogView::Open(path, {std::chrono::milliseconds(50)});
    Result<SemanticCache::Models> models =
        with_index ? Result<SemanticCache::Models>(SemanticCache::Models{*esa, mood})
                   : SemanticCache::LoadModels(dir_ / "missing.esa");
    semantic_ = std::make_unique<SemanticCache>(view_.get(), std::move(models));
    RegisterServerMetrics(metrics_);
    HttpServerOptions options;
    options.port = 0;
    options.threads = 2;
    options.max_body_bytes = 1 << 20;
    server_ = std::make_unique<HttpServer>(options);
    context_.catalog = view_.get();
    context_.metrics = &metrics_;
    context_.semantic = semantic_.get();
    RegisterApiRoutes(*server_, context_);
    ASSERT_TRUE(server_->Bind().ok());
    thread_ = std::thread([this] { (void)server_->Run(); });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    ASSERT_TRUE(view_->Refresh().ok());
  }

  void TearDown() override {
    if (server_) server_->Stop();
    if (thread_.joinable()) thread_.join();
  }

  std::pair<int, json> Post(const std::string& body) {
    auto res = client_->Post("/generate_soundtrack", body, "application/json");
    if (!res) return {0, nullptr};
    return {res->status, json::parse(res->body, nullptr, false)};
  }
  std::pair<int, json> Get(const std::string& target) {
    auto res = client_->Get(target);
    if (!res) return {0, nullptr};
    return {res->status, json::parse(res->body, nullptr, false)};
  }

  test::TempDir dir_;
  std::unique_ptr<CatalogView> view_;
  std::unique_ptr<SemanticCache> semantic_;
  MetricsRegistry metrics_;
  ApiContext context_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  std::unique_ptr<httplib::Client> client_;
};

// Three scenes of three sentences (the default minimum scene length).
constexpr const char* kStory =
    "The ship left the harbour on the morning tide. Sailors watched the ocean waves. "
    "The sail filled with wind. "
    "Soon the army came with fire and sword. The soldiers held the siege of the castle. "
    "The battle lasted all day. "
    "Later they baked bread in the oven. The cook set the feast on the table. "
    "Flour covered the kitchen.";

TEST_F(SemanticApiTest, SoundtrackInTheOriginalShapeWithTimingsInTheHistograms) {
  Start(/*lyrics=*/true, /*with_index=*/true);
  auto [status, body] = Post(json{{"storyline", kStory}}.dump());
  ASSERT_EQ(status, 200) << body.dump();
  EXPECT_EQ(body["Chosen Artist"], "The Mariners");  // the artist with songs on all three
  EXPECT_EQ(body["Scene 1"]["assigned_song"], "Sail Away");
  EXPECT_EQ(body["Scene 2"]["assigned_song"], "Siege Night");
  EXPECT_EQ(body["Scene 3"]["assigned_song"], "Warm Bread");
  EXPECT_FALSE(body.contains("Scene 4"));
  EXPECT_GT(body["Scene 1"]["similarity_to_song"].get<double>(), 0.3);
  EXPECT_EQ(body["Scene 1"]["track_id"], TrackIdForPath("/m/Sail Away.flac"));
  EXPECT_TRUE(body["sonance"]["lyrics_used"].get<bool>());
  EXPECT_TRUE(body["sonance"]["artist_recommended"].get<bool>());
  for (const char* h : {"scene_split_time", "esa_vector_generation_time", "story_esa_vector_time",
                        "artist_recommendation_time", "top_tracks_retrieval_time",
                        "tracks_esa_vector_generation_time", "song_assignment_time"}) {
    EXPECT_EQ(metrics_.Find(h)->Value({}), 1.0) << h;
  }

  // The other artist, by a forgiving name.
  auto [given, chosen] = Post(json{{"storyline", kStory}, {"artist", "harbour band"}}.dump());
  ASSERT_EQ(given, 200) << chosen.dump();
  EXPECT_EQ(chosen["Chosen Artist"], "Harbour Band");
  EXPECT_FALSE(chosen["sonance"]["artist_recommended"].get<bool>());
}

TEST_F(SemanticApiTest, BadSoundtrackRequestsGetTheRightStatus) {
  Start(true, true);
  EXPECT_EQ(Post("{not json").first, 400);
  EXPECT_EQ(Post("[1, 2]").first, 400);
  EXPECT_EQ(Post("{}").first, 400);
  EXPECT_EQ(Post(json{{"storyline", 42}}.dump()).first, 400);
  EXPECT_EQ(Post(json{{"storyline", "   \n "}}.dump()).first, 400);
  EXPECT_EQ(Post(json{{"storyline", kStory}, {"artist", 7}}.dump()).first, 400);
  // Invalid UTF-8 inside the JSON string.
  EXPECT_EQ(Post(std::string("{\"storyline\": \"bad \xff byte\"}")).first, 400);
  // 100,000 characters are accepted, one more is 413.
  std::string longest(100000, 'a');
  EXPECT_EQ(Post(json{{"storyline", longest}}.dump()).first, 200);
  auto [over, err] = Post(json{{"storyline", longest + "a"}}.dump());
  EXPECT_EQ(over, 413);
  EXPECT_EQ(err["error"]["status"], 413);
  // An unknown artist: 404 with the closest names.
  auto [missing, body] = Post(json{{"storyline", kStory}, {"artist", "The Marinerz"}}.dump());
  EXPECT_EQ(missing, 404);
  ASSERT_TRUE(body["error"]["suggestions"].is_array()) << body.dump();
  EXPECT_EQ(body["error"]["suggestions"][0], "The Mariners");
}

TEST_F(SemanticApiTest, WithoutLyricsTheSoundtrackStillAnswersAndSaysSo) {
  Start(/*lyrics=*/false, true);
  auto [status, body] = Post(json{{"storyline", kStory}}.dump());
  ASSERT_EQ(status, 200) << body.dump();
  EXPECT_FALSE(body["sonance"]["lyrics_used"].get<bool>());
  EXPECT_NE(body["sonance"]["note"].get<std::string>().find("no lyrics"), std::string::npos);
  EXPECT_TRUE(body["Scene 1"]["assigned_song"].is_string());
  EXPECT_TRUE(body["Scene 1"]["mood_fit"].is_number());  // analysed tracks have valence, energy
}

TEST_F(SemanticApiTest, LyricsSearchListsSongsWithTheirBestLines) {
  Start(true, true);
  auto [status, body] = Get("/api/lyrics/search?q=sailors+on+the+ocean&limit=2");
  ASSERT_EQ(status, 200) << body.dump();
  ASSERT_EQ(body["results"].size(), 2u);
  EXPECT_EQ(body["results"][0]["track"]["name"], "Sail Away");
  EXPECT_EQ(body["results"][1]["track"]["name"], "Tide");
  EXPECT_FALSE(body["results"][0]["lines"].empty());
  EXPECT_TRUE(body["lyrics_used"].get<bool>());
  EXPECT_EQ(Get("/api/lyrics/search").first, 400);
  EXPECT_EQ(Get("/api/lyrics/search?q=").first, 400);
  EXPECT_EQ(Get("/api/lyrics/search?q=ship&limit=0").first, 400);
  EXPECT_EQ(Get("/api/lyrics/search?q=ship&limit=x").first, 400);
  EXPECT_EQ(Get("/api/lyrics/search?q=%FF%FE").first, 400);
}

TEST_F(SemanticApiTest, WithoutAnIndexTheTextRoutesAre503AndSayHowToBuildIt) {
  Start(true, /*with_index=*/false);
  auto [status, body] = Post(json{{"storyline", kStory}}.dump());
  EXPECT_EQ(status, 503);
  EXPECT_NE(body["error"]["message"].get<std::string>().find("sonance esa build"),
            std::string::npos);
  EXPECT_EQ(Get("/api/lyrics/search?q=ship").first, 503);
}

}  // namespace
}  // namespace sonance
