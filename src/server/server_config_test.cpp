#include "sonance/server/server_config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "support/fixtures.h"

namespace sonance {
namespace {

using test::TempDir;

std::filesystem::path WriteConfig(const TempDir& dir, const std::string& text) {
  const auto path = dir / "sonance.toml";
  std::ofstream(path) << text;
  return path;
}

TEST(ServerConfigTest, DefaultsBindLoopback) {
  ServerConfig c;
  EXPECT_EQ(c.host, "127.0.0.1");
  EXPECT_EQ(c.port, 8080);
  EXPECT_EQ(c.log_file, "debug.log");
  EXPECT_TRUE(ValidateServerConfig(c).ok());
}

TEST(ServerConfigTest, FileAcceptsCommentsQuotesAndBlankLines) {
  TempDir dir;
  const auto path = WriteConfig(dir,
                                "# Sonance\n\n"
                                "host = \"0.0.0.0\"   # every interface\n"
                                "port=9090\n"
                                "  threads = 12 # inline comment\n"
                                "catalog = \"/srv/music/catalog.db\"\n"
                                "log_level = WARN\n");
  ServerConfig c;
  ASSERT_TRUE(ApplyServerConfigFile(&c, path).ok());
  EXPECT_EQ(c.host, "0.0.0.0");
  EXPECT_EQ(c.port, 9090);
  EXPECT_EQ(c.threads, 12);
  EXPECT_EQ(c.catalog, "/srv/music/catalog.db");
  EXPECT_EQ(c.log_level, "warn");
}

TEST(ServerConfigTest, FileErrorsNameTheLine) {
  TempDir dir;
  ServerConfig c;
  Status s = ApplyServerConfigFile(&c, WriteConfig(dir, "port = 80\nport = eighty\n"));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("sonance.toml:2"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("eighty"), std::string::npos);

  s = ApplyServerConfigFile(&c, WriteConfig(dir, "colour = blue\n"));
  EXPECT_NE(s.message().find("unknown setting 'colour'"), std::string::npos) << s.message();
  s = ApplyServerConfigFile(&c, WriteConfig(dir, "just words\n"));
  EXPECT_NE(s.message().find("expected 'key = value'"), std::string::npos);
  s = ApplyServerConfigFile(&c, WriteConfig(dir, "host = \"unterminated\n"));
  EXPECT_NE(s.message().find("unterminated"), std::string::npos);
  EXPECT_EQ(ApplyServerConfigFile(&c, dir / "absent.toml").code(), StatusCode::kNotFound);
}

TEST(ServerConfigTest, RangesAreChecked) {
  ServerConfig c;
  EXPECT_FALSE(SetServerConfigValue(&c, "port", "65536", "flag").ok());
  EXPECT_FALSE(SetServerConfigValue(&c, "port", "-1", "flag").ok());
  EXPECT_FALSE(SetServerConfigValue(&c, "threads", "0", "flag").ok());
  EXPECT_FALSE(SetServerConfigValue(&c, "port", "80x", "flag").ok());
  EXPECT_FALSE(SetServerConfigValue(&c, "log_level", "loud", "flag").ok());
  EXPECT_TRUE(SetServerConfigValue(&c, "port", "0", "flag").ok());
  EXPECT_EQ(c.port, 0);
  EXPECT_TRUE(SetServerConfigValue(&c, "max_body_bytes", "4096", "flag").ok());
  EXPECT_EQ(c.max_body_bytes, 4096);
}

TEST(ServerConfigTest, EnvironmentOverridesTheFileAndNamesTheVariable) {
  TempDir dir;
  ServerConfig c;
  ASSERT_TRUE(ApplyServerConfigFile(&c, WriteConfig(dir, "port = 9090\nthreads = 3\n")).ok());
  std::map<std::string, std::string> env = {{"SONANCE_PORT", "7070"}, {"SONANCE_LOG_FILE", ""}};
  auto lookup = [&](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  ASSERT_TRUE(ApplyServerConfigEnvironment(&c, lookup).ok());
  EXPECT_EQ(c.port, 7070);
  EXPECT_EQ(c.threads, 3);
  EXPECT_TRUE(c.log_file.empty());
  env["SONANCE_THREADS"] = "many";
  Status s = ApplyServerConfigEnvironment(&c, lookup);
  EXPECT_NE(s.message().find("SONANCE_THREADS"), std::string::npos) << s.message();
}

TEST(ServerConfigTest, EveryKeyHasAnEnvironmentNameAndAFlag) {
  const auto keys = ServerConfigKeys();
  ASSERT_GE(keys.size(), 10u);
  for (const auto& k : keys) {
    EXPECT_EQ(k.env.rfind("SONANCE_", 0), 0u) << k.name;
    EXPECT_EQ(k.flag.rfind("--", 0), 0u) << k.name;
    EXPECT_EQ(k.flag.find('_'), std::string::npos) << k.flag;
    EXPECT_FALSE(k.description.empty());
  }
}

}  // namespace
}  // namespace sonance
