#include "sonance/semantic/json.h"

#include <cmath>

namespace sonance {

namespace {

nlohmann::json NumberOrNull(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nullptr;
}

constexpr const char* kNoLyricsNote =
    "no lyrics were available: songs were matched by their titles, albums, genres and "
    "artists, and by mood";

}  // namespace

nlohmann::json SoundtrackJson(const SoundtrackResult& r) {
  nlohmann::json j = nlohmann::json::object();
  j["Chosen Artist"] = r.artist;
  for (std::size_t s = 0; s < r.scenes.size(); ++s) {
    const SceneAssignment& a = r.scenes[s];
    nlohmann::json scene = {{"scene_text", a.scene.text}};
    if (a.song >= 0) {
      const SoundtrackSong& song = r.songs[static_cast<std::size_t>(a.song)];
      scene["assigned_song"] = song.title;
      scene["similarity_to_song"] = a.semantic;
      scene["track_id"] = song.track_id;
      scene["score"] = a.score;
      scene["mood_fit"] = NumberOrNull(a.mood_fit);
      scene["song_has_lyrics"] = song.has_lyrics;
    } else {
      scene["assigned_song"] = nullptr;
      scene["similarity_to_song"] = nullptr;
    }
    scene["scene_mood"] = {{"valence", a.mood.valence},
                           {"arousal", a.mood.arousal},
                           {"rated_words", a.mood.rated_words}};
    scene["shared_concepts"] = a.shared_concepts;
    scene["first_sentence"] = a.scene.first_sentence;
    scene["sentences"] = a.scene.sentence_count;
    j["Scene " + std::to_string(s + 1)] = std::move(scene);
  }
  const SoundtrackTimings& t = r.timings;
  nlohmann::json meta = {{"artist_recommended", r.artist_recommended},
                         {"artist_similarity", r.artist_similarity},
                         {"scenes", r.scenes.size()},
                         {"songs_considered", r.songs.size()},
                         {"lyrics_used", r.lyrics_used},
                         {"timings_ms",
                          {{"scene_split", t.scene_split * 1e3},
                           {"esa_vector_generation", t.esa_vectors * 1e3},
                           {"story_esa_vector", t.story_vector * 1e3},
                           {"artist_recommendation", t.artist_recommendation * 1e3},
                           {"top_tracks_retrieval", t.top_tracks * 1e3},
                           {"tracks_esa_vector_generation", t.track_vectors * 1e3},
                           {"song_assignment", t.assignment * 1e3}}}};
  if (!r.lyrics_used) meta["note"] = kNoLyricsNote;
  j["sonance"] = std::move(meta);
  return j;
}

nlohmann::json LyricsSearchJson(const SemanticLibrary& library, const std::string& query,
                                const LyricsSearchResult& r) {
  nlohmann::json results = nlohmann::json::array();
  for (const LyricsHit& hit : r.hits) {
    const SoundtrackSong& song = library.songs()[hit.track];
    nlohmann::json lines = nlohmann::json::array();
    for (const LyricLineMatch& m : hit.best_lines) {
      lines.push_back({{"line", m.line}, {"text", m.text}, {"score", m.score}});
    }
    results.push_back(
        {{"track", {{"id", song.track_id}, {"name", song.title}, {"artist", song.artist}}},
         {"score", hit.score},
         {"song_similarity", hit.song_similarity},
         {"line_score", hit.line_score},
         {"has_lyrics", song.has_lyrics},
         {"lines", std::move(lines)}});
  }
  nlohmann::json j = {{"query", query},
                      {"results", std::move(results)},
                      {"candidates", r.candidates},
                      {"lyrics_used", r.lyrics_used}};
  if (!r.lyrics_used) j["note"] = kNoLyricsNote;
  return j;
}

}  // namespace sonance
