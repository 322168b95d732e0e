// The JSON the HTTP API and the CLI print for soundtracks and lyrics searches (one shape for
// both; docs/server.md and docs/text.md describe the fields).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "sonance/semantic/library.h"
#include "sonance/text/soundtrack.h"

namespace sonance {

// The original systems' shape, {"Chosen Artist": ..., "Scene 1": {"scene_text",
// "assigned_song", "similarity_to_song"}, ...}, each scene with Sonance's richer fields
// (track id, score, semantic and mood parts, the scene's mood, shared concepts) and a
// "sonance" object with how it was made (artist recommended or given, lyrics used, timings).
nlohmann::json SoundtrackJson(const SoundtrackResult& result);

// {"query", "results": [{"track": {"id", "name", "artist"}, "score", "song_similarity",
// "line_score", "lines": [{"line", "text", "score"}]}], "candidates", "lyrics_used", "note"}.
nlohmann::json LyricsSearchJson(const SemanticLibrary& library, const std::string& query,
                                const LyricsSearchResult& result);

}  // namespace sonance
