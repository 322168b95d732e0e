#include "sonance/text/sparse_vector.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <utility>
#include <vector>

namespace sonance {
namespace {

using Ids = std::vector<std::uint32_t>;
using Weights = std::vector<float>;
using Pairs = std::vector<std::pair<std::uint32_t, float>>;

// 1:0.5, 2:2, 3:-1, 4:2, 5:1 (ids 2 and 4 tie on the largest weight).
SparseVector FiveEntries() {
  return SparseVector::FromPairs({{4, 2.0F}, {1, 0.5F}, {5, 1.0F}, {3, -1.0F}, {2, 2.0F}});
}

TEST(SparseVectorTest, FromPairsSortsSumsDuplicatesAndDropsZeros) {
  const SparseVector v =
      SparseVector::FromPairs({{5, 1.0F}, {2, 0.5F}, {5, 2.0F}, {7, 0.0F}, {3, 1.5F}, {3, -1.5F}});
  EXPECT_EQ(v.ids, (Ids{2, 5}));
  EXPECT_EQ(v.weights, (Weights{0.5F, 3.0F}));
  EXPECT_EQ(v.size(), 2U);
}

TEST(SparseVectorTest, FromNoPairsIsTheEmptyVector) {
  const SparseVector v = SparseVector::FromPairs({});
  EXPECT_TRUE(v.empty());
  EXPECT_TRUE(v.weights.empty());
  EXPECT_EQ(v.Norm(), 0.0);
  EXPECT_TRUE(SparseVector::FromPairs({{1, 0.0F}, {9, 0.0F}}).empty());
}

TEST(SparseVectorTest, NormIsEuclidean) {
  EXPECT_DOUBLE_EQ(SparseVector::FromPairs({{10, 3.0F}, {20, -4.0F}}).Norm(), 5.0);
}

TEST(SparseVectorTest, DotSumsProductsOverSharedIdsOnly) {
  const SparseVector a = SparseVector::FromPairs({{1, 1.0F}, {3, 2.0F}, {5, 3.0F}});
  const SparseVector b = SparseVector::FromPairs({{2, 4.0F}, {3, 5.0F}, {5, -1.0F}, {9, 7.0F}});
  EXPECT_DOUBLE_EQ(Dot(a, b), 2.0 * 5.0 + 3.0 * -1.0);
  EXPECT_DOUBLE_EQ(Dot(b, a), 7.0);
  EXPECT_DOUBLE_EQ(Dot(a, a), 1.0 + 4.0 + 9.0);
  EXPECT_EQ(Dot(a, SparseVector{}), 0.0);
  EXPECT_EQ(Dot(SparseVector::FromPairs({{1, 1.0F}}), SparseVector::FromPairs({{2, 1.0F}})), 0.0);
}

TEST(SparseVectorTest, CosineIsDotOverNormsAndZeroForTheZeroVector) {
  const SparseVector a = SparseVector::FromPairs({{1, 3.0F}, {2, 4.0F}});
  const SparseVector b = SparseVector::FromPairs({{1, 4.0F}, {2, 3.0F}});
  EXPECT_DOUBLE_EQ(Cosine(a, b), 24.0 / 25.0);
  EXPECT_DOUBLE_EQ(Cosine(a, a), 1.0);
  EXPECT_DOUBLE_EQ(Cosine(a, SparseVector::FromPairs({{1, -6.0F}, {2, -8.0F}})), -1.0);
  EXPECT_EQ(Cosine(a, SparseVector::FromPairs({{7, 1.0F}})), 0.0);
  EXPECT_EQ(Cosine(a, SparseVector{}), 0.0);
  EXPECT_EQ(Cosine(SparseVector{}, SparseVector{}), 0.0);
}

TEST(SparseVectorTest, NormalizeScalesToUnitLength) {
  SparseVector v = SparseVector::FromPairs({{4, 3.0F}, {8, 4.0F}});
  v.Normalize();
  EXPECT_EQ(v.ids, (Ids{4, 8}));
  ASSERT_EQ(v.weights.size(), 2U);
  EXPECT_FLOAT_EQ(v.weights[0], 0.6F);
  EXPECT_FLOAT_EQ(v.weights[1], 0.8F);
  EXPECT_NEAR(v.Norm(), 1.0, 1e-6);
}

TEST(SparseVectorTest, NormalizeLeavesTheZeroVectorAlone) {
  SparseVector v;
  v.Normalize();
  EXPECT_TRUE(v.empty());
}

TEST(SparseVectorTest, TopListsLargestWeightsFirstWithTiesBySmallerId) {
  const SparseVector v = FiveEntries();
  EXPECT_EQ(v.Top(3), (Pairs{{2, 2.0F}, {4, 2.0F}, {5, 1.0F}}));
  EXPECT_EQ(v.Top(10), (Pairs{{2, 2.0F}, {4, 2.0F}, {5, 1.0F}, {1, 0.5F}, {3, -1.0F}}));
  EXPECT_EQ(v.Top(0), Pairs{});
  EXPECT_EQ(SparseVector{}.Top(3), Pairs{});
}

TEST(SparseVectorTest, KeepTopKeepsTheLargestWeightsSortedById) {
  SparseVector v = FiveEntries();
  v.KeepTop(3);
  EXPECT_EQ(v.ids, (Ids{2, 4, 5}));
  EXPECT_EQ(v.weights, (Weights{2.0F, 2.0F, 1.0F}));

  SparseVector ties = SparseVector::FromPairs({{10, 1.0F}, {3, 1.0F}, {7, 1.0F}});
  ties.KeepTop(2);
  EXPECT_EQ(ties.ids, (Ids{3, 7}));
}

TEST(SparseVectorTest, KeepTopOfAtLeastTheSizeChangesNothingAndZeroEmpties) {
  SparseVector v = FiveEntries();
  v.KeepTop(5);
  EXPECT_EQ(v.ids, (Ids{1, 2, 3, 4, 5}));
  EXPECT_EQ(v.weights, (Weights{0.5F, 2.0F, -1.0F, 2.0F, 1.0F}));
  v.KeepTop(0);
  EXPECT_TRUE(v.empty());
  EXPECT_TRUE(v.weights.empty());
}

TEST(SparseVectorTest, AddScaledMergesIdsAndDropsCancelledEntries) {
  SparseVector a = SparseVector::FromPairs({{1, 1.0F}, {3, 2.0F}});
  const SparseVector b = SparseVector::FromPairs({{2, 1.0F}, {3, 4.0F}, {4, 0.5F}});
  a.AddScaled(b, -0.5F);
  // 1: 1; 2: -0.5 * 1; 3: 2 - 0.5 * 4 = 0 (dropped); 4: -0.5 * 0.5.
  EXPECT_EQ(a.ids, (Ids{1, 2, 4}));
  EXPECT_EQ(a.weights, (Weights{1.0F, -0.5F, -0.25F}));
}

TEST(SparseVectorTest, AddScaledIntoTheEmptyVectorIsAScaledCopy) {
  SparseVector a;
  a.AddScaled(SparseVector::FromPairs({{2, 1.0F}, {3, 4.0F}}), 2.0F);
  EXPECT_EQ(a.ids, (Ids{2, 3}));
  EXPECT_EQ(a.weights, (Weights{2.0F, 8.0F}));
}

TEST(SparseVectorTest, AddScaledByZeroLeavesTheVectorUnchanged) {
  SparseVector a = SparseVector::FromPairs({{1, 1.0F}});
  a.AddScaled(SparseVector::FromPairs({{2, 1.0F}, {3, 4.0F}}), 0.0F);
  EXPECT_EQ(a.ids, (Ids{1}));
  EXPECT_EQ(a.weights, (Weights{1.0F}));
}

TEST(SparseVectorTest, AddScaledWithItself) {
  SparseVector a = SparseVector::FromPairs({{1, 1.0F}, {3, -2.0F}});
  a.AddScaled(a, 1.0F);
  EXPECT_EQ(a.ids, (Ids{1, 3}));
  EXPECT_EQ(a.weights, (Weights{2.0F, -4.0F}));
  a.AddScaled(a, -1.0F);
  EXPECT_TRUE(a.empty());
}

}  // namespace
}  // namespace sonance
