#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>

#include "sonance/analysis/loudness.h"
#include "sonance/analysis/spectrogram.h"
#include "sonance/analysis/structure.h"
#include "sonance/analysis/tonal.h"
#include "support/signals.h"

namespace sonance {
namespace {

using test::kRate;
constexpr int kHop = 512;

// A plain spectral-flux onset envelope (half-wave rectified rise of log magnitudes), the
// stand-in here for the rhythm step's envelope that TrackAnalyzer passes in.
std::vector<float> SpectralFlux(const Spectrogram& s) {
  std::vector<float> flux(s.num_frames, 0.0f);
  for (std::size_t f = 1; f < s.num_frames; ++f) {
    const auto cur = s.frame(f);
    const auto prev = s.frame(f - 1);
    double sum = 0.0;
    for (std::size_t b = 0; b < s.num_bins; ++b) {
      sum += std::max(0.0, std::log1p(100.0 * cur[b]) - std::log1p(100.0 * prev[b]));
    }
    flux[f] = static_cast<float>(sum);
  }
  return flux;
}

// A plucked note: 10 ms attack, exponential decay and a 30 ms release, so that its end
// makes no click that an onset detector would rightly report.
void AddNote(std::vector<float>& x, int midi, double start, double dur, float amplitude) {
  const double f0 = 440.0 * std::pow(2.0, (midi - 69) / 12.0);
  const auto first = static_cast<std::size_t>(start * kRate);
  const auto len = static_cast<std::size_t>(dur * kRate);
  if (x.size() < first + len) x.resize(first + len, 0.0f);
  for (std::size_t i = 0; i < len; ++i) {
    const double t = static_cast<double>(i) / kRate;
    const double env = std::min({1.0, t / 0.01, (dur - t) / 0.03}) * std::exp(-2.0 * t);
    double v = 0.0;
    for (int h = 1; h <= 4; ++h) v += std::sin(2.0 * std::numbers::pi * f0 * h * t) / h;
    x[first + i] += static_cast<float>(amplitude * env * v);
  }
}

FrameFeatures Features(const std::vector<float>& x, bool with_onsets = true) {
  const Spectrogram spec = SpectrogramComputer::Create({2048, kHop, kRate}).value().compute(x);
  FrameFeatures f;
  f.frame_rate = spec.frame_rate();
  f.duration = static_cast<double>(x.size()) / kRate;
  if (with_onsets) f.onset = SpectralFlux(spec);
  f.loudness_db = LoudnessMeter::Create({}).value().Curve(x, kHop);
  f.chroma = ChromaExtractor::Create({}).value().compute(spec);
  f.timbre = TimbreExtractor::Create().value().compute(spec);
  return f;
}

Segmenter Default() {
  return Segmenter::Create({}).value();
}

TEST(SegmenterTest, RejectsInvalidOptions) {
  const auto bad = [](auto mutate) {
    SegmenterOptions o;
    mutate(o);
    return Segmenter::Create(o).status().code() == StatusCode::kInvalidArgument;
  };
  EXPECT_TRUE(bad([](SegmenterOptions& o) { o.min_segment_seconds = 0.0; }));
  EXPECT_TRUE(bad([](SegmenterOptions& o) { o.max_segment_seconds = o.min_segment_seconds; }));
  EXPECT_TRUE(bad([](SegmenterOptions& o) { o.max_segment_seconds = 1000.0; }));
  EXPECT_TRUE(bad([](SegmenterOptions& o) { o.threshold = -0.1; }));
  EXPECT_TRUE(bad([](SegmenterOptions& o) { o.threshold = std::nan(""); }));
  EXPECT_TRUE(Segmenter::Create({}).ok());
}

TEST(SegmenterTest, EmptyInputGivesNoSegments) {
  EXPECT_TRUE(Default().compute(FrameFeatures{}).empty());
  FrameFeatures no_rate;
  no_rate.loudness_db.assign(100, -20.0f);
  EXPECT_TRUE(Default().compute(no_rate).empty());
}

TEST(SegmenterTest, SilenceIsCutIntoMaximumLengthQuietSegments) {
  const auto segs = Default().compute(Features(test::Silence(5.0)));
  ASSERT_EQ(segs.size(), 3u);  // 5 s at most 2 s each
  double end = 0.0;
  for (const Segment& s : segs) {
    EXPECT_NEAR(s.start, end, 1e-9);
    end = s.start + s.duration;
    EXPECT_LE(s.duration, 2.0 + 1e-9);
    EXPECT_EQ(s.loudness_max, -60.0);
    EXPECT_EQ(s.confidence, 0.0);
    for (double p : s.pitches) EXPECT_EQ(p, 0.0);
  }
  EXPECT_NEAR(end, 5.0, 1e-9);
}

// Notes at irregular, known times: every onset starts a segment within 30 ms, nothing else
// does, and the loudest moment of each segment is the note's attack.
TEST(SegmenterTest, SegmentsStartAtKnownOnsets) {
  const double onsets[] = {0.40, 0.85, 1.20, 1.75, 2.05, 2.90, 3.30, 3.62, 4.40};
  const int notes[] = {60, 64, 67, 72, 62, 65, 69, 71, 60};
  std::vector<float> x = test::Silence(5.0);
  for (int i = 0; i < 9; ++i) AddNote(x, notes[i], onsets[i], 0.6, 0.3f);
  const auto segs = Default().compute(Features(x));
  for (double t : onsets) {
    const auto it =
        std::min_element(segs.begin(), segs.end(), [&](const Segment& a, const Segment& b) {
          return std::abs(a.start - t) < std::abs(b.start - t);
        });
    ASSERT_NE(it, segs.end());
    EXPECT_NEAR(it->start, t, 0.030) << "onset " << t;
    // AddNote peaks 10 ms after its onset; the loudness curve's 46 ms centred window is
    // loudest once it lies wholly inside the note, one to two hops (23-46 ms) later.
    EXPECT_GE(it->start + it->loudness_max_time, t) << "onset " << t;
    EXPECT_LE(it->start + it->loudness_max_time, t + 0.06) << "onset " << t;
    EXPECT_GT(it->confidence, 0.2) << "onset " << t;
    EXPECT_GT(it->loudness_max, it->loudness_end) << "onset " << t;
  }
  // The leading silence is one segment; no spurious cuts between notes.
  EXPECT_EQ(segs.size(), 10u);
  EXPECT_EQ(segs.front().start, 0.0);
  EXPECT_NEAR(segs.back().start + segs.back().duration, 5.0, 1e-9);
  // Pitches: the segment of the E (MIDI 64) is led by pitch class 4.
  const auto e = std::min_element(segs.begin(), segs.end(), [](const Segment& a, const Segment& b) {
    return std::abs(a.start - 0.85) < std::abs(b.start - 0.85);
  });
  EXPECT_EQ(std::max_element(e->pitches.begin(), e->pitches.end()) - e->pitches.begin(), 4);
  EXPECT_DOUBLE_EQ(*std::max_element(e->pitches.begin(), e->pitches.end()), 1.0);
}

TEST(SegmenterTest, LoudnessMaxTimeFindsALateSwell) {
  // Silence, then a 220 Hz tone whose amplitude grows linearly for 0.6 s and stops.
  std::vector<float> x = test::Silence(2.0);
  const auto start = static_cast<std::size_t>(0.5 * kRate);
  const auto len = static_cast<std::size_t>(0.6 * kRate);
  for (std::size_t i = 0; i < len; ++i) {
    const double t = static_cast<double>(i) / kRate;
    x[start + i] =
        static_cast<float>(0.5 * (t / 0.6) * std::sin(2.0 * std::numbers::pi * 220.0 * t));
  }
  const auto segs = Default().compute(Features(x));
  const auto it = std::find_if(segs.begin(), segs.end(), [](const Segment& s) {
    return s.start <= 0.9 && s.start + s.duration > 0.9;
  });
  ASSERT_NE(it, segs.end());
  // The peak level sits just before the tone stops at 1.1 s (window half-width 23 ms).
  EXPECT_NEAR(it->start + it->loudness_max_time, 1.08, 0.05);
  EXPECT_LT(it->loudness_start, it->loudness_max - 10.0);
}

TEST(SegmenterTest, WorksWithoutOnsetEnvelopeFromLoudnessRises) {
  const double onsets[] = {0.5, 1.3, 2.2};
  std::vector<float> x = test::Silence(3.0);
  for (double t : onsets) AddNote(x, 69, t, 0.4, 0.3f);
  const auto segs = Default().compute(Features(x, /*with_onsets=*/false));
  for (double t : onsets) {
    const bool found = std::any_of(segs.begin(), segs.end(),
                                   [&](const Segment& s) { return std::abs(s.start - t) < 0.05; });
    EXPECT_TRUE(found) << "onset " << t;
  }
}

TEST(SegmenterTest, MinimumLengthMergesCloseOnsets) {
  // Two notes 40 ms apart are one segment with the default 80 ms minimum.
  std::vector<float> x = test::Silence(2.0);
  AddNote(x, 69, 1.00, 0.3, 0.3f);
  AddNote(x, 76, 1.04, 0.3, 0.3f);
  const auto segs = Default().compute(Features(x));
  int near = 0;
  for (const Segment& s : segs) near += (s.start > 0.9 && s.start < 1.1) ? 1 : 0;
  EXPECT_EQ(near, 1);
  for (std::size_t i = 1; i < segs.size(); ++i) EXPECT_GE(segs[i].duration, 0.08 - 1e-9);
}

TEST(SegmenterTest, NoSegmentIsShorterThanTheMinimum) {
  // A dense, irregular stream of notes 50-120 ms apart: onsets closer than the minimum
  // length merge, and frame rounding never makes a segment shorter than it.
  std::vector<float> x;
  double t = 0.1;
  for (int i = 0; i < 40; ++i) {
    AddNote(x, 60 + (i * 7) % 12, t, 0.3, 0.2f);
    t += 0.05 + 0.07 * ((i * 37) % 10) / 9.0;
  }
  const auto segs = Default().compute(Features(x));
  ASSERT_GT(segs.size(), 10u);
  for (std::size_t i = 0; i + 1 < segs.size(); ++i) {
    EXPECT_GE(segs[i].duration, 0.08 - 1e-9) << i;
  }
}

}  // namespace
}  // namespace sonance
