// MaxScoreAssignment (hungarian.h): the potentials form of the Hungarian algorithm
// (Kuhn 1955, Munkres 1957; the O(n^2 m) shortest-augmenting-path variant), which
// minimises cost, run on cost = -score.
#include "sonance/common/hungarian.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

namespace sonance {
namespace {

// Rows 1..n are matched to columns 1..m, n <= m; cost(i, j) is the cost of row i - 1 in
// column j - 1. Returns, for each row (0-based), its column (0-based).
template <typename Cost>
std::vector<int> MinCostAssignment(int n, int m, const Cost& cost) {
  assert(n <= m);
  constexpr double kInf = std::numeric_limits<double>::infinity();
  std::vector<double> u(n + 1, 0.0);  // row potentials
  std::vector<double> v(m + 1, 0.0);  // column potentials
  std::vector<int> row_of(m + 1, 0);  // row matched to column j (0: none); column 0 is virtual
  std::vector<int> way(m + 1, 0);     // previous column on the augmenting path
  std::vector<double> min_slack(m + 1);
  std::vector<char> used(m + 1);
  for (int i = 1; i <= n; ++i) {
    row_of[0] = i;
    int j0 = 0;
    std::fill(min_slack.begin(), min_slack.end(), kInf);
    std::fill(used.begin(), used.end(), 0);
    // Grow the alternating tree from row i until it reaches a free column.
    do {
      used[j0] = 1;
      const int i0 = row_of[j0];
      double delta = kInf;
      int j1 = -1;
      for (int j = 1; j <= m; ++j) {
        if (used[j]) continue;
        const double slack = cost(i0 - 1, j - 1) - u[i0] - v[j];
        if (slack < min_slack[j]) {
          min_slack[j] = slack;
          way[j] = j0;
        }
        if (min_slack[j] < delta) {  // strict: the first column wins ties
          delta = min_slack[j];
          j1 = j;
        }
      }
      assert(j1 > 0 && "scores must be finite");
      for (int j = 0; j <= m; ++j) {
        if (used[j]) {
          u[row_of[j]] += delta;
          v[j] -= delta;
        } else {
          min_slack[j] -= delta;
        }
      }
      j0 = j1;
    } while (row_of[j0] != 0);
    // Flip the matching along the path back to the virtual column.
    do {
      const int j1 = way[j0];
      row_of[j0] = row_of[j1];
      j0 = j1;
    } while (j0 != 0);
  }
  std::vector<int> column_of(n, -1);
  for (int j = 1; j <= m; ++j) {
    if (row_of[j] != 0) column_of[row_of[j] - 1] = j - 1;
  }
  return column_of;
}

[[maybe_unused]] bool IsRectangularAndFinite(const std::vector<std::vector<double>>& score) {
  for (const auto& row : score) {
    if (row.size() != score[0].size()) return false;
    for (double s : row) {
      if (!std::isfinite(s)) return false;
    }
  }
  return true;
}

}  // namespace

std::vector<int> MaxScoreAssignment(const std::vector<std::vector<double>>& score) {
  const int rows = static_cast<int>(score.size());
  if (rows == 0) return {};
  const int cols = static_cast<int>(score[0].size());
  assert(IsRectangularAndFinite(score) && "rows must have one length and finite scores");
  if (cols == 0) return std::vector<int>(rows, -1);
  if (rows <= cols) {
    return MinCostAssignment(rows, cols, [&](int r, int c) { return -score[r][c]; });
  }
  // More rows than columns: assign every column to a row on the transposed problem.
  const std::vector<int> row_of_column =
      MinCostAssignment(cols, rows, [&](int c, int r) { return -score[r][c]; });
  std::vector<int> column_of(rows, -1);
  for (int c = 0; c < cols; ++c) column_of[row_of_column[c]] = c;
  return column_of;
}

}  // namespace sonance
