// Where Sonance keeps a user's data files by default.
#pragma once

#include <filesystem>
#include <string_view>

namespace sonance {

// $`env_var` when set and non-empty; else $XDG_DATA_HOME/sonance/`file_name` when
// XDG_DATA_HOME is absolute (the XDG spec says relative values must be ignored); else
// ~/.local/share/sonance/`file_name` (./.local/... without HOME).
std::filesystem::path UserDataFile(const char* env_var, std::string_view file_name);

}  // namespace sonance
