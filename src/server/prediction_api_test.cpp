// GET /api/prediction over a real catalog, a real model store and a real server on loopback.
#include <gtest/gtest.h>
#include <httplib.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <thread>

#include "predict/test_catalog.h"
#include "sonance/predict/training.h"
#include "sonance/server/api.h"
#include "sonance/server/catalog_view.h"
#include "sonance/server/prediction_cache.h"
#include "support/fixtures.h"

namespace sonance {
namespace {

using nlohmann::json;

class PredictionApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_ / "catalog.db";
    {
      auto cat = test::OpenCatalog(path_);
      ASSERT_TRUE(cat);
      // Streams grow with danceability: 1e6 * e^(4 d).
      std::vector<ImportedTrack> tracks;
      for (int i = 0; i < 40; ++i) {
        const double d = 0.1 + 0.02 * i;
        ImportedTrack t = test::FullTrack(i, 0.5, d);
        t.streams = std::llround(1e6 * std::exp(4 * d));
        tracks.push_back(t);
      }
      test::PutTracks(*cat, tracks);
    }
    view_ = CatalogView::Open(path_, {std::chrono::milliseconds(50)});
    prediction_ = std::make_unique<PredictionCache>(ModelStore::DefaultDir(path_));
    HttpServerOptions options;
    options.port = 0;
    options.threads = 2;
    server_ = std::make_unique<HttpServer>(options);
    context_.catalog = view_.get();
    context_.prediction = prediction_.get();
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

  void Train() {
    auto cat = test::OpenCatalog(path_);
    ModelStore store(ModelStore::DefaultDir(path_));
    TrainOptions o;
    o.source = TrainingSource::kStreams;
    o.cv.folds = 3;
    o.cv.xgboost.n_rounds = 100;
    auto r = TrainStreamModel(*cat, store, o);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }

  std::pair<int, json> Get(const std::string& target) {
    auto res = client_->Get(target);
    if (!res) return {0, nullptr};
    return {res->status, json::parse(res->body, nullptr, false)};
  }

  test::TempDir dir_;
  std::filesystem::path path_;
  std::unique_ptr<CatalogView> view_;
  std::unique_ptr<PredictionCache> prediction_;
  ApiContext context_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(PredictionApiTest, NoModelIs503SayingHowToTrainOne) {
  auto [status, body] = Get("/api/prediction?song=Song%203");
  EXPECT_EQ(status, 503);
  EXPECT_NE(body["error"]["message"].get<std::string>().find("sonance model train"),
            std::string::npos)
      << body.dump();
}

TEST_F(PredictionApiTest, MusicFlowsShapeAndAModelThatFollowsTheData) {
  Train();
  auto [status, body] = Get("/api/prediction?song=song%2039&artist=Artist%204");
  ASSERT_EQ(status, 200) << body.dump();
  EXPECT_EQ(body["song"], "Song 39");
  EXPECT_EQ(body["artist"], "Artist 4");
  EXPECT_EQ(body["song_metadata"]["artist"][0], "Artist 4");
  EXPECT_TRUE(body["message"]["emoji"].is_string());
  EXPECT_TRUE(body["message"]["text"].is_string());
  EXPECT_EQ(body["model_version"], 1);
  auto [s0, low] = Get("/api/prediction?song=Song%200");
  ASSERT_EQ(s0, 200);
  // Truth: e^(4 * 0.88) / e^(4 * 0.1) = e^3.12, about 22.6x.
  EXPECT_GT(body["prediction"].get<double>(), 5 * low["prediction"].get<double>());

  auto [miss, err] = Get("/api/prediction?song=Snog%2039");
  EXPECT_EQ(miss, 404);
  EXPECT_FALSE(err["error"]["suggestions"].empty()) << err.dump();
  EXPECT_EQ(Get("/api/prediction").first, 400);
}

TEST_F(PredictionApiTest, ACorruptModelIsRefusedWithItsPathAndTheServerStaysUp) {
  Train();
  const auto model = ModelStore::DefaultDir(path_) / "v1" / "model.sxgb";
  std::filesystem::resize_file(model, 40);
  auto [status, body] = Get("/api/prediction?song=Song%203");
  EXPECT_EQ(status, 503);
  EXPECT_NE(body["error"]["message"].get<std::string>().find(model.string()), std::string::npos)
      << body.dump();
  EXPECT_EQ(Get("/api/prediction?song=Song%203").first, 503);  // still answering
}

}  // namespace
}  // namespace sonance
