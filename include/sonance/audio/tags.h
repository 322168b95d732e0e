// Reading a track's metadata tags (ID3v2/ID3v1, Vorbis comments, FLAC, MP4, APE, RIFF INFO)
// with TagLib.
//
// ReadTags never throws. A file without tags gives an empty TrackTags (callers fall back to
// the file name for the title); an unreadable file gives a Status. Thread-safe: no shared
// state.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "sonance/common/status.h"

namespace sonance {

struct TrackTags {
  std::string title;
  std::vector<std::string> artists;  // split on multi-value tags and on "; " / " / "
  std::string album;
  std::string album_artist;
  std::string release_date;  // as tagged: "1999", "1999-04", or "1999-04-12"
  std::string genre;
  int track_number = 0;      // 0 when untagged
  std::string isrc;          // empty when untagged
};

Result<TrackTags> ReadTags(const std::filesystem::path& path);

}  // namespace sonance
