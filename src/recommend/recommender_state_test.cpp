// Recommender persistence: stored pipelines and indexes are loaded, updated and refitted as
// the documented rule says, and the answers equal those of a recommender built from scratch
// with the same pipeline.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "sonance/recommend/recommender.h"
#include "support/fixtures.h"

namespace sonance {
namespace {

namespace fs = std::filesystem;

// 40 tracks spread over the feature space (seeded), each with its own rowid.
RecTrack Track(std::int64_t rowid, std::mt19937& rng) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  AudioFeatures f;
  f.danceability = u(rng);
  f.energy = u(rng);
  f.acousticness = u(rng);
  f.valence = u(rng);
  f.speechiness = 0.1 * u(rng);
  f.instrumentalness = u(rng);
  f.liveness = 0.3 * u(rng);
  f.tempo = 60 + 120 * u(rng);
  f.loudness = -30 + 25 * u(rng);
  f.key = static_cast<int>(12 * u(rng));
  f.mode = u(rng) < 0.5 ? 1 : 0;
  f.time_signature = 4;
  f.duration_ms = 150000 + static_cast<long long>(100000 * u(rng));
  TrackRecord r;
  r.rowid = rowid;
  r.id = EncodeTrackId(0, static_cast<std::uint64_t>(rowid));
  r.tags.title = "Song " + std::to_string(rowid);
  r.tags.artists = {"Artist " + std::to_string(rowid)};
  r.content_hash = "h" + std::to_string(rowid);
  return MakeRecTrack(std::move(r), f, std::nullopt);
}

std::vector<RecTrack> Tracks(int n, std::uint32_t seed = 5) {
  std::mt19937 rng(seed);
  std::vector<RecTrack> out;
  for (int i = 1; i <= n; ++i) out.push_back(Track(i, rng));
  return out;
}

RecommenderOptions Persisted(const fs::path& dir, const std::string& factory = "Flat") {
  RecommenderOptions o;
  o.state_dir = dir;
  o.index.factory = factory;
  return o;
}

std::unique_ptr<Recommender> BuildOrDie(std::vector<RecTrack> tracks, const RecommenderOptions& o) {
  auto r = Recommender::Build(std::move(tracks), o);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : nullptr;
}

// The neighbours of every track by id, as a comparable value.
std::vector<std::vector<std::string>> AllNeighbours(const Recommender& r, int k = 5) {
  std::vector<std::vector<std::string>> out;
  for (const RecTrack& t : r.tracks()) {
    auto n = r.Neighbours(t, k);
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    std::vector<std::string> ids;
    if (n.ok()) {
      for (const auto& [track, d] : *n) ids.push_back(track->record.id);
    }
    out.push_back(ids);
  }
  return out;
}

TEST(RecommenderStateTest, FirstBuildFitsAndStoresTheSecondLoadsTheSameAnswers) {
  test::TempDir dir;
  auto first = BuildOrDie(Tracks(40), Persisted(dir.path()));
  ASSERT_NE(first, nullptr);
  ASSERT_EQ(first->builds().size(), 1u);
  EXPECT_EQ(first->builds()[0].how, "fitted");
  EXPECT_EQ(first->builds()[0].tracks, 40);
  EXPECT_TRUE(fs::exists(dir.path() / "v1-Flat-L1" / "CURRENT"));

  auto second = BuildOrDie(Tracks(40), Persisted(dir.path()));
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->builds()[0].how, "loaded");
  auto in_memory = BuildOrDie(Tracks(40), RecommenderOptions{});
  EXPECT_EQ(AllNeighbours(*second), AllNeighbours(*first));
  EXPECT_EQ(AllNeighbours(*second), AllNeighbours(*in_memory));
}

TEST(RecommenderStateTest, FewChangesUpdateTheStoredIndexWithTheKeptPipeline) {
  test::TempDir dir;
  auto tracks = Tracks(40);
  ASSERT_NE(BuildOrDie(tracks, Persisted(dir.path())), nullptr);
  // One track gone, one changed (louder), and one new that copies track 7's sound.
  tracks.erase(tracks.begin() + 2);  // rowid 3
  tracks[9].features.loudness = -1.0;
  RecTrack copy = tracks[5];
  copy.record.rowid = 100;
  copy.record.id = EncodeTrackId(0, 100);
  copy.record.tags.title = "Copy";
  copy.record.content_hash = "h100";
  tracks.push_back(MakeRecTrack(copy.record, copy.features, std::nullopt));

  auto updated = BuildOrDie(tracks, Persisted(dir.path()));
  ASSERT_NE(updated, nullptr);
  const GroupBuild& b = updated->builds()[0];
  EXPECT_EQ(b.how, "updated");
  EXPECT_EQ(b.added, 2);    // the new and the changed track
  EXPECT_EQ(b.removed, 2);  // the gone and the changed track
  // The copy is the nearest of the track it copies, at distance 0.
  auto n = updated->Neighbours(updated->tracks()[5], 1);
  ASSERT_TRUE(n.ok());
  ASSERT_EQ(n->size(), 1u);
  EXPECT_EQ((*n)[0].first->record.rowid, 100);
  EXPECT_DOUBLE_EQ((*n)[0].second, 0.0);
  // The gone track is never returned.
  for (const auto& ids : AllNeighbours(*updated, 39)) {
    EXPECT_EQ(std::count(ids.begin(), ids.end(), EncodeTrackId(0, 3)), 0);
  }
  // And the next build finds nothing more to do.
  auto again = BuildOrDie(tracks, Persisted(dir.path()));
  EXPECT_EQ(again->builds()[0].how, "loaded");
  EXPECT_EQ(AllNeighbours(*again), AllNeighbours(*updated));
}

TEST(RecommenderStateTest, AFifthOfTheCatalogChangedRefits) {
  test::TempDir dir;
  ASSERT_NE(BuildOrDie(Tracks(40), Persisted(dir.path())), nullptr);
  auto grown = Tracks(48);  // 8 new tracks: 8 >= 0.2 x 40
  auto r = BuildOrDie(grown, Persisted(dir.path()));
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->builds()[0].how, "fitted");
  auto seven = Tracks(47);  // from the 48 stored: 1 removed, below the share
  auto r2 = BuildOrDie(seven, Persisted(dir.path()));
  EXPECT_EQ(r2->builds()[0].how, "updated");
  EXPECT_EQ(r2->builds()[0].removed, 1);
}

TEST(RecommenderStateTest, OtherPipelineOptionsRefit) {
  test::TempDir dir;
  ASSERT_NE(BuildOrDie(Tracks(40), Persisted(dir.path())), nullptr);
  RecommenderOptions o = Persisted(dir.path());
  o.pipeline.components = 3;
  auto r = BuildOrDie(Tracks(40), o);
  EXPECT_EQ(r->builds()[0].how, "fitted");
  EXPECT_EQ(r->builds()[0].dims, 3);
}

TEST(RecommenderStateTest, DamagedStoredStateIsReplaced) {
  test::TempDir dir;
  auto first = BuildOrDie(Tracks(40), Persisted(dir.path()));
  const fs::path space = dir.path() / "v1-Flat-L1";
  for (const auto& e : fs::directory_iterator(space)) {
    if (e.path().extension() == ".faiss" || e.path().extension() == ".bin") {
      std::ofstream(e.path(), std::ios::trunc) << "not an index";
    }
  }
  auto r = BuildOrDie(Tracks(40), Persisted(dir.path()));
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->builds()[0].how, "fitted");
  EXPECT_EQ(AllNeighbours(*r), AllNeighbours(*first));
  auto again = BuildOrDie(Tracks(40), Persisted(dir.path()));
  EXPECT_EQ(again->builds()[0].how, "loaded");
}

TEST(RecommenderStateTest, AnIndexThatCannotRemoveIsRebuiltWithTheKeptPipeline) {
  test::TempDir dir;
  ASSERT_NE(BuildOrDie(Tracks(40), Persisted(dir.path(), "HNSW16")), nullptr);
  auto fewer = Tracks(40);
  fewer.pop_back();
  auto r = BuildOrDie(fewer, Persisted(dir.path(), "HNSW16"));
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->builds()[0].how, "updated");
  for (const auto& ids : AllNeighbours(*r, 10)) {
    EXPECT_EQ(std::count(ids.begin(), ids.end(), EncodeTrackId(0, 40)), 0);
    EXPECT_EQ(ids.size(), 10u);
  }
}

TEST(RecommenderStateTest, AStateFolderThatCannotBeWrittenStillGivesAnswers) {
  test::TempDir dir;
  const fs::path blocker = dir.path() / "file";
  std::ofstream(blocker) << "a file where the folder should be";
  auto r = BuildOrDie(Tracks(20), Persisted(blocker));
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->builds()[0].how, "fitted");
  EXPECT_FALSE(r->builds()[0].save_error.empty());
  EXPECT_EQ(AllNeighbours(*r), AllNeighbours(*BuildOrDie(Tracks(20), RecommenderOptions{})));
}

TEST(RecommenderStateTest, TheStateFolderSitsBesideTheCatalog) {
  EXPECT_EQ(RecommenderStateDir("/music/catalog.db"), fs::path("/music/catalog.index"));
  EXPECT_EQ(RecommenderStateDir("lib"), fs::path("lib.index"));
}

TEST(RecommenderStateTest, PersistenceNeedsDistinctRowids) {
  test::TempDir dir;
  auto tracks = Tracks(10);
  tracks[1].record.rowid = tracks[0].record.rowid;
  auto r = Recommender::Build(tracks, Persisted(dir.path()));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sonance
