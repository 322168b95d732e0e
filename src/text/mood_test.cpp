#include "sonance/text/mood.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

#include "support/fixtures.h"

namespace sonance {
namespace {

namespace fs = std::filesystem;

void WriteFile(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  ASSERT_TRUE(out.good()) << path;
}

// A tiny WordNet in the data-file format. Seeds from mood.cpp: calm (a, -1), excite (v, +1).
// Hops from calm:   placid, unruffled 1 (similar-to), level-headed 2, composed 3, collected 4
//                   (also-see chain); tumult 1 (semantic derivation).
// Hops from excite: agitate 1 (synonym), excitement 1 (lexical derivation from "excite"),
//                   agitation 2 (lexical derivation from "agitate" only), tumult 2 (also-see
//                   from excitement), calm 3 (back from tumult).
constexpr const char* kDataAdj =
    "  1 This software and database is a synthetic fixture.\n"
    "  2 The licence header lines start with two spaces.\n"
    "00000100 00 a 01 calm 0 002 & 00000200 a 0000 + 00000300 n 0000 | free from agitation  \n"
    "00000200 00 s 03 placid 0 unruffled(p) 0 ready_to_hand(p) 0 002 & 00000100 a 0000 "
    "^ 00000300 a 0000 | not easily irritated  \n"
    "00000300 00 a 01 level-headed 0 002 ^ 00000200 a 0000 ^ 00000400 a 0000 | sensible  \n"
    "00000400 00 a 01 composed 0 002 ^ 00000300 a 0000 ^ 00000500 a 0000 | self-possessed  \n"
    "00000500 00 a 01 collected 0 001 ^ 00000400 a 0000 | in full control of your faculties  \n";
constexpr const char* kDataVerb =
    "  1 Synthetic verbs; the frames after the pointers are skipped.\n"
    "00000100 37 v 02 excite 0 agitate 0 002 + 00000100 n 0101 + 00000200 n 0201 01 + 02 00 "
    "| stir feelings  \n";
constexpr const char* kDataNoun =
    "  1 Synthetic nouns.\n"
    "00000100 26 n 01 excitement 0 002 + 00000100 v 0101 ^ 00000300 n 0000 | the state of "
    "being excited  \n"
    "00000200 26 n 01 agitation 0 001 + 00000100 v 0102 | a mental state of excitement  \n"
    "00000300 26 n 01 tumult 0 001 + 00000100 a 0000 | a state of commotion  \n";
constexpr const char* kDataAdv = "  1 No adverbs.\n";

constexpr const char* kAfinn = R"({"happy": 3, "sad": -2, "good": 3, "not good": -2})";

class MoodLoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteFile(dir_ / "data.adj", kDataAdj);
    WriteFile(dir_ / "data.verb", kDataVerb);
    WriteFile(dir_ / "data.noun", kDataNoun);
    WriteFile(dir_ / "data.adv", kDataAdv);
    WriteFile(afinn_, kAfinn);
  }

  Result<MoodLexicon> Load() const { return MoodLexicon::Load(afinn_, dir_.path()); }

  test::TempDir dir_;
  fs::path afinn_ = dir_ / "afinn-165.json";
};

// Arousal in [-1, 1] as Of() reports it, in [0, 1].
double Unit(double arousal) {
  return (arousal + 1) / 2;
}

TEST(MoodFromTables, MeanValenceOfRatedWordsMapsToUnitRange) {
  const MoodLexicon lexicon = MoodLexicon::FromTables({{"happy", 3}, {"sad", -2}}, {});
  const Mood mood = lexicon.Of("happy sad");
  // mean 0.5, / 5 = 0.1, (0.1 + 1) / 2
  EXPECT_DOUBLE_EQ(mood.valence, 0.55);
  EXPECT_DOUBLE_EQ(mood.arousal, 0.5);
  EXPECT_EQ(mood.rated_words, 2u);
}

TEST(MoodFromTables, UnratedWordsDoNotDiluteTheMean) {
  const MoodLexicon lexicon =
      MoodLexicon::FromTables({{"happy", 3}}, {{"wild", 1}, {"calm", -0.5}});
  const Mood mood = lexicon.Of("A happy, WILD and calm night.");
  EXPECT_DOUBLE_EQ(mood.valence, (3.0 / 5 + 1) / 2);
  EXPECT_DOUBLE_EQ(mood.arousal, ((1 - 0.5) / 2 + 1) / 2);
  EXPECT_EQ(mood.rated_words, 3u);
}

TEST(MoodFromTables, NoRatedWordIsNeutral) {
  const MoodLexicon lexicon = MoodLexicon::FromTables({{"happy", 3}}, {{"wild", 1}});
  for (const char* text : {"", "   ", "...!?", "the table and the chair"}) {
    const Mood mood = lexicon.Of(text);
    EXPECT_DOUBLE_EQ(mood.valence, 0.5) << text;
    EXPECT_DOUBLE_EQ(mood.arousal, 0.5) << text;
    EXPECT_EQ(mood.rated_words, 0u) << text;
  }
}

TEST(MoodFromTables, ExtremeRatingsReachTheEnds) {
  const MoodLexicon lexicon =
      MoodLexicon::FromTables({{"superb", 5}, {"awful", -5}}, {{"frantic", 1}, {"asleep", -1}});
  EXPECT_DOUBLE_EQ(lexicon.Of("superb frantic").valence, 1.0);
  EXPECT_DOUBLE_EQ(lexicon.Of("superb frantic").arousal, 1.0);
  EXPECT_DOUBLE_EQ(lexicon.Of("awful asleep").valence, 0.0);
  EXPECT_DOUBLE_EQ(lexicon.Of("awful asleep").arousal, 0.0);
}

TEST(MoodFromTables, WordIsLookedUpAsIsThenAsItsStem) {
  const MoodLexicon lexicon =
      MoodLexicon::FromTables({{"running", 2}, {"run", -4}}, {{"scream", 1}});
  EXPECT_DOUBLE_EQ(lexicon.Of("running").valence, (2.0 / 5 + 1) / 2);  // as is wins
  EXPECT_DOUBLE_EQ(lexicon.Of("runs").valence, (-4.0 / 5 + 1) / 2);    // stem "run"
  EXPECT_DOUBLE_EQ(lexicon.Of("Screaming").arousal, 1.0);              // stem "scream"
}

TEST(MoodFromTables, TableKeysAreCaseFolded) {
  const MoodLexicon lexicon = MoodLexicon::FromTables({{"Happy", 3}}, {{"WILD", 1}});
  EXPECT_DOUBLE_EQ(lexicon.Of("happy").valence, 0.8);
  EXPECT_DOUBLE_EQ(lexicon.Of("wild").arousal, 1.0);
}

TEST(MoodFromTables, RatedPhraseOverridesItsWords) {
  const MoodLexicon lexicon =
      MoodLexicon::FromTables({{"good", 3}, {"not good", -2}}, {{"good", 0.5}});
  const Mood phrase = lexicon.Of("Not good.");
  EXPECT_DOUBLE_EQ(phrase.valence, (-2.0 / 5 + 1) / 2);
  EXPECT_DOUBLE_EQ(phrase.arousal, Unit(0.5));  // arousal still word by word
  EXPECT_EQ(phrase.rated_words, 2u);
  EXPECT_DOUBLE_EQ(lexicon.Of("good, not bad").valence, 0.8);
}

TEST(MoodFit, IdenticalIsOneAndOppositeCornersAreZero) {
  Mood scene;
  scene.valence = 0.3;
  scene.arousal = 0.8;
  EXPECT_DOUBLE_EQ(MoodFit(scene, 0.3, 0.8), 1.0);
  scene.valence = 0;
  scene.arousal = 0;
  EXPECT_NEAR(MoodFit(scene, 1, 1), 0.0, 1e-12);
  scene.valence = 1;
  EXPECT_NEAR(MoodFit(scene, 0, 1), 0.0, 1e-12);
}

TEST(MoodFit, HandComputedDistance) {
  Mood scene;  // (0.5, 0.5)
  EXPECT_NEAR(MoodFit(scene, 1.0, 0.5), 1 - 0.5 / std::sqrt(2.0), 1e-12);
  EXPECT_NEAR(MoodFit(scene, 0.2, 0.9), 1 - 0.5 / std::sqrt(2.0), 1e-12);  // 3-4-5 triangle
  EXPECT_NEAR(MoodFit(scene, 0.0, 0.0), 0.5, 1e-12);
}

TEST(MoodFit, OutOfRangeInputsAreClampedIntoTheSquare) {
  Mood scene;
  scene.valence = 0;
  scene.arousal = 0;
  EXPECT_NEAR(MoodFit(scene, 3, 7), 0.0, 1e-12);
  EXPECT_DOUBLE_EQ(MoodFit(scene, -1, -2), 1.0);
}

TEST_F(MoodLoadTest, ReadsAfinnValences) {
  Result<MoodLexicon> lexicon = Load();
  ASSERT_TRUE(lexicon.ok()) << lexicon.status().ToString();
  EXPECT_EQ(lexicon->valence_words(), 4u);
  EXPECT_DOUBLE_EQ(lexicon->Of("happy sad").valence, 0.55);
  EXPECT_DOUBLE_EQ(lexicon->Of("not good").valence, 0.3);
}

TEST_F(MoodLoadTest, SeedsKeepTheirSign) {
  Result<MoodLexicon> lexicon = Load();
  ASSERT_TRUE(lexicon.ok()) << lexicon.status().ToString();
  EXPECT_DOUBLE_EQ(lexicon->Of("excite").arousal, Unit(1));
  // calm is 3 hops from excite (+0.125) but is itself a seed.
  EXPECT_DOUBLE_EQ(lexicon->Of("calm").arousal, Unit(-1));
  // Seeds absent from these files are rated all the same.
  EXPECT_DOUBLE_EQ(lexicon->Of("frenzy").arousal, Unit(1));
  EXPECT_DOUBLE_EQ(lexicon->Of("drowsy").arousal, Unit(-1));
}

TEST_F(MoodLoadTest, ArousalHalvesPerHopUpToThreeHops) {
  Result<MoodLexicon> lexicon = Load();
  ASSERT_TRUE(lexicon.ok()) << lexicon.status().ToString();
  EXPECT_DOUBLE_EQ(lexicon->Of("placid").arousal, Unit(-0.5));
  EXPECT_DOUBLE_EQ(lexicon->Of("unruffled").arousal, Unit(-0.5));  // "(p)" marker dropped
  EXPECT_DOUBLE_EQ(lexicon->Of("level-headed").arousal, Unit(-0.25));
  EXPECT_DOUBLE_EQ(lexicon->Of("composed").arousal, Unit(-0.125));
  const Mood four_hops = lexicon->Of("collected");
  EXPECT_EQ(four_hops.rated_words, 0u);
  EXPECT_DOUBLE_EQ(four_hops.arousal, 0.5);
}

TEST_F(MoodLoadTest, LexicalPointersLinkOnlyTheirWords) {
  Result<MoodLexicon> lexicon = Load();
  ASSERT_TRUE(lexicon.ok()) << lexicon.status().ToString();
  EXPECT_DOUBLE_EQ(lexicon->Of("agitate").arousal, Unit(0.5));     // synonym of the seed
  EXPECT_DOUBLE_EQ(lexicon->Of("excitement").arousal, Unit(0.5));  // from "excite" itself
  // From "agitate", not from the whole synset: 2 hops, not 1.
  EXPECT_DOUBLE_EQ(lexicon->Of("agitation").arousal, Unit(0.25));
}

TEST_F(MoodLoadTest, ContributionsOfSeedsAddWithTheirSigns) {
  Result<MoodLexicon> lexicon = Load();
  ASSERT_TRUE(lexicon.ok()) << lexicon.status().ToString();
  // 1 hop from calm (-0.5), 2 hops from excite (+0.25).
  EXPECT_DOUBLE_EQ(lexicon->Of("tumult").arousal, Unit(-0.25));
  // Mean over the two rated words: (-0.5 + 0.5) / 2.
  EXPECT_DOUBLE_EQ(lexicon->Of("placid excitement").arousal, 0.5);
  EXPECT_EQ(lexicon->Of("placid excitement").rated_words, 2u);
}

TEST_F(MoodLoadTest, MissingAfinnFileIsNotFoundNamingIt) {
  const fs::path missing = dir_ / "no-such-afinn.json";
  Result<MoodLexicon> lexicon = MoodLexicon::Load(missing, dir_.path());
  ASSERT_FALSE(lexicon.ok());
  EXPECT_EQ(lexicon.status().code(), StatusCode::kNotFound);
  EXPECT_NE(lexicon.status().message().find(missing.string()), std::string::npos)
      << lexicon.status().message();
}

TEST_F(MoodLoadTest, MissingWordNetFileIsNotFoundNamingIt) {
  fs::remove(dir_ / "data.verb");
  Result<MoodLexicon> lexicon = Load();
  ASSERT_FALSE(lexicon.ok());
  EXPECT_EQ(lexicon.status().code(), StatusCode::kNotFound);
  EXPECT_NE(lexicon.status().message().find((dir_ / "data.verb").string()), std::string::npos)
      << lexicon.status().message();
}

TEST_F(MoodLoadTest, MalformedAfinnIsCorruptNamingTheFile) {
  for (const char* bad :
       {R"({"happy": 3,)", "[1, 2]", R"({"happy": "three"})", R"({"happy": 9})", "{}"}) {
    WriteFile(afinn_, bad);
    Result<MoodLexicon> lexicon = Load();
    ASSERT_FALSE(lexicon.ok()) << bad;
    EXPECT_EQ(lexicon.status().code(), StatusCode::kCorrupt) << bad;
    EXPECT_NE(lexicon.status().message().find(afinn_.string()), std::string::npos)
        << lexicon.status().message();
  }
}

TEST_F(MoodLoadTest, MalformedWordNetLineIsCorruptNamingFileAndLine) {
  WriteFile(dir_ / "data.noun", std::string(kDataNoun) + "0000040x 26 n 01 oops 0 000 | bad\n");
  Result<MoodLexicon> lexicon = Load();
  ASSERT_FALSE(lexicon.ok());
  EXPECT_EQ(lexicon.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(lexicon.status().message().find((dir_ / "data.noun").string() + ":5"),
            std::string::npos)
      << lexicon.status().message();
}

TEST_F(MoodLoadTest, PointerToMissingSynsetIsCorrupt) {
  WriteFile(dir_ / "data.adv", std::string(kDataAdv) +
                                   "00000100 02 r 01 calmly 0 001 \\ 00009999 a 0000 | x\n"
                                   "00000200 02 r 01 wildly 0 001 ^ 00009999 r 0000 | x\n");
  Result<MoodLexicon> lexicon = Load();
  ASSERT_FALSE(lexicon.ok());
  EXPECT_EQ(lexicon.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(lexicon.status().message().find("data.adv synset 00000200"), std::string::npos)
      << lexicon.status().message();
}

TEST(MoodDefaultAfinnPath, EnvironmentVariableWins) {
  const char* old = std::getenv("SONANCE_AFINN");
  const std::string saved = old != nullptr ? old : "";
  ::setenv("SONANCE_AFINN", "/somewhere/afinn.json", 1);
  EXPECT_EQ(DefaultAfinnPath(), fs::path("/somewhere/afinn.json"));
  ::setenv("SONANCE_AFINN", "", 1);  // empty counts as unset
  EXPECT_NE(DefaultAfinnPath(), fs::path(""));
  EXPECT_EQ(DefaultAfinnPath().filename(), "afinn-165.json");
  if (old != nullptr) {
    ::setenv("SONANCE_AFINN", saved.c_str(), 1);
  } else {
    ::unsetenv("SONANCE_AFINN");
  }
}

// The installed lexicons (scripts/setup.sh, Debian wordnet-base), when present.
TEST(MoodInstalled, CalmSceneHasLowerArousalThanViolentOne) {
  const fs::path wordnet = "/usr/share/wordnet";
  const fs::path afinn = DefaultAfinnPath();
  if (!fs::exists(wordnet / "data.adj") || !fs::exists(afinn)) {
    GTEST_SKIP() << "needs " << wordnet / "data.adj"
                 << " and " << afinn << " (run scripts/setup.sh)";
  }
  Result<MoodLexicon> lexicon = MoodLexicon::Load(afinn, wordnet);
  ASSERT_TRUE(lexicon.ok()) << lexicon.status().ToString();
  EXPECT_EQ(lexicon->valence_words(), 3382u);  // AFINN-165
  const Mood calm = lexicon->Of("calm quiet peaceful night");
  const Mood violent = lexicon->Of("furious screaming wild fight");
  std::cout << "arousal words " << lexicon->arousal_words() << "; calm scene: valence "
            << calm.valence << " arousal " << calm.arousal << " rated " << calm.rated_words
            << "; violent scene: valence " << violent.valence << " arousal " << violent.arousal
            << " rated " << violent.rated_words << "\n";
  EXPECT_LT(calm.arousal, violent.arousal);
  EXPECT_LT(calm.arousal, 0.5);
  EXPECT_GT(violent.arousal, 0.5);
  EXPECT_GT(calm.valence, violent.valence);
}

}  // namespace
}  // namespace sonance
