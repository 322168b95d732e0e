#include "sonance/recommend/playlist_eval.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

namespace sonance {
namespace {

struct Spec {
  std::string genre;  // "" for none
  std::string artist;
  std::string album;
  std::string date;
  AudioFeatures features;
};

// A sound per style, far apart in every parameter.
AudioFeatures Sound(double danceability, double energy, double loudness, double speechiness,
                    double acousticness, double tempo, int version = kFeaturesVersion) {
  AudioFeatures f;
  f.danceability = danceability;
  f.energy = energy;
  f.loudness = loudness;
  f.speechiness = speechiness;
  f.acousticness = acousticness;
  f.instrumentalness = 1.0 - acousticness / 2;
  f.liveness = 0.1 + speechiness;
  f.valence = danceability / 2;
  f.tempo = tempo;
  f.key = static_cast<int>(tempo) % 12;
  f.mode = 1;
  f.duration_ms = static_cast<long long>(tempo) * 2000;
  f.features_version = version;
  return f;
}

RecTrack Track(int n, const Spec& spec) {
  TrackRecord r;
  r.rowid = n;
  r.id = "track" + std::to_string(n);
  r.path = "/music/" + std::to_string(n) + ".flac";
  if (spec.features.features_version == kImportedFeaturesVersion) {
    r.source = "imported";
    r.path = "spotify:track:" + r.id;
  }
  r.tags.title = "Song " + std::to_string(n);
  if (!spec.artist.empty()) r.tags.artists = {spec.artist};
  r.tags.album = spec.album;
  r.tags.release_date = spec.date;
  r.tags.genre = spec.genre;
  r.duration_ms = spec.features.duration_ms;
  r.features_version = spec.features.features_version;
  return MakeRecTrack(std::move(r), spec.features, std::nullopt);
}

std::unique_ptr<Recommender> Build(const std::vector<Spec>& specs, int copies) {
  std::vector<RecTrack> tracks;
  int n = 1;
  for (const Spec& spec : specs) {
    for (int c = 0; c < copies; ++c) tracks.push_back(Track(n++, spec));
  }
  auto rec = Recommender::Build(std::move(tracks));
  EXPECT_TRUE(rec.ok()) << rec.status().ToString();
  return rec.ok() ? std::move(rec).value() : nullptr;
}

// Three styles, six tracks each, identical in sound within a style: a track's three nearest
// neighbours are always three of its five twins.
std::vector<Spec> ThreeStyles() {
  return {{"Rock", "Rock Band", "Rock Album", "1975", Sound(0.3, 0.9, -5, 0.05, 0.1, 140)},
          {"Jazz", "Jazz Trio", "Jazz Album", "1960", Sound(0.5, 0.3, -15, 0.04, 0.8, 100)},
          {"Hip Hop", "MC", "Rap Album", "2005", Sound(0.9, 0.7, -7, 0.35, 0.2, 92)}};
}

const EvalMetrics& Row(const std::vector<EvalMetrics>& rows, const std::string& name) {
  for (const EvalMetrics& m : rows) {
    if (m.recommender == name) return m;
  }
  static const EvalMetrics kNone;
  ADD_FAILURE() << "no row " << name;
  return kNone;
}

TEST(SoundParametersDiffTest, HandComputed) {
  RecTrack a, b;
  a.features = Sound(0.5, 0.8, -10, 0.0, 0.3, 120);
  b.features = a.features;
  b.features.danceability = 0.25;  // 0.25 / 0.5 = 0.5
  b.features.energy = 0.4;         // 0.4 / 0.8 = 0.5
  b.features.loudness = -5;        // 5 / 10 = 0.5
  b.features.tempo = 90;           // 30 / 120 = 0.25; speechiness is 0 in both: 0
  EXPECT_DOUBLE_EQ(SoundParametersDiff(a, b), std::sqrt(3 * 0.25 + 0.0625));
  EXPECT_DOUBLE_EQ(SoundParametersDiff(b, a), std::sqrt(3 * 0.25 + 0.0625));
  EXPECT_DOUBLE_EQ(SoundParametersDiff(a, a), 0.0);
}

TEST(SoundParametersDiffTest, LeavesOutWhatATrackLacks) {
  RecTrack a, b;
  a.features = Sound(0.5, 0.8, -10, 0.0, 0.3, 120);
  b.features = a.features;
  b.features.loudness = -5;  // 0.5, but b has no loudness
  b.features.tempo = 90;     // 0.25
  b.features.energy = 0.0;   // 1.0: one of them 0 is the largest relative difference
  b.record.missing_features = {"loudness"};
  EXPECT_DOUBLE_EQ(SoundParametersDiff(a, b), std::sqrt(1.0 + 0.0625));
  b.record.missing_features = {"loudness", "tempo", "energy"};
  EXPECT_DOUBLE_EQ(SoundParametersDiff(a, b), 0.0);
}

TEST(SoundParametersDiffTest, ZerosAreAlike) {
  RecTrack a, b;
  a.features = Sound(0, 0, 0, 0, 0, 0);
  a.features.instrumentalness = a.features.liveness = a.features.valence = 0;
  b.features = a.features;
  EXPECT_DOUBLE_EQ(SoundParametersDiff(a, b), 0.0);
}

TEST(EvaluatePlaylistsTest, KnnFindsTheTwinsOfEachStyle) {
  auto rec = Build(ThreeStyles(), 6);
  ASSERT_TRUE(rec);
  auto rows = EvaluatePlaylists(*rec, {});
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0].recommender, "knn");
  EXPECT_EQ((*rows)[1].recommender, "random");
  EXPECT_EQ((*rows)[2].recommender, "same-genre");

  const EvalMetrics& knn = Row(*rows, "knn");
  EXPECT_EQ(knn.seeds, 18);
  EXPECT_EQ(knn.pairs, 54);
  EXPECT_DOUBLE_EQ(knn.correct_genre_share, 1.0);
  EXPECT_DOUBLE_EQ(knn.correct_album_share, 1.0);
  EXPECT_DOUBLE_EQ(knn.correct_artist_share, 1.0);
  EXPECT_DOUBLE_EQ(knn.year_mean_diff, 0.0);
  EXPECT_DOUBLE_EQ(knn.sound_parameters_diff, 0.0);

  // Three of five genre-mates: exactly what the genre share says, and so alike in all else.
  const EvalMetrics& genre = Row(*rows, "same-genre");
  EXPECT_EQ(genre.pairs, 54);
  EXPECT_DOUBLE_EQ(genre.correct_genre_share, 1.0);
  EXPECT_DOUBLE_EQ(genre.correct_album_share, 1.0);
  EXPECT_DOUBLE_EQ(genre.year_mean_diff, 0.0);
  EXPECT_DOUBLE_EQ(genre.sound_parameters_diff, 0.0);

  // Random draws 3 of 17: 5 of them share the genre, so about 5/17 = 0.29 of 54 pairs.
  const EvalMetrics& random = Row(*rows, "random");
  EXPECT_EQ(random.seeds, 18);
  EXPECT_EQ(random.pairs, 54);
  EXPECT_LT(random.correct_genre_share, knn.correct_genre_share);
  EXPECT_LT(random.correct_album_share, knn.correct_album_share);
  EXPECT_LT(random.correct_artist_share, knn.correct_artist_share);
  EXPECT_GT(random.year_mean_diff, knn.year_mean_diff);
  EXPECT_GT(random.sound_parameters_diff, knn.sound_parameters_diff);
  EXPECT_GT(random.correct_genre_share, 0.1);
  EXPECT_LT(random.correct_genre_share, 0.55);
  // Styles share genre, album and artist alike, so the three shares are one number.
  EXPECT_DOUBLE_EQ(random.correct_album_share, random.correct_genre_share);
  EXPECT_DOUBLE_EQ(random.correct_artist_share, random.correct_genre_share);
  // Year gaps are 15, 30 and 45; every miss is one of them.
  EXPECT_LE(random.year_mean_diff, 45.0 * (1.0 - random.correct_genre_share));
  EXPECT_GE(random.year_mean_diff, 15.0 * (1.0 - random.correct_genre_share));
}

TEST(EvaluatePlaylistsTest, BaselinesStayInTheSeedsFeaturesVersionGroup) {
  // Two groups of four: two rock, two jazz each, ten years apart within the group and far
  // from the other group's years. With 3 per seed, random takes all three others of the group.
  const std::vector<Spec> specs = {
      {"Rock", "A1", "", "2000", Sound(0.3, 0.9, -5, 0.05, 0.1, 140)},
      {"Rock", "A2", "", "2000", Sound(0.31, 0.88, -5.5, 0.06, 0.12, 138)},
      {"Jazz", "A3", "", "2010", Sound(0.5, 0.3, -15, 0.04, 0.8, 100)},
      {"Jazz", "A4", "", "2010", Sound(0.52, 0.32, -14, 0.03, 0.82, 102)},
      {"Rock", "B1", "", "1950", Sound(0.2, 0.6, -9, 0.1, 0.4, 120, kImportedFeaturesVersion)},
      {"Rock", "B2", "", "1950", Sound(0.22, 0.62, -9.5, 0.1, 0.42, 118, 0)},
      {"Jazz", "B3", "", "1960", Sound(0.6, 0.2, -20, 0.2, 0.9, 80, 0)},
      {"Jazz", "B4", "", "1960", Sound(0.62, 0.22, -19, 0.21, 0.88, 82, 0)}};
  auto rec = Build(specs, 1);
  ASSERT_TRUE(rec);
  auto rows = EvaluatePlaylists(*rec, {.per_seed = 3});
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  for (const char* name : {"knn", "random"}) {
    const EvalMetrics& m = Row(*rows, name);
    EXPECT_EQ(m.seeds, 8) << name;
    EXPECT_EQ(m.pairs, 24) << name;
    // Each seed: one genre-mate 0 years away, two others 10 years away.
    EXPECT_DOUBLE_EQ(m.correct_genre_share, 1.0 / 3) << name;
    EXPECT_DOUBLE_EQ(m.year_mean_diff, 20.0 / 3) << name;
    EXPECT_DOUBLE_EQ(m.correct_album_share, 0.0) << name;  // no albums to share
    EXPECT_DOUBLE_EQ(m.correct_artist_share, 0.0) << name;
  }
  // Same genre: the one genre-mate of the group, not the other group's two.
  const EvalMetrics& genre = Row(*rows, "same-genre");
  EXPECT_EQ(genre.seeds, 8);
  EXPECT_EQ(genre.pairs, 8);
  EXPECT_DOUBLE_EQ(genre.correct_genre_share, 1.0);
  EXPECT_DOUBLE_EQ(genre.year_mean_diff, 0.0);
}

TEST(EvaluatePlaylistsTest, SeedsWithoutGenreFallBackToRandom) {
  std::vector<Spec> specs;
  for (int i = 0; i < 4; ++i) {
    specs.push_back({"", "", "", "", Sound(0.1 * (i + 1), 0.5, -8 - i, 0.1, 0.2, 90 + 5 * i)});
  }
  auto rec = Build(specs, 1);
  ASSERT_TRUE(rec);
  auto rows = EvaluatePlaylists(*rec, {.per_seed = 3});
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  const EvalMetrics& genre = Row(*rows, "same-genre");
  EXPECT_EQ(genre.seeds, 4);
  EXPECT_EQ(genre.pairs, 12);
  EXPECT_DOUBLE_EQ(genre.correct_genre_share, 0.0);  // no seed has a genre to count
  EXPECT_DOUBLE_EQ(genre.year_mean_diff, 0.0);       // no year known
  EXPECT_DOUBLE_EQ(genre.sound_parameters_diff, Row(*rows, "random").sound_parameters_diff);
}

TEST(EvaluatePlaylistsTest, SampleDrawsThatManySeedsReproducibly) {
  auto rec = Build(ThreeStyles(), 6);
  ASSERT_TRUE(rec);
  EvalOptions o;
  o.per_seed = 2;
  o.sample = 5;
  o.seed = 7;
  auto a = EvaluatePlaylists(*rec, o);
  auto b = EvaluatePlaylists(*rec, o);
  ASSERT_TRUE(a.ok() && b.ok());
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ((*a)[i].seeds, 5);
    EXPECT_EQ((*a)[i].pairs, 10);
    EXPECT_EQ((*a)[i].correct_genre_share, (*b)[i].correct_genre_share);
    EXPECT_EQ((*a)[i].year_mean_diff, (*b)[i].year_mean_diff);
    EXPECT_EQ((*a)[i].sound_parameters_diff, (*b)[i].sound_parameters_diff);
  }
  o.sample = 1000;  // more than there are: every track
  auto all = EvaluatePlaylists(*rec, o);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ((*all)[0].seeds, 18);
}

TEST(EvaluatePlaylistsTest, RejectsInvalidOptions) {
  auto rec = Build(ThreeStyles(), 2);
  ASSERT_TRUE(rec);
  EXPECT_EQ(EvaluatePlaylists(*rec, {.per_seed = 0}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(EvaluatePlaylists(*rec, {.per_seed = 101}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(EvaluatePlaylists(*rec, {.per_seed = 3, .sample = -1}).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(EvaluatePlaylistsTest, TooFewTracksIsAFailedPrecondition) {
  auto rec = Build(ThreeStyles(), 1);  // 3 tracks
  ASSERT_TRUE(rec);
  EXPECT_EQ(EvaluatePlaylists(*rec, {.per_seed = 3}).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_TRUE(EvaluatePlaylists(*rec, {.per_seed = 2}).ok());
}

}  // namespace
}  // namespace sonance
