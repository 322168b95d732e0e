#include "sonance/server/http_parse.h"

#include <algorithm>
#include <cctype>

namespace sonance::http {

namespace {

bool IsTokenChar(unsigned char c) {
  // RFC 9110 tchar.
  if (std::isalnum(c)) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

bool IsToken(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return IsTokenChar(static_cast<unsigned char>(c));
  });
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

ParseState Fail(ParseError* error, int status, std::string message) {
  error->status = status;
  error->message = std::move(message);
  return ParseState::kError;
}

// The next line of `in` from `pos` (without CR LF or LF); npos-terminated when no line end.
bool NextLine(std::string_view in, std::size_t* pos, std::string_view* line) {
  const std::size_t nl = in.find('\n', *pos);
  if (nl == std::string_view::npos) return false;
  std::size_t end = nl;
  if (end > *pos && in[end - 1] == '\r') --end;
  *line = in.substr(*pos, end - *pos);
  *pos = nl + 1;
  return true;
}

// Calls f(token) for each comma-separated, trimmed, non-empty element of a header value.
template <typename F>
void ForEachElement(std::string_view value, F&& f) {
  std::size_t i = 0;
  while (i <= value.size()) {
    const std::size_t comma = value.find(',', i);
    const std::size_t end = comma == std::string_view::npos ? value.size() : comma;
    const std::string_view item = Trim(value.substr(i, end - i));
    if (!item.empty()) f(item);
    if (comma == std::string_view::npos) break;
    i = comma + 1;
  }
}

ParseState ParseRequestLine(std::string_view line, const HeadLimits& limits, RequestHead* head,
                            ParseError* error) {
  const std::size_t sp1 = line.find(' ');
  const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    return Fail(error, 400, "malformed request line (expected: METHOD TARGET HTTP/1.1)");
  }
  const std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (!IsToken(method)) return Fail(error, 400, "malformed request method");
  if (target.size() > limits.max_target_bytes) {
    return Fail(error, 414,
                "request URI longer than " + std::to_string(limits.max_target_bytes) + " bytes");
  }
  if (target.empty()) return Fail(error, 400, "empty request target");
  for (char c : target) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return Fail(error, 400, "control character in the request target");
  }
  if (version == "HTTP/1.1") {
    head->minor_version = 1;
  } else if (version == "HTTP/1.0") {
    head->minor_version = 0;
  } else {
    return Fail(error, 400, "unsupported HTTP version (HTTP/1.0 and HTTP/1.1 are served)");
  }
  head->method.assign(method);
  head->target.assign(target);
  // Absolute form (a request to a proxy): keep the path and query.
  for (std::string_view scheme : {"http://", "https://"}) {
    if (target.size() >= scheme.size() &&
        EqualsIgnoreCase(target.substr(0, scheme.size()), scheme)) {
      const std::size_t slash = target.find('/', scheme.size());
      target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
      break;
    }
  }
  if (target.front() != '/' && target != "*") {
    return Fail(error, 400, "the request target must be a path starting with '/'");
  }
  const std::size_t q = target.find('?');
  head->path = PercentDecode(target.substr(0, q), false);
  head->query.clear();
  if (q != std::string_view::npos) head->query = ParseQuery(target.substr(q + 1));
  return ParseState::kComplete;
}

}  // namespace

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string PercentDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '%' && i + 2 < s.size()) {
      const int hi = HexValue(s[i + 1]);
      const int lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> ParseQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t i = 0;
  while (i <= query.size()) {
    const std::size_t amp = query.find('&', i);
    const std::size_t end = amp == std::string_view::npos ? query.size() : amp;
    const std::string_view piece = query.substr(i, end - i);
    if (!piece.empty()) {
      const std::size_t eq = piece.find('=');
      if (eq == std::string_view::npos) {
        out.emplace_back(PercentDecode(piece, true), std::string());
      } else {
        out.emplace_back(PercentDecode(piece.substr(0, eq), true),
                         PercentDecode(piece.substr(eq + 1), true));
      }
    }
    if (amp == std::string_view::npos) break;
    i = amp + 1;
  }
  return out;
}

ParseState ParseHead(std::string_view in, const HeadLimits& limits, RequestHead* head,
                     ParseError* error) {
  std::size_t pos = 0;
  // A client may send blank lines between requests (RFC 9112 2.2).
  while (pos < in.size() && (in[pos] == '\r' || in[pos] == '\n')) ++pos;
  std::string_view line;
  if (!NextLine(in, &pos, &line)) {
    if (in.size() - pos > limits.max_target_bytes + 64) {
      return Fail(error, 414,
                  "request URI longer than " + std::to_string(limits.max_target_bytes) + " bytes");
    }
    return ParseState::kIncomplete;
  }
  if (ParseState s = ParseRequestLine(line, limits, head, error); s != ParseState::kComplete) {
    return s;
  }
  head->headers.clear();
  head->keep_alive = head->minor_version >= 1;
  head->expect_continue = false;
  head->chunked = false;
  head->content_length = 0;
  bool has_length = false;
  bool has_encoding = false;
  const std::size_t head_start = pos;
  while (true) {
    const std::size_t line_start = pos;
    if (!NextLine(in, &pos, &line)) {
      const std::size_t pending = in.size() - line_start;
      if (pending > limits.max_header_line_bytes) {
        return Fail(error, 431,
                    "a header line is longer than " + std::to_string(limits.max_header_line_bytes) +
                        " bytes");
      }
      if (in.size() - head_start > limits.max_head_bytes) {
        return Fail(
            error, 431,
            "request headers larger than " + std::to_string(limits.max_head_bytes) + " bytes");
      }
      return ParseState::kIncomplete;
    }
    if (line.empty()) break;
    if (line.size() > limits.max_header_line_bytes) {
      return Fail(error, 431,
                  "a header line is longer than " + std::to_string(limits.max_header_line_bytes) +
                      " bytes");
    }
    if (pos - head_start > limits.max_head_bytes) {
      return Fail(
          error, 431,
          "request headers larger than " + std::to_string(limits.max_head_bytes) + " bytes");
    }
    if (static_cast<int>(head->headers.size()) >= limits.max_headers) {
      return Fail(error, 431, "more than " + std::to_string(limits.max_headers) + " headers");
    }
    if (line.front() == ' ' || line.front() == '\t') {
      return Fail(error, 400, "folded header lines are not accepted");
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || !IsToken(line.substr(0, colon))) {
      return Fail(error, 400, "malformed header line");
    }
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = Trim(line.substr(colon + 1));
    for (char c : value) {
      const auto u = static_cast<unsigned char>(c);
      if ((u < 0x20 && u != '\t') || u == 0x7f) {
        return Fail(error, 400, "control character in header " + std::string(name));
      }
    }
    if (EqualsIgnoreCase(name, "Content-Length")) {
      if (value.empty() ||
          !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return Fail(error, 400, "malformed Content-Length");
      }
      std::int64_t n = 0;
      bool too_big = value.size() > 18;
      if (!too_big) {
        for (char c : value) n = n * 10 + (c - '0');
      }
      if (too_big || n > limits.max_body_bytes) {
        return Fail(error, 413,
                    "request body larger than " + std::to_string(limits.max_body_bytes) + " bytes");
      }
      if (has_length && n != head->content_length) {
        return Fail(error, 400, "conflicting Content-Length headers");
      }
      has_length = true;
      head->content_length = n;
    } else if (EqualsIgnoreCase(name, "Transfer-Encoding")) {
      has_encoding = true;
      bool ok = true;
      int codings = 0;
      ForEachElement(value, [&](std::string_view item) {
        ++codings;
        ok = ok && EqualsIgnoreCase(item, "chunked");
      });
      if (!ok || codings != 1 || head->chunked) {
        return Fail(error, 400, "unsupported Transfer-Encoding (only chunked is accepted)");
      }
      head->chunked = true;
    } else if (EqualsIgnoreCase(name, "Connection")) {
      ForEachElement(value, [&](std::string_view item) {
        if (EqualsIgnoreCase(item, "close")) head->keep_alive = false;
        if (EqualsIgnoreCase(item, "keep-alive") && head->minor_version == 0) {
          head->keep_alive = true;
        }
      });
    } else if (EqualsIgnoreCase(name, "Expect")) {
      if (!EqualsIgnoreCase(value, "100-continue")) {
        return Fail(error, 417, "unsupported expectation '" + std::string(value) + "'");
      }
      head->expect_continue = true;
    }
    head->headers.emplace_back(std::string(name), std::string(value));
  }
  if (has_length && has_encoding) {
    return Fail(error, 400, "Content-Length and Transfer-Encoding together are refused");
  }
  head->head_bytes = pos;
  return ParseState::kComplete;
}

ParseState DecodeChunked(std::string_view in, std::int64_t max_body_bytes, std::string* body,
                         std::size_t* consumed, ParseError* error) {
  body->clear();
  std::size_t pos = 0;
  std::string_view line;
  while (true) {
    if (!NextLine(in, &pos, &line)) {
      if (in.size() - pos > 1024) return Fail(error, 400, "malformed chunk size line");
      return ParseState::kIncomplete;
    }
    const std::string_view size_text = Trim(line.substr(0, line.find(';')));
    if (size_text.empty() || size_text.size() > 15) {
      return Fail(error, 400, "malformed chunk size");
    }
    std::int64_t size = 0;
    for (char c : size_text) {
      const int v = HexValue(c);
      if (v < 0) return Fail(error, 400, "malformed chunk size");
      size = size * 16 + v;
    }
    if (static_cast<std::int64_t>(body->size()) + size > max_body_bytes) {
      return Fail(error, 413,
                  "request body larger than " + std::to_string(max_body_bytes) + " bytes");
    }
    if (size == 0) break;
    const auto n = static_cast<std::size_t>(size);
    if (in.size() - pos < n + 1) return ParseState::kIncomplete;
    body->append(in.substr(pos, n));
    pos += n;
    if (in[pos] == '\n') {
      pos += 1;
    } else if (in[pos] == '\r') {
      if (in.size() - pos < 2) return ParseState::kIncomplete;
      if (in[pos + 1] != '\n') return Fail(error, 400, "chunk data not followed by CRLF");
      pos += 2;
    } else {
      return Fail(error, 400, "chunk data longer than its size");
    }
  }
  // Trailer fields, then the blank line.
  while (true) {
    if (!NextLine(in, &pos, &line)) {
      if (in.size() - pos > 8192) return Fail(error, 400, "chunked trailer too large");
      return ParseState::kIncomplete;
    }
    if (line.empty()) break;
  }
  *consumed = pos;
  return ParseState::kComplete;
}

const char* ReasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 417:
      return "Expectation Failed";
    case 418:
      return "I'm a teapot";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    default:
      return status < 300 ? "OK" : status < 500 ? "Client Error" : "Server Error";
  }
}

}  // namespace sonance::http
