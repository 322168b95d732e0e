#include "sonance/audio/tags.h"

#include <fileref.h>
#include <tag.h>
#include <tpropertymap.h>
#include <tstring.h>
#include <tstringlist.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace sonance {
namespace {

namespace fs = std::filesystem;

std::string Trim(std::string_view s) {
  const auto is_space = [](unsigned char c) { return std::isspace(c) != 0; };
  while (!s.empty() && is_space(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && is_space(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

std::string Utf8(const TagLib::String& s) {
  return Trim(s.to8Bit(true));
}

// First non-empty value of the first key present, in order of preference.
std::string FirstValue(const TagLib::PropertyMap& props, std::initializer_list<const char*> keys) {
  for (const char* key : keys) {
    const auto it = props.find(key);
    if (it == props.end()) continue;
    for (const TagLib::String& value : it->second) {
      std::string v = Utf8(value);
      if (!v.empty()) return v;
    }
  }
  return {};
}

// Splits one tag value that holds several artists. Only separators that never occur inside
// a single name are used: ";" and " / " (spaced, so "AC/DC" stays whole). "feat." credits are
// kept as written: whether a featured artist is an artist of the track is the tagger's call.
void SplitArtists(std::string_view value, std::vector<std::string>* out) {
  std::size_t start = 0;
  while (start <= value.size()) {
    std::size_t semicolon = value.find(';', start);
    std::size_t slash = value.find(" / ", start);
    std::size_t end = std::min(semicolon, slash);
    std::string piece =
        Trim(value.substr(start, end == std::string_view::npos ? value.npos : end - start));
    if (!piece.empty() && std::find(out->begin(), out->end(), piece) == out->end()) {
      out->push_back(std::move(piece));
    }
    if (end == std::string_view::npos) break;
    start = end + (end == semicolon ? 1 : 3);
  }
}

// "3", "03", "3/12" -> 3; anything without a leading number -> 0.
int LeadingNumber(const std::string& s) {
  int n = 0;
  std::size_t i = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) && n < 100000) {
    n = n * 10 + (s[i] - '0');
    ++i;
  }
  return n;
}

}  // namespace

Result<TrackTags> ReadTags(const fs::path& path) {
  const std::string name = path.string();
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (st.type() == fs::file_type::not_found) return Status::NotFound(name + ": no such file");
  if (ec) return Status::IOError(name + ": cannot read (" + ec.message() + ")");
  if (st.type() == fs::file_type::directory) {
    return Status::IOError(name + " is a directory, not an audio file");
  }
  if (st.type() != fs::file_type::regular) {
    return Status::IOError(name + " is not a regular file");
  }
  if (fs::file_size(path, ec) == 0 && !ec) return Status::Corrupt(name + ": the file is empty");
  // TagLib reports an unreadable file the same way as an unknown one; ask the OS first.
  if (std::FILE* f = std::fopen(name.c_str(), "rb")) {
    std::fclose(f);
  } else {
    return Status::IOError(name + ": cannot open (" +
                           std::error_code(errno, std::generic_category()).message() + ")");
  }

  try {
    // Audio properties are not needed for tags, and reading them costs a scan on some formats.
    const TagLib::FileRef file(name.c_str(), /*readAudioProperties=*/false);
    if (file.isNull()) {
      return Status::Unsupported(name +
                                 ": TagLib cannot read tags from it (unknown or damaged "
                                 "file type)");
    }
    TrackTags tags;
    const TagLib::PropertyMap props = file.file()->properties();
    tags.title = FirstValue(props, {"TITLE"});
    if (const auto it = props.find("ARTIST"); it != props.end()) {
      for (const TagLib::String& value : it->second) SplitArtists(Utf8(value), &tags.artists);
    }
    tags.album = FirstValue(props, {"ALBUM"});
    tags.album_artist = FirstValue(props, {"ALBUMARTIST", "ALBUM ARTIST"});
    tags.release_date = FirstValue(props, {"DATE", "YEAR"});
    tags.genre = FirstValue(props, {"GENRE"});
    tags.track_number = LeadingNumber(FirstValue(props, {"TRACKNUMBER"}));
    tags.isrc = FirstValue(props, {"ISRC"});

    // Some tag formats only expose a year or track through the basic Tag interface.
    if (const TagLib::Tag* tag = file.tag()) {
      if (tags.release_date.empty() && tag->year() > 0) {
        tags.release_date = std::to_string(tag->year());
      }
      if (tags.track_number == 0) tags.track_number = static_cast<int>(tag->track());
    }
    return tags;
  } catch (const std::exception& e) {
    return Status::Internal(name + ": reading tags failed (" + e.what() + ")");
  } catch (...) {
    return Status::Internal(name + ": reading tags failed");
  }
}

}  // namespace sonance
