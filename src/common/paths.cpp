#include "sonance/common/paths.h"

#include <cstdlib>
#include <string>

namespace sonance {

namespace fs = std::filesystem;

std::filesystem::path UserDataFile(const char* env_var, std::string_view file_name) {
  auto env = [](const char* name) {
    const char* v = std::getenv(name);
    return v == nullptr ? std::string() : std::string(v);
  };
  if (std::string p = env(env_var); !p.empty()) return p;
  if (std::string xdg = env("XDG_DATA_HOME"); !xdg.empty() && fs::path(xdg).is_absolute()) {
    return fs::path(xdg) / "sonance" / file_name;
  }
  std::string home = env("HOME");
  if (home.empty()) home = ".";
  return fs::path(home) / ".local" / "share" / "sonance" / file_name;
}

}  // namespace sonance
