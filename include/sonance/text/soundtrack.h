// The storyline soundtrack: scenes of a story matched with songs of one artist.
//
//   1. split the story into scenes (text/scenes.h) and vectorise each and the whole story;
//   2. without a given artist, choose the artist whose songs' centroid (mean of their unit
//      vectors) has the highest cosine with the story (artists with at least
//      `min_artist_songs` songs);
//   3. take that artist's `max_songs` most popular songs;
//   4. score every (scene, song) pair: semantic_weight * cosine(scene, song) + mood_weight *
//      MoodFit(scene mood, song valence/energy) (mood only when the song has audio valence and
//      energy; otherwise the semantic part alone, rescaled to the same total weight);
//   5. assign songs to scenes maximising the total score (Hungarian algorithm); while unused
//      songs remain no song repeats; with more scenes than songs, each round of assignment
//      uses every song once before any repeats.
// Each step's wall time is reported so the server can put it in its histograms.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sonance/common/status.h"
#include "sonance/text/esa.h"
#include "sonance/text/mood.h"
#include "sonance/text/scenes.h"
#include "sonance/text/sparse_vector.h"

namespace sonance {

struct SoundtrackSong {
  std::string track_id;
  std::string title;
  std::string artist;
  double popularity = 0.0;
  bool has_lyrics = false;
  SparseVector vector;            // ESA vector of its lyrics, else of title, album, genre and tags
  std::string text;               // vectorised here when `vector` is empty (and the text is not)
  std::optional<double> valence;  // audio features, when known
  std::optional<double> energy;
};

struct SoundtrackOptions {
  text::SceneOptions scenes;
  double semantic_weight = 0.7;
  double mood_weight = 0.3;
  int max_songs = 50;
  int min_artist_songs = 1;
  std::string artist;  // empty: recommended
};

struct SceneAssignment {
  text::Scene scene;
  Mood mood;
  int song = -1;  // index into the chosen artist's songs (SoundtrackResult::songs)
  double semantic = 0.0;
  double mood_fit = 0.0;  // NaN when the song has no audio valence/energy
  double score = 0.0;
  std::vector<std::string> shared_concepts;  // top concepts of scene and song (ids as titles)
};

struct SoundtrackTimings {
  double scene_split = 0, esa_vectors = 0, story_vector = 0, artist_recommendation = 0,
         top_tracks = 0, track_vectors = 0, assignment = 0;
};

struct SoundtrackResult {
  std::string artist;
  bool artist_recommended = false;
  double artist_similarity = 0.0;
  std::vector<SoundtrackSong> songs;  // the chosen artist's songs used
  std::vector<SceneAssignment> scenes;
  bool lyrics_used = false;  // false: titles, tags and mood only
  SoundtrackTimings timings;
};

// The longest storyline accepted, in characters (code points).
inline constexpr std::size_t kMaxStoryCharacters = 100000;

// Runs the five steps over `songs` (any number of artists; `artist` is matched forgivingly,
// common/name_match.h). InvalidArgument for an empty or blank story, invalid UTF-8, a story
// over kMaxStoryCharacters, bad weights or scene options; NotFound naming the artist when
// no song is by the given artist (see SuggestArtists), or when `songs` is empty.
Result<SoundtrackResult> GenerateSoundtrack(std::string_view story,
                                            const std::vector<SoundtrackSong>& songs,
                                            const EsaIndex& esa, const MoodLexicon& mood,
                                            const SoundtrackOptions& options);

// The artists of `songs` closest to a name (common/name_match.h), best first.
std::vector<std::string> SuggestArtists(std::string_view name,
                                        const std::vector<SoundtrackSong>& songs,
                                        std::size_t limit);

// The number of code points of valid UTF-8 text.
std::size_t CountCharacters(std::string_view utf8);

}  // namespace sonance
