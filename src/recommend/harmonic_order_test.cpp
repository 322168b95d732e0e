#include "sonance/recommend/harmonic_order.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

namespace sonance {
namespace {

constexpr int kMajor = 1;
constexpr int kMinor = 0;

// Pitch classes, spelled as the Camelot wheel names them.
constexpr int C = 0, Db = 1, D = 2, Eb = 3, E = 4, F = 5, Gb = 6, G = 7, Ab = 8, A = 9, Bb = 10,
              B = 11;

KeyTempo Key(int key, int mode, double tempo = 120.0) {
  return {key, mode, tempo};
}

TEST(CamelotCodeTest, MajorKeysMatchTheWheel) {
  struct Row {
    int key;
    const char* code;
  };
  const Row rows[] = {{C, "8B"},  {G, "9B"},  {D, "10B"}, {A, "11B"}, {E, "12B"}, {B, "1B"},
                      {Gb, "2B"}, {Db, "3B"}, {Ab, "4B"}, {Eb, "5B"}, {Bb, "6B"}, {F, "7B"}};
  for (const Row& r : rows) EXPECT_EQ(CamelotCode(r.key, kMajor), r.code) << "key " << r.key;
}

TEST(CamelotCodeTest, MinorKeysMatchTheWheel) {
  struct Row {
    int key;
    const char* code;
  };
  // A, E, B, F#, C#, G#, D#, Bb, F, C, G, D minor.
  const Row rows[] = {{A, "8A"},  {E, "9A"},  {B, "10A"}, {Gb, "11A"}, {Db, "12A"}, {Ab, "1A"},
                      {Eb, "2A"}, {Bb, "3A"}, {F, "4A"},  {C, "5A"},   {G, "6A"},   {D, "7A"}};
  for (const Row& r : rows) EXPECT_EQ(CamelotCode(r.key, kMinor), r.code) << "key " << r.key;
}

TEST(CamelotCodeTest, EveryCodeAppearsOnce) {
  std::vector<std::string> codes;
  for (int key = 0; key < 12; ++key) {
    codes.push_back(CamelotCode(key, kMajor));
    codes.push_back(CamelotCode(key, kMinor));
  }
  std::sort(codes.begin(), codes.end());
  EXPECT_EQ(std::adjacent_find(codes.begin(), codes.end()), codes.end());
  EXPECT_EQ(codes.size(), 24u);
}

TEST(CamelotCodeTest, UnknownKeyHasNoCode) {
  EXPECT_EQ(CamelotCode(-1, kMajor), "");
  EXPECT_EQ(CamelotCode(-1, kMinor), "");
  EXPECT_EQ(CamelotCode(12, kMajor), "");
}

TEST(CamelotCodeTest, ModeOtherThanOneIsMinor) {
  EXPECT_EQ(CamelotCode(A, 2), "8A");
}

TEST(CamelotDistanceTest, SameKeyIsZero) {
  for (int key = 0; key < 12; ++key) {
    EXPECT_EQ(CamelotDistance(Key(key, kMajor), Key(key, kMajor)), 0);
    EXPECT_EQ(CamelotDistance(Key(key, kMinor), Key(key, kMinor)), 0);
  }
}

TEST(CamelotDistanceTest, RelativeKeysAreOneApart) {
  EXPECT_EQ(CamelotDistance(Key(C, kMajor), Key(A, kMinor)), 1);   // 8B - 8A
  EXPECT_EQ(CamelotDistance(Key(Eb, kMajor), Key(C, kMinor)), 1);  // 5B - 5A
  EXPECT_EQ(CamelotDistance(Key(B, kMajor), Key(Ab, kMinor)), 1);  // 1B - 1A
}

TEST(CamelotDistanceTest, HandWorkedPairs) {
  EXPECT_EQ(CamelotDistance(Key(A, kMinor), Key(E, kMinor)), 1);   // 8A - 9A
  EXPECT_EQ(CamelotDistance(Key(A, kMinor), Key(G, kMajor)), 2);   // 8A - 9B
  EXPECT_EQ(CamelotDistance(Key(E, kMajor), Key(B, kMajor)), 1);   // 12B - 1B, wraps round
  EXPECT_EQ(CamelotDistance(Key(Ab, kMinor), Key(D, kMinor)), 6);  // 1A - 7A, opposite
  EXPECT_EQ(CamelotDistance(Key(Ab, kMinor), Key(F, kMajor)), 7);  // 1A - 7B, farthest
  EXPECT_EQ(CamelotDistance(Key(Bb, kMinor), Key(B, kMinor)), 5);  // 3A - 10A, the short way
  EXPECT_EQ(CamelotDistance(Key(C, kMajor), Key(D, kMajor)), 2);   // 8B - 10B
}

TEST(CamelotDistanceTest, IsSymmetricAndAtMostSeven) {
  for (int ka = 0; ka < 12; ++ka) {
    for (int ma = 0; ma < 2; ++ma) {
      for (int kb = 0; kb < 12; ++kb) {
        for (int mb = 0; mb < 2; ++mb) {
          const int d = CamelotDistance(Key(ka, ma), Key(kb, mb));
          EXPECT_EQ(d, CamelotDistance(Key(kb, mb), Key(ka, ma)));
          EXPECT_GE(d, 0);
          EXPECT_LE(d, 7);
        }
      }
    }
  }
}

TEST(CamelotDistanceTest, UnknownKeyIsAtTheFixedDistanceFromEverything) {
  EXPECT_EQ(CamelotDistance(Key(-1, kMajor), Key(C, kMajor)), kUnknownKeyDistance);
  EXPECT_EQ(CamelotDistance(Key(A, kMinor), Key(-1, kMinor)), kUnknownKeyDistance);
  EXPECT_EQ(CamelotDistance(Key(-1, kMajor), Key(-1, kMajor)), kUnknownKeyDistance);
}

TEST(TransitionCostTest, AddsTempoStepsToTheKeyDistance) {
  // 8A -> 9B is 2, and 6 BPM is 0.75 of an 8 BPM step.
  EXPECT_DOUBLE_EQ(TransitionCost(Key(A, kMinor, 120), Key(G, kMajor, 126)), 2.75);
  EXPECT_DOUBLE_EQ(TransitionCost(Key(A, kMinor, 120), Key(G, kMajor, 126), 4.0), 3.5);
  EXPECT_DOUBLE_EQ(TransitionCost(Key(C, kMajor, 128), Key(C, kMajor, 128)), 0.0);
}

TEST(TransitionCostTest, AllowsHalfAndDoubleTime) {
  // 70 BPM doubled is 140: 1 BPM from 141.
  EXPECT_DOUBLE_EQ(TransitionCost(Key(C, kMajor, 70), Key(C, kMajor, 141)), 0.125);
  EXPECT_DOUBLE_EQ(TransitionCost(Key(C, kMajor, 141), Key(C, kMajor, 70)), 0.125);
  // Direct comparison wins when it is closer: 100 vs 90 is 10, 200 vs 90 is 110.
  EXPECT_DOUBLE_EQ(TransitionCost(Key(C, kMajor, 100), Key(C, kMajor, 90)), 1.25);
}

TEST(TransitionCostTest, UnknownTempoCostsOneStep) {
  EXPECT_DOUBLE_EQ(TransitionCost(Key(C, kMajor, 0), Key(C, kMajor, 120)), 1.0);
  EXPECT_DOUBLE_EQ(TransitionCost(Key(C, kMajor, 120), Key(A, kMinor, 0)), 2.0);
}

TEST(TransitionCostTest, InvalidTempoStepLeavesTempoOut) {
  EXPECT_DOUBLE_EQ(TransitionCost(Key(C, kMajor, 90), Key(G, kMajor, 180.5), 0.0), 1.0);
  EXPECT_DOUBLE_EQ(TransitionCost(Key(C, kMajor, 90), Key(G, kMajor, 150), -3.0), 1.0);
}

TEST(OrderHarmonicallyTest, EmptyAndSingle) {
  EXPECT_TRUE(OrderHarmonically({}).empty());
  EXPECT_EQ(OrderHarmonically({Key(C, kMajor)}), (std::vector<std::size_t>{0}));
}

TEST(OrderHarmonicallyTest, FollowsCompatibleKeysWithTiesByPosition) {
  // 8A; 3B (6 from 8A); 9A and 8B (both 1 from 8A: 9A comes first); from 9A, 8B is 2 and 3B 7.
  const std::vector<KeyTempo> tracks = {Key(A, kMinor), Key(Db, kMajor), Key(E, kMinor),
                                        Key(C, kMajor)};
  EXPECT_EQ(OrderHarmonically(tracks), (std::vector<std::size_t>{0, 2, 3, 1}));
}

TEST(OrderHarmonicallyTest, FollowsSmallTempoSteps) {
  // Same key. From 120: 124 costs 0.5, 140 2.5, 61 (half of 122) 0.25. From 61: 124 costs
  // |122 - 124| / 8 = 0.25, 140 |122 - 140| / 8 = 2.25. Then 140.
  const std::vector<KeyTempo> tracks = {Key(C, kMajor, 120), Key(C, kMajor, 124),
                                        Key(C, kMajor, 140), Key(C, kMajor, 61)};
  EXPECT_EQ(OrderHarmonically(tracks), (std::vector<std::size_t>{0, 3, 1, 2}));
}

TEST(OrderHarmonicallyTest, WeighsKeysAgainstTempo) {
  // From 8B 120: 10B 120 costs 2; 8B 200 costs |240 - 200| / 8 = 5 with tempo, 0 without.
  const std::vector<KeyTempo> tracks = {Key(C, kMajor, 120), Key(D, kMajor, 120),
                                        Key(C, kMajor, 200)};
  EXPECT_EQ(OrderHarmonically(tracks), (std::vector<std::size_t>{0, 1, 2}));
  EXPECT_EQ(OrderHarmonically(tracks, 0.0), (std::vector<std::size_t>{0, 2, 1}));
}

TEST(OrderHarmonicallyTest, KeylessTracksGoWhereTheyCostLeast) {
  // From 8B: 2B (Gb major) is 6 away, the keyless track 3 + 0; then 2B from it is 3.
  const std::vector<KeyTempo> tracks = {Key(C, kMajor), Key(Gb, kMajor), Key(-1, kMajor)};
  EXPECT_EQ(OrderHarmonically(tracks), (std::vector<std::size_t>{0, 2, 1}));
}

TEST(OrderHarmonicallyTest, IsAPermutationStartingWithTheFirstTrack) {
  std::vector<KeyTempo> tracks;
  for (int i = 0; i < 40; ++i) {
    tracks.push_back(Key((i * 5) % 13 - 1, i % 2, 60.0 + (i * 37) % 120));
  }
  const std::vector<std::size_t> order = OrderHarmonically(tracks);
  ASSERT_EQ(order.size(), tracks.size());
  EXPECT_EQ(order.front(), 0u);
  std::vector<std::size_t> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::size_t> expected(tracks.size());
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(sorted, expected);
  EXPECT_EQ(OrderHarmonically(tracks), order);
}

}  // namespace
}  // namespace sonance
