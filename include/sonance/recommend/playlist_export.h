// Playlist export: M3U8 (extended M3U, UTF-8), XSPF (XML Shareable Playlist Format, version 1)
// and JSPF (XSPF in JSON, as ListenBrainz reads and writes it).
//
// Each exported track has its title, artists, album, duration and where it is: the file path
// for analysed tracks (M3U8 lines, XSPF/JSPF `location` as a file:// URI with percent-encoding),
// and its identifiers (`sonance:track:<id>`; `https://open.spotify.com/track/<id>` for
// imported tracks with a Spotify id, which is what ListenBrainz expects). M3U8 has one
// `#EXTINF:<seconds>,<Artist> - <Title>` line before each location; an imported track with
// no file gets its Spotify URI (or sonance:track:<id>) as the location line. XML and JSON
// text is escaped; the output is deterministic (no time stamps unless `date` is given).
//
// Details: a track's creator (M3U8's <Artist>) is all its artists joined by ", " (M3U8 shows
// the title alone when there are none); its duration is record.duration_ms, else the
// features' (M3U8 rounds to whole seconds, -1 when unknown). Only analysed tracks have an
// XSPF/JSPF location: an imported track is named by its identifiers, the Spotify link first
// when it has one. Empty optional fields (annotation, date, album, ...) are left out. An
// analysed track's path is absolute, so its URI is "file://" + the encoded path
// ("file:///music/Bj%C3%B6rk/..."). M3U8 replaces line breaks inside a field with spaces;
// XML drops the control characters XML 1.0 does not allow. Format names are matched
// ignoring ASCII case.
//
// Pure functions, thread-safe.
#pragma once

#include <string>
#include <vector>

#include "sonance/common/status.h"
#include "sonance/recommend/rec_track.h"

namespace sonance {

enum class PlaylistFormat { kM3u8, kXspf, kJspf };

// "m3u8" (also "m3u"), "xspf", "jspf"; InvalidArgument naming the accepted ones otherwise.
Result<PlaylistFormat> ParsePlaylistFormat(const std::string& name);
// "audio/x-mpegurl", "application/xspf+xml", "application/jspf+json".
const char* PlaylistMediaType(PlaylistFormat format);

struct PlaylistMeta {
  std::string title = "Sonance playlist";
  std::string creator = "Sonance";
  std::string annotation;  // e.g. "3 tracks per seed from: A - B, C - D"
  std::string date;        // ISO-8601, optional
};

std::string ExportPlaylist(const std::vector<const RecTrack*>& tracks, const PlaylistMeta& meta,
                           PlaylistFormat format);

}  // namespace sonance
