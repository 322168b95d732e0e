#include "sonance/server/server_config.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <limits>
#include <string_view>

namespace sonance {

namespace {

std::string Trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

template <typename Int>
Status ParseInt(const std::string& text, Int lo, Int hi, Int* out, const std::string& what) {
  Int v{};
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc() || p != end || text.empty()) {
    return Status::InvalidArgument(what + ": '" + text + "' is not a whole number");
  }
  if (v < lo || v > hi) {
    return Status::InvalidArgument(what + ": " + text + " is out of range [" + std::to_string(lo) +
                                   ", " + std::to_string(hi) + "]");
  }
  *out = v;
  return Status::Ok();
}

Status ParseLevel(const std::string& text, std::string* out, const std::string& what) {
  static const char* kLevels[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};
  std::string lower = text;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* level : kLevels) {
    if (lower == level) {
      *out = lower;
      return Status::Ok();
    }
  }
  return Status::InvalidArgument(what + ": unknown log level '" + text +
                                 "' (trace, debug, info, warn, error, critical, off)");
}

struct KeySpec {
  const char* name;
  const char* description;
  std::function<Status(ServerConfig*, const std::string&, const std::string&)> set;
};

template <typename Int>
KeySpec IntKey(const char* name, const char* description, Int ServerConfig::*field, Int lo,
               Int hi) {
  return {name, description,
          [field, lo, hi](ServerConfig* c, const std::string& v, const std::string& what) {
            return ParseInt<Int>(v, lo, hi, &(c->*field), what);
          }};
}

const std::vector<KeySpec>& Specs() {
  static const std::vector<KeySpec> specs = {
      {"host", "address to listen on (default 127.0.0.1, loopback only)",
       [](ServerConfig* c, const std::string& v, const std::string& what) {
         if (v.empty()) return Status::InvalidArgument(what + ": host is empty");
         c->host = v;
         return Status::Ok();
       }},
      IntKey<int>("port", "TCP port, 0 for any free one (default 8080)", &ServerConfig::port, 0,
                  65535),
      IntKey<int>("threads", "worker threads for the slow routes (default 64)",
                  &ServerConfig::threads, 1, 4096),
      IntKey<int>("io_threads", "event-loop threads, 0 for one per core (default 0)",
                  &ServerConfig::io_threads, 0, 256),
      {"catalog", "catalog file (default: $SONANCE_CATALOG or the user's data folder)",
       [](ServerConfig* c, const std::string& v, const std::string& what) {
         if (v.empty()) return Status::InvalidArgument(what + ": catalog path is empty");
         c->catalog = v;
         return Status::Ok();
       }},
      IntKey<std::int64_t>("max_body_bytes", "largest request body accepted (default 1048576)",
                           &ServerConfig::max_body_bytes, 0, std::int64_t{1} << 32),
      IntKey<int>("read_timeout_ms", "drop a client that sends nothing this long (default 5000)",
                  &ServerConfig::read_timeout_ms, 1, 3600000),
      IntKey<int>("write_timeout_ms", "drop a client that reads nothing this long (default 5000)",
                  &ServerConfig::write_timeout_ms, 1, 3600000),
      IntKey<int>("keep_alive_timeout_s", "idle keep-alive connections close after (default 5)",
                  &ServerConfig::keep_alive_timeout_s, 0, 3600),
      IntKey<int>("keep_alive_max_count", "requests per connection (default 1000)",
                  &ServerConfig::keep_alive_max_count, 1, 1000000),
      IntKey<int>("catalog_refresh_ms", "how often catalog changes are picked up (default 1000)",
                  &ServerConfig::catalog_refresh_ms, 10, 3600000),
      {"index_factory",
       "FAISS factory string of the recommendation index: Flat (exact) or HNSW<m> (default Flat)",
       [](ServerConfig* c, const std::string& v, const std::string& what) {
         if (v != "Flat" && v.rfind("HNSW", 0) != 0) {
           return Status::InvalidArgument(what +
                                          ": index_factory must be Flat or HNSW<m> (the "
                                          "L1 metric needs one of them), got '" +
                                          v + "'");
         }
         c->index_factory = v;
         return Status::Ok();
       }},
      {"esa_index",
       "ESA index of the text routes (default: $SONANCE_ESA_INDEX or the user's data folder)",
       [](ServerConfig* c, const std::string& v, const std::string& what) {
         if (v.empty()) return Status::InvalidArgument(what + ": esa_index path is empty");
         c->esa_index = v;
         return Status::Ok();
       }},
      {"log_file", "rotating log file, empty for none (default debug.log)",
       [](ServerConfig* c, const std::string& v, const std::string&) {
         c->log_file = v;
         return Status::Ok();
       }},
      {"log_level", "level of the log file (default info)",
       [](ServerConfig* c, const std::string& v, const std::string& what) {
         return ParseLevel(v, &c->log_level, what);
       }},
      {"stderr_log_level", "level of the log on stderr (default info)",
       [](ServerConfig* c, const std::string& v, const std::string& what) {
         return ParseLevel(v, &c->stderr_log_level, what);
       }},
      IntKey<std::int64_t>("log_max_bytes", "rotate the log file at this size (default 10485760)",
                           &ServerConfig::log_max_bytes, 1024, std::int64_t{1} << 40),
      IntKey<int>("log_max_files", "rotated log files kept (default 3)",
                  &ServerConfig::log_max_files, 1, 1000),
  };
  return specs;
}

std::string EnvName(const std::string& key) {
  std::string env = "SONANCE_";
  for (char ch : key)
    env.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(ch))));
  return env;
}

std::string FlagName(const std::string& key) {
  std::string flag = "--" + key;
  std::replace(flag.begin(), flag.end(), '_', '-');
  return flag;
}

}  // namespace

std::vector<ConfigKey> ServerConfigKeys() {
  std::vector<ConfigKey> keys;
  for (const KeySpec& s : Specs()) {
    keys.push_back({s.name, EnvName(s.name), FlagName(s.name), s.description});
  }
  return keys;
}

Status SetServerConfigValue(ServerConfig* config, const std::string& key, const std::string& value,
                            const std::string& source) {
  for (const KeySpec& s : Specs()) {
    if (key == s.name) return s.set(config, value, source + ": " + key);
  }
  return Status::InvalidArgument(source + ": unknown setting '" + key + "'");
}

Status ApplyServerConfigFile(ServerConfig* config, const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) {
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) {
      return Status::NotFound("config file " + file.string() + " does not exist");
    }
    return Status::IOError("cannot read config file " + file.string());
  }
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    const std::string where = file.string() + ":" + std::to_string(number);
    std::string text = Trim(line);
    if (text.empty() || text[0] == '#') continue;
    const auto eq = text.find('=');
    if (eq == std::string::npos) {
      return Status::InvalidArgument(where + ": expected 'key = value', got '" + text + "'");
    }
    const std::string key = Trim(std::string_view(text).substr(0, eq));
    std::string value = Trim(std::string_view(text).substr(eq + 1));
    if (!value.empty() && value.front() == '"') {
      const auto close = value.find('"', 1);
      if (close == std::string::npos) {
        return Status::InvalidArgument(where + ": unterminated string for '" + key + "'");
      }
      const std::string rest = Trim(std::string_view(value).substr(close + 1));
      if (!rest.empty() && rest[0] != '#') {
        return Status::InvalidArgument(where + ": unexpected text after the value of '" + key +
                                       "'");
      }
      value = value.substr(1, close - 1);
    } else if (const auto hash = value.find('#'); hash != std::string::npos) {
      value = Trim(std::string_view(value).substr(0, hash));
    }
    if (Status s = SetServerConfigValue(config, key, value, where); !s.ok()) return s;
  }
  return Status::Ok();
}

Status ApplyServerConfigEnvironment(
    ServerConfig* config,
    const std::function<std::optional<std::string>(const std::string&)>& lookup) {
  for (const KeySpec& s : Specs()) {
    const std::string env = EnvName(s.name);
    if (auto v = lookup(env); v.has_value()) {
      if (Status st = s.set(config, *v, env); !st.ok()) return st;
    }
  }
  return Status::Ok();
}

Status ValidateServerConfig(const ServerConfig& config) {
  if (config.keep_alive_max_count < 1) {
    return Status::InvalidArgument("keep_alive_max_count must be at least 1");
  }
  if (config.host.find_first_of(" \t/") != std::string::npos) {
    return Status::InvalidArgument("host '" + config.host + "' is not an address");
  }
  return Status::Ok();
}

}  // namespace sonance
