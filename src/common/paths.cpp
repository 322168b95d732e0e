#include "sonance/common/paths.h"

#include <cstdlib>

namespace sonance {

namespace fs = std::filesystem;

namespace {

// The variable's value, or nullptr when unset or empty.
const char* Env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : nullptr;
}

}  // namespace

std::filesystem::path UserDataFile(const char* env_var, std::string_view file_name) {
  if (const char* p = Env(env_var)) return fs::path(p);
  // The XDG spec says relative values are invalid and must be ignored.
  if (const char* xdg = Env("XDG_DATA_HOME"); xdg != nullptr && fs::path(xdg).is_absolute()) {
    return fs::path(xdg) / "sonance" / fs::path(file_name);
  }
  const char* home = Env("HOME");
  return fs::path(home != nullptr ? home : ".") / ".local" / "share" / "sonance" /
         fs::path(file_name);
}

}  // namespace sonance
