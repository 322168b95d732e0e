// Raw HTTP/1.1 over loopback sockets for transport tests: nothing between the test and the
// server cleans the bytes up.
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <utility>

namespace sonance::test {

// An owned file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      Reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  ~Fd() { Reset(); }
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void Reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// A connected TCP socket to 127.0.0.1:port; invalid when the connection fails.
Fd ConnectLoopback(int port);

// Sends everything unless the peer closes first; never raises SIGPIPE.
bool SendAll(int fd, std::string_view data);

// Reads until the peer closes, an error, or `timeout`. *closed tells whether the peer closed.
std::string ReadUntilClose(int fd, std::chrono::milliseconds timeout, bool* closed);

struct RawResponse {
  int status = 0;                              // 0: no complete status line came back
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

// Parses one HTTP/1.1 response framed by Content-Length (the answer to HEAD announces a length
// but has no body). Returns how many bytes it used, 0 when `raw` does not hold a complete one.
std::size_t ParseResponse(std::string_view raw, RawResponse* out, bool head = false);

// One request on a fresh connection: the final response (interim 1xx answers skipped), read
// until it is complete, the server closes, or `timeout`. status 0 when none came.
RawResponse Exchange(int port, const std::string& request, bool head = false,
                     std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));

// "GET target HTTP/1.1" with Host and Connection: close.
std::string Get(const std::string& target);

// Empty when `r` is an error response in the server's one JSON shape (status inside equal to
// the HTTP status, a message, a 16-character id equal to X-Request-Id, JSON content type),
// else what is wrong with it.
std::string ErrorShapeProblem(const RawResponse& r);

}  // namespace sonance::test
