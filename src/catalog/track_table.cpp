#include "sonance/catalog/track_table.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string_view>

#include "sonance/common/utf8.h"

namespace sonance {
namespace {

enum Field {
  kId,
  kTitle,
  kArtists,
  kAlbum,
  kGenre,
  kPopularity,
  kDuration,
  kExplicit,
  kReleaseDate,
  kYear,
  kMonth,
  kDay,
  kStreams,
  kMarkets,
  // Audio features, in the order of kFeatureNames.
  kDanceability,
  kEnergy,
  kKey,
  kLoudness,
  kMode,
  kSpeechiness,
  kAcousticness,
  kInstrumentalness,
  kLiveness,
  kValence,
  kTempo,
  kTimeSignature,
  kFieldCount
};

constexpr int kFirstFeature = kDanceability;
constexpr const char* kFeatureNames[] = {
    "danceability", "energy",           "key",      "loudness", "mode",  "speechiness",
    "acousticness", "instrumentalness", "liveness", "valence",  "tempo", "time_signature"};

// How an artists column separates names.
enum ArtistStyle {
  kListOrSemicolon = 0,  // "['A', 'B']" or "A;B"
  kCommaSeparated = 1,   // "A, B"
  kCredit = 2,           // "A Featuring B", "A feat. B", "A; B", "A / B"
};

struct Alias {
  std::string_view name;  // normalised header
  Field field;
  double scale;
  int variant;
};

constexpr double kPercent = 0.01;

// Normalised header names of every layout (docs/importing.md has the same table).
constexpr Alias kAliases[] = {
    {"track_id", kId, 1, 0},
    {"id", kId, 1, 0},
    {"spotify_id", kId, 1, 0},
    {"uri", kId, 1, 0},
    {"spotify_uri", kId, 1, 0},
    {"track_uri", kId, 1, 0},
    {"spotify_track_uri", kId, 1, 0},
    {"track_name", kTitle, 1, 0},
    {"name", kTitle, 1, 0},
    {"title", kTitle, 1, 0},
    {"track", kTitle, 1, 0},
    {"song", kTitle, 1, 0},
    {"song_name", kTitle, 1, 0},
    {"track_title", kTitle, 1, 0},
    {"artists", kArtists, 1, kListOrSemicolon},
    {"artist_names", kArtists, 1, kListOrSemicolon},
    {"artist(s)_name", kArtists, 1, kCommaSeparated},
    {"artist", kArtists, 1, kCredit},
    {"artist_name", kArtists, 1, kCredit},
    {"track_artist", kArtists, 1, kCredit},
    {"album_name", kAlbum, 1, 0},
    {"album", kAlbum, 1, 0},
    {"track_album_name", kAlbum, 1, 0},
    {"track_genre", kGenre, 1, 0},
    {"genre", kGenre, 1, 0},
    {"top_genre", kGenre, 1, 0},
    {"playlist_genre", kGenre, 1, 0},
    {"popularity", kPopularity, 1, 0},
    {"pop", kPopularity, 1, 0},
    {"track_popularity", kPopularity, 1, 0},
    {"song_popularity", kPopularity, 1, 0},
    {"duration_ms", kDuration, 1, 0},
    {"dur", kDuration, 1000, 0},
    {"duration_s", kDuration, 1000, 0},
    {"duration_sec", kDuration, 1000, 0},
    {"duration_seconds", kDuration, 1000, 0},
    {"explicit", kExplicit, 1, 0},
    {"is_explicit", kExplicit, 1, 0},
    {"release_date", kReleaseDate, 1, 0},
    {"album_release_date", kReleaseDate, 1, 0},
    {"track_album_release_date", kReleaseDate, 1, 0},
    {"year", kYear, 1, 0},
    {"released_year", kYear, 1, 0},
    {"release_year", kYear, 1, 0},
    {"released_month", kMonth, 1, 0},
    {"release_month", kMonth, 1, 0},
    {"released_day", kDay, 1, 0},
    {"release_day", kDay, 1, 0},
    {"streams", kStreams, 1, 0},
    {"stream_count", kStreams, 1, 0},
    {"total_streams", kStreams, 1, 0},
    {"number_of_available_markets", kMarkets, 1, 0},
    {"available_markets", kMarkets, 1, 0},
    {"danceability", kDanceability, 1, 0},
    {"danceability_%", kDanceability, kPercent, 0},
    {"dnce", kDanceability, kPercent, 0},
    {"energy", kEnergy, 1, 0},
    {"energy_%", kEnergy, kPercent, 0},
    {"nrgy", kEnergy, kPercent, 0},
    {"key", kKey, 1, 0},
    {"loudness", kLoudness, 1, 0},
    {"loudness_db", kLoudness, 1, 0},
    {"db", kLoudness, 1, 0},
    {"mode", kMode, 1, 0},
    {"speechiness", kSpeechiness, 1, 0},
    {"speechiness_%", kSpeechiness, kPercent, 0},
    {"spch", kSpeechiness, kPercent, 0},
    {"acousticness", kAcousticness, 1, 0},
    {"acousticness_%", kAcousticness, kPercent, 0},
    {"acous", kAcousticness, kPercent, 0},
    {"instrumentalness", kInstrumentalness, 1, 0},
    {"instrumentalness_%", kInstrumentalness, kPercent, 0},
    {"liveness", kLiveness, 1, 0},
    {"liveness_%", kLiveness, kPercent, 0},
    {"live", kLiveness, kPercent, 0},
    {"valence", kValence, 1, 0},
    {"valence_%", kValence, kPercent, 0},
    {"val", kValence, kPercent, 0},
    {"tempo", kTempo, 1, 0},
    {"bpm", kTempo, 1, 0},
    {"time_signature", kTimeSignature, 1, 0},
    {"time_sig", kTimeSignature, 1, 0},
};

std::string_view TrimView(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n";
  const auto b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(kSpace);
  return s.substr(b, e - b + 1);
}

std::string Trim(std::string_view s) {
  return std::string(TrimView(s));
}

std::string NormalizeHeader(std::string_view name) {
  std::string out;
  for (char c : TrimView(name)) {
    if (c == ' ' || c == '-') c = '_';
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    out.push_back(c);
  }
  return out;
}

// For messages: the value, shortened.
std::string Shown(std::string_view v) {
  std::string s(v.substr(0, 40));
  if (v.size() > 40) s += "...";
  return "\"" + s + "\"";
}

std::optional<double> ParseDouble(std::string_view s) {
  s = TrimView(s);
  if (s.empty()) return std::nullopt;
  if (s.front() == '+') s.remove_prefix(1);
  double v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

// An integer, also written as "73.0".
std::optional<std::int64_t> ParseInteger(std::string_view s) {
  s = TrimView(s);
  std::int64_t v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec == std::errc() && p == s.data() + s.size()) return v;
  const auto d = ParseDouble(s);
  if (!d || std::floor(*d) != *d || std::fabs(*d) > 9.0e15) return std::nullopt;
  return static_cast<std::int64_t>(*d);
}

// "1,021" (thousands grouped with commas) as 1021; nullopt for anything else.
std::optional<std::int64_t> ParseGroupedInteger(std::string_view s) {
  s = TrimView(s);
  if (s.size() < 5 || s.find(',') == std::string_view::npos) return std::nullopt;
  std::string digits;
  const std::size_t first = s.find(',');
  if (first == 0 || first > 3) return std::nullopt;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool comma_place = i >= first && (i - first) % 4 == 0;
    if (comma_place ? s[i] != ',' : (s[i] < '0' || s[i] > '9')) return std::nullopt;
    if (!comma_place) digits.push_back(s[i]);
  }
  if ((s.size() - first) % 4 != 0) return std::nullopt;
  return ParseInteger(digits);
}

std::optional<bool> ParseBool(std::string_view s) {
  const std::string v = FoldCase(TrimView(s));
  if (v == "true" || v == "1" || v == "yes" || v == "t" || v == "y") return true;
  if (v == "false" || v == "0" || v == "no" || v == "f" || v == "n") return false;
  return std::nullopt;
}

// "C", "C#", "Db", "c♯", ... -> 0..11.
std::optional<int> ParseKeyName(std::string_view s) {
  s = TrimView(s);
  if (s.empty()) return std::nullopt;
  static constexpr int kNatural[] = {9, 11, 0, 2, 4, 5, 7};  // A B C D E F G
  char letter = s.front();
  if (letter >= 'a' && letter <= 'g') letter = static_cast<char>(letter - 'a' + 'A');
  if (letter < 'A' || letter > 'G') return std::nullopt;
  int key = kNatural[letter - 'A'];
  std::string_view rest = s.substr(1);
  if (rest == "#" || rest == "\xE2\x99\xAF") {
    key += 1;
  } else if (rest == "b" || rest == "\xE2\x99\xAD") {
    key += 11;
  } else if (!rest.empty()) {
    return std::nullopt;
  }
  return key % 12;
}

// A Python list literal of strings: ['A', "B's", 'C\'s'].
std::optional<std::vector<std::string>> ParsePythonList(std::string_view s) {
  s = TrimView(s);
  if (s.size() < 2 || s.front() != '[' || s.back() != ']') return std::nullopt;
  std::vector<std::string> out;
  std::size_t i = 1;
  const std::size_t end = s.size() - 1;
  while (true) {
    while (i < end && (s[i] == ' ' || s[i] == ',')) ++i;
    if (i >= end) break;
    const char q = s[i];
    if (q != '\'' && q != '"') return std::nullopt;
    ++i;
    std::string item;
    bool closed = false;
    while (i < end) {
      const char c = s[i];
      if (c == '\\' && i + 1 < end) {
        item.push_back(s[i + 1]);
        i += 2;
      } else if (c == q) {
        ++i;
        closed = true;
        break;
      } else {
        item.push_back(c);
        ++i;
      }
    }
    if (!closed) return std::nullopt;
    out.push_back(std::move(item));
  }
  return out;
}

// Splits on separators found case-insensitively (ASCII separators, so byte offsets of the
// folded text equal those of the original whenever the lengths agree).
std::vector<std::string> SplitOn(std::string_view text,
                                 std::initializer_list<std::string_view> seps) {
  std::vector<std::string> parts;
  const std::string lower = FoldCase(text);
  const bool aligned = lower.size() == text.size();
  std::size_t start = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    bool matched = false;
    for (std::string_view sep : seps) {
      const std::string_view hay = aligned ? std::string_view(lower) : text;
      if (hay.substr(i, sep.size()) == sep) {
        parts.push_back(Trim(text.substr(start, i - start)));
        i += sep.size();
        start = i;
        matched = true;
        break;
      }
    }
    if (!matched) ++i;
  }
  parts.push_back(Trim(text.substr(start)));
  return parts;
}

Result<std::vector<std::string>> SplitArtists(std::string_view value, int style) {
  std::vector<std::string> names;
  value = TrimView(value);
  if (value.empty()) return names;
  if (style == kListOrSemicolon && value.front() == '[') {
    auto list = ParsePythonList(value);
    if (!list) return Status::InvalidArgument("artists " + Shown(value) + " is not a list");
    names = std::move(*list);
  } else if (style == kListOrSemicolon) {
    names = SplitOn(value, {";"});
  } else if (style == kCommaSeparated) {
    names = SplitOn(value, {", "});
  } else {
    names = SplitOn(value, {" featuring ", " feat. ", " feat ", " ft. ", " ft ", ";", " / "});
  }
  std::vector<std::string> out;
  for (std::string& n : names) {
    n = Trim(n);
    if (!n.empty() && std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
  }
  return out;
}

// "1999", "1999-04", "1999-04-12" (checked); "0000" and "" are unknown (nullopt value).
Result<std::string> ParseReleaseDate(std::string_view v) {
  v = TrimView(v);
  if (v.empty() || v == "0000" || v == "0") return std::string();
  auto digits = [&](std::size_t pos, std::size_t n) -> std::optional<int> {
    if (pos + n > v.size()) return std::nullopt;
    int x = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
      if (v[i] < '0' || v[i] > '9') return std::nullopt;
      x = x * 10 + (v[i] - '0');
    }
    return x;
  };
  const auto bad =
      Status::InvalidArgument("release date " + Shown(v) + " is not YYYY, YYYY-MM or YYYY-MM-DD");
  const auto year = digits(0, 4);
  if (!year || (v.size() != 4 && v.size() != 7 && v.size() != 10)) return bad;
  if (*year < 1000 || *year > 2100) {
    return Status::InvalidArgument("release year " + std::to_string(*year) + " is out of range");
  }
  if (v.size() >= 7) {
    const auto month = digits(5, 2);
    if (v[4] != '-' || !month || *month < 1 || *month > 12) return bad;
  }
  if (v.size() == 10) {
    const auto day = digits(8, 2);
    if (v[7] != '-' || !day || *day < 1 || *day > 31) return bad;
  }
  return std::string(v);
}

// A Spotify id from an id, a "spotify:track:<id>" URI or an open.spotify.com link.
std::string SpotifyIdOf(std::string_view v) {
  v = TrimView(v);
  for (std::string_view prefix : {"spotify:track:", "https://open.spotify.com/track/"}) {
    if (v.starts_with(prefix)) {
      v.remove_prefix(prefix.size());
      v = v.substr(0, v.find('?'));
      break;
    }
  }
  return std::string(v);
}

std::string Layout(const std::set<std::string>& names) {
  auto has = [&](const char* n) { return names.count(n) > 0; };
  if (has("track_genre") && has("track_id")) return "spotify-tracks";
  if (has("artist(s)_name")) return "spotify-2023";
  if (has("nrgy") && has("dnce")) return "top10s";
  if (has("chorus_hit") || (has("uri") && has("target"))) return "hit-predictor";
  if (has("playlist_genre") && has("track_artist")) return "spotify-songs";
  if (has("album_id") && has("artist_ids")) return "spotify-1.2m";
  if (has("id") && has("artists") && has("year") && has("release_date")) return "spotify-1921-2020";
  return "generic";
}

}  // namespace

Result<TrackTableMapper> TrackTableMapper::FromHeader(const std::vector<std::string>& header) {
  TrackTableMapper m;
  m.column_of_.assign(kFieldCount, -1);
  std::set<std::string> names;
  for (std::size_t i = 0; i < header.size(); ++i) {
    m.header_.push_back(Trim(header[i]));
    const std::string norm = NormalizeHeader(header[i]);
    names.insert(norm);
    Column col;
    if (norm.empty() || norm == "index" || norm.starts_with("unnamed:")) {
      col.ignored = true;  // a row number written by pandas or a spreadsheet
    } else {
      for (const Alias& a : kAliases) {
        if (a.name != norm || m.column_of_[a.field] >= 0) continue;
        col.field = a.field;
        col.scale = a.scale;
        col.variant = a.variant;
        m.column_of_[a.field] = static_cast<int>(i);
        break;
      }
    }
    m.columns_.push_back(col);
  }
  if (m.column_of_[kTitle] < 0) {
    auto has = [&](const char* n) { return names.count(n) > 0; };
    if (has("genres")) {
      return Status::InvalidArgument(
          "a table of per-genre averages (one row per genre, no tracks): nothing to import");
    }
    if (has("artists") && has("count")) {
      return Status::InvalidArgument(
          "a table of per-artist averages (one row per artist, no tracks): nothing to import");
    }
    if (has("year") && !has("artists") && !has("artist")) {
      return Status::InvalidArgument(
          "a table of per-year averages (one row per year, no tracks): nothing to import");
    }
    return Status::InvalidArgument(
        "no column for the track title (looked for track_name, name, title, track, song, "
        "song_name, track_title): not a table of tracks");
  }
  for (int f = kFirstFeature; f < kFieldCount; ++f) {
    if (m.column_of_[f] >= 0) {
      m.any_feature_ = true;
    } else {
      m.missing_.push_back(kFeatureNames[f - kFirstFeature]);
    }
  }
  m.layout_ = Layout(names);
  return m;
}

Result<ImportedTrack> TrackTableMapper::Map(const std::vector<std::string>& row) const {
  if (row.size() != columns_.size()) {
    return Status::InvalidArgument("expected " + std::to_string(columns_.size()) +
                                   " columns, found " + std::to_string(row.size()));
  }
  ImportedTrack t;
  AudioFeatures f;
  f.features_version = kImportedFeaturesVersion;
  std::vector<std::string> missing = missing_;
  nlohmann::json extra = nlohmann::json::object();
  int year = 0;
  int month = 0;
  int day = 0;
  std::string year_text;

  for (std::size_t i = 0; i < row.size(); ++i) {
    const Column& col = columns_[i];
    if (col.ignored) continue;
    const std::string_view raw = TrimView(row[i]);
    const std::string& name = header_[i];
    auto not_a = [&](const char* what) {
      return Status::InvalidArgument("column " + name + ": " + Shown(raw) + " is not " + what);
    };
    auto out_of_range = [&](const std::string& value, const char* range) {
      return Status::InvalidArgument("column " + name + ": " + value + " is out of range (" +
                                     range + ")");
    };
    if (col.field < 0 || static_cast<int>(i) != column_of_[col.field]) {
      // An extra column (or a second column for a field already read).
      if (raw.empty()) continue;
      if (auto n = ParseInteger(raw)) {
        extra[name] = *n;
      } else if (auto d = ParseDouble(raw)) {
        extra[name] = *d;
      } else if (auto g = ParseGroupedInteger(raw)) {
        extra[name] = *g;
      } else {
        extra[name] = std::string(raw);
      }
      continue;
    }
    const Field field = static_cast<Field>(col.field);
    if (raw.empty()) {
      if (field >= kFirstFeature) {
        missing.push_back(kFeatureNames[field - kFirstFeature]);
      }
      continue;  // unknown, not bad
    }
    switch (field) {
      case kId: {
        t.spotify_id = SpotifyIdOf(raw);
        if (!LooksLikeTrackId(t.spotify_id)) return not_a("a Spotify track id");
        break;
      }
      case kTitle:
        t.tags.title = std::string(raw);
        break;
      case kArtists: {
        auto artists = SplitArtists(raw, col.variant);
        if (!artists.ok())
          return Status::InvalidArgument("column " + name + ": " + artists.status().message());
        t.tags.artists = std::move(artists).value();
        break;
      }
      case kAlbum:
        t.tags.album = std::string(raw);
        break;
      case kGenre:
        t.tags.genre = std::string(raw);
        break;
      case kPopularity: {
        const auto v = ParseInteger(raw);
        if (!v) return not_a("a whole number");
        if (*v < 0 || *v > 100) return out_of_range(std::to_string(*v), "0..100");
        t.popularity = static_cast<int>(*v);
        break;
      }
      case kDuration: {
        const auto v = ParseDouble(raw);
        if (!v) return not_a("a number");
        const double ms = *v * col.scale;
        if (ms < 0 || ms > 24.0 * 3600 * 1000) {
          return out_of_range(std::string(raw), col.scale == 1 ? "0..86400000 ms" : "0..86400 s");
        }
        t.duration_ms = static_cast<std::int64_t>(std::llround(ms));
        break;
      }
      case kExplicit: {
        const auto v = ParseBool(raw);
        if (!v) return not_a("true or false");
        t.is_explicit = *v;
        break;
      }
      case kReleaseDate: {
        auto d = ParseReleaseDate(raw);
        if (!d.ok()) return Status::InvalidArgument("column " + name + ": " + d.status().message());
        t.tags.release_date = *d;
        break;
      }
      case kYear:
      case kMonth:
      case kDay: {
        const auto v = ParseInteger(raw);
        if (!v) return not_a("a whole number");
        if (field == kYear) {
          if (*v != 0 && (*v < 1000 || *v > 2100))
            return out_of_range(std::to_string(*v), "1000..2100");
          year = static_cast<int>(*v);
        } else if (field == kMonth) {
          if (*v < 1 || *v > 12) return out_of_range(std::to_string(*v), "1..12");
          month = static_cast<int>(*v);
        } else {
          if (*v < 1 || *v > 31) return out_of_range(std::to_string(*v), "1..31");
          day = static_cast<int>(*v);
        }
        break;
      }
      case kStreams: {
        const auto v = ParseInteger(raw);
        if (!v) return not_a("a whole number");
        if (*v < 0) return out_of_range(std::to_string(*v), ">= 0");
        t.streams = *v;
        break;
      }
      case kMarkets: {
        if (raw.front() == '[') {
          const auto list = ParsePythonList(raw);
          if (!list) return not_a("a number or a list of markets");
          t.available_markets = static_cast<int>(list->size());
          break;
        }
        const auto v = ParseInteger(raw);
        if (!v) return not_a("a whole number");
        if (*v < 0 || *v > 1000) return out_of_range(std::to_string(*v), "0..1000");
        t.available_markets = static_cast<int>(*v);
        break;
      }
      case kKey: {
        if (const auto named = ParseKeyName(raw)) {
          f.key = *named;
          break;
        }
        const auto v = ParseInteger(raw);
        if (!v) return not_a("a key (-1..11 or a name like C#)");
        if (*v < -1 || *v > 11) return out_of_range(std::to_string(*v), "-1..11");
        f.key = static_cast<int>(*v);
        break;
      }
      case kMode: {
        const std::string m = FoldCase(raw);
        if (m == "major" || m == "maj") {
          f.mode = 1;
        } else if (m == "minor" || m == "min") {
          f.mode = 0;
        } else {
          const auto v = ParseInteger(raw);
          if (!v) return not_a("a mode (0, 1, Major or Minor)");
          if (*v != 0 && *v != 1) return out_of_range(std::to_string(*v), "0 or 1");
          f.mode = static_cast<int>(*v);
        }
        break;
      }
      case kTimeSignature: {
        const auto v = ParseInteger(raw);
        if (!v) return not_a("a whole number");
        if (*v < 0 || *v > 7) return out_of_range(std::to_string(*v), "0..7");
        f.time_signature = static_cast<int>(*v);
        break;
      }
      default: {  // the real-valued features
        const auto v = ParseDouble(raw);
        if (!v) return not_a("a number");
        const double x = *v * col.scale;
        double* target = nullptr;
        double lo = 0.0;
        double hi = 1.0;
        const char* range = col.scale == 1 ? "0..1" : "0..100";
        switch (field) {
          case kDanceability:
            target = &f.danceability;
            break;
          case kEnergy:
            target = &f.energy;
            break;
          case kSpeechiness:
            target = &f.speechiness;
            break;
          case kAcousticness:
            target = &f.acousticness;
            break;
          case kInstrumentalness:
            target = &f.instrumentalness;
            break;
          case kLiveness:
            target = &f.liveness;
            break;
          case kValence:
            target = &f.valence;
            break;
          case kLoudness:
            target = &f.loudness;
            lo = -100.0;
            hi = 10.0;
            range = "-100..10 dB";
            break;
          case kTempo:
            target = &f.tempo;
            lo = 0.0;
            hi = 400.0;
            range = "0..400 BPM";
            break;
          default:
            break;
        }
        if (target == nullptr) break;
        if (x < lo || x > hi) return out_of_range(std::string(raw), range);
        *target = x;
        break;
      }
    }
  }
  if (t.tags.title.empty()) return Status::InvalidArgument("the track title is empty");
  if (t.tags.release_date.empty() && year > 0) {
    char buf[32];
    if (month > 0 && day > 0) {
      std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year, month, day);
    } else if (month > 0) {
      std::snprintf(buf, sizeof buf, "%04d-%02d", year, month);
    } else {
      std::snprintf(buf, sizeof buf, "%04d", year);
    }
    t.tags.release_date = buf;
  }
  if (any_feature_) {
    f.duration_ms = t.duration_ms;
    if (t.duration_ms == 0) missing.push_back("duration_ms");
    // Report the missing fields in the canonical order, once each.
    std::vector<std::string> ordered;
    for (const char* n : kFeatureNames) {
      if (std::find(missing.begin(), missing.end(), n) != missing.end()) ordered.push_back(n);
    }
    if (std::find(missing.begin(), missing.end(), "duration_ms") != missing.end()) {
      ordered.push_back("duration_ms");
    }
    t.missing_features = std::move(ordered);
    t.features = f;
  }
  if (!extra.empty()) {
    t.extra_json = extra.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  return t;
}

}  // namespace sonance
