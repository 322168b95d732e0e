// Playlist evaluation: how alike the recommended tracks are to their seed, for k-NN and the
// two baselines the original playlist generator was judged against.
//
// For each seed and each of its recommendations (the seed itself never counts):
//   CorrectGenreShare   share of recommendations with a genre of the seed (of seeds with one)
//   CorrectAlbumShare   share on the seed's album (of seeds with an album)
//   CorrectArtistShare  share sharing at least one artist with the seed
//   YearMeanDiff        mean |release year difference| (pairs with both years known)
//   SoundParametersDiff mean over pairs of the L2 norm of the relative differences of the
//                       sound parameters (danceability, energy, loudness, speechiness,
//                       acousticness, instrumentalness, liveness, valence, tempo), each
//                       |a - b| / max(|a|, |b|), 0 when both are 0; parameters a track lacks
//                       are left out of that pair
// Recommenders: "knn" (Recommender::Neighbours), "random" (uniform over the other tracks of
// the seed's features-version group, seeded), "same-genre" (uniform over other tracks
// sharing a genre with the seed, seeded; seeds without a genre fall back to random).
//
// Details: both baselines draw from the seed's features-version group only (like knn, they
// never mix versions), without repeats, from their own seeded stream (so one baseline's draws
// do not move the other's); when fewer than per_seed candidates exist, all of them are taken
// and the seed has fewer pairs. Genres and albums are compared by their NormalizeName keys
// (genre_keys, album_key), artists by artist_keys; CorrectArtistShare is over every pair.
// A share with no pairs to count is 0. EvalMetrics::seeds counts the seeds that got at least
// one recommendation from that recommender; pairs counts (seed, recommendation) pairs.
// `sample` draws that many seeds without repeats (every track when it is 0 or at least the
// number of tracks; InvalidArgument when negative); the sample, and the baselines' draws,
// are the same for the same seed on every platform (the engine's raw output is used, not
// the standard library's distributions, which differ between implementations).
//
// Thread-safety: EvaluatePlaylists is a pure function of its inputs (and the seed).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sonance/common/status.h"
#include "sonance/recommend/recommender.h"

namespace sonance {

struct EvalOptions {
  int per_seed = 3;         // recommendations per seed (1..100)
  std::int64_t sample = 0;  // seeds to draw (0 = every track)
  std::uint64_t seed = 42;  // for the sample and the random baselines
};

struct EvalMetrics {
  std::string recommender;  // "knn", "random", "same-genre"
  std::int64_t seeds = 0;
  std::int64_t pairs = 0;
  double correct_genre_share = 0.0;
  double correct_album_share = 0.0;
  double correct_artist_share = 0.0;
  double year_mean_diff = 0.0;
  double sound_parameters_diff = 0.0;
  // The pairs each share or mean is over (0: the metric does not apply to this catalog, e.g.
  // a table without albums, and its value above is 0).
  std::int64_t genre_pairs = 0;
  std::int64_t album_pairs = 0;
  std::int64_t year_pairs = 0;
};

// The relative-difference L2 norm of one pair (see above).
double SoundParametersDiff(const RecTrack& a, const RecTrack& b);

// One row per recommender, in the order knn, random, same-genre. FailedPrecondition when the
// recommender has fewer than per_seed + 1 tracks; InvalidArgument for per_seed outside 1..100
// or a negative sample.
Result<std::vector<EvalMetrics>> EvaluatePlaylists(const Recommender& recommender,
                                                   const EvalOptions& options = {});

}  // namespace sonance
