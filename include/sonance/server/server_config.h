// ServerConfig: every setting of `sonance serve`, parsed once into one typed struct.
//
// Values come from, in increasing precedence: the defaults below, a config file (flat
// `key = value` lines, a TOML subset: `#` comments, optional double quotes around strings),
// environment variables (SONANCE_<KEY> in upper case, e.g. SONANCE_PORT), and command-line
// flags (--<key with dashes>). Every source goes through the same per-key parser, so a bad
// value is reported the same way wherever it came from, naming the key and the source.
// docs/server.md lists the keys.
//
// Plain value type; the functions are thread-safe (the environment is read through the
// lookup function passed in).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sonance/common/status.h"

namespace sonance {

struct ServerConfig {
  std::string host = "127.0.0.1";         // loopback unless told otherwise
  int port = 8080;                        // 0 picks a free port (printed at start)
  int threads = 64;                       // workers for handlers that may take long
  int io_threads = 0;                     // event loops; 0 = one per core
  std::filesystem::path catalog;          // empty: Catalog::DefaultPath()
  std::int64_t max_body_bytes = 1 << 20;  // larger request bodies get 413
  int read_timeout_ms = 5000;             // a client slower than this is dropped
  int write_timeout_ms = 5000;
  int keep_alive_timeout_s = 5;
  int keep_alive_max_count = 1000;  // requests per connection before it closes
  int catalog_refresh_ms = 1000;    // how often to look for catalog changes
  // FAISS factory string of the recommendation index ("Flat" exact, "HNSW32" approximate).
  std::string index_factory = "Flat";
  // ESA index of the text routes (soundtrack, lyrics search); empty: DefaultEsaIndexPath().
  std::filesystem::path esa_index;
  std::filesystem::path log_file = "debug.log";  // rotating; empty disables the file log
  std::string log_level = "info";                // trace, debug, info, warn, error, off
  std::string stderr_log_level = "info";         // the stderr copy of the log
  std::int64_t log_max_bytes = 10 << 20;         // rotate when the file reaches this size
  int log_max_files = 3;                         // rotated files kept besides the current one
};

// The keys a config file, the environment and flags accept, with one line of help each.
struct ConfigKey {
  std::string name;         // "max_body_bytes"
  std::string env;          // "SONANCE_MAX_BODY_BYTES"
  std::string flag;         // "--max-body-bytes"
  std::string description;  // includes the default
};
std::vector<ConfigKey> ServerConfigKeys();

// Sets one key from its text form. InvalidArgument naming the key, the value and `source`
// ("flag", "SONANCE_PORT", "sonance.toml:3") for an unknown key or a bad value.
Status SetServerConfigValue(ServerConfig* config, const std::string& key, const std::string& value,
                            const std::string& source);

// Applies a config file. NotFound when it does not exist; InvalidArgument with file:line for
// a malformed line, an unknown key or a bad value.
Status ApplyServerConfigFile(ServerConfig* config, const std::filesystem::path& file);

// Applies every SONANCE_<KEY> variable that `lookup` returns a value for.
Status ApplyServerConfigEnvironment(
    ServerConfig* config,
    const std::function<std::optional<std::string>(const std::string&)>& lookup);

// Cross-field checks after all sources are applied.
Status ValidateServerConfig(const ServerConfig& config);

}  // namespace sonance
