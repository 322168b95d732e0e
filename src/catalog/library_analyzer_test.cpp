// LibraryAnalyzer end to end on rendered files: what a run stores beyond the analysis
// (the fingerprint), and that a fingerprint never decides whether a file is analysed.
#include "sonance/catalog/library_analyzer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "sonance/audio/fingerprint.h"
#include "support/fixtures.h"
#include "support/signals.h"

namespace sonance {
namespace {
namespace fs = std::filesystem;
using test::TempDir;

std::unique_ptr<Catalog> OpenIn(const TempDir& dir) {
  auto c = Catalog::Open(dir / "catalog.db");
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return c.ok() ? std::move(c).value() : nullptr;
}

Result<LibraryRunSummary> Analyse(Catalog* cat, const fs::path& path) {
  LibraryAnalyzer analyzer(cat, LibraryAnalyzerOptions{1, false});
  return analyzer.run({path}, nullptr, {});
}

// The fingerprint the catalog holds for `path`, decoded; empty when there is none.
std::vector<std::uint32_t> StoredFingerprint(Catalog& cat, const fs::path& path) {
  auto t = cat.FindTrack(path.string());
  EXPECT_TRUE(t.ok() && t->has_value()) << path;
  if (!t.ok() || !t->has_value()) return {};
  auto raw = DecodeFingerprint((*t)->fingerprint);
  EXPECT_TRUE(raw.ok()) << raw.status().ToString();
  return raw.ok() ? *raw : std::vector<std::uint32_t>();
}

std::vector<std::uint32_t> FingerprintOf(const std::vector<float>& samples) {
  auto fp = ComputeFingerprint(samples, test::kRate);
  EXPECT_TRUE(fp.ok()) << fp.status().ToString();
  return fp.ok() ? *fp : std::vector<std::uint32_t>();
}

TEST(LibraryAnalyzerTest, AnAnalysedFileGetsTheFingerprintOfItsAudio) {
  TempDir dir;
  auto cat = OpenIn(dir);
  ASSERT_TRUE(cat);
  const auto tune = test::Cadence(0, true, 0.6, 4);  // 9.6 s
  const fs::path wav = dir / "music/cadence.wav";
  fs::create_directories(wav.parent_path());
  test::WriteWav(wav, tune, test::kRate);

  auto summary = Analyse(cat.get(), wav);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  ASSERT_EQ(summary->analyzed, 1);
  const auto stored = StoredFingerprint(*cat, wav);
  ASSERT_FALSE(stored.empty());
  // Independent of the analyzer: Chromaprint over the samples written (16-bit rounding is
  // the only difference from what the decoder hands over).
  EXPECT_GE(FingerprintSimilarity(stored, FingerprintOf(tune)), kSameRecordingSimilarity);
  const auto other = FingerprintOf(test::Cadence(6, false, 0.45, 5));
  EXPECT_LT(FingerprintSimilarity(stored, other), 0.7);
}

TEST(LibraryAnalyzerTest, AReanalysisReplacesTheFingerprint) {
  TempDir dir;
  auto cat = OpenIn(dir);
  ASSERT_TRUE(cat);
  const fs::path wav = dir / "song.wav";
  const auto first = test::Cadence(0, true, 0.6, 4);
  const auto second = test::Cadence(6, false, 0.45, 5);
  test::WriteWav(wav, first, test::kRate);
  ASSERT_EQ(Analyse(cat.get(), wav)->analyzed, 1);
  const auto before = StoredFingerprint(*cat, wav);

  // A new file under the same path (another size, so the catalog sees the change).
  test::WriteWav(wav, second, test::kRate);
  auto summary = Analyse(cat.get(), wav);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  ASSERT_EQ(summary->analyzed, 1);
  const auto after = StoredFingerprint(*cat, wav);
  ASSERT_FALSE(after.empty());
  EXPECT_NE(after, before);
  EXPECT_GE(FingerprintSimilarity(after, FingerprintOf(second)), kSameRecordingSimilarity);
  EXPECT_LT(FingerprintSimilarity(after, FingerprintOf(first)), 0.7);
}

TEST(LibraryAnalyzerTest, AudioTooShortToFingerprintIsStillAnalysed) {
  TempDir dir;
  auto cat = OpenIn(dir);
  ASSERT_TRUE(cat);
  // 1.5 s: long enough for the decoder and the analysis, too short for Chromaprint.
  std::vector<float> blip;
  test::AddTone(blip, 69, 0.0, 1.5, 0.5f);
  ASSERT_TRUE(FingerprintOf(blip).empty()) << "the premise: Chromaprint needs more audio";
  const fs::path wav = dir / "blip.wav";
  test::WriteWav(wav, blip, test::kRate);

  auto summary = Analyse(cat.get(), wav);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->analyzed, 1);
  EXPECT_EQ(summary->failed, 0);
  auto t = cat->FindTrack(wav.string());
  ASSERT_TRUE(t.ok() && t->has_value());
  EXPECT_EQ((*t)->state, TrackState::kAnalyzed);
  EXPECT_EQ((*t)->fingerprint, "");
}

}  // namespace
}  // namespace sonance
