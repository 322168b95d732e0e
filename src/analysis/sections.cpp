#include <algorithm>
#include <cmath>
#include <vector>

#include "sonance/analysis/structure.h"

namespace sonance {
namespace {

constexpr double kBlockSeconds = 0.5;
constexpr std::size_t kSmoothBlocks = 8;  // 4 s
constexpr float kFloorDb = -60.0f;
constexpr std::size_t kDims = 12 + 12 + 1;  // chroma, timbre, loudness

std::size_t FrameCount(const FrameFeatures& f) {
  return std::max({f.onset.size(), f.loudness_db.size(), f.chroma.size(), f.timbre.size()});
}

using Feature = std::array<double, kDims>;

// Mean features of consecutive half-second blocks: fine enough to place a boundary within
// a beat or two, coarse enough that the self-similarity matrix of a long track stays small.
std::vector<Feature> BlockFeatures(const FrameFeatures& f, std::size_t n, std::size_t block) {
  const std::size_t num_blocks = (n + block - 1) / block;
  std::vector<Feature> out(num_blocks, Feature{});
  for (std::size_t b = 0; b < num_blocks; ++b) {
    const std::size_t begin = b * block;
    const std::size_t end = std::min(n, begin + block);
    Feature& x = out[b];
    double power = 0.0;
    for (std::size_t i = begin; i < end; ++i) {
      if (i < f.chroma.size()) {
        for (std::size_t k = 0; k < 12; ++k) x[k] += f.chroma[i][k];
      }
      if (i < f.timbre.size()) {
        for (std::size_t k = 0; k < 12; ++k) x[12 + k] += f.timbre[i][k];
      }
      const float db = i < f.loudness_db.size() ? f.loudness_db[i] : kFloorDb;
      power += std::pow(10.0, db / 10.0);
    }
    const double count = static_cast<double>(end - begin);
    double chroma_norm = 0.0;
    for (std::size_t k = 0; k < 12; ++k) chroma_norm += x[k] * x[k];
    chroma_norm = std::sqrt(chroma_norm);
    for (std::size_t k = 0; k < 12; ++k) x[k] = chroma_norm > 0.0 ? x[k] / chroma_norm : 0.0;
    for (std::size_t k = 12; k < 24; ++k) x[k] /= count;
    x[24] = std::max(static_cast<double>(kFloorDb), 10.0 * std::log10(power / count + 1e-30));
  }
  return out;
}

// Moving average over `width` blocks (centred): sections differ in what happens over
// several seconds, not in which chord happens to sound in one half-second block.
std::vector<Feature> Smooth(const std::vector<Feature>& x, std::size_t width) {
  std::vector<Feature> out(x.size(), Feature{});
  const std::size_t half = width / 2;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const std::size_t a = i >= half ? i - half : 0;
    const std::size_t b = std::min(x.size(), i + half + 1);
    for (std::size_t j = a; j < b; ++j) {
      for (std::size_t d = 0; d < kDims; ++d) out[i][d] += x[j][d];
    }
    for (std::size_t d = 0; d < kDims; ++d) out[i][d] /= static_cast<double>(b - a);
  }
  return out;
}

// Standardises every dimension over the track (z-scores), so that "different" means
// different relative to this track, and weighs the 12 chroma dimensions as much as the 13
// timbre and loudness ones together.
void Standardise(std::vector<Feature>* blocks) {
  const double n = static_cast<double>(blocks->size());
  const double chroma_weight = std::sqrt(13.0 / 12.0);
  for (std::size_t d = 0; d < kDims; ++d) {
    double mean = 0.0;
    for (const Feature& x : *blocks) mean += x[d];
    mean /= n;
    double var = 0.0;
    for (const Feature& x : *blocks) var += (x[d] - mean) * (x[d] - mean);
    const double sd = std::sqrt(var / n);
    const double w = d < 12 ? chroma_weight : 1.0;
    for (Feature& x : *blocks) x[d] = sd > 1e-6 ? w * (x[d] - mean) / sd : 0.0;
  }
}

}  // namespace

Result<SectionSegmenter> SectionSegmenter::Create(const SectionOptions& o) {
  if (!(o.min_section_seconds >= 2.0 && o.min_section_seconds <= 120.0)) {
    return Status::InvalidArgument("section min_section_seconds must be in 2..120");
  }
  if (!(o.threshold >= 0.0 && o.threshold <= 1.0)) {
    return Status::InvalidArgument("section threshold must be in 0..1");
  }
  return SectionSegmenter(o);
}

std::vector<double> SectionSegmenter::compute(const FrameFeatures& f,
                                              std::vector<double>* confidences) const {
  std::vector<double> bounds;
  std::vector<double> conf;
  const std::size_t n = FrameCount(f);
  const double rate = f.frame_rate;
  if (n > 0 && rate > 0.0) {
    bounds.push_back(0.0);
    conf.push_back(1.0);
  }
  const std::size_t block =
      std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(kBlockSeconds * rate)));
  const double block_seconds = static_cast<double>(block) / (rate > 0.0 ? rate : 1.0);
  const auto min_blocks =
      static_cast<std::size_t>(std::ceil(options_.min_section_seconds / block_seconds));
  const std::size_t num_blocks = rate > 0.0 ? (n + block - 1) / block : 0;
  if (num_blocks < 2 * min_blocks) {
    if (confidences) *confidences = conf;
    return bounds;
  }

  std::vector<Feature> x = Smooth(BlockFeatures(f, n, block), kSmoothBlocks);
  Standardise(&x);
  // Self-similarity: cosine of the standardised features, -1..1. Blocks of one section
  // point the same way; blocks of two different sections point apart.
  std::vector<double> norm(num_blocks, 0.0);
  for (std::size_t i = 0; i < num_blocks; ++i) {
    for (double v : x[i]) norm[i] += v * v;
    norm[i] = std::sqrt(norm[i]);
  }
  const auto similarity = [&](std::size_t i, std::size_t j) {
    if (norm[i] <= 1e-9 || norm[j] <= 1e-9) {
      // Two featureless (constant) blocks are alike; one is unlike anything else.
      return norm[i] <= 1e-9 && norm[j] <= 1e-9 ? 1.0 : 0.0;
    }
    double dot = 0.0;
    for (std::size_t k = 0; k < kDims; ++k) dot += x[i][k] * x[j][k];
    return dot / (norm[i] * norm[j]);
  };

  // Foote's novelty: a Gaussian-tapered checkerboard kernel slid along the diagonal; it is
  // high where the past few seconds resemble each other, the next few too, but not across.
  // The kernel only reaches 2 * half - 1 blocks off the diagonal, so only that band of the
  // matrix is computed: memory stays linear in the track length (hour-long mixes too).
  const std::size_t half = min_blocks / 2 + 1;
  const std::size_t width = 2 * half;
  std::vector<float> band(num_blocks * width, 0.0f);  // band[i * width + d] = sim(i, i + d)
  for (std::size_t i = 0; i < num_blocks; ++i) {
    for (std::size_t d = 0; d < width && i + d < num_blocks; ++d) {
      band[i * width + d] = static_cast<float>(similarity(i, i + d));
    }
  }
  std::vector<double> taper(width);
  for (std::size_t a = 0; a < width; ++a) {
    const double u = (static_cast<double>(a) + 0.5 - static_cast<double>(half)) / (0.5 * half);
    taper[a] = std::exp(-0.5 * u * u);
  }
  std::vector<double> novelty(num_blocks, 0.0);
  for (std::size_t c = 1; c < num_blocks; ++c) {
    double same = 0.0;
    double same_weight = 0.0;
    double cross = 0.0;
    double cross_weight = 0.0;
    // Rows and columns c - half .. c + half - 1; a and b index them from 0.
    for (std::size_t a = 0; a < width; ++a) {
      if (c + a < half || c + a - half >= num_blocks) continue;
      const std::size_t i = c + a - half;
      for (std::size_t b = 0; b < width; ++b) {
        if (c + b < half || c + b - half >= num_blocks) continue;
        const std::size_t j = c + b - half;
        const double w = taper[a] * taper[b];
        const double v = i <= j ? band[i * width + (j - i)] : band[j * width + (i - j)];
        if ((a < half) == (b < half)) {
          same += w * v;
          same_weight += w;
        } else {
          cross += w * v;
          cross_weight += w;
        }
      }
    }
    // Half the mean similarity within each side minus across: 1 for two internally
    // uniform halves pointing in opposite directions, 0 for no change.
    if (same_weight > 0.0 && cross_weight > 0.0) {
      novelty[c] = std::max(0.0, 0.5 * (same / same_weight - cross / cross_weight));
    }
  }

  // Greedy: take the strongest local maxima first, keeping every section at least the
  // minimum length, including the first and the last.
  std::vector<std::size_t> candidates;
  for (std::size_t c = min_blocks; c + min_blocks <= num_blocks; ++c) {
    if (novelty[c] < options_.threshold) continue;
    if (novelty[c] >= novelty[c - 1] && (c + 1 >= num_blocks || novelty[c] >= novelty[c + 1])) {
      candidates.push_back(c);
    }
  }
  std::sort(candidates.begin(), candidates.end(),
            [&](std::size_t a, std::size_t b) { return novelty[a] > novelty[b]; });
  std::vector<std::size_t> chosen;
  for (std::size_t c : candidates) {
    const bool far = std::all_of(chosen.begin(), chosen.end(), [&](std::size_t o) {
      return (c > o ? c - o : o - c) >= min_blocks;
    });
    if (far) chosen.push_back(c);
  }
  std::sort(chosen.begin(), chosen.end());
  for (std::size_t c : chosen) {
    bounds.push_back(static_cast<double>(c * block) / rate);
    conf.push_back(std::clamp(novelty[c], 0.0, 1.0));
  }
  if (confidences) *confidences = conf;
  return bounds;
}

}  // namespace sonance
