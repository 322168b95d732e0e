#include "cli/progress_bar.h"

#include <unistd.h>

#include <cstdio>

namespace sonance::cli {

bool StderrIsTerminal() {
  return ::isatty(STDERR_FILENO) == 1;
}

ProgressBar::ProgressBar(std::int64_t total, bool interactive)
    : total_(total), interactive_(interactive), start_(std::chrono::steady_clock::now()) {}

namespace {
std::string Clock(double seconds) {
  if (seconds < 0 || seconds > 99 * 3600) return "--:--";
  const long s = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  }
  return buf;
}
}  // namespace

void ProgressBar::update(std::int64_t done, const std::string& label, bool failed) {
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double rate = elapsed > 0 ? done / elapsed : 0.0;
  const double eta = rate > 0 ? (total_ - done) / rate : -1.0;
  if (!interactive_) {
    std::fprintf(stderr, "[%lld/%lld] %s %s\n", static_cast<long long>(done),
                 static_cast<long long>(total_), failed ? "failed" : "analyzed", label.c_str());
    return;
  }
  // Redraw at most 10 times a second, and always for the last item.
  if (done < total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  constexpr int kWidth = 28;
  const int filled = total_ > 0 ? static_cast<int>(kWidth * done / total_) : kWidth;
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(kWidth, '-');
  std::string name = label;
  if (name.size() > 40) name = "..." + name.substr(name.size() - 37);
  std::fprintf(stderr, "\r\033[K[%s] %lld/%lld  %.1f files/s  ETA %s  %s", bar.c_str(),
               static_cast<long long>(done), static_cast<long long>(total_), rate,
               Clock(eta).c_str(), name.c_str());
  std::fflush(stderr);
}

void ProgressBar::finish() {
  if (interactive_) std::fprintf(stderr, "\r\033[K");
}

}  // namespace sonance::cli
