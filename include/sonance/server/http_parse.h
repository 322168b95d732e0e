// HTTP/1.1 request parsing for the event-loop transport (RFC 9112), as pure functions over a
// byte buffer so every limit and malformed case is testable without a socket.
//
// ParseHead reads a request line and header section from the front of a buffer. It answers
// kIncomplete until the blank line that ends the head has arrived, kComplete with the parsed
// head and its size, or kError with the status the client should get:
//   400 malformed request line or header, unsupported version or transfer coding, a bad or
//       conflicting Content-Length, Content-Length together with Transfer-Encoding
//   413 Content-Length over the body limit (known before the body is read)
//   414 request target longer than max_target_bytes
//   417 an Expect other than 100-continue
//   431 a header line longer than max_header_line_bytes, more than max_headers headers, or
//       a head larger than max_head_bytes
// DecodeChunked decodes a chunked body from the front of a buffer in the same three states.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sonance::http {

struct HeadLimits {
  std::size_t max_target_bytes = 8192;
  std::size_t max_header_line_bytes = 8192;
  std::size_t max_head_bytes = 64 * 1024;
  int max_headers = 100;
  std::int64_t max_body_bytes = 1 << 20;
};

struct RequestHead {
  std::string method;
  std::string target;  // as received
  std::string path;    // percent-decoded, without the query string
  std::vector<std::pair<std::string, std::string>> query;    // decoded, in order
  std::vector<std::pair<std::string, std::string>> headers;  // names as sent, values trimmed
  int minor_version = 1;                                     // HTTP/1.<minor>
  bool keep_alive = true;        // the connection may serve another request after this one
  bool expect_continue = false;  // Expect: 100-continue
  bool chunked = false;          // Transfer-Encoding: chunked
  std::int64_t content_length = 0;
  std::size_t head_bytes = 0;  // bytes of the buffer the head occupies (through the blank line)
};

enum class ParseState { kIncomplete, kComplete, kError };

struct ParseError {
  int status = 400;
  std::string message;
};

ParseState ParseHead(std::string_view in, const HeadLimits& limits, RequestHead* head,
                     ParseError* error);

// Decodes a chunked body starting at the front of `in` (the bytes after the head). On
// kComplete, `body` holds the payload and `consumed` the bytes used, trailers included.
ParseState DecodeChunked(std::string_view in, std::int64_t max_body_bytes, std::string* body,
                         std::size_t* consumed, ParseError* error);

// Percent-decoding; a '%' not followed by two hex digits is kept as it is. With
// `plus_is_space` (query strings) '+' becomes ' '.
std::string PercentDecode(std::string_view s, bool plus_is_space);

// Splits "a=1&b=x+y" into decoded pairs in order; empty pieces are skipped, a piece without
// '=' has an empty value.
std::vector<std::pair<std::string, std::string>> ParseQuery(std::string_view query);

// ASCII case-insensitive equality (header names, tokens).
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// The reason phrase of a status code ("OK", "Not Found", ...).
const char* ReasonPhrase(int status);

}  // namespace sonance::http
