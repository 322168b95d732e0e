#include "sonance/text/sparse_vector.h"

#include <algorithm>
#include <cmath>

namespace sonance {

SparseVector SparseVector::FromPairs(std::vector<std::pair<std::uint32_t, float>> pairs) {
  std::sort(pairs.begin(), pairs.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  SparseVector v;
  v.ids.reserve(pairs.size());
  v.weights.reserve(pairs.size());
  for (std::size_t i = 0; i < pairs.size();) {
    const std::uint32_t id = pairs[i].first;
    float sum = 0.0F;
    for (; i < pairs.size() && pairs[i].first == id; ++i) sum += pairs[i].second;
    if (sum != 0.0F) {
      v.ids.push_back(id);
      v.weights.push_back(sum);
    }
  }
  return v;
}

double SparseVector::Norm() const {
  double s = 0.0;
  for (float w : weights) s += static_cast<double>(w) * w;
  return std::sqrt(s);
}

void SparseVector::Normalize() {
  const double n = Norm();
  if (n <= 0.0) return;
  const auto inv = static_cast<float>(1.0 / n);
  for (float& w : weights) w *= inv;
}

std::vector<std::pair<std::uint32_t, float>> SparseVector::Top(std::size_t k) const {
  std::vector<std::pair<std::uint32_t, float>> all;
  all.reserve(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) all.emplace_back(ids[i], weights[i]);
  k = std::min(k, all.size());
  auto better = [](const auto& a, const auto& b) {
    if (a.second != b.second) return a.second > b.second;
    return a.first < b.first;
  };
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(k), all.end(), better);
  all.resize(k);
  return all;
}

void SparseVector::KeepTop(std::size_t k) {
  if (ids.size() <= k) return;
  *this = FromPairs(Top(k));
}

void SparseVector::AddScaled(const SparseVector& other, float scale) {
  SparseVector out;
  out.ids.reserve(ids.size() + other.ids.size());
  out.weights.reserve(ids.size() + other.ids.size());
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < ids.size() || j < other.ids.size()) {
    if (j >= other.ids.size() || (i < ids.size() && ids[i] < other.ids[j])) {
      out.ids.push_back(ids[i]);
      out.weights.push_back(weights[i]);
      ++i;
    } else if (i >= ids.size() || other.ids[j] < ids[i]) {
      // Like FromPairs and the shared-id case below, never store a zero weight (scale 0).
      const float w = scale * other.weights[j];
      if (w != 0.0F) {
        out.ids.push_back(other.ids[j]);
        out.weights.push_back(w);
      }
      ++j;
    } else {
      const float w = weights[i] + scale * other.weights[j];
      if (w != 0.0F) {
        out.ids.push_back(ids[i]);
        out.weights.push_back(w);
      }
      ++i;
      ++j;
    }
  }
  *this = std::move(out);
}

namespace {

// Calls f(index in a, index in b) for every id both vectors hold, in id order.
template <typename F>
void ForEachShared(const SparseVector& a, const SparseVector& b, F&& f) {
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < a.ids.size() && j < b.ids.size()) {
    if (a.ids[i] < b.ids[j]) {
      ++i;
    } else if (b.ids[j] < a.ids[i]) {
      ++j;
    } else {
      f(i++, j++);
    }
  }
}

}  // namespace

double Dot(const SparseVector& a, const SparseVector& b) {
  double s = 0.0;
  ForEachShared(a, b, [&](std::size_t i, std::size_t j) {
    s += static_cast<double>(a.weights[i]) * b.weights[j];
  });
  return s;
}

std::vector<std::pair<std::uint32_t, float>> SharedTop(const SparseVector& a, const SparseVector& b,
                                                       std::size_t k) {
  SparseVector shared;
  ForEachShared(a, b, [&](std::size_t i, std::size_t j) {
    shared.ids.push_back(a.ids[i]);
    shared.weights.push_back(a.weights[i] * b.weights[j]);
  });
  return shared.Top(k);
}

double Cosine(const SparseVector& a, const SparseVector& b) {
  const double na = a.Norm();
  const double nb = b.Norm();
  if (na <= 0.0 || nb <= 0.0) return 0.0;
  return Dot(a, b) / (na * nb);
}

}  // namespace sonance
