#include "sonance/predict/verdict.h"

#include <gtest/gtest.h>

namespace sonance {
namespace {

TEST(VerdictTest, HistoryTiersAtTheirDocumentedBounds) {
  const auto h = TargetTransform::kClip0To30;
  EXPECT_EQ(VerdictFor(h, 30).text, "What a banger!");
  EXPECT_EQ(VerdictFor(h, 20).emoji, "🔥");
  EXPECT_EQ(VerdictFor(h, 19.99).text, "This one goes on repeat.");
  EXPECT_EQ(VerdictFor(h, 10).text, "This one goes on repeat.");
  EXPECT_EQ(VerdictFor(h, 5).text, "A solid pick.");
  EXPECT_EQ(VerdictFor(h, 1).text, "Might grow on you.");
  EXPECT_EQ(VerdictFor(h, 0.99).text, "Probably a skip.");
  EXPECT_EQ(VerdictFor(h, 12.34).description, "about 12.3 streams of 30");
}

TEST(VerdictTest, TotalStreamTiersAndGroupedDigits) {
  const auto s = TargetTransform::kLog1p;
  EXPECT_EQ(VerdictFor(s, 1.2e9).text, "What a banger!");
  EXPECT_EQ(VerdictFor(s, 6e8).text, "This one goes on repeat.");
  EXPECT_EQ(VerdictFor(s, 2e8).text, "A solid pick.");
  EXPECT_EQ(VerdictFor(s, 4.99e7).text, "Probably a skip.");
  EXPECT_EQ(VerdictFor(s, 350123456.4).description, "about 350,123,456 streams");
  EXPECT_EQ(VerdictFor(s, 999).description, "about 999 streams");
}

}  // namespace
}  // namespace sonance
