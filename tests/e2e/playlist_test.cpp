// End-to-end tests of `sonance playlist`, `sonance path` and `sonance eval playlists` over a
// catalog imported from a table: output, exports, exit codes and the kept index state.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "support/fixtures.h"

namespace sonance {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

test::CommandRun Sonance(const std::string& args) {
  return test::RunCapturing(std::string(SONANCE_BINARY) + " " + args);
}

std::string Q(const fs::path& p) {
  return test::ShellQuote(p.string());
}

std::string IdFor(int i) {
  std::string id = "0000000000000000000000";
  const std::string alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  for (int pos = 21; pos >= 0 && i > 0; --pos, i /= 62)
    id[static_cast<std::size_t>(pos)] = alphabet[i % 62];
  return id;
}

// Two genres that differ in every feature: "folk" tracks 1-6 (slow, quiet, acoustic) and
// "techno" tracks 7-12 (fast, loud, electronic); inside a genre the tempo rises 2 BPM a track.
class PlaylistCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream csv(tmp_ / "tracks.csv");
    csv << "track_id,artists,album_name,track_name,popularity,duration_ms,explicit,danceability,"
           "energy,key,loudness,mode,speechiness,acousticness,instrumentalness,liveness,valence,"
           "tempo,time_signature,track_genre\n";
    for (int i = 1; i <= 12; ++i) {
      const bool folk = i <= 6;
      const double level = folk ? 0.1 : 0.9;
      csv << IdFor(i) << ",Artist " << i << ",Album " << (folk ? "F" : "T") << ",Song " << i
          << ",50,200000,False," << level << "," << level << "," << (i % 12) << ","
          << (folk ? -20 : -5) << ",1,0.05," << 1 - level << ",0.1,0.1," << level << ","
          << (folk ? 70 : 140) + 2 * i << ",4," << (folk ? "folk" : "techno") << "\n";
    }
    csv.close();
    auto r = Sonance("import tracks " + Q(tmp_ / "tracks.csv") + " --catalog " + Q(db_));
    ASSERT_EQ(r.status, 0) << r.err;
  }
  test::TempDir tmp_;
  fs::path db_ = tmp_ / "catalog.db";
};

TEST_F(PlaylistCliTest, PlaylistJsonTakesTheSeedsNearestTracks) {
  auto r =
      Sonance("playlist --seed " + IdFor(1) + " --per-seed 3 --format json --catalog " + Q(db_));
  ASSERT_EQ(r.status, 0) << r.err;
  const json list = json::parse(r.out);
  ASSERT_EQ(list.size(), 3u);
  // Tempo rises 2 BPM a track, everything else is equal inside the genre: 2, 3, 4.
  EXPECT_EQ(list[0]["id"], IdFor(2));
  EXPECT_EQ(list[1]["id"], IdFor(3));
  EXPECT_EQ(list[2]["id"], IdFor(4));
  for (const auto& e : list) EXPECT_EQ(e["seed_id"], IdFor(1));
  EXPECT_NE(r.err.find("3 tracks from 1 seeds"), std::string::npos) << r.err;
  // The fitted pipeline and index are kept beside the catalog.
  EXPECT_TRUE(fs::exists(tmp_ / "catalog.index"));
}

TEST_F(PlaylistCliTest, SeedsByNameAndExportToM3u8) {
  const fs::path out = tmp_ / "list.m3u8";
  auto r = Sonance("playlist --seed 'Artist 8 - Song 8' --per-seed 2 --format m3u8 -o " + Q(out) +
                   " --catalog " + Q(db_));
  ASSERT_EQ(r.status, 0) << r.err;
  std::ifstream in(out);
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text.rfind("#EXTM3U\n", 0), 0u) << text;
  EXPECT_NE(text.find("#EXTINF:200,Artist 7 - Song 7"), std::string::npos) << text;
  EXPECT_NE(text.find("#EXTINF:200,Artist 9 - Song 9"), std::string::npos) << text;
  EXPECT_EQ(text.find("Song 1\n"), std::string::npos) << text;
}

TEST_F(PlaylistCliTest, UnknownSeedIsExit4WithSuggestionsAndPartialSkipsIt) {
  auto r = Sonance("playlist --seed 'Artist 3 - Sogn 3' --catalog " + Q(db_));
  EXPECT_EQ(r.status, 4);
  EXPECT_NE(r.err.find("Sogn 3"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("Song 3"), std::string::npos) << r.err;  // the suggestion
  auto p = Sonance("playlist --partial --seed 'Nobody - Nothing' --seed " + IdFor(9) +
                   " --format json --catalog " + Q(db_));
  EXPECT_EQ(p.status, 0) << p.err;
  EXPECT_NE(p.err.find("skipped unknown seed 'Nobody - Nothing'"), std::string::npos) << p.err;
  EXPECT_EQ(json::parse(p.out).size(), 3u);
}

TEST_F(PlaylistCliTest, BadOptionsAreUsageErrors) {
  EXPECT_EQ(Sonance("playlist --catalog " + Q(db_)).status, 2);  // no seed
  EXPECT_EQ(Sonance("playlist --seed x --per-seed 0 --catalog " + Q(db_)).status, 2);
  EXPECT_EQ(Sonance("playlist --seed x --format mp3 --catalog " + Q(db_)).status, 2);
  EXPECT_EQ(Sonance("path --from x --catalog " + Q(db_)).status, 2);  // no --to
  EXPECT_EQ(Sonance("playlist --seed x --catalog " + Q(tmp_ / "none.db")).status, 5);
}

TEST_F(PlaylistCliTest, PathGoesFromOneGenreToTheOther) {
  auto r = Sonance("path --from " + IdFor(1) + " --to " + IdFor(12) + " --steps 4 --json " +
                   "--catalog " + Q(db_));
  ASSERT_EQ(r.status, 0) << r.err;
  const json path = json::parse(r.out);
  ASSERT_EQ(path.size(), 4u);
  EXPECT_EQ(path[0]["id"], IdFor(1));
  EXPECT_EQ(path[3]["id"], IdFor(12));
}

TEST_F(PlaylistCliTest, EvalPrintsTheThreeRecommendersAndWritesJson) {
  const fs::path out = tmp_ / "eval.json";
  auto r = Sonance("eval playlists --json " + Q(out) + " --catalog " + Q(db_));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("knn"), std::string::npos) << r.out;
  std::ifstream in(out);
  const json j = json::parse(in);
  ASSERT_EQ(j["recommenders"].size(), 3u);
  const json& knn = j["recommenders"][0];
  EXPECT_EQ(knn["recommender"], "knn");
  EXPECT_EQ(knn["seeds"], 12);
  EXPECT_EQ(knn["pairs"], 36);
  // Each genre's 6 tracks are far from the other's: k-NN never leaves the seed's genre.
  EXPECT_DOUBLE_EQ(knn["CorrectGenreShare"].get<double>(), 1.0);
  EXPECT_LT(knn["SoundParametersDiff"].get<double>(),
            j["recommenders"][1]["SoundParametersDiff"].get<double>());
}

}  // namespace
}  // namespace sonance
