// The server's structured log: spdlog to stderr and to a size-rotated file (debug.log by
// default), one logfmt line per request (`request id=... route=... status=... ms=...`) and
// one per error with its exception chain, so an error id from a response finds its line.
//
// Thread-safety: the logger's sinks are the thread-safe (_mt) kinds. Ownership: shared_ptr.
#pragma once

#include <spdlog/logger.h>

#include <memory>

#include "sonance/common/status.h"
#include "sonance/server/http_transport.h"
#include "sonance/server/server_config.h"

namespace sonance {

// IOError naming the file when the log file cannot be created.
Result<std::shared_ptr<spdlog::logger>> MakeServerLogger(const ServerConfig& config);

// One line: info for 1xx-4xx, error (with the exception chain) for 5xx.
void LogRequest(spdlog::logger& log, const RequestRecord& record);

// Quotes a value for logfmt when it contains spaces, quotes or '=' characters.
std::string LogfmtValue(const std::string& v);

}  // namespace sonance
