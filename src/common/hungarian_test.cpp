#include "sonance/common/hungarian.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <set>
#include <vector>

namespace sonance {
namespace {

using Matrix = std::vector<std::vector<double>>;

Matrix RandomScores(int rows, int cols, std::mt19937& rng, bool small_integers) {
  // Small integers make many ties; reals in [-5, 5] include negative scores.
  std::uniform_int_distribution<int> small(-2, 3);
  std::uniform_real_distribution<double> real(-5.0, 5.0);
  Matrix m(rows, std::vector<double>(cols));
  for (auto& row : m) {
    for (auto& s : row) s = small_integers ? small(rng) : real(rng);
  }
  return m;
}

// The second implementation: every way of giving min(R, C) rows distinct columns.
double BruteForceBest(const Matrix& score) {
  const int rows = static_cast<int>(score.size());
  const int cols = rows == 0 ? 0 : static_cast<int>(score[0].size());
  if (rows == 0 || cols == 0) return 0.0;
  double best = -1e300;
  if (rows <= cols) {
    std::vector<int> perm(cols);  // row r takes column perm[r]
    std::iota(perm.begin(), perm.end(), 0);
    do {
      double total = 0.0;
      for (int r = 0; r < rows; ++r) total += score[r][perm[r]];
      best = std::max(best, total);
    } while (std::next_permutation(perm.begin(), perm.end()));
  } else {
    std::vector<int> perm(rows);  // column c takes row perm[c]
    std::iota(perm.begin(), perm.end(), 0);
    do {
      double total = 0.0;
      for (int c = 0; c < cols; ++c) total += score[perm[c]][c];
      best = std::max(best, total);
    } while (std::next_permutation(perm.begin(), perm.end()));
  }
  return best;
}

// Checks the assignment is a valid matching and returns its total score.
double CheckedTotal(const Matrix& score, const std::vector<int>& assignment) {
  const int rows = static_cast<int>(score.size());
  const int cols = rows == 0 ? 0 : static_cast<int>(score[0].size());
  EXPECT_EQ(static_cast<int>(assignment.size()), rows);
  std::set<int> taken;
  int left_out = 0;
  double total = 0.0;
  for (int r = 0; r < static_cast<int>(assignment.size()); ++r) {
    const int c = assignment[r];
    if (c == -1) {
      ++left_out;
      continue;
    }
    EXPECT_GE(c, 0);
    EXPECT_LT(c, cols);
    if (c < 0 || c >= cols) continue;
    EXPECT_TRUE(taken.insert(c).second) << "column " << c << " used twice";
    total += score[r][c];
  }
  EXPECT_EQ(left_out, std::max(0, rows - cols));
  return total;
}

TEST(HungarianTest, EmptyInputGivesEmptyAssignment) {
  EXPECT_TRUE(MaxScoreAssignment({}).empty());
}

TEST(HungarianTest, RowsWithoutColumnsAreAllLeftOut) {
  EXPECT_EQ(MaxScoreAssignment(Matrix(3)), (std::vector<int>{-1, -1, -1}));
}

TEST(HungarianTest, OneByOneTakesTheOnlyColumnEvenWhenNegative) {
  EXPECT_EQ(MaxScoreAssignment({{-7.5}}), (std::vector<int>{0}));
}

TEST(HungarianTest, HandComputedThreeByThreeBeatsGreedy) {
  // The six permutations (column of rows 0, 1, 2) and their totals:
  //   012: 9+4+1=14  021: 9+3+8=20  102: 2+6+1=9
  //   120: 2+3+5=10  201: 7+6+8=21  210: 7+4+5=16
  // Greedy (take 9, then 8, then 3) reaches 20; the optimum is 201 with 21.
  const Matrix score = {{9, 2, 7}, {6, 4, 3}, {5, 8, 1}};
  EXPECT_EQ(MaxScoreAssignment(score), (std::vector<int>{2, 0, 1}));
}

TEST(HungarianTest, MoreRowsThanColumnsLeavesTheWeakestRowsOut) {
  // Column 0 is worth most to row 1 (5), column 1 to row 2 (9); 5 + 9 = 14 beats every
  // other pair of rows (row 0 + row 2: 1 + 9 or 3 + 2; row 1 + row 0: 5 + 2; ...).
  const Matrix score = {{1, 2}, {5, 1}, {3, 9}, {0, 0}};
  EXPECT_EQ(MaxScoreAssignment(score), (std::vector<int>{-1, 0, 1, -1}));
}

TEST(HungarianTest, FewerRowsThanColumnsPicksTheBestColumns) {
  const Matrix score = {{0, 1, 0, 4}, {0, 3, 0, 5}};
  // Row 0 -> 3 and row 1 -> 1 give 7; row 1 -> 3 and row 0 -> 1 give 6.
  EXPECT_EQ(MaxScoreAssignment(score), (std::vector<int>{3, 1}));
}

TEST(HungarianTest, MatchesBruteForceOnRandomMatrices) {
  std::mt19937 rng(20240611);
  const std::vector<std::pair<int, int>> shapes = {{1, 1}, {1, 4}, {4, 1}, {2, 2}, {2, 5},
                                                   {5, 2}, {3, 3}, {3, 6}, {6, 3}, {4, 4},
                                                   {5, 7}, {7, 5}, {6, 6}, {7, 7}, {8, 8}};
  for (const auto& [rows, cols] : shapes) {
    for (int trial = 0; trial < 12; ++trial) {
      const bool ties = trial % 2 == 0;
      const Matrix score = RandomScores(rows, cols, rng, ties);
      const std::vector<int> assignment = MaxScoreAssignment(score);
      EXPECT_NEAR(CheckedTotal(score, assignment), BruteForceBest(score), 1e-9)
          << rows << "x" << cols << " trial " << trial;
    }
  }
}

TEST(HungarianTest, AllEqualScoresStillGiveAFullMatching) {
  const Matrix score(5, std::vector<double>(5, 2.0));
  const std::vector<int> assignment = MaxScoreAssignment(score);
  EXPECT_DOUBLE_EQ(CheckedTotal(score, assignment), 10.0);
}

TEST(HungarianTest, SameInputGivesSameAssignment) {
  std::mt19937 rng(7);
  const Matrix score = RandomScores(9, 12, rng, /*small_integers=*/true);
  const std::vector<int> first = MaxScoreAssignment(score);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(MaxScoreAssignment(score), first);
}

TEST(HungarianTest, RecoversAHiddenPermutationOnALargeMatrix) {
  // Score 1 only where column == perm[row]: the unique optimum is perm itself.
  constexpr int kN = 150;
  std::vector<int> perm(kN);
  std::iota(perm.begin(), perm.end(), 0);
  std::mt19937 rng(3);
  std::shuffle(perm.begin(), perm.end(), rng);
  std::uniform_real_distribution<double> noise(0.0, 0.4);
  Matrix score(kN, std::vector<double>(kN));
  for (int r = 0; r < kN; ++r) {
    // Noise below 1/kN in total cannot outweigh losing one 1.
    for (int c = 0; c < kN; ++c) score[r][c] = noise(rng) / (kN * kN);
    score[r][perm[r]] += 1.0;
  }
  EXPECT_EQ(MaxScoreAssignment(score), perm);
}

}  // namespace
}  // namespace sonance
