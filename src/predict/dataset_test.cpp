#include "sonance/predict/dataset.h"

#include <gtest/gtest.h>
#include <xxhash.h>

#include <bit>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include "sonance/catalog/importers.h"
#include "support/fixtures.h"
#include "test_catalog.h"

namespace sonance {
namespace {

namespace fs = std::filesystem;
namespace sf = stream_feature;

class StreamDatasetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    catalog_ = test::OpenCatalog(dir_ / "catalog.db");
    ASSERT_NE(catalog_, nullptr);
  }

  std::int64_t Rowid(int i) { return (*catalog_->FindTrack(test::TestTrackId(i)))->rowid; }

  test::TempDir dir_;
  std::unique_ptr<Catalog> catalog_;
};

// Tracks 0..24 are streamed 2i+1 times; 25 has no features, 26 a release year out of range,
// 27 was only skipped, 28 never played.
TEST_F(StreamDatasetTest, HistoryRowsAreTheTracksStreamedAtLeastOnce) {
  std::vector<ImportedTrack> tracks;
  for (int i = 0; i < 29; ++i) tracks.push_back(test::FullTrack(i, 0.1 + (i % 9) / 10.0, 0.5));
  tracks[25].features.reset();
  tracks[26].tags.release_date = "1850-01-01";
  test::PutTracks(*catalog_, tracks);
  {
    auto import = catalog_->BeginImport();
    ASSERT_TRUE(import.ok());
    int clock = 0;
    for (int i = 0; i < 25; ++i) test::AddPlays(**import, i, 2 * i + 1, i % 3, &clock);
    test::AddPlays(**import, 25, 4, 0, &clock);
    test::AddPlays(**import, 26, 4, 0, &clock);
    test::AddPlays(**import, 27, 0, 3, &clock);
    ASSERT_TRUE((*import)->Commit().ok());
  }

  auto d = BuildStreamDataset(*catalog_, TrainingSource::kHistory);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->source, TrainingSource::kHistory);
  EXPECT_EQ(d->transform, TargetTransform::kClip0To30);
  ASSERT_EQ(d->rows, 25u);
  EXPECT_EQ(d->counts.candidates, 27u);
  EXPECT_EQ(d->counts.without_features, 1u);
  EXPECT_EQ(d->counts.out_of_range, 1u);
  EXPECT_EQ(d->counts.not_streamed, 1u);
  EXPECT_EQ(d->counts.clipped, 10u);  // 2i+1 > 30 for i = 15..24
  ASSERT_EQ(d->skipped_examples.size(), 1u);
  EXPECT_EQ(d->skipped_examples[0],
            test::TestTrackId(26) + ": release_year = 1850 is outside 1900..2100");
  ASSERT_EQ(d->x.size(), 25u * kStreamFeatureCount);
  for (int i = 0; i < 25; ++i) {
    EXPECT_EQ(d->rowids[i], Rowid(i));
    EXPECT_EQ(d->streams[i], 2 * i + 1);
    EXPECT_EQ(d->y[i], std::min(2 * i + 1, 30)) << i;
    const float* row = &d->x[i * kStreamFeatureCount];
    EXPECT_EQ(row[sf::kPopularity], 20 + i % 70);
    EXPECT_EQ(row[sf::kAvailableMarkets], 50 + i % 100);
    EXPECT_EQ(row[sf::kExplicit], i % 3 == 0 ? 1 : 0);
    EXPECT_EQ(row[sf::kReleaseDay], i % 28 + 1);
    EXPECT_EQ(row[sf::kKeyC + i % 12], 1);
    EXPECT_FLOAT_EQ(row[sf::kEnergy], 0.1 + (i % 9) / 10.0);
  }
  EXPECT_EQ(d->data_hash, HashTrainingData(d->x, kStreamFeatureCount, d->y));
  // The same catalog gives the same data, hash included.
  auto again = BuildStreamDataset(*catalog_, TrainingSource::kHistory);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->data_hash, d->data_hash);
  // The row of one track, as `sonance predict` would build it.
  auto track = catalog_->FindTrack(test::TestTrackId(3));
  auto row = TrackFeatureRow(*catalog_, **track);
  ASSERT_TRUE(row.ok());
  for (std::size_t c = 0; c < kStreamFeatureCount; ++c) {
    const float v = d->x[3 * kStreamFeatureCount + c];
    if (std::isnan(v)) {
      EXPECT_TRUE(std::isnan((*row)[c])) << c;
    } else {
      EXPECT_EQ(static_cast<float>((*row)[c]), v) << c;
    }
  }
  auto featureless = TrackFeatureRow(*catalog_, **catalog_->FindTrack(test::TestTrackId(25)));
  EXPECT_EQ(featureless.status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(StreamDatasetTest, StreamsRowsComeFromAnImportedTableOfTracks) {
  // Kaggle's "Most Streamed Spotify Songs 2023" layout: percent features, key names, no
  // popularity, markets, duration, loudness or time signature.
  std::ostringstream csv;
  csv << "track_name,artist(s)_name,artist_count,released_year,released_month,released_day,"
         "in_spotify_playlists,in_spotify_charts,streams,in_apple_playlists,in_apple_charts,"
         "in_deezer_playlists,in_deezer_charts,in_shazam_charts,bpm,key,mode,danceability_%,"
         "valence_%,energy_%,acousticness_%,instrumentalness_%,liveness_%,speechiness_%\n";
  for (int i = 0; i < 24; ++i) {
    csv << "Song " << i << ",\"Ann, Bo\",2,2020,5," << (i + 1) << ",100,1," << 1000000 * (i + 1)
        << ",1,1,1,1,1," << 100 + i << "," << (i == 0 ? "" : "C#") << ",Major," << 50 + i
        << ",50,60,10,0,10,5\n";
  }
  std::ofstream(dir_ / "spotify-2023.csv") << csv.str();
  auto summary = ImportTrackTables(*catalog_, {dir_ / "spotify-2023.csv"});
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  ASSERT_EQ(summary->Total(&ImportFileSummary::imported), 24);

  auto d = BuildStreamDataset(*catalog_, TrainingSource::kStreams);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->transform, TargetTransform::kLog1p);
  ASSERT_EQ(d->rows, 24u);
  EXPECT_EQ(d->counts.candidates, 24u);
  // Imported in file order: rowids ascend with i.
  for (int i = 0; i < 24; ++i) {
    EXPECT_EQ(d->streams[i], 1000000 * (i + 1));
    EXPECT_FLOAT_EQ(d->y[i], static_cast<float>(std::log1p(1e6 * (i + 1))));
    const float* row = &d->x[i * kStreamFeatureCount];
    EXPECT_EQ(row[sf::kReleaseYear], 2020);
    EXPECT_EQ(row[sf::kReleaseDay], i + 1);
    EXPECT_EQ(row[sf::kDateIsComplete], 1);
    EXPECT_EQ(row[sf::kNumArtists], 2);
    EXPECT_FLOAT_EQ(row[sf::kDanceability], (50 + i) / 100.0f);
    EXPECT_EQ(row[sf::kTempo], 100 + i);
    EXPECT_EQ(row[sf::kMode], 1);
    for (std::size_t c : {sf::kPopularity, sf::kAvailableMarkets, sf::kDurationMs, sf::kLoudness,
                          sf::kTimeSignature, sf::kExplicit}) {
      EXPECT_TRUE(std::isnan(row[c])) << StreamFeatureTable()[c].name;
    }
    EXPECT_EQ(row[sf::kKeyC + 1], i == 0 ? 0 : 1);  // C#
    EXPECT_EQ(row[sf::kKeyUnknown], i == 0 ? 1 : 0);
  }
}

TEST_F(StreamDatasetTest, TooLittleDataIsAFailedPreconditionWithTheCounts) {
  std::vector<ImportedTrack> tracks;
  for (int i = 0; i < 6; ++i) tracks.push_back(test::FullTrack(i, 0.5, 0.5));
  tracks[5].features.reset();
  test::PutTracks(*catalog_, tracks);
  {
    auto import = catalog_->BeginImport();
    int clock = 0;
    for (int i = 0; i < 6; ++i) test::AddPlays(**import, i, 1, 0, &clock);
    ASSERT_TRUE((*import)->Commit().ok());
  }
  const auto d = BuildStreamDataset(*catalog_, TrainingSource::kHistory);
  EXPECT_EQ(d.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(d.status().message().find("5 rows (6 tracks streamed at least once: 1 without audio "
                                      "features, 0 with a feature out of range"),
            std::string::npos)
      << d.status().message();
  EXPECT_NE(d.status().message().find("at least 20 are needed"), std::string::npos);
  EXPECT_NE(d.status().message().find("sonance import history"), std::string::npos);

  // Enough for min_rows, not for two rows in each of 5 folds.
  DatasetOptions o;
  o.min_rows = 4;
  EXPECT_NE(BuildStreamDataset(*catalog_, TrainingSource::kHistory, o)
                .status()
                .message()
                .find("at least 10 are needed"),
            std::string::npos);
  o.folds = 2;
  EXPECT_TRUE(BuildStreamDataset(*catalog_, TrainingSource::kHistory, o).ok());
  o.folds = 1;
  EXPECT_EQ(BuildStreamDataset(*catalog_, TrainingSource::kHistory, o).status().code(),
            StatusCode::kInvalidArgument);

  const auto none = BuildStreamDataset(*catalog_, TrainingSource::kStreams);
  EXPECT_EQ(none.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(none.status().message().find("0 rows"), std::string::npos);
  EXPECT_NE(none.status().message().find("sonance import tracks"), std::string::npos);
}

// ---- data hash and CSV -----------------------------------------------------------------------

void PutU64(std::string* out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}
void PutText(std::string* out, const std::string& s) {
  PutU64(out, s.size());
  *out += s;
}
void PutF32(std::string* out, std::uint32_t bits) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>(bits >> (8 * i)));
}

TEST(HashTrainingDataTest, IsXxh64OfTheDocumentedEncoding) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> x = {1.5f, nan, -2.0f, 0.25f};
  const std::vector<float> y = {3.0f, 4.0f};
  const std::vector<std::string> names = {"a", "bc"};
  std::string bytes;
  PutText(&bytes, "sonance.stream-dataset.v1");
  PutU64(&bytes, 2);  // rows
  PutU64(&bytes, 2);  // cols
  PutU64(&bytes, 2);  // names
  PutText(&bytes, "a");
  PutText(&bytes, "bc");
  for (std::uint32_t bits : {0x3fc00000u, 0x7fc00000u, 0xc0000000u, 0x3e800000u}) {
    PutF32(&bytes, bits);  // 1.5, NaN, -2, 0.25
  }
  PutF32(&bytes, 0x40400000u);  // 3
  PutF32(&bytes, 0x40800000u);  // 4
  const std::uint64_t expected = XXH64(bytes.data(), bytes.size(), 0);
  EXPECT_EQ(HashTrainingData(x, 2, y, names), expected);
  // Any NaN is the same missing value.
  std::vector<float> other_nan = x;
  other_nan[1] = std::bit_cast<float>(0xffc00001u);
  EXPECT_EQ(HashTrainingData(other_nan, 2, y, names), expected);
  // A changed target, value or layout changes it.
  EXPECT_NE(HashTrainingData(x, 2, std::vector<float>{3.0f, 4.5f}, names), expected);
  EXPECT_NE(HashTrainingData(std::vector<float>{1.5f, 0.0f, -2.0f, 0.25f}, 2, y, names), expected);
  EXPECT_NE(HashTrainingData(x, 2, y, {"a", "b"}), expected);
  EXPECT_EQ(HashHex(0x00ab), "00000000000000ab");
}

TEST(WriteDatasetCsvTest, OneLinePerRowWithFoldsAndEmptyMissingValues) {
  test::TempDir dir;
  StreamDataset d;
  d.rows = 2;
  d.rowids = {7, 9};
  d.streams = {3, 40};
  d.y = {3, 30};
  d.x.assign(2 * kStreamFeatureCount, 0.0f);
  d.x[0] = 183;
  d.x[1] = std::numeric_limits<float>::quiet_NaN();
  d.x[kStreamFeatureCount + sf::kDanceability] = 0.1f;
  const std::vector<int> folds = {1, 0};
  ASSERT_TRUE(WriteDatasetCsv(d, folds, dir / "d.csv").ok());
  std::ifstream in(dir / "d.csv");
  std::string header, first, second, rest;
  std::getline(in, header);
  std::getline(in, first);
  std::getline(in, second);
  EXPECT_FALSE(std::getline(in, rest));
  EXPECT_EQ(header.rfind("rowid,fold,streams,target,number_of_available_markets,release_year,", 0),
            0u);
  EXPECT_EQ(header.substr(header.size() - 17), "key_B,key_Unknown");
  EXPECT_EQ(first.rfind("7,1,3,3,183,,0,", 0), 0u) << first;
  EXPECT_NE(second.find(",0.100000001,"), std::string::npos) << second;  // 9 digits of 0.1f
  EXPECT_EQ(second.rfind("9,0,40,30,", 0), 0u);
  EXPECT_EQ(WriteDatasetCsv(d, std::vector<int>{1}, dir / "e.csv").code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sonance
