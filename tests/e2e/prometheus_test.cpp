// `sonance serve` scraped by a real Prometheus server (Debian's /usr/bin/prometheus, started
// directly on loopback with a config this test writes): the target is up, and the request
// counter Prometheus stores equals the number of requests the test made.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "support/fixtures.h"
#include "support/signals.h"

namespace sonance {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr const char* kPrometheus = "/usr/bin/prometheus";

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A child process with stdout and stderr in files; SIGTERM then wait (SIGKILL after 10 s) when
// it goes out of scope, so no path of the test leaves it running.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const fs::path& out, const fs::path& err)
      : out_(out), err_(err) {
    pid_ = ::fork();
    if (pid_ == 0) {
      const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(o, 1);
      ::dup2(e, 2);
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
  }
  ~Child() { Stop(); }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  bool Running() {
    if (pid_ <= 0 || exited_) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) exited_ = true;
    return !exited_;
  }

  // Returns whether it stopped on SIGTERM within 10 s (false: it had to be killed).
  bool Stop() {
    if (pid_ <= 0 || exited_) return true;
    ::kill(pid_, SIGTERM);
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (Clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        return true;
      }
      std::this_thread::sleep_for(milliseconds(20));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    exited_ = true;
    return false;
  }

  std::string out() const { return ReadAll(out_); }
  std::string err() const { return ReadAll(err_); }

 private:
  fs::path out_;
  fs::path err_;
  pid_t pid_ = -1;
  bool exited_ = false;
};

// A loopback port that was free a moment ago (the kernel's choice).
int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

// Polls `probe` every 200 ms until it returns true or `limit` passes.
template <typename F>
bool WaitFor(F probe, milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (probe()) return true;
    std::this_thread::sleep_for(milliseconds(200));
  }
  return probe();
}

// The result vector of an instant query, or nullopt when Prometheus did not answer "success".
std::optional<json> InstantQuery(httplib::Client& prom, const std::string& query) {
  auto res = prom.Get("/api/v1/query", httplib::Params{{"query", query}}, httplib::Headers{});
  if (!res || res->status != 200) return std::nullopt;
  json body = json::parse(res->body, nullptr, false);
  if (!body.is_object() || body.value("status", "") != "success") return std::nullopt;
  return body["data"]["result"];
}

// The value of the only series a query returns, or nullopt when there is not exactly one.
std::optional<double> SingleValue(httplib::Client& prom, const std::string& query) {
  auto result = InstantQuery(prom, query);
  if (!result || !result->is_array() || result->size() != 1) return std::nullopt;
  return std::stod((*result)[0]["value"][1].get<std::string>());
}

TEST(PrometheusTest, ScrapesRequestCountsExactly) {
  if (!fs::exists(kPrometheus)) {
    GTEST_SKIP() << kPrometheus << " is missing: run scripts/setup.sh (it installs Debian's "
                 << "prometheus package)";
  }
  test::TempDir dir;

  // A catalog of two short tones.
  const fs::path lib = dir / "lib";
  fs::create_directories(lib);
  test::WriteWav(lib / "a440.wav", test::Sine(440.0, 3.0, 0.5f), test::kRate);
  test::WriteWav(lib / "e330.wav", test::Sine(330.0, 3.0, 0.5f), test::kRate);
  const fs::path catalog = dir / "catalog.db";
  int status = 0;
  const std::string analyze = test::CaptureCommand(
      std::string(SONANCE_BINARY) + " analyze --quiet " + test::ShellQuote(lib.string()) +
          " --catalog " + test::ShellQuote(catalog.string()) + " 2>&1",
      &status);
  ASSERT_EQ(status, 0) << analyze;

  Child sonance({SONANCE_BINARY, "serve", "--port", "0", "--catalog", catalog.string(),
                 "--log-file", (dir / "debug.log").string(), "--stderr-log-level", "warn"},
                dir / "serve.out", dir / "serve.err");
  int port = 0;
  ASSERT_TRUE(WaitFor(
      [&] {
        std::smatch m;
        const std::string out = sonance.out();
        if (std::regex_search(out, m, std::regex(R"(listening on http://127\.0\.0\.1:(\d+))"))) {
          port = std::stoi(m[1]);
        }
        return port > 0 || !sonance.Running();
      },
      milliseconds(10000)));
  ASSERT_GT(port, 0) << "sonance serve did not start: " << sonance.err();

  const int prom_port = FreePort();
  ASSERT_GT(prom_port, 0);
  const fs::path config = dir / "prometheus.yml";
  {
    std::ofstream yml(config);
    yml << "global:\n"
           "  scrape_interval: 1s\n"
           "  scrape_timeout: 1s\n"
           "  evaluation_interval: 1s\n"
           "scrape_configs:\n"
           "  - job_name: sonance\n"
           "    metrics_path: /metrics\n"
           "    static_configs:\n"
           "      - targets: [\"127.0.0.1:"
        << port << "\"]\n";
  }
  Child prometheus(
      {kPrometheus, "--config.file=" + config.string(),
       "--storage.tsdb.path=" + (dir / "tsdb").string(),
       "--web.listen-address=127.0.0.1:" + std::to_string(prom_port), "--log.level=warn"},
      dir / "prometheus.out", dir / "prometheus.err");
  httplib::Client prom("127.0.0.1", prom_port);
  prom.set_connection_timeout(2);
  prom.set_read_timeout(5);

  // Ready, and scraping Sonance.
  ASSERT_TRUE(WaitFor(
      [&] {
        auto r = prom.Get("/-/ready");
        return (r && r->status == 200) || !prometheus.Running();
      },
      milliseconds(20000)));
  ASSERT_TRUE(prometheus.Running()) << "prometheus exited: " << prometheus.err();
  json target;
  const bool up = WaitFor(
      [&] {
        auto r = prom.Get("/api/v1/targets");
        if (!r || r->status != 200) return false;
        json body = json::parse(r->body, nullptr, false);
        if (!body.is_object() || !body["data"]["activeTargets"].is_array() ||
            body["data"]["activeTargets"].size() != 1) {
          return false;
        }
        target = body["data"]["activeTargets"][0];
        return target.value("health", "") == "up";
      },
      milliseconds(15000));
  ASSERT_TRUE(up) << "target never up: " << target.dump() << "\n" << prometheus.err();
  EXPECT_EQ(target["labels"].value("job", ""), "sonance");
  EXPECT_EQ(target.value("scrapeUrl", ""), "http://127.0.0.1:" + std::to_string(port) + "/metrics");
  EXPECT_EQ(target.value("lastError", "x"), "");
  // Nothing has asked for "/" yet, so Prometheus holds no such series.
  auto before = InstantQuery(prom, "request_count{route=\"/\"}");
  ASSERT_TRUE(before.has_value());
  EXPECT_TRUE(before->empty()) << before->dump();

  constexpr int kRequests = 7;
  httplib::Client api("127.0.0.1", port);
  for (int i = 0; i < kRequests; ++i) {
    auto r = api.Get("/");
    ASSERT_TRUE(r) << "request " << i;
    ASSERT_EQ(r->status, 200);
  }

  // Scraped every second: the stored counter reaches exactly the number of requests.
  std::optional<double> count;
  std::optional<double> observed;
  WaitFor(
      [&] {
        count = SingleValue(prom, "request_count{route=\"/\",method=\"GET\",status=\"200\"}");
        observed = SingleValue(prom, "request_duration_seconds_count{route=\"/\",status=\"200\"}");
        return count == kRequests && observed == kRequests;
      },
      milliseconds(20000));
  ASSERT_TRUE(count.has_value()) << "no request_count{route=\"/\"} series in Prometheus";
  EXPECT_EQ(*count, kRequests);
  ASSERT_TRUE(observed.has_value());
  EXPECT_EQ(*observed, kRequests);
  // The whole family by route has that one series for "/".
  auto by_route = InstantQuery(prom, "request_count{route=\"/\"}");
  ASSERT_TRUE(by_route.has_value());
  EXPECT_EQ(by_route->size(), 1u) << by_route->dump();

  EXPECT_TRUE(prometheus.Stop()) << "prometheus did not stop on SIGTERM";
  EXPECT_TRUE(sonance.Stop()) << "sonance serve did not stop on SIGTERM";
}

}  // namespace
}  // namespace sonance
