#include "sonance/text/soundtrack.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <numeric>
#include <utility>

#include "sonance/common/hungarian.h"
#include "sonance/common/name_match.h"
#include "sonance/text/text.h"

namespace sonance {

namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

constexpr std::size_t kSharedConcepts = 5;

// The songs of each artist (by normalised name), in first-seen order of artists.
struct ArtistGroup {
  std::string name;  // as the first song spells it
  std::vector<int> songs;
};

std::vector<ArtistGroup> GroupByArtist(const std::vector<SoundtrackSong>& songs) {
  std::vector<ArtistGroup> groups;
  std::map<std::string, std::size_t> by_key;
  for (std::size_t i = 0; i < songs.size(); ++i) {
    const std::string key = NormalizeName(songs[i].artist);
    auto [it, added] = by_key.emplace(key, groups.size());
    if (added) groups.push_back({songs[i].artist, {}});
    groups[it->second].songs.push_back(static_cast<int>(i));
  }
  return groups;
}

// The unit-length mean of the songs' unit vectors, summed densely over `concepts`.
SparseVector Centroid(const std::vector<SparseVector>& vectors, const std::vector<int>& members,
                      std::size_t concepts) {
  thread_local std::vector<float> acc;
  thread_local std::vector<std::uint32_t> touched;
  if (acc.size() < concepts) acc.assign(concepts, 0.0F);
  touched.clear();
  for (int i : members) {
    const SparseVector& v = vectors[static_cast<std::size_t>(i)];
    const double n = v.Norm();
    if (n <= 0.0) continue;
    for (std::size_t k = 0; k < v.ids.size(); ++k) {
      const std::uint32_t c = v.ids[k];
      if (c >= concepts) continue;
      if (acc[c] == 0.0F) touched.push_back(c);
      acc[c] += static_cast<float>(v.weights[k] / n);
    }
  }
  std::sort(touched.begin(), touched.end());
  SparseVector out;
  for (std::uint32_t c : touched) {
    if (acc[c] != 0.0F) {
      out.ids.push_back(c);
      out.weights.push_back(acc[c]);
    }
    acc[c] = 0.0F;
  }
  out.Normalize();
  return out;
}

}  // namespace

std::size_t CountCharacters(std::string_view utf8) {
  std::size_t n = 0;
  for (unsigned char c : utf8) n += (c & 0xC0) != 0x80;
  return n;
}

std::vector<std::string> SuggestArtists(std::string_view name,
                                        const std::vector<SoundtrackSong>& songs,
                                        std::size_t limit) {
  const std::string key = NormalizeName(name);
  std::vector<std::pair<double, std::string>> scored;
  for (const ArtistGroup& g : GroupByArtist(songs)) {
    scored.emplace_back(NameSimilarity(key, NormalizeName(g.name)), g.name);
  }
  std::sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  std::vector<std::string> out;
  for (std::size_t i = 0; i < scored.size() && i < limit; ++i) out.push_back(scored[i].second);
  return out;
}

Result<SoundtrackResult> GenerateSoundtrack(std::string_view story,
                                            const std::vector<SoundtrackSong>& songs,
                                            const EsaIndex& esa, const MoodLexicon& mood,
                                            const SoundtrackOptions& options) {
  if (Status v = text::ValidateText(story); !v.ok()) {
    return Status::InvalidArgument("storyline: " + v.message());
  }
  if (story.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return Status::InvalidArgument("storyline is empty");
  }
  if (const std::size_t n = CountCharacters(story); n > kMaxStoryCharacters) {
    return Status::InvalidArgument("storyline has " + std::to_string(n) +
                                   " characters; the limit is " +
                                   std::to_string(kMaxStoryCharacters));
  }
  if (!(options.semantic_weight >= 0.0) || !(options.mood_weight >= 0.0) ||
      options.semantic_weight + options.mood_weight <= 0.0) {
    return Status::InvalidArgument("weights must be non-negative with a positive sum");
  }
  if (options.max_songs < 1 || options.min_artist_songs < 1) {
    return Status::InvalidArgument("max_songs and min_artist_songs must be at least 1");
  }
  if (songs.empty()) return Status::NotFound("the catalog has no songs to choose from");

  SoundtrackResult result;
  const text::Embedder embed = [&esa](std::string_view t) { return esa.Vectorize(t); };

  // 1. Scenes, their vectors and the story's.
  auto t0 = Clock::now();
  auto split = text::SplitScenes(story, options.scenes, embed);
  if (!split.ok()) return split.status();
  result.timings.scene_split = SecondsSince(t0);

  t0 = Clock::now();
  std::vector<SparseVector> scene_vectors;
  scene_vectors.reserve(split->scenes.size());
  for (const text::Scene& scene : split->scenes) scene_vectors.push_back(embed(scene.text));
  result.timings.esa_vectors = SecondsSince(t0);

  t0 = Clock::now();
  const SparseVector story_vector = embed(story);
  result.timings.story_vector = SecondsSince(t0);

  // Track vectors: stored ones as they are, the rest from their text.
  t0 = Clock::now();
  std::vector<SparseVector> song_vectors(songs.size());
  for (std::size_t i = 0; i < songs.size(); ++i) {
    song_vectors[i] =
        !songs[i].vector.empty() || songs[i].text.empty() ? songs[i].vector : embed(songs[i].text);
  }
  result.timings.track_vectors = SecondsSince(t0);

  // 2. The artist: given, else the one whose songs' centroid is closest to the story.
  t0 = Clock::now();
  const std::vector<ArtistGroup> groups = GroupByArtist(songs);
  const ArtistGroup* chosen = nullptr;
  if (!options.artist.empty()) {
    const std::string key = NormalizeName(options.artist);
    for (const ArtistGroup& g : groups) {
      if (NormalizeName(g.name) == key) chosen = &g;
    }
    if (chosen == nullptr) {
      return Status::NotFound("no songs by the artist '" + options.artist + "'");
    }
    result.artist_similarity =
        Cosine(Centroid(song_vectors, chosen->songs, esa.concept_count()), story_vector);
  } else {
    double best = -2.0;
    for (const ArtistGroup& g : groups) {
      if (static_cast<int>(g.songs.size()) < options.min_artist_songs) continue;
      const double sim = Cosine(Centroid(song_vectors, g.songs, esa.concept_count()), story_vector);
      // Ties: more songs, then the name.
      if (chosen == nullptr || sim > best ||
          (sim == best && (g.songs.size() > chosen->songs.size() ||
                           (g.songs.size() == chosen->songs.size() && g.name < chosen->name)))) {
        best = sim;
        chosen = &g;
      }
    }
    if (chosen == nullptr) {
      return Status::NotFound("no artist has at least " + std::to_string(options.min_artist_songs) +
                              " songs");
    }
    result.artist_recommended = true;
    result.artist_similarity = best;
  }
  result.artist = chosen->name;
  result.timings.artist_recommendation = SecondsSince(t0);

  // 3. The artist's most popular songs.
  t0 = Clock::now();
  std::vector<int> top = chosen->songs;
  std::stable_sort(top.begin(), top.end(), [&](int a, int b) {
    const auto& sa = songs[static_cast<std::size_t>(a)];
    const auto& sb = songs[static_cast<std::size_t>(b)];
    if (sa.popularity != sb.popularity) return sa.popularity > sb.popularity;
    return sa.title < sb.title;
  });
  if (top.size() > static_cast<std::size_t>(options.max_songs)) {
    top.resize(static_cast<std::size_t>(options.max_songs));
  }
  for (int i : top) {
    result.songs.push_back(songs[static_cast<std::size_t>(i)]);
    result.songs.back().vector = song_vectors[static_cast<std::size_t>(i)];
    result.lyrics_used = result.lyrics_used || result.songs.back().has_lyrics;
  }
  result.timings.top_tracks = SecondsSince(t0);

  // 4 and 5. Score every pair, then assign in rounds: each round gives every song at most
  // once to the scenes still without one, maximising the round's total.
  t0 = Clock::now();
  const std::size_t scene_count = split->scenes.size();
  const std::size_t song_count = result.songs.size();
  const double total_weight = options.semantic_weight + options.mood_weight;
  std::vector<Mood> scene_moods(scene_count);
  std::vector<std::vector<double>> semantic(scene_count, std::vector<double>(song_count));
  std::vector<std::vector<double>> fit(scene_count, std::vector<double>(song_count));
  std::vector<std::vector<double>> score(scene_count, std::vector<double>(song_count));
  for (std::size_t s = 0; s < scene_count; ++s) {
    scene_moods[s] = mood.Of(split->scenes[s].text);
    for (std::size_t k = 0; k < song_count; ++k) {
      const SoundtrackSong& song = result.songs[k];
      semantic[s][k] = Cosine(scene_vectors[s], song.vector);
      if (song.valence && song.energy) {
        fit[s][k] = MoodFit(scene_moods[s], *song.valence, *song.energy);
        score[s][k] = options.semantic_weight * semantic[s][k] + options.mood_weight * fit[s][k];
      } else {
        fit[s][k] = std::nan("");
        score[s][k] = total_weight * semantic[s][k];
      }
    }
  }
  std::vector<int> assigned(scene_count, -1);
  std::vector<std::size_t> open(scene_count);
  std::iota(open.begin(), open.end(), 0);
  while (!open.empty() && song_count > 0) {
    std::vector<std::vector<double>> round;
    round.reserve(open.size());
    for (std::size_t s : open) round.push_back(score[s]);
    const std::vector<int> columns = MaxScoreAssignment(round);
    std::vector<std::size_t> still_open;
    for (std::size_t r = 0; r < open.size(); ++r) {
      if (columns[r] >= 0) {
        assigned[open[r]] = columns[r];
      } else {
        still_open.push_back(open[r]);
      }
    }
    open.swap(still_open);
  }
  for (std::size_t s = 0; s < scene_count; ++s) {
    SceneAssignment a;
    a.scene = split->scenes[s];
    a.mood = scene_moods[s];
    a.song = assigned[s];
    if (a.song >= 0) {
      const auto k = static_cast<std::size_t>(a.song);
      a.semantic = semantic[s][k];
      a.mood_fit = fit[s][k];
      a.score = score[s][k];
      for (const auto& [id, w] :
           SharedTop(scene_vectors[s], result.songs[k].vector, kSharedConcepts)) {
        a.shared_concepts.emplace_back(ConceptLabel(esa.concept_title(id)));
      }
    }
    result.scenes.push_back(std::move(a));
  }
  result.timings.assignment = SecondsSince(t0);
  return result;
}

}  // namespace sonance
