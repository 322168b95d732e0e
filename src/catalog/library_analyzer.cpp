#include "sonance/catalog/library_analyzer.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

#include "sonance/analysis/track_analyzer.h"
#include "sonance/audio/decoder.h"
#include "sonance/audio/fingerprint.h"
#include "sonance/audio/tags.h"

namespace sonance {
namespace fs = std::filesystem;

const std::vector<std::string>& AudioExtensions() {
  static const std::vector<std::string> kExt = {
      ".mp3", ".ogg", ".oga", ".opus", ".flac", ".wav", ".wave", ".aif", ".aiff", ".aifc",
      ".m4a", ".mp4", ".aac", ".alac", ".wma", ".ape", ".wv", ".mka", ".webm", ".mpc"};
  return kExt;
}

namespace {

bool HasAudioExtension(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const auto& all = AudioExtensions();
  return std::find(all.begin(), all.end(), ext) != all.end();
}

// A finished unit of work, handed from a worker to the storing thread.
struct WorkResult {
  FileStat stat;
  std::string content_hash;
  std::optional<TrackTags> tags;
  std::optional<TrackAnalysis> analysis;
  std::string fingerprint;  // "" when the audio could not be fingerprinted
  FileOutcome outcome;
};

// Chromaprint fingerprint of the decoded audio as stored text. A fingerprint is an extra, not
// part of the analysis: when it cannot be computed (too short, Chromaprint refuses) the track
// is still analysed, with no fingerprint.
std::string FingerprintText(const AudioBuffer& audio) {
  auto raw = ComputeFingerprint(audio.samples, audio.sample_rate);
  return raw.ok() ? EncodeFingerprint(*raw) : std::string();
}

WorkResult ProcessFile(const FileStat& stat, const TrackAnalyzer& analyzer) {
  const auto t0 = std::chrono::steady_clock::now();
  WorkResult r;
  r.stat = stat;
  r.outcome.path = stat.path;
  auto fail = [&](const Status& s) {
    r.outcome.kind = FileOutcome::Kind::kFailed;
    r.outcome.reason = s.ToString();
  };
  if (auto h = HashFile(stat.path); h.ok()) {
    r.content_hash = *h;
  } else {
    fail(h.status());
    return r;
  }
  auto decoded = DecodeFile(stat.path);
  if (!decoded.ok()) {
    fail(decoded.status());
  } else {
    r.outcome.audio_seconds = decoded->audio.duration_seconds();
    r.fingerprint = FingerprintText(decoded->audio);
    auto analysis = analyzer.analyze(decoded->audio);
    if (!analysis.ok()) {
      fail(analysis.status());
    } else {
      r.analysis = std::move(analysis).value();
      auto tags = ReadTags(stat.path);
      r.tags = tags.ok() ? *tags : TrackTags{};
      if (r.tags->title.empty()) r.tags->title = fs::path(stat.path).stem().string();
    }
  }
  r.outcome.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace

Result<LibraryRunSummary> LibraryAnalyzer::run(const std::vector<fs::path>& paths,
                                               const std::atomic<bool>* cancel,
                                               const ProgressFn& progress) {
  const auto t0 = std::chrono::steady_clock::now();
  LibraryRunSummary summary;

  // 1. Collect files, deterministically ordered.
  std::vector<fs::path> files;
  std::vector<fs::path> roots;
  for (const auto& p : paths) {
    std::error_code ec;
    const auto st = fs::status(p, ec);
    if (ec || !fs::exists(st)) return Status::NotFound("no such file or folder: " + p.string());
    if (fs::is_directory(st)) {
      roots.push_back(fs::absolute(p).lexically_normal());
      for (auto it = fs::recursive_directory_iterator(
               p, fs::directory_options::skip_permission_denied, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec) && HasAudioExtension(it->path())) files.push_back(it->path());
      }
      if (ec) return Status::IOError("cannot read folder " + p.string() + ": " + ec.message());
    } else {
      files.push_back(p);
    }
  }
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  summary.found = static_cast<std::int64_t>(files.size());

  // 2. Decide what needs work.
  std::deque<FileStat> todo;
  for (const auto& f : files) {
    auto stat = StatFile(f);
    if (!stat.ok()) {
      FileStat bare{fs::absolute(f).lexically_normal().string(), 0, 0};
      if (Status s = catalog_->StoreFailure(bare, "", stat.status().ToString()); !s.ok()) return s;
      ++summary.failed;
      continue;
    }
    if (!options_.force) {
      auto needs = catalog_->NeedsAnalysis(*stat);
      if (!needs.ok()) return needs.status();
      if (!*needs) {
        ++summary.skipped;
        continue;
      }
    }
    todo.push_back(*stat);
  }

  // 3. Analyse on worker threads; store on this thread as results arrive.
  const int jobs = options_.jobs > 0
                       ? options_.jobs
                       : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  const std::int64_t total = static_cast<std::int64_t>(todo.size());
  std::mutex mu;
  std::condition_variable cv;
  std::deque<WorkResult> results;
  int running = 0;
  const TrackAnalyzer analyzer;
  auto cancelled = [&] { return cancel != nullptr && cancel->load(); };

  std::vector<std::thread> workers;
  const int nthreads = static_cast<int>(std::min<std::int64_t>(jobs, std::max<std::int64_t>(total, 1)));
  running = nthreads;
  for (int w = 0; w < nthreads; ++w) {
    workers.emplace_back([&] {
      for (;;) {
        FileStat next;
        {
          std::lock_guard lock(mu);
          if (todo.empty() || cancelled()) break;
          next = std::move(todo.front());
          todo.pop_front();
        }
        WorkResult r = ProcessFile(next, analyzer);
        std::lock_guard lock(mu);
        results.push_back(std::move(r));
        cv.notify_all();
      }
      std::lock_guard lock(mu);
      --running;
      cv.notify_all();
    });
  }

  Status store_error;
  LibraryProgress prog{0, total, nullptr};
  for (;;) {
    std::unique_lock lock(mu);
    cv.wait_for(lock, std::chrono::milliseconds(200),
                [&] { return !results.empty() || running == 0; });
    if (results.empty()) {
      if (running == 0) break;
      continue;
    }
    WorkResult r = std::move(results.front());
    results.pop_front();
    lock.unlock();
    if (!store_error.ok()) continue;  // drain workers after a storage failure
    Status s;
    if (r.analysis) {
      s = catalog_->StoreAnalysis(r.stat, r.content_hash, *r.tags, *r.analysis, r.fingerprint);
      if (s.ok()) {
        ++summary.analyzed;
        summary.audio_seconds += r.outcome.audio_seconds;
      } else if (s.code() == StatusCode::kInvalidArgument) {
        // The catalog refused this track's values (e.g. a non-finite feature): a failure of
        // this file, not of the run.
        r.outcome.kind = FileOutcome::Kind::kFailed;
        r.outcome.reason = s.ToString();
        s = catalog_->StoreFailure(r.stat, r.content_hash, r.outcome.reason);
        if (s.ok()) ++summary.failed;
      }
    } else {
      s = catalog_->StoreFailure(r.stat, r.content_hash, r.outcome.reason);
      if (s.ok()) ++summary.failed;
    }
    if (!s.ok()) {
      store_error = s;
      std::lock_guard stop(mu);
      todo.clear();
      continue;
    }
    ++prog.done;
    prog.last = &r.outcome;
    if (progress) progress(prog);
  }
  for (auto& t : workers) t.join();
  if (!store_error.ok()) return store_error;

  summary.remaining = static_cast<std::int64_t>(todo.size());
  summary.cancelled = cancelled() && summary.remaining > 0;

  // 4. Files that disappeared from the folders we walked.
  if (!roots.empty() && !summary.cancelled) {
    auto missing = catalog_->MarkMissing(roots);
    if (!missing.ok()) return missing.status();
    summary.missing = *missing;
  }
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return summary;
}

}  // namespace sonance
