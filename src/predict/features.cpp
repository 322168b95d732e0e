#include "sonance/predict/features.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace sonance {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Nullable real 0..1 audio descriptor.
constexpr StreamFeatureSpec Unit(const char* name, const char* description) {
  return {name, 0.0, 1.0, false, true, description};
}
constexpr StreamFeatureSpec Key(const char* name) {
  return {name, 0.0, 1.0, true, false, "1 when the track is in this key (one-hot)"};
}

constexpr std::array<StreamFeatureSpec, kStreamFeatureCount> kTable = {{
    {"number_of_available_markets", 0, 1000, true, true, "markets the track is available in"},
    {"release_year", 1900, 2100, true, true, "year of the release date"},
    {"release_month", 1, 12, true, true, "month of the release date"},
    {"release_day", 1, 31, true, true, "day of the release date"},
    {"date_is_complete", 0, 1, true, false, "1 when the release date gives year, month and day"},
    {"num_artists", 1, 100, true, true, "number of credited artists"},
    {"duration_ms", 1, 86400000, true, true, "duration in milliseconds"},
    {"explicit", 0, 1, true, true, "1 for explicit lyrics"},
    {"popularity", 0, 100, true, true, "Spotify's popularity"},
    Unit("danceability", "how suitable for dancing"),
    Unit("energy", "perceived intensity and activity"),
    {"loudness", -100, 10, false, true, "integrated loudness in dB"},
    {"mode", 0, 1, true, true, "1 major, 0 minor"},
    Unit("speechiness", "presence of spoken words"),
    Unit("acousticness", "confidence the track is acoustic"),
    Unit("instrumentalness", "likelihood the track has no vocals"),
    Unit("liveness", "likelihood of an audience in the recording"),
    Unit("valence", "musical positiveness"),
    {"tempo", 0, 400, false, true, "beats per minute (0: no beat found)"},
    {"time_signature", 0, 7, true, true, "beats per bar"},
    Key("key_C"),
    Key("key_C#"),
    Key("key_D"),
    Key("key_D#"),
    Key("key_E"),
    Key("key_F"),
    Key("key_F#"),
    Key("key_G"),
    Key("key_G#"),
    Key("key_A"),
    Key("key_A#"),
    Key("key_B"),
    {"key_Unknown", 0, 1, true, false, "1 when no key is known or none was found"},
}};

std::string Number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

bool Listed(const std::vector<std::string>& names, const char* name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// Digits at s[pos, pos + n) as a number; nullopt when they are not all digits.
std::optional<int> Digits(std::string_view s, std::size_t pos, std::size_t n) {
  if (pos + n > s.size()) return std::nullopt;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

struct ReleaseDate {
  double year = kNaN;
  double month = kNaN;
  double day = kNaN;
  bool complete = false;
};

// "1999", "1999-04", "1999-04-12" (a time after the date, "1999-04-12T00:00:00", is ignored).
// Each part is taken only when the parts before it were; a malformed or impossible month or
// day is missing, and so is everything after it. The year is taken as written, so a year
// outside 1900..2100 reaches CheckFeatureRanges.
ReleaseDate ParseReleaseDate(std::string_view s) {
  ReleaseDate d;
  const auto year = Digits(s, 0, 4);
  if (!year) return d;
  d.year = *year;
  auto ends_at = [&](std::size_t pos) { return pos == s.size() || s[pos] == 'T' || s[pos] == ' '; };
  if (ends_at(4) || s[4] != '-') return d;
  const auto month = Digits(s, 5, 2);
  if (!month || *month < 1 || *month > 12 || !(ends_at(7) || s[7] == '-')) return d;
  d.month = *month;
  if (ends_at(7)) return d;
  const auto day = Digits(s, 8, 2);
  if (!day || *day < 1 || *day > DaysInMonth(*year, *month) || !ends_at(10)) return d;
  d.day = *day;
  d.complete = true;
  return d;
}

}  // namespace

const std::array<StreamFeatureSpec, kStreamFeatureCount>& StreamFeatureTable() {
  return kTable;
}

std::vector<std::string> StreamFeatureNames() {
  std::vector<std::string> names;
  names.reserve(kTable.size());
  for (const StreamFeatureSpec& s : kTable) names.emplace_back(s.name);
  return names;
}

std::optional<std::size_t> FindStreamFeature(std::string_view name) {
  for (std::size_t i = 0; i < kTable.size(); ++i) {
    if (name == kTable[i].name) return i;
  }
  return std::nullopt;
}

Status CheckFeatureRanges(const StreamFeatureRow& row) {
  for (std::size_t i = 0; i < kTable.size(); ++i) {
    const StreamFeatureSpec& s = kTable[i];
    const double v = row[i];
    if (std::isnan(v)) {
      if (s.nullable) continue;
      return Status::InvalidArgument(std::string(s.name) + " is missing (NaN); it must be known");
    }
    if (v < s.min || v > s.max) {
      return Status::InvalidArgument(std::string(s.name) + " = " + Number(v) + " is outside " +
                                     Number(s.min) + ".." + Number(s.max));
    }
    if (s.integral && v != std::floor(v)) {
      return Status::InvalidArgument(std::string(s.name) + " = " + Number(v) +
                                     " is not a whole number");
    }
  }
  int ones = 0;
  for (std::size_t k = stream_feature::kKeyC; k <= stream_feature::kKeyUnknown; ++k) {
    if (row[k] == 1.0) ++ones;
  }
  if (ones != 1) {
    return Status::InvalidArgument("key_C..key_Unknown are one-hot: exactly one must be 1, not " +
                                   std::to_string(ones));
  }
  return Status::Ok();
}

StreamFeatureRow BuildStreamFeatureRow(const TrackRecord& track, const AudioFeatures& features) {
  namespace sf = stream_feature;
  StreamFeatureRow row;
  row.fill(kNaN);
  const std::vector<std::string>& missing = track.missing_features;

  if (track.available_markets) row[sf::kAvailableMarkets] = *track.available_markets;
  const ReleaseDate date = ParseReleaseDate(track.tags.release_date);
  row[sf::kReleaseYear] = date.year;
  row[sf::kReleaseMonth] = date.month;
  row[sf::kReleaseDay] = date.day;
  row[sf::kDateIsComplete] = date.complete ? 1.0 : 0.0;
  if (!track.tags.artists.empty()) {
    row[sf::kNumArtists] = static_cast<double>(track.tags.artists.size());
  }
  const long long duration = features.duration_ms > 0 ? features.duration_ms : track.duration_ms;
  if (duration > 0 && !Listed(missing, "duration_ms")) {
    row[sf::kDurationMs] = static_cast<double>(duration);
  }
  if (track.is_explicit) row[sf::kExplicit] = *track.is_explicit ? 1.0 : 0.0;
  if (track.popularity) row[sf::kPopularity] = *track.popularity;

  auto put = [&](std::size_t column, const char* name, double value) {
    row[column] = Listed(missing, name) ? kNaN : value;
  };
  put(sf::kDanceability, "danceability", features.danceability);
  put(sf::kEnergy, "energy", features.energy);
  put(sf::kLoudness, "loudness", features.loudness);
  put(sf::kMode, "mode", features.mode);
  put(sf::kSpeechiness, "speechiness", features.speechiness);
  put(sf::kAcousticness, "acousticness", features.acousticness);
  put(sf::kInstrumentalness, "instrumentalness", features.instrumentalness);
  put(sf::kLiveness, "liveness", features.liveness);
  put(sf::kValence, "valence", features.valence);
  put(sf::kTempo, "tempo", features.tempo);
  put(sf::kTimeSignature, "time_signature", features.time_signature);

  for (std::size_t k = sf::kKeyC; k <= sf::kKeyUnknown; ++k) row[k] = 0.0;
  if (features.key >= 0 && features.key <= 11 && !Listed(missing, "key")) {
    row[sf::kKeyC + static_cast<std::size_t>(features.key)] = 1.0;
  } else {
    row[sf::kKeyUnknown] = 1.0;
  }
  return row;
}

Result<StreamFeatureRow> StreamFeatureRowFromValues(const std::map<std::string, double>& values) {
  namespace sf = stream_feature;
  StreamFeatureRow row;
  row.fill(kNaN);
  bool key_columns = false;
  bool date_flag = false;
  for (const auto& [name, value] : values) {
    if (name == "key") continue;
    const auto column = FindStreamFeature(name);
    if (!column) return Status::InvalidArgument("unknown feature '" + name + "'");
    row[*column] = value;
    if (*column >= sf::kKeyC) key_columns = true;
    if (*column == sf::kDateIsComplete) date_flag = true;
  }
  if (const auto key = values.find("key"); key != values.end()) {
    if (key_columns) {
      return Status::InvalidArgument("give either key or the key_* columns, not both");
    }
    const double k = key->second;
    if (!(k >= -1 && k <= 11) || k != std::floor(k)) {
      return Status::InvalidArgument("key = " + Number(k) + " is outside -1..11");
    }
    for (std::size_t c = sf::kKeyC; c <= sf::kKeyUnknown; ++c) row[c] = 0.0;
    row[k < 0 ? sf::kKeyUnknown : sf::kKeyC + static_cast<std::size_t>(k)] = 1.0;
  } else if (key_columns) {
    // The one-hot columns not named are 0: naming key_D = 1 says the others are not.
    for (std::size_t c = sf::kKeyC; c <= sf::kKeyUnknown; ++c) {
      if (std::isnan(row[c])) row[c] = 0.0;
    }
  } else {
    for (std::size_t c = sf::kKeyC; c <= sf::kKeyUnknown; ++c) row[c] = 0.0;
    row[sf::kKeyUnknown] = 1.0;
  }
  if (!date_flag) {
    const bool complete = !std::isnan(row[sf::kReleaseYear]) &&
                          !std::isnan(row[sf::kReleaseMonth]) && !std::isnan(row[sf::kReleaseDay]);
    row[sf::kDateIsComplete] = complete ? 1.0 : 0.0;
  }
  if (Status s = CheckFeatureRanges(row); !s.ok()) return s;
  return row;
}

}  // namespace sonance
