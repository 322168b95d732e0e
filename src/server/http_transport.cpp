#include "sonance/server/http_transport.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <deque>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>

#include "sonance/common/utf8.h"
#include "sonance/server/http_parse.h"

namespace sonance {

namespace {

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
  RouteMode mode = RouteMode::kWorker;
};

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
    if (http::EqualsIgnoreCase(k, name)) return v;
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

namespace {

using Clock = std::chrono::steady_clock;

// The Date header line for the current second, cached per thread.
const std::string& DateLine() {
  thread_local std::time_t cached = 0;
  thread_local std::string line;
  const std::time_t now = std::time(nullptr);
  if (now != cached || line.empty()) {
    cached = now;
    std::tm tm{};
    gmtime_r(&now, &tm);
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    char buf[64];
    std::snprintf(buf, sizeof buf, "Date: %s, %02d %s %04d %02d:%02d:%02d GMT\r\n",
                  kDays[tm.tm_wday], tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
                  tm.tm_min, tm.tm_sec);
    line = buf;
  }
  return line;
}

bool IsHeaderSafe(std::string_view s) {
  return s.find_first_of("\r\n") == std::string_view::npos;
}

// The response on the wire: status line, headers, and the body unless answering HEAD.
std::string Serialize(const HttpResponse& res, const std::string& request_id, bool keep_alive,
                      bool head_only) {
  std::string out;
  out.reserve(res.body.size() + 192);
  out += "HTTP/1.1 ";
  out += std::to_string(res.status);
  out += ' ';
  out += http::ReasonPhrase(res.status);
  out += "\r\nContent-Type: ";
  out += IsHeaderSafe(res.content_type) ? res.content_type : "application/octet-stream";
  out += "\r\nContent-Length: ";
  out += std::to_string(res.body.size());
  out += "\r\nX-Request-Id: ";
  out += request_id;
  out += "\r\n";
  for (const auto& [k, v] : res.headers) {
    if (k.empty() || !IsHeaderSafe(k) || !IsHeaderSafe(v)) continue;
    out += k;
    out += ": ";
    out += v;
    out += "\r\n";
  }
  out += DateLine();
  if (!keep_alive) out += "Connection: close\r\n";
  out += "\r\n";
  if (!head_only) out += res.body;
  return out;
}

std::string AddressText(const sockaddr_storage& addr) {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (addr.ss_family == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(addr).sin_addr, buf, sizeof buf);
  } else if (addr.ss_family == AF_INET6) {
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(addr).sin6_addr, buf, sizeof buf);
  }
  return buf;
}

void Wake(int event_fd) {
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = ::write(event_fd, &one, sizeof one);
}

// A fixed pool of threads running queued tasks; Stop() runs what is queued, then joins.
class WorkerPool {
 public:
  void Start(int n) {
    for (int i = 0; i < n; ++i) threads_.emplace_back([this] { Work(); });
  }
  void Push(std::function<void()> task) {
    {
      std::lock_guard lock(mu_);
      tasks_.push_back(std::move(task));
    }
    cv_.notify_one();
  }
  void Stop() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (std::thread& t : threads_) t.join();
    threads_.clear();
  }

 private:
  void Work() {
    while (true) {
      std::function<void()> task;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return stop_ || !tasks_.empty(); });
        if (tasks_.empty()) return;
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      task();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  std::vector<std::thread> threads_;
  bool stop_ = false;
};

constexpr auto kSweepInterval = std::chrono::milliseconds(50);
// After an answer that closes the connection, the server stops writing and reads (and drops)
// what the client still sends for this long, so the client sees the answer rather than a
// reset caused by unread data.
constexpr auto kLingerTime = std::chrono::milliseconds(2000);

}  // namespace

struct HttpServer::Impl {
  // A request parsed off a connection, ready to be answered.
  struct Exchange {
    HttpRequest req;
    RequestRecord record;
    Clock::time_point start;
    const RouteEntry* route = nullptr;
    bool answered = false;  // `res` already holds the answer (an error found while routing)
    HttpResponse res;
    bool keep_alive = true;
    bool head_only = false;
  };

  struct Conn {
    std::uint64_t id = 0;
    int fd = -1;
    std::string remote;
    std::string in;
    std::string out;
    std::size_t out_off = 0;
    int served = 0;
    bool busy = false;         // a worker is answering its request
    bool close_after = false;  // close once `out` is written
    bool draining = false;     // write side shut; reading until EOF or the linger time
    bool continue_sent = false;
    std::uint32_t events = 0;
    Clock::time_point request_start;
    Clock::time_point last_io;
    Clock::time_point linger_until;
  };

  struct Completion {
    int fd;
    std::uint64_t conn_id;
    std::string bytes;
    bool keep_alive;
  };

  struct Loop {
    int epoll_fd = -1;
    int wake_fd = -1;
    std::thread thread;
    std::mutex mu;  // guards incoming and done
    std::vector<std::pair<int, std::string>> incoming;
    std::vector<Completion> done;
    std::unordered_map<int, std::unique_ptr<Conn>> conns;
    std::uint64_t next_conn_id = 1;
  };

  explicit Impl(HttpServerOptions o) : options(std::move(o)) {
    std::random_device rd;
    id_prefix = rd();
    stop_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    limits.max_body_bytes = options.max_body_bytes;
  }
  ~Impl() {
    if (listen_fd >= 0) ::close(listen_fd);
    if (stop_fd >= 0) ::close(stop_fd);
  }

  std::string NextId() {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%08x%08x", id_prefix,
                  static_cast<unsigned>(counter.fetch_add(1, std::memory_order_relaxed)));
    return buf;
  }

  void Resolve(Exchange& x);
  std::string Finish(Exchange& x);
  void TransportError(Conn& c, int status, const std::string& message, const std::string& method);

  void LoopMain(Loop& loop);
  void TakeIncoming(Loop& loop);
  void TakeCompletions(Loop& loop);
  bool OnReadable(Loop& loop, Conn& c);
  bool Process(Loop& loop, Conn& c);
  bool Flush(Loop& loop, Conn& c);
  static void AppendOutput(Conn& c, std::string bytes);
  void UpdateInterest(Loop& loop, Conn& c);
  void Close(Loop& loop, Conn& c);
  void Sweep(Loop& loop, Clock::time_point now);

  HttpServerOptions options;
  http::HeadLimits limits;
  std::vector<RouteEntry> routes;
  std::function<void(const RequestRecord&)> observer;
  int listen_fd = -1;
  int stop_fd = -1;
  int bound_port = 0;
  std::atomic<bool> stopping{false};
  std::vector<std::unique_ptr<Loop>> loops;
  WorkerPool pool;
  std::uint32_t id_prefix = 0;
  std::atomic<std::uint32_t> counter{0};
};

void HttpServer::Impl::Resolve(Exchange& x) {
  HttpRequest& req = x.req;
  try {
    if (!IsValidUtf8(req.path)) throw HttpError(400, "the request path is not valid UTF-8");
    for (const auto& [k, v] : req.query) {
      if (!IsValidUtf8(k) || !IsValidUtf8(v)) {
        throw HttpError(400, "query parameter '" + k + "' is not valid UTF-8");
      }
    }
    const std::vector<std::string> segments = Segments(req.path);
    const std::string& method = x.head_only ? std::string("GET") : req.method;
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
      x.record.route = r.pattern;
      x.route = &r;
      return;
    }
    if (!allowed.empty()) {
      if (std::find(allowed.begin(), allowed.end(), "GET") != allowed.end()) {
        allowed.push_back("HEAD");
      }
      std::string allow;
      for (const auto& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
      const std::string message =
          "method " + req.method + " is not allowed on " + req.path + " (allowed: " + allow + ")";
      x.res = HttpResponse{};
      x.res.status = 405;
      x.res.headers.emplace_back("Allow", allow);
      x.res.body = ErrorBody(405, message, req.request_id);
      x.record.error = message;
      x.answered = true;
      return;
    }
    throw HttpError(404, "no such endpoint: " + req.path + " (see /openapi.json or /docs)");
  } catch (const HttpError& e) {
    x.res = HttpResponse{};
    x.res.status = e.status();
    x.res.body = ErrorBody(e.status(), e.what(), req.request_id, e.details());
    x.record.error = e.what();
    x.answered = true;
  }
}

std::string HttpServer::Impl::Finish(Exchange& x) {
  if (!x.answered) {
    try {
      x.res = x.route->handler(x.req);
    } catch (const HttpError& e) {
      x.res = HttpResponse{};
      x.res.status = e.status();
      x.res.body = ErrorBody(e.status(), e.what(), x.req.request_id, e.details());
      x.record.error = e.what();
    } catch (const std::exception& e) {
      AppendExceptionChain(e, &x.record.exception);
      x.res = HttpResponse{};
      x.res.status = 500;
      x.res.body = ErrorBody(500, "internal error; the server log has the details under this id",
                             x.req.request_id);
      x.record.error = "internal error";
    } catch (...) {
      x.record.exception = "(non-standard exception)";
      x.res = HttpResponse{};
      x.res.status = 500;
      x.res.body = ErrorBody(500, "internal error; the server log has the details under this id",
                             x.req.request_id);
      x.record.error = "internal error";
    }
  }
  x.keep_alive = x.keep_alive && !stopping.load(std::memory_order_relaxed);
  std::string bytes = Serialize(x.res, x.req.request_id, x.keep_alive, x.head_only);
  x.record.status = x.res.status;
  x.record.response_bytes = x.res.body.size();
  x.record.seconds = std::chrono::duration<double>(Clock::now() - x.start).count();
  if (observer) observer(x.record);
  return bytes;
}

// An error found by the transport itself (malformed request, limits, timeout): the same JSON
// shape, an id and a log line, and the connection closes after it.
void HttpServer::Impl::TransportError(Conn& c, int status, const std::string& message,
                                      const std::string& method) {
  RequestRecord record;
  record.request_id = NextId();
  record.method = method;
  record.route = "transport";
  record.remote_addr = c.remote;
  record.status = status;
  record.error = message;
  HttpResponse res;
  res.status = status;
  res.body = ErrorBody(status, message, record.request_id);
  record.response_bytes = res.body.size();
  c.out += Serialize(res, record.request_id, false, false);
  c.in.clear();
  c.close_after = true;
  if (observer) observer(record);
}

void HttpServer::Impl::Close(Loop& loop, Conn& c) {
  ::epoll_ctl(loop.epoll_fd, EPOLL_CTL_DEL, c.fd, nullptr);
  ::close(c.fd);
  loop.conns.erase(c.fd);  // destroys c
}

void HttpServer::Impl::UpdateInterest(Loop& loop, Conn& c) {
  std::uint32_t want = 0;
  const bool pending = c.out_off < c.out.size();
  if (c.draining) {
    want = EPOLLIN;
  } else {
    if (!c.busy && !pending && !c.close_after) want |= EPOLLIN;
    if (pending) want |= EPOLLOUT;
  }
  if (want == c.events) return;
  epoll_event ev{};
  ev.events = want;
  ev.data.fd = c.fd;
  ::epoll_ctl(loop.epoll_fd, EPOLL_CTL_MOD, c.fd, &ev);
  c.events = want;
}

// Queues bytes to send; takes the buffer over when nothing else waits (the common case).
void HttpServer::Impl::AppendOutput(Conn& c, std::string bytes) {
  if (c.out_off >= c.out.size()) {
    c.out = std::move(bytes);
    c.out_off = 0;
  } else {
    c.out += bytes;
  }
}

bool HttpServer::Impl::Flush(Loop& loop, Conn& c) {
  while (c.out_off < c.out.size()) {
    const ssize_t n =
        ::send(c.fd, c.out.data() + c.out_off, c.out.size() - c.out_off, MSG_NOSIGNAL);
    if (n > 0) {
      c.out_off += static_cast<std::size_t>(n);
      c.last_io = Clock::now();
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    Close(loop, c);
    return false;
  }
  if (c.out_off >= c.out.size()) {
    c.out.clear();
    c.out_off = 0;
    if (c.close_after && !c.busy && !c.draining) {
      ::shutdown(c.fd, SHUT_WR);
      c.draining = true;
      c.in.clear();
      c.linger_until = Clock::now() + kLingerTime;
    }
  }
  UpdateInterest(loop, c);
  return true;
}

bool HttpServer::Impl::Process(Loop& loop, Conn& c) {
  while (!c.busy && !c.close_after && !c.in.empty()) {
    http::RequestHead head;
    http::ParseError error;
    http::ParseState state = http::ParseHead(c.in, limits, &head, &error);
    if (state == http::ParseState::kIncomplete) break;
    if (state == http::ParseState::kError) {
      TransportError(c, error.status, error.message, head.method);
      break;
    }
    std::string body;
    std::size_t used = head.head_bytes;
    const std::string_view rest = std::string_view(c.in).substr(head.head_bytes);
    if (head.chunked) {
      std::size_t consumed = 0;
      state = http::DecodeChunked(rest, limits.max_body_bytes, &body, &consumed, &error);
      used += consumed;
    } else if (rest.size() >= static_cast<std::size_t>(head.content_length)) {
      body.assign(rest.substr(0, static_cast<std::size_t>(head.content_length)));
      used += static_cast<std::size_t>(head.content_length);
    } else {
      state = http::ParseState::kIncomplete;
    }
    if (state == http::ParseState::kError) {
      TransportError(c, error.status, error.message, head.method);
      break;
    }
    if (state == http::ParseState::kIncomplete) {
      if (head.expect_continue && !c.continue_sent) {
        c.out += "HTTP/1.1 100 Continue\r\n\r\n";
        c.continue_sent = true;
      }
      break;
    }
    c.in.erase(0, used);
    c.continue_sent = false;
    const auto now = Clock::now();
    if (!c.in.empty()) c.request_start = now;
    ++c.served;

    Exchange x;
    x.start = now;
    x.head_only = head.method == "HEAD";
    x.keep_alive = head.keep_alive && options.keep_alive_timeout_s > 0 &&
                   c.served < options.keep_alive_max_count;
    x.req.method = std::move(head.method);
    x.req.path = std::move(head.path);
    x.req.query = std::move(head.query);
    x.req.headers = std::move(head.headers);
    x.req.body = std::move(body);
    x.req.remote_addr = c.remote;
    x.req.request_id = NextId();
    x.record.request_id = x.req.request_id;
    x.record.method = x.req.method;
    x.record.route = "unmatched";
    x.record.target = std::move(head.target);
    x.record.remote_addr = c.remote;
    Resolve(x);
    if (!x.answered && x.route->mode == RouteMode::kWorker) {
      c.busy = true;
      const int fd = c.fd;
      const std::uint64_t id = c.id;
      Loop* l = &loop;
      pool.Push([this, l, fd, id, x = std::make_shared<Exchange>(std::move(x))] {
        std::string bytes = Finish(*x);
        {
          std::lock_guard lock(l->mu);
          l->done.push_back({fd, id, std::move(bytes), x->keep_alive});
        }
        Wake(l->wake_fd);
      });
      break;
    }
    AppendOutput(c, Finish(x));
    if (!x.keep_alive) c.close_after = true;
  }
  return Flush(loop, c);
}

bool HttpServer::Impl::OnReadable(Loop& loop, Conn& c) {
  thread_local char buf[64 * 1024];
  while (true) {
    const ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
    if (n > 0) {
      if (c.draining) continue;
      const auto now = Clock::now();
      if (c.in.empty()) c.request_start = now;
      c.in.append(buf, static_cast<std::size_t>(n));
      c.last_io = now;
      break;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    Close(loop, c);  // EOF or error
    return false;
  }
  return Process(loop, c);
}

void HttpServer::Impl::TakeIncoming(Loop& loop) {
  std::vector<std::pair<int, std::string>> incoming;
  {
    std::lock_guard lock(loop.mu);
    incoming.swap(loop.incoming);
  }
  const auto now = Clock::now();
  for (auto& [fd, remote] : incoming) {
    auto c = std::make_unique<Conn>();
    c->id = loop.next_conn_id++;
    c->fd = fd;
    c->remote = std::move(remote);
    c->last_io = now;
    c->request_start = now;
    c->events = EPOLLIN;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    if (::epoll_ctl(loop.epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) {
      ::close(fd);
      continue;
    }
    loop.conns[fd] = std::move(c);
  }
}

void HttpServer::Impl::TakeCompletions(Loop& loop) {
  std::vector<Completion> done;
  {
    std::lock_guard lock(loop.mu);
    done.swap(loop.done);
  }
  for (Completion& d : done) {
    auto it = loop.conns.find(d.fd);
    if (it == loop.conns.end() || it->second->id != d.conn_id) continue;  // client went away
    Conn& c = *it->second;
    c.busy = false;
    AppendOutput(c, std::move(d.bytes));
    if (!d.keep_alive) c.close_after = true;
    (void)Process(loop, c);
  }
}

void HttpServer::Impl::Sweep(Loop& loop, Clock::time_point now) {
  const auto read_timeout = std::chrono::milliseconds(options.read_timeout_ms);
  const auto write_timeout = std::chrono::milliseconds(options.write_timeout_ms);
  const auto idle_timeout = std::chrono::seconds(options.keep_alive_timeout_s);
  const bool stop = stopping.load();
  std::vector<Conn*> close;
  std::vector<Conn*> timed_out;
  for (auto& [fd, ptr] : loop.conns) {
    Conn& c = *ptr;
    const bool pending = c.out_off < c.out.size();
    if (c.draining) {
      if (now >= c.linger_until) close.push_back(&c);
    } else if (pending) {
      if (now - c.last_io > write_timeout) close.push_back(&c);
    } else if (c.busy) {
      continue;
    } else if (!c.in.empty()) {
      // Part of a request: not in flight, so Stop() does not wait for it.
      if (stop) {
        close.push_back(&c);
      } else if (now - c.request_start > read_timeout) {
        timed_out.push_back(&c);
      }
    } else if (stop || now - c.last_io > (c.served == 0 ? read_timeout : idle_timeout)) {
      close.push_back(&c);
    }
  }
  for (Conn* c : close) Close(loop, *c);
  for (Conn* c : timed_out) {
    TransportError(
        *c, 408,
        "the request did not arrive within " + std::to_string(options.read_timeout_ms) + " ms", "");
    (void)Flush(loop, *c);
  }
}

void HttpServer::Impl::LoopMain(Loop& loop) {
  epoll_event events[256];
  auto last_sweep = Clock::now();
  while (true) {
    const bool stop = stopping.load();
    int timeout = loop.conns.empty() ? -1 : static_cast<int>(kSweepInterval.count());
    if (stop) timeout = 10;
    const int n = ::epoll_wait(loop.epoll_fd, events, 256, timeout);
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == loop.wake_fd) {
        std::uint64_t v = 0;
        [[maybe_unused]] const ssize_t r = ::read(loop.wake_fd, &v, sizeof v);
        TakeIncoming(loop);
        TakeCompletions(loop);
        continue;
      }
      auto it = loop.conns.find(fd);
      if (it == loop.conns.end()) continue;
      Conn& c = *it->second;
      const std::uint32_t ev = events[i].events;
      if ((ev & (EPOLLHUP | EPOLLERR)) && !(ev & EPOLLIN)) {
        Close(loop, c);
        continue;
      }
      if (ev & EPOLLIN) {
        if (!OnReadable(loop, c)) continue;
      }
      if (ev & EPOLLOUT) {
        auto again = loop.conns.find(fd);
        if (again != loop.conns.end()) (void)Flush(loop, *again->second);
      }
    }
    const auto now = Clock::now();
    if (stop || now - last_sweep >= kSweepInterval) {
      Sweep(loop, now);
      last_sweep = now;
    }
    if (stop && loop.conns.empty()) {
      std::lock_guard lock(loop.mu);
      if (loop.incoming.empty() && loop.done.empty()) break;
    }
  }
  for (auto& [fd, c] : loop.conns) ::close(fd);
  loop.conns.clear();
  std::lock_guard lock(loop.mu);
  for (auto& [fd, remote] : loop.incoming) ::close(fd);
  loop.incoming.clear();
}

HttpServer::HttpServer(HttpServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

HttpServer::~HttpServer() {
  Stop();
}

void HttpServer::Route(const std::string& method, const std::string& pattern, HttpHandler handler,
                       RouteMode mode) {
  impl_->routes.push_back({method, pattern, Segments(pattern), std::move(handler), mode});
}

void HttpServer::SetRequestObserver(std::function<void(const RequestRecord&)> observer) {
  impl_->observer = std::move(observer);
}

Status HttpServer::Bind() {
  const HttpServerOptions& o = impl_->options;
  const std::string where = o.host + ":" + std::to_string(o.port);
  if (impl_->listen_fd >= 0) return Status::Ok();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port_text = std::to_string(o.port);
  if (const int rc = ::getaddrinfo(o.host.c_str(), port_text.c_str(), &hints, &found); rc != 0) {
    return Status::IOError("cannot listen on " + where + ": " + ::gai_strerror(rc));
  }
  std::string why;
  for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    const int fd =
        ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      why = std::strerror(errno);
      continue;
    }
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && ::listen(fd, o.listen_backlog) == 0) {
      impl_->listen_fd = fd;
      break;
    }
    why = std::strerror(errno);
    ::close(fd);
  }
  ::freeaddrinfo(found);
  if (impl_->listen_fd < 0) {
    return Status::IOError("cannot listen on " + where + " (" + why +
                           "; address in use, or not an address of this machine)");
  }
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  ::getsockname(impl_->listen_fd, reinterpret_cast<sockaddr*>(&addr), &len);
  impl_->bound_port =
      ntohs(addr.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6&>(addr).sin6_port
                                       : reinterpret_cast<sockaddr_in&>(addr).sin_port);
  return Status::Ok();
}

int HttpServer::port() const {
  return impl_->bound_port;
}

Status HttpServer::Run() {
  Impl& s = *impl_;
  if (s.listen_fd < 0) {
    if (Status st = Bind(); !st.ok()) return st;
  }
  if (s.stop_fd < 0) return Status::IOError("cannot create the server's stop event");
  const int n_loops = s.options.io_threads > 0
                          ? s.options.io_threads
                          : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  for (int i = 0; i < n_loops && !s.stopping.load(); ++i) {
    auto loop = std::make_unique<Impl::Loop>();
    loop->epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
    loop->wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (loop->epoll_fd < 0 || loop->wake_fd < 0) {
      if (loop->epoll_fd >= 0) ::close(loop->epoll_fd);
      if (loop->wake_fd >= 0) ::close(loop->wake_fd);
      break;
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = loop->wake_fd;
    ::epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, loop->wake_fd, &ev);
    s.loops.push_back(std::move(loop));
  }
  Status result = Status::Ok();
  if (s.loops.empty() && !s.stopping.load()) {
    result = Status::IOError(std::string("cannot create the event loops: ") + std::strerror(errno));
  }
  s.pool.Start(std::max(1, s.options.threads));
  for (auto& loop : s.loops) {
    Impl::Loop* l = loop.get();
    l->thread = std::thread([&s, l] { s.LoopMain(*l); });
  }

  std::size_t next = 0;
  pollfd fds[2] = {{s.listen_fd, POLLIN, 0}, {s.stop_fd, POLLIN, 0}};
  while (result.ok() && !s.stopping.load()) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      result = Status::IOError(std::string("the HTTP server stopped: ") + std::strerror(errno));
      break;
    }
    if (fds[1].revents != 0) break;
    if ((fds[0].revents & POLLIN) == 0) continue;
    for (int k = 0; k < 256; ++k) {
      sockaddr_storage addr{};
      socklen_t len = sizeof addr;
      const int fd = ::accept4(s.listen_fd, reinterpret_cast<sockaddr*>(&addr), &len,
                               SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
          // Out of descriptors: let the loops close some before accepting again.
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        break;
      }
      int yes = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
      Impl::Loop& loop = *s.loops[next++ % s.loops.size()];
      {
        std::lock_guard lock(loop.mu);
        loop.incoming.emplace_back(fd, AddressText(addr));
      }
      Wake(loop.wake_fd);
    }
  }
  // Refuse new connections, then let the loops finish what is in flight.
  ::close(s.listen_fd);
  s.listen_fd = -1;
  s.stopping.store(true);
  for (auto& loop : s.loops) Wake(loop->wake_fd);
  for (auto& loop : s.loops) {
    if (loop->thread.joinable()) loop->thread.join();
  }
  s.pool.Stop();
  for (auto& loop : s.loops) {
    ::close(loop->epoll_fd);
    ::close(loop->wake_fd);
  }
  s.loops.clear();
  return result;
}

void HttpServer::Stop() {
  impl_->stopping.store(true);
  if (impl_->stop_fd >= 0) Wake(impl_->stop_fd);
}

}  // namespace sonance
