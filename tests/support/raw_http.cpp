#include "support/raw_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <nlohmann/json.hpp>

namespace sonance::test {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

Fd ConnectLoopback(int port) {
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return fd;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    return Fd();
  }
  return fd;
}

// Sends everything unless the peer closes first; never raises SIGPIPE.
bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Reads until the peer closes, an error, or `timeout`. *closed tells whether the peer closed.
std::string ReadUntilClose(int fd, milliseconds timeout, bool* closed) {
  std::string out;
  *closed = false;
  const auto deadline = Clock::now() + timeout;
  char buf[16384];
  while (true) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return out;
    pollfd p{fd, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return out;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {  // EOF, or a reset: either way the server let go of the connection
      *closed = true;
      return out;
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
}

// Parses one HTTP/1.1 response framed by Content-Length (what the server always sends; the
// answer to HEAD announces a length but has no body). Returns how many bytes it used, 0 when
// `raw` does not hold a complete response.
std::size_t ParseResponse(std::string_view raw, RawResponse* out, bool head) {
  const std::size_t head_end = raw.find("\r\n\r\n");
  if (head_end == std::string_view::npos || !raw.starts_with("HTTP/1.")) return 0;
  const std::size_t sp = raw.find(' ');
  if (sp == std::string_view::npos || sp + 4 > head_end) return 0;
  RawResponse r;
  r.status = std::atoi(std::string(raw.substr(sp + 1, 3)).c_str());
  std::size_t line = raw.find("\r\n") + 2;
  while (line < head_end) {
    const std::size_t eol = raw.find("\r\n", line);
    const std::string_view h = raw.substr(line, eol - line);
    const std::size_t colon = h.find(':');
    if (colon != std::string_view::npos) {
      std::string name(h.substr(0, colon));
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      std::string_view value = h.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      r.headers[name] = std::string(value);
    }
    line = eol + 2;
  }
  std::size_t length = 0;
  if (auto it = r.headers.find("content-length"); it != r.headers.end() && !head) {
    length = static_cast<std::size_t>(std::stoull(it->second));
  }
  const std::size_t body_start = head_end + 4;
  if (raw.size() < body_start + length) return 0;
  r.body = std::string(raw.substr(body_start, length));
  *out = std::move(r);
  return body_start + length;
}

// One request on a fresh connection: the final response (interim 1xx answers skipped), read
// until it is complete, the server closes, or `timeout`. status 0 when none came.
RawResponse Exchange(int port, const std::string& request, bool head, milliseconds timeout) {
  Fd fd = ConnectLoopback(port);
  if (!fd.valid()) return {};
  SendAll(fd.get(), request);  // the server may answer (and close) before reading it all
  const auto deadline = Clock::now() + timeout;
  std::string raw;
  char buf[16384];
  while (true) {
    RawResponse r;
    std::size_t used = ParseResponse(raw, &r, head);
    while (used > 0 && r.status >= 100 && r.status < 200) {
      raw.erase(0, used);
      used = ParseResponse(raw, &r, head);
    }
    if (used > 0) return r;
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return {};
    pollfd p{fd.get(), POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return {};
    const ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return {};
    raw.append(buf, static_cast<std::size_t>(n));
  }
}

std::string Get(const std::string& target) {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
}

// Empty when `r` is an error response in the one JSON shape, else what is wrong with it.
std::string ErrorShapeProblem(const RawResponse& r) {
  const json body = json::parse(r.body, nullptr, false);
  if (!body.is_object() || !body.contains("error") || !body["error"].is_object()) {
    return "not a JSON error object: " + r.body.substr(0, 200);
  }
  const json& e = body["error"];
  if (!e.contains("status") || !e["status"].is_number_integer() || e["status"] != r.status) {
    return "error.status does not equal the HTTP status " + std::to_string(r.status) + ": " +
           r.body.substr(0, 200);
  }
  if (!e.contains("message") || !e["message"].is_string() ||
      e["message"].get<std::string>().empty()) {
    return "error.message missing: " + r.body.substr(0, 200);
  }
  if (!e.contains("id") || !e["id"].is_string() || e["id"].get<std::string>().size() != 16) {
    return "error.id missing or not 16 characters: " + r.body.substr(0, 200);
  }
  auto header = r.headers.find("x-request-id");
  if (header == r.headers.end() || header->second != e["id"].get<std::string>()) {
    return "X-Request-Id does not match error.id";
  }
  if (auto ct = r.headers.find("content-type");
      ct == r.headers.end() || !ct->second.starts_with("application/json")) {
    return "error content type is not application/json";
  }
  return {};
}

}  // namespace sonance::test
