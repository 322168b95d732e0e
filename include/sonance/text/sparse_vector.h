// SparseVector: a vector over a large id space (ESA concepts), as parallel arrays sorted by
// id. Used for texts, scenes, stories and songs; cosine is the similarity everywhere.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace sonance {

struct SparseVector {
  std::vector<std::uint32_t> ids;  // ascending, unique
  std::vector<float> weights;      // same length as ids

  bool empty() const { return ids.empty(); }
  std::size_t size() const { return ids.size(); }

  // Builds from unsorted (id, weight) pairs; equal ids are summed, zero weights dropped.
  static SparseVector FromPairs(std::vector<std::pair<std::uint32_t, float>> pairs);
  double Norm() const;
  // Scales to unit length (no-op for the zero vector).
  void Normalize();
  // Keeps the `k` largest weights (ties: smaller id), still sorted by id.
  void KeepTop(std::size_t k);
  // The `k` (id, weight) pairs of largest weight, largest first.
  std::vector<std::pair<std::uint32_t, float>> Top(std::size_t k) const;
  // this += scale * other.
  void AddScaled(const SparseVector& other, float scale);
};

double Dot(const SparseVector& a, const SparseVector& b);
// Cosine similarity; 0 when either vector is zero.
double Cosine(const SparseVector& a, const SparseVector& b);
// The `k` ids both vectors weigh most, by the product of their weights, largest first: the
// concepts that explain a similarity.
std::vector<std::pair<std::uint32_t, float>> SharedTop(const SparseVector& a, const SparseVector& b,
                                                       std::size_t k);

}  // namespace sonance
