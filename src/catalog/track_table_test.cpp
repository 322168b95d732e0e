// TrackTableMapper on the layouts of the public Spotify datasets. Each header is copied from
// the real file; the rows are small hand-made (or copied) examples whose values are checked
// against the arithmetic in the comments.
#include "sonance/catalog/track_table.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sonance/catalog/csv_reader.h"

namespace sonance {
namespace {

using Names = std::vector<std::string>;

std::vector<std::string> Fields(const std::string& csv_line) {
  CsvReader reader(csv_line);
  CsvRecord r;
  EXPECT_TRUE(reader.Next(&r));
  return r.fields;
}

TrackTableMapper Mapper(const std::string& header) {
  auto m = TrackTableMapper::FromHeader(Fields(header));
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return std::move(m).value();
}

ImportedTrack MapOk(const TrackTableMapper& m, const std::string& row) {
  auto t = m.Map(Fields(row));
  EXPECT_TRUE(t.ok()) << row << ": " << t.status().ToString();
  return t.ok() ? *t : ImportedTrack{};
}

std::string Bad(const TrackTableMapper& m, const std::string& row) {
  auto t = m.Map(Fields(row));
  EXPECT_FALSE(t.ok()) << row;
  if (t.ok()) return "";
  EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
  return t.status().message();
}

// The Hugging Face "spotify-tracks-dataset" (114,000 rows): pandas index, "A;B" artists.
constexpr char kSpotifyTracksHeader[] =
    ",track_id,artists,album_name,track_name,popularity,duration_ms,explicit,danceability,"
    "energy,key,loudness,mode,speechiness,acousticness,instrumentalness,liveness,valence,"
    "tempo,time_signature,track_genre";

TEST(TrackTableTest, SpotifyTracksLayoutMapsEveryColumn) {
  const TrackTableMapper m = Mapper(kSpotifyTracksHeader);
  EXPECT_EQ(m.layout(), "spotify-tracks");
  EXPECT_TRUE(m.missing_features().empty());
  const ImportedTrack t =
      MapOk(m,
            "0,5SuOikwiRyPMVoIQDJUgSV,Gen Hoshino,Comedy,Comedy,73,230666,False,0.676,0.461,1,"
            "-6.746,0,0.143,0.0322,1.01e-06,0.358,0.715,87.917,4,acoustic");
  EXPECT_EQ(t.spotify_id, "5SuOikwiRyPMVoIQDJUgSV");
  EXPECT_EQ(t.tags.title, "Comedy");
  EXPECT_EQ(t.tags.artists, (Names{"Gen Hoshino"}));
  EXPECT_EQ(t.tags.album, "Comedy");
  EXPECT_EQ(t.tags.genre, "acoustic");
  EXPECT_EQ(t.popularity, 73);
  EXPECT_EQ(t.is_explicit, false);
  EXPECT_EQ(t.duration_ms, 230666);
  ASSERT_TRUE(t.features.has_value());
  const AudioFeatures& f = *t.features;
  EXPECT_DOUBLE_EQ(f.danceability, 0.676);
  EXPECT_DOUBLE_EQ(f.energy, 0.461);
  EXPECT_EQ(f.key, 1);
  EXPECT_DOUBLE_EQ(f.loudness, -6.746);
  EXPECT_EQ(f.mode, 0);
  EXPECT_DOUBLE_EQ(f.speechiness, 0.143);
  EXPECT_DOUBLE_EQ(f.acousticness, 0.0322);
  EXPECT_DOUBLE_EQ(f.instrumentalness, 1.01e-06);
  EXPECT_DOUBLE_EQ(f.liveness, 0.358);
  EXPECT_DOUBLE_EQ(f.valence, 0.715);
  EXPECT_DOUBLE_EQ(f.tempo, 87.917);
  EXPECT_EQ(f.time_signature, 4);
  EXPECT_EQ(f.duration_ms, 230666);
  EXPECT_EQ(f.features_version, kImportedFeaturesVersion);
  EXPECT_TRUE(t.missing_features.empty());
  EXPECT_EQ(t.extra_json, "{}");

  const ImportedTrack two = MapOk(
      m,
      "1,4qPNDBW1i3p13qLCt0Ki3A,Ben Woodward;Chord Overstreet,Ghost (Acoustic),Ghost - "
      "Acoustic,55,149610,True,0.42,0.166,1,-17.235,1,0.0763,0.924,5.56e-06,0.101,0.267,77.489,"
      "4,acoustic");
  EXPECT_EQ(two.tags.artists, (Names{"Ben Woodward", "Chord Overstreet"}));
  EXPECT_EQ(two.is_explicit, true);
}

// Kaggle "Most Streamed Spotify Songs 2023": percent features, key names, Major/Minor.
constexpr char kSpotify2023Header[] =
    "track_name,artist(s)_name,artist_count,released_year,released_month,released_day,"
    "in_spotify_playlists,in_spotify_charts,streams,in_apple_playlists,in_apple_charts,"
    "in_deezer_playlists,in_deezer_charts,in_shazam_charts,bpm,key,mode,danceability_%,"
    "valence_%,energy_%,acousticness_%,instrumentalness_%,liveness_%,speechiness_%";

TEST(TrackTableTest, Spotify2023LayoutScalesPercentagesAndNamesKeys) {
  const TrackTableMapper m = Mapper(kSpotify2023Header);
  EXPECT_EQ(m.layout(), "spotify-2023");
  EXPECT_EQ(m.missing_features(), (Names{"loudness", "time_signature"}));
  const ImportedTrack t = MapOk(m,
                                "Seven (feat. Latto) (Explicit Ver.),\"Latto, Jung Kook\",2,2023,"
                                "7,14,553,147,141381703,43,263,\"1,021\",10,826,125,B,Major,80,89,"
                                "83,31,0,8,4");
  EXPECT_EQ(t.tags.title, "Seven (feat. Latto) (Explicit Ver.)");
  EXPECT_EQ(t.tags.artists, (Names{"Latto", "Jung Kook"}));
  EXPECT_EQ(t.tags.release_date, "2023-07-14");
  EXPECT_EQ(t.streams, 141381703);
  EXPECT_TRUE(t.spotify_id.empty());
  ASSERT_TRUE(t.features.has_value());
  const AudioFeatures& f = *t.features;
  EXPECT_DOUBLE_EQ(f.tempo, 125.0);
  EXPECT_EQ(f.key, 11);  // B
  EXPECT_EQ(f.mode, 1);  // Major
  EXPECT_DOUBLE_EQ(f.danceability, 0.80);
  EXPECT_DOUBLE_EQ(f.valence, 0.89);
  EXPECT_DOUBLE_EQ(f.energy, 0.83);
  EXPECT_DOUBLE_EQ(f.acousticness, 0.31);
  EXPECT_DOUBLE_EQ(f.instrumentalness, 0.0);
  EXPECT_DOUBLE_EQ(f.liveness, 0.08);
  EXPECT_DOUBLE_EQ(f.speechiness, 0.04);
  // No duration in this layout: unknown, and said so.
  EXPECT_EQ(t.duration_ms, 0);
  EXPECT_EQ(t.missing_features, (Names{"loudness", "time_signature", "duration_ms"}));
  const auto extra = nlohmann::json::parse(t.extra_json);
  EXPECT_EQ(extra["in_spotify_playlists"], 553);
  EXPECT_EQ(extra["in_deezer_playlists"], 1021);  // "1,021"
  EXPECT_EQ(extra["artist_count"], 2);
  EXPECT_FALSE(extra.contains("streams"));

  // An empty key is unknown (-1) and listed; "C#" is 1, Minor is 0.
  const ImportedTrack nokey =
      MapOk(m, "X,Y,1,2019,1,1,1,1,100,1,1,1,1,,90,,Minor,50,50,50,50,50,50,50");
  EXPECT_EQ(nokey.features->key, -1);
  EXPECT_EQ(nokey.missing_features, (Names{"key", "loudness", "time_signature", "duration_ms"}));
  const ImportedTrack csharp =
      MapOk(m, "X,Y,1,2019,1,1,1,1,100,1,1,1,1,,90,C#,Minor,50,50,50,50,50,50,50");
  EXPECT_EQ(csharp.features->key, 1);
  EXPECT_EQ(csharp.features->mode, 0);

  // The corrupt row of the real file: its streams column holds the rest of the row.
  const std::string why = Bad(m,
                              "Love Grows (Where My Rosemary Goes),Edison Lighthouse,1,1970,1,1,"
                              "2877,0,BPM110KeyAModeMajorDanceability53Valence75Energy69,16,0,54,"
                              "0,0,110,A,Major,53,75,69,7,0,17,3");
  EXPECT_NE(why.find("streams"), std::string::npos) << why;
  // 150 % is out of range.
  EXPECT_NE(Bad(m, "X,Y,1,2019,1,1,1,1,100,1,1,1,1,,90,C,Major,150,50,50,50,50,50,50")
                .find("out of range"),
            std::string::npos);
}

// Kaggle "Top Spotify songs 2010-2019": abbreviated, percent-scaled, duration in seconds.
TEST(TrackTableTest, Top10sLayoutReadsAbbreviationsAndSeconds) {
  const TrackTableMapper m =
      Mapper(",title,artist,top genre,year,bpm,nrgy,dnce,dB,live,val,dur,acous,spch,pop");
  EXPECT_EQ(m.layout(), "top10s");
  EXPECT_EQ(m.missing_features(), (Names{"key", "mode", "instrumentalness", "time_signature"}));
  const ImportedTrack t =
      MapOk(m, "1,\"Hey, Soul Sister\",Train,neo mellow,2010,97,89,67,-4,8,80,217,19,4,83");
  EXPECT_EQ(t.tags.title, "Hey, Soul Sister");
  EXPECT_EQ(t.tags.artists, (Names{"Train"}));
  EXPECT_EQ(t.tags.genre, "neo mellow");
  EXPECT_EQ(t.tags.release_date, "2010");
  EXPECT_EQ(t.popularity, 83);
  EXPECT_EQ(t.duration_ms, 217000);  // 217 s
  const AudioFeatures& f = *t.features;
  EXPECT_DOUBLE_EQ(f.tempo, 97.0);
  EXPECT_DOUBLE_EQ(f.energy, 0.89);
  EXPECT_DOUBLE_EQ(f.danceability, 0.67);
  EXPECT_DOUBLE_EQ(f.loudness, -4.0);
  EXPECT_DOUBLE_EQ(f.liveness, 0.08);
  EXPECT_DOUBLE_EQ(f.valence, 0.80);
  EXPECT_DOUBLE_EQ(f.acousticness, 0.19);
  EXPECT_DOUBLE_EQ(f.speechiness, 0.04);
  EXPECT_EQ(f.key, -1);  // not in this layout
  EXPECT_EQ(t.missing_features, (Names{"key", "mode", "instrumentalness", "time_signature"}));
  EXPECT_EQ(t.extra_json, "{}");  // the unnamed row number is dropped
}

// Kaggle "Spotify Hit Predictor": URIs, Billboard-style credits, extra model columns.
TEST(TrackTableTest, HitPredictorLayoutTakesTheIdFromTheUriAndSplitsCredits) {
  const TrackTableMapper m = Mapper(
      "track,artist,uri,danceability,energy,key,loudness,mode,speechiness,acousticness,"
      "instrumentalness,liveness,valence,tempo,duration_ms,time_signature,chorus_hit,sections,"
      "target");
  EXPECT_EQ(m.layout(), "hit-predictor");
  const ImportedTrack t = MapOk(m,
                                "Wild Things,Alessia Cara,spotify:track:2ZyuwVvV6Z3XJaXIFbspeE,"
                                "0.741,0.626,1,-4.826,0,0.0886,0.02,0,0.0828,0.706,108.029,188493,"
                                "4,41.18681,10,1");
  EXPECT_EQ(t.spotify_id, "2ZyuwVvV6Z3XJaXIFbspeE");
  EXPECT_EQ(t.duration_ms, 188493);
  EXPECT_DOUBLE_EQ(t.features->tempo, 108.029);
  const auto extra = nlohmann::json::parse(t.extra_json);
  EXPECT_DOUBLE_EQ(extra["chorus_hit"].get<double>(), 41.18681);
  EXPECT_EQ(extra["sections"], 10);
  EXPECT_EQ(extra["target"], 1);

  const ImportedTrack credit = MapOk(m,
                                     "X,Clean Bandit Featuring Sean Paul & Anne-Marie,,0.5,0.5,1,"
                                     "-5,1,0.1,0.1,0,0.1,0.5,100,200000,4,30,9,1");
  EXPECT_EQ(credit.tags.artists, (Names{"Clean Bandit", "Sean Paul & Anne-Marie"}));
  const ImportedTrack band = MapOk(m,
                                   "X,\"Tyler, The Creator\",,0.5,0.5,1,-5,1,0.1,0.1,0,0.1,0.5,100,"
                                   "200000,4,30,9,1");
  EXPECT_EQ(band.tags.artists, (Names{"Tyler, The Creator"}));
  EXPECT_NE(Bad(m, "X,Y,spotify:track:short,0.5,0.5,1,-5,1,0.1,0.1,0,0.1,0.5,100,200000,4,30,9,1")
                .find("not a Spotify track id"),
            std::string::npos);
}

// Kaggle "Spotify dataset 1921-2020" data.csv: artists as a Python list.
TEST(TrackTableTest, Spotify1921LayoutParsesPythonListsOfArtists) {
  const TrackTableMapper m = Mapper(
      "valence,year,acousticness,artists,danceability,duration_ms,energy,explicit,id,"
      "instrumentalness,key,liveness,loudness,mode,name,popularity,release_date,speechiness,"
      "tempo");
  EXPECT_EQ(m.layout(), "spotify-1921-2020");
  EXPECT_EQ(m.missing_features(), (Names{"time_signature"}));
  const ImportedTrack t = MapOk(
      m,
      "0.0594,1921,0.982,\"['Sergei Rachmaninoff', 'James Levine', 'Berliner Philharmoniker']\","
      "0.279,831667,0.211,0,4BJqT0PrAfrxzMOxytFOIz,0.878,10,0.665,-20.096,1,\"Piano Concerto No. "
      "3 in D Minor, Op. 30: III. Finale. Alla breve\",4,1921,0.0366,80.954");
  EXPECT_EQ(t.tags.artists,
            (Names{"Sergei Rachmaninoff", "James Levine", "Berliner Philharmoniker"}));
  EXPECT_EQ(t.tags.title, "Piano Concerto No. 3 in D Minor, Op. 30: III. Finale. Alla breve");
  EXPECT_EQ(t.tags.release_date, "1921");
  EXPECT_EQ(t.is_explicit, false);
  EXPECT_EQ(t.features->key, 10);
  const ImportedTrack quoted = MapOk(m,
                                     "0.5,1987,0.1,\"[\"\"Guns N' Roses\"\", 'A\\'s B']\",0.5,"
                                     "356067,0.9,0,7o2CTH4ctstm8TNelqjb51,0.1,1,0.1,-5,1,Sweet "
                                     "Child O' Mine,80,1987-07-21,0.05,125");
  EXPECT_EQ(quoted.tags.artists, (Names{"Guns N' Roses", "A's B"}));
  EXPECT_EQ(quoted.tags.release_date, "1987-07-21");
  EXPECT_NE(Bad(m,
                "0.5,1987,0.1,\"['unclosed]\",0.5,356067,0.9,0,7o2CTH4ctstm8TNelqjb51,0.1,1,0.1,-5,"
                "1,X,80,1987,0.05,125")
                .find("not a list"),
            std::string::npos);
}

TEST(TrackTableTest, AggregateTablesAndTablesWithoutTitlesAreRefusedWithAReason) {
  auto genres = TrackTableMapper::FromHeader(
      Fields("mode,genres,acousticness,danceability,duration_ms,energy,instrumentalness,"
             "liveness,loudness,speechiness,tempo,valence,popularity,key"));
  ASSERT_FALSE(genres.ok());
  EXPECT_NE(genres.status().message().find("per-genre"), std::string::npos);
  auto years = TrackTableMapper::FromHeader(Fields("year,acousticness,danceability,tempo"));
  ASSERT_FALSE(years.ok());
  EXPECT_NE(years.status().message().find("per-year"), std::string::npos);
  auto other = TrackTableMapper::FromHeader(Fields("foo,bar"));
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.status().message().find("title"), std::string::npos);
}

TEST(TrackTableTest, HeadersMatchCaseInsensitivelyAndExtraColumnsAreKept) {
  const TrackTableMapper m = Mapper("Track Name , ARTIST-NAME,Popularity,Explicit,My Rating");
  EXPECT_EQ(m.layout(), "generic");
  const ImportedTrack t = MapOk(m, "  Song  ,A ft. B,42,yes,five stars");
  EXPECT_EQ(t.tags.title, "Song");
  EXPECT_EQ(t.tags.artists, (Names{"A", "B"}));
  EXPECT_EQ(t.popularity, 42);
  EXPECT_EQ(t.is_explicit, true);
  EXPECT_FALSE(t.features.has_value());  // no feature column at all: no features
  EXPECT_EQ(nlohmann::json::parse(t.extra_json)["My Rating"], "five stars");
}

TEST(TrackTableTest, BadRowsSayWhatIsWrong) {
  const TrackTableMapper m = Mapper(kSpotifyTracksHeader);
  const std::string good_tail =
      ",0.676,0.461,1,-6.746,0,0.143,0.0322,1.01e-06,0.358,0.715,87.917,4,acoustic";
  EXPECT_EQ(Bad(m, "0,5SuOikwiRyPMVoIQDJUgSV,A,B,C"), "expected 21 columns, found 5");
  EXPECT_NE(Bad(m, "0,5SuOikwiRyPMVoIQDJUgSV,A,B,C,seventy,230666,False" + good_tail)
                .find("popularity: \"seventy\" is not a whole number"),
            std::string::npos);
  EXPECT_NE(Bad(m, "0,5SuOikwiRyPMVoIQDJUgSV,A,B,C,101,230666,False" + good_tail)
                .find("101 is out of range (0..100)"),
            std::string::npos);
  EXPECT_NE(Bad(m, "0,5SuOikwiRyPMVoIQDJUgSV,A,B,C,7,230666,maybe" + good_tail).find("explicit"),
            std::string::npos);
  EXPECT_NE(Bad(m, "0,5SuOikwiRyPMVoIQDJUgSV,A,B,,7,230666,False" + good_tail).find("title"),
            std::string::npos);
  EXPECT_NE(Bad(m,
                "0,5SuOikwiRyPMVoIQDJUgSV,A,B,C,7,230666,False,1.5,0.461,1,-6.7,0,0.1,0.1,0,0.3,"
                "0.7,87.9,4,x")
                .find("danceability: 1.5 is out of range (0..1)"),
            std::string::npos);
  EXPECT_NE(Bad(m,
                "0,5SuOikwiRyPMVoIQDJUgSV,A,B,C,7,230666,False,0.5,0.461,12,-6.7,0,0.1,0.1,0,0.3,"
                "0.7,87.9,4,x")
                .find("key: 12 is out of range"),
            std::string::npos);
  EXPECT_NE(Bad(m,
                "0,5SuOikwiRyPMVoIQDJUgSV,A,B,C,7,230666,False,0.5,0.461,1,-6.7,2,0.1,0.1,0,0.3,"
                "0.7,87.9,4,x")
                .find("mode"),
            std::string::npos);
  // An empty feature cell is unknown, not bad.
  const ImportedTrack t = MapOk(m,
                                "0,5SuOikwiRyPMVoIQDJUgSV,A,B,C,7,230666,False,,0.461,1,-6.7,0,0.1,"
                                "0.1,0,0.3,0.7,87.9,4,x");
  EXPECT_EQ(t.missing_features, (Names{"danceability"}));
}

TEST(TrackTableTest, ReleaseDatesAreCheckedAndBuiltFromParts) {
  const TrackTableMapper m = Mapper("name,artists,release_date,year");
  EXPECT_EQ(MapOk(m, "a,b,1999-04,1999").tags.release_date, "1999-04");
  EXPECT_EQ(MapOk(m, "a,b,,1999").tags.release_date, "1999");
  EXPECT_EQ(MapOk(m, "a,b,0000,0").tags.release_date, "");  // unknown in the 1.2M table
  EXPECT_NE(Bad(m, "a,b,1999-13-01,1999").find("YYYY"), std::string::npos);
  EXPECT_NE(Bad(m, "a,b,April 1999,1999").find("YYYY"), std::string::npos);
  const TrackTableMapper parts = Mapper("title,released_year,released_month");
  EXPECT_EQ(MapOk(parts, "a,2001,3").tags.release_date, "2001-03");
  EXPECT_NE(Bad(parts, "a,2001,13").find("out of range"), std::string::npos);
}

}  // namespace
}  // namespace sonance
