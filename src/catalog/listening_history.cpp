#include "sonance/catalog/listening_history.h"

#include <cmath>
#include <nlohmann/json.hpp>

namespace sonance {
namespace {

using nlohmann::json;

// The 1-based line where each element of the top-level array starts (by scanning the text,
// since the JSON parser does not report positions of values).
std::vector<std::int64_t> ElementLines(std::string_view text) {
  std::vector<std::int64_t> lines;
  std::int64_t line = 1;
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  bool expect_element = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      if (c == '\n') ++line;
      continue;
    }
    if (c == '\n') {
      ++line;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r') continue;
    if (depth == 1 && expect_element && c != ']') {
      lines.push_back(line);
      expect_element = false;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      ++depth;
      if (depth == 1 && c == '[') expect_element = true;
    } else if (c == ']' || c == '}') {
      --depth;
    } else if (c == ',' && depth == 1) {
      expect_element = true;
    }
  }
  return lines;
}

const json* Field(const json& obj, const char* name) {
  const auto it = obj.find(name);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string Text(const json& obj, const char* name) {
  const json* v = Field(obj, name);
  return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
}

std::optional<bool> Bool(const json& obj, const char* name) {
  const json* v = Field(obj, name);
  if (v == nullptr || !v->is_boolean()) return std::nullopt;
  return v->get<bool>();
}

bool IsDigits(std::string_view s, std::size_t pos, std::size_t n) {
  if (pos + n > s.size()) return false;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

// "YYYY-MM-DD HH:MM" (account data), "YYYY-MM-DDTHH:MM:SSZ" (extended; also with a space, a
// fraction or no Z) -> "YYYY-MM-DDTHH:MM:SSZ"; empty when malformed.
std::string NormalizeTime(std::string_view t) {
  if (t.size() < 16 || !IsDigits(t, 0, 4) || t[4] != '-' || !IsDigits(t, 5, 2) || t[7] != '-' ||
      !IsDigits(t, 8, 2) || (t[10] != 'T' && t[10] != ' ') || !IsDigits(t, 11, 2) || t[13] != ':' ||
      !IsDigits(t, 14, 2)) {
    return {};
  }
  std::string seconds = "00";
  std::string_view rest = t.substr(16);
  if (!rest.empty() && rest.front() == ':') {
    if (!IsDigits(rest, 1, 2)) return {};
    seconds = std::string(rest.substr(1, 2));
    rest.remove_prefix(3);
    if (!rest.empty() && rest.front() == '.') {
      std::size_t i = 1;
      while (i < rest.size() && rest[i] >= '0' && rest[i] <= '9') ++i;
      rest.remove_prefix(i);
    }
  }
  if (rest == "Z" || rest == "+00:00") rest = {};
  if (!rest.empty()) return {};
  std::string out(t.substr(0, 10));
  out += 'T';
  out += t.substr(11, 5);
  out += ':';
  out += seconds;
  out += 'Z';
  const int month = std::stoi(out.substr(5, 2));
  const int day = std::stoi(out.substr(8, 2));
  const int hour = std::stoi(out.substr(11, 2));
  const int minute = std::stoi(out.substr(14, 2));
  const int second = std::stoi(out.substr(17, 2));
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return {};
  }
  return out;
}

// ms_played as a whole number >= 0; nullopt (and *why) otherwise.
std::optional<std::int64_t> Milliseconds(const json& obj, const char* name, std::string* why) {
  const json* v = Field(obj, name);
  if (v == nullptr) {
    *why = std::string("no ") + name;
    return std::nullopt;
  }
  if (v->is_number_integer()) {
    const auto ms = v->get<std::int64_t>();
    if (ms >= 0) return ms;
  } else if (v->is_number_float()) {
    const double d = v->get<double>();
    if (std::isfinite(d) && d >= 0 && std::floor(d) == d) return static_cast<std::int64_t>(d);
  }
  *why = std::string(name) + " is not a whole number of milliseconds >= 0: " + v->dump();
  return std::nullopt;
}

}  // namespace

Result<ParsedHistory> ParseStreamingHistory(std::string_view json_text) {
  json doc;
  try {
    doc = json::parse(json_text);
  } catch (const json::parse_error& e) {
    // e.byte is 1-based; count the lines up to it.
    const std::size_t at = std::min<std::size_t>(e.byte > 0 ? e.byte - 1 : 0, json_text.size());
    std::int64_t line = 1;
    for (std::size_t i = 0; i < at; ++i) line += json_text[i] == '\n';
    return Status::InvalidArgument("not valid JSON (line " + std::to_string(line) + ")");
  }
  if (!doc.is_array()) {
    std::string what =
        doc.is_object() && doc.contains("playlists") ? " (it is a playlist file)" : "";
    return Status::InvalidArgument("not a streaming history: expected a JSON array of plays" +
                                   what);
  }
  const std::vector<std::int64_t> lines = ElementLines(json_text);
  ParsedHistory out;
  std::int64_t not_plays = 0;
  for (std::size_t i = 0; i < doc.size(); ++i) {
    const json& e = doc[i];
    const std::int64_t line = i < lines.size() ? lines[i] : 0;
    ++out.entries;
    auto bad = [&](std::string reason) { out.bad.push_back({line, std::move(reason)}); };
    if (!e.is_object()) {
      bad("an entry that is not an object");
      ++not_plays;
      continue;
    }
    Play p;
    std::string why;
    if (e.contains("ts")) {
      p.export_format = "extended";
      const std::string ts = Text(e, "ts");
      p.played_at = NormalizeTime(ts);
      if (p.played_at.empty()) {
        bad("ts " + Field(e, "ts")->dump() + " is not a time like 2024-01-02T03:04:05Z");
        continue;
      }
      const auto ms = Milliseconds(e, "ms_played", &why);
      if (!ms) {
        bad(why);
        continue;
      }
      p.ms_played = *ms;
      p.track_name = Text(e, "master_metadata_track_name");
      if (p.track_name.empty()) {
        const bool episode =
            Field(e, "episode_name") != nullptr || Field(e, "spotify_episode_uri") != nullptr ||
            Field(e, "audiobook_title") != nullptr || Field(e, "audiobook_uri") != nullptr ||
            Field(e, "audiobook_chapter_uri") != nullptr;
        ++(episode ? out.podcasts : out.without_track);
        continue;
      }
      p.artist_name = Text(e, "master_metadata_album_artist_name");
      p.album_name = Text(e, "master_metadata_album_album_name");
      p.spotify_uri = Text(e, "spotify_track_uri");
      p.reason_start = Text(e, "reason_start");
      p.reason_end = Text(e, "reason_end");
      p.platform = Text(e, "platform");
      p.shuffle = Bool(e, "shuffle");
      p.skipped = Bool(e, "skipped");
      json extra = json::object();
      for (const char* key : {"conn_country", "offline", "offline_timestamp", "incognito_mode"}) {
        if (const json* v = Field(e, key)) extra[key] = *v;
      }
      p.extra_json = extra.dump(-1, ' ', false, json::error_handler_t::replace);
    } else if (e.contains("endTime")) {
      p.export_format = "account";
      p.played_at = NormalizeTime(Text(e, "endTime"));
      if (p.played_at.empty()) {
        const json* v = Field(e, "endTime");
        bad("endTime " + (v ? v->dump() : std::string("null")) +
            " is not a time like 2024-01-02 03:04");
        continue;
      }
      const auto ms = Milliseconds(e, "msPlayed", &why);
      if (!ms) {
        bad(why);
        continue;
      }
      p.ms_played = *ms;
      p.track_name = Text(e, "trackName");
      if (p.track_name.empty()) {
        const bool episode =
            Field(e, "episodeName") != nullptr || Field(e, "podcastName") != nullptr;
        ++(episode ? out.podcasts : out.without_track);
        continue;
      }
      p.artist_name = Text(e, "artistName");
    } else {
      bad("neither ts nor endTime: not a play");
      ++not_plays;
      continue;
    }
    out.plays.emplace_back(line, std::move(p));
  }
  if (out.entries > 0 && not_plays == out.entries) {
    return Status::InvalidArgument(
        "not a streaming history: no entry has ts or endTime (another file of the export?)");
  }
  return out;
}

}  // namespace sonance
