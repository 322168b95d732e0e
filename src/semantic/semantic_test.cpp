#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "sonance/semantic/clusters.h"
#include "sonance/semantic/library.h"
#include "sonance/semantic/song_vectors.h"
#include "support/fixtures.h"
#include "support/topics.h"

namespace sonance {
namespace {

struct SongSpec {
  std::string title;
  std::string artist;
  std::vector<std::string> lyrics = {};  // empty: none
  std::string genre = {};
};

class SemanticTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EsaBuildOptions o;
    o.min_df = 1;
    o.max_df_fraction = 1.0;
    ASSERT_TRUE(BuildEsaIndex(test::TopicConcepts(), o, dir_ / "i.esa").ok());
    auto index = EsaIndex::Load(dir_ / "i.esa");
    ASSERT_TRUE(index.ok()) << index.status().ToString();
    esa_ = *index;
    auto cat = Catalog::Open(dir_ / "c.db");
    ASSERT_TRUE(cat.ok()) << cat.status().ToString();
    catalog_ = std::move(*cat);
  }

  // Imports the songs (with features) and stores their lyrics; returns their rowids.
  std::vector<std::int64_t> Add(const std::vector<SongSpec>& specs) {
    {
      auto import = catalog_->BeginImport();
      EXPECT_TRUE(import.ok());
      for (const SongSpec& s : specs) {
        ImportedTrack t;
        t.tags.title = s.title;
        t.tags.artists = {s.artist};
        t.tags.album = "";
        t.tags.genre = s.genre;
        t.popularity = 50;
        t.features = AudioFeatures{};
        t.features->valence = 0.5;
        t.features->energy = 0.5;
        t.features->features_version = kImportedFeaturesVersion;
        EXPECT_TRUE((*import)->PutTrack(t).ok());
      }
      EXPECT_TRUE((*import)->Commit().ok());
    }
    auto tracks = catalog_->ListTracks({});
    std::map<std::string, std::int64_t> by_title;
    for (const TrackRecord& r : *tracks) by_title[r.tags.title] = r.rowid;
    std::vector<std::int64_t> rowids;
    for (const SongSpec& s : specs) {
      rowids.push_back(by_title.at(s.title));
      if (s.lyrics.empty()) continue;
      std::vector<LyricLine> lines;
      for (const std::string& l : s.lyrics) lines.push_back({std::nullopt, l});
      EXPECT_TRUE(catalog_->StoreLyrics(rowids.back(), lines, "txt").ok());
    }
    return rowids;
  }

  std::shared_ptr<const SemanticLibrary> Library() {
    auto lib = SemanticLibrary::Load(*catalog_, esa_, mood_);
    EXPECT_TRUE(lib.ok()) << lib.status().ToString();
    return lib.ok() ? *lib : nullptr;
  }

  test::TempDir dir_;
  std::shared_ptr<const EsaIndex> esa_;
  std::shared_ptr<const MoodLexicon> mood_ = std::make_shared<const MoodLexicon>(
      MoodLexicon::FromTables({{"joy", 4}, {"grief", -4}}, {{"storm", 1}}));
  std::unique_ptr<Catalog> catalog_;
};

TEST(TextToVectorizeTest, LyricsElseTheMetadata) {
  TrackText t;
  t.title = "Sail";
  t.album = "Sea";
  t.genre = "folk";
  t.artists = {"Ann", "Bo"};
  EXPECT_EQ(TextToVectorize(t), "Sail. Sea. folk. Ann, Bo");
  t.album.clear();
  EXPECT_EQ(TextToVectorize(t), "Sail. folk. Ann, Bo");
  t.lyrics = {"line one", "line two"};
  EXPECT_EQ(TextToVectorize(t), "line one\nline two");
}

TEST_F(SemanticTest, VectorizingStoresEachTracksVectorAndMoodAndSkipsUnchangedOnes) {
  const auto rowids = Add({{"Sail Away", "Ann", {"the ship sails the ocean", "joy at the harbour"}},
                           {"Siege", "Bo", {}, "war"}});
  VectorizeOptions o;
  o.threads = 2;
  o.max_concepts = 3;
  auto first = VectorizeCatalog(*catalog_, *esa_, *mood_, o);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->tracks, 2u);
  EXPECT_EQ(first->computed, 2u);
  EXPECT_EQ(first->from_lyrics, 1u);
  EXPECT_EQ(first->from_metadata, 1u);
  // 5 + 4 words of lyrics; "Siege. war. Bo" is 3.
  EXPECT_EQ(first->words, 12u);

  auto stored = catalog_->LoadTextVectors(esa_->fingerprint());
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->size(), 2u);
  // The same vectors computed here, independently of the batch code.
  const SparseVector lyrics = esa_->Vectorize("the ship sails the ocean\njoy at the harbour", 3);
  const SparseVector meta = esa_->Vectorize("Siege. war. Bo", 3);
  const TrackTextVector& a = (*stored)[0].rowid == rowids[0] ? (*stored)[0] : (*stored)[1];
  const TrackTextVector& b = (*stored)[0].rowid == rowids[0] ? (*stored)[1] : (*stored)[0];
  EXPECT_EQ(a.source, "lyrics");
  EXPECT_EQ(a.ids, lyrics.ids);
  EXPECT_EQ(a.weights, lyrics.weights);
  EXPECT_EQ(a.mood_words, 1);                      // "joy"
  EXPECT_DOUBLE_EQ(a.valence, (4.0 / 5 + 1) / 2);  // AFINN-style -5..5 onto 0..1
  EXPECT_EQ(b.source, "metadata");
  EXPECT_EQ(b.ids, meta.ids);
  EXPECT_LE(a.ids.size(), 3u);

  auto second = VectorizeCatalog(*catalog_, *esa_, *mood_, o);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->computed, 0u);
  EXPECT_EQ(second->unchanged, 2u);

  // New lyrics make the track's text new.
  ASSERT_TRUE(catalog_->StoreLyrics(rowids[1], {{std::nullopt, "fire and sword"}}, "txt").ok());
  auto third = VectorizeCatalog(*catalog_, *esa_, *mood_, o);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->computed, 1u);
  EXPECT_EQ(third->unchanged, 1u);
  EXPECT_EQ(third->from_lyrics, 1u);
}

TEST_F(SemanticTest, AnInterruptedRunKeepsItsFinishedBatchesAndTheNextRunContinues) {
  Add({{"One", "A", {"ship"}}, {"Two", "A", {"fire"}}, {"Three", "A", {"bread"}}});
  VectorizeOptions o;
  o.batch = 1;
  o.threads = 1;
  std::atomic<bool> stop{false};
  auto r = VectorizeCatalog(
      *catalog_, *esa_, *mood_, o,
      [&](std::size_t done, std::size_t) {
        if (done == 1) stop = true;  // "Ctrl-C" after the first batch is stored
      },
      &stop);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->interrupted);
  EXPECT_EQ(r->computed, 1u);
  EXPECT_EQ(catalog_->LoadTextVectors()->size(), 1u);
  auto rest = VectorizeCatalog(*catalog_, *esa_, *mood_, o);
  ASSERT_TRUE(rest.ok());
  EXPECT_FALSE(rest->interrupted);
  EXPECT_EQ(rest->computed, 2u);
  EXPECT_EQ(rest->unchanged, 1u);
}

TEST_F(SemanticTest, LyricsSearchFindsTheSongAndItsBestLinesAndPenalisesWeakLines) {
  Add({{"Sea Song", "Ann", {"the ship sails the ocean", "sailors at the harbour", "the tide"}},
       {"Long Kitchen",
        "Bo",
        {"a ship on the ocean", "bread in the oven", "flour and bake", "cook the bread",
         "the kitchen table", "wine at the feast"}},
       {"War Song", "Cy", {"battle and sword", "the army at the siege"}},
       {"Untitled", "Di", {}, "folk"}});
  ASSERT_TRUE(VectorizeCatalog(*catalog_, *esa_, *mood_, VectorizeOptions{}).ok());
  auto lib = Library();
  ASSERT_TRUE(lib);
  EXPECT_EQ(lib->missing_vectors(), 0u);
  EXPECT_EQ(lib->with_lyrics(), 3u);

  auto r = lib->SearchLyrics("a sailor on the ocean", 10);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->lyrics_used);
  ASSERT_GE(r->hits.size(), 2u);
  const auto& songs = lib->songs();
  EXPECT_EQ(songs[r->hits[0].track].title, "Sea Song");
  EXPECT_EQ(songs[r->hits[1].track].title, "Long Kitchen");
  // Long Kitchen's best line is as good as Sea Song's, but five of its six lines are weak.
  ASSERT_FALSE(r->hits[1].best_lines.empty());
  EXPECT_EQ(r->hits[1].best_lines[0].text, "a ship on the ocean");
  // The documented score, recomputed from the lines' own vectors.
  for (const LyricsHit& hit : r->hits) {
    const auto& lines = lib->lyrics(hit.track);
    const SparseVector q = esa_->Vectorize("a sailor on the ocean");
    std::vector<double> sims;
    // Lines are compared by their full vectors.
    for (const std::string& l : lines) sims.push_back(Cosine(q, esa_->Vectorize(l, 1u << 20)));
    const double song_sim = Cosine(q, songs[hit.track].vector);
    EXPECT_NEAR(hit.song_similarity, song_sim, 1e-9);
    if (lines.empty()) {
      EXPECT_NEAR(hit.score, song_sim, 1e-9);
      continue;
    }
    const double weak = static_cast<double>(std::count_if(sims.begin(), sims.end(),
                                                          [](double s) { return s < 0.05; })) /
                        static_cast<double>(sims.size());
    std::sort(sims.rbegin(), sims.rend());
    const std::size_t k = std::min<std::size_t>(3, sims.size());
    double top = 0;
    for (std::size_t i = 0; i < k; ++i) top += sims[i];
    top /= static_cast<double>(k);
    const double expected = 0.4 * song_sim + 0.6 * std::max(0.0, top - 0.2 * weak);
    EXPECT_NEAR(hit.score, expected, 1e-6) << songs[hit.track].title;
    EXPECT_NEAR(hit.best_lines[0].score, sims[0], 1e-9);
  }
  // The war song shares no concept with the query.
  for (const LyricsHit& hit : r->hits) EXPECT_NE(songs[hit.track].title, "War Song");
  EXPECT_EQ(lib->SearchLyrics("a sailor on the ocean", 1)->hits.size(), 1u);
}

TEST_F(SemanticTest, LyricsSearchRefusesBadQueriesAndSaysWhenNoLyricsWereUsed) {
  Add({{"Sail", "Ann", {}, "ocean ship"}});
  ASSERT_TRUE(VectorizeCatalog(*catalog_, *esa_, *mood_, VectorizeOptions{}).ok());
  auto lib = Library();
  ASSERT_TRUE(lib);
  for (const char* q : {"", "   ", "bad \xc3"}) {
    auto r = lib->SearchLyrics(q, 5);
    ASSERT_FALSE(r.ok()) << q;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  }
  EXPECT_FALSE(lib->SearchLyrics("ocean", 0).ok());
  EXPECT_FALSE(lib->SearchLyrics("ocean", 51).ok());
  auto r = lib->SearchLyrics("ocean ship", 5);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->hits.size(), 1u);
  EXPECT_FALSE(r->lyrics_used);
  EXPECT_TRUE(r->hits[0].best_lines.empty());
  // Nothing known in the query: no hits, not an error.
  EXPECT_TRUE(lib->SearchLyrics("zzzz", 5)->hits.empty());
}

TEST_F(SemanticTest, ClustersFollowTheTopicsAndAreLabelledByTheirConcepts) {
  std::vector<SongSpec> specs;
  const std::vector<std::vector<std::string>> topics = {
      // Words both concepts of a topic have, so a topic's songs lie close together.
      {"ship ocean", "sail sailor", "ocean sail", "sailor ship"},
      {"battle army", "fire soldier", "siege battle", "army fire"},
      {"bread kitchen", "cook bread", "kitchen cook", "bread cook kitchen"}};
  for (std::size_t t = 0; t < topics.size(); ++t) {
    for (std::size_t i = 0; i < topics[t].size(); ++i) {
      specs.push_back({"T" + std::to_string(t) + "S" + std::to_string(i), "A", {topics[t][i]}});
    }
  }
  Add(specs);
  ASSERT_TRUE(VectorizeCatalog(*catalog_, *esa_, *mood_, VectorizeOptions{}).ok());
  auto lib = Library();
  ASSERT_TRUE(lib);
  ClusterOptions o;
  o.k_min = 2;
  o.k_max = 5;
  o.dims = 64;
  o.kmeans.restarts = 10;
  auto report = ClusterSongs(*lib, o);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->songs, 12u);
  EXPECT_EQ(report->best_k, 3);
  ASSERT_EQ(report->k, 3);
  EXPECT_EQ(report->tried.size(), 4u);
  const std::vector<std::set<std::string>> labels = {
      {"sea", "sea voyage"}, {"war", "war siege"}, {"kitchen", "feast"}};
  for (const SongCluster& c : report->clusters) {
    ASSERT_EQ(c.songs.size(), 4u);
    const char topic = lib->songs()[c.songs[0]].title[1];
    for (std::size_t s : c.songs) EXPECT_EQ(lib->songs()[s].title[1], topic);
    ASSERT_FALSE(c.top_concepts.empty());
    EXPECT_TRUE(labels[static_cast<std::size_t>(topic - '0')].count(c.top_concepts[0]))
        << c.top_concepts[0];
  }
  ClusterOptions bad = o;
  bad.k = 20;
  EXPECT_EQ(ClusterSongs(*lib, bad).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sonance
