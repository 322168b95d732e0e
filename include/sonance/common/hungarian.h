// The assignment problem (Kuhn-Munkres / Hungarian algorithm, O(n^2 m) with potentials):
// rows to columns, each column used at most once, maximising the total score.
// A pure function: thread-safe, returns its result by value.
#pragma once

#include <vector>

namespace sonance {

// score[r][c] for rows r < R and columns c < C (all rows the same length). Returns, for
// each row, its column, or -1 when R > C and the row is left out. Maximises the sum of the
// assigned scores; deterministic for ties. Empty input gives an empty result; rows with no
// columns give all -1. Scores must be finite (checked by assert).
std::vector<int> MaxScoreAssignment(const std::vector<std::vector<double>>& score);

}  // namespace sonance
