// ImportListeningHistory (importers.h): Spotify export files into the catalog, in one
// transaction.
#include <algorithm>
#include <cstdint>
#include <string>
#include <system_error>
#include <vector>

#include "import_log.h"
#include "sonance/catalog/importers.h"
#include "sonance/catalog/listening_history.h"
#include "sonance/catalog/text_decoding.h"

namespace sonance {
namespace {

namespace fs = std::filesystem;
using import_internal::ImportLog;
using import_internal::Stopwatch;

Status ImportOneHistory(CatalogImport& import, const fs::path& path, ImportLog& log,
                        std::int64_t* matched) {
  Stopwatch clock;
  ImportFileSummary file;
  file.file = path.string();
  auto done = [&]() {
    file.seconds = clock.Seconds();
    log.FileDone(std::move(file));
    return Status::Ok();
  };
  auto text = ReadTextFile(path);
  if (!text.ok()) {
    log.Refuse(&file, text.status().message());
    return done();
  }
  file.encoding = DescribeEncoding(*text);
  auto parsed = ParseStreamingHistory(text->text);
  if (!parsed.ok()) {
    log.Refuse(&file, parsed.status().message());
    return done();
  }
  file.rows = parsed->entries;
  log.Skip(&file, "podcast episodes and audiobooks", parsed->podcasts);
  log.Skip(&file, "entries without a track name", parsed->without_track);
  bool account = false;
  bool extended = false;
  // Bad entries and plays are reported in file order (strict mode stops at the first bad).
  std::size_t next_bad = 0;
  auto report_bad_before = [&](std::int64_t line) {
    while (next_bad < parsed->bad.size() && parsed->bad[next_bad].line < line) {
      const auto& b = parsed->bad[next_bad++];
      if (!log.Bad(&file, b.line, b.reason)) return false;
    }
    return true;
  };
  for (auto& [line, play] : parsed->plays) {
    if (!report_bad_before(line)) return done();
    (play.export_format == "account" ? account : extended) = true;
    auto match = import.MatchTrack(play.spotify_uri, play.artist_name, play.track_name);
    if (!match.ok()) return match.status();
    play.track_rowid = *match;
    auto outcome = import.AddPlay(play);
    if (!outcome.ok()) {
      if (outcome.status().code() != StatusCode::kInvalidArgument) return outcome.status();
      if (!log.Bad(&file, line, outcome.status().message())) return done();
      continue;
    }
    if (*outcome == PlayOutcome::kDuplicate) {
      log.Skip(&file, "already imported");
      continue;
    }
    ++file.imported;
    if (play.track_rowid) ++*matched;
  }
  if (!report_bad_before(INT64_MAX)) return done();
  file.format = account && extended ? "account+extended"
                : account           ? "account"
                : extended          ? "extended"
                                    : "empty";
  return done();
}

// The file names a Spotify data export gives its listening history: the account data's
// StreamingHistory*.json (StreamingHistory_music_0.json, StreamingHistory0.json) and the
// extended history's Streaming_History_Audio_*.json and endsong_*.json.
bool IsHistoryFileName(const std::string& name) {
  if (name.size() < 5 || name.compare(name.size() - 5, 5, ".json") != 0) return false;
  return name.starts_with("StreamingHistory") || name.starts_with("Streaming_History_Audio_") ||
         name.starts_with("endsong");
}

// A named file as it is; a folder (an unpacked export, say) as the history files under it,
// sorted by path. A folder holding none is refused, naming what was looked for.
void ImportPath(CatalogImport& import, const fs::path& path, ImportLog& log, std::int64_t* matched,
                Status* failure) {
  std::error_code ec;
  if (!fs::is_directory(path, ec)) {
    *failure = ImportOneHistory(import, path, log, matched);
    return;
  }
  std::vector<fs::path> found;
  for (fs::recursive_directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec) && IsHistoryFileName(it->path().filename().string())) {
      found.push_back(it->path());
    }
  }
  ImportFileSummary folder;
  folder.file = path.string();
  if (ec) {
    log.Refuse(&folder, "cannot read the folder: " + ec.message());
    log.FileDone(std::move(folder));
    return;
  }
  if (found.empty()) {
    log.Refuse(&folder,
               "no listening-history files in this folder (looked for StreamingHistory*.json, "
               "Streaming_History_Audio_*.json and endsong*.json)");
    log.FileDone(std::move(folder));
    return;
  }
  std::sort(found.begin(), found.end());
  for (const fs::path& file : found) {
    *failure = ImportOneHistory(import, file, log, matched);
    if (!failure->ok() || log.stopped()) return;
  }
}

}  // namespace

Result<ImportSummary> ImportListeningHistory(Catalog& catalog, const std::vector<fs::path>& files,
                                             const ImportOptions& options) {
  Stopwatch clock;
  if (Status s = import_internal::CheckPathsExist(files); !s.ok()) return s;
  ImportSummary summary;
  ImportLog log(&summary, options);
  auto import = catalog.BeginImport();
  if (!import.ok()) return import.status();
  for (const fs::path& path : files) {
    Status failure;
    ImportPath(**import, path, log, &summary.matched, &failure);
    if (!failure.ok()) return failure;
    if (log.stopped()) break;
  }
  if (log.stopped()) {
    summary.seconds = clock.Seconds();
    return summary;
  }
  auto rematched = (*import)->MatchUnmatchedPlays();
  if (!rematched.ok()) return rematched.status();
  summary.rematched = *rematched;
  if (Status s = (*import)->Commit(); !s.ok()) return s;
  summary.committed = true;
  summary.seconds = clock.Seconds();
  return summary;
}

}  // namespace sonance
