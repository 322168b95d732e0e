// Harmonic ordering of a playlist for smooth listening: keys that mix on the Camelot wheel
// and small tempo steps.
//
// CamelotCode() maps a key (0 = C .. 11 = B) and mode (1 major, 0 minor) to the Camelot
// wheel: major keys are "B" (C major = 8B), minor keys "A" (A minor = 8A); relative keys
// share a number. CamelotDistance() is the number of wheel moves between two codes: 0 for
// the same code, 1 for a neighbouring number in the same letter or the same number in the
// other letter (the "compatible" mixes), more otherwise; a track without a key (-1) is at
// distance kUnknownKeyDistance from everything. OrderHarmonically() starts with the first
// track and repeatedly appends the unplaced track with the lowest transition cost
// (CamelotDistance + |tempo difference| / tempo_step_bpm, tempo compared allowing
// half/double time), ties by original position: deterministic, O(n^2) for n tracks.
//
// Details: a mode other than 1 counts as minor; a key outside 0..11 counts as unknown (so
// two keyless tracks are also kUnknownKeyDistance apart). The tempo difference is the least
// of |a - b|, |2a - b| and |a - 2b| (half/double time measured at the faster tempo, so the
// cost is symmetric); an unknown tempo (0, negative or not finite) on either side costs one
// step (adds 1); a tempo_step_bpm that is not a positive finite number leaves tempo out.
//
// Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "sonance/recommend/rec_track.h"

namespace sonance {

struct KeyTempo {
  int key = -1;  // -1 unknown, 0..11
  int mode = 1;
  double tempo = 0.0;  // BPM, 0 unknown
};

inline constexpr int kUnknownKeyDistance = 3;

// "8B", "5A"...; empty for key -1.
std::string CamelotCode(int key, int mode);
int CamelotDistance(const KeyTempo& a, const KeyTempo& b);
// Cost of playing b after a.
double TransitionCost(const KeyTempo& a, const KeyTempo& b, double tempo_step_bpm = 8.0);
// A permutation of 0..tracks.size()-1.
std::vector<std::size_t> OrderHarmonically(const std::vector<KeyTempo>& tracks,
                                           double tempo_step_bpm = 8.0);

// A track's key (-1 when the track lacks it), mode and tempo (0 when it lacks it).
KeyTempo KeyTempoOf(const RecTrack& track);

}  // namespace sonance
