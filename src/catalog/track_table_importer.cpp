// ImportTrackTables (importers.h): CSV tables of tracks into the catalog, in one transaction.
#include <algorithm>
#include <string>
#include <unordered_map>
#include <vector>

#include "import_log.h"
#include "sonance/catalog/csv_reader.h"
#include "sonance/catalog/importers.h"
#include "sonance/catalog/text_decoding.h"
#include "sonance/catalog/track_table.h"
#include "sonance/common/name_match.h"

namespace sonance {
namespace {

namespace fs = std::filesystem;
using import_internal::ImportLog;
using import_internal::Stopwatch;

// The same track listed under several genres (the public track tables repeat a track once
// per genre) keeps all of them, "a; b", in the order first seen; re-importing gives the same.
class GenreMerger {
 public:
  void Merge(ImportedTrack* t) {
    if (t->tags.genre.empty()) return;
    std::string key = t->spotify_id;
    if (key.empty()) {
      key = NormalizeName(t->tags.artists.empty() ? "" : t->tags.artists.front()) + "/" +
            NormalizeName(t->tags.title);
    }
    std::vector<std::string>& genres = seen_[key];
    if (std::find(genres.begin(), genres.end(), t->tags.genre) == genres.end()) {
      genres.push_back(t->tags.genre);
    }
    std::string joined;
    for (const std::string& g : genres) joined += (joined.empty() ? "" : "; ") + g;
    t->tags.genre = std::move(joined);
  }

 private:
  std::unordered_map<std::string, std::vector<std::string>> seen_;
};

// Imports one file into `import`; returns an error only when the catalog fails.
Status ImportOneTable(CatalogImport& import, const fs::path& path, GenreMerger& genres,
                      ImportLog& log) {
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
  CsvReader reader(text->text, GuessCsvDelimiter(text->text));
  CsvRecord record;
  if (!reader.Next(&record)) {
    log.Refuse(&file, "empty file: no header row");
    return done();
  }
  if (!record.error.empty()) {
    log.Refuse(&file, "the header row is malformed: " + record.error);
    return done();
  }
  auto mapper = TrackTableMapper::FromHeader(record.fields);
  if (!mapper.ok()) {
    log.Refuse(&file, mapper.status().message());
    return done();
  }
  file.format = mapper->layout();
  while (reader.Next(&record)) {
    ++file.rows;
    if (!record.error.empty()) {
      if (!log.Bad(&file, record.line, record.error)) break;
      continue;
    }
    auto track = mapper->Map(record.fields);
    if (!track.ok()) {
      if (!log.Bad(&file, record.line, track.status().message())) break;
      continue;
    }
    genres.Merge(&*track);
    auto outcome = import.PutTrack(*track);
    if (!outcome.ok()) {
      if (outcome.status().code() != StatusCode::kInvalidArgument) return outcome.status();
      if (!log.Bad(&file, record.line, outcome.status().message())) break;
      continue;
    }
    switch (*outcome) {
      case ImportOutcome::kInserted:
        ++file.imported;
        break;
      case ImportOutcome::kUpdated:
        ++file.updated;
        break;
      case ImportOutcome::kSkippedAnalyzed:
        log.Skip(&file, "the id belongs to an analysed track");
        break;
    }
  }
  return done();
}

}  // namespace

Result<ImportSummary> ImportTrackTables(Catalog& catalog, const std::vector<fs::path>& files,
                                        const ImportOptions& options) {
  Stopwatch clock;
  if (Status s = import_internal::CheckPathsExist(files); !s.ok()) return s;
  ImportSummary summary;
  ImportLog log(&summary, options);
  auto import = catalog.BeginImport();
  if (!import.ok()) return import.status();
  GenreMerger genres;
  for (const fs::path& path : files) {
    if (Status s = ImportOneTable(**import, path, genres, log); !s.ok()) return s;
    if (log.stopped()) break;
  }
  if (log.stopped()) {
    summary.seconds = clock.Seconds();
    return summary;  // `import` rolls back as it goes out of scope
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
