// Audio fingerprints (Chromaprint) for recognising one recording under two files.
//
// ComputeFingerprint() runs Chromaprint over the analysis sample format (mono float32 at
// kAnalysisSampleRate, see audio_buffer.h), using at most the first `max_seconds`. The raw
// fingerprint is a sequence of 32-bit sub-fingerprints, about 8 per second.
// EncodeFingerprint()/DecodeFingerprint() convert it to and from Chromaprint's compressed,
// URL-safe base64 text (what fpcalc prints), which is what the catalog stores.
// FingerprintSimilarity() compares two raw fingerprints: the share of equal bits at the best
// alignment within +-`max_offset` sub-fingerprints, in [0, 1]. Two encodings of one
// recording score above about 0.9; unrelated music scores near 0.5 (random bits).
//
// Pure functions, thread-safe (each call uses its own Chromaprint context).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "sonance/common/status.h"

namespace sonance {

// InvalidArgument for a non-positive sample rate or max_seconds; an input shorter than
// Chromaprint needs (about 3 s) gives an empty fingerprint, not an error.
Result<std::vector<std::uint32_t>> ComputeFingerprint(std::span<const float> samples,
                                                      int sample_rate, double max_seconds = 120.0);

// An empty fingerprint encodes to "" (what the catalog stores for "none") and back.
std::string EncodeFingerprint(const std::vector<std::uint32_t>& raw);
// Corrupt for text that is not a Chromaprint fingerprint (including damaged or truncated
// text, and fingerprints of another Chromaprint algorithm, whose bits are not comparable).
Result<std::vector<std::uint32_t>> DecodeFingerprint(const std::string& encoded);

// 0 when either is empty. Only alignments overlapping at least half of the shorter
// fingerprint count, so that a few sub-fingerprints at the ends of two unrelated tracks
// cannot agree by chance; a negative max_offset means offset 0 only.
double FingerprintSimilarity(const std::vector<std::uint32_t>& a,
                             const std::vector<std::uint32_t>& b, int max_offset = 80);

// At or above this similarity two fingerprints are taken for the same recording.
inline constexpr double kSameRecordingSimilarity = 0.85;

}  // namespace sonance
