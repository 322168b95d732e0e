// TrackTableMapper: turns the rows of a table of tracks (CSV) into ImportedTrack values.
//
// The columns are recognised by name, case-insensitively and with spaces, hyphens and
// underscores alike, through the aliases of the public Spotify datasets (docs/importing.md
// lists them per layout): "track_name" / "name" / "title" / "track" / "song", "artists" /
// "artist" / "artist(s)_name", "danceability" / "danceability_%" / "dnce", "tempo" / "bpm",
// "duration_ms" / "dur" (seconds), and so on. Percent-scaled features (a "_%" column, or the
// top-10 layout's "nrgy", "dnce", "live", "val", "acous", "spch") are divided by 100. Keys come
// as numbers (-1..11) or names ("C#", "Db"); modes as 0/1 or "Major"/"Minor". Artists are
// split per layout: a Python list ("['A', 'B']"), "A;B", "A, B" (artist(s)_name), or one
// credit ("A Featuring B", "A feat. B"; "&" and "," stay, they belong to band names).
// Columns with no field of their own are kept in ImportedTrack::extra_json.
//
// A row is bad (Map() returns InvalidArgument with the reason) when its column count is
// wrong, a number column holds something else, or a value is out of range; an empty cell is
// not bad, it is unknown. A header without a title column is refused with a reason (tables of
// per-genre, per-artist or per-year averages are named as such).
//
// Immutable after construction; thread-safe to share. Map() returns values the caller owns.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "sonance/catalog/catalog.h"
#include "sonance/common/status.h"

namespace sonance {

class TrackTableMapper {
 public:
  // InvalidArgument, with a reason for the user, when the header is not a table of tracks.
  static Result<TrackTableMapper> FromHeader(const std::vector<std::string>& header);

  // "spotify-tracks", "spotify-2023", "top10s", "hit-predictor", "spotify-1921-2020",
  // "spotify-songs", "spotify-1.2m" or "generic".
  const std::string& layout() const { return layout_; }
  std::size_t columns() const { return header_.size(); }
  // The audio features no column provides (every row of the table lacks them).
  const std::vector<std::string>& missing_features() const { return missing_; }

  Result<ImportedTrack> Map(const std::vector<std::string>& row) const;

  // Implementation detail, public for the helpers in the .cpp file.
  struct Column {
    int field = -1;        // index into the field table; -1: an extra column
    double scale = 1.0;    // value * scale (0.01 for percent, 1000 for seconds)
    int variant = 0;       // how to split artists (see the .cpp file)
    bool ignored = false;  // a row-number column
  };

 private:
  TrackTableMapper() = default;

  std::vector<std::string> header_;  // names as written (trimmed)
  std::vector<Column> columns_;
  std::vector<int> column_of_;  // field -> first column, or -1
  std::vector<std::string> missing_;
  bool any_feature_ = false;
  std::string layout_;
};

}  // namespace sonance
