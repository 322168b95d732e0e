#include "sonance/server/http_transport.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "support/raw_http.h"

namespace sonance {
namespace {

using nlohmann::json;

class TransportTest : public ::testing::Test {
 protected:
  void Start(HttpServerOptions o = Options()) {
    server_ = std::make_unique<HttpServer>(o);
    server_->Route("GET", "/items/{id}", [](const HttpRequest& r) {
      return HttpResponse::Json({{"id", r.path_params.at("id")}, {"route", r.route}});
    });
    server_->Route("GET", "/echo", [](const HttpRequest& r) {
      const std::string* v = r.Query("v");
      return HttpResponse::Json({{"v", v ? *v : ""}, {"count", r.QueryCount("v")}});
    });
    server_->Route("POST", "/echo", [](const HttpRequest& r) {
      return HttpResponse::Json({{"body", r.body}});
    });
    server_->Route("GET", "/slow", [](const HttpRequest&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(400));
      return HttpResponse::Json({{"done", true}});
    });
    // A worker route that holds its worker until /inline has been answered (or 5 s pass).
    server_->Route("GET", "/hold", [this](const HttpRequest&) {
      std::unique_lock lock(mu_);
      holding_ = true;
      const bool released =
          cv_.wait_for(lock, std::chrono::seconds(5), [this] { return released_; });
      holding_ = false;
      return HttpResponse::Json({{"released", released}});
    });
    server_->Route(
        "GET", "/inline",
        [this](const HttpRequest& r) {
          std::lock_guard lock(mu_);
          return HttpResponse::Json({{"path", r.path}, {"hold_running", holding_}});
        },
        RouteMode::kInline);
    server_->Route("GET", "/bug", [](const HttpRequest&) -> HttpResponse {
      try {
        throw std::runtime_error("disk on fire");
      } catch (...) {
        std::throw_with_nested(std::logic_error("while reading the thing"));
      }
    });
    server_->Route("GET", "/teapot", [](const HttpRequest&) -> HttpResponse {
      throw HttpError(418, "short and stout", {{"spout", true}});
    });
    server_->SetRequestObserver([this](const RequestRecord& r) {
      std::lock_guard lock(mu_);
      records_.push_back(r);
    });
    ASSERT_TRUE(server_->Bind().ok());
    thread_ = std::thread([this] { (void)server_->Run(); });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
  }
  static HttpServerOptions Options() {
    HttpServerOptions o;
    o.port = 0;
    o.threads = 4;
    return o;
  }
  void TearDown() override {
    if (server_) server_->Stop();
    if (thread_.joinable()) thread_.join();
  }
  std::vector<RequestRecord> Records() {
    std::lock_guard lock(mu_);
    return records_;
  }

  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  std::unique_ptr<httplib::Client> client_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool holding_ = false;
  bool released_ = false;
  std::vector<RequestRecord> records_;
};

using test::ConnectLoopback;
using test::ParseResponse;
using test::RawResponse;
using test::ReadUntilClose;
using test::SendAll;

// Reads from `fd` until `count` complete responses have arrived (or 5 s pass).
std::vector<RawResponse> ReadResponses(int fd, std::size_t count) {
  std::vector<RawResponse> out;
  std::string raw;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (out.size() < count && std::chrono::steady_clock::now() < deadline) {
    RawResponse r;
    if (const std::size_t used = ParseResponse(raw, &r); used > 0) {
      raw.erase(0, used);
      out.push_back(std::move(r));
      continue;
    }
    bool closed = false;
    const std::string more = ReadUntilClose(fd, std::chrono::milliseconds(50), &closed);
    raw += more;
    if (closed && more.empty()) break;
  }
  return out;
}

TEST_F(TransportTest, PathParametersAndTrailingSlashes) {
  Start();
  auto r = client_->Get("/items/abc");
  ASSERT_TRUE(r);
  EXPECT_EQ(json::parse(r->body), json({{"id", "abc"}, {"route", "/items/{id}"}}));
  auto slash = client_->Get("/items/abc/");
  ASSERT_TRUE(slash);
  EXPECT_EQ(slash->status, 200);
  EXPECT_EQ(client_->Get("/items")->status, 404);
  EXPECT_EQ(client_->Get("/items/a/b")->status, 404);
}

TEST_F(TransportTest, QueryValuesAreDecodedAndCounted) {
  Start();
  client_->set_url_encode(false);
  auto r = client_->Get("/echo?v=a%20b%2Bc&v=2");
  ASSERT_TRUE(r);
  EXPECT_EQ(json::parse(r->body), json({{"v", "a b+c"}, {"count", 2}}));
  auto bad = client_->Get("/echo?v=%FF%FE");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_NE(bad->body.find("not valid UTF-8"), std::string::npos);
}

TEST_F(TransportTest, HandlerErrorsAndExceptionsBecomeTheErrorShapeWithTheRequestId) {
  Start();
  auto tea = client_->Get("/teapot");
  ASSERT_TRUE(tea);
  EXPECT_EQ(tea->status, 418);
  json body = json::parse(tea->body);
  EXPECT_EQ(body["error"]["status"], 418);
  EXPECT_EQ(body["error"]["message"], "short and stout");
  EXPECT_EQ(body["error"]["spout"], true);
  EXPECT_EQ(body["error"]["id"], tea->get_header_value("X-Request-Id"));

  auto bug = client_->Get("/bug");
  ASSERT_TRUE(bug);
  EXPECT_EQ(bug->status, 500);
  body = json::parse(bug->body);
  EXPECT_EQ(body["error"]["status"], 500);
  EXPECT_EQ(body["error"]["message"].get<std::string>().find("disk"), std::string::npos)
      << "internals must not leak to clients";
  const std::string id = body["error"]["id"];
  bool logged = false;
  for (const auto& rec : Records()) {
    if (rec.request_id == id) {
      logged = true;
      EXPECT_EQ(rec.status, 500);
      EXPECT_EQ(rec.route, "/bug");
      EXPECT_EQ(rec.exception, "while reading the thing <- disk on fire");
    }
  }
  EXPECT_TRUE(logged);
}

TEST_F(TransportTest, RequestIdsAreUniqueAndObserverSeesRouteStatusAndLatency) {
  Start();
  for (int i = 0; i < 5; ++i) client_->Get("/items/x");
  auto records = Records();
  ASSERT_EQ(records.size(), 5u);
  std::set<std::string> ids;
  for (const auto& r : records) {
    ids.insert(r.request_id);
    EXPECT_EQ(r.route, "/items/{id}");
    EXPECT_EQ(r.status, 200);
    EXPECT_GT(r.seconds, 0.0);
    EXPECT_GT(r.response_bytes, 0u);
  }
  EXPECT_EQ(ids.size(), 5u);
}

TEST_F(TransportTest, HeadIsServedByGetRoutes) {
  Start();
  auto r = client_->Head("/items/x");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(r->body.empty());
}

TEST_F(TransportTest, StopLetsTheRequestInFlightFinish) {
  Start();
  std::atomic<int> status{0};
  std::string body;
  std::thread slow([&] {
    httplib::Client c("127.0.0.1", server_->port());
    auto r = c.Get("/slow");
    if (r) {
      body = r->body;
      status = r->status;
    } else {
      status = -1;
    }
  });
  // Wait until the request is being handled, then stop.
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  server_->Stop();
  slow.join();
  thread_.join();
  EXPECT_EQ(status.load(), 200);
  EXPECT_EQ(json::parse(body), json({{"done", true}}));
  // Nothing listens any more.
  httplib::Client after("127.0.0.1", server_->port());
  after.set_connection_timeout(std::chrono::milliseconds(300));
  EXPECT_FALSE(after.Get("/items/x"));
}

TEST_F(TransportTest, KeepAliveServesPipelinedRequestsInOrderThenHonoursClose) {
  Start();
  test::Fd fd = ConnectLoopback(server_->port());
  ASSERT_TRUE(fd.valid());
  // Three requests in one write: answered in order on the same connection.
  ASSERT_TRUE(SendAll(fd.get(),
                      "GET /items/a HTTP/1.1\r\nHost: x\r\n\r\n"
                      "GET /inline?x=1 HTTP/1.1\r\nHost: x\r\n\r\n"
                      "GET /items/c HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto rs = ReadResponses(fd.get(), 3);
  ASSERT_EQ(rs.size(), 3u);
  EXPECT_EQ(json::parse(rs[0].body)["id"], "a");
  EXPECT_EQ(json::parse(rs[1].body)["path"], "/inline");
  EXPECT_EQ(json::parse(rs[2].body)["id"], "c");
  for (const auto& r : rs) {
    EXPECT_EQ(r.headers.count("connection"), 0u);
    EXPECT_EQ(r.headers.count("date"), 1u);
    EXPECT_EQ(r.headers.at("x-request-id").size(), 16u);
  }
  // A request asking to close gets its answer, then the server closes.
  ASSERT_TRUE(SendAll(fd.get(), "GET /items/d HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  bool closed = false;
  const std::string last = ReadUntilClose(fd.get(), std::chrono::milliseconds(3000), &closed);
  RawResponse r;
  ASSERT_GT(ParseResponse(last, &r), 0u) << last;
  EXPECT_EQ(json::parse(r.body)["id"], "d");
  EXPECT_EQ(r.headers.at("connection"), "close");
  EXPECT_TRUE(closed);
}

TEST_F(TransportTest, KeepAliveMaxCountEndsTheConnection) {
  HttpServerOptions o = Options();
  o.keep_alive_max_count = 2;
  Start(o);
  test::Fd fd = ConnectLoopback(server_->port());
  ASSERT_TRUE(SendAll(fd.get(),
                      "GET /items/1 HTTP/1.1\r\n\r\nGET /items/2 HTTP/1.1\r\n\r\n"
                      "GET /items/3 HTTP/1.1\r\n\r\n"));
  bool closed = false;
  const std::string raw = ReadUntilClose(fd.get(), std::chrono::milliseconds(3000), &closed);
  RawResponse first;
  RawResponse second;
  const std::size_t used = ParseResponse(raw, &first);
  ASSERT_GT(used, 0u) << raw;
  ASSERT_GT(ParseResponse(std::string_view(raw).substr(used), &second), 0u) << raw;
  EXPECT_EQ(first.headers.count("connection"), 0u);
  EXPECT_EQ(second.headers.at("connection"), "close");
  EXPECT_EQ(json::parse(second.body)["id"], "2");
  EXPECT_TRUE(closed);
  // The third request was never answered.
  EXPECT_EQ(raw.find("\"3\""), std::string::npos);
}

TEST_F(TransportTest, ChunkedBodiesAndExpectContinue) {
  Start();
  const RawResponse chunked = test::Exchange(
      server_->port(),
      "POST /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n7;note=x\r\n, world\r\n0\r\n\r\n");
  EXPECT_EQ(chunked.status, 200);
  EXPECT_EQ(json::parse(chunked.body)["body"], "hello, world");

  // The server says 100 Continue before the body is sent, then answers the request.
  test::Fd fd = ConnectLoopback(server_->port());
  ASSERT_TRUE(SendAll(fd.get(),
                      "POST /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 4\r\n"
                      "Expect: 100-continue\r\n\r\n"));
  auto interim = ReadResponses(fd.get(), 1);
  ASSERT_EQ(interim.size(), 1u);
  EXPECT_EQ(interim[0].status, 100);
  ASSERT_TRUE(SendAll(fd.get(), "ping"));
  auto final_answer = ReadResponses(fd.get(), 1);
  ASSERT_EQ(final_answer.size(), 1u);
  EXPECT_EQ(final_answer[0].status, 200);
  EXPECT_EQ(json::parse(final_answer[0].body)["body"], "ping");
}

TEST_F(TransportTest, AWorkerRouteDoesNotHoldUpInlineRoutesOnItsLoop) {
  HttpServerOptions o = Options();
  o.io_threads = 1;  // one loop serves both connections
  Start(o);
  std::string hold_body;
  std::thread holder([&] {
    httplib::Client c("127.0.0.1", server_->port());
    c.set_read_timeout(std::chrono::seconds(10));
    if (auto r = c.Get("/hold")) hold_body = r->body;
  });
  // Wait until the worker holds its request.
  for (int i = 0; i < 500; ++i) {
    {
      std::lock_guard lock(mu_);
      if (holding_) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  auto r = client_->Get("/inline");
  ASSERT_TRUE(r);
  // Answered by the loop while the worker still held /hold.
  EXPECT_EQ(json::parse(r->body)["hold_running"], true);
  {
    std::lock_guard lock(mu_);
    released_ = true;
  }
  cv_.notify_all();
  holder.join();
  EXPECT_EQ(json::parse(hold_body)["released"], true);
}

TEST_F(TransportTest, APartialRequestGets408AfterTheReadTimeout) {
  HttpServerOptions o = Options();
  o.read_timeout_ms = 200;
  Start(o);
  test::Fd fd = ConnectLoopback(server_->port());
  ASSERT_TRUE(SendAll(fd.get(), "GET /items/x HTTP/1.1\r\nHost: x\r\n"));
  bool closed = false;
  const std::string raw = ReadUntilClose(fd.get(), std::chrono::milliseconds(3000), &closed);
  RawResponse r;
  ASSERT_GT(ParseResponse(raw, &r), 0u) << raw;
  EXPECT_EQ(r.status, 408);
  EXPECT_EQ(test::ErrorShapeProblem(r), "");
  EXPECT_TRUE(closed);
  auto records = Records();
  ASSERT_FALSE(records.empty());
  EXPECT_EQ(records.back().route, "transport");
  EXPECT_EQ(records.back().status, 408);
}

TEST_F(TransportTest, StopClosesIdleKeepAliveConnections) {
  Start();
  test::Fd fd = ConnectLoopback(server_->port());
  ASSERT_TRUE(SendAll(fd.get(), "GET /items/x HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_EQ(ReadResponses(fd.get(), 1).size(), 1u);
  server_->Stop();
  thread_.join();  // returns without waiting for the idle connection's keep-alive timeout
  bool closed = false;
  ReadUntilClose(fd.get(), std::chrono::milliseconds(3000), &closed);
  EXPECT_TRUE(closed);
}

TEST(TransportBindTest, APortInUseIsAnIOErrorNamingTheAddress) {
  HttpServerOptions o;
  o.port = 0;
  HttpServer first(o);
  ASSERT_TRUE(first.Bind().ok());
  HttpServerOptions same;
  same.port = first.port();
  HttpServer second(same);
  Status s = second.Bind();
  EXPECT_EQ(s.code(), StatusCode::kIOError);
  EXPECT_NE(s.message().find("127.0.0.1:" + std::to_string(first.port())), std::string::npos)
      << s.message();
}

TEST(HttpStatusForTest, MapsStatusCodes) {
  EXPECT_EQ(HttpStatusFor(StatusCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(StatusCode::kIOError), 503);
  EXPECT_EQ(HttpStatusFor(StatusCode::kCorrupt), 500);
}

}  // namespace
}  // namespace sonance
