#include "sonance/recommend/harmonic_order.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace sonance {
namespace {

// Tracks whose key is outside 0..11 have no place on the wheel.
bool HasKey(const KeyTempo& t) {
  return t.key >= 0 && t.key <= 11;
}

// The wheel number 1..12. Each step round the wheel is a fifth (7 semitones); C major is 8.
// A minor key sits on the number of its relative major, three semitones up.
int CamelotNumber(int key, int mode) {
  const int major_key = mode == 1 ? key : (key + 3) % 12;
  return (major_key * 7 + 7) % 12 + 1;
}

// The tempo difference allowing half/double time, measured at the faster tempo so that the
// cost is the same in both directions.
double TempoDifference(double a, double b) {
  return std::min({std::abs(a - b), std::abs(2.0 * a - b), std::abs(a - 2.0 * b)});
}

// What an unknown tempo costs: one tempo step, neither a good nor a bad mix.
constexpr double kUnknownTempoCost = 1.0;

}  // namespace

std::string CamelotCode(int key, int mode) {
  if (key < 0 || key > 11) return "";
  return std::to_string(CamelotNumber(key, mode)) + (mode == 1 ? "B" : "A");
}

int CamelotDistance(const KeyTempo& a, const KeyTempo& b) {
  if (!HasKey(a) || !HasKey(b)) return kUnknownKeyDistance;
  const int na = CamelotNumber(a.key, a.mode);
  const int nb = CamelotNumber(b.key, b.mode);
  const int around = std::abs(na - nb);
  const int numbers = std::min(around, 12 - around);
  const bool same_letter = (a.mode == 1) == (b.mode == 1);
  return numbers + (same_letter ? 0 : 1);
}

double TransitionCost(const KeyTempo& a, const KeyTempo& b, double tempo_step_bpm) {
  const double keys = CamelotDistance(a, b);
  if (!(tempo_step_bpm > 0.0) || !std::isfinite(tempo_step_bpm)) return keys;
  if (!(a.tempo > 0.0) || !(b.tempo > 0.0) || !std::isfinite(a.tempo) || !std::isfinite(b.tempo)) {
    return keys + kUnknownTempoCost;
  }
  return keys + TempoDifference(a.tempo, b.tempo) / tempo_step_bpm;
}

std::vector<std::size_t> OrderHarmonically(const std::vector<KeyTempo>& tracks,
                                           double tempo_step_bpm) {
  const std::size_t n = tracks.size();
  std::vector<std::size_t> order;
  order.reserve(n);
  if (n == 0) return order;
  std::vector<bool> placed(n, false);
  order.push_back(0);
  placed[0] = true;
  while (order.size() < n) {
    const KeyTempo& last = tracks[order.back()];
    std::size_t best = n;
    double best_cost = std::numeric_limits<double>::infinity();
    for (std::size_t i = 0; i < n; ++i) {
      if (placed[i]) continue;
      const double cost = TransitionCost(last, tracks[i], tempo_step_bpm);
      // Strictly lower, so ties keep the earliest original position.
      if (best == n || cost < best_cost) {
        best = i;
        best_cost = cost;
      }
    }
    placed[best] = true;
    order.push_back(best);
  }
  return order;
}

KeyTempo KeyTempoOf(const RecTrack& track) {
  const AudioFeatures& f = track.features;
  return {track.HasFeature("key") ? f.key : -1, f.mode, track.HasFeature("tempo") ? f.tempo : 0.0};
}

}  // namespace sonance
