#include "sonance/text/experiment_log.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "sonance/text/text.h"

namespace sonance {

namespace fs = std::filesystem;

namespace {

// MLflow's RunStatus and SourceType enums.
constexpr int kStatusRunning = 1;
constexpr int kStatusFinished = 3;
constexpr int kStatusFailed = 4;
constexpr int kSourceTypeLocal = 4;

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Params, metrics and tags are files named by their key, so a key must be a plain file name;
// the character set is MLflow's own ([\w.\- ] without '/', which MLflow maps to folders).
Status ValidateKey(const std::string& what, const std::string& key) {
  if (key.empty()) return Status::InvalidArgument(what + " key is empty");
  if (key == "." || key.find("..") != std::string::npos) {
    return Status::InvalidArgument(what + " key '" + key + "' must not contain '..'");
  }
  for (unsigned char c : key) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-' || c == ' ';
    if (!ok) {
      return Status::InvalidArgument(what + " key '" + key +
                                     "' may hold only letters, digits, '_', '.', '-' and spaces");
    }
  }
  return Status::Ok();
}

Status ValidateName(const std::string& what, const std::string& name) {
  if (name.empty()) return Status::InvalidArgument(what + " is empty");
  if (Status s = text::ValidateText(name); !s.ok()) {
    return Status::InvalidArgument(what + ": " + s.message());
  }
  return Status::Ok();
}

// ---- YAML scalars ---------------------------------------------------------------------------
//
// Written the way PyYAML's safe_dump writes them where that is easy (plain when the text
// cannot be read as anything but a string, else single-quoted) and always read back as the
// same string by any YAML parser. Control characters force double quotes with escapes.

bool LooksLikeNonString(const std::string& s) {
  std::string lower;
  for (unsigned char c : s) lower += static_cast<char>(std::tolower(c));
  static const char* const kWords[] = {"true", "false", "yes", "no",   "on",
                                       "off",  "y",     "n",   "null", "~"};
  for (const char* w : kWords) {
    if (lower == w) return true;
  }
  // Conservative: anything made only of number characters might resolve to a number.
  return std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return (c >= '0' && c <= '9') || c == '.' || c == '+' || c == '-' || c == '_' || c == 'e' ||
           c == 'E' || c == ':';
  });
}

std::string YamlScalar(const std::string& s) {
  const bool has_control =
      std::any_of(s.begin(), s.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
  if (has_control) {
    std::string out = "\"";
    for (unsigned char c : s) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\r':
          out += "\\r";
          break;
        default:
          if (c < 0x20 || c == 0x7f) {
            char buf[5];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
          } else {
            out += static_cast<char>(c);
          }
      }
    }
    return out + "\"";
  }
  const bool plain_chars = !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '/' || c == '-' || c == ':';
  });
  const bool plain = plain_chars && s.front() != '-' && s.front() != ':' && s.back() != ':' &&
                     s.find(": ") == std::string::npos && !LooksLikeNonString(s);
  if (plain) return s;
  std::string out = "'";
  for (char c : s) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

std::string Trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(first, last - first + 1));
}

// Reads back a scalar as written by YamlScalar or by PyYAML (which folds long scalars onto
// indented continuation lines; those were joined with single spaces by the caller).
std::string ParseYamlScalar(const std::string& raw) {
  const std::string v = Trim(raw);
  if (v.size() >= 2 && v.front() == '\'' && v.back() == '\'') {
    std::string out;
    for (std::size_t i = 1; i + 1 < v.size(); ++i) {
      out += v[i];
      if (v[i] == '\'' && v[i + 1] == '\'') ++i;
    }
    return out;
  }
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
    std::string out;
    for (std::size_t i = 1; i + 1 < v.size(); ++i) {
      if (v[i] != '\\' || i + 2 >= v.size()) {
        out += v[i];
        continue;
      }
      const char e = v[++i];
      switch (e) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case '0':
          out += '\0';
          break;
        case 'x':
          if (i + 2 < v.size() - 1) {
            out += static_cast<char>(std::strtol(v.substr(i + 1, 2).c_str(), nullptr, 16));
            i += 2;
          }
          break;
        default:
          out += e;  // \" \\ \/ and anything unknown: the character itself
      }
    }
    return out;
  }
  return v;
}

// The value of a top-level `key:` in a flat YAML mapping, joining continuation lines.
std::optional<std::string> YamlField(const std::string& yaml, const std::string& key) {
  std::istringstream in(yaml);
  std::string line;
  const std::string prefix = key + ":";
  std::optional<std::string> value;
  while (std::getline(in, line)) {
    if (value) {
      if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
        *value += " " + Trim(line);
        continue;
      }
      break;
    }
    if (line.compare(0, prefix.size(), prefix) == 0) value = Trim(line.substr(prefix.size()));
  }
  if (!value) return std::nullopt;
  return ParseYamlScalar(*value);
}

// ---- files ----------------------------------------------------------------------------------

Result<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + path.string());
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad()) return Status::IOError("cannot read " + path.string());
  return s.str();
}

// Writes `content` to `path` through a temporary file in `tmp_dir` (a folder MLflow does not
// list, so a crash leaves no stray param or artifact), then renames it into place.
Status WriteFileAtomically(const fs::path& path, const std::string& content,
                           const fs::path& tmp_dir) {
  const fs::path tmp =
      tmp_dir / ("." + path.filename().string() + ".tmp-" + std::to_string(::getpid()));
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out.flush()) {
      out.close();
      std::error_code ignored;
      fs::remove(tmp, ignored);
      return Status::IOError("cannot write " + tmp.string());
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    return Status::IOError("cannot write " + path.string() + ": " + ec.message());
  }
  return Status::Ok();
}

// file:// URI of an absolute path, percent-encoded as Python's pathlib.Path.as_uri() does.
std::string FileUri(const fs::path& path) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out = "file://";
  for (unsigned char c : fs::absolute(path).lexically_normal().string()) {
    const bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '.' || c == '-' || c == '~' || c == '/';
    if (safe) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string ExperimentMeta(const fs::path& dir, const std::string& id, const std::string& name,
                           std::int64_t now_ms) {
  std::string y;
  y += "artifact_location: " + YamlScalar(FileUri(dir)) + "\n";
  y += "creation_time: " + std::to_string(now_ms) + "\n";
  y += "experiment_id: " + YamlScalar(id) + "\n";
  y += "last_update_time: " + std::to_string(now_ms) + "\n";
  y += "lifecycle_stage: active\n";
  y += "name: " + YamlScalar(name) + "\n";
  return y;
}

std::string RunMeta(const fs::path& dir, const std::string& experiment_id,
                    const std::string& run_id, const std::string& run_name, const std::string& user,
                    std::int64_t start_ms) {
  std::string y;
  y += "artifact_uri: " + YamlScalar(FileUri(dir / "artifacts")) + "\n";
  y += "end_time: null\n";
  y += "entry_point_name: ''\n";
  y += "experiment_id: " + YamlScalar(experiment_id) + "\n";
  y += "lifecycle_stage: active\n";
  y += "run_id: " + YamlScalar(run_id) + "\n";
  y += "run_name: " + YamlScalar(run_name) + "\n";
  y += "run_uuid: " + YamlScalar(run_id) + "\n";
  y += "source_name: ''\n";
  y += "source_type: " + std::to_string(kSourceTypeLocal) + "\n";
  y += "source_version: ''\n";
  y += "start_time: " + std::to_string(start_ms) + "\n";
  y += "status: " + std::to_string(kStatusRunning) + "\n";
  y += "tags: []\n";
  y += "user_id: " + YamlScalar(user) + "\n";
  return y;
}

// MLflow's own choice (getpass.getuser) looks at the login variables first.
std::string CurrentUser() {
  for (const char* name : {"USER", "LOGNAME"}) {
    if (const char* v = std::getenv(name); v != nullptr && *v != '\0') return v;
  }
  return "unknown";
}

std::string RandomRunId() {
  // Seeded from the OS: ids must not repeat across processes writing to one store.
  static std::mt19937_64 rng{(static_cast<std::uint64_t>(std::random_device{}()) << 32) ^
                             std::random_device{}() ^ static_cast<std::uint64_t>(NowMs())};
  static const char kHex[] = "0123456789abcdef";
  std::string id;
  for (int word = 0; word < 2; ++word) {
    std::uint64_t bits = rng();
    for (int i = 0; i < 16; ++i, bits >>= 4) id += kHex[bits & 15];
  }
  return id;
}

bool IsNumericId(const std::string& s) {
  return !s.empty() && s.size() < 18 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string FormatDouble(double v) {
  // Shortest text that reads back as the same double; "nan" and "inf" as Python prints them.
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

}  // namespace

// ---- ExperimentStore --------------------------------------------------------------------------

Result<std::string> ExperimentStore::Experiment(const std::string& name) {
  if (Status s = ValidateName("experiment name", name); !s.ok()) return s;
  std::error_code ec;
  fs::create_directories(root_, ec);
  if (ec) return Status::IOError("cannot create " + root_.string() + ": " + ec.message());

  long long max_id = 0;
  for (fs::directory_iterator it(root_, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string id = it->path().filename().string();
    std::error_code type_ec;
    if (!IsNumericId(id) || !it->is_directory(type_ec)) continue;
    max_id = std::max(max_id, std::stoll(id));
    auto meta = ReadFile(it->path() / "meta.yaml");
    if (!meta.ok()) continue;  // a half-created experiment: its id stays taken
    if (YamlField(*meta, "name") == name) return id;
  }
  if (ec) return Status::IOError("cannot list " + root_.string() + ": " + ec.message());

  // create_directory reports an existing folder, so a racing writer cannot share the id.
  for (long long next = max_id + 1;; ++next) {
    const std::string id = std::to_string(next);
    const fs::path dir = root_ / id;
    if (!fs::create_directory(dir, ec)) {
      if (ec) return Status::IOError("cannot create " + dir.string() + ": " + ec.message());
      continue;
    }
    if (Status s =
            WriteFileAtomically(dir / "meta.yaml", ExperimentMeta(dir, id, name, NowMs()), dir);
        !s.ok()) {
      return s;
    }
    return id;
  }
}

Result<ExperimentRun> ExperimentStore::StartRun(const std::string& experiment_name,
                                                const std::string& run_name) {
  if (Status s = ValidateName("run name", run_name); !s.ok()) return s;
  auto experiment = Experiment(experiment_name);
  if (!experiment.ok()) return experiment.status();

  ExperimentRun run;
  run.experiment_id_ = *experiment;
  run.name_ = run_name;
  std::error_code ec;
  for (;;) {
    run.run_id_ = RandomRunId();
    run.dir_ = root_ / run.experiment_id_ / run.run_id_;
    if (fs::create_directory(run.dir_, ec)) break;
    if (ec) return Status::IOError("cannot create " + run.dir_.string() + ": " + ec.message());
  }
  for (const char* sub : {"params", "metrics", "tags", "artifacts"}) {
    fs::create_directory(run.dir_ / sub, ec);
    if (ec) return Status::IOError("cannot create " + (run.dir_ / sub).string());
  }
  run.start_ms_ = NowMs();
  const std::string user = CurrentUser();
  if (Status s = WriteFileAtomically(
          run.dir_ / "meta.yaml",
          RunMeta(run.dir_, run.experiment_id_, run.run_id_, run_name, user, run.start_ms_),
          run.dir_);
      !s.ok()) {
    return s;
  }
  const std::vector<std::pair<std::string, std::string>> tags = {
      {"mlflow.runName", run_name}, {"mlflow.source.name", "sonance"}, {"mlflow.user", user}};
  for (const auto& [key, value] : tags) {
    if (Status s = run.SetTag(key, value); !s.ok()) return s;
  }
  return run;
}

// ---- ExperimentRun ----------------------------------------------------------------------------

namespace {

Status RequireStarted(const fs::path& dir) {
  if (dir.empty()) return Status::FailedPrecondition("the run was not started (StartRun)");
  return Status::Ok();
}

}  // namespace

Status ExperimentRun::LogParam(const std::string& key, const std::string& value) {
  if (Status s = RequireStarted(dir_); !s.ok()) return s;
  if (Status s = ValidateKey("param", key); !s.ok()) return s;
  const fs::path path = dir_ / "params" / key;
  // MLflow refuses to change a logged param: a run's parameters describe how it was made.
  if (auto existing = ReadFile(path); existing.ok()) {
    if (*existing == value) return Status::Ok();
    return Status::InvalidArgument("param '" + key + "' was already logged as '" + *existing +
                                   "', not '" + value + "'");
  }
  return WriteFileAtomically(path, value, dir_);
}

Status ExperimentRun::LogMetric(const std::string& key, double value, std::int64_t step) {
  if (Status s = RequireStarted(dir_); !s.ok()) return s;
  if (Status s = ValidateKey("metric", key); !s.ok()) return s;
  const fs::path path = dir_ / "metrics" / key;
  std::string content;
  if (auto existing = ReadFile(path); existing.ok()) {
    content = std::move(*existing);
  } else if (fs::exists(path)) {
    return existing.status();
  }
  content +=
      std::to_string(NowMs()) + " " + FormatDouble(value) + " " + std::to_string(step) + "\n";
  return WriteFileAtomically(path, content, dir_);
}

Status ExperimentRun::SetTag(const std::string& key, const std::string& value) {
  if (Status s = RequireStarted(dir_); !s.ok()) return s;
  if (Status s = ValidateKey("tag", key); !s.ok()) return s;
  return WriteFileAtomically(dir_ / "tags" / key, value, dir_);
}

Status ExperimentRun::LogArtifact(const fs::path& file, const std::string& name) {
  if (Status s = RequireStarted(dir_); !s.ok()) return s;
  const std::string target = name.empty() ? file.filename().string() : name;
  if (target.empty() || target == "." || target == ".." || target.find('/') != std::string::npos ||
      target.find('\0') != std::string::npos) {
    return Status::InvalidArgument("artifact name '" + target + "' is not a plain file name");
  }
  std::error_code ec;
  const auto status = fs::status(file, ec);
  if (!fs::exists(status)) return Status::NotFound("no artifact file " + file.string());
  if (!fs::is_regular_file(status)) {
    return Status::InvalidArgument(file.string() + " is not a regular file");
  }
  const fs::path tmp = dir_ / ("." + target + ".tmp-" + std::to_string(::getpid()));
  fs::copy_file(file, tmp, fs::copy_options::overwrite_existing, ec);
  if (ec) return Status::IOError("cannot copy " + file.string() + ": " + ec.message());
  fs::rename(tmp, dir_ / "artifacts" / target, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    return Status::IOError("cannot store artifact " + target + ": " + ec.message());
  }
  return Status::Ok();
}

Status ExperimentRun::End(bool success) {
  if (Status s = RequireStarted(dir_); !s.ok()) return s;
  const fs::path path = dir_ / "meta.yaml";
  auto meta = ReadFile(path);
  if (!meta.ok()) return meta.status();
  // Rewrite the two fields in place so everything else (user, name) stays as started.
  std::istringstream in(*meta);
  std::string line, out;
  while (std::getline(in, line)) {
    if (line.rfind("end_time:", 0) == 0) {
      line = "end_time: " + std::to_string(std::max(NowMs(), start_ms_));
    } else if (line.rfind("status:", 0) == 0) {
      line = "status: " + std::to_string(success ? kStatusFinished : kStatusFailed);
    }
    out += line + "\n";
  }
  return WriteFileAtomically(path, out, dir_);
}

}  // namespace sonance
