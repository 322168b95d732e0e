// Reading Spotify's personal data export: the plays of a listening history.
//
// Two families of files, told apart entry by entry:
//  - account data, StreamingHistory*.json / StreamingHistory_music_*.json: objects with
//    endTime ("YYYY-MM-DD HH:MM", UTC, minute precision), artistName, trackName, msPlayed;
//    podcast files hold podcastName/episodeName instead;
//  - extended history, endsong_*.json / Streaming_History_Audio_*.json: objects with ts
//    ("YYYY-MM-DDTHH:MM:SSZ", when the play ended), ms_played, master_metadata_track_name,
//    master_metadata_album_artist_name, master_metadata_album_album_name, spotify_track_uri,
//    reason_start, reason_end, shuffle, skipped, platform, ... (every field but ts and
//    ms_played may be null).
// Podcast episodes, audiobooks and entries without a track name are skipped and counted. An
// entry with a missing or malformed time or ms_played is bad, reported with the line of the
// file where the entry starts. IP addresses, user agents and user names are never kept;
// conn_country, offline, offline_timestamp and incognito_mode go to Play::extra_json.
//
// Pure functions, thread-safe; results belong to the caller.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sonance/catalog/catalog.h"
#include "sonance/common/status.h"

namespace sonance {

struct HistoryEntryProblem {
  std::int64_t line = 0;  // where the entry starts in the file (1-based)
  std::string reason;
};

struct ParsedHistory {
  std::int64_t entries = 0;
  std::vector<std::pair<std::int64_t, Play>> plays;  // (line, play), in file order
  std::int64_t podcasts = 0;                         // podcast episodes and audiobook chapters
  std::int64_t without_track = 0;  // neither a track nor an episode (e.g. a video)
  std::vector<HistoryEntryProblem> bad;
};

// InvalidArgument when the text is not JSON (with the line of the error) or not an array of
// plays (other files of the export, such as Playlist1.json, are named as such).
Result<ParsedHistory> ParseStreamingHistory(std::string_view json_text);

}  // namespace sonance
