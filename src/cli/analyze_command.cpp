// `sonance analyze PATH... [--jobs N]`: bring the catalog up to date with files and folders.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <thread>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/progress_bar.h"
#include "sonance/catalog/catalog.h"
#include "sonance/catalog/library_analyzer.h"

namespace sonance::cli {
namespace {

std::atomic<bool> g_cancel{false};

extern "C" void OnInterrupt(int) {
  if (g_cancel.exchange(true)) {
    // Second signal: the user insists. Committed work is safe in the catalog (WAL).
    static const char kMsg[] = "\nsonance: stopping now\n";
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, kMsg, sizeof kMsg - 1);
    ::_exit(kExitInterrupted);
  }
  static const char kMsg[] =
      "\nsonance: interrupted; finishing the files in progress (Ctrl-C again to stop now)\n";
  [[maybe_unused]] auto n = ::write(STDERR_FILENO, kMsg, sizeof kMsg - 1);
}

struct AnalyzeOptions {
  std::vector<std::string> paths;
  int jobs = 0;
  bool force = false;
  bool quiet = false;
  CatalogOption catalog;
};

int RunAnalyze(const AnalyzeOptions& o) {
  int exit_code = kExitOk;
  auto catalog = OpenCatalogOrReport(o.catalog, /*must_exist=*/false, &exit_code);
  if (!catalog) return exit_code;
  std::vector<std::filesystem::path> paths(o.paths.begin(), o.paths.end());

  struct sigaction sa {};
  sa.sa_handler = OnInterrupt;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);

  LibraryAnalyzerOptions options;
  options.jobs = o.jobs;
  options.force = o.force;
  LibraryAnalyzer analyzer(catalog.get(), options);
  std::unique_ptr<ProgressBar> bar;
  const bool interactive = StderrIsTerminal();
  auto result = analyzer.run(paths, &g_cancel, [&](const LibraryProgress& p) {
    if (o.quiet) return;
    if (!bar) bar = std::make_unique<ProgressBar>(p.total, interactive);
    const bool failed = p.last->kind == FileOutcome::Kind::kFailed;
    std::string label = p.last->path;
    if (failed) label += " (" + p.last->reason + ")";
    bar->update(p.done, label, failed);
  });
  if (bar) bar->finish();
  if (!result.ok()) {
    std::fprintf(stderr, "sonance: %s\n", result.status().ToString().c_str());
    return result.status().code() == StatusCode::kNotFound ? kExitNotFound : kExitCatalog;
  }
  const LibraryRunSummary& s = *result;
  const double speed = s.seconds > 0 ? s.audio_seconds / s.seconds : 0.0;
  std::fprintf(stderr,
               "%s: %lld found, %lld analyzed, %lld skipped (unchanged), %lld failed, "
               "%lld marked missing in %.1f s (%.0fx real time)\n",
               s.cancelled ? "interrupted" : "done", static_cast<long long>(s.found),
               static_cast<long long>(s.analyzed), static_cast<long long>(s.skipped),
               static_cast<long long>(s.failed), static_cast<long long>(s.missing), s.seconds,
               speed);
  if (!s.cancelled && s.analyzed > 0 && !VectorizeAfterIngest(*catalog, o.quiet)) {
    return kExitFailure;
  }
  if (s.cancelled) {
    std::fprintf(stderr, "%lld files left; run the same command again to resume.\n",
                 static_cast<long long>(s.remaining));
    return kExitInterrupted;
  }
  if (s.failed > 0) {
    std::fprintf(stderr, "see the failures with: sonance tracks --state failed\n");
    return kExitSomeFailed;
  }
  return kExitOk;
}

}  // namespace

std::function<int()> AddAnalyzeCommand(CLI::App& app) {
  auto o = std::make_shared<AnalyzeOptions>();
  CLI::App* cmd = app.add_subcommand(
      "analyze",
      "Analyse audio files and folders (recursively) into the catalog. Unchanged files are\n"
      "skipped, changed files re-analysed, deleted files marked missing; an interrupted run\n"
      "keeps what it finished and the next run resumes.");
  cmd->add_option("paths", o->paths, "Audio files or folders")->required();
  cmd->add_option("-j,--jobs", o->jobs, "Worker threads (default: all cores)")
      ->check(CLI::Range(1, 256));
  cmd->add_flag("--force", o->force, "Re-analyse unchanged files too");
  cmd->add_flag("-q,--quiet", o->quiet, "No progress output, only the summary");
  AddCatalogOption(cmd, &o->catalog);
  return [o] { return RunAnalyze(*o); };
}

}  // namespace sonance::cli
