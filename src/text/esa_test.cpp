#include "sonance/text/esa.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "support/fixtures.h"

namespace sonance {
namespace {

namespace fs = std::filesystem;

class EsaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("sonance-esa-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::shared_ptr<const EsaIndex> Build(const std::vector<EsaConcept>& concepts,
                                        EsaBuildOptions options) {
    const fs::path path = dir_ / "index.esa";
    auto stats = BuildEsaIndex(concepts, options, path);
    EXPECT_TRUE(stats.ok()) << stats.status().ToString();
    auto index = EsaIndex::Load(path);
    EXPECT_TRUE(index.ok()) << index.status().ToString();
    return index.ok() ? *index : nullptr;
  }

  static EsaBuildOptions Open() {
    EsaBuildOptions o;
    o.min_df = 1;
    o.max_df_fraction = 1.0;
    return o;
  }

  fs::path dir_;
};

// Three concepts small enough to weigh by hand:
//   c0 "cat cat dog", c1 "dog bird", c2 "fish"; N = 3.
//   idf: cat, bird, fish ln 3; dog ln 1.5.
//   c0: cat (1 + ln 2) ln 3, dog ln 1.5, then scaled to unit length; c1 likewise.
TEST_F(EsaTest, TfIdfWeightsAndVectorsMatchAHandComputation) {
  auto index = Build({{"c0", "cat cat dog"}, {"c1", "dog bird"}, {"c2", "fish"}}, Open());
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index->concept_count(), 3u);
  EXPECT_EQ(index->term_count(), 4u);
  EXPECT_EQ(index->concept_title(1), "c1");
  EXPECT_NEAR(index->Idf("dog"), std::log(1.5), 1e-6);
  EXPECT_NEAR(index->Idf("cat"), std::log(3.0), 1e-6);
  EXPECT_EQ(index->Idf("zebra"), 0.0);

  const double cat0 = (1 + std::log(2.0)) * std::log(3.0);
  const double dog0 = std::log(1.5);
  const double n0 = std::hypot(cat0, dog0);
  const double dog1 = std::log(1.5);
  const double bird1 = std::log(3.0);
  const double n1 = std::hypot(dog1, bird1);

  // "dogs" stems to "dog": weight idf(dog) times each concept's dog weight.
  const SparseVector v = index->Vectorize("Dogs!");
  ASSERT_EQ(v.ids, (std::vector<std::uint32_t>{0, 1}));
  EXPECT_NEAR(v.weights[0], std::log(1.5) * dog0 / n0, 1e-5);
  EXPECT_NEAR(v.weights[1], std::log(1.5) * dog1 / n1, 1e-5);

  // cat -> c0 only; cosine with dog's vector is dog's c0 share.
  const double expected = (dog0 / n0) / std::hypot(dog0 / n0, dog1 / n1);
  EXPECT_NEAR(index->Relatedness("cat", "dog"), expected, 1e-5);
  EXPECT_NEAR(index->Relatedness("cat", "bird"), 0.0, 1e-9);
  EXPECT_NEAR(index->Relatedness("fish", "fish"), 1.0, 1e-6);
  EXPECT_TRUE(index->Vectorize("the of and").empty());  // stop words only
  EXPECT_TRUE(index->Vectorize("zebra").empty());
}

TEST_F(EsaTest, DocumentFrequencyLimitsDropTerms) {
  EsaBuildOptions o = Open();
  o.max_df_fraction = 0.5;  // dog is in 2 of 3 concepts
  auto index = Build({{"c0", "cat cat dog"}, {"c1", "dog bird"}, {"c2", "fish"}}, o);
  ASSERT_NE(index, nullptr);
  EXPECT_TRUE(index->Vectorize("dog").empty());
  o = Open();
  o.min_df = 2;  // only dog remains
  index = Build({{"c0", "cat cat dog"}, {"c1", "dog bird"}, {"c2", "fish"}}, o);
  EXPECT_EQ(index->term_count(), 1u);
}

TEST_F(EsaTest, PruningCutsAFlatTail) {
  // "common" is in 200 of 300 concepts with one equal weight in 197 of them: the first
  // window already drops by nothing, so the list keeps one window. "rare" sits in 3 concepts
  // and is untouched.
  std::vector<EsaConcept> concepts;
  for (int i = 0; i < 300; ++i) {
    // "fillerN" stems to itself, so every filler is its own term.
    std::string text = std::string(i < 200 ? "common " : "") + "filler" + std::to_string(i);
    if (i < 3) text += " rare";
    concepts.push_back({"c" + std::to_string(i), text});
  }
  EsaBuildOptions o = Open();
  o.prune_window = 100;
  o.prune_drop = 0.05;
  auto index = Build(concepts, o);
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index->Vectorize("common", 100000).size(), 100u);
  EXPECT_EQ(index->Vectorize("rare", 100000).size(), 3u);
  // max_concepts keeps the largest entries.
  EXPECT_EQ(index->Vectorize("common rare", 5).size(), 5u);
}

TEST_F(EsaTest, CorruptOrMissingIndexIsRefusedWithItsPath) {
  const fs::path missing = dir_ / "none.esa";
  auto a = EsaIndex::Load(missing);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), StatusCode::kNotFound);
  EXPECT_NE(a.status().message().find(missing.string()), std::string::npos);

  const fs::path junk = dir_ / "junk.esa";
  std::ofstream(junk) << std::string(200, 'x');
  auto b = EsaIndex::Load(junk);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(b.status().message().find(junk.string()), std::string::npos);

  // A real index cut short.
  const fs::path good = dir_ / "good.esa";
  ASSERT_TRUE(BuildEsaIndex({{"a", "apple pie"}, {"b", "banana bread"}}, Open(), good).ok());
  const auto size = fs::file_size(good);
  fs::resize_file(good, size - 5);
  auto c = EsaIndex::Load(good);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kCorrupt);
}

TEST_F(EsaTest, BuildRefusesBadInput) {
  EXPECT_EQ(BuildEsaIndex({}, Open(), dir_ / "x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(BuildEsaIndex({{"t", "bad \xff byte"}}, Open(), dir_ / "x").status().code(),
            StatusCode::kInvalidArgument);
  EsaBuildOptions o = Open();
  o.min_df = 0;
  EXPECT_EQ(BuildEsaIndex({{"t", "x"}}, o, dir_ / "x").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_FALSE(fs::exists(dir_ / "x"));
}

TEST_F(EsaTest, ReadsJsonLinesAndNamesTheBadLine) {
  const fs::path good = dir_ / "c.jsonl";
  std::ofstream(good) << R"({"title": "Sea", "text": "waves and ships"})"
                      << "\n\n"
                      << R"({"text": "no title here"})"
                      << "\n";
  auto concepts = ReadJsonlConcepts(good);
  ASSERT_TRUE(concepts.ok()) << concepts.status().ToString();
  ASSERT_EQ(concepts->size(), 2u);
  EXPECT_EQ((*concepts)[0].title, "Sea");
  EXPECT_EQ((*concepts)[1].title, "line 3");

  const fs::path bad = dir_ / "bad.jsonl";
  std::ofstream(bad) << R"({"title": "a", "text": "b"})"
                     << "\n"
                     << "{not json\n";
  auto r = ReadJsonlConcepts(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("bad.jsonl:2"), std::string::npos) << r.status().message();
}

TEST_F(EsaTest, ReadsWordNetDataFilesWithRelatedSynsets) {
  // Two noun synsets in WordNet's data-file format: "dog" points to its hypernym "canine".
  const std::string noun =
      "  1 This software and database is being provided to you, the LICENSEE, by\n"
      "00000100 05 n 02 canine 0 canid 0 001 ~ 00000200 n 0000 | a mammal of the dog "
      "family\n"
      "00000200 05 n 01 dog 0 001 @ 00000100 n 0000 | a domesticated carnivore; \"the dog "
      "barked\"\n";
  std::ofstream(dir_ / "data.noun") << noun;
  std::ofstream(dir_ / "data.verb") << "00000300 30 v 01 bark 0 000 01 + 01 00 | make a "
                                       "noise like a dog\n";
  std::ofstream(dir_ / "data.adj") << "00000400 00 s 01 loud(a) 0 000 | high in volume\n";
  std::ofstream(dir_ / "data.adv") << "";
  auto plain = ReadWordNetConcepts(dir_, false);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  ASSERT_EQ(plain->size(), 4u);
  EXPECT_EQ((*plain)[0].title, "canine#n#00000100");
  EXPECT_EQ((*plain)[0].text, "canine, canid. a mammal of the dog family");
  EXPECT_EQ((*plain)[1].text, "dog. a domesticated carnivore; \"the dog barked\"");
  EXPECT_EQ((*plain)[2].title, "bark#v#00000300");
  EXPECT_EQ((*plain)[3].title, "loud#s#00000400");
  EXPECT_EQ((*plain)[3].text, "loud. high in volume");
  auto rich = ReadWordNetConcepts(dir_, true);
  ASSERT_TRUE(rich.ok());
  // dog's concept now holds its hypernym's words and gloss too.
  EXPECT_NE((*rich)[1].text.find("canine, canid. a mammal"), std::string::npos);
  EXPECT_EQ(ReadWordNetConcepts(dir_ / "nowhere", false).status().code(), StatusCode::kNotFound);
}

TEST(SpearmanTest, MatchesHandComputedRanks) {
  // Ranks a = 1 2 3 4 5, b = 2 1 4 3 5: d^2 = 1+1+1+1+0 = 4; rho = 1 - 6*4/(5*24) = 0.8.
  EXPECT_NEAR(SpearmanRho({1, 2, 3, 4, 5}, {20, 10, 40, 30, 50}), 0.8, 1e-12);
  EXPECT_NEAR(SpearmanRho({1, 2, 3}, {3, 2, 1}), -1.0, 1e-12);
  // Ties take the average rank: a = 1 2.5 2.5 4, b = 1 2 3 4 -> Pearson of the ranks.
  const double rho = SpearmanRho({1, 2, 2, 3}, {1, 2, 3, 4});
  EXPECT_NEAR(rho, 4.5 / std::sqrt(4.5 * 5.0), 1e-12);
  EXPECT_TRUE(std::isnan(SpearmanRho({1}, {1})));
  EXPECT_TRUE(std::isnan(SpearmanRho({1, 1, 1}, {1, 2, 3})));
}

}  // namespace
}  // namespace sonance

namespace sonance {
namespace {

TEST(ConceptLabelTest, StripsWordNetSenseKeysOnly) {
  EXPECT_EQ(ConceptLabel("battle plan#n#05902786"), "battle plan");
  EXPECT_EQ(ConceptLabel("quick#a#00979366"), "quick");
  EXPECT_EQ(ConceptLabel("C#"), "C#");
  EXPECT_EQ(ConceptLabel("Issue #12"), "Issue #12");
  EXPECT_EQ(ConceptLabel("x#q#12"), "x#q#12");
  EXPECT_EQ(ConceptLabel("sea"), "sea");
  EXPECT_EQ(ConceptLabel(""), "");
}

}  // namespace
}  // namespace sonance
