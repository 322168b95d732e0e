// ImportLyrics (importers.h): .lrc/.txt files and embedded lyrics tags into the catalog, in
// one transaction.
#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "import_log.h"
#include "sonance/catalog/importers.h"
#include "sonance/catalog/library_analyzer.h"
#include "sonance/catalog/lyrics.h"
#include "sonance/catalog/text_decoding.h"

namespace sonance {
namespace {

namespace fs = std::filesystem;
using import_internal::ImportLog;
using import_internal::Stopwatch;

std::string LowerExtension(const fs::path& p) {
  std::string ext = p.extension().string();
  for (char& c : ext) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return ext;
}

bool IsLyricsFile(const fs::path& p) {
  const std::string ext = LowerExtension(p);
  return ext == ".lrc" || ext == ".txt";
}

bool IsAudioFile(const fs::path& p) {
  const auto& exts = AudioExtensions();
  return std::find(exts.begin(), exts.end(), LowerExtension(p)) != exts.end();
}

std::string Stem(const fs::path& p) {
  fs::path s = p;
  s.replace_extension();
  return s.string();
}

// One source of lyrics for a track; the best wins.
struct Candidate {
  TrackLyrics lyrics;
  bool timed = false;
  int kind = 0;         // 0 .lrc file, 1 .txt file, 2 embedded tags (lower is preferred)
  std::size_t arg = 0;  // the command-line path it was found under
};

bool Better(const Candidate& a, const Candidate& b) {
  if (a.timed != b.timed) return a.timed;
  return a.kind < b.kind;
}

struct TrackRef {
  std::int64_t rowid = 0;
  std::string path;
  std::vector<Candidate> candidates;
};

struct LyricsFile {
  fs::path path;
  std::size_t arg = 0;
  bool named = false;  // named on the command line (not found in a folder)
};

struct Plan {
  std::map<std::string, TrackRef> tracks;  // by path stem
  std::vector<LyricsFile> lyrics_files;
  std::vector<std::pair<fs::path, std::size_t>> audio_files;  // (path, arg)
  std::vector<bool> audio_named;
};

std::string NormalPath(const fs::path& p) {
  std::error_code ec;
  const fs::path abs = fs::absolute(p, ec);
  return (ec ? p : abs).lexically_normal().string();
}

}  // namespace

Result<ImportSummary> ImportLyrics(Catalog& catalog, const std::vector<fs::path>& paths,
                                   const ImportOptions& options) {
  Stopwatch clock;
  if (Status s = import_internal::CheckPathsExist(paths); !s.ok()) return s;
  ImportSummary summary;
  ImportLog log(&summary, options);
  std::vector<ImportFileSummary> files(paths.size());

  // ---- 1. what is there: lyrics files and catalog tracks (no transaction yet) ----------
  Plan plan;
  for (std::size_t a = 0; a < paths.size(); ++a) {
    files[a].file = paths[a].string();
    std::error_code ec;
    if (fs::is_directory(paths[a], ec)) {
      files[a].format = "folder";
      for (auto it = fs::recursive_directory_iterator(
               paths[a], fs::directory_options::skip_permission_denied, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        std::error_code fec;
        if (!it->is_regular_file(fec)) continue;
        if (IsLyricsFile(it->path())) {
          plan.lyrics_files.push_back({NormalPath(it->path()), a, false});
        } else if (IsAudioFile(it->path())) {
          plan.audio_files.emplace_back(NormalPath(it->path()), a);
          plan.audio_named.push_back(false);
        }
      }
      if (ec) {
        log.Refuse(&files[a], "cannot read the folder: " + ec.message());
        if (log.stopped()) break;
      }
    } else if (IsLyricsFile(paths[a])) {
      files[a].format = LowerExtension(paths[a]).substr(1);
      plan.lyrics_files.push_back({NormalPath(paths[a]), a, true});
    } else {
      files[a].format = "audio";
      plan.audio_files.emplace_back(NormalPath(paths[a]), a);
      plan.audio_named.push_back(true);
    }
  }

  auto find_track = [&](const std::string& path) -> Result<std::optional<std::int64_t>> {
    auto t = catalog.FindTrack(path);
    if (!t.ok()) return t.status();
    if (!t->has_value() || (*t)->path != path) return std::optional<std::int64_t>();
    return std::optional<std::int64_t>((*t)->rowid);
  };

  for (std::size_t i = 0; i < plan.audio_files.size() && !log.stopped(); ++i) {
    const auto& [path, a] = plan.audio_files[i];
    auto rowid = find_track(path.string());
    if (!rowid.ok()) return rowid.status();
    if (!*rowid) {
      if (plan.audio_named[i]) {
        log.Bad(&files[a], 0, path.string() + " is not in the catalog (analyse it first)");
      }
      continue;
    }
    TrackRef& ref = plan.tracks[Stem(path)];
    ref.rowid = **rowid;
    ref.path = path.string();
    ++files[a].rows;
    auto embedded = ReadEmbeddedLyrics(path);
    if (!embedded.ok()) {
      log.Skip(&files[a], "audio files whose tags cannot be read");
      continue;
    }
    if (*embedded) {
      Candidate c;
      c.lyrics = std::move(**embedded);
      c.timed = std::any_of(c.lyrics.lines.begin(), c.lyrics.lines.end(),
                            [](const LyricLine& l) { return l.time_ms.has_value(); });
      c.kind = 2;
      c.arg = a;
      ref.candidates.push_back(std::move(c));
    }
  }

  // Lyrics files: parse, then attach to the track of the same name (found above, or an
  // audio file beside it in the catalog); .lrc files with [ar:]/[ti:] wait for step 2.
  struct ByName {
    Candidate candidate;
    std::string artist, title;
    const LyricsFile* file;
  };
  std::vector<ByName> by_name;
  for (const LyricsFile& lf : plan.lyrics_files) {
    if (log.stopped()) break;
    ImportFileSummary& fsum = files[lf.arg];
    const std::string stem = Stem(lf.path);
    const bool lrc = LowerExtension(lf.path) == ".lrc";
    auto it = plan.tracks.find(stem);
    if (it == plan.tracks.end()) {
      for (const std::string& ext : AudioExtensions()) {
        std::error_code ec;
        const std::string sibling = stem + ext;
        if (!fs::exists(sibling, ec)) continue;
        auto rowid = find_track(sibling);
        if (!rowid.ok()) return rowid.status();
        if (!*rowid) continue;
        it = plan.tracks.emplace(stem, TrackRef{**rowid, sibling, {}}).first;
        break;
      }
    }
    if (it == plan.tracks.end() && !lrc && !lf.named) {
      log.Skip(&fsum, ".txt files with no catalog track beside them");
      continue;
    }
    ++fsum.rows;
    auto text = ReadTextFile(lf.path);
    if (!text.ok()) {
      log.Bad(&fsum, 0, lf.path.string() + ": " + text.status().message());
      continue;
    }
    Candidate c;
    c.kind = lrc ? 0 : 1;
    c.arg = lf.arg;
    c.lyrics.source = lrc ? "lrc" : "txt";
    LrcDocument doc;
    if (lrc || HasLrcTimestamps(text->text)) {
      doc = ParseLrc(text->text);
      c.lyrics.lines = std::move(doc.lines);
      c.timed = doc.timed;
    } else {
      c.lyrics.lines = ParsePlainLyrics(text->text);
    }
    if (c.lyrics.lines.empty()) {
      log.Skip(&fsum, "files without lyrics");
      continue;
    }
    if (it != plan.tracks.end()) {
      it->second.candidates.push_back(std::move(c));
    } else if (!doc.title.empty()) {
      by_name.push_back({std::move(c), doc.artist, doc.title, &lf});
    } else if (lf.named) {
      log.Bad(&fsum, 0,
              lf.path.string() + ": no catalog track (no audio file beside it, no [ti:] tag)");
    } else {
      log.Skip(&fsum, "lyrics files with no catalog track");
    }
  }
  if (log.stopped()) {
    summary.seconds = clock.Seconds();
    for (auto& f : files) log.FileDone(std::move(f));
    return summary;
  }

  // ---- 2. one transaction: match by tags, store the best lyrics of each track ----------
  auto import = catalog.BeginImport();
  if (!import.ok()) return import.status();
  std::map<std::int64_t, TrackRef*> by_rowid;
  for (auto& [stem, ref] : plan.tracks) by_rowid[ref.rowid] = &ref;
  std::map<std::int64_t, TrackRef> matched_by_name;
  for (ByName& b : by_name) {
    auto rowid = (*import)->MatchTrack("", b.artist, b.title);
    if (!rowid.ok()) return rowid.status();
    ImportFileSummary& fsum = files[b.file->arg];
    if (!*rowid) {
      const std::string reason =
          b.file->path.string() + ": no catalog track is \"" + b.artist + " - " + b.title + "\"";
      if (b.file->named) {
        if (!log.Bad(&fsum, 0, reason)) break;
      } else {
        log.Skip(&fsum, "lyrics files with no catalog track");
      }
      continue;
    }
    ++summary.matched;
    TrackRef* ref = nullptr;
    if (auto it = by_rowid.find(**rowid); it != by_rowid.end()) {
      ref = it->second;
    } else {
      ref = &matched_by_name[**rowid];
      ref->rowid = **rowid;
      by_rowid[**rowid] = ref;
    }
    ref->candidates.push_back(std::move(b.candidate));
  }
  if (!log.stopped()) {
    for (auto& [rowid, ref] : by_rowid) {
      if (ref->candidates.empty()) continue;
      const auto best =
          std::min_element(ref->candidates.begin(), ref->candidates.end(),
                           [](const Candidate& a, const Candidate& b) { return Better(a, b); });
      if (Status s = (*import)->PutLyrics(rowid, best->lyrics); !s.ok()) return s;
      ++files[best->arg].imported;
    }
  }
  // Paths share the work (a lyrics file may belong to a track found under another path):
  // each reports the time of the whole import.
  for (std::size_t a = 0; a < files.size(); ++a) {
    files[a].seconds = clock.Seconds();
    log.FileDone(std::move(files[a]));
  }
  if (log.stopped()) {
    summary.seconds = clock.Seconds();
    return summary;
  }
  if (Status s = (*import)->Commit(); !s.ok()) return s;
  summary.committed = true;
  summary.seconds = clock.Seconds();
  return summary;
}

}  // namespace sonance
