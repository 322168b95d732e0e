#include "sonance/server/http_transport.h"

#include <httplib.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <random>

#include "sonance/common/utf8.h"

namespace sonance {

namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::vector<std::string> Segments(std::string_view path) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    if (i >= path.size()) break;
    const std::size_t end = path.find('/', i);
    const std::size_t stop = end == std::string_view::npos ? path.size() : end;
    out.emplace_back(path.substr(i, stop - i));
    i = stop;
  }
  return out;
}

bool IsParam(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

const char* Reason(int status) {
  switch (status) {
    case 400:
      return "malformed request (request line, headers, or a body without Content-Length)";
    case 404:
      return "not found";
    case 405:
      return "method not allowed";
    case 408:
      return "request timeout";
    case 413:
      return "request body too large";
    case 414:
      return "request URI too long";
    case 416:
      return "range not satisfiable";
    case 431:
      return "request headers too large";
    case 500:
      return "internal error";
    case 503:
      return "service unavailable";
    default:
      return "error";
  }
}

void AppendExceptionChain(const std::exception& e, std::string* out) {
  *out += e.what();
  try {
    std::rethrow_if_nested(e);
  } catch (const std::exception& inner) {
    *out += " <- ";
    AppendExceptionChain(inner, out);
  } catch (...) {
    *out += " <- (non-standard exception)";
  }
}

struct RouteEntry {
  std::string method;
  std::string pattern;
  std::vector<std::string> segments;
  HttpHandler handler;
};

// The API serves whole documents and ignores Range (RFC 9110 lets a server do so). Left in
// place, the library would cut every body, error bodies included, to the requested bytes
// while keeping the status (a 200 with six bytes of JSON), or answer an empty 416. The
// request object is the library's own non-const local, handed to handlers as const.
void IgnoreRange(const httplib::Request& req) {
  const_cast<httplib::Request&>(req).ranges.clear();
}

}  // namespace

const std::string* HttpRequest::Query(std::string_view name) const {
  for (const auto& [k, v] : query) {
    if (k == name) return &v;
  }
  return nullptr;
}

int HttpRequest::QueryCount(std::string_view name) const {
  return static_cast<int>(
      std::count_if(query.begin(), query.end(), [&](const auto& kv) { return kv.first == name; }));
}

std::string HttpRequest::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, name)) return v;
  }
  return {};
}

HttpResponse HttpResponse::Json(const nlohmann::json& body, int status) {
  HttpResponse r;
  r.status = status;
  // Replace, not throw, on invalid UTF-8 that may sit in stored tags.
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kFailedPrecondition:
      return 409;
    case StatusCode::kIOError:
    case StatusCode::kInterrupted:
      return 503;
    default:
      return 500;
  }
}

std::string ErrorBody(int status, const std::string& message, const std::string& request_id,
                      const nlohmann::json& details) {
  nlohmann::json error = {{"status", status}, {"message", message}, {"id", request_id}};
  if (details.is_object()) {
    for (auto it = details.begin(); it != details.end(); ++it) error[it.key()] = it.value();
  }
  return nlohmann::json{{"error", error}}.dump(-1, ' ', false,
                                               nlohmann::json::error_handler_t::replace);
}

struct HttpServer::Impl {
  explicit Impl(HttpServerOptions o) : options(std::move(o)) {
    std::random_device rd;
    id_prefix = rd();
  }

  std::string NextId() {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%08x%08x", id_prefix,
                  static_cast<unsigned>(counter.fetch_add(1, std::memory_order_relaxed)));
    return buf;
  }

  void Dispatch(const httplib::Request& hreq, httplib::Response& hres);
  HttpResponse Handle(HttpRequest& req, RequestRecord& record);

  HttpServerOptions options;
  httplib::Server server;
  std::vector<RouteEntry> routes;
  std::function<void(const RequestRecord&)> observer;
  int listen_fd = -1;
  int bound_port = 0;
  std::uint32_t id_prefix = 0;
  std::atomic<std::uint32_t> counter{0};
};

HttpResponse HttpServer::Impl::Handle(HttpRequest& req, RequestRecord& record) {
  if (!IsValidUtf8(req.path)) throw HttpError(400, "the request path is not valid UTF-8");
  for (const auto& [k, v] : req.query) {
    if (!IsValidUtf8(k) || !IsValidUtf8(v)) {
      throw HttpError(400, "query parameter '" + k + "' is not valid UTF-8");
    }
  }
  const std::vector<std::string> segments = Segments(req.path);
  const std::string method = req.method == "HEAD" ? "GET" : req.method;
  std::vector<std::string> allowed;
  for (const RouteEntry& r : routes) {
    if (r.segments.size() != segments.size()) continue;
    bool match = true;
    for (std::size_t i = 0; i < segments.size() && match; ++i) {
      match = IsParam(r.segments[i]) || r.segments[i] == segments[i];
    }
    if (!match) continue;
    if (r.method != method) {
      if (std::find(allowed.begin(), allowed.end(), r.method) == allowed.end()) {
        allowed.push_back(r.method);
      }
      continue;
    }
    for (std::size_t i = 0; i < segments.size(); ++i) {
      if (IsParam(r.segments[i])) {
        req.path_params[r.segments[i].substr(1, r.segments[i].size() - 2)] = segments[i];
      }
    }
    req.route = r.pattern;
    record.route = r.pattern;
    return r.handler(req);
  }
  if (!allowed.empty()) {
    if (std::find(allowed.begin(), allowed.end(), "GET") != allowed.end())
      allowed.push_back("HEAD");
    std::string allow;
    for (const auto& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
    record.route = "unmatched";
    HttpError e(405, "method " + req.method + " is not allowed on " + req.path +
                         " (allowed: " + allow + ")");
    HttpResponse r;
    r.status = 405;
    r.headers.emplace_back("Allow", allow);
    r.body = ErrorBody(405, e.what(), req.request_id);
    record.error = e.what();
    return r;
  }
  throw HttpError(404, "no such endpoint: " + req.path + " (see /openapi.json or /docs)");
}

void HttpServer::Impl::Dispatch(const httplib::Request& hreq, httplib::Response& hres) {
  const auto start = std::chrono::steady_clock::now();
  IgnoreRange(hreq);
  HttpRequest req;
  req.method = hreq.method;
  req.path = hreq.path;
  req.query.assign(hreq.params.begin(), hreq.params.end());
  req.headers.assign(hreq.headers.begin(), hreq.headers.end());
  req.body = hreq.body;
  req.remote_addr = hreq.remote_addr;
  req.request_id = NextId();

  RequestRecord record;
  record.request_id = req.request_id;
  record.method = req.method;
  record.route = "unmatched";
  record.target = hreq.target.empty() ? hreq.path : hreq.target;
  record.remote_addr = hreq.remote_addr;

  HttpResponse res;
  try {
    res = Handle(req, record);
  } catch (const HttpError& e) {
    res = HttpResponse{};
    res.status = e.status();
    res.body = ErrorBody(e.status(), e.what(), req.request_id, e.details());
    record.error = e.what();
  } catch (const std::exception& e) {
    AppendExceptionChain(e, &record.exception);
    res = HttpResponse{};
    res.status = 500;
    res.body = ErrorBody(500, "internal error; the server log has the details under this id",
                         req.request_id);
    record.error = "internal error";
  } catch (...) {
    record.exception = "(non-standard exception)";
    res = HttpResponse{};
    res.status = 500;
    res.body = ErrorBody(500, "internal error; the server log has the details under this id",
                         req.request_id);
    record.error = "internal error";
  }

  hres.status = res.status;
  for (const auto& [k, v] : res.headers) hres.set_header(k, v);
  hres.set_header("X-Request-Id", req.request_id);
  hres.set_content(std::move(res.body), res.content_type);

  record.status = res.status;
  record.response_bytes = hres.body.size();
  record.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (observer) observer(record);
}

HttpServer::HttpServer(HttpServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {
  Impl* impl = impl_.get();
  httplib::Server& s = impl->server;
  const auto threads = static_cast<std::size_t>(std::max(1, impl->options.threads));
  s.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  s.set_payload_max_length(static_cast<std::size_t>(impl->options.max_body_bytes));
  s.set_read_timeout(impl->options.read_timeout_ms / 1000,
                     (impl->options.read_timeout_ms % 1000) * 1000);
  s.set_write_timeout(impl->options.write_timeout_ms / 1000,
                      (impl->options.write_timeout_ms % 1000) * 1000);
  s.set_keep_alive_timeout(impl->options.keep_alive_timeout_s);
  s.set_keep_alive_max_count(static_cast<std::size_t>(impl->options.keep_alive_max_count));
  s.set_tcp_nodelay(true);
  s.set_socket_options([impl](socket_t sock) {
    impl->listen_fd = sock;
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  auto dispatch = [impl](const httplib::Request& req, httplib::Response& res) {
    impl->Dispatch(req, res);
  };
  s.Get(".*", dispatch);
  s.Post(".*", dispatch);
  s.Put(".*", dispatch);
  s.Patch(".*", dispatch);
  s.Delete(".*", dispatch);
  s.Options(".*", dispatch);
  // Errors raised by the transport itself (oversized body or URI, malformed request line)
  // reach no route: give them the same JSON shape, an id and a log line.
  s.set_error_handler(httplib::Server::HandlerWithResponse(
      [impl](const httplib::Request& req, httplib::Response& res) {
        IgnoreRange(req);
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        RequestRecord record;
        record.request_id = impl->NextId();
        record.method = req.method;
        record.route = "transport";
        record.target = req.target.empty() ? req.path : req.target;
        record.remote_addr = req.remote_addr;
        record.status = res.status;
        record.error = Reason(res.status);
        res.set_header("X-Request-Id", record.request_id);
        res.set_content(ErrorBody(res.status, record.error, record.request_id), "application/json");
        record.response_bytes = res.body.size();
        if (impl->observer) impl->observer(record);
        return httplib::Server::HandlerResponse::Handled;
      }));
  s.set_exception_handler(
      [impl](const httplib::Request& req, httplib::Response& res, std::exception_ptr) {
        const std::string id = impl->NextId();
        res.status = 500;
        res.set_content(ErrorBody(500, "internal error", id), "application/json");
        RequestRecord record;
        record.request_id = id;
        record.method = req.method;
        record.route = "transport";
        record.target = req.target;
        record.status = 500;
        record.exception = "exception in the transport";
        if (impl->observer) impl->observer(record);
      });
}

HttpServer::~HttpServer() {
  Stop();
}

void HttpServer::Route(const std::string& method, const std::string& pattern, HttpHandler handler) {
  impl_->routes.push_back({method, pattern, Segments(pattern), std::move(handler)});
}

void HttpServer::SetRequestObserver(std::function<void(const RequestRecord&)> observer) {
  impl_->observer = std::move(observer);
}

Status HttpServer::Bind() {
  const HttpServerOptions& o = impl_->options;
  int port = o.port;
  if (port == 0) {
    port = impl_->server.bind_to_any_port(o.host);
    if (port < 0) port = -1;
  } else if (!impl_->server.bind_to_port(o.host, port)) {
    port = -1;
  }
  if (port < 0) {
    return Status::IOError("cannot listen on " + o.host + ":" + std::to_string(o.port) +
                           " (address in use, or not an address of this machine)");
  }
  impl_->bound_port = port;
  // The library listens with a backlog of 5; a deeper queue keeps bursts of new connections
  // from being dropped. Calling listen() again on a listening socket only resizes it.
  if (impl_->listen_fd >= 0) ::listen(impl_->listen_fd, o.listen_backlog);
  return Status::Ok();
}

int HttpServer::port() const {
  return impl_->bound_port;
}

Status HttpServer::Run() {
  if (impl_->bound_port == 0) {
    if (Status s = Bind(); !s.ok()) return s;
  }
  if (!impl_->server.listen_after_bind() && impl_->server.is_running()) {
    return Status::IOError("the HTTP server stopped unexpectedly");
  }
  return Status::Ok();
}

void HttpServer::Stop() {
  impl_->server.stop();
}

}  // namespace sonance
