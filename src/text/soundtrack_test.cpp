#include "sonance/text/soundtrack.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <set>

#include "support/topics.h"

namespace sonance {
namespace {

namespace fs = std::filesystem;

// Four topics: the test space's sea, war and kitchen, and night.
std::vector<EsaConcept> Topics() {
  std::vector<EsaConcept> c = test::TopicConcepts();
  c.push_back({"night", "moon stars night dark owl sleep"});
  c.push_back({"dream", "sleep dream night moon pillow"});
  return c;
}

class SoundtrackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("sonance-soundtrack-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    EsaBuildOptions o;
    o.min_df = 1;
    o.max_df_fraction = 1.0;
    ASSERT_TRUE(BuildEsaIndex(Topics(), o, dir_ / "i.esa").ok());
    auto index = EsaIndex::Load(dir_ / "i.esa");
    ASSERT_TRUE(index.ok()) << index.status().ToString();
    esa_ = *index;
  }
  void TearDown() override { fs::remove_all(dir_); }

  SoundtrackSong Song(const std::string& id, const std::string& artist, const std::string& lyrics,
                      double popularity = 50) {
    SoundtrackSong s;
    s.track_id = id;
    s.title = id;
    s.artist = artist;
    s.popularity = popularity;
    s.has_lyrics = true;
    s.vector = esa_->Vectorize(lyrics);
    return s;
  }

  static SoundtrackOptions Options() {
    SoundtrackOptions o;
    o.scenes.similarity_threshold = 0.1;
    o.scenes.min_scene_length = 2;
    o.scenes.block_size = 2;
    o.mood_weight = 0.0;
    o.semantic_weight = 1.0;
    return o;
  }

  fs::path dir_;
  std::shared_ptr<const EsaIndex> esa_;
  MoodLexicon mood_ =
      MoodLexicon::FromTables({{"joy", 4}, {"grief", -4}}, {{"frantic", 1}, {"still", -1}});
};

// Two sea sentences, then two battle sentences, then two kitchen sentences.
constexpr const char* kStory =
    "The ship left the harbour on the morning tide. Sailors watched the ocean waves. "
    "Soon the army came with fire and sword. The soldiers held the siege of the castle. "
    "Later they baked bread in the oven. The cook set the feast on the table.";

TEST_F(SoundtrackTest, EachSceneGetsTheSongAboutItsTopic) {
  const std::vector<SoundtrackSong> songs = {
      Song("bake", "Minstrel", "bread oven flour bake"),
      Song("sail", "Minstrel", "sail the ocean ship"),
      Song("fight", "Minstrel", "battle army sword"),
  };
  auto r = GenerateSoundtrack(kStory, songs, *esa_, mood_, Options());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->scenes.size(), 3u);
  EXPECT_EQ(r->artist, "Minstrel");
  EXPECT_TRUE(r->artist_recommended);
  EXPECT_TRUE(r->lyrics_used);
  const char* expected[] = {"sail", "fight", "bake"};
  for (std::size_t s = 0; s < 3; ++s) {
    ASSERT_GE(r->scenes[s].song, 0);
    EXPECT_EQ(r->songs[static_cast<std::size_t>(r->scenes[s].song)].track_id, expected[s]) << s;
    EXPECT_GT(r->scenes[s].semantic, 0.3) << s;
    EXPECT_TRUE(std::isnan(r->scenes[s].mood_fit));  // no audio valence/energy
    EXPECT_FALSE(r->scenes[s].shared_concepts.empty());
  }
  // The sea scene and the sea song share the sea concepts.
  const auto& shared = r->scenes[0].shared_concepts;
  EXPECT_TRUE(shared[0] == "sea" || shared[0] == "sea voyage") << shared[0];
}

TEST_F(SoundtrackTest, AssignmentMaximisesTheTotalNotEachSceneGreedily) {
  // The sea scene likes "sea-battle" best, but the battle scene has nothing else: taking
  // scenes in order, greedily, would leave the battle scene with "harbour".
  const std::string sea =
      "The ship left the harbour on the morning tide. Sailors watched the ocean waves.";
  const std::string war =
      "Soon the army came with fire and sword. The soldiers held the siege of the castle.";
  const std::vector<SoundtrackSong> songs = {
      Song("sea-battle", "Minstrel", "ocean ship sail tide battle army sword fire siege"),
      Song("harbour", "Minstrel", "harbour bread oven flour bake cook kitchen feast"),
  };
  // The scene-by-song similarities, computed here independently of the soundtrack.
  double sim[2][2];
  for (int s = 0; s < 2; ++s) {
    for (int k = 0; k < 2; ++k)
      sim[s][k] = Cosine(esa_->Vectorize(s == 0 ? sea : war), songs[k].vector);
  }
  ASSERT_GT(sim[0][0], sim[0][1]);                          // greedy gives sea-battle to the sea
  ASSERT_GT(sim[0][1] + sim[1][0], sim[0][0] + sim[1][1]);  // the optimum does not
  auto r = GenerateSoundtrack(sea + " " + war, songs, *esa_, mood_, Options());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->scenes.size(), 2u);
  EXPECT_EQ(r->songs[static_cast<std::size_t>(r->scenes[0].song)].track_id, "harbour");
  EXPECT_EQ(r->songs[static_cast<std::size_t>(r->scenes[1].song)].track_id, "sea-battle");
  EXPECT_NEAR(r->scenes[0].semantic, sim[0][1], 1e-9);
  EXPECT_NEAR(r->scenes[1].semantic, sim[1][0], 1e-9);
}

TEST_F(SoundtrackTest, TheRecommendedArtistIsTheOneWhoseSongsFitTheStory) {
  const std::vector<SoundtrackSong> songs = {
      Song("lullaby", "Sleepy", "moon night dream"),
      Song("owl", "Sleepy", "owl stars dark"),
      Song("sail", "Sailor Band", "sail ocean ship"),
      Song("siege", "Sailor Band", "siege army fire"),
      Song("bread", "Sailor Band", "bread bake oven"),
  };
  auto r = GenerateSoundtrack(kStory, songs, *esa_, mood_, Options());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->artist, "Sailor Band");
  EXPECT_GT(r->artist_similarity, 0.0);
  for (const auto& scene : r->scenes) EXPECT_NE(scene.song, -1);

  // Asked for by name (case, "The " and punctuation forgiven), the other artist is used.
  SoundtrackOptions o = Options();
  o.artist = "the SLEEPY!";
  auto given = GenerateSoundtrack(kStory, songs, *esa_, mood_, o);
  ASSERT_TRUE(given.ok()) << given.status().ToString();
  EXPECT_EQ(given->artist, "Sleepy");
  EXPECT_FALSE(given->artist_recommended);
}

TEST_F(SoundtrackTest, EverySongIsUsedBeforeAnyRepeats) {
  const std::vector<SoundtrackSong> songs = {
      Song("sail", "Minstrel", "sail ocean ship"),
      Song("fight", "Minstrel", "battle army sword"),
  };
  auto r = GenerateSoundtrack(kStory, songs, *esa_, mood_, Options());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->scenes.size(), 3u);
  // The first round gives the sea and battle scenes their songs; the kitchen scene, left
  // over, gets the better of the two in a second round.
  EXPECT_EQ(r->songs[static_cast<std::size_t>(r->scenes[0].song)].track_id, "sail");
  EXPECT_EQ(r->songs[static_cast<std::size_t>(r->scenes[1].song)].track_id, "fight");
  EXPECT_GE(r->scenes[2].song, 0);
}

TEST_F(SoundtrackTest, WithoutLyricsMoodDecides) {
  // Two instrumental tracks with no text vector: the joyful, frantic scene takes the
  // bright, energetic one; the grieving, still scene the dark, calm one.
  std::vector<SoundtrackSong> songs(2);
  songs[0].track_id = "bright";
  songs[0].artist = "Ensemble";
  songs[0].valence = 0.95;
  songs[0].energy = 0.9;
  songs[1].track_id = "dark";
  songs[1].artist = "Ensemble";
  songs[1].valence = 0.05;
  songs[1].energy = 0.1;
  SoundtrackOptions o = Options();
  o.semantic_weight = 0.7;
  o.mood_weight = 0.3;
  o.scenes.similarity_threshold = 1.0;  // every gap is a candidate boundary
  o.scenes.min_scene_length = 2;
  const std::string story =
      "Grief and grief. Grief, still and still. Joy, joy and frantic joy. Frantic joy.";
  auto r = GenerateSoundtrack(story, songs, *esa_, mood_, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->scenes.size(), 2u);
  EXPECT_FALSE(r->lyrics_used);
  EXPECT_EQ(r->songs[static_cast<std::size_t>(r->scenes[0].song)].track_id, "dark");
  EXPECT_EQ(r->songs[static_cast<std::size_t>(r->scenes[1].song)].track_id, "bright");
  // Scene 1 mood: valence (-4/5 + 1)/2 = 0.1, arousal (-1 + 1)/2 = 0 (two "still", the
  // "grief"s have no arousal): distance to (0.05, 0.1) is sqrt(0.05^2 + 0.1^2).
  EXPECT_NEAR(r->scenes[0].mood.valence, 0.1, 1e-12);
  EXPECT_NEAR(r->scenes[0].mood.arousal, 0.0, 1e-12);
  EXPECT_NEAR(r->scenes[0].mood_fit, 1.0 - std::hypot(0.05, 0.1) / std::sqrt(2.0), 1e-9);
  EXPECT_NEAR(r->scenes[0].score, 0.3 * r->scenes[0].mood_fit, 1e-9);
}

TEST_F(SoundtrackTest, BadInputIsRefused) {
  const std::vector<SoundtrackSong> songs = {Song("sail", "Minstrel", "sail ocean ship")};
  const SoundtrackOptions o = Options();
  for (const char* story : {"", "  \n\t ", "a\xff b"}) {
    auto r = GenerateSoundtrack(story, songs, *esa_, mood_, o);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  }
  // 100,000 characters pass the length check (three bytes each here); one more does not.
  std::string longest;
  for (std::size_t i = 0; i < kMaxStoryCharacters; ++i) longest += "\xe2\x82\xac";  // euro sign
  EXPECT_EQ(CountCharacters(longest), kMaxStoryCharacters);
  auto at_limit = GenerateSoundtrack(longest, songs, *esa_, mood_, o);
  EXPECT_TRUE(at_limit.ok()) << at_limit.status().ToString();
  auto over = GenerateSoundtrack(longest + "x", songs, *esa_, mood_, o);
  ASSERT_FALSE(over.ok());
  EXPECT_NE(over.status().message().find("100001 characters"), std::string::npos);

  SoundtrackOptions unknown = o;
  unknown.artist = "Minstrl";
  auto r = GenerateSoundtrack(kStory, songs, *esa_, mood_, unknown);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("Minstrl"), std::string::npos);
  EXPECT_EQ(SuggestArtists("Minstrl", songs, 3), std::vector<std::string>{"Minstrel"});

  auto none = GenerateSoundtrack(kStory, {}, *esa_, mood_, o);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace sonance
