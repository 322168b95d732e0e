// End-to-end tests of `sonance serve` as a process: start-up message, configuration
// precedence and errors, the request log, and a clean stop on SIGTERM and SIGINT.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "support/fixtures.h"
#include "support/signals.h"

namespace sonance {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A running `sonance serve`; stopped with SIGTERM when it goes out of scope.
class ServeProcess {
 public:
  ServeProcess(const std::vector<std::string>& args, const std::vector<std::string>& env,
               const fs::path& dir)
      : stdout_path_(dir / "serve.out"), stderr_path_(dir / "serve.err") {
    // Truncate before forking so that a previous run's output is never read as this one's.
    std::ofstream(stdout_path_, std::ios::trunc).close();
    std::ofstream(stderr_path_, std::ios::trunc).close();
    pid_ = ::fork();
    if (pid_ == 0) {
      const int out = ::open(stdout_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int err = ::open(stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(out, 1);
      ::dup2(err, 2);
      if (::chdir(dir.c_str()) != 0) ::_exit(126);
      for (const auto& e : env) ::putenv(const_cast<char*>(e.c_str()));
      std::vector<char*> argv;
      argv.push_back(const_cast<char*>(SONANCE_BINARY));
      argv.push_back(const_cast<char*>("serve"));
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(SONANCE_BINARY, argv.data());
      ::_exit(127);
    }
  }
  ~ServeProcess() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  // The port from "Sonance API listening on http://HOST:PORT", or 0 if it exited first.
  int WaitForPort() {
    const std::regex re(R"(listening on http://[^:]+:(\d+))");
    for (int i = 0; i < 200; ++i) {
      std::smatch m;
      const std::string out = ReadAll(stdout_path_);
      if (std::regex_search(out, m, re)) return std::stoi(m[1]);
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        exit_status_ = status;
        return 0;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return 0;
  }

  // Sends `sig` (0: none) and waits up to 10 s; returns the exit code, or -1.
  int Stop(int sig) {
    if (!exited_) {
      if (sig != 0) ::kill(pid_, sig);
      for (int i = 0; i < 200 && !exited_; ++i) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
          exited_ = true;
          exit_status_ = status;
        } else {
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
      }
    }
    if (!exited_) return -1;
    return WIFEXITED(exit_status_) ? WEXITSTATUS(exit_status_) : -1;
  }

  std::string err() const { return ReadAll(stderr_path_); }

 private:
  fs::path stdout_path_;
  fs::path stderr_path_;
  pid_t pid_ = -1;
  bool exited_ = false;
  int exit_status_ = 0;
};

// curl with the response headers kept; returns the whole response text.
std::string Curl(int port, const std::string& target) {
  int status = 0;
  return test::CaptureCommand(
      "curl -s -i --max-time 10 " +
          test::ShellQuote("http://127.0.0.1:" + std::to_string(port) + target),
      &status);
}

class ServeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(test::HaveTool("curl")) << "curl is installed by scripts/setup.sh";
    const fs::path lib = dir_ / "lib";
    fs::create_directories(lib);
    auto tone = test::Sine(440.0, 3.0, 0.5f, 22050);
    test::WriteWav(lib / "tone.wav", tone, 22050);
    catalog_ = dir_ / "catalog.db";
    int status = 0;
    test::CaptureCommand(std::string(SONANCE_BINARY) + " analyze --quiet " +
                             test::ShellQuote(lib.string()) + " --catalog " +
                             test::ShellQuote(catalog_.string()) + " 2>&1",
                         &status);
    ASSERT_EQ(status, 0);
  }

  test::TempDir dir_;
  fs::path catalog_;
};

TEST_F(ServeTest, ServesLogsEachRequestWithItsIdAndStopsCleanlyOnSigterm) {
  ServeProcess serve({"--port", "0", "--catalog", catalog_.string()}, {}, dir_.path());
  const int port = serve.WaitForPort();
  ASSERT_GT(port, 0) << serve.err();
  const std::string welcome = Curl(port, "/");
  EXPECT_NE(welcome.find("{\"message\":\"Welcome to the Sonance API!\"}"), std::string::npos);
  const std::string miss = Curl(port, "/v1/tracks/0000000000000000000000");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(miss, m, std::regex("X-Request-Id: ([0-9a-f]{16})")));
  const std::string id = m[1];
  EXPECT_NE(miss.find("\"id\":\"" + id + "\""), std::string::npos);
  EXPECT_EQ(serve.Stop(SIGTERM), 0) << serve.err();
  // The default log file is debug.log in the working directory, like stderr's copy.
  const std::string log = ReadAll(dir_ / "debug.log");
  EXPECT_NE(log.find("request id=" + id + " method=GET route=/v1/tracks/{id}"), std::string::npos)
      << log;
  EXPECT_NE(log.find("status=404"), std::string::npos);
  EXPECT_NE(log.find("SIGTERM received"), std::string::npos);
  EXPECT_NE(log.find("info stopped"), std::string::npos);
  EXPECT_NE(serve.err().find("request id=" + id), std::string::npos);
}

TEST_F(ServeTest, SigintAlsoStopsCleanly) {
  ServeProcess serve({"--port", "0", "--catalog", catalog_.string(), "--log-file", ""}, {},
                     dir_.path());
  ASSERT_GT(serve.WaitForPort(), 0) << serve.err();
  EXPECT_EQ(serve.Stop(SIGINT), 0);
  EXPECT_FALSE(fs::exists(dir_ / "debug.log"));
}

TEST_F(ServeTest, FlagsBeatEnvironmentWhichBeatsTheConfigFile) {
  const fs::path config = dir_ / "sonance.toml";
  std::ofstream(config) << "# test\nlog_file = \"" << (dir_ / "from-file.log").string()
                        << "\"\nport = 0\ncatalog = \"" << catalog_.string() << "\"\n";
  {
    ServeProcess serve({"--config", config.string()}, {}, dir_.path());
    ASSERT_GT(serve.WaitForPort(), 0) << serve.err();
    EXPECT_EQ(serve.Stop(SIGTERM), 0);
    EXPECT_TRUE(fs::exists(dir_ / "from-file.log"));
  }
  const std::string env_log = "SONANCE_LOG_FILE=" + (dir_ / "from-env.log").string();
  {
    ServeProcess serve({"--config", config.string()}, {env_log}, dir_.path());
    ASSERT_GT(serve.WaitForPort(), 0) << serve.err();
    EXPECT_EQ(serve.Stop(SIGTERM), 0);
    EXPECT_TRUE(fs::exists(dir_ / "from-env.log"));
  }
  {
    ServeProcess serve(
        {"--config", config.string(), "--log-file", (dir_ / "from-flag.log").string()}, {env_log},
        dir_.path());
    ASSERT_GT(serve.WaitForPort(), 0) << serve.err();
    EXPECT_EQ(serve.Stop(SIGTERM), 0);
    EXPECT_TRUE(fs::exists(dir_ / "from-flag.log"));
  }
}

TEST_F(ServeTest, BadConfigurationIsAUsageErrorNamingTheSource) {
  const fs::path config = dir_ / "bad.toml";
  std::ofstream(config) << "port = 8080\nthreads = lots\n";
  {
    ServeProcess serve({"--config", config.string()}, {}, dir_.path());
    EXPECT_EQ(serve.WaitForPort(), 0);
    EXPECT_EQ(serve.Stop(0), 2);
    EXPECT_NE(serve.err().find("bad.toml:2"), std::string::npos) << serve.err();
  }
  {
    ServeProcess serve({"--port", "0"}, {"SONANCE_THREADS=0"}, dir_.path());
    EXPECT_EQ(serve.WaitForPort(), 0);
    EXPECT_EQ(serve.Stop(0), 2);
    EXPECT_NE(serve.err().find("SONANCE_THREADS"), std::string::npos) << serve.err();
  }
  {
    ServeProcess serve({"--config", (dir_ / "absent.toml").string()}, {}, dir_.path());
    EXPECT_EQ(serve.WaitForPort(), 0);
    EXPECT_EQ(serve.Stop(0), 4);
  }
}

TEST_F(ServeTest, APortInUseFailsWithExitCode1) {
  ServeProcess first({"--port", "0", "--catalog", catalog_.string(), "--log-file", ""}, {},
                     dir_.path());
  const int port = first.WaitForPort();
  ASSERT_GT(port, 0);
  test::TempDir other;
  ServeProcess second(
      {"--port", std::to_string(port), "--catalog", catalog_.string(), "--log-file", ""}, {},
      other.path());
  EXPECT_EQ(second.WaitForPort(), 0);
  EXPECT_EQ(second.Stop(0), 1);
  EXPECT_NE(second.err().find("cannot listen on 127.0.0.1:" + std::to_string(port)),
            std::string::npos)
      << second.err();
  EXPECT_EQ(first.Stop(SIGTERM), 0);
}

}  // namespace
}  // namespace sonance
