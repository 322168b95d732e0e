#include "sonance/predict/features.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace sonance {
namespace {

namespace sf = stream_feature;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

TrackRecord FullRecord() {
  TrackRecord t;
  t.id = "0000000000000000000001";
  t.tags.title = "Halo";
  t.tags.artists = {"Beyoncé", "Someone"};
  t.tags.release_date = "2008-11-12";
  t.duration_ms = 261640;
  t.popularity = 77;
  t.is_explicit = false;
  t.available_markets = 183;
  return t;
}

AudioFeatures FullFeatures() {
  AudioFeatures f;
  f.danceability = 0.508;
  f.energy = 0.72;
  f.key = 11;  // B
  f.loudness = -5.907;
  f.mode = 1;
  f.speechiness = 0.0628;
  f.acousticness = 0.272;
  f.instrumentalness = 0.0;
  f.liveness = 0.0563;
  f.valence = 0.472;
  f.tempo = 79.983;
  f.time_signature = 4;
  f.duration_ms = 261640;
  return f;
}

StreamFeatureRow ValidRow() {
  return BuildStreamFeatureRow(FullRecord(), FullFeatures());
}

TEST(StreamFeatureTableTest, HasMusicFlowsColumnsInOrder) {
  const std::vector<std::string> names = StreamFeatureNames();
  ASSERT_EQ(names.size(), 33u);
  const std::vector<std::string> head = {"number_of_available_markets",
                                         "release_year",
                                         "release_month",
                                         "release_day",
                                         "date_is_complete",
                                         "num_artists",
                                         "duration_ms",
                                         "explicit",
                                         "popularity",
                                         "danceability",
                                         "energy",
                                         "loudness",
                                         "mode",
                                         "speechiness",
                                         "acousticness",
                                         "instrumentalness",
                                         "liveness",
                                         "valence",
                                         "tempo",
                                         "time_signature",
                                         "key_C",
                                         "key_C#",
                                         "key_D",
                                         "key_D#",
                                         "key_E",
                                         "key_F",
                                         "key_F#",
                                         "key_G",
                                         "key_G#",
                                         "key_A",
                                         "key_A#",
                                         "key_B",
                                         "key_Unknown"};
  EXPECT_EQ(names, head);
  EXPECT_EQ(FindStreamFeature("popularity"), std::optional<std::size_t>(sf::kPopularity));
  EXPECT_EQ(FindStreamFeature("key_Unknown"), std::optional<std::size_t>(32));
  EXPECT_FALSE(FindStreamFeature("streams").has_value());
  EXPECT_EQ(StreamFeatureTable()[sf::kPopularity].max, 100.0);
  EXPECT_EQ(StreamFeatureTable()[sf::kLoudness].min, -100.0);
}

TEST(BuildStreamFeatureRowTest, CopiesEveryKnownValue) {
  const StreamFeatureRow r = ValidRow();
  EXPECT_EQ(r[sf::kAvailableMarkets], 183);
  EXPECT_EQ(r[sf::kReleaseYear], 2008);
  EXPECT_EQ(r[sf::kReleaseMonth], 11);
  EXPECT_EQ(r[sf::kReleaseDay], 12);
  EXPECT_EQ(r[sf::kDateIsComplete], 1);
  EXPECT_EQ(r[sf::kNumArtists], 2);
  EXPECT_EQ(r[sf::kDurationMs], 261640);
  EXPECT_EQ(r[sf::kExplicit], 0);
  EXPECT_EQ(r[sf::kPopularity], 77);
  EXPECT_DOUBLE_EQ(r[sf::kDanceability], 0.508);
  EXPECT_DOUBLE_EQ(r[sf::kLoudness], -5.907);
  EXPECT_EQ(r[sf::kMode], 1);
  EXPECT_DOUBLE_EQ(r[sf::kTempo], 79.983);
  EXPECT_EQ(r[sf::kTimeSignature], 4);
  for (int k = 0; k < 12; ++k) EXPECT_EQ(r[sf::kKeyC + k], k == 11 ? 1.0 : 0.0) << k;
  EXPECT_EQ(r[sf::kKeyUnknown], 0);
  EXPECT_TRUE(CheckFeatureRanges(r).ok()) << CheckFeatureRanges(r).ToString();
}

TEST(BuildStreamFeatureRowTest, PartialDatesLeaveMonthAndDayMissing) {
  TrackRecord t = FullRecord();
  t.tags.release_date = "1999";
  StreamFeatureRow r = BuildStreamFeatureRow(t, FullFeatures());
  EXPECT_EQ(r[sf::kReleaseYear], 1999);
  EXPECT_TRUE(std::isnan(r[sf::kReleaseMonth]));
  EXPECT_TRUE(std::isnan(r[sf::kReleaseDay]));
  EXPECT_EQ(r[sf::kDateIsComplete], 0);

  t.tags.release_date = "1999-04";
  r = BuildStreamFeatureRow(t, FullFeatures());
  EXPECT_EQ(r[sf::kReleaseMonth], 4);
  EXPECT_TRUE(std::isnan(r[sf::kReleaseDay]));
  EXPECT_EQ(r[sf::kDateIsComplete], 0);

  t.tags.release_date = "2000-02-29T00:00:00Z";  // a leap day, with a time
  r = BuildStreamFeatureRow(t, FullFeatures());
  EXPECT_EQ(r[sf::kReleaseDay], 29);
  EXPECT_EQ(r[sf::kDateIsComplete], 1);

  t.tags.release_date = "1999-02-29";  // no such day: the day is unknown, the month is not
  r = BuildStreamFeatureRow(t, FullFeatures());
  EXPECT_EQ(r[sf::kReleaseMonth], 2);
  EXPECT_TRUE(std::isnan(r[sf::kReleaseDay]));
  EXPECT_EQ(r[sf::kDateIsComplete], 0);

  t.tags.release_date = "1999-13-01";
  r = BuildStreamFeatureRow(t, FullFeatures());
  EXPECT_EQ(r[sf::kReleaseYear], 1999);
  EXPECT_TRUE(std::isnan(r[sf::kReleaseMonth]));
  EXPECT_TRUE(std::isnan(r[sf::kReleaseDay]));

  for (const char* bad : {"", "99", "April 1999"}) {
    t.tags.release_date = bad;
    r = BuildStreamFeatureRow(t, FullFeatures());
    EXPECT_TRUE(std::isnan(r[sf::kReleaseYear])) << bad;
    EXPECT_EQ(r[sf::kDateIsComplete], 0) << bad;
    EXPECT_TRUE(CheckFeatureRanges(r).ok()) << bad;
  }
}

TEST(BuildStreamFeatureRowTest, UnknownValuesAreNaNNeverZero) {
  TrackRecord t;
  t.tags.title = "Untitled";
  t.missing_features = {"key", "loudness", "time_signature", "duration_ms", "instrumentalness"};
  AudioFeatures f = FullFeatures();
  f.duration_ms = 0;
  const StreamFeatureRow r = BuildStreamFeatureRow(t, f);
  for (std::size_t c : {sf::kAvailableMarkets, sf::kReleaseYear, sf::kReleaseMonth, sf::kReleaseDay,
                        sf::kNumArtists, sf::kDurationMs, sf::kExplicit, sf::kPopularity,
                        sf::kLoudness, sf::kTimeSignature, sf::kInstrumentalness}) {
    EXPECT_TRUE(std::isnan(r[c])) << StreamFeatureTable()[c].name;
  }
  EXPECT_EQ(r[sf::kDateIsComplete], 0);
  // Listed as missing, the key is unknown although the stored value says B.
  EXPECT_EQ(r[sf::kKeyUnknown], 1);
  EXPECT_EQ(r[sf::kKeyC + 11], 0);
  // Values the source gave stay.
  EXPECT_DOUBLE_EQ(r[sf::kEnergy], 0.72);
  EXPECT_TRUE(CheckFeatureRanges(r).ok()) << CheckFeatureRanges(r).ToString();

  f.key = -1;   // analysed: no key found
  f.tempo = 0;  // no beat found: a value, not a missing one
  const StreamFeatureRow none = BuildStreamFeatureRow(FullRecord(), f);
  EXPECT_EQ(none[sf::kKeyUnknown], 1);
  EXPECT_EQ(none[sf::kTempo], 0);
  // No duration in the features: the track's.
  EXPECT_EQ(none[sf::kDurationMs], 261640);
}

TEST(CheckFeatureRangesTest, RefusesOutOfRangeValuesNamingFieldAndValue) {
  auto refusal = [](std::size_t column, double value) {
    StreamFeatureRow r = ValidRow();
    r[column] = value;
    const Status s = CheckFeatureRanges(r);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << StreamFeatureTable()[column].name;
    return s.message();
  };
  EXPECT_EQ(refusal(sf::kPopularity, 120), "popularity = 120 is outside 0..100");
  EXPECT_EQ(refusal(sf::kDanceability, 1.5), "danceability = 1.5 is outside 0..1");
  EXPECT_EQ(refusal(sf::kLoudness, -120), "loudness = -120 is outside -100..10");
  EXPECT_EQ(refusal(sf::kReleaseYear, 1850), "release_year = 1850 is outside 1900..2100");
  EXPECT_EQ(refusal(sf::kReleaseMonth, 4.5), "release_month = 4.5 is not a whole number");
  EXPECT_EQ(refusal(sf::kTempo, std::numeric_limits<double>::infinity()),
            "tempo = inf is outside 0..400");
  EXPECT_EQ(refusal(sf::kDateIsComplete, kNaN),
            "date_is_complete is missing (NaN); it must be known");
  EXPECT_EQ(refusal(sf::kKeyC, kNaN), "key_C is missing (NaN); it must be known");
  EXPECT_EQ(refusal(sf::kKeyC, 1), "key_C..key_Unknown are one-hot: exactly one must be 1, not 2");
  EXPECT_EQ(refusal(sf::kKeyC + 11, 0),
            "key_C..key_Unknown are one-hot: exactly one must be 1, not 0");
  // Range ends are allowed, and so is NaN in a nullable column.
  StreamFeatureRow r = ValidRow();
  r[sf::kPopularity] = 100;
  r[sf::kLoudness] = -100;
  r[sf::kTempo] = kNaN;
  EXPECT_TRUE(CheckFeatureRanges(r).ok());
}

TEST(StreamFeatureRowFromValuesTest, NamedValuesWithKeyShorthand) {
  auto row = StreamFeatureRowFromValues(
      {{"popularity", 50}, {"key", 2}, {"release_year", 2020}, {"release_month", 1}});
  ASSERT_TRUE(row.ok()) << row.status().ToString();
  EXPECT_EQ((*row)[sf::kPopularity], 50);
  EXPECT_EQ((*row)[sf::kKeyC + 2], 1);  // D
  EXPECT_EQ((*row)[sf::kKeyUnknown], 0);
  EXPECT_EQ((*row)[sf::kDateIsComplete], 0);  // no day
  EXPECT_TRUE(std::isnan((*row)[sf::kEnergy]));

  auto full_date = StreamFeatureRowFromValues(
      {{"release_year", 2020}, {"release_month", 1}, {"release_day", 31}});
  ASSERT_TRUE(full_date.ok());
  EXPECT_EQ((*full_date)[sf::kDateIsComplete], 1);
  EXPECT_EQ((*full_date)[sf::kKeyUnknown], 1);  // no key given

  auto one_hot = StreamFeatureRowFromValues({{"key_A", 1}});
  ASSERT_TRUE(one_hot.ok()) << one_hot.status().ToString();
  EXPECT_EQ((*one_hot)[sf::kKeyC + 9], 1);
  EXPECT_EQ((*one_hot)[sf::kKeyUnknown], 0);

  EXPECT_EQ(StreamFeatureRowFromValues({{"key", -1}}).value()[sf::kKeyUnknown], 1);
  EXPECT_EQ(StreamFeatureRowFromValues({{"streams", 1}}).status().message(),
            "unknown feature 'streams'");
  EXPECT_EQ(StreamFeatureRowFromValues({{"key", 12}}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(StreamFeatureRowFromValues({{"key", 1}, {"key_A", 1}}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(StreamFeatureRowFromValues({{"energy", 2}}).status().message(),
            "energy = 2 is outside 0..1");
}

}  // namespace
}  // namespace sonance
