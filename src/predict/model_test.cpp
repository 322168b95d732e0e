#include "sonance/predict/model.h"

#include <gtest/gtest.h>
#include <xxhash.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <random>

#include "support/fixtures.h"

namespace sonance {
namespace {

namespace fs = std::filesystem;
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// One tree of depth 1 with full learning rate, no sampling: each leaf's weight is the
// Newton step -G / (H + lambda) around base_score (the target mean), which is checkable by
// hand for squared error (g = prediction - y, h = 1).
XgbParams Stump(double lambda) {
  XgbParams p;
  p.max_depth = 1;
  p.eta = 1.0;
  p.n_rounds = 1;
  p.subsample = 1.0;
  p.colsample_bytree = 1.0;
  p.min_child_weight = 0.0;
  p.lambda = lambda;
  return p;
}

// y = 10 * [x >= 0.5] plus a little structure in a second column; 200 rows.
void NoisyStep(std::vector<float>* x, std::vector<float>* y) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  for (int i = 0; i < 200; ++i) {
    const float a = u(rng), b = u(rng);
    x->push_back(a);
    x->push_back(b);
    y->push_back((a >= 0.5f ? 10.0f : 0.0f) + b);
  }
}

std::vector<char> ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void WriteAll(const fs::path& p, const std::vector<char>& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

TEST(XgbRegressorTest, StumpLeavesAreTheHandComputedNewtonSteps) {
  const std::vector<float> x = {0, 0, 1, 1};
  const std::vector<float> y = {0, 0, 10, 10};
  // lambda 0: base 5, leaves -10/2 and +10/2: the two levels exactly.
  auto exact = XgbRegressor::Train(x, 1, y, Stump(0.0));
  ASSERT_TRUE(exact.ok()) << exact.status().ToString();
  auto p = exact->Predict(x);
  ASSERT_TRUE(p.ok());
  EXPECT_NEAR((*p)[0], 0.0, 1e-5);
  EXPECT_NEAR((*p)[2], 10.0, 1e-5);
  // lambda 2: leaves -10/(2+2) = -2.5 and +2.5 around 5.
  auto shrunk = XgbRegressor::Train(x, 1, y, Stump(2.0));
  ASSERT_TRUE(shrunk.ok());
  p = shrunk->Predict(std::vector<float>{0, 1});
  ASSERT_TRUE(p.ok());
  EXPECT_NEAR((*p)[0], 2.5, 1e-5);
  EXPECT_NEAR((*p)[1], 7.5, 1e-5);
  EXPECT_EQ(exact->num_features(), 1u);
  EXPECT_EQ(exact->rounds(), 1);
}

TEST(XgbRegressorTest, MissingValuesFollowTheLearnedDefaultDirection) {
  // The rows with NaN have the high target: the split sends missing values right.
  const std::vector<float> x = {0, 0, 1, 1, kNaN, kNaN};
  const std::vector<float> y = {0, 0, 10, 10, 10, 10};
  auto m = XgbRegressor::Train(x, 1, y, Stump(0.0));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  // base 40/6; right leaf: -(4 * (40/6 - 10)) / 4 -> 10; left: -(2 * 40/6) / 2 -> 0.
  auto p = m->Predict(std::vector<float>{kNaN, 0, 1});
  ASSERT_TRUE(p.ok());
  EXPECT_NEAR((*p)[0], 10.0, 1e-4);
  EXPECT_NEAR((*p)[1], 0.0, 1e-4);
  EXPECT_NEAR((*p)[2], 10.0, 1e-4);
}

TEST(XgbRegressorTest, SameSeedSameModelOtherSeedOtherModel) {
  std::vector<float> x, y;
  NoisyStep(&x, &y);
  XgbParams p;  // subsample and colsample below 1: the seed matters
  p.n_rounds = 50;
  auto a = XgbRegressor::Train(x, 2, y, p);
  auto b = XgbRegressor::Train(x, 2, y, p);
  p.seed = 43;
  auto c = XgbRegressor::Train(x, 2, y, p);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(*a->Serialize(), *b->Serialize());
  EXPECT_NE(*a->Serialize(), *c->Serialize());
  EXPECT_EQ(*a->Predict(x), *b->Predict(x));
}

TEST(XgbRegressorTest, SavedModelLoadsAndPredictsTheSame) {
  test::TempDir dir;
  std::vector<float> x, y;
  NoisyStep(&x, &y);
  XgbParams p;
  p.n_rounds = 150;
  p.colsample_bytree = 1.0;  // of two columns, 0.8 would leave one per tree
  auto m = XgbRegressor::Train(x, 2, y, p);
  ASSERT_TRUE(m.ok());
  ASSERT_TRUE(m->SaveToFile(dir / "m.sxgb").ok());
  EXPECT_FALSE(fs::exists(dir / "m.sxgb.tmp"));
  auto loaded = XgbRegressor::LoadFromFile(dir / "m.sxgb");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->num_features(), 2u);
  EXPECT_EQ(loaded->rounds(), 150);
  EXPECT_EQ(*loaded->Predict(x), *m->Predict(x));
  // The learned function at b = 0.5: 0.5 below the step, 10.5 above it.
  auto probe = loaded->Predict(std::vector<float>{0.2f, 0.5f, 0.8f, 0.5f});
  ASSERT_TRUE(probe.ok());
  EXPECT_NEAR((*probe)[0], 0.5, 0.3);
  EXPECT_NEAR((*probe)[1], 10.5, 0.3);
}

class CorruptModelFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto m = XgbRegressor::Train(std::vector<float>{0, 1, 2, 3}, 1, std::vector<float>{0, 1, 2, 3},
                                 Stump(1.0));
    ASSERT_TRUE(m.ok());
    ASSERT_TRUE(m->SaveToFile(path_).ok());
    good_ = ReadAll(path_);
    ASSERT_GT(good_.size(), 32u);
  }

  // Loads `bytes` from the file and returns the refusal.
  Status Refusal(const std::vector<char>& bytes) {
    WriteAll(path_, bytes);
    auto m = XgbRegressor::LoadFromFile(path_);
    EXPECT_FALSE(m.ok());
    return m.ok() ? Status::Ok() : m.status();
  }

  void ExpectCorrupt(const std::vector<char>& bytes, const std::string& why) {
    const Status s = Refusal(bytes);
    EXPECT_EQ(s.code(), StatusCode::kCorrupt) << s.ToString();
    EXPECT_NE(s.message().find(path_.string()), std::string::npos) << s.message();
    EXPECT_NE(s.message().find(why), std::string::npos) << s.message();
  }

  test::TempDir dir_;
  fs::path path_ = dir_ / "model.sxgb";
  std::vector<char> good_;
};

TEST_F(CorruptModelFileTest, TruncatedFilesAreRefusedWithTheirPath) {
  ExpectCorrupt(std::vector<char>(good_.begin(), good_.end() - 10), "truncated");
  ExpectCorrupt(std::vector<char>(good_.begin(), good_.begin() + 20), "truncated");
  ExpectCorrupt({}, "truncated");
  std::vector<char> longer = good_;
  longer.push_back('x');
  ExpectCorrupt(longer, "after its model");
}

TEST_F(CorruptModelFileTest, DamagedBytesFailTheChecksum) {
  std::vector<char> flipped = good_;
  flipped[good_.size() / 2] ^= 0x10;
  ExpectCorrupt(flipped, "checksum");
  std::vector<char> header = good_;
  header[12] ^= 0x01;  // the feature count
  ExpectCorrupt(header, "checksum");
}

TEST_F(CorruptModelFileTest, OtherFilesAreNotModels) {
  ExpectCorrupt(std::vector<char>(100, 'x'), "not a Sonance model file");
  std::vector<char> newer = good_;
  newer[8] = 2;
  EXPECT_EQ(Refusal(newer).code(), StatusCode::kUnsupported);
}

TEST_F(CorruptModelFileTest, GarbageWithAValidChecksumIsRefusedByXgboostNotACrash) {
  // A well-formed container around bytes that are no XGBoost model.
  std::vector<char> bytes(good_.begin(), good_.begin() + 32);
  const std::string payload = "{this is not a model at all}";
  const std::uint64_t n = payload.size();
  for (int i = 0; i < 8; ++i) bytes[16 + i] = static_cast<char>(n >> (8 * i));
  bytes.insert(bytes.end(), payload.begin(), payload.end());
  XXH64_state_t* st = XXH64_createState();
  XXH64_reset(st, 0);
  XXH64_update(st, bytes.data(), 24);
  XXH64_update(st, payload.data(), payload.size());
  const std::uint64_t h = XXH64_digest(st);
  XXH64_freeState(st);
  for (int i = 0; i < 8; ++i) bytes[24 + i] = static_cast<char>(h >> (8 * i));
  ExpectCorrupt(bytes, "refused by XGBoost");
}

TEST(XgbRegressorTest, MissingFileIsNotFound) {
  test::TempDir dir;
  const auto m = XgbRegressor::LoadFromFile(dir / "none.sxgb");
  EXPECT_EQ(m.status().code(), StatusCode::kNotFound);
  EXPECT_NE(m.status().message().find("none.sxgb"), std::string::npos);
}

TEST(XgbRegressorTest, InvalidParamsAndDataAreRefused) {
  const std::vector<float> x = {0, 1, 2, 3};
  const std::vector<float> y = {0, 1, 2, 3};
  auto refused = [&](XgbParams p) {
    auto m = XgbRegressor::Train(x, 1, y, p);
    EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument);
    return m.status().message();
  };
  XgbParams p;
  p.max_depth = 0;
  EXPECT_EQ(refused(p), "max_depth = 0 is outside 1..16");
  p = {};
  p.eta = 0;
  EXPECT_EQ(refused(p), "eta = 0 is outside (0, 1]");
  p = {};
  p.subsample = 1.5;
  EXPECT_EQ(refused(p), "subsample = 1.5 is outside (0, 1]");
  p = {};
  p.nthread = 0;
  EXPECT_EQ(refused(p), "nthread = 0 is outside 1..64");
  p = {};
  p.n_rounds = 0;
  EXPECT_EQ(refused(p), "n_rounds = 0 is outside 1..10000");

  EXPECT_EQ(XgbRegressor::Train({}, 1, {}, {}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(XgbRegressor::Train(x, 3, y, {}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(XgbRegressor::Train(x, 1, std::vector<float>{0, 1, kNaN, 3}, {}).status().code(),
            StatusCode::kInvalidArgument);
  const std::vector<float> inf = {0, 1, std::numeric_limits<float>::infinity(), 3};
  EXPECT_EQ(XgbRegressor::Train(inf, 1, y, {}).status().code(), StatusCode::kInvalidArgument);

  auto m = XgbRegressor::Train(x, 1, y, Stump(1.0));
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->Predict({}).value().empty());
  EXPECT_EQ(m->Predict(inf).status().code(), StatusCode::kInvalidArgument);
  auto two =
      XgbRegressor::Train(std::vector<float>{0, 0, 1, 1}, 2, std::vector<float>{0, 1}, Stump(1.0));
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->Predict(std::vector<float>{1, 2, 3}).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sonance
