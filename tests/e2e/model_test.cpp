// End-to-end tests of `sonance model train|list|show|use`, `predict` and `describe` over a
// generated table of tracks with a streams column (the spotify-2023.csv layout).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "support/fixtures.h"

namespace sonance {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::CommandRun;

std::string Q(const fs::path& p) {
  return test::ShellQuote(p.string());
}

class ModelCliTest : public ::testing::Test {
 protected:
  CommandRun Sonance(const std::string& args) {
    return test::RunCapturing(std::string(SONANCE_BINARY) + " " + args + " --catalog " + Q(db_));
  }

  // 60 songs whose streams grow with danceability (1e6 * e^(d / 20)): learnable from one
  // feature, so the model must beat the mean by far.
  void Import() {
    std::ostringstream csv;
    csv << "track_name,artist(s)_name,artist_count,released_year,released_month,released_day,"
           "in_spotify_playlists,in_spotify_charts,streams,in_apple_playlists,in_apple_charts,"
           "in_deezer_playlists,in_deezer_charts,in_shazam_charts,bpm,key,mode,danceability_%,"
           "valence_%,energy_%,acousticness_%,instrumentalness_%,liveness_%,speechiness_%\n";
    for (int i = 0; i < 60; ++i) {
      const int dance = 20 + i;
      const long long streams = std::llround(1e6 * std::exp(dance / 20.0));
      csv << "Song " << i << ",Band " << i % 4 << ",1,2020,5,1,100,1," << streams
          << ",1,1,1,1,1,120,C,Major," << dance << ",50,60,10,0,10,5\n";
    }
    std::ofstream(tmp_ / "spotify-2023.csv") << csv.str();
    CommandRun r = Sonance("import tracks " + Q(tmp_ / "spotify-2023.csv"));
    ASSERT_EQ(r.status, 0) << r.err;
  }

  test::TempDir tmp_;
  fs::path db_ = tmp_ / "catalog.db";
};

TEST_F(ModelCliTest, TrainListShowUsePredictAndDescribe) {
  Import();
  CommandRun none = Sonance("predict 'Band 1 - Song 5'");
  EXPECT_EQ(none.status, 1);
  EXPECT_NE(none.err.find("sonance model train"), std::string::npos) << none.err;

  CommandRun t =
      Sonance("model train --source streams --folds 3 --rounds 100 --mlruns " + Q(tmp_ / "mlruns"));
  ASSERT_EQ(t.status, 0) << t.err;
  EXPECT_NE(t.out.find("trained v1 on 60 tracks"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("MLflow run"), std::string::npos) << t.out;
  CommandRun show = Sonance("model show v1");
  ASSERT_EQ(show.status, 0) << show.err;
  const json meta = json::parse(show.out);
  const double xgb_r2 = meta["cv"]["metrics"]["xgboost"]["mean_over_folds"]["r2"].get<double>();
  const double mean_r2 = meta["cv"]["metrics"]["mean"]["mean_over_folds"]["r2"].get<double>();
  EXPECT_GT(xgb_r2, 0.8) << show.out;
  EXPECT_LT(mean_r2, 0.05) << show.out;

  ASSERT_EQ(
      Sonance("model train --source streams --folds 3 --rounds 50 --no-use --mlruns ''").status, 0);
  CommandRun list = Sonance("model list");
  ASSERT_EQ(list.status, 0) << list.err;
  EXPECT_NE(list.out.find("v1 (current)"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("v2 "), std::string::npos) << list.out;
  ASSERT_EQ(Sonance("model use 2").status, 0);
  EXPECT_NE(Sonance("model list").out.find("v2 (current)"), std::string::npos);
  EXPECT_EQ(Sonance("model use v9").status, 4);

  // The most danceable song is predicted far above the least.
  CommandRun hi = Sonance("predict 'Band 3 - Song 59' --json");
  CommandRun lo = Sonance("predict 'Song 0' --json");
  ASSERT_EQ(hi.status, 0) << hi.err;
  ASSERT_EQ(lo.status, 0) << lo.err;
  const json h = json::parse(hi.out);
  EXPECT_EQ(h["song"], "Song 59");
  EXPECT_EQ(h["artist"], "Band 3");
  EXPECT_EQ(h["song_metadata"]["artist"][0], "Band 3");
  EXPECT_TRUE(h["message"]["emoji"].is_string());
  EXPECT_GT(h["prediction"].get<double>(), 5 * json::parse(lo.out)["prediction"].get<double>());

  CommandRun miss = Sonance("predict 'Band 3 - Sogn 59'");
  EXPECT_EQ(miss.status, 4);
  EXPECT_NE(miss.err.find("'Band 3 - Song 59'"), std::string::npos) << miss.err;

  CommandRun d = Sonance("describe 'Band 3 - Song 59' --json");
  ASSERT_EQ(d.status, 0) << d.err;
  const json f = json::parse(d.out)["features"];
  EXPECT_DOUBLE_EQ(f["danceability"].get<double>(), 0.79);
  EXPECT_TRUE(f["popularity"].is_null());  // the table has none: missing, not 0
}

TEST_F(ModelCliTest, TooLittleDataAndACorruptModelAreClearErrors) {
  CommandRun empty = Sonance("model train --source history --mlruns ''");
  EXPECT_NE(empty.status, 0);
  EXPECT_NE(empty.err.find("sonance: "), std::string::npos) << empty.err;
  Import();
  ASSERT_EQ(Sonance("model train --source streams --folds 3 --rounds 20 --mlruns ''").status, 0);
  const fs::path model = fs::path(db_.string() + ".models") / "v1" / "model.sxgb";
  ASSERT_TRUE(fs::exists(model));
  fs::resize_file(model, fs::file_size(model) / 2);
  CommandRun r = Sonance("predict 'Song 3'");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find(model.string()), std::string::npos) << r.err;
}

}  // namespace
}  // namespace sonance
