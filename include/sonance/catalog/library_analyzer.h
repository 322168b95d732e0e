// LibraryAnalyzer: brings a catalog up to date with a set of files and folders.
//
// run() walks the given paths (folders recursively, keeping files with a known audio
// extension; files named explicitly are always tried), skips files the catalog already
// holds unchanged, decodes and analyses the rest on `jobs` worker threads and stores each
// result (or failure, with its reason) in its own transaction as soon as it is ready, so an
// interrupted run loses nothing already stored and the next run resumes. Tracks under the
// given folders whose files are gone are marked missing. The caller owns the Catalog; the
// analyzer only borrows it for the duration of run(). Cancellation: set *cancel to true from
// any thread (e.g. a signal handler's flag); in-flight files finish and are stored.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "sonance/catalog/catalog.h"
#include "sonance/common/status.h"

namespace sonance {

struct LibraryAnalyzerOptions {
  int jobs = 0;        // worker threads; 0 = all cores
  bool force = false;  // re-analyse unchanged files too
};

// One finished file, reported to the progress callback (called on the caller's thread).
struct FileOutcome {
  enum class Kind { kAnalyzed, kFailed } kind = Kind::kAnalyzed;
  std::string path;
  std::string reason;           // for kFailed
  double seconds = 0.0;         // wall time to decode + analyse
  double audio_seconds = 0.0;   // duration of the decoded audio
};

struct LibraryRunSummary {
  std::int64_t found = 0;      // audio files found under the paths
  std::int64_t skipped = 0;    // unchanged, not re-analysed
  std::int64_t analyzed = 0;
  std::int64_t failed = 0;
  std::int64_t missing = 0;    // newly marked missing
  std::int64_t remaining = 0;  // not processed because the run was cancelled
  bool cancelled = false;
  double seconds = 0.0;
  double audio_seconds = 0.0;  // total duration of the analysed audio
};

struct LibraryProgress {
  std::int64_t done = 0;   // processed in this run (analysed + failed)
  std::int64_t total = 0;  // to process in this run
  const FileOutcome* last = nullptr;
};

// Lower-case extensions (with the dot) treated as audio when walking folders.
const std::vector<std::string>& AudioExtensions();

class LibraryAnalyzer {
 public:
  using ProgressFn = std::function<void(const LibraryProgress&)>;

  LibraryAnalyzer(Catalog* catalog, LibraryAnalyzerOptions options)
      : catalog_(catalog), options_(options) {}

  // NotFound when one of `paths` does not exist (nothing is analysed then); IOError when the
  // catalog cannot be written. Per-file problems are failures in the summary, not errors.
  Result<LibraryRunSummary> run(const std::vector<std::filesystem::path>& paths,
                                const std::atomic<bool>* cancel, const ProgressFn& progress);

 private:
  Catalog* catalog_;
  LibraryAnalyzerOptions options_;
};

}  // namespace sonance
