#include "sonance/analysis/spectrogram.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "support/signals.h"

namespace sonance {
namespace {

TEST(SpectrogramTest, RejectsInvalidOptions) {
  EXPECT_FALSE(SpectrogramComputer::Create({1000, 256, 22050}).ok());  // not a power of two
  EXPECT_FALSE(SpectrogramComputer::Create({1024, 0, 22050}).ok());
  EXPECT_FALSE(SpectrogramComputer::Create({1024, 2048, 22050}).ok());
  EXPECT_FALSE(SpectrogramComputer::Create({1024, 256, 0}).ok());
}

TEST(SpectrogramTest, EmptyInputHasNoFrames) {
  auto c = SpectrogramComputer::Create({1024, 256, 22050});
  ASSERT_TRUE(c.ok());
  Spectrogram s = c->compute({});
  EXPECT_EQ(s.num_frames, 0u);
  EXPECT_EQ(s.num_bins, 513u);
}

TEST(SpectrogramTest, SilenceIsAllZeros) {
  auto c = SpectrogramComputer::Create({1024, 256, 22050});
  ASSERT_TRUE(c.ok());
  auto x = test::Silence(1.0);
  Spectrogram s = c->compute(x);
  EXPECT_EQ(s.num_frames, (x.size() + 255) / 256);
  EXPECT_TRUE(std::all_of(s.magnitudes.begin(), s.magnitudes.end(), [](float v) { return v == 0; }));
}

TEST(SpectrogramTest, SinePeaksAtItsBinWithHannAmplitude) {
  // A bin-centred sine of amplitude A gives a Hann-windowed peak magnitude of A * N / 4.
  const int n = 2048;
  const double hz = 100 * 22050.0 / n;  // exactly bin 100
  auto c = SpectrogramComputer::Create({n, 512, 22050});
  ASSERT_TRUE(c.ok());
  auto x = test::Sine(hz, 2.0, 0.5f);
  Spectrogram s = c->compute(x);
  auto row = s.frame(s.num_frames / 2);
  const auto peak = std::max_element(row.begin(), row.end()) - row.begin();
  EXPECT_EQ(peak, 100);
  EXPECT_NEAR(row[100], 0.5 * n / 4, 0.5 * n / 4 * 0.01);
  EXPECT_NEAR(s.bin_hz(100), hz, 1e-9);
}

}  // namespace
}  // namespace sonance
