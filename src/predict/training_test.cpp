#include "sonance/predict/training.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "support/fixtures.h"
#include "test_catalog.h"

namespace sonance {
namespace {

namespace fs = std::filesystem;

std::string ReadText(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class TrainStreamModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    catalog_ = test::OpenCatalog(dir_ / "catalog.db");
    ASSERT_NE(catalog_, nullptr);
    options_.cv.xgboost.n_rounds = 80;
    options_.cv.xgboost.eta = 0.2;
    options_.cv.xgboost.max_depth = 2;
  }

  // `n` tracks; energetic ones (energy > 0.5) are streamed 20 times, the others 3 times:
  // a step the trees find and a line does not fit as well. Two more tracks, n (energy 0.1)
  // and n + 9 (energy 0.9), are in the catalog but never played (FullTrack's loudness follows
  // i % 10 as energy does here, so they keep the same pattern).
  void History(int n) {
    std::vector<ImportedTrack> tracks;
    for (int i = 0; i < n; ++i) tracks.push_back(test::FullTrack(i, 0.05 + (i % 10) / 10.0, 0.5));
    tracks.push_back(test::FullTrack(n, 0.1, 0.5));
    tracks.push_back(test::FullTrack(n + 9, 0.9, 0.5));
    test::PutTracks(*catalog_, tracks);
    auto import = catalog_->BeginImport();
    ASSERT_TRUE(import.ok());
    int clock = 0;
    for (int i = 0; i < n; ++i) {
      test::AddPlays(**import, i, tracks[i].features->energy > 0.5 ? 20 : 3, 1, &clock);
    }
    ASSERT_TRUE((*import)->Commit().ok());
  }

  test::TempDir dir_;
  std::unique_ptr<Catalog> catalog_;
  TrainOptions options_;
};

TEST_F(TrainStreamModelTest, TrainsStoresTheVersionAndLogsTheRun) {
  History(60);
  ModelStore store(ModelStore::DefaultDir(dir_ / "catalog.db"));
  options_.mlruns = dir_ / "mlruns";
  auto r = TrainStreamModel(*catalog_, store, options_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->mlflow.ok()) << r->mlflow.ToString();

  const StreamModelMeta& m = r->meta;
  EXPECT_EQ(m.version, 1);
  EXPECT_EQ(m.source, TrainingSource::kHistory);
  EXPECT_EQ(m.transform, TargetTransform::kClip0To30);
  EXPECT_EQ(m.training_rows, 60u);
  const auto dataset = BuildStreamDataset(*catalog_, TrainingSource::kHistory);
  EXPECT_EQ(m.data_hash, HashHex(dataset->data_hash));
  EXPECT_EQ(m.params.n_rounds, 80);
  EXPECT_EQ(m.cv_folds, 5);
  EXPECT_EQ(r->cv.fold_of_row.size(), 60u);
  // The step is learnt: far better than the mean, and better than a line.
  EXPECT_GT(m.xgboost.mean_over_folds.r2, 0.9);
  EXPECT_LT(m.mean_baseline.mean_over_folds.r2, 0.0);
  EXPECT_LT(m.xgboost.pooled.rmse, m.ridge.pooled.rmse);
  EXPECT_EQ(*store.CurrentVersion(), std::optional<int>(1));
  EXPECT_TRUE(fs::exists(dir_ / "catalog.db.models" / "v1" / "model.sxgb"));

  // The run: experiment "stream_prediction", params, metrics, the version's files.
  ExperimentStore experiments(options_.mlruns);
  auto experiment = experiments.Experiment(kStreamPredictionExperiment);
  ASSERT_TRUE(experiment.ok());
  ASSERT_EQ(m.mlflow_run_id.size(), 32u);
  const fs::path run = options_.mlruns / *experiment / m.mlflow_run_id;
  ASSERT_TRUE(fs::is_directory(run)) << run;
  EXPECT_EQ(ReadText(run / "params" / "source"), "history");
  EXPECT_EQ(ReadText(run / "params" / "data_hash"), m.data_hash);
  EXPECT_EQ(ReadText(run / "params" / "n_rounds"), "80");
  EXPECT_EQ(ReadText(run / "params" / "model_version"), "v1");
  EXPECT_EQ(ReadText(run / "tags" / "sonance.model_version"), "v1");
  std::istringstream rmse(ReadText(run / "metrics" / "xgboost_rmse"));
  std::int64_t at = 0;
  double value = 0;
  std::int64_t step = -1;
  rmse >> at >> value >> step;
  EXPECT_NEAR(value, m.xgboost.mean_over_folds.rmse, 1e-9);
  EXPECT_EQ(step, 0);
  for (const char* metric : {"mean_r2", "ridge_pooled_mae", "ridge_fold_rmse", "ridge_lambda"}) {
    EXPECT_TRUE(fs::exists(run / "metrics" / metric)) << metric;
  }
  EXPECT_EQ(ReadText(run / "artifacts" / "model.sxgb"), ReadText(store.ModelFile(1)));
  EXPECT_EQ(ReadText(run / "artifacts" / "meta.json"), ReadText(store.MetaFile(1)));
  EXPECT_NE(ReadText(run / "meta.yaml").find("status: 3"), std::string::npos);  // FINISHED

  // The stored model predicts the step for the catalog's tracks that were never played.
  auto predictor = store.LoadCurrent();
  ASSERT_TRUE(predictor.ok()) << predictor.status().ToString();
  auto predict = [&](int i) {
    auto track = catalog_->FindTrack(test::TestTrackId(i));
    auto row = TrackFeatureRow(*catalog_, **track);
    EXPECT_TRUE(row.ok()) << row.status().ToString();
    auto p = predictor->Predict(*row);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    return p.ok() ? p->streams : -1.0;
  };
  EXPECT_NEAR(predict(60), 3, 1.5);
  EXPECT_NEAR(predict(69), 20, 3);

  // Training again makes v2 current and a second run.
  auto second = TrainStreamModel(*catalog_, store, options_);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->meta.version, 2);
  EXPECT_NE(second->meta.mlflow_run_id, m.mlflow_run_id);
  EXPECT_EQ(second->meta.data_hash, m.data_hash);
  EXPECT_EQ(*store.CurrentVersion(), std::optional<int>(2));
}

TEST_F(TrainStreamModelTest, TooLittleDataStoresAndLogsNothing) {
  History(12);
  ModelStore store(dir_ / "models");
  options_.mlruns = dir_ / "mlruns";
  const auto r = TrainStreamModel(*catalog_, store, options_);
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("12 rows"), std::string::npos) << r.status().message();
  EXPECT_FALSE(fs::exists(dir_ / "models" / "v1"));
  EXPECT_FALSE(fs::exists(dir_ / "mlruns"));
  EXPECT_EQ(store.LoadCurrent().status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(TrainStreamModelTest, WithoutAnMlflowStoreNoRunIsLogged) {
  History(30);
  ModelStore store(dir_ / "models");
  options_.make_current = false;
  const auto r = TrainStreamModel(*catalog_, store, options_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->mlflow.ok());
  EXPECT_TRUE(r->meta.mlflow_run_id.empty());
  EXPECT_FALSE(store.CurrentVersion()->has_value());
  EXPECT_TRUE(store.Show(1).ok());
}

}  // namespace
}  // namespace sonance
