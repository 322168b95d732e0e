#include "sonance/recommend/playlist_eval.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <iterator>
#include <limits>
#include <map>
#include <random>
#include <utility>

namespace sonance {
namespace {

constexpr int kMaxPerSeed = 100;

// The sound parameters compared, by the names RecTrack::HasFeature knows.
constexpr const char* kSoundParameters[] = {"danceability", "energy",       "loudness",
                                            "speechiness",  "acousticness", "instrumentalness",
                                            "liveness",     "valence",      "tempo"};

double SoundParameter(const AudioFeatures& f, std::size_t i) {
  switch (i) {
    case 0:
      return f.danceability;
    case 1:
      return f.energy;
    case 2:
      return f.loudness;
    case 3:
      return f.speechiness;
    case 4:
      return f.acousticness;
    case 5:
      return f.instrumentalness;
    case 6:
      return f.liveness;
    case 7:
      return f.valence;
    case 8:
      return f.tempo;
  }
  return 0.0;
}

// A well-mixed engine seed per use, so that the sample and each baseline draw from their own
// stream (SplitMix64's finaliser).
std::uint64_t StreamSeed(std::uint64_t seed, std::uint64_t stream) {
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ULL * (stream + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Uniform in [0, n), n > 0. The engine's output is specified by the standard but the
// distributions are not, so this rejection sampler keeps results equal across libraries.
std::size_t UniformBelow(std::mt19937_64& rng, std::size_t n) {
  const std::uint64_t range = n;
  const std::uint64_t threshold = (0 - range) % range;  // 2^64 mod n values are rejected
  for (;;) {
    const std::uint64_t x = rng();
    if (x >= threshold) return static_cast<std::size_t>(x % range);
  }
}

// Up to k distinct members of `candidates` (indices into the tracks), never `self`, uniformly.
std::vector<std::size_t> PickUniform(const std::vector<std::size_t>& candidates, std::size_t self,
                                     std::size_t k, std::mt19937_64& rng) {
  std::vector<std::size_t> pool;
  const bool has_self = std::binary_search(candidates.begin(), candidates.end(), self);
  const std::size_t available = candidates.size() - (has_self ? 1 : 0);
  if (available <= 4 * k) {
    // Few enough to copy: a partial Fisher-Yates shuffle.
    pool.reserve(available);
    for (std::size_t c : candidates) {
      if (c != self) pool.push_back(c);
    }
    const std::size_t take = std::min(k, pool.size());
    for (std::size_t i = 0; i < take; ++i) {
      std::swap(pool[i], pool[i + UniformBelow(rng, pool.size() - i)]);
    }
    pool.resize(take);
    return pool;
  }
  // Many candidates, few picks: draw and reject repeats (at least 3 in 4 draws are new).
  while (pool.size() < k) {
    const std::size_t c = candidates[UniformBelow(rng, candidates.size())];
    if (c == self || std::find(pool.begin(), pool.end(), c) != pool.end()) continue;
    pool.push_back(c);
  }
  return pool;
}

// The seed's genre keys, each once, empty keys left out.
std::vector<std::string> GenreKeys(const RecTrack& t) {
  std::vector<std::string> keys;
  for (const std::string& g : t.genre_keys) {
    if (!g.empty()) keys.push_back(g);
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

bool SharesAny(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  for (const std::string& x : a) {
    if (!x.empty() && std::find(b.begin(), b.end(), x) != b.end()) return true;
  }
  return false;
}

struct Accumulator {
  std::int64_t seeds = 0;
  std::int64_t pairs = 0;
  std::int64_t genre_pairs = 0;
  std::int64_t genre_hits = 0;
  std::int64_t album_pairs = 0;
  std::int64_t album_hits = 0;
  std::int64_t artist_hits = 0;
  std::int64_t year_pairs = 0;
  double year_sum = 0.0;
  double sound_sum = 0.0;

  void AddPair(const RecTrack& seed, const RecTrack& rec) {
    ++pairs;
    if (!GenreKeys(seed).empty()) {
      ++genre_pairs;
      if (SharesAny(seed.genre_keys, rec.genre_keys)) ++genre_hits;
    }
    if (!seed.album_key.empty()) {
      ++album_pairs;
      if (rec.album_key == seed.album_key) ++album_hits;
    }
    if (SharesAny(seed.artist_keys, rec.artist_keys)) ++artist_hits;
    if (seed.release_year != 0 && rec.release_year != 0) {
      ++year_pairs;
      year_sum += std::abs(seed.release_year - rec.release_year);
    }
    sound_sum += SoundParametersDiff(seed, rec);
  }

  EvalMetrics Finish(std::string name) const {
    const auto share = [](double num, std::int64_t den) {
      return den > 0 ? num / static_cast<double>(den) : 0.0;
    };
    EvalMetrics m;
    m.recommender = std::move(name);
    m.seeds = seeds;
    m.pairs = pairs;
    m.correct_genre_share = share(static_cast<double>(genre_hits), genre_pairs);
    m.correct_album_share = share(static_cast<double>(album_hits), album_pairs);
    m.correct_artist_share = share(static_cast<double>(artist_hits), pairs);
    m.year_mean_diff = share(year_sum, year_pairs);
    m.sound_parameters_diff = share(sound_sum, pairs);
    m.genre_pairs = genre_pairs;
    m.album_pairs = album_pairs;
    m.year_pairs = year_pairs;
    return m;
  }
};

}  // namespace

double SoundParametersDiff(const RecTrack& a, const RecTrack& b) {
  double sum = 0.0;
  for (std::size_t i = 0; i < std::size(kSoundParameters); ++i) {
    const std::string name = kSoundParameters[i];
    if (!a.HasFeature(name) || !b.HasFeature(name)) continue;
    const double va = SoundParameter(a.features, i);
    const double vb = SoundParameter(b.features, i);
    if (!std::isfinite(va) || !std::isfinite(vb)) continue;
    const double scale = std::max(std::abs(va), std::abs(vb));
    if (scale == 0.0) continue;
    const double rel = std::abs(va - vb) / scale;
    sum += rel * rel;
  }
  return std::sqrt(sum);
}

Result<std::vector<EvalMetrics>> EvaluatePlaylists(const Recommender& recommender,
                                                   const EvalOptions& options) {
  if (options.per_seed < 1 || options.per_seed > kMaxPerSeed) {
    return Status::InvalidArgument("per_seed must be 1.." + std::to_string(kMaxPerSeed) + ", got " +
                                   std::to_string(options.per_seed));
  }
  if (options.sample < 0) {
    return Status::InvalidArgument("sample must be >= 0 (0 = every track), got " +
                                   std::to_string(options.sample));
  }
  const std::vector<RecTrack>& tracks = recommender.tracks();
  const std::size_t n = tracks.size();
  const auto per_seed = static_cast<std::size_t>(options.per_seed);
  if (n < per_seed + 1) {
    return Status::FailedPrecondition(
        "evaluating " + std::to_string(per_seed) + " recommendations per seed needs at least " +
        std::to_string(per_seed + 1) + " tracks with features, the catalog has " +
        std::to_string(n) + " (run sonance analyze or sonance import tracks first)");
  }

  // Candidates of the baselines, as sorted indices: by features version, and by version and
  // genre key (values of different versions are never compared, so neither baseline crosses).
  std::map<int, std::vector<std::size_t>> by_version;
  std::map<std::pair<int, std::string>, std::vector<std::size_t>> by_genre;
  for (std::size_t i = 0; i < n; ++i) {
    const int version = tracks[i].features.features_version;
    by_version[version].push_back(i);
    for (const std::string& g : GenreKeys(tracks[i])) by_genre[{version, g}].push_back(i);
  }

  std::vector<std::size_t> seeds(n);
  for (std::size_t i = 0; i < n; ++i) seeds[i] = i;
  if (options.sample > 0 && static_cast<std::uint64_t>(options.sample) < n) {
    std::mt19937_64 rng(StreamSeed(options.seed, 0));
    const auto take = static_cast<std::size_t>(options.sample);
    for (std::size_t i = 0; i < take; ++i) {
      std::swap(seeds[i], seeds[i + UniformBelow(rng, n - i)]);
    }
    seeds.resize(take);
    std::sort(seeds.begin(), seeds.end());
  }

  std::mt19937_64 random_rng(StreamSeed(options.seed, 1));
  std::mt19937_64 genre_rng(StreamSeed(options.seed, 2));
  Accumulator knn, random, same_genre;
  const auto add = [&](Accumulator& acc, std::size_t seed, const std::vector<std::size_t>& recs) {
    bool any = false;
    for (std::size_t r : recs) {
      if (r == seed) continue;  // the seed itself never counts
      acc.AddPair(tracks[seed], tracks[r]);
      any = true;
    }
    if (any) ++acc.seeds;
  };

  for (std::size_t s : seeds) {
    const RecTrack& seed = tracks[s];
    auto neighbours = recommender.Neighbours(seed, options.per_seed);
    if (!neighbours.ok()) return neighbours.status();
    std::vector<std::size_t> recs;
    for (const auto& neighbour : *neighbours) {
      const RecTrack* track = neighbour.first;
      // Neighbours point into tracks(); std::less orders any two pointers.
      const std::less<const RecTrack*> before;
      if (before(track, tracks.data()) || !before(track, tracks.data() + n)) continue;
      recs.push_back(static_cast<std::size_t>(track - tracks.data()));
    }
    add(knn, s, recs);

    const std::vector<std::size_t>& group = by_version[seed.features.features_version];
    add(random, s, PickUniform(group, s, per_seed, random_rng));

    const std::vector<std::string> keys = GenreKeys(seed);
    if (keys.empty()) {
      add(same_genre, s, PickUniform(group, s, per_seed, genre_rng));
      continue;
    }
    const int version = seed.features.features_version;
    if (keys.size() == 1) {
      add(same_genre, s, PickUniform(by_genre[{version, keys[0]}], s, per_seed, genre_rng));
      continue;
    }
    std::vector<std::size_t> shared;
    for (const std::string& g : keys) {
      const std::vector<std::size_t>& members = by_genre[{version, g}];
      std::vector<std::size_t> merged;
      merged.reserve(shared.size() + members.size());
      std::set_union(shared.begin(), shared.end(), members.begin(), members.end(),
                     std::back_inserter(merged));
      shared = std::move(merged);
    }
    add(same_genre, s, PickUniform(shared, s, per_seed, genre_rng));
  }

  std::vector<EvalMetrics> rows;
  rows.push_back(knn.Finish("knn"));
  rows.push_back(random.Finish("random"));
  rows.push_back(same_genre.Finish("same-genre"));
  return rows;
}

}  // namespace sonance
