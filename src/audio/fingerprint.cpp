#include "sonance/audio/fingerprint.h"

#include <chromaprint.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace sonance {
namespace {

// The one algorithm Sonance computes and accepts: fingerprints of different Chromaprint
// algorithms have unrelated bits, so comparing them would give noise, not an answer.
constexpr int kAlgorithm = CHROMAPRINT_ALGORITHM_DEFAULT;

// Samples converted and fed per chromaprint_feed call: bounds the int16 scratch buffer
// (128 KiB) however long the track is.
constexpr std::size_t kFeedChunk = 64 * 1024;

struct ContextDeleter {
  void operator()(ChromaprintContext* ctx) const { chromaprint_free(ctx); }
};
using ContextPtr = std::unique_ptr<ChromaprintContext, ContextDeleter>;

struct ChromaprintDeleter {
  void operator()(void* p) const { chromaprint_dealloc(p); }
};
template <typename T>
using ChromaprintPtr = std::unique_ptr<T, ChromaprintDeleter>;

// [-1, 1] float to int16 with clipping; NaN (a decoder bug upstream) becomes silence rather
// than undefined behaviour in the conversion.
std::int16_t ToInt16(float x) {
  if (!(x == x)) return 0;
  const float clipped = std::clamp(x, -1.0f, 1.0f);
  return static_cast<std::int16_t>(std::lrint(clipped * 32767.0f));
}

}  // namespace

Result<std::vector<std::uint32_t>> ComputeFingerprint(std::span<const float> samples,
                                                      int sample_rate, double max_seconds) {
  if (sample_rate <= 0) {
    return Status::InvalidArgument("fingerprint sample rate must be positive, got " +
                                   std::to_string(sample_rate));
  }
  if (!(max_seconds > 0.0)) {  // also rejects NaN
    return Status::InvalidArgument("fingerprint max_seconds must be positive, got " +
                                   std::to_string(max_seconds));
  }
  const double limit = max_seconds * static_cast<double>(sample_rate);
  const std::size_t n = limit >= static_cast<double>(samples.size())
                            ? samples.size()
                            : static_cast<std::size_t>(limit);

  ContextPtr ctx(chromaprint_new(kAlgorithm));
  if (!ctx) return Status::Internal("cannot create a Chromaprint context");
  if (chromaprint_start(ctx.get(), sample_rate, 1) != 1) {
    // Chromaprint resamples to 11,025 Hz itself; a rate it cannot resample from is a bad
    // argument, not an internal failure.
    return Status::InvalidArgument("Chromaprint cannot fingerprint audio at " +
                                   std::to_string(sample_rate) + " Hz");
  }
  std::vector<std::int16_t> chunk;
  chunk.reserve(std::min(n, kFeedChunk));
  for (std::size_t start = 0; start < n; start += kFeedChunk) {
    const std::size_t len = std::min(kFeedChunk, n - start);
    chunk.resize(len);
    for (std::size_t i = 0; i < len; ++i) chunk[i] = ToInt16(samples[start + i]);
    if (chromaprint_feed(ctx.get(), chunk.data(), static_cast<int>(len)) != 1) {
      return Status::Internal("Chromaprint refused the audio");
    }
  }
  if (chromaprint_finish(ctx.get()) != 1) return Status::Internal("Chromaprint cannot finish");

  int size = 0;
  if (chromaprint_get_raw_fingerprint_size(ctx.get(), &size) != 1 || size <= 0) {
    // Too little audio for one sub-fingerprint: documented as empty, not an error.
    return std::vector<std::uint32_t>();
  }
  std::uint32_t* raw = nullptr;
  if (chromaprint_get_raw_fingerprint(ctx.get(), &raw, &size) != 1) {
    return Status::Internal("Chromaprint cannot return the fingerprint");
  }
  ChromaprintPtr<std::uint32_t> owned(raw);
  if (raw == nullptr || size <= 0) return std::vector<std::uint32_t>();
  return std::vector<std::uint32_t>(raw, raw + size);
}

std::string EncodeFingerprint(const std::vector<std::uint32_t>& raw) {
  // Empty stays empty: the catalog stores "" for "no fingerprint", and a header-only
  // encoding would look like a real one.
  if (raw.empty()) return {};
  char* encoded = nullptr;
  int encoded_size = 0;
  if (chromaprint_encode_fingerprint(raw.data(), static_cast<int>(raw.size()), kAlgorithm, &encoded,
                                     &encoded_size, 1) != 1 ||
      encoded == nullptr) {
    chromaprint_dealloc(encoded);
    return {};  // only on allocation failure inside Chromaprint
  }
  ChromaprintPtr<char> owned(encoded);
  return std::string(encoded, static_cast<std::size_t>(encoded_size));
}

Result<std::vector<std::uint32_t>> DecodeFingerprint(const std::string& encoded) {
  if (encoded.empty()) return std::vector<std::uint32_t>();  // the inverse of Encode({})
  if (encoded.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    return Status::Corrupt("fingerprint text too long");
  }
  std::uint32_t* raw = nullptr;
  int size = 0;
  int algorithm = -1;
  const int ok = chromaprint_decode_fingerprint(encoded.data(), static_cast<int>(encoded.size()),
                                                &raw, &size, &algorithm, 1);
  ChromaprintPtr<std::uint32_t> owned(raw);
  if (ok != 1 || size <= 0 || raw == nullptr) {
    return Status::Corrupt("not a Chromaprint fingerprint: " + encoded.substr(0, 40));
  }
  if (algorithm != kAlgorithm) {
    return Status::Corrupt("fingerprint of Chromaprint algorithm " + std::to_string(algorithm) +
                           ", expected " + std::to_string(kAlgorithm));
  }
  std::vector<std::uint32_t> out(raw, raw + size);
  // Chromaprint's decoder accepts much that it never produced (its base64 skips stray
  // characters, a short tail of bits decodes to zeros). Its encoding is deterministic, so
  // text that is a real fingerprint re-encodes to itself; anything else is damaged.
  if (EncodeFingerprint(out) != encoded) {
    return Status::Corrupt("damaged Chromaprint fingerprint: " + encoded.substr(0, 40));
  }
  return out;
}

double FingerprintSimilarity(const std::vector<std::uint32_t>& a,
                             const std::vector<std::uint32_t>& b, int max_offset) {
  if (a.empty() || b.empty()) return 0.0;
  const auto len_a = static_cast<std::ptrdiff_t>(a.size());
  const auto len_b = static_cast<std::ptrdiff_t>(b.size());
  // An alignment must overlap at least half of the shorter fingerprint: a handful of
  // overlapping sub-fingerprints agree on far more than half their bits by chance (the
  // best of 161 offsets over 5 items of random bits is ~0.6), which would let the search
  // over offsets manufacture a match out of the ends of two unrelated tracks.
  const std::ptrdiff_t min_overlap = std::max<std::ptrdiff_t>(1, std::min(len_a, len_b) / 2);
  const std::ptrdiff_t reach = std::max(0, max_offset);
  double best = 0.0;
  // offset d pairs a[i] with b[i + d].
  for (std::ptrdiff_t d = -reach; d <= reach; ++d) {
    const std::ptrdiff_t begin = std::max<std::ptrdiff_t>(0, -d);
    const std::ptrdiff_t end = std::min(len_a, len_b - d);
    const std::ptrdiff_t overlap = end - begin;
    if (overlap < min_overlap) continue;
    std::int64_t differing = 0;
    for (std::ptrdiff_t i = begin; i < end; ++i) {
      differing +=
          std::popcount(a[static_cast<std::size_t>(i)] ^ b[static_cast<std::size_t>(i + d)]);
    }
    const double share =
        1.0 - static_cast<double>(differing) / (32.0 * static_cast<double>(overlap));
    best = std::max(best, share);
  }
  return best;
}

}  // namespace sonance
