#include "sonance/predict/store.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/fixtures.h"

namespace sonance {
namespace {

namespace fs = std::filesystem;
namespace sf = stream_feature;

std::string ReadText(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void WriteText(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

// Rows with every feature known; the target rises with popularity.
void Rows(std::vector<StreamFeatureRow>* rows, std::vector<float>* x, std::vector<float>* y) {
  for (int i = 0; i < 40; ++i) {
    auto row = StreamFeatureRowFromValues({{"popularity", i * 2},
                                           {"energy", (i % 10) / 10.0},
                                           {"key", i % 12},
                                           {"release_year", 2000 + i % 20}});
    ASSERT_TRUE(row.ok()) << row.status().ToString();
    rows->push_back(*row);
    for (double v : *row) x->push_back(static_cast<float>(v));
    y->push_back(static_cast<float>(std::log1p(1000.0 * (i + 1))));
  }
}

class ModelStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Rows(&rows_, &x_, &y_);
    XgbParams p;
    p.n_rounds = 60;
    p.eta = 0.2;
    auto m = XgbRegressor::Train(x_, kStreamFeatureCount, y_, p);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    model_ = std::make_unique<XgbRegressor>(std::move(m).value());
  }

  StreamModelMeta Meta() const {
    StreamModelMeta m;
    m.source = TrainingSource::kStreams;
    m.transform = TargetTransform::kLog1p;
    m.training_rows = 40;
    m.data_hash = "0123456789abcdef";
    m.params.n_rounds = 60;
    m.params.eta = 0.2;
    m.cv_folds = 5;
    m.cv_seed = 42;
    m.xgboost = {{40, 0.5, 0.7, 0.8}, {40, 0.51, 0.71, 0.79}};
    m.mean_baseline = {{40, 1.5, 1.7, -0.02}, {40, 1.5, 1.7, -0.01}};
    m.ridge = {{40, 0.9, 1.1, 0.4}, {40, 0.9, 1.1, 0.41}};
    m.ridge_lambdas = {10, 10, 1, 10, 100};
    return m;
  }

  ModelStoreOptions Options() const {
    ModelStoreOptions o;
    o.clock = [] { return std::chrono::system_clock::from_time_t(1732248306); };
    return o;
  }

  test::TempDir dir_;
  fs::path store_dir_ = dir_ / "catalog.db.models";
  std::vector<StreamFeatureRow> rows_;
  std::vector<float> x_, y_;
  std::unique_ptr<XgbRegressor> model_;
};

TEST_F(ModelStoreTest, EmptyStoreSaysToTrainFirst) {
  ModelStore store(store_dir_, Options());
  EXPECT_TRUE(store.List()->empty());
  EXPECT_FALSE(store.CurrentVersion()->has_value());
  const auto loaded = store.LoadCurrent();
  EXPECT_EQ(loaded.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(loaded.status().message().find("run `sonance model train`"), std::string::npos)
      << loaded.status().message();
  EXPECT_EQ(store.Show(1).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store.Load(1).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store.Use(1).code(), StatusCode::kNotFound);
}

TEST_F(ModelStoreTest, VersionsAreNumberedAndCurrentMovesAtomically) {
  ModelStore store(store_dir_, Options());
  auto v1 = store.Add(*model_, Meta());
  ASSERT_TRUE(v1.ok()) << v1.status().ToString();
  EXPECT_EQ(v1->version, 1);
  EXPECT_EQ(v1->created_at, "2024-11-22T04:05:06Z");
  auto v2 = store.Add(*model_, Meta(), /*make_current=*/false);
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->version, 2);
  EXPECT_EQ(*store.CurrentVersion(), std::optional<int>(1));
  ASSERT_TRUE(store.Use(2).ok());
  EXPECT_EQ(ReadText(store_dir_ / "current"), "v2\n");
  EXPECT_TRUE(fs::exists(store_dir_ / "v1" / "model.sxgb"));
  EXPECT_TRUE(fs::exists(store_dir_ / "v2" / "meta.json"));
  // Nothing temporary is left behind.
  int entries = 0;
  for (const auto& e : fs::directory_iterator(store_dir_)) {
    EXPECT_NE(e.path().filename().string()[0], '.') << e.path();
    ++entries;
  }
  EXPECT_EQ(entries, 3);  // v1, v2, current

  auto list = store.List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].version, 1);
  EXPECT_EQ((*list)[1].version, 2);
  EXPECT_EQ(store.Use(3).code(), StatusCode::kNotFound);
  EXPECT_EQ(*store.CurrentVersion(), std::optional<int>(2));
}

TEST_F(ModelStoreTest, MetaJsonHoldsEverythingAndReadsBack) {
  ModelStore store(store_dir_, Options());
  StreamModelMeta in = Meta();
  in.mlflow_run_id = "0123456789abcdef0123456789abcdef";
  ASSERT_TRUE(store.Add(*model_, in).ok());
  const auto j = nlohmann::json::parse(ReadText(store_dir_ / "v1" / "meta.json"));
  EXPECT_EQ(j["version"], 1);
  EXPECT_EQ(j["source"], "streams");
  EXPECT_EQ(j["target_transform"], "log1p");
  EXPECT_EQ(j["features_version"], kStreamFeaturesVersion);
  EXPECT_EQ(j["features"].size(), 33u);
  EXPECT_EQ(j["features"][0], "number_of_available_markets");
  EXPECT_EQ(j["training_rows"], 40);
  EXPECT_EQ(j["data_hash"], "0123456789abcdef");
  EXPECT_EQ(j["params"]["n_rounds"], 60);
  EXPECT_EQ(j["params"]["eta"], 0.2);
  EXPECT_EQ(j["params"]["nthread"], 1);
  EXPECT_EQ(j["params"]["seed"], 42);
  EXPECT_EQ(j["cv"]["metrics"]["xgboost"]["mean_over_folds"]["r2"], 0.8);
  EXPECT_EQ(j["cv"]["metrics"]["mean"]["pooled"]["r2"], -0.01);
  EXPECT_EQ(j["cv"]["metrics"]["ridge"]["pooled"]["rmse"], 1.1);
  EXPECT_EQ(j["cv"]["ridge_lambdas"][4], 100);
  EXPECT_EQ(j["model_file"], "model.sxgb");
  EXPECT_EQ(j["mlflow_run_id"], in.mlflow_run_id);

  auto out = store.Show(1);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->source, TrainingSource::kStreams);
  EXPECT_EQ(out->transform, TargetTransform::kLog1p);
  EXPECT_EQ(out->features, StreamFeatureNames());
  EXPECT_EQ(out->params.eta, 0.2);
  EXPECT_EQ(out->xgboost.pooled.rmse, 0.71);
  EXPECT_EQ(out->ridge_lambdas, in.ridge_lambdas);
  EXPECT_EQ(out->mlflow_run_id, in.mlflow_run_id);
}

TEST_F(ModelStoreTest, LoadedModelPredictsStreamsThroughTheInverseTransform) {
  ModelStore store(store_dir_, Options());
  ASSERT_TRUE(store.Add(*model_, Meta()).ok());
  auto predictor = store.LoadCurrent();
  ASSERT_TRUE(predictor.ok()) << predictor.status().ToString();
  EXPECT_EQ(predictor->meta().version, 1);
  auto p = predictor->Predict(rows_);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  const auto direct = model_->Predict(x_);
  ASSERT_EQ(p->size(), rows_.size());
  for (std::size_t i = 0; i < rows_.size(); ++i) {
    EXPECT_EQ((*p)[i].target, (*direct)[i]);
    EXPECT_DOUBLE_EQ((*p)[i].streams, std::expm1((*direct)[i]));
  }
  // The last row (popularity 78) is the most streamed: about 40,000.
  EXPECT_GT(p->back().streams, 15000);
  EXPECT_LT(p->back().streams, 60000);

  StreamFeatureRow bad = rows_[0];
  bad[sf::kPopularity] = 150;
  const auto one = predictor->Predict(bad);
  EXPECT_EQ(one.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(one.status().message(), "popularity = 150 is outside 0..100");
  const std::vector<StreamFeatureRow> two = {rows_[0], bad};
  EXPECT_EQ(predictor->Predict(two).status().message(),
            "row 1: popularity = 150 is outside 0..100");
}

TEST_F(ModelStoreTest, DamagedVersionsAreCorruptWithTheirPath) {
  ModelStore store(store_dir_, Options());
  ASSERT_TRUE(store.Add(*model_, Meta()).ok());
  const fs::path model = store_dir_ / "v1" / "model.sxgb";
  std::string bytes = ReadText(model);
  WriteText(model, bytes.substr(0, bytes.size() / 2));
  auto truncated = store.LoadCurrent();
  EXPECT_EQ(truncated.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(truncated.status().message().find(model.string()), std::string::npos);

  fs::remove(model);
  EXPECT_EQ(store.Load(1).status().code(), StatusCode::kCorrupt);

  const fs::path meta = store_dir_ / "v1" / "meta.json";
  WriteText(meta, "{\"version\": 1");
  const auto unreadable = store.Show(1);
  EXPECT_EQ(unreadable.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(unreadable.status().message().find(meta.string()), std::string::npos);
  EXPECT_EQ(store.List().status().code(), StatusCode::kCorrupt);

  WriteText(store_dir_ / "current", "latest\n");
  EXPECT_EQ(store.CurrentVersion().status().code(), StatusCode::kCorrupt);
  WriteText(store_dir_ / "current", "v9\n");
  const auto dangling = store.LoadCurrent();
  EXPECT_EQ(dangling.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(dangling.status().message().find("v9"), std::string::npos);

  // A damaged old version does not stop a new one.
  auto v2 = store.Add(*model_, Meta());
  ASSERT_TRUE(v2.ok()) << v2.status().ToString();
  EXPECT_EQ(v2->version, 2);
  EXPECT_TRUE(store.LoadCurrent().ok());
}

TEST_F(ModelStoreTest, VersionsWithoutCurrentSayToUseOne) {
  ModelStore store(store_dir_, Options());
  ASSERT_TRUE(store.Add(*model_, Meta(), false).ok());
  const auto loaded = store.LoadCurrent();
  EXPECT_EQ(loaded.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(loaded.status().message().find("(versions: v1): run `sonance model use VERSION`"),
            std::string::npos)
      << loaded.status().message();
}

TEST_F(ModelStoreTest, ModelsOfAnotherFeaturesVersionAreRefused) {
  ModelStore store(store_dir_, Options());
  ASSERT_TRUE(store.Add(*model_, Meta()).ok());
  const fs::path meta = store_dir_ / "v1" / "meta.json";
  auto j = nlohmann::json::parse(ReadText(meta));
  j["features_version"] = kStreamFeaturesVersion + 1;
  WriteText(meta, j.dump());
  const auto loaded = store.Load(1);
  EXPECT_EQ(loaded.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(loaded.status().message().find("sonance model train"), std::string::npos);
}

TEST(ModelStorePathsTest, DefaultDirAndVersionNames) {
  EXPECT_EQ(ModelStore::DefaultDir("/data/catalog.db"), fs::path("/data/catalog.db.models"));
  EXPECT_EQ(*ModelStore::ParseVersion("v3"), 3);
  EXPECT_EQ(*ModelStore::ParseVersion("12"), 12);
  for (const char* bad : {"", "v", "v0", "0", "-1", "v-1", "v1.5", "x3", "03", "v 3"}) {
    EXPECT_EQ(ModelStore::ParseVersion(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace sonance
