// Book-keeping shared by the importers: problems with a cap, strict mode, timing.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "sonance/catalog/importers.h"

namespace sonance::import_internal {

class ImportLog {
 public:
  ImportLog(ImportSummary* summary, const ImportOptions& options)
      : summary_(summary), options_(options) {}

  // Records a bad row (or a refused file, line 0). Returns false when the import must stop
  // (strict mode).
  bool Bad(ImportFileSummary* file, std::int64_t line, std::string reason) {
    ++file->bad;
    return Problem(file->file, line, std::move(reason));
  }
  bool Refuse(ImportFileSummary* file, std::string reason) {
    file->refused = true;
    return Problem(file->file, 0, std::move(reason));
  }
  void Skip(ImportFileSummary* file, const std::string& reason, std::int64_t n = 1) {
    if (n <= 0) return;
    file->skipped += n;
    file->skip_reasons[reason] += n;
  }
  void FileDone(ImportFileSummary file) {
    if (options_.on_file) options_.on_file(file);
    summary_->files.push_back(std::move(file));
  }
  bool stopped() const { return stopped_; }

 private:
  bool Problem(const std::string& file, std::int64_t line, std::string reason) {
    ++summary_->problem_count;
    if (summary_->problems.size() < options_.max_problems) {
      summary_->problems.push_back({file, line, std::move(reason)});
    }
    if (options_.strict) stopped_ = true;
    return !stopped_;
  }

  ImportSummary* summary_;
  const ImportOptions& options_;
  bool stopped_ = false;
};

class Stopwatch {
 public:
  double Seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// NotFound naming the first path that does not exist.
inline Status CheckPathsExist(const std::vector<std::filesystem::path>& paths) {
  for (const auto& p : paths) {
    std::error_code ec;
    if (!std::filesystem::exists(p, ec)) return Status::NotFound("no such file: " + p.string());
  }
  return Status::Ok();
}

}  // namespace sonance::import_internal
