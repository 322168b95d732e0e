#include "sonance/server/http_transport.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

namespace sonance {
namespace {

using nlohmann::json;

class TransportTest : public ::testing::Test {
 protected:
  void Start() {
    HttpServerOptions o;
    o.port = 0;
    o.threads = 4;
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
  std::vector<RequestRecord> records_;
};

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
