// Reading a track's metadata tags (ID3v2/ID3v1, Vorbis comments, FLAC, MP4, APE, RIFF INFO)
// with TagLib.
//
// ReadTags never throws. A file without tags gives an empty TrackTags (callers fall back to
// the file name for the title). Failures are a Status naming the file: NotFound (no such
// path), IOError (a directory, or no permission), Corrupt (an empty file), Unsupported (a
// type TagLib 1.13 cannot read: images, text, Matroska/WebM), Internal (TagLib threw).
// TagLib picks the parser by extension and looks at the contents only when that parser
// rejects the file. It is no validator: its MPEG parser accepts almost anything named .mp3,
// so a text file (or a FLAC) named .mp3 gives empty tags; DecodeFile is what rejects it.
// Thread-safe: each call opens its own TagLib file; the result belongs to the caller.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "sonance/common/status.h"

namespace sonance {

struct TrackTags {
  std::string title;
  // One entry per artist: multi-value ARTIST tags, each value also split on ";" and on " / "
  // (spaced, so "AC/DC" stays whole); "feat." credits are kept as written; no duplicates.
  std::vector<std::string> artists;
  std::string album;
  std::string album_artist;
  std::string release_date;  // DATE (else YEAR) as tagged: "1999", "1999-04", "1999-04-12"
  std::string genre;
  int track_number = 0;  // leading number of TRACKNUMBER ("3/12" -> 3); 0 when untagged
  std::string isrc;      // empty when untagged
};

Result<TrackTags> ReadTags(const std::filesystem::path& path);

}  // namespace sonance
