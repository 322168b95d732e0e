#include "sonance/server/server_log.h"

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>

namespace sonance {

std::string LogfmtValue(const std::string& v) {
  const bool plain = !v.empty() && v.find_first_of(" \t\"=\n\r\\") == std::string::npos;
  if (plain) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

Result<std::shared_ptr<spdlog::logger>> MakeServerLogger(const ServerConfig& config) {
  std::vector<spdlog::sink_ptr> sinks;
  auto err = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  err->set_level(spdlog::level::from_str(config.stderr_log_level));
  sinks.push_back(err);
  if (!config.log_file.empty()) {
    try {
      std::error_code ec;
      const auto parent = config.log_file.parent_path();
      if (!parent.empty()) std::filesystem::create_directories(parent, ec);
      auto file = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
          config.log_file.string(), static_cast<std::size_t>(config.log_max_bytes),
          static_cast<std::size_t>(config.log_max_files));
      file->set_level(spdlog::level::from_str(config.log_level));
      sinks.push_back(file);
    } catch (const spdlog::spdlog_ex& e) {
      return Status::IOError("cannot open the log file " + config.log_file.string() + ": " +
                             e.what());
    }
  }
  auto logger = std::make_shared<spdlog::logger>("sonance", sinks.begin(), sinks.end());
  logger->set_level(spdlog::level::trace);  // each sink filters at its own level
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %v");
  logger->flush_on(spdlog::level::warn);
  return logger;
}

void LogRequest(spdlog::logger& log, const RequestRecord& r) {
  char ms[32];
  std::snprintf(ms, sizeof ms, "%.3f", r.seconds * 1000.0);
  std::string line = "request id=" + r.request_id + " method=" + LogfmtValue(r.method) +
                     " route=" + LogfmtValue(r.route) + " target=" + LogfmtValue(r.target) +
                     " status=" + std::to_string(r.status) + " ms=" + ms +
                     " bytes=" + std::to_string(r.response_bytes) +
                     " remote=" + LogfmtValue(r.remote_addr);
  if (!r.error.empty()) line += " error=" + LogfmtValue(r.error);
  if (!r.exception.empty()) line += " exception=" + LogfmtValue(r.exception);
  if (r.status >= 500) {
    log.error(line);
  } else {
    log.info(line);
  }
}

}  // namespace sonance
