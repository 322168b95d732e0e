#include "support/signals.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>

namespace sonance::test {

std::vector<float> Silence(double seconds, int rate) {
  return std::vector<float>(static_cast<std::size_t>(seconds * rate), 0.0f);
}

std::vector<float> WhiteNoise(double seconds, float amplitude, std::uint32_t seed, int rate) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-amplitude, amplitude);
  std::vector<float> x(static_cast<std::size_t>(seconds * rate));
  for (auto& v : x) v = d(rng);
  return x;
}

std::vector<float> Sine(double hz, double seconds, float amplitude, int rate) {
  std::vector<float> x(static_cast<std::size_t>(seconds * rate));
  for (std::size_t i = 0; i < x.size(); ++i) {
    x[i] = amplitude * static_cast<float>(std::sin(2.0 * std::numbers::pi * hz * i / rate));
  }
  return x;
}

std::vector<float> ClickTrack(double bpm, double seconds, int accent_every, int rate) {
  std::vector<float> x(static_cast<std::size_t>(seconds * rate), 0.0f);
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  const double period = 60.0 / bpm;
  const int click_len = rate / 200;  // 5 ms
  for (int beat = 0;; ++beat) {
    const auto start = static_cast<std::size_t>(std::llround(beat * period * rate));
    if (start >= x.size()) break;
    const float gain = (accent_every > 0 && beat % accent_every == 0) ? 0.9f : 0.45f;
    for (int i = 0; i < click_len && start + i < x.size(); ++i) {
      x[start + i] += gain * d(rng) * std::exp(-5.0f * i / click_len);
    }
  }
  return x;
}

void AddTone(std::vector<float>& out, int midi, double start_s, double dur_s, float amplitude,
             int rate) {
  const double f0 = 440.0 * std::pow(2.0, (midi - 69) / 12.0);
  const auto start = static_cast<std::size_t>(start_s * rate);
  const auto len = static_cast<std::size_t>(dur_s * rate);
  if (out.size() < start + len) out.resize(start + len, 0.0f);
  for (std::size_t i = 0; i < len; ++i) {
    const double t = static_cast<double>(i) / rate;
    const double env = std::min(1.0, t / 0.01) * std::exp(-1.5 * t);
    double v = 0.0;
    for (int h = 1; h <= 6; ++h) {
      if (f0 * h > rate / 2.0) break;
      v += std::sin(2.0 * std::numbers::pi * f0 * h * t) / h;
    }
    out[start + i] += static_cast<float>(amplitude * env * v);
  }
}

std::vector<int> Triad(int root_midi, bool major) {
  return {root_midi, root_midi + (major ? 4 : 3), root_midi + 7};
}

std::vector<float> Cadence(int tonic_pc, bool major, double chord_s, int repeats, int rate) {
  std::vector<float> out;
  const int tonic = 48 + tonic_pc;  // C3..B3
  // I IV V I; in minor the V is major (harmonic minor), as in common practice.
  const int degrees[4] = {0, 5, 7, 0};
  const bool chord_major[4] = {major, major, true, major};
  const int major_scale[8] = {0, 2, 4, 5, 7, 9, 11, 12};
  const int minor_scale[8] = {0, 2, 3, 5, 7, 8, 11, 12};
  double t = 0.0;
  for (int r = 0; r < repeats; ++r) {
    for (int c = 0; c < 4; ++c) {
      for (int n : Triad(tonic + degrees[c], chord_major[c])) AddTone(out, n, t, chord_s, 0.2f, rate);
      // two scale notes per chord walk up the scale an octave higher
      for (int k = 0; k < 2; ++k) {
        const int step = (2 * c + k) % 8;
        const int note = tonic + 12 + (major ? major_scale[step] : minor_scale[step]);
        AddTone(out, note, t + k * chord_s / 2, chord_s / 2, 0.15f, rate);
      }
      t += chord_s;
    }
  }
  Normalize(out, 0.8f);
  return out;
}

void MixInto(std::vector<float>& a, std::span<const float> b, float gain) {
  if (a.size() < b.size()) a.resize(b.size(), 0.0f);
  for (std::size_t i = 0; i < b.size(); ++i) a[i] += gain * b[i];
}

void Normalize(std::vector<float>& x, float peak) {
  float m = 0.0f;
  for (float v : x) m = std::max(m, std::abs(v));
  if (m <= 0.0f) return;
  for (auto& v : x) v *= peak / m;
}

}  // namespace sonance::test
