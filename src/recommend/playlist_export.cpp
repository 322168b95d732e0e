#include "sonance/recommend/playlist_export.h"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

namespace sonance {
namespace {

constexpr std::string_view kSpotifyUriPrefix = "spotify:track:";
constexpr std::string_view kSpotifyOpenUrl = "https://open.spotify.com/track/";
constexpr std::string_view kSonanceUriPrefix = "sonance:track:";

bool IsImported(const RecTrack& t) {
  return t.record.source == "imported";
}

// The Spotify id of an imported track whose locator is a Spotify URI.
std::optional<std::string> SpotifyId(const RecTrack& t) {
  if (!IsImported(t) || !t.record.path.starts_with(kSpotifyUriPrefix)) return std::nullopt;
  std::string id = t.record.path.substr(kSpotifyUriPrefix.size());
  if (id.empty()) return std::nullopt;
  return id;
}

// Analysed tracks are files; imported ones have a locator that is never a path.
bool HasFile(const RecTrack& t) {
  return !IsImported(t) && !t.record.path.empty();
}

std::int64_t DurationMs(const RecTrack& t) {
  if (t.record.duration_ms > 0) return t.record.duration_ms;
  return t.features.duration_ms > 0 ? static_cast<std::int64_t>(t.features.duration_ms) : 0;
}

// Every artist, as the playlist formats have one creator string per track.
std::string Creator(const RecTrack& t) {
  std::string out;
  for (const std::string& a : t.record.tags.artists) {
    if (a.empty()) continue;
    if (!out.empty()) out += ", ";
    out += a;
  }
  return out;
}

std::vector<std::string> Identifiers(const RecTrack& t) {
  std::vector<std::string> ids;
  // ListenBrainz reads the Spotify link; it goes first for readers that take only one.
  if (auto spotify = SpotifyId(t)) ids.push_back(std::string(kSpotifyOpenUrl) + *spotify);
  if (!t.record.id.empty()) ids.push_back(std::string(kSonanceUriPrefix) + t.record.id);
  return ids;
}

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// file:// URI of an absolute path: every byte but the unreserved ones and '/' as %XX.
std::string FileUri(const std::string& path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "file://";
  for (char ch : path) {
    const auto c = static_cast<unsigned char>(ch);
    if (IsUnreserved(c) || c == '/') {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

// XML 1.0 text: the five markup characters as entities; control characters other than tab,
// line feed and carriage return are not allowed in XML at all, so they are dropped.
std::string XmlEscape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        if (static_cast<unsigned char>(ch) < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') {
          break;
        }
        out += ch;
    }
  }
  return out;
}

// M3U is line based: a line break inside a field would start a new entry.
std::string OneLine(const std::string& s) {
  std::string out = s;
  for (char& ch : out) {
    if (ch == '\n' || ch == '\r') ch = ' ';
  }
  return out;
}

std::string DisplayLine(const RecTrack& t) {
  const std::string creator = Creator(t);
  if (creator.empty()) return t.record.tags.title;
  return creator + " - " + t.record.tags.title;
}

std::string ExportM3u8(const std::vector<const RecTrack*>& tracks, const PlaylistMeta& meta) {
  std::string out = "#EXTM3U\n";
  if (!meta.title.empty()) out += "#PLAYLIST:" + OneLine(meta.title) + "\n";
  for (const RecTrack* t : tracks) {
    const std::int64_t ms = DurationMs(*t);
    // Whole seconds, rounded; -1 is M3U's "unknown".
    const std::int64_t seconds = ms > 0 ? (ms + 500) / 1000 : -1;
    out += "#EXTINF:" + std::to_string(seconds) + "," + OneLine(DisplayLine(*t)) + "\n";
    std::string location;
    if (HasFile(*t)) {
      location = t->record.path;
    } else if (auto spotify = SpotifyId(*t)) {
      location = std::string(kSpotifyUriPrefix) + *spotify;
    } else {
      location = std::string(kSonanceUriPrefix) + t->record.id;
    }
    out += OneLine(location) + "\n";
  }
  return out;
}

void XmlElement(std::string& out, const char* indent, const char* name, const std::string& text) {
  out += indent;
  out += '<';
  out += name;
  out += '>';
  out += XmlEscape(text);
  out += "</";
  out += name;
  out += ">\n";
}

// Elements in the order of the XSPF version 1 specification.
std::string ExportXspf(const std::vector<const RecTrack*>& tracks, const PlaylistMeta& meta) {
  std::string out =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<playlist version=\"1\" xmlns=\"http://xspf.org/ns/0/\">\n";
  if (!meta.title.empty()) XmlElement(out, "  ", "title", meta.title);
  if (!meta.creator.empty()) XmlElement(out, "  ", "creator", meta.creator);
  if (!meta.annotation.empty()) XmlElement(out, "  ", "annotation", meta.annotation);
  if (!meta.date.empty()) XmlElement(out, "  ", "date", meta.date);
  if (tracks.empty()) {
    out += "  <trackList/>\n";
  } else {
    out += "  <trackList>\n";
    for (const RecTrack* t : tracks) {
      out += "    <track>\n";
      const char* in = "      ";
      if (HasFile(*t)) XmlElement(out, in, "location", FileUri(t->record.path));
      for (const std::string& id : Identifiers(*t)) XmlElement(out, in, "identifier", id);
      if (!t->record.tags.title.empty()) XmlElement(out, in, "title", t->record.tags.title);
      const std::string creator = Creator(*t);
      if (!creator.empty()) XmlElement(out, in, "creator", creator);
      if (!t->record.tags.album.empty()) XmlElement(out, in, "album", t->record.tags.album);
      const std::int64_t ms = DurationMs(*t);
      if (ms > 0) XmlElement(out, in, "duration", std::to_string(ms));
      out += "    </track>\n";
    }
    out += "  </trackList>\n";
  }
  out += "</playlist>\n";
  return out;
}

std::string ExportJspf(const std::vector<const RecTrack*>& tracks, const PlaylistMeta& meta) {
  using Json = nlohmann::ordered_json;
  Json playlist = Json::object();
  if (!meta.title.empty()) playlist["title"] = meta.title;
  if (!meta.creator.empty()) playlist["creator"] = meta.creator;
  if (!meta.annotation.empty()) playlist["annotation"] = meta.annotation;
  if (!meta.date.empty()) playlist["date"] = meta.date;
  Json list = Json::array();
  for (const RecTrack* t : tracks) {
    Json track = Json::object();
    if (!t->record.tags.title.empty()) track["title"] = t->record.tags.title;
    const std::string creator = Creator(*t);
    if (!creator.empty()) track["creator"] = creator;
    if (!t->record.tags.album.empty()) track["album"] = t->record.tags.album;
    const std::int64_t ms = DurationMs(*t);
    if (ms > 0) track["duration"] = ms;
    track["identifier"] = Identifiers(*t);
    if (HasFile(*t)) track["location"] = Json::array({FileUri(t->record.path)});
    list.push_back(std::move(track));
  }
  playlist["track"] = std::move(list);
  const Json doc = {{"playlist", std::move(playlist)}};
  // Tags are UTF-8 from the catalog; a stray malformed byte becomes U+FFFD instead of
  // throwing out of a pure function.
  return doc.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

char AsciiLower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

Result<PlaylistFormat> ParsePlaylistFormat(const std::string& name) {
  std::string lower;
  for (char c : name) lower += AsciiLower(c);
  if (lower == "m3u8" || lower == "m3u") return PlaylistFormat::kM3u8;
  if (lower == "xspf") return PlaylistFormat::kXspf;
  if (lower == "jspf") return PlaylistFormat::kJspf;
  return Status::InvalidArgument("unknown playlist format \"" + name +
                                 "\": expected m3u8 (or m3u), xspf or jspf");
}

const char* PlaylistMediaType(PlaylistFormat format) {
  switch (format) {
    case PlaylistFormat::kM3u8:
      return "audio/x-mpegurl";
    case PlaylistFormat::kXspf:
      return "application/xspf+xml";
    case PlaylistFormat::kJspf:
      return "application/jspf+json";
  }
  return "application/octet-stream";
}

std::string ExportPlaylist(const std::vector<const RecTrack*>& tracks, const PlaylistMeta& meta,
                           PlaylistFormat format) {
  switch (format) {
    case PlaylistFormat::kM3u8:
      return ExportM3u8(tracks, meta);
    case PlaylistFormat::kXspf:
      return ExportXspf(tracks, meta);
    case PlaylistFormat::kJspf:
      return ExportJspf(tracks, meta);
  }
  return "";
}

}  // namespace sonance
