#include "sonance/server/http_parse.h"

#include <gtest/gtest.h>

#include <string>

namespace sonance::http {
namespace {

struct Parsed {
  ParseState state;
  RequestHead head;
  ParseError error;
};

Parsed Parse(const std::string& in, HeadLimits limits = {}) {
  Parsed p;
  p.state = ParseHead(in, limits, &p.head, &p.error);
  return p;
}

TEST(HttpParseTest, ParsesRequestLineHeadersAndQuery) {
  const std::string in =
      "GET /v1/search?q=harbour+lights&limit=5&q=%C3%A9t%C3%A9&flag HTTP/1.1\r\n"
      "Host: localhost\r\n"
      "X-Spaced:   padded value \t\r\n"
      "\r\n"
      "NEXT";
  const Parsed p = Parse(in);
  ASSERT_EQ(p.state, ParseState::kComplete) << p.error.message;
  EXPECT_EQ(p.head.method, "GET");
  EXPECT_EQ(p.head.path, "/v1/search");
  EXPECT_EQ(p.head.target, "/v1/search?q=harbour+lights&limit=5&q=%C3%A9t%C3%A9&flag");
  ASSERT_EQ(p.head.query.size(), 4u);
  EXPECT_EQ(p.head.query[0], std::make_pair(std::string("q"), std::string("harbour lights")));
  EXPECT_EQ(p.head.query[1], std::make_pair(std::string("limit"), std::string("5")));
  EXPECT_EQ(p.head.query[2].second, "\xC3\xA9t\xC3\xA9");  // "été"
  EXPECT_EQ(p.head.query[3], std::make_pair(std::string("flag"), std::string()));
  ASSERT_EQ(p.head.headers.size(), 2u);
  EXPECT_EQ(p.head.headers[1].second, "padded value");
  EXPECT_EQ(p.head.minor_version, 1);
  EXPECT_TRUE(p.head.keep_alive);
  // The head ends right before "NEXT".
  EXPECT_EQ(p.head.head_bytes, in.size() - 4);
}

TEST(HttpParseTest, IncompleteUntilTheBlankLine) {
  const std::string full = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  for (std::size_t n = 0; n < full.size(); ++n) {
    EXPECT_EQ(Parse(full.substr(0, n)).state, ParseState::kIncomplete) << n;
  }
  EXPECT_EQ(Parse(full).state, ParseState::kComplete);
  // Bare LF line ends and leading blank lines are accepted.
  const Parsed lf = Parse("\r\n\nGET /a HTTP/1.0\nHost: x\n\n");
  ASSERT_EQ(lf.state, ParseState::kComplete);
  EXPECT_EQ(lf.head.path, "/a");
  EXPECT_FALSE(lf.head.keep_alive);  // HTTP/1.0 closes by default
}

TEST(HttpParseTest, ConnectionHeaderDecidesKeepAlive) {
  EXPECT_FALSE(Parse("GET / HTTP/1.1\r\nConnection: Close\r\n\r\n").head.keep_alive);
  EXPECT_FALSE(Parse("GET / HTTP/1.1\r\nConnection: foo, close\r\n\r\n").head.keep_alive);
  EXPECT_TRUE(Parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").head.keep_alive);
  EXPECT_TRUE(Parse("GET / HTTP/1.1\r\nConnection: keep-alive\r\n\r\n").head.keep_alive);
}

TEST(HttpParseTest, PercentDecodingKeepsMalformedEscapes) {
  EXPECT_EQ(PercentDecode("a%2Fb%zz%4", false), "a/b%zz%4");
  EXPECT_EQ(PercentDecode("a+b%2B", false), "a+b+");
  EXPECT_EQ(PercentDecode("a+b%2B", true), "a b+");
  EXPECT_EQ(PercentDecode("%", true), "%");
  EXPECT_EQ(PercentDecode("%00", false), std::string(1, '\0'));
  const auto q = ParseQuery("&&a=1=2&=v&b&");
  ASSERT_EQ(q.size(), 3u);
  EXPECT_EQ(q[0].second, "1=2");
  EXPECT_EQ(q[1].first, "");
  EXPECT_EQ(q[1].second, "v");
  EXPECT_EQ(q[2].first, "b");
  // Path decoding does not turn '+' into a space; absolute-form targets keep the path.
  const Parsed p = Parse("GET http://example.org/a+b%20c?x=1 HTTP/1.1\r\n\r\n");
  ASSERT_EQ(p.state, ParseState::kComplete);
  EXPECT_EQ(p.head.path, "/a+b c");
  EXPECT_EQ(p.head.query.size(), 1u);
}

TEST(HttpParseTest, MalformedHeadsGetTheirStatus) {
  struct Case {
    std::string in;
    int status;
  };
  const std::vector<Case> cases = {
      {"GET /\r\n\r\n", 400},                          // no version
      {"GET  / HTTP/1.1\r\n\r\n", 400},                // double space
      {"G(T / HTTP/1.1\r\n\r\n", 400},                 // not a token
      {"GET relative HTTP/1.1\r\n\r\n", 400},          // not origin form
      {"GET / HTTP/2.0\r\n\r\n", 400},                 // unsupported version
      {"GET /a\x01 HTTP/1.1\r\n\r\n", 400},            // control character
      {"GET / HTTP/1.1\r\nNoColon\r\n\r\n", 400},      // header without ':'
      {"GET / HTTP/1.1\r\nBad Name: v\r\n\r\n", 400},  // space in the name
      {"GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nContent-Length: 12a\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nContent-Length: 1000000000000\r\n\r\n", 413},
      {"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", 413},
      {"POST / HTTP/1.1\r\nExpect: 200-ok\r\n\r\n", 417},
  };
  for (const Case& c : cases) {
    const Parsed p = Parse(c.in);
    EXPECT_EQ(p.state, ParseState::kError) << c.in;
    EXPECT_EQ(p.error.status, c.status) << c.in << " -> " << p.error.message;
    EXPECT_FALSE(p.error.message.empty());
  }
  // Equal duplicate lengths are one length.
  const Parsed same = Parse("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n");
  ASSERT_EQ(same.state, ParseState::kComplete);
  EXPECT_EQ(same.head.content_length, 3);
}

TEST(HttpParseTest, LimitsOnTargetHeaderLineAndHeadSize) {
  HeadLimits limits;
  limits.max_target_bytes = 100;
  limits.max_header_line_bytes = 50;
  limits.max_head_bytes = 200;
  limits.max_headers = 5;
  // A target over the limit is 414 whether or not the line has ended yet.
  EXPECT_EQ(Parse("GET /" + std::string(100, 'a') + " HTTP/1.1\r\n\r\n", limits).error.status, 414);
  EXPECT_EQ(Parse("GET /" + std::string(300, 'a'), limits).error.status, 414);
  EXPECT_EQ(Parse("GET /" + std::string(99, 'a') + " HTTP/1.1\r\n\r\n", limits).state,
            ParseState::kComplete);
  // A long header line, complete or still arriving.
  EXPECT_EQ(Parse("GET / HTTP/1.1\r\nX: " + std::string(60, 'b') + "\r\n\r\n", limits).error.status,
            431);
  EXPECT_EQ(Parse("GET / HTTP/1.1\r\nX: " + std::string(60, 'b'), limits).error.status, 431);
  // Too many headers; too large a head.
  std::string many = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 6; ++i) many += "H" + std::to_string(i) + ": v\r\n";
  EXPECT_EQ(Parse(many + "\r\n", limits).error.status, 431);
  std::string big = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 5; ++i) big += "H" + std::to_string(i) + ": " + std::string(40, 'c') + "\r\n";
  EXPECT_EQ(Parse(big + "\r\n", limits).error.status, 431);
  // Content-Length at the body limit passes, one byte over is 413.
  limits.max_body_bytes = 10;
  EXPECT_EQ(Parse("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n", limits).state,
            ParseState::kComplete);
  EXPECT_EQ(Parse("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n", limits).error.status, 413);
}

TEST(HttpParseTest, ExpectContinueAndChunkedAreRecognised) {
  const Parsed p =
      Parse("POST /x HTTP/1.1\r\nExpect: 100-Continue\r\nTransfer-Encoding: Chunked\r\n\r\n");
  ASSERT_EQ(p.state, ParseState::kComplete);
  EXPECT_TRUE(p.head.expect_continue);
  EXPECT_TRUE(p.head.chunked);
}

TEST(HttpParseTest, DecodesChunkedBodies) {
  const std::string in =
      "4\r\nWiki\r\n5;ext=1\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\n\r\nREST";
  std::string body;
  std::size_t used = 0;
  ParseError error;
  ASSERT_EQ(DecodeChunked(in, 1000, &body, &used, &error), ParseState::kComplete) << error.message;
  EXPECT_EQ(body, "Wikipedia in\r\n\r\nchunks.");
  EXPECT_EQ(used, in.size() - 4);
  // Every proper prefix is incomplete.
  for (std::size_t n = 0; n < in.size() - 4; ++n) {
    EXPECT_EQ(DecodeChunked(in.substr(0, n), 1000, &body, &used, &error), ParseState::kIncomplete)
        << n;
  }
  // Trailers are skipped.
  ASSERT_EQ(DecodeChunked("1\r\na\r\n0\r\nX-Sum: 1\r\n\r\n", 1000, &body, &used, &error),
            ParseState::kComplete);
  EXPECT_EQ(body, "a");
  // Over the limit, bad sizes, data longer than its size.
  EXPECT_EQ(DecodeChunked("b\r\nhello world\r\n0\r\n\r\n", 10, &body, &used, &error),
            ParseState::kError);
  EXPECT_EQ(error.status, 413);
  EXPECT_EQ(DecodeChunked("zz\r\n", 10, &body, &used, &error), ParseState::kError);
  EXPECT_EQ(error.status, 400);
  EXPECT_EQ(DecodeChunked("2\r\nabc\r\n0\r\n\r\n", 10, &body, &used, &error), ParseState::kError);
  EXPECT_EQ(error.status, 400);
  EXPECT_EQ(DecodeChunked("fffffffffffffffff\r\n", 10, &body, &used, &error), ParseState::kError);
}

TEST(HttpParseTest, ReasonPhrases) {
  EXPECT_STREQ(ReasonPhrase(200), "OK");
  EXPECT_STREQ(ReasonPhrase(404), "Not Found");
  EXPECT_STREQ(ReasonPhrase(431), "Request Header Fields Too Large");
  EXPECT_STREQ(ReasonPhrase(299), "OK");
  EXPECT_STREQ(ReasonPhrase(499), "Client Error");
}

}  // namespace
}  // namespace sonance::http
