#include "sonance/text/scenes.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <set>

namespace sonance::text {
namespace {

// A bag of words, independent of the tokenizer under test elsewhere: ASCII words,
// lower-cased, a few function words dropped, each word hashed (FNV-1a) to an id, weight =
// count.
SparseVector BagOfWords(std::string_view text) {
  static const std::set<std::string> kStop = {"the", "a",    "and", "of",   "in",    "on", "is",
                                              "its", "with", "at",  "from", "their", "to", "over"};
  std::vector<std::pair<std::uint32_t, float>> pairs;
  std::string word;
  const auto flush = [&] {
    if (!word.empty() && !kStop.contains(word)) {
      std::uint32_t h = 2166136261u;
      for (unsigned char c : word) h = (h ^ c) * 16777619u;
      pairs.emplace_back(h, 1.0f);
    }
    word.clear();
  };
  for (unsigned char c : text) {
    if (std::isalnum(c)) {
      word += static_cast<char>(std::tolower(c));
    } else {
      flush();
    }
  }
  flush();
  return SparseVector::FromPairs(std::move(pairs));
}

// Three topics of five sentences each, sharing no content word: the true boundaries are
// {5, 10}.
const char kThreeTopics[] =
    "The sea is wide and the ships sail the sea. Ships cross the sea with sails and anchors. "
    "Waves of the sea rock the ships at anchor. Sailors steer ships over the salty sea. "
    "The sea and its ships meet the harbour waves.\n"
    "The forest is deep and the trees fill the forest. Trees grow tall in the green forest. "
    "Leaves fall from the trees of the forest. Birds nest in forest trees among leaves. "
    "The forest trees whisper with their leaves.\n"
    "The city is loud and the cars crowd the city streets. Cars drive through city streets "
    "all night. Traffic jams trap cars in the busy city. City lights shine over cars and "
    "streets. The city streets hum with cars and buses.";

SceneOptions Options(double threshold, int min_length, int block) {
  SceneOptions o;
  o.similarity_threshold = threshold;
  o.min_scene_length = min_length;
  o.block_size = block;
  return o;
}

void ExpectScenesTile(const SceneSplit& split) {
  int next = 0;
  for (const Scene& scene : split.scenes) {
    EXPECT_EQ(scene.first_sentence, next);
    EXPECT_GT(scene.sentence_count, 0);
    next += scene.sentence_count;
  }
  EXPECT_EQ(next, static_cast<int>(split.sentences.size()));
  EXPECT_EQ(split.scenes.size(), split.boundaries.size() + 1);
}

TEST(SceneSplitTest, FindsTheTopicBoundariesOfASyntheticStory) {
  auto split = SplitScenes(kThreeTopics, Options(0.2, 3, 2), BagOfWords);
  ASSERT_TRUE(split.ok()) << split.status().ToString();
  ASSERT_EQ(split->sentences.size(), 15u);
  ASSERT_EQ(split->gap_similarity.size(), 14u);
  EXPECT_EQ(split->boundaries, (std::vector<int>{5, 10}));
  // No shared content word across a topic change.
  EXPECT_NEAR(split->gap_similarity[4], 0.0, 1e-9);
  EXPECT_NEAR(split->gap_similarity[9], 0.0, 1e-9);
  for (std::size_t g = 0; g < split->gap_similarity.size(); ++g) {
    if (g != 4 && g != 9) {
      EXPECT_GE(split->gap_similarity[g], 0.2) << "gap before " << g + 1;
    }
  }
  ASSERT_EQ(split->scenes.size(), 3u);
  ExpectScenesTile(*split);
  EXPECT_EQ(split->scenes[1].first_sentence, 5);
  EXPECT_EQ(split->scenes[1].sentence_count, 5);
  EXPECT_EQ(split->scenes[0].text,
            "The sea is wide and the ships sail the sea. Ships cross the sea with sails and "
            "anchors. Waves of the sea rock the ships at anchor. Sailors steer ships over the "
            "salty sea. The sea and its ships meet the harbour waves.");
  EXPECT_NEAR(SceneDissimilarity(split->scenes, BagOfWords), 1.0, 1e-9);
}

TEST(SceneSplitTest, MinSceneLengthHoldsWhenEveryGapIsACandidate) {
  // Threshold 1 makes every gap below it a candidate (no block pair is identical).
  for (int min_length : {1, 2, 3, 4, 6}) {
    auto split = SplitScenes(kThreeTopics, Options(1.0, min_length, 2), BagOfWords);
    ASSERT_TRUE(split.ok()) << split.status().ToString();
    ExpectScenesTile(*split);
    for (const Scene& scene : split->scenes) {
      EXPECT_GE(scene.sentence_count, min_length) << "min_scene_length " << min_length;
    }
    // The least similar gaps are taken first, so the true boundaries survive when they fit.
    if (min_length <= 5) {
      EXPECT_TRUE(std::find(split->boundaries.begin(), split->boundaries.end(), 5) !=
                  split->boundaries.end());
      EXPECT_TRUE(std::find(split->boundaries.begin(), split->boundaries.end(), 10) !=
                  split->boundaries.end());
    }
  }
  auto four = SplitScenes(kThreeTopics, Options(1.0, 4, 2), BagOfWords);
  ASSERT_TRUE(four.ok());
  EXPECT_EQ(four->boundaries, (std::vector<int>{5, 10}));
  auto one = SplitScenes(kThreeTopics, Options(1.0, 1, 2), BagOfWords);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->scenes.size(), 15u);
  // min 6: 5 and 10 would each leave a scene of 5; one gap in [6, 9] fits, and after it no
  // second gap can leave 6 sentences on both sides.
  auto six = SplitScenes(kThreeTopics, Options(1.0, 6, 2), BagOfWords);
  ASSERT_TRUE(six.ok());
  EXPECT_EQ(six->boundaries.size(), 1u);
}

// Block size 1 gives gap similarities by hand: cos("sea sea", "sea sea") = 1,
// cos("sea sea", "tree") = 0, cos("tree", "city") = 0.
TEST(SceneSplitTest, TiesGoToTheEarlierGap) {
  const char story[] = "sea sea. sea sea. sea sea. tree. city. city. city.";
  auto split = SplitScenes(story, Options(0.5, 3, 1), BagOfWords);
  ASSERT_TRUE(split.ok()) << split.status().ToString();
  ASSERT_EQ(split->gap_similarity.size(), 6u);
  const std::vector<double> expected = {1, 1, 0, 0, 1, 1};
  for (std::size_t g = 0; g < expected.size(); ++g) {
    EXPECT_NEAR(split->gap_similarity[g], expected[g], 1e-9) << g;
  }
  // Gaps 3 and 4 tie at 0 and are one sentence apart: only the earlier one fits.
  EXPECT_EQ(split->boundaries, (std::vector<int>{3}));
}

// cos("sea sea", "tree sea") = 2 / (2 sqrt 2) = 0.707 and cos("tree sea", "city") = 0.
TEST(SceneSplitTest, LeastSimilarGapWinsAConflict) {
  const char story[] = "sea sea. sea sea. sea sea. tree sea. city. city. city.";
  auto split = SplitScenes(story, Options(0.8, 3, 1), BagOfWords);
  ASSERT_TRUE(split.ok()) << split.status().ToString();
  EXPECT_NEAR(split->gap_similarity[2], 1.0 / std::sqrt(2.0), 1e-6);
  EXPECT_NEAR(split->gap_similarity[3], 0.0, 1e-9);
  EXPECT_EQ(split->boundaries, (std::vector<int>{4}));
}

TEST(SceneSplitTest, IsDeterministic) {
  auto a = SplitScenes(kThreeTopics, Options(0.9, 2, 2), BagOfWords);
  auto b = SplitScenes(kThreeTopics, Options(0.9, 2, 2), BagOfWords);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->boundaries, b->boundaries);
  EXPECT_EQ(a->gap_similarity, b->gap_similarity);
  ASSERT_EQ(a->scenes.size(), b->scenes.size());
  for (std::size_t i = 0; i < a->scenes.size(); ++i)
    EXPECT_EQ(a->scenes[i].text, b->scenes[i].text);
}

TEST(SceneSplitTest, ThresholdMinusOneKeepsOneScene) {
  auto split = SplitScenes(kThreeTopics, Options(-1.0, 1, 2), BagOfWords);
  ASSERT_TRUE(split.ok());
  EXPECT_TRUE(split->boundaries.empty());
  ASSERT_EQ(split->scenes.size(), 1u);
  EXPECT_EQ(split->scenes[0].sentence_count, 15);
}

TEST(SceneSplitTest, ShortStoryIsOneScene) {
  // Five sentences with two topics, but 5 < 2 * 3.
  const char story[] = "sea sea. sea sea. sea sea. city. city.";
  auto split = SplitScenes(story, Options(0.5, 3, 1), BagOfWords);
  ASSERT_TRUE(split.ok()) << split.status().ToString();
  EXPECT_EQ(split->sentences.size(), 5u);
  EXPECT_EQ(split->gap_similarity.size(), 4u);
  EXPECT_TRUE(split->boundaries.empty());
  ASSERT_EQ(split->scenes.size(), 1u);
  EXPECT_EQ(split->scenes[0].first_sentence, 0);
  EXPECT_EQ(split->scenes[0].sentence_count, 5);
  EXPECT_EQ(split->scenes[0].text, "sea sea. sea sea. sea sea. city. city.");

  auto single = SplitScenes("Only one sentence here.", SceneOptions{}, BagOfWords);
  ASSERT_TRUE(single.ok());
  EXPECT_TRUE(single->gap_similarity.empty());
  ASSERT_EQ(single->scenes.size(), 1u);
  EXPECT_EQ(single->scenes[0].text, "Only one sentence here.");
}

TEST(SceneSplitTest, InvalidOptionsAreRejected) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (const SceneOptions& o : {Options(1.5, 3, 2), Options(-1.01, 3, 2), Options(nan, 3, 2),
                                Options(0.2, 0, 2), Options(0.2, -1, 2), Options(0.2, 3, 0)}) {
    auto split = SplitScenes(kThreeTopics, o, BagOfWords);
    ASSERT_FALSE(split.ok());
    EXPECT_EQ(split.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(SceneSplitTest, EmptyOrMalformedStoryIsRejected) {
  for (std::string_view story : {std::string_view(""), std::string_view("   \n\n  ")}) {
    auto split = SplitScenes(story, SceneOptions{}, BagOfWords);
    ASSERT_FALSE(split.ok());
    EXPECT_EQ(split.status().code(), StatusCode::kInvalidArgument);
  }
  auto bad = SplitScenes("The sea \xff\xfe is wide.", SceneOptions{}, BagOfWords);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
}

TEST(SceneDissimilarityTest, MatchesAHandComputation) {
  EXPECT_EQ(SceneDissimilarity({}, BagOfWords), 0.0);
  EXPECT_EQ(SceneDissimilarity({Scene{0, 1, "sea"}}, BagOfWords), 0.0);
  // 1 - cos("sea sea", "tree sea") = 1 - 1/sqrt 2 and 1 - cos("tree sea", "sea tree") = 0.
  const std::vector<Scene> scenes = {{0, 1, "sea sea"}, {1, 1, "tree sea"}, {2, 1, "sea tree"}};
  EXPECT_NEAR(SceneDissimilarity(scenes, BagOfWords), (1.0 - 1.0 / std::sqrt(2.0)) / 2.0, 1e-6);
}

TEST(PkTest, PerfectSegmentationScoresZero) {
  EXPECT_EQ(Pk({4, 8}, {4, 8}, 12), 0.0);
  EXPECT_EQ(Pk({}, {}, 12), 0.0);
  EXPECT_EQ(Pk({3}, {3}, 10, 4), 0.0);
}

TEST(PkTest, AllWrongSegmentationsScoreOne) {
  // One reference segment of 10 (k = 5) against a boundary before every sentence: every
  // window of the five joins two sentences the hypothesis separates.
  EXPECT_EQ(Pk({}, {1, 2, 3, 4, 5, 6, 7, 8, 9}, 10), 1.0);
  // Every sentence its own segment (k = max(1, round(0.5)) = 1) against no boundary at all.
  EXPECT_EQ(Pk({1, 2, 3, 4, 5, 6, 7, 8, 9}, {}, 10), 1.0);
}

// units 12, reference {4, 8} (segments 0-3, 4-7, 8-11; mean length 4, so k = 2), windows
// (i, i + 2) for i = 0..9.
//   hypothesis {5, 8} (segments 0-4, 5-7, 8-11): i = 2 (2 and 4: reference apart, hypothesis
//   together) and i = 4 (4 and 6: together vs apart) disagree; Pk = 2 / 10.
//   hypothesis {4, 5, 8}: only i = 4 (4 and 6: together vs apart) disagrees; Pk = 1 / 10 —
//   the window (3, 5) holds one reference boundary and two hypothesised ones, which Pk
//   does not see.
TEST(PkTest, MatchesAHandComputation) {
  EXPECT_NEAR(Pk({4, 8}, {5, 8}, 12), 0.2, 1e-12);
  EXPECT_NEAR(Pk({4, 8}, {4, 5, 8}, 12), 0.1, 1e-12);
  EXPECT_NEAR(Pk({4, 8}, {5, 8}, 12, 2), 0.2, 1e-12);
  // k = 1 sees only adjacent pairs: disagreements at the gaps before 4 and before 5.
  EXPECT_NEAR(Pk({4, 8}, {5, 8}, 12, 1), 2.0 / 11.0, 1e-12);
}

TEST(PkTest, OutOfRangeAndDuplicateBoundariesAreIgnored) {
  EXPECT_EQ(Pk({4, 8}, {0, 4, 4, 8, 12, 40, -3}, 12), 0.0);
  EXPECT_EQ(Pk({}, {}, 1), 0.0);
  EXPECT_EQ(Pk({}, {}, 0), 0.0);
}

TEST(WindowDiffTest, PerfectSegmentationScoresZero) {
  EXPECT_EQ(WindowDiff({4, 8}, {4, 8}, 12), 0.0);
  EXPECT_EQ(WindowDiff({}, {}, 12), 0.0);
}

TEST(WindowDiffTest, AllWrongSegmentationsScoreOne) {
  EXPECT_EQ(WindowDiff({}, {1, 2, 3, 4, 5, 6, 7, 8, 9}, 10), 1.0);
  EXPECT_EQ(WindowDiff({1, 2, 3, 4, 5, 6, 7, 8, 9}, {}, 10), 1.0);
}

// Same setting as PkTest.MatchesAHandComputation; the boundaries in (i, i + 2]:
//   hypothesis {5, 8}: i = 2 (reference 1 at 4, hypothesis 0) and i = 4 (0 vs 1 at 5) differ:
//   2 / 10.
//   hypothesis {4, 5, 8}: i = 3 (reference 1, hypothesis 2: 4 and 5) and i = 4 (0 vs 1)
//   differ: 2 / 10, where Pk gave 1 / 10.
TEST(WindowDiffTest, MatchesAHandComputation) {
  EXPECT_NEAR(WindowDiff({4, 8}, {5, 8}, 12), 0.2, 1e-12);
  EXPECT_NEAR(WindowDiff({4, 8}, {4, 5, 8}, 12), 0.2, 1e-12);
  // Hypothesis {8} misses the boundary at 4: windows i = 2 and 3 differ.
  EXPECT_NEAR(WindowDiff({4, 8}, {8}, 12), 0.2, 1e-12);
  // With k = 4 (windows i = 0..7), hypothesis {5, 8}: counts in (i, i + 4] differ at i = 0
  // (reference 1: 4, hypothesis 0) and i = 4 (reference 1: 8, hypothesis 2: 5 and 8). Pk
  // only sees i = 0, since at i = 4 both put the two sentences apart.
  EXPECT_NEAR(WindowDiff({4, 8}, {5, 8}, 12, 4), 2.0 / 8.0, 1e-12);
  EXPECT_NEAR(Pk({4, 8}, {5, 8}, 12, 4), 1.0 / 8.0, 1e-12);
}

}  // namespace
}  // namespace sonance::text
