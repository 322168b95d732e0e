// The server under hostile and heavy input, over raw loopback sockets so that nothing between
// the test and the transport cleans the bytes up: a seeded fuzz corpus of malformed targets,
// methods and bodies; oversized headers and bodies; a client that stalls mid-request; and a
// thousand connections at once. The contract checked everywhere: no 5xx, every error in the
// one JSON shape with its HTTP status inside, and the server still healthy afterwards.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "sonance/catalog/catalog.h"
#include "sonance/server/api.h"
#include "sonance/server/catalog_view.h"
#include "sonance/server/http_transport.h"
#include "sonance/server/metrics.h"
#include "support/fixtures.h"
#include "support/raw_http.h"

namespace sonance {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

using test::ConnectLoopback;
using test::ErrorShapeProblem;
using test::Exchange;
using test::Fd;
using test::Get;
using test::ParseResponse;
using test::RawResponse;
using test::ReadUntilClose;
using test::SendAll;

// Printable form of a request for failure messages.
std::string Escaped(std::string_view s, std::size_t max = 300) {
  std::string out;
  for (unsigned char c : s.substr(0, max)) {
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  if (s.size() > max) out += "...(" + std::to_string(s.size()) + " bytes)";
  return out;
}

// ---- the server under test --------------------------------------------------------------------

TrackAnalysis Analysis(double tempo, int key) {
  TrackAnalysis a;
  a.features.danceability = 0.5;
  a.features.energy = 0.75;
  a.features.key = key;
  a.features.loudness = -7.25;
  a.features.mode = 1;
  a.features.speechiness = 0.05;
  a.features.acousticness = 0.25;
  a.features.instrumentalness = 0.5;
  a.features.liveness = 0.125;
  a.features.valence = 0.375;
  a.features.tempo = tempo;
  a.features.time_signature = 4;
  a.features.duration_ms = 180000;
  a.features.features_version = kFeaturesVersion;
  a.analysis.features_version = kFeaturesVersion;
  a.analysis.track.tempo = tempo;
  a.analysis.track.duration = 180.0;
  a.analysis.track.key = key;
  for (int i = 0; i < 4; ++i) a.analysis.beats.push_back({0.5 * i, 0.5, 0.5});
  return a;
}

TrackTags Tags(std::string title, std::vector<std::string> artists, std::string album,
               std::string date, std::string genre) {
  TrackTags t;
  t.title = std::move(title);
  t.artists = std::move(artists);
  t.album = std::move(album);
  t.release_date = std::move(date);
  t.genre = std::move(genre);
  t.track_number = 3;
  return t;
}

struct Song {
  std::string path;
  std::string title;
  std::string artist;
};

const std::vector<Song>& Songs() {
  static const std::vector<Song> songs = {
      {"/lib/harbour.flac", "Harbour Lights", "The Tide Singers"},
      {"/lib/motor.flac", "Mot\xC3\xB6rway Song", "Beyonc\xC3\xA9"},
      {"/lib/feat.flac", "Night Drive (feat. Nobody)", "Ada & Bo"},
      {"/lib/rain.flac", "Rain on Glass", "The Tide Singers"},
      {"/lib/year.flac", "1999 - Remastered", "Neon \"Quote\" Band"},
  };
  return songs;
}

// A small catalog, its view, and the API on a free loopback port with tight limits: few
// workers (so a thousand connections queue), a short read timeout and a small body limit.
class RobustnessTest : public ::testing::Test {
 protected:
  static constexpr std::int64_t kMaxBody = 4096;
  static constexpr int kReadTimeoutMs = 300;
  static constexpr int kThreads = 16;

  void SetUp() override {
    const auto path = dir_ / "catalog.db";
    {
      auto cat = Catalog::Open(path);
      ASSERT_TRUE(cat.ok()) << cat.status().ToString();
      int key = 0;
      for (const Song& s : Songs()) {
        ASSERT_TRUE(
            (*cat)
                ->StoreAnalysis({s.path, 1000, 1}, "hash" + s.path,
                                Tags(s.title, {s.artist}, "Album " + s.title, "2001-02-03", "Folk"),
                                Analysis(90.0 + key * 10, key))
                .ok());
        ++key;
      }
      ASSERT_TRUE((*cat)->StoreFailure({"/lib/broken.mp3", 10, 1}, "h", "not audio").ok());
    }
    for (const Song& s : Songs()) ids_.push_back(TrackIdForPath(s.path));
    failed_id_ = TrackIdForPath("/lib/broken.mp3");

    view_ = CatalogView::Open(path, {milliseconds(200)});
    ASSERT_TRUE(view_->Availability().ok()) << view_->Availability().ToString();
    RegisterServerMetrics(metrics_);
    HttpServerOptions options;
    options.port = 0;
    options.threads = kThreads;
    options.max_body_bytes = kMaxBody;
    options.read_timeout_ms = kReadTimeoutMs;
    options.write_timeout_ms = 2000;
    options.keep_alive_timeout_s = 1;
    server_ = std::make_unique<HttpServer>(options);
    context_.catalog = view_.get();
    context_.metrics = &metrics_;
    context_.version = "test";
    RegisterApiRoutes(*server_, context_);
    server_->SetRequestObserver([this](const RequestRecord& r) {
      RecordRequestMetrics(metrics_, r);
      if (r.status >= 500) {
        std::lock_guard lock(mu_);
        server_errors_.push_back(r.method + " " + r.target + " -> " + std::to_string(r.status) +
                                 " " + r.exception);
      }
    });
    ASSERT_TRUE(server_->Bind().ok());
    port_ = server_->port();
    thread_ = std::thread([this] { (void)server_->Run(); });
  }

  void TearDown() override {
    if (server_) server_->Stop();
    if (thread_.joinable()) thread_.join();
    std::lock_guard lock(mu_);
    EXPECT_TRUE(server_errors_.empty()) << "server-side 5xx: " << server_errors_.front();
  }

  void ExpectHealthy() {
    const RawResponse r = Exchange(port_, Get("/api/health"));
    ASSERT_EQ(r.status, 200) << r.body;
    const json body = json::parse(r.body, nullptr, false);
    EXPECT_EQ(body.value("status", ""), "ok") << r.body;
    EXPECT_EQ(body["catalog"].value("tracks", 0), 6) << r.body;
  }

  test::TempDir dir_;
  std::vector<std::string> ids_;
  std::string failed_id_;
  std::unique_ptr<CatalogView> view_;
  MetricsRegistry metrics_;
  ApiContext context_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::vector<std::string> server_errors_;
};

// ---- fuzz corpus ------------------------------------------------------------------------------

// Builds random, mostly hostile requests from a seeded generator, so every failure reproduces.
class RequestFuzzer {
 public:
  RequestFuzzer(std::uint32_t seed, std::vector<std::string> ids)
      : rng_(seed), ids_(std::move(ids)) {}

  struct Case {
    std::string method;
    std::string request;
  };

  Case Next() {
    if (Chance(0.25)) return Plausible();
    Case c;
    c.method = Method();
    std::string target = Path();
    const std::string query = Query();
    if (!query.empty() || Chance(0.05)) target += "?" + query;
    if (Chance(0.03)) target += "#fragment";
    std::string req = c.method + " " + target + " " + (Chance(0.97) ? "HTTP/1.1" : Pick(kVersions));
    req += "\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    if (Chance(0.1)) req += Pick(kHeaders) + "\r\n";
    std::string body;
    if (c.method == "POST" || c.method == "PUT" || c.method == "PATCH" || Chance(0.1)) {
      body = Chance(0.7) ? RandomJson(0).dump(-1, ' ', false, json::error_handler_t::replace)
                         : RandomBytes(Uniform(0, 600));
      if (Chance(0.8)) req += "Content-Type: application/json\r\n";
      req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    }
    req += "\r\n" + body;
    c.request = std::move(req);
    return c;
  }

 private:
  inline static const std::vector<std::string> kVersions = {"HTTP/1.0", "HTTP/2.0", "HTTP/1.1x",
                                                            "http/1.1", "",         "HTTP/9"};
  inline static const std::vector<std::string> kHeaders = {
      "Accept: */*",
      "Accept-Encoding: identity",
      "Range: bytes=0-5",
      "Range: bytes=999999-",
      "Range: bytes=abc",
      "X-Forwarded-For: 10.0.0.1",
      "Expect: 100-continue",
      "Content-Type: multipart/form-data; boundary=zz",
      "Content-Type: application/x-www-form-urlencoded",
      "Cookie: a=b; c",
      "If-None-Match: *",
      "X-Weird: \x01\x02\xff",
      "NoColonHeader",
      ": empty-name",
  };
  inline static const std::vector<std::string> kRoutes = {
      "/",
      "/api/health",
      "/get_track_data",
      "/api/features",
      "/api/raw_features",
      "/v1/tracks/{id}",
      "/v1/audio-features",
      "/v1/audio-features/{id}",
      "/v1/audio-analysis/{id}",
      "/v1/search",
      "/metrics",
      "/openapi.json",
      "/docs",
  };
  inline static const std::vector<std::string> kParams = {
      "track_name", "artist", "song", "ids", "q", "type", "limit", "offset", "market", "",
  };

  // A well-formed GET a client could send, so that the handlers, not only the parser, run.
  Case Plausible() {
    const Song& song = Pick(Songs());
    std::string target;
    switch (Uniform(0, 9)) {
      case 0:
        target = "/v1/audio-features/" + Id();
        break;
      case 1:
        target = "/v1/tracks/" + Id();
        break;
      case 2:
        target = "/v1/audio-analysis/" + Id();
        break;
      case 3:
        target = "/v1/audio-features?ids=" + Id() + "," + Id();
        break;
      case 4:
        target = "/get_track_data?track_name=" + Percent(song.title) +
                 (Chance(0.5) ? "&artist=" + Percent(song.artist) : "");
        break;
      case 5:
        target = Pick(std::vector<std::string>{"/api/features?song=", "/api/raw_features?song="}) +
                 Percent(Chance(0.8) ? song.title : RandomText(8));
        break;
      case 6:
      case 7: {
        const std::string word = song.title.substr(0, song.title.find(' '));
        target = "/v1/search?q=" + Percent(Chance(0.7) ? word : Value()) +
                 "&limit=" + std::to_string(Uniform(0, 50)) +
                 "&offset=" + std::to_string(Uniform(0, 5));
        break;
      }
      default:
        target = Pick(
            std::vector<std::string>{"/", "/api/health", "/metrics", "/openapi.json", "/docs"});
        break;
    }
    return {"GET", "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"};
  }

  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  int Uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[static_cast<std::size_t>(Uniform(0, static_cast<int>(v.size()) - 1))];
  }

  std::string Method() {
    const int r = Uniform(0, 99);
    if (r < 60) return "GET";
    if (r < 70) return "POST";
    if (r < 75) return "HEAD";
    if (r < 88) return Pick(std::vector<std::string>{"PUT", "DELETE", "PATCH", "OPTIONS"});
    if (r < 92) return Pick(std::vector<std::string>{"CONNECT", "TRACE", "PRI"});
    return Pick(std::vector<std::string>{"get", "FOO", "G\x01T", "GET\x7f", "", "POSTT",
                                         std::string(300, 'M')});
  }

  std::string Id() {
    switch (Uniform(0, 9)) {
      case 0:
      case 1:
      case 2:
        return Pick(ids_);
      case 3:
        return "0000000000000000000000";  // well formed, unknown
      case 4:
        return Pick(ids_).substr(0, 21);
      case 5:
        return Pick(ids_) + "A";
      case 6:
        return std::string(21, 'a') + "-";
      case 7:
        return Percent(Pick(ids_));
      case 8:
        return "%00" + Pick(ids_).substr(1);
      default:
        return RandomText(Uniform(0, 40));
    }
  }

  std::string Path() {
    std::string path = Pick(kRoutes);
    if (const auto at = path.find("{id}"); at != std::string::npos) path.replace(at, 4, Id());
    const int mutations = Chance(0.5) ? 0 : Uniform(1, 3);
    for (int i = 0; i < mutations; ++i) {
      switch (Uniform(0, 9)) {
        case 0:
          path += "/..";
          break;
        case 1:
          path = "/.." + path;
          break;
        case 2:
          path.insert(static_cast<std::size_t>(Uniform(0, static_cast<int>(path.size()))), "//");
          break;
        case 3:
          path += Chance(0.5) ? "%2F" : "%2f";
          break;
        case 4:
          path += "/" + std::string(static_cast<std::size_t>(Uniform(200, 12000)), 'x');
          break;
        case 5:
          path += "/";
          break;
        case 6:
          path += "/" + Pick(std::vector<std::string>{"%", "%G1", "%4", "%C3%28", "%FF%FE", "%00",
                                                      "%E2%82", "%ED%A0%80", "%C0%AF"});
          break;
        case 7:
          path += "/" + RandomText(Uniform(1, 30));
          break;
        case 8:
          path = Chance(0.5) ? "*" : "http://127.0.0.1" + path;
          break;
        default:
          path += std::string(1, static_cast<char>(Uniform(0x80, 0xff)));  // raw high byte
          break;
      }
    }
    return path;
  }

  std::string Value() {
    switch (Uniform(0, 15)) {
      case 0:
        return "";
      case 1:
        return std::to_string(Uniform(-100, 2000));
      case 2:
        return Pick(std::vector<std::string>{"99999999999999999999", "-0", "+5", "1e3", "0x10",
                                             "5.5", " 5", "5 ", "NaN", "2147483648",
                                             "-2147483649"});
      case 3:
        return std::string(static_cast<std::size_t>(Uniform(400, 700)), 'a');  // around the 512 cap
      case 4:
        return std::string(static_cast<std::size_t>(Uniform(5000, 20000)), 'b');  // past 8 KiB
      case 5:
        return Pick(std::vector<std::string>{"%", "%G1", "%4", "%zz", "100%", "%%"});
      case 6:
        return Pick(std::vector<std::string>{"%00", "a%00b", "%C3%28", "%FF", "%ED%A0%80",
                                             "%F4%90%80%80", "%C0%80", "%E2%82"});
      case 7: {  // year filters and quoting in search
        return Pick(std::vector<std::string>{"year:",
                                             "year:-",
                                             "year:abc",
                                             "year:1999-",
                                             "year:-1999",
                                             "year:0",
                                             "year:2000-1990",
                                             "year:99999999999999",
                                             "artist:%22unterminated",
                                             "track:",
                                             "genre:%22%22",
                                             "%22%22",
                                             "artist:",
                                             "x+year:2001",
                                             "harbour+year:1990-2010",
                                             "%3A",
                                             "::::",
                                             "year:1%2D2",
                                             "artist:%22the+tide%22",
                                             "album:%20",
                                             "%09%09"});
      }
      case 8: {
        std::string ids;
        const int n = Pick(std::vector<int>{0, 1, 2, 50, 100, 101, 400});
        for (int i = 0; i < n; ++i) ids += (i ? "," : "") + Id();
        return ids;
      }
      case 9:
        return Pick(std::vector<std::string>{",", ",,,", "track,album", "artist", "TRACK", "track,",
                                             "playlist,track,show"});
      case 10: {
        const Song& s = Pick(Songs());
        return Percent(Chance(0.5) ? s.title : s.artist + " - " + s.title);
      }
      case 11:
        return Percent(RandomBytes(Uniform(1, 40)));
      case 12:
        return RandomBytes(Uniform(1, 10));  // raw bytes straight into the request line
      case 13:
        return "a+b+c+the+feat.+%26+%27";
      default:
        return RandomText(Uniform(1, 20));
    }
  }

  std::string Query() {
    std::string q;
    const int n = Uniform(0, 5);
    for (int i = 0; i < n; ++i) {
      if (!q.empty()) q += Chance(0.95) ? "&" : Pick(std::vector<std::string>{"&&", ";", "&="});
      q += Chance(0.9) ? Pick(kParams) : Value();
      if (Chance(0.9)) q += "=" + Value();
      if (Chance(0.1)) q += "=" + Value();  // a second '='
    }
    return q;
  }

  std::string RandomText(int n) {
    static const std::string kAlphabet =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$'()*+,;:@";
    std::string s;
    for (int i = 0; i < n; ++i) s.push_back(kAlphabet[static_cast<std::size_t>(Uniform(0, 75))]);
    return s;
  }

  std::string RandomBytes(int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s.push_back(static_cast<char>(Uniform(0, 255)));
    return s;
  }

  static std::string Percent(std::string_view s) {
    static const char* kHex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
      if (std::isalnum(c)) {
        out.push_back(static_cast<char>(c));
      } else {
        out += '%';
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
    }
    return out;
  }

  json RandomJson(int depth) {
    switch (Uniform(0, depth > 3 ? 4 : 6)) {
      case 0:
        return nullptr;
      case 1:
        return Chance(0.5);
      case 2:
        return Chance(0.5) ? json(Uniform(-1000000, 1000000)) : json(1e308 * Uniform(-1, 1));
      case 3:
        return RandomBytes(Uniform(0, 20));  // may be invalid UTF-8
      case 4:
        return RandomText(Uniform(0, 20));
      case 5: {
        json a = json::array();
        for (int i = Uniform(0, 5); i > 0; --i) a.push_back(RandomJson(depth + 1));
        return a;
      }
      default: {
        json o = json::object();
        for (int i = Uniform(0, 5); i > 0; --i)
          o[RandomText(Uniform(1, 8))] = RandomJson(depth + 1);
        return o;
      }
    }
  }

  std::mt19937 rng_;
  std::vector<std::string> ids_;
};

TEST_F(RobustnessTest, FuzzedRequestsNeverGet5xxAndErrorsKeepTheJsonShape) {
  constexpr int kCases = 3000;
  RequestFuzzer fuzzer(20240917u, ids_);
  std::map<int, int> by_status;
  int unanswered = 0;
  std::vector<std::string> failures;
  for (int i = 0; i < kCases; ++i) {
    const RequestFuzzer::Case c = fuzzer.Next();
    const RawResponse r = Exchange(port_, c.request, c.method == "HEAD");
    ++by_status[r.status];
    auto fail = [&](const std::string& why) {
      if (failures.size() < 10) {
        failures.push_back("case " + std::to_string(i) + ": " + why +
                           "\n  request: " + Escaped(c.request));
      }
    };
    if (r.status == 0) {
      ++unanswered;
      fail("no response");
      continue;
    }
    if (r.status >= 500) fail("status " + std::to_string(r.status) + ": " + r.body);
    if (r.status >= 400 && c.method != "HEAD") {
      if (std::string why = ErrorShapeProblem(r); !why.empty()) fail(why);
    }
    if (r.status == 200 && c.method != "HEAD") {
      const std::string ct = r.headers.count("content-type") ? r.headers.at("content-type") : "";
      if (ct.starts_with("application/json") && !json::accept(r.body)) {
        fail("200 with a body that is not JSON");
      }
    }
  }
  std::string summary;
  for (const auto& [status, n] : by_status) {
    summary += std::to_string(status) + ":" + std::to_string(n) + " ";
  }
  std::string listed;
  for (const std::string& f : failures) listed += f + "\n";
  EXPECT_TRUE(failures.empty()) << failures.size() << " failures listed (statuses " << summary
                                << ")\n"
                                << listed;
  EXPECT_EQ(unanswered, 0);
  // The corpus must reach the handlers, not only the transport's parser.
  EXPECT_GT(by_status[200], kCases / 20) << summary;
  EXPECT_GT(by_status[400], kCases / 20) << summary;
  EXPECT_GT(by_status[404], kCases / 20) << summary;
  EXPECT_GT(by_status[405], 0) << summary;
  ExpectHealthy();
}

// Hand-picked inputs with the answer each must get, from the contract in docs/server.md.
TEST_F(RobustnessTest, MalformedInputsGetTheDocumentedStatus) {
  const std::string id = ids_[0];
  const std::vector<std::pair<std::string, int>> cases = {
      {"/v1/audio-features/" + id, 200},
      {"/v1/audio-features/" + id + "/", 200},
      // The transport decodes %2F before routing: it separates segments like '/'.
      {"/v1/audio-features/" + id + "%2F", 200},
      {"/v1/audio-features//" + id, 200},                   // empty segments collapse
      {"/v1/audio-features/../audio-features/" + id, 404},  // no dot-segment resolution
      {"/v1/audio-features/" + failed_id_, 404},
      {"/v1/audio-features/%FF%FE", 400},
      {"/v1/audio-features/%00" + id.substr(1), 400},
      {"/v1/audio-features?ids=" + id + "," + id, 200},
      {"/v1/audio-features?ids=,", 400},
      {"/v1/search?q=%C3%28", 400},
      {"/v1/search?q=a%00b", 200},
      {"/v1/search?q=harbour&limit=51", 400},
      {"/v1/search?q=harbour&limit=-1", 400},
      {"/v1/search?q=harbour&limit=99999999999999999999", 400},
      {"/v1/search?q=harbour&offset=1001", 400},
      {"/v1/search?q=harbour&type=album", 400},
      {"/v1/search?q=year:2000-1990", 400},
      {"/v1/search?q=year:99999999999999", 400},
      {"/v1/search?q=%22%22", 400},
      {"/v1/search?q=harbour&q=rain", 200},
      {"/get_track_data?track_name=" + std::string(513, 'a'), 400},
      {"/get_track_data?track_name=harbour+lights&track_name=x", 200},
      {"/get_track_data?track_name=%", 404},
      {"/get_track_data?track_name=%G1", 404},
      {"/get_track_data", 400},
      {"/api/features?song=", 400},
      {"/" + std::string(9000, 'x'), 414},
  };
  for (const auto& [target, expected] : cases) {
    const RawResponse r = Exchange(port_, Get(target));
    EXPECT_EQ(r.status, expected) << Escaped(target) << " -> " << r.body;
    if (r.status >= 400) {
      EXPECT_EQ(ErrorShapeProblem(r), "") << Escaped(target);
    }
  }
  ExpectHealthy();
}

// The API ignores Range: whole documents, the status unchanged, never a body cut short.
TEST_F(RobustnessTest, RangeHeadersAreIgnored) {
  for (const std::string range : {"bytes=0-5", "bytes=999999-", "bytes=0-1,4-5"}) {
    const RawResponse ok = Exchange(port_, "GET /v1/audio-features/" + ids_[0] +
                                               " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                               "Range: " +
                                               range + "\r\n\r\n");
    EXPECT_EQ(ok.status, 200) << range << ": " << ok.body;
    const json body = json::parse(ok.body, nullptr, false);
    EXPECT_EQ(body.is_object() ? body.value("id", "") : "", ids_[0]) << range << ": " << ok.body;

    const RawResponse missing =
        Exchange(port_,
                 "GET /v1/audio-features/0000000000000000000000 HTTP/1.1\r\nHost: "
                 "x\r\nConnection: close\r\nRange: " +
                     range + "\r\n\r\n");
    EXPECT_EQ(missing.status, 404) << range;
    EXPECT_EQ(ErrorShapeProblem(missing), "") << range;
  }
  // A Range that does not parse is ignored the same way.
  for (const std::string range : {"bytes=abc", "items=0-5"}) {
    const RawResponse r = Exchange(
        port_, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nRange: " + range + "\r\n\r\n");
    EXPECT_EQ(r.status, 200) << range;
    EXPECT_EQ(json::parse(r.body, nullptr, false),
              json({{"message", "Welcome to the Sonance API!"}}))
        << range;
  }
}

TEST_F(RobustnessTest, OversizedHeadersDoNotTakeTheServerDown) {
  // One 64 KiB header line, then a thousand 64-byte header lines (64 KiB in all).
  const std::string big_line =
      "GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(64 * 1024, 'a') +
      "\r\nConnection: close\r\n\r\n";
  const RawResponse one = Exchange(port_, big_line);
  // The transport refuses the line (431) in the error shape.
  EXPECT_EQ(one.status, 431);
  { EXPECT_EQ(ErrorShapeProblem(one), ""); }
  ExpectHealthy();

  std::string many = "GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n";
  for (int i = 0; i < 1000; ++i)
    many += "X-H" + std::to_string(i) + ": " + std::string(56, 'b') + "\r\n";
  many += "\r\n";
  const RawResponse r = Exchange(port_, many);
  EXPECT_TRUE(r.status == 200 || r.status == 400 || r.status == 431) << r.status;
  ExpectHealthy();
}

TEST_F(RobustnessTest, OversizedBodyGets413InTheJsonShape) {
  const std::string body(kMaxBody + 1, '{');
  const RawResponse r = Exchange(port_,
                                 "POST /v1/search HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                 "Content-Type: application/json\r\nContent-Length: " +
                                     std::to_string(body.size()) + "\r\n\r\n" + body);
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_EQ(ErrorShapeProblem(r), "");

  // A body announced as a terabyte: refused without waiting for it, beyond the read timeout.
  const auto start = Clock::now();
  const RawResponse huge = Exchange(port_,
                                    "POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                    "Content-Length: 1000000000000\r\n\r\n" +
                                        std::string(100, 'x'));
  EXPECT_EQ(huge.status, 413) << huge.body;
  EXPECT_EQ(ErrorShapeProblem(huge), "");
  EXPECT_LT(Clock::now() - start, milliseconds(3000));

  // At the limit the request reaches the route (POST is not allowed there: 405).
  const std::string fits(kMaxBody, ' ');
  const RawResponse ok = Exchange(port_,
                                  "POST /v1/search HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                  "Content-Length: " +
                                      std::to_string(fits.size()) + "\r\n\r\n" + fits);
  EXPECT_EQ(ok.status, 405) << ok.body;
  EXPECT_EQ(ErrorShapeProblem(ok), "");
  ExpectHealthy();
}

TEST_F(RobustnessTest, StalledClientIsDroppedWhileOthersAreServed) {
  // Half a request line, then silence.
  Fd slow = ConnectLoopback(port_);
  ASSERT_TRUE(slow.valid());
  ASSERT_TRUE(SendAll(slow.get(), "GET /api/hea"));
  const auto stalled_at = Clock::now();

  // Meanwhile other clients are answered.
  int served = 0;
  do {
    const RawResponse r = Exchange(port_, Get("/v1/audio-features/" + ids_[1]));
    EXPECT_EQ(r.status, 200);
    served += r.status == 200;
  } while (Clock::now() - stalled_at < milliseconds(kReadTimeoutMs / 2));
  EXPECT_GE(served, 1);

  // The stalled connection is closed soon after the read timeout, without a 5xx.
  bool closed = false;
  const std::string got = ReadUntilClose(slow.get(), milliseconds(3000), &closed);
  const auto dropped_after = Clock::now() - stalled_at;
  EXPECT_TRUE(closed) << "the server kept a stalled connection open";
  EXPECT_GE(dropped_after, milliseconds(kReadTimeoutMs - 50));
  EXPECT_LT(dropped_after, milliseconds(kReadTimeoutMs + 1500));
  RawResponse r;
  if (ParseResponse(got, &r) > 0) {
    EXPECT_LT(r.status, 500) << got;
  }

  // As many stalled clients as there are workers, plus one: the extra waits, none hangs.
  std::vector<Fd> stalled;
  for (int i = 0; i <= kThreads; ++i) {
    stalled.push_back(ConnectLoopback(port_));
    ASSERT_TRUE(stalled.back().valid());
    ASSERT_TRUE(SendAll(stalled.back().get(), "GET / HTTP/1.1\r\nHost: x\r\n"));
  }
  const auto t0 = Clock::now();
  const RawResponse after = Exchange(port_, Get("/api/health"), false, milliseconds(5000));
  EXPECT_EQ(after.status, 200);
  EXPECT_LT(Clock::now() - t0, milliseconds(kReadTimeoutMs * 3 + 1000));
  for (Fd& fd : stalled) {
    bool c = false;
    ReadUntilClose(fd.get(), milliseconds(3000), &c);
    EXPECT_TRUE(c);
  }
  ExpectHealthy();
}

// Raises the soft open-file limit to at least `need` (within the hard limit).
bool EnsureOpenFiles(rlim_t need) {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return false;
  if (lim.rlim_cur >= need) return true;
  if (lim.rlim_max != RLIM_INFINITY && lim.rlim_max < need) return false;
  lim.rlim_cur = need;
  return ::setrlimit(RLIMIT_NOFILE, &lim) == 0;
}

TEST_F(RobustnessTest, AThousandConcurrentConnectionsAreAllAnswered) {
  constexpr int kConnections = 1000;
  // Both ends of every connection live in this process.
  if (!EnsureOpenFiles(2 * kConnections + 256)) {
    GTEST_SKIP() << "cannot raise RLIMIT_NOFILE to " << 2 * kConnections + 256;
  }
  struct Conn {
    Fd fd;
    std::string in;
    bool done = false;
    RawResponse response;
    bool closed_without_answer = false;
  };
  std::vector<Conn> conns(kConnections);
  for (int i = 0; i < kConnections; ++i) {
    conns[i].fd = ConnectLoopback(port_);
    ASSERT_TRUE(conns[i].fd.valid()) << "connection " << i << ": " << std::strerror(errno);
  }
  // Every connection asks for its own track, so answers cannot be confused.
  for (int i = 0; i < kConnections; ++i) {
    const std::string& id = ids_[static_cast<std::size_t>(i) % ids_.size()];
    ASSERT_TRUE(
        SendAll(conns[i].fd.get(), "GET /v1/audio-features/" + id + "?n=" + std::to_string(i) +
                                       " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    ::fcntl(conns[i].fd.get(), F_SETFL, O_NONBLOCK);
  }
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  int pending = kConnections;
  char buf[8192];
  while (pending > 0 && Clock::now() < deadline) {
    std::vector<pollfd> fds;
    std::vector<int> which;
    for (int i = 0; i < kConnections; ++i) {
      if (!conns[i].done) {
        fds.push_back({conns[i].fd.get(), POLLIN, 0});
        which.push_back(i);
      }
    }
    if (::poll(fds.data(), fds.size(), 200) <= 0) continue;
    for (std::size_t k = 0; k < fds.size(); ++k) {
      if (fds[k].revents == 0) continue;
      Conn& c = conns[which[k]];
      while (true) {
        const ssize_t n = ::recv(c.fd.get(), buf, sizeof buf, 0);
        if (n > 0) {
          c.in.append(buf, static_cast<std::size_t>(n));
          continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        // EOF or reset: the exchange is over.
        c.done = true;
        --pending;
        if (ParseResponse(c.in, &c.response) == 0) c.closed_without_answer = true;
        c.fd.Reset();
        break;
      }
    }
  }
  EXPECT_EQ(pending, 0) << pending << " connections neither answered nor closed in 30 s";
  int answered = 0;
  int closed = 0;
  for (int i = 0; i < kConnections; ++i) {
    const Conn& c = conns[i];
    if (!c.done) continue;
    if (c.closed_without_answer) {
      ++closed;
      continue;
    }
    ++answered;
    ASSERT_EQ(c.response.status, 200) << "connection " << i << ": " << c.response.body;
    const json body = json::parse(c.response.body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << c.response.body;
    EXPECT_EQ(body.value("id", ""), ids_[static_cast<std::size_t>(i) % ids_.size()]);
  }
  // The accept queue is deep and the workers drain it: every connection gets its answer.
  EXPECT_EQ(answered, kConnections) << closed << " closed without an answer";
  ExpectHealthy();
  // And the counter saw every one of them.
  MetricFamily* count = metrics_.Find("request_count");
  ASSERT_NE(count, nullptr);
  EXPECT_GE(count->Value({"/v1/audio-features/{id}", "GET", "200"}), kConnections);
}

}  // namespace
}  // namespace sonance
