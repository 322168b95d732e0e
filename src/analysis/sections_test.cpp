#include <gtest/gtest.h>

#include <cmath>

#include "sonance/analysis/loudness.h"
#include "sonance/analysis/spectrogram.h"
#include "sonance/analysis/structure.h"
#include "sonance/analysis/tonal.h"
#include "support/signals.h"

namespace sonance {
namespace {

using test::kRate;
constexpr int kHop = 512;

FrameFeatures Features(const std::vector<float>& x) {
  const Spectrogram spec = SpectrogramComputer::Create({2048, kHop, kRate}).value().compute(x);
  FrameFeatures f;
  f.frame_rate = spec.frame_rate();
  f.duration = static_cast<double>(x.size()) / kRate;
  f.loudness_db = LoudnessMeter::Create({}).value().Curve(x, kHop);
  f.chroma = ChromaExtractor::Create({}).value().compute(spec);
  f.timbre = TimbreExtractor::Create().value().compute(spec);
  return f;
}

std::vector<double> Sections(const std::vector<float>& x, std::vector<double>* conf = nullptr,
                             SectionOptions o = {}) {
  return SectionSegmenter::Create(o).value().compute(Features(x), conf);
}

TEST(SectionSegmenterTest, RejectsInvalidOptions) {
  SectionOptions o;
  o.min_section_seconds = 1.0;
  EXPECT_EQ(SectionSegmenter::Create(o).status().code(), StatusCode::kInvalidArgument);
  o = {};
  o.threshold = 2.0;
  EXPECT_EQ(SectionSegmenter::Create(o).status().code(), StatusCode::kInvalidArgument);
  o = {};
  o.threshold = std::nan("");
  EXPECT_EQ(SectionSegmenter::Create(o).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(SectionSegmenter::Create({}).ok());
}

TEST(SectionSegmenterTest, EmptyInputGivesNoSections) {
  std::vector<double> conf = {42.0};
  EXPECT_TRUE(SectionSegmenter::Create({}).value().compute(FrameFeatures{}, &conf).empty());
  EXPECT_TRUE(conf.empty());
}

TEST(SectionSegmenterTest, SilenceIsOneSection) {
  std::vector<double> conf;
  EXPECT_EQ(Sections(test::Silence(40.0), &conf), std::vector<double>{0.0});
  EXPECT_EQ(conf, std::vector<double>{1.0});
}

TEST(SectionSegmenterTest, ShortTrackIsOneSection) {
  // 12 s of chords then 3 s of noise: shorter than two minimum sections, so no split.
  auto x = test::Cadence(0, true, 0.5, 6);
  auto noise = test::WhiteNoise(3.0, 0.3f, 4);
  x.insert(x.end(), noise.begin(), noise.end());
  EXPECT_EQ(Sections(x), std::vector<double>{0.0});
}

TEST(SectionSegmenterTest, ChordsThenNoiseSplitAtTheChange) {
  auto x = test::Cadence(2, true, 0.5, 10);  // 20 s
  ASSERT_NEAR(x.size() / static_cast<double>(kRate), 20.0, 0.1);
  auto noise = test::WhiteNoise(20.0, 0.3f, 8);
  x.insert(x.end(), noise.begin(), noise.end());
  std::vector<double> conf;
  const auto bounds = Sections(x, &conf);
  ASSERT_EQ(bounds.size(), 2u);
  EXPECT_EQ(bounds[0], 0.0);
  EXPECT_NEAR(bounds[1], 20.0, 1.0);
  ASSERT_EQ(conf.size(), 2u);
  EXPECT_GT(conf[1], 0.5);
  EXPECT_LE(conf[1], 1.0);
}

TEST(SectionSegmenterTest, ThreePartsGiveTwoBoundariesInOrder) {
  // A major cadence, noise, then a minor cadence a tritone away: 16 s each.
  auto x = test::Cadence(0, true, 0.5, 8);
  auto noise = test::WhiteNoise(16.0, 0.2f, 2);
  x.insert(x.end(), noise.begin(), noise.end());
  auto last = test::Cadence(6, false, 0.5, 8);
  x.insert(x.end(), last.begin(), last.end());
  const auto bounds = Sections(x);
  ASSERT_EQ(bounds.size(), 3u);
  EXPECT_NEAR(bounds[1], 16.0, 1.0);
  EXPECT_NEAR(bounds[2], 32.0, 1.0);
}

TEST(SectionSegmenterTest, UniformMusicIsNotSplit) {
  // The same cadence for 40 s: nothing changes at the scale of sections.
  EXPECT_EQ(Sections(test::Cadence(9, false, 0.5, 20)).size(), 1u);
}

TEST(SectionSegmenterTest, SectionsRespectTheMinimumLength) {
  // Alternating 5 s of chords and 5 s of noise: changes every 5 s, but sections must last
  // at least 12 s here.
  std::vector<float> x;
  for (int i = 0; i < 8; ++i) {
    const auto part = i % 2 == 0 ? test::Cadence(4, true, 0.625, 2)
                                 : test::WhiteNoise(5.0, 0.3f, static_cast<std::uint32_t>(i));
    x.insert(x.end(), part.begin(), part.end());
  }
  SectionOptions o;
  o.min_section_seconds = 12.0;
  const auto bounds = Sections(x, nullptr, o);
  const double duration = x.size() / static_cast<double>(kRate);
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    const double end = i + 1 < bounds.size() ? bounds[i + 1] : duration;
    EXPECT_GE(end - bounds[i], 12.0 - 0.5) << i;
  }
}

}  // namespace
}  // namespace sonance
