// Progress reporting for long CLI jobs: a redrawn bar with count, rate and ETA when stderr
// is a terminal, one plain line per finished item otherwise (logs, pipes, CI).
// Not thread-safe: call from one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace sonance::cli {

class ProgressBar {
 public:
  ProgressBar(std::int64_t total, bool interactive);
  // Reports that `done` items are finished; `label` describes the last one.
  void update(std::int64_t done, const std::string& label, bool failed);
  // Clears the bar line (interactive mode) before a summary is printed.
  void finish();

 private:
  std::int64_t total_;
  bool interactive_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_{};
};

bool StderrIsTerminal();

}  // namespace sonance::cli
