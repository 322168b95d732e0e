// End-to-end tests of the `sonance` command on a library generated during the test:
// the incremental, resumable analyze, failures recorded with reasons, the JSON printers,
// exit codes and --help.
#include <signal.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/fixtures.h"
#include "support/signals.h"

namespace sonance {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using test::CommandRun;

// Runs the sonance binary with arguments (already shell-quoted where needed).
CommandRun Sonance(const std::string& args, const std::string& env = "") {
  return test::RunCapturing(env + " " + SONANCE_BINARY + " " + args);
}

std::string Q(const fs::path& p) { return test::ShellQuote(p.string()); }

json TracksJson(const fs::path& db) {
  CommandRun r = Sonance("tracks --json --catalog " + Q(db));
  EXPECT_EQ(r.status, 0) << r.err;
  return json::parse(r.out, nullptr, false);
}

int CountState(const json& tracks, const std::string& state) {
  int n = 0;
  for (const auto& t : tracks) n += t["state"] == state;
  return n;
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    lib_ = tmp_ / "library";
    fs::create_directories(lib_ / "sub");
    auto clicks = test::ClickTrack(120.0, 12.0, 4);
    test::WriteWav(lib_ / "clicks120.wav", clicks, 22050);
    auto cadence = test::Cadence(2, true, 1.0, 3);  // D major
    test::WriteWav(lib_ / "sub" / "cadence.wav", cadence, 22050);
    auto clicks90 = test::ClickTrack(90.0, 10.0, 3);
    test::WriteWav(tmp_ / "clicks90.wav", clicks90, 22050);
    ASSERT_EQ(test::RunCommand("ffmpeg -loglevel error -y -i " + Q(tmp_ / "clicks90.wav") +
                               " -metadata title='Ninety' -metadata artist='Click Band' " +
                               Q(lib_ / "sub" / "clicks90.flac")),
              0);
    std::ofstream(lib_ / "empty.mp3").close();                // zero bytes
    std::ofstream(lib_ / "notes.ogg") << "this is not audio at all\n";  // wrong content
    std::ofstream(lib_ / "cover.jpg") << "ignored: not an audio extension";
    db_ = tmp_ / "catalog.db";
  }

  test::TempDir tmp_;
  fs::path lib_;
  fs::path db_;
};

TEST_F(CliTest, HelpForEveryCommand) {
  for (const char* cmd : {"", "analyze", "features", "analysis", "tracks"}) {
    CommandRun r = Sonance(std::string(cmd) + " --help");
    EXPECT_EQ(r.status, 0) << cmd;
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << cmd << ": " << r.out;
  }
  CommandRun v = Sonance("--version");
  EXPECT_EQ(v.status, 0);
  EXPECT_NE(v.out.find("sonance"), std::string::npos);
}

TEST_F(CliTest, UsageErrorsExitTwo) {
  EXPECT_EQ(Sonance("").status, 2);
  EXPECT_EQ(Sonance("frobnicate").status, 2);
  EXPECT_EQ(Sonance("analyze").status, 2);                      // missing PATH
  EXPECT_EQ(Sonance("analyze x --jobs 0").status, 2);           // out of range
  EXPECT_EQ(Sonance("tracks --state sideways").status, 2);      // not a state
}

TEST_F(CliTest, AnalyzeIsIncrementalAndRecordsFailures) {
  CommandRun first = Sonance("analyze " + Q(lib_) + " --jobs 2 --catalog " + Q(db_));
  EXPECT_EQ(first.status, 3) << first.err;  // two bad files
  EXPECT_NE(first.err.find("3 analyzed"), std::string::npos) << first.err;
  EXPECT_NE(first.err.find("2 failed"), std::string::npos) << first.err;

  json tracks = TracksJson(db_);
  ASSERT_EQ(tracks.size(), 5u) << tracks.dump(1);  // cover.jpg is not considered
  EXPECT_EQ(CountState(tracks, "analyzed"), 3);
  EXPECT_EQ(CountState(tracks, "failed"), 2);
  for (const auto& t : tracks) {
    if (t["state"] == "failed") {
      EXPECT_FALSE(t["failure_reason"].get<std::string>().empty());
    } else {
      EXPECT_EQ(t["id"].get<std::string>().size(), 22u);
      EXPECT_TRUE(t.contains("audio_features"));
      EXPECT_EQ(t["audio_features"]["features_version"], t["features_version"]);
    }
    if (t["path"].get<std::string>().ends_with("clicks90.flac")) {
      EXPECT_EQ(t["title"], "Ninety");
      EXPECT_EQ(t["artists"], json::array({"Click Band"}));
      EXPECT_NEAR(t["audio_features"]["tempo"].get<double>(), 90.0, 1.8);
      EXPECT_NEAR(t["duration_ms"].get<double>(), 10000.0, 60.0);
    }
    if (t["path"].get<std::string>().ends_with("clicks120.wav")) {
      EXPECT_EQ(t["title"], "clicks120");  // no tags: the file name
      EXPECT_NEAR(t["audio_features"]["tempo"].get<double>(), 120.0, 2.4);
    }
  }

  // Nothing changed: no work.
  CommandRun second = Sonance("analyze " + Q(lib_) + " --catalog " + Q(db_));
  EXPECT_EQ(second.status, 0) << second.err;
  EXPECT_NE(second.err.find("0 analyzed, 5 skipped"), std::string::npos) << second.err;

  // A changed file is re-analysed (new size and mtime), a deleted one marked missing.
  auto longer = test::ClickTrack(120.0, 14.0, 4);
  test::WriteWav(lib_ / "clicks120.wav", longer, 22050);
  fs::remove(lib_ / "sub" / "cadence.wav");
  CommandRun third = Sonance("analyze " + Q(lib_) + " --catalog " + Q(db_));
  EXPECT_EQ(third.status, 0) << third.err;
  EXPECT_NE(third.err.find("1 analyzed"), std::string::npos) << third.err;
  EXPECT_NE(third.err.find("1 marked missing"), std::string::npos) << third.err;
  tracks = TracksJson(db_);
  EXPECT_EQ(CountState(tracks, "missing"), 1);
  for (const auto& t : tracks) {
    if (t["path"].get<std::string>().ends_with("clicks120.wav")) {
      EXPECT_NEAR(t["duration_ms"].get<double>(), 14000.0, 60.0);
    }
  }
}

TEST_F(CliTest, CatalogFromEnvironment) {
  const fs::path env_db = tmp_ / "env" / "from-env.db";
  CommandRun r = Sonance("analyze " + Q(lib_ / "clicks120.wav"), "SONANCE_CATALOG=" + Q(env_db));
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(fs::exists(env_db));
  CommandRun t = Sonance("tracks --json", "SONANCE_CATALOG=" + Q(env_db));
  EXPECT_EQ(json::parse(t.out).size(), 1u);
}

TEST_F(CliTest, MissingInputsAndCatalogs) {
  CommandRun r = Sonance("analyze " + Q(tmp_ / "nope") + " --catalog " + Q(db_));
  EXPECT_EQ(r.status, 4);
  EXPECT_NE(r.err.find("nope"), std::string::npos);
  EXPECT_EQ(Sonance("features " + Q(tmp_ / "nope.mp3")).status, 4);
  CommandRun bad = Sonance("features " + Q(lib_ / "notes.ogg"));
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.err.find("notes.ogg"), std::string::npos) << bad.err;
  CommandRun none = Sonance("tracks --catalog " + Q(tmp_ / "absent.db"));
  EXPECT_EQ(none.status, 5);
  EXPECT_NE(none.err.find("sonance analyze"), std::string::npos);
  // A file that is not a catalog is refused and left untouched.
  const fs::path junk = tmp_ / "junk.db";
  std::ofstream(junk) << std::string(4096, 'x');
  CommandRun j = Sonance("analyze " + Q(lib_ / "clicks120.wav") + " --catalog " + Q(junk));
  EXPECT_EQ(j.status, 5) << j.err;
  EXPECT_EQ(fs::file_size(junk), 4096u);
}

TEST_F(CliTest, FeaturesAndAnalysisPrintSpotifyShapes) {
  CommandRun f = Sonance("features " + Q(lib_ / "clicks120.wav"));
  ASSERT_EQ(f.status, 0) << f.err;
  json j = json::parse(f.out);
  EXPECT_NEAR(j["tempo"].get<double>(), 120.0, 2.4);
  EXPECT_EQ(j["duration_ms"], 12000);
  for (const char* k : {"danceability", "energy", "speechiness", "acousticness",
                        "instrumentalness", "liveness", "valence"}) {
    EXPECT_GE(j[k].get<double>(), 0.0) << k;
    EXPECT_LE(j[k].get<double>(), 1.0) << k;
  }
  EXPECT_GE(j["time_signature"].get<int>(), 3);
  EXPECT_LE(j["time_signature"].get<int>(), 7);

  CommandRun a = Sonance("analysis --compact " + Q(lib_ / "sub" / "cadence.wav"));
  ASSERT_EQ(a.status, 0) << a.err;
  json an = json::parse(a.out);
  EXPECT_EQ(an["track"]["key"], 2);  // D
  EXPECT_EQ(an["track"]["mode"], 1);
  EXPECT_EQ(an["track"]["analysis_sample_rate"], 22050);
  EXPECT_FALSE(an["segments"].empty());
  EXPECT_FALSE(an["sections"].empty());
  EXPECT_EQ(an["segments"][0]["pitches"].size(), 12u);
  EXPECT_EQ(an["segments"][0]["timbre"].size(), 12u);
}

// Starts `sonance analyze` in the background, waits until the catalog holds at least one
// analysed track, then sends `sig`.
int InterruptAnalyze(const fs::path& lib, const fs::path& db, int sig) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, STDERR_FILENO);
    ::execl(SONANCE_BINARY, SONANCE_BINARY, "analyze", lib.c_str(), "--jobs", "1", "--catalog",
            db.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (!fs::exists(db)) continue;
    CommandRun r = Sonance("tracks --json --state analyzed --catalog " + Q(db));
    json j = json::parse(r.out, nullptr, false);
    if (j.is_array() && !j.empty()) break;
  }
  ::kill(pid, sig);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

class CliInterruptTest : public ::testing::TestWithParam<int> {};

TEST_P(CliInterruptTest, InterruptedRunKeepsWorkAndResumes) {
  test::TempDir tmp;
  const fs::path lib = tmp / "lib";
  fs::create_directories(lib);
  constexpr int kFiles = 16;
  for (int i = 0; i < kFiles; ++i) {
    auto x = test::ClickTrack(80.0 + 7 * i, 45.0, 4);
    test::WriteWav(lib / ("track" + std::to_string(100 + i) + ".wav"), x, 22050);
  }
  const fs::path db = tmp / "catalog.db";
  const int status = InterruptAnalyze(lib, db, GetParam());
  if (GetParam() == SIGINT) {
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 130);
  } else {
    ASSERT_TRUE(WIFSIGNALED(status));
  }
  json before = TracksJson(db);
  const int done = CountState(before, "analyzed");
  EXPECT_GE(done, 1);
  EXPECT_LT(done, kFiles) << "the run finished before it could be interrupted";
  for (const auto& t : before) {
    EXPECT_EQ(t["state"], "analyzed");  // nothing half-written
    EXPECT_TRUE(t.contains("audio_features"));
  }

  CommandRun resume = Sonance("analyze " + Q(lib) + " --catalog " + Q(db));
  EXPECT_EQ(resume.status, 0) << resume.err;
  EXPECT_NE(resume.err.find(std::to_string(kFiles - done) + " analyzed, " +
                            std::to_string(done) + " skipped"),
            std::string::npos)
      << resume.err;
  json after = TracksJson(db);
  EXPECT_EQ(CountState(after, "analyzed"), kFiles);
}

INSTANTIATE_TEST_SUITE_P(Signals, CliInterruptTest, ::testing::Values(SIGINT, SIGKILL),
                         [](const auto& info) { return info.param == SIGINT ? "Sigint" : "Sigkill"; });

}  // namespace
}  // namespace sonance
