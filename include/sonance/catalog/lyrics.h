// Reading lyrics: LRC files (timed), plain text, and the lyrics tags inside audio files.
//
// ParseLrc() reads the LRC format: "[mm:ss.xx]text" lines (also [mm:ss], [mm:ss.x],
// [mm:ss.xxx] and [mm:ss:xx]; minutes may exceed 59), several stamps in front of one line
// ("[00:12.00][01:04.50]chorus" is that line twice), word stamps of the enhanced format
// ("<00:12.40>") removed, and the tags [ar:] [ti:] [al:] [offset:]. The offset, in
// milliseconds, moves every line earlier when positive (the LRC convention: "+ shifts time
// up"); a time that would fall before zero becomes zero. Lines come back sorted by time (a
// stable sort, so lines sharing a stamp keep their order). When the file has timed lines, its
// untimed lines are dropped (they are comments or metadata in practice); a file without any
// stamp is read as plain text.
//
// ParsePlainLyrics() keeps lines as written, trimmed; runs of blank lines become one empty
// line (a stanza break) and blank lines at either end go.
//
// ReadEmbeddedLyrics() reads, with TagLib: ID3v2 SYLT (timed, millisecond stamps) and USLT
// frames (MP3, and ID3v2 in WAV/AIFF/FLAC), Xiph comments LYRICS and UNSYNCEDLYRICS (FLAC,
// Ogg Vorbis, Opus), MP4 "©lyr" (M4A), APE "LYRICS". Untimed text that holds LRC stamps is
// parsed as LRC. It prefers timed lyrics over untimed ones.
//
// Pure functions except ReadEmbeddedLyrics (reads the file); all thread-safe; results belong
// to the caller.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sonance/catalog/catalog.h"
#include "sonance/common/status.h"

namespace sonance {

struct LrcDocument {
  std::string artist;  // [ar:]
  std::string title;   // [ti:]
  std::string album;   // [al:]
  std::int64_t offset_ms = 0;
  bool timed = false;  // at least one line had a stamp
  std::vector<LyricLine> lines;
};

LrcDocument ParseLrc(std::string_view text);

// True when some line starts with an LRC time stamp.
bool HasLrcTimestamps(std::string_view text);

std::vector<LyricLine> ParsePlainLyrics(std::string_view text);

// nullopt when the file carries no lyrics. NotFound / IOError / Unsupported like ReadTags.
Result<std::optional<TrackLyrics>> ReadEmbeddedLyrics(const std::filesystem::path& audio_file);

}  // namespace sonance
