// Importers: tables of tracks (CSV), lyrics and listening histories into the catalog.
//
// Each function imports everything it is given in ONE transaction (CatalogImport): either all
// of it is stored, or, when it fails or a strict import meets a bad row, none of it. Paths are
// checked before anything is read: a missing one is NotFound and nothing is imported. Bad rows
// (a wrong column count, a non-number where a number belongs, a value out of range, a
// malformed entry) are counted and reported as file and line, and the rest is imported; with
// `strict` the first bad row stops the import and nothing is stored. A file that cannot be
// imported as a whole (unreadable, not a table of tracks, not a listening history) is
// "refused" and reported the same way (line 0).
//
// - ImportTrackTables: CSV files in the layouts of track_table.h; tracks are stored with
//   source "imported" (CatalogImport::PutTrack); plays imported earlier that now find their
//   track are matched.
// - ImportLyrics: files and folders (walked recursively). For every catalog track found as an
//   audio file: an .lrc or .txt file beside it with the same name, and its embedded lyrics
//   tags; the best of them is stored (timed before untimed, a file beside it before its tags).
//   An .lrc file with no audio file beside it is matched by its [ar:] and [ti:] tags. .txt
//   files found in folders that belong to no track are skipped, counted but not reported as
//   problems (they may be notes); files named on the command line that match nothing are.
// - ImportListeningHistory: Spotify export files (listening_history.h), or folders holding them
//   (walked recursively for StreamingHistory*.json, Streaming_History_Audio_*.json and
//   endsong*.json; a folder with none is refused); plays are matched to tracks, duplicates of
//   plays already imported are skipped.
//
// Thread-safety: like Catalog (the import holds the catalog's write lock while it runs).
// Ownership: the functions borrow the Catalog for the call; the summary belongs to the caller.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "sonance/catalog/catalog.h"
#include "sonance/common/status.h"

namespace sonance {

struct ImportProblem {
  std::string file;
  std::int64_t line = 0;  // 0: the file as a whole
  std::string reason;
};

struct ImportFileSummary {
  std::string file;
  std::string format;         // layout of a table, "lrc"/"txt"/"audio", "account"/"extended"
  std::string encoding;       // DescribeEncoding() of text files
  std::int64_t rows = 0;      // rows, entries or lyrics found
  std::int64_t imported = 0;  // new tracks, plays, or tracks given lyrics
  std::int64_t updated = 0;   // tracks rewritten (also rows repeating a track in the same import)
  std::int64_t skipped = 0;   // see skip_reasons
  std::int64_t bad = 0;
  bool refused = false;  // the whole file was not importable (the reason is a problem)
  double seconds = 0.0;
  std::map<std::string, std::int64_t> skip_reasons;  // reason -> count
};

struct ImportOptions {
  bool strict = false;              // stop at the first bad row, store nothing
  std::size_t max_problems = 1000;  // problems kept with their text (all are counted)
  // Called after each file or named path (for progress reports); may be empty.
  std::function<void(const ImportFileSummary&)> on_file;
};

struct ImportSummary {
  std::vector<ImportFileSummary> files;
  std::vector<ImportProblem> problems;  // the first options.max_problems, in order
  std::int64_t problem_count = 0;       // bad rows and refused files, all of them
  std::int64_t matched = 0;             // plays (or lyrics files by tags) matched to a track
  std::int64_t rematched = 0;           // plays imported earlier, matched now
  bool committed = false;               // false: a strict import stopped; nothing stored
  double seconds = 0.0;

  std::int64_t Total(std::int64_t ImportFileSummary::*field) const {
    std::int64_t n = 0;
    for (const auto& f : files) n += f.*field;
    return n;
  }
};

// NotFound for a missing file (nothing imported); IOError/Corrupt/Internal when the catalog
// fails (nothing imported). Bad rows are not errors: they are in the summary.
Result<ImportSummary> ImportTrackTables(Catalog& catalog,
                                        const std::vector<std::filesystem::path>& files,
                                        const ImportOptions& options = {});
Result<ImportSummary> ImportLyrics(Catalog& catalog,
                                   const std::vector<std::filesystem::path>& paths,
                                   const ImportOptions& options = {});
Result<ImportSummary> ImportListeningHistory(Catalog& catalog,
                                             const std::vector<std::filesystem::path>& files,
                                             const ImportOptions& options = {});

}  // namespace sonance
