// End-to-end tests of the text commands: `esa build --corpus`, `relatedness`, `eval
// relatedness`, vectors computed at import, `soundtrack`, `search lyrics`, `clusters` and
// `experiment scenes`, over a small JSON Lines concept corpus written by the test.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
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

void WriteFile(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
}

constexpr char kCorpus[] =
    R"({"title": "sea", "text": "ocean waves sail ship harbour tide sailor"}
{"title": "sea voyage", "text": "ship sail ocean storm sailor voyage"}
{"title": "war", "text": "battle sword army fire soldier siege"}
{"title": "war siege", "text": "siege fire battle castle soldier army"}
{"title": "kitchen", "text": "bread oven bake flour kitchen cook"}
{"title": "feast", "text": "cook bread feast table wine kitchen"}
)";

constexpr char kTracksCsv[] =
    ",track_id,artists,album_name,track_name,popularity,duration_ms,explicit,danceability,"
    "energy,key,loudness,mode,speechiness,acousticness,instrumentalness,liveness,valence,"
    "tempo,time_signature,track_genre\n"
    "0,0000000000000000000001,Mariners,Tides,Sail Away,80,200000,False,0.5,0.6,1,-7.5,1,0.05,"
    "0.1,0,0.1,0.8,120.0,4,folk\n"
    "1,0000000000000000000002,Mariners,Tides,Siege Night,70,200000,False,0.5,0.9,1,-7.5,1,0.05,"
    "0.1,0,0.1,0.2,140.0,4,folk\n"
    "2,0000000000000000000003,Mariners,Tides,Warm Bread,60,200000,False,0.5,0.3,1,-7.5,1,0.05,"
    "0.1,0,0.1,0.7,90.0,4,folk\n";

// Three scenes of three sentences.
constexpr char kStory[] =
    "The ship left the harbour on the morning tide. Sailors watched the ocean waves. "
    "The sail filled with wind.\n"
    "Soon the army came with fire and sword. The soldiers held the siege of the castle. "
    "The battle lasted all day.\n"
    "Later they baked bread in the oven. The cook set the feast on the table. "
    "Flour covered the kitchen.\n";

class TextCliTest : public ::testing::Test {
 protected:
  CommandRun Sonance(const std::string& args) {
    return test::RunCapturing("SONANCE_ESA_INDEX=" + Q(index_) + " " + std::string(SONANCE_BINARY) +
                              " " + args + " --catalog " + Q(db_));
  }
  CommandRun SonanceNoCatalog(const std::string& args) {
    return test::RunCapturing("SONANCE_ESA_INDEX=" + Q(index_) + " " + std::string(SONANCE_BINARY) +
                              " " + args);
  }

  void BuildIndexAndCatalog() {
    WriteFile(tmp_ / "corpus.jsonl", kCorpus);
    CommandRun b = SonanceNoCatalog("esa build --corpus " + Q(tmp_ / "corpus.jsonl") +
                                    " --min-df 1 --max-df 1 -o " + Q(index_));
    ASSERT_EQ(b.status, 0) << b.err;
    EXPECT_NE(b.out.find("6 concepts"), std::string::npos) << b.out;
    WriteFile(tmp_ / "tracks.csv", kTracksCsv);
    CommandRun t = Sonance("import tracks " + Q(tmp_ / "tracks.csv"));
    ASSERT_EQ(t.status, 0) << t.err;
    // Vectors are computed at import, from titles and tags while there are no lyrics.
    EXPECT_NE(t.err.find("text vectors: 3 computed (0 from lyrics)"), std::string::npos) << t.err;
    WriteFile(tmp_ / "lyrics/sail.lrc",
              "[ar:Mariners]\n[ti:Sail Away]\n[00:01.00]the ship sails the ocean\n"
              "[00:05.00]sailors at the harbour\n");
    WriteFile(tmp_ / "lyrics/siege.lrc",
              "[ar:Mariners]\n[ti:Siege Night]\n[00:01.00]fire and sword\n"
              "[00:05.00]the army at the siege\n");
    WriteFile(tmp_ / "lyrics/bread.lrc",
              "[ar:Mariners]\n[ti:Warm Bread]\n[00:01.00]bread in the oven\n"
              "[00:05.00]the cook and the kitchen\n");
    CommandRun l = Sonance("import lyrics " + Q(tmp_ / "lyrics"));
    ASSERT_EQ(l.status, 0) << l.err;
    EXPECT_NE(l.err.find("text vectors: 3 computed (3 from lyrics)"), std::string::npos) << l.err;
  }

  test::TempDir tmp_;
  fs::path db_ = tmp_ / "catalog.db";
  fs::path index_ = tmp_ / "esa.idx";
};

TEST_F(TextCliTest, RelatednessRanksRelatedWordsHigherAndEvalPrintsSpearman) {
  BuildIndexAndCatalog();
  CommandRun near = SonanceNoCatalog("relatedness ship sailor --json");
  CommandRun far = SonanceNoCatalog("relatedness ship bread --json");
  ASSERT_EQ(near.status, 0) << near.err;
  ASSERT_EQ(far.status, 0) << far.err;
  const double a = json::parse(near.out)["relatedness"].get<double>();
  const double b = json::parse(far.out)["relatedness"].get<double>();
  EXPECT_GT(a, 0.9);  // both words are in exactly the two sea concepts
  EXPECT_EQ(b, 0.0);  // no concept has both
  // Human scores in the order the corpus implies: Spearman's rho is 1 when ours agree.
  WriteFile(tmp_ / "pairs.tsv",
            "# w1\tw2\tscore\nship\tsailor\t9\nship\tstorm\t6\nship\tbread\t1\n");
  CommandRun e = SonanceNoCatalog("eval relatedness --pairs " + Q(tmp_ / "pairs.tsv") + " --json " +
                                  Q(tmp_ / "rho.json"));
  ASSERT_EQ(e.status, 0) << e.err;
  EXPECT_NE(e.out.find("spearman rho: 1.0000"), std::string::npos) << e.out;
  std::ifstream rho(tmp_ / "rho.json");
  EXPECT_EQ(json::parse(rho)["pairs"], 3);
  WriteFile(tmp_ / "bad.tsv", "ship\tsailor\tlots\n");
  CommandRun bad = SonanceNoCatalog("eval relatedness --pairs " + Q(tmp_ / "bad.tsv"));
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("bad.tsv:1"), std::string::npos) << bad.err;
}

TEST_F(TextCliTest, SoundtrackSearchAndClustersOverTheCatalog) {
  BuildIndexAndCatalog();
  WriteFile(tmp_ / "story.txt", kStory);
  CommandRun s = Sonance("soundtrack " + Q(tmp_ / "story.txt") + " --json");
  ASSERT_EQ(s.status, 0) << s.err;
  const json j = json::parse(s.out);
  EXPECT_EQ(j["Chosen Artist"], "Mariners");
  EXPECT_EQ(j["Scene 1"]["assigned_song"], "Sail Away");
  EXPECT_EQ(j["Scene 2"]["assigned_song"], "Siege Night");
  EXPECT_EQ(j["Scene 3"]["assigned_song"], "Warm Bread");
  EXPECT_TRUE(j["sonance"]["lyrics_used"].get<bool>());

  CommandRun text = Sonance("soundtrack " + Q(tmp_ / "story.txt") + " --artist mariners");
  ASSERT_EQ(text.status, 0) << text.err;
  EXPECT_NE(text.out.find("Chosen artist: Mariners (given"), std::string::npos) << text.out;

  CommandRun l = Sonance("search lyrics 'a sailor on the ocean' --json");
  ASSERT_EQ(l.status, 0) << l.err;
  const json r = json::parse(l.out);
  ASSERT_FALSE(r["results"].empty());
  EXPECT_EQ(r["results"][0]["track"]["name"], "Sail Away");
  EXPECT_EQ(r["results"][0]["lines"][0]["text"], "the ship sails the ocean");

  CommandRun c = Sonance("clusters --k 3 --json");
  ASSERT_EQ(c.status, 0) << c.err;
  const json cl = json::parse(c.out);
  EXPECT_EQ(cl["k"], 3);
  EXPECT_EQ(cl["clusters"].size(), 3u);
}

TEST_F(TextCliTest, BadInputGetsAClearMessageAndExitCode) {
  WriteFile(tmp_ / "broken.jsonl", "{\"title\": \"a\", \"text\": \"b\"}\n{not json\n");
  CommandRun b = SonanceNoCatalog("esa build --corpus " + Q(tmp_ / "broken.jsonl") + " -o " +
                                  Q(tmp_ / "x.idx"));
  EXPECT_EQ(b.status, 2);
  EXPECT_NE(b.err.find("broken.jsonl:2"), std::string::npos) << b.err;
  EXPECT_FALSE(fs::exists(tmp_ / "x.idx"));

  // No index yet: the message says how to build one.
  WriteFile(tmp_ / "tracks.csv", kTracksCsv);
  ASSERT_EQ(Sonance("import tracks " + Q(tmp_ / "tracks.csv")).status, 0);
  WriteFile(tmp_ / "story.txt", kStory);
  CommandRun none = Sonance("soundtrack " + Q(tmp_ / "story.txt"));
  EXPECT_EQ(none.status, 4);
  EXPECT_NE(none.err.find("sonance esa build"), std::string::npos) << none.err;

  BuildIndexAndCatalog();
  WriteFile(tmp_ / "empty.txt", "  \n");
  EXPECT_EQ(Sonance("soundtrack " + Q(tmp_ / "empty.txt")).status, 2);
  WriteFile(tmp_ / "latin1.txt", "caf\xe9 au lait.\n");
  CommandRun enc = Sonance("soundtrack " + Q(tmp_ / "latin1.txt"));
  EXPECT_EQ(enc.status, 2);
  EXPECT_NE(enc.err.find("UTF-8"), std::string::npos) << enc.err;
  CommandRun who = Sonance("soundtrack " + Q(tmp_ / "story.txt") + " --artist Marinerz");
  EXPECT_EQ(who.status, 4);
  EXPECT_NE(who.err.find("'Mariners'"), std::string::npos) << who.err;
  EXPECT_EQ(Sonance("clusters --k one").status, 2);
}

TEST_F(TextCliTest, SceneExperimentLogsEveryRunInMlflowsLayout) {
  BuildIndexAndCatalog();
  WriteFile(tmp_ / "story.txt",
            "The ship left the harbour on the morning tide. Sailors watched the ocean waves. "
            "The sail filled with wind.\n---\n"
            "Soon the army came with fire and sword. The soldiers held the siege of the castle. "
            "The battle lasted all day.\n");
  CommandRun e =
      SonanceNoCatalog("experiment scenes " + Q(tmp_ / "story.txt") +
                       " --thresholds 0.1,0.5 --min-lengths 2,3 --mlruns " + Q(tmp_ / "mlruns"));
  ASSERT_EQ(e.status, 0) << e.err;
  EXPECT_NE(e.out.find("thr_0.1_minlen_3"), std::string::npos) << e.out;
  int runs = 0;
  for (const auto& exp : fs::directory_iterator(tmp_ / "mlruns")) {
    if (!exp.is_directory() || exp.path().filename() == ".trash") continue;
    for (const auto& run : fs::directory_iterator(exp.path())) {
      if (!run.is_directory()) continue;
      ++runs;
      EXPECT_TRUE(fs::exists(run.path() / "meta.yaml"));
      EXPECT_TRUE(fs::exists(run.path() / "metrics" / "dissimilarity"));
      EXPECT_TRUE(fs::exists(run.path() / "metrics" / "pk"));
      EXPECT_TRUE(fs::exists(run.path() / "params" / "similarity_threshold"));
    }
  }
  EXPECT_EQ(runs, 4);
}

}  // namespace
}  // namespace sonance
