// Synthetic signals with known answers, at the analysis rate unless told otherwise.
// All generators are deterministic (seeded).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace sonance::test {

inline constexpr int kRate = 22050;

// Silence of the given length.
std::vector<float> Silence(double seconds, int rate = kRate);

// White noise, uniform in [-amplitude, amplitude].
std::vector<float> WhiteNoise(double seconds, float amplitude, std::uint32_t seed, int rate = kRate);

// Sine at hz.
std::vector<float> Sine(double hz, double seconds, float amplitude, int rate = kRate);

// Short decaying clicks (5 ms noise bursts) at every beat of `bpm`; beats whose index is a
// multiple of `accent_every` (0 = never) are twice as loud, giving a meter.
std::vector<float> ClickTrack(double bpm, double seconds, int accent_every = 0, int rate = kRate);

// A harmonic tone (fundamental + 5 decaying harmonics) for MIDI note `midi`.
void AddTone(std::vector<float>& out, int midi, double start_s, double dur_s, float amplitude,
             int rate = kRate);

// The triad (root position) of a key: root, third (major or minor), fifth, MIDI numbers.
std::vector<int> Triad(int root_midi, bool major);

// Cadence I-IV-V-I in the given key (pitch class 0..11, major or harmonic minor), each
// chord `chord_s` long, repeated `repeats` times, with the scale played on top.
std::vector<float> Cadence(int tonic_pc, bool major, double chord_s, int repeats, int rate = kRate);

// Mix b into a (resizing a) with gain.
void MixInto(std::vector<float>& a, std::span<const float> b, float gain);

// Peak-normalise to `peak`.
void Normalize(std::vector<float>& x, float peak);

}  // namespace sonance::test
