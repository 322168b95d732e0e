// HttpServer: the HTTP/1.1 transport of `sonance serve`, a small table of routes over an
// epoll event loop (Linux).
//
// Routes are (method, pattern) pairs; a pattern's `{name}` segment captures one path segment
// into HttpRequest::path_params. Dispatch gives every request an id (X-Request-Id), maps an
// HttpError thrown by a handler to its status, any other exception to 500, an unknown path to
// 404 and a known path with another method to 405 (with Allow), all in one JSON error shape:
//   {"error": {"status": N, "message": "...", "id": "<request id>", ...details}}
// Bodies over the configured limit get 413 before any handler runs. After each request the
// RequestObserver sees the route pattern, status and latency (for logs and metrics).
//
// Threads: an acceptor (the thread in Run()) hands new connections round-robin to
// `io_threads` event loops; each loop reads, parses and writes its connections without
// blocking. A route registered kInline runs on the loop itself (for short, bounded handlers:
// no thread hand-off); a kWorker route (the default) runs on a pool of `threads` workers and
// its connection waits without holding up the loop. Keep-alive, pipelining, chunked bodies,
// Expect: 100-continue and HEAD are served; Range is ignored (whole documents only).
//
// Thread-safety: Route() and the observers are set up before Run(); handlers run concurrently
// and must be thread-safe. Stop() may be called from any thread; it stops accepting, lets
// in-flight requests finish and makes Run() return.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sonance/common/status.h"

namespace sonance {

struct HttpRequest {
  std::string method;  // upper case; HEAD is routed as GET
  std::string path;    // decoded path, without the query string
  std::string route;   // the matched pattern, e.g. "/v1/tracks/{id}"
  std::map<std::string, std::string> path_params;
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string remote_addr;
  std::string request_id;

  // The first value of a query parameter, nullptr when absent.
  const std::string* Query(std::string_view name) const;
  // How many times a query parameter appears.
  int QueryCount(std::string_view name) const;
  // A header by case-insensitive name; empty when absent.
  std::string Header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;

  static HttpResponse Json(const nlohmann::json& body, int status = 200);
};

// Thrown by a handler to end a request with an error status; `details` (an object) is
// merged into the error object, e.g. {"suggestions": [...]}.
class HttpError : public std::runtime_error {
 public:
  HttpError(int status, const std::string& message, nlohmann::json details = nullptr)
      : std::runtime_error(message), status_(status), details_(std::move(details)) {}
  int status() const { return status_; }
  const nlohmann::json& details() const { return details_; }

 private:
  int status_;
  nlohmann::json details_;
};

// The HTTP status of a Status code: NotFound 404, InvalidArgument 400, IOError and
// Interrupted 503 (storage unavailable), everything else 500.
int HttpStatusFor(StatusCode code);

// The JSON error body.
std::string ErrorBody(int status, const std::string& message, const std::string& request_id,
                      const nlohmann::json& details = nullptr);

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

// Where a route's handler runs: on the event loop (short, bounded work such as one catalog
// lookup) or on the worker pool (anything that may take long or block).
enum class RouteMode { kWorker, kInline };

struct RequestRecord {
  std::string request_id;
  std::string method;
  std::string route;   // pattern, or "unmatched" / "transport" when no route ran
  std::string target;  // path and query as received
  std::string remote_addr;
  int status = 0;
  double seconds = 0.0;
  std::size_t response_bytes = 0;
  std::string error;      // the error message of an error response
  std::string exception;  // what() chain of an unexpected exception, outermost first
};

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;
  int threads = 64;    // workers for kWorker routes
  int io_threads = 0;  // event loops; 0 = one per core
  std::int64_t max_body_bytes = 1 << 20;
  int read_timeout_ms = 5000;
  int write_timeout_ms = 5000;
  int keep_alive_timeout_s = 5;
  int keep_alive_max_count = 1000;
  int listen_backlog = 4096;
};

class HttpServer {
 public:
  explicit HttpServer(HttpServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  void Route(const std::string& method, const std::string& pattern, HttpHandler handler,
             RouteMode mode = RouteMode::kWorker);
  void SetRequestObserver(std::function<void(const RequestRecord&)> observer);

  // Binds the listening socket (port() is then known). IOError naming the address when the
  // port is taken or the host cannot be bound.
  Status Bind();
  int port() const;
  // Serves until Stop(); returns after in-flight requests have finished.
  Status Run();
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sonance
