// `sonance import tracks|lyrics|history PATH...`: bring outside data into the catalog.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "sonance/catalog/catalog.h"
#include "sonance/catalog/importers.h"

namespace sonance::cli {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kProblemsShown = 20;

enum class ImportKind { kTracks, kLyrics, kHistory };

struct ImportCommandOptions {
  std::vector<std::string> paths;
  bool strict = false;
  bool quiet = false;
  CatalogOption catalog;
};

std::string Plural(std::int64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string SkipDetails(const ImportFileSummary& f) {
  if (f.skip_reasons.empty()) return {};
  std::string s = " (";
  bool first = true;
  for (const auto& [reason, n] : f.skip_reasons) {
    s += (first ? "" : ", ") + reason + ": " + std::to_string(n);
    first = false;
  }
  return s + ")";
}

void PrintFile(ImportKind kind, const ImportFileSummary& f) {
  std::string what;
  if (f.refused) {
    what = "not imported";
  } else if (kind == ImportKind::kTracks) {
    what = std::to_string(f.imported) + " imported, " + std::to_string(f.updated) + " updated, " +
           std::to_string(f.skipped) + " skipped" + SkipDetails(f) + ", " + std::to_string(f.bad) +
           " bad of " + Plural(f.rows, "row", "rows");
  } else if (kind == ImportKind::kHistory) {
    what = Plural(f.imported, "play", "plays") + " imported, " + std::to_string(f.skipped) +
           " skipped" + SkipDetails(f) + ", " + std::to_string(f.bad) + " bad of " +
           Plural(f.rows, "entry", "entries");
  } else {
    what = Plural(f.imported, "track", "tracks") + " given lyrics, " + std::to_string(f.skipped) +
           " skipped" + SkipDetails(f) + ", " + std::to_string(f.bad) + " bad";
  }
  std::string format = f.format;
  if (!f.encoding.empty()) format += (format.empty() ? "" : ", ") + f.encoding;
  if (!format.empty()) format = "[" + format + "] ";
  std::fprintf(stderr, "%s: %s%s (%.2f s)\n", f.file.c_str(), format.c_str(), what.c_str(),
               f.seconds);
}

int RunImport(ImportKind kind, const ImportCommandOptions& o) {
  const fs::path db = o.catalog.path.empty() ? Catalog::DefaultPath() : fs::path(o.catalog.path);
  // Name a missing input before creating a catalog for nothing.
  for (const std::string& p : o.paths) {
    std::error_code ec;
    if (!fs::exists(p, ec)) {
      std::fprintf(stderr, "sonance: no such file: %s\n", p.c_str());
      return kExitNotFound;
    }
  }
  auto catalog = Catalog::Open(db);
  if (!catalog.ok()) {
    std::fprintf(stderr, "sonance: cannot open catalog %s: %s\n", db.c_str(),
                 catalog.status().ToString().c_str());
    return kExitCatalog;
  }
  ImportOptions options;
  options.strict = o.strict;
  options.max_problems = kProblemsShown;
  if (!o.quiet) options.on_file = [kind](const ImportFileSummary& f) { PrintFile(kind, f); };
  const std::vector<fs::path> paths(o.paths.begin(), o.paths.end());
  Result<ImportSummary> result =
      kind == ImportKind::kTracks   ? ImportTrackTables(**catalog, paths, options)
      : kind == ImportKind::kLyrics ? ImportLyrics(**catalog, paths, options)
                                    : ImportListeningHistory(**catalog, paths, options);
  if (!result.ok()) {
    std::fprintf(stderr, "sonance: %s\n", result.status().ToString().c_str());
    if (result.status().code() == StatusCode::kNotFound) return kExitNotFound;
    return kExitCatalog;
  }
  const ImportSummary& s = *result;
  for (const ImportProblem& p : s.problems) {
    if (p.line > 0) {
      std::fprintf(stderr, "%s:%lld: %s\n", p.file.c_str(), static_cast<long long>(p.line),
                   p.reason.c_str());
    } else {
      std::fprintf(stderr, "%s: %s\n", p.file.c_str(), p.reason.c_str());
    }
  }
  if (s.problem_count > static_cast<std::int64_t>(s.problems.size())) {
    std::fprintf(
        stderr, "... and %lld more problems\n",
        static_cast<long long>(s.problem_count - static_cast<std::int64_t>(s.problems.size())));
  }
  const long long imported = s.Total(&ImportFileSummary::imported);
  const long long updated = s.Total(&ImportFileSummary::updated);
  const long long skipped = s.Total(&ImportFileSummary::skipped);
  const long long bad = s.Total(&ImportFileSummary::bad);
  if (!s.committed) {
    std::fprintf(stderr, "stopped at the first problem (--strict): nothing was imported (%.2f s)\n",
                 s.seconds);
    return kExitSomeFailed;
  }
  switch (kind) {
    case ImportKind::kTracks:
      std::fprintf(stderr, "done: %lld imported, %lld updated, %lld skipped, %lld bad", imported,
                   updated, skipped, bad);
      break;
    case ImportKind::kLyrics:
      std::fprintf(
          stderr,
          "done: %lld tracks given lyrics (%lld by [ar:]/[ti:] tags), %lld skipped, %lld bad",
          imported, static_cast<long long>(s.matched), skipped, bad);
      break;
    case ImportKind::kHistory:
      std::fprintf(stderr,
                   "done: %lld plays imported (%lld matched to a track), %lld skipped, %lld bad",
                   imported, static_cast<long long>(s.matched), skipped, bad);
      break;
  }
  if (s.rematched > 0) {
    std::fprintf(stderr, "; %lld earlier plays matched", static_cast<long long>(s.rematched));
  }
  const auto refused = std::count_if(s.files.begin(), s.files.end(),
                                     [](const ImportFileSummary& f) { return f.refused; });
  if (refused > 0) {
    std::fprintf(stderr, "; %s not imported", Plural(refused, "path", "paths").c_str());
  }
  std::fprintf(stderr, " in %.2f s\n", s.seconds);
  if (kind != ImportKind::kHistory && (imported > 0 || updated > 0) &&
      !VectorizeAfterIngest(**catalog, o.quiet)) {
    return kExitFailure;
  }
  return s.problem_count > 0 ? kExitSomeFailed : kExitOk;
}

CLI::App* AddKind(CLI::App* parent, const char* name, const char* help, const char* paths_help,
                  ImportCommandOptions* o) {
  CLI::App* cmd = parent->add_subcommand(name, help);
  cmd->add_option("paths", o->paths, paths_help)->required();
  cmd->add_flag("--strict", o->strict,
                "Stop at the first bad row or file and import nothing (exit 3)");
  cmd->add_flag("-q,--quiet", o->quiet, "No line per file, only problems and the summary");
  AddCatalogOption(cmd, &o->catalog);
  return cmd;
}

}  // namespace

std::function<int()> AddImportCommand(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand(
      "import",
      "Import tables of tracks (CSV), lyrics or a listening history into the catalog.\n"
      "Each import is one transaction: all of it is stored, or nothing. See docs/importing.md.");
  cmd->require_subcommand(1);
  auto tracks = std::make_shared<ImportCommandOptions>();
  auto lyrics = std::make_shared<ImportCommandOptions>();
  auto history = std::make_shared<ImportCommandOptions>();
  CLI::App* tracks_cmd = AddKind(
      cmd, "tracks",
      "Import CSV tables of tracks (the public Spotify datasets' layouts: track_id, artists,\n"
      "track_name, popularity, audio features...). Tracks are stored as imported, not analysed.",
      "CSV files", tracks.get());
  CLI::App* lyrics_cmd = AddKind(
      cmd, "lyrics",
      "Import lyrics: .lrc and .txt files beside catalog tracks' audio files (same name), .lrc\n"
      "files matched by their [ar:]/[ti:] tags, and lyrics tags embedded in the audio files.",
      "Lyrics files, audio files or folders (walked recursively)", lyrics.get());
  CLI::App* history_cmd =
      AddKind(cmd, "history",
              "Import a Spotify listening history: StreamingHistory*.json (account data) and\n"
              "endsong_*.json / Streaming_History_Audio_*.json (extended streaming history),\n"
              "or the unpacked export's folder.",
              "JSON files of the export, or folders holding them", history.get());
  return [=] {
    if (tracks_cmd->parsed()) return RunImport(ImportKind::kTracks, *tracks);
    if (lyrics_cmd->parsed()) return RunImport(ImportKind::kLyrics, *lyrics);
    if (history_cmd->parsed()) return RunImport(ImportKind::kHistory, *history);
    return static_cast<int>(kExitUsage);
  };
}

}  // namespace sonance::cli
