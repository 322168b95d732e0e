#include "sonance/catalog/lyrics.h"

#include <aifffile.h>
#include <fileref.h>
#include <flacfile.h>
#include <id3v2tag.h>
#include <mp4file.h>
#include <mp4tag.h>
#include <mpegfile.h>
#include <synchronizedlyricsframe.h>
#include <tpropertymap.h>
#include <tstring.h>
#include <unsynchronizedlyricsframe.h>
#include <wavfile.h>

#include <algorithm>
#include <charconv>
#include <exception>
#include <system_error>

namespace sonance {
namespace {

namespace fs = std::filesystem;

std::string_view TrimView(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n";
  const auto b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(kSpace);
  return s.substr(b, e - b + 1);
}

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

// Parses "[mm:ss]", "[mm:ss.x]", "[mm:ss.xx]", "[mm:ss.xxx]" or "[mm:ss:xx]" at s[*i] (which
// is '[' for a time tag, '<' for an enhanced word stamp); on success *i moves past it.
std::optional<std::int64_t> ParseStamp(std::string_view s, std::size_t* i, char open, char close) {
  std::size_t p = *i;
  if (p >= s.size() || s[p] != open) return std::nullopt;
  ++p;
  std::int64_t minutes = 0;
  std::size_t digits = 0;
  while (p < s.size() && IsDigit(s[p]) && digits < 6) {
    minutes = minutes * 10 + (s[p] - '0');
    ++p, ++digits;
  }
  if (digits == 0 || p >= s.size() || s[p] != ':') return std::nullopt;
  ++p;
  std::int64_t seconds = 0;
  digits = 0;
  while (p < s.size() && IsDigit(s[p]) && digits < 2) {
    seconds = seconds * 10 + (s[p] - '0');
    ++p, ++digits;
  }
  if (digits == 0 || seconds > 59) return std::nullopt;
  std::int64_t ms = 0;
  if (p < s.size() && (s[p] == '.' || s[p] == ':')) {
    ++p;
    std::int64_t frac = 0;
    digits = 0;
    while (p < s.size() && IsDigit(s[p]) && digits < 3) {
      frac = frac * 10 + (s[p] - '0');
      ++p, ++digits;
    }
    if (digits == 0) return std::nullopt;
    ms = digits == 1 ? frac * 100 : digits == 2 ? frac * 10 : frac;
  }
  if (p >= s.size() || s[p] != close) return std::nullopt;
  *i = p + 1;
  return (minutes * 60 + seconds) * 1000 + ms;
}

// "[ar:Someone]" -> {"ar", "Someone"}; nullopt for anything else.
std::optional<std::pair<std::string, std::string>> ParseTag(std::string_view line) {
  if (line.size() < 3 || line.front() != '[' || line.back() != ']') return std::nullopt;
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon < 2) return std::nullopt;
  std::string key;
  for (std::size_t k = 1; k < colon; ++k) {
    const char c = line[k];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '#')) return std::nullopt;
    key.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
  }
  return std::make_pair(key,
                        std::string(TrimView(line.substr(colon + 1, line.size() - colon - 2))));
}

std::string RemoveWordStamps(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] == '<') {
      std::size_t j = i;
      if (ParseStamp(text, &j, '<', '>')) {
        i = j;
        continue;
      }
    }
    out.push_back(text[i++]);
  }
  return std::string(TrimView(out));
}

template <typename Fn>
void ForEachLine(std::string_view text, Fn fn) {
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    fn(line);
    if (end == text.size()) break;
    start = end + 1;
  }
}

std::string ToUtf8(const TagLib::String& s) {
  return s.to8Bit(true);
}

// Untimed text from a tag: LRC when it has stamps, else plain lines.
std::vector<LyricLine> LinesOfText(const std::string& text, bool* timed) {
  if (HasLrcTimestamps(text)) {
    LrcDocument doc = ParseLrc(text);
    *timed = doc.timed;
    return std::move(doc.lines);
  }
  *timed = false;
  return ParsePlainLyrics(text);
}

TagLib::ID3v2::Tag* Id3v2Of(TagLib::File* file) {
  if (auto* mp3 = dynamic_cast<TagLib::MPEG::File*>(file)) {
    return mp3->hasID3v2Tag() ? mp3->ID3v2Tag() : nullptr;
  }
  if (auto* flac = dynamic_cast<TagLib::FLAC::File*>(file)) {
    return flac->hasID3v2Tag() ? flac->ID3v2Tag() : nullptr;
  }
  if (auto* wav = dynamic_cast<TagLib::RIFF::WAV::File*>(file)) {
    return wav->hasID3v2Tag() ? wav->ID3v2Tag() : nullptr;
  }
  if (auto* aiff = dynamic_cast<TagLib::RIFF::AIFF::File*>(file)) {
    return aiff->hasID3v2Tag() ? aiff->tag() : nullptr;
  }
  return nullptr;
}

struct Candidate {
  TrackLyrics lyrics;
  bool timed = false;
};

}  // namespace

bool HasLrcTimestamps(std::string_view text) {
  bool found = false;
  ForEachLine(text, [&](std::string_view line) {
    line = TrimView(line);
    std::size_t i = 0;
    if (!found && ParseStamp(line, &i, '[', ']')) found = true;
  });
  return found;
}

LrcDocument ParseLrc(std::string_view text) {
  LrcDocument doc;
  std::vector<LyricLine> timed;
  std::string untimed;
  ForEachLine(text, [&](std::string_view raw) {
    const std::string_view line = TrimView(raw);
    std::size_t i = 0;
    std::vector<std::int64_t> stamps;
    while (true) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      const auto stamp = ParseStamp(line, &i, '[', ']');
      if (!stamp) break;
      stamps.push_back(*stamp);
    }
    if (!stamps.empty()) {
      const std::string words = RemoveWordStamps(line.substr(i));
      for (std::int64_t t : stamps) timed.push_back({t, words});
      return;
    }
    if (const auto tag = ParseTag(line)) {
      const auto& [key, value] = *tag;
      if (key == "ar") doc.artist = value;
      if (key == "ti") doc.title = value;
      if (key == "al") doc.album = value;
      if (key == "offset") {
        std::int64_t v = 0;
        std::string_view num = value;
        if (num.starts_with('+')) num.remove_prefix(1);
        const auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), v);
        if (ec == std::errc() && p == num.data() + num.size()) doc.offset_ms = v;
      }
      return;
    }
    untimed.append(line).push_back('\n');
  });
  if (timed.empty()) {
    doc.lines = ParsePlainLyrics(untimed);
    return doc;
  }
  doc.timed = true;
  for (LyricLine& l : timed) l.time_ms = std::max<std::int64_t>(0, *l.time_ms - doc.offset_ms);
  std::stable_sort(timed.begin(), timed.end(),
                   [](const LyricLine& a, const LyricLine& b) { return *a.time_ms < *b.time_ms; });
  doc.lines = std::move(timed);
  return doc;
}

std::vector<LyricLine> ParsePlainLyrics(std::string_view text) {
  std::vector<LyricLine> lines;
  bool pending_break = false;
  ForEachLine(text, [&](std::string_view raw) {
    const std::string_view line = TrimView(raw);
    if (line.empty()) {
      pending_break = !lines.empty();
      return;
    }
    if (pending_break) lines.push_back({std::nullopt, ""});
    pending_break = false;
    lines.push_back({std::nullopt, std::string(line)});
  });
  return lines;
}

Result<std::optional<TrackLyrics>> ReadEmbeddedLyrics(const fs::path& audio_file) {
  std::error_code ec;
  if (!fs::exists(audio_file, ec)) return Status::NotFound("no such file: " + audio_file.string());
  if (!fs::is_regular_file(audio_file, ec)) {
    return Status::IOError("not a regular file: " + audio_file.string());
  }
  try {
    TagLib::FileRef ref(audio_file.c_str(), /*readAudioProperties=*/false);
    if (ref.isNull()) {
      return Status::Unsupported("no tags TagLib can read in " + audio_file.string());
    }
    std::vector<Candidate> found;
    auto add_text = [&](const std::string& text, const std::string& source) {
      Candidate c;
      c.lyrics.source = source;
      c.lyrics.lines = LinesOfText(text, &c.timed);
      if (!c.lyrics.lines.empty()) found.push_back(std::move(c));
    };

    if (TagLib::ID3v2::Tag* id3 = Id3v2Of(ref.file())) {
      for (TagLib::ID3v2::Frame* frame : id3->frameList("SYLT")) {
        auto* sylt = dynamic_cast<TagLib::ID3v2::SynchronizedLyricsFrame*>(frame);
        if (sylt == nullptr) continue;
        const bool ms =
            sylt->timestampFormat() == TagLib::ID3v2::SynchronizedLyricsFrame::AbsoluteMilliseconds;
        Candidate c;
        c.lyrics.source = "embedded:SYLT";
        c.timed = ms;  // MPEG-frame stamps need the frame rate: keep the text, not the times
        for (const auto& entry : sylt->synchedText()) {
          std::string line(TrimView(ToUtf8(entry.text)));
          c.lyrics.lines.push_back(
              {ms ? std::optional<std::int64_t>(entry.time) : std::nullopt, std::move(line)});
        }
        if (ms) {
          std::stable_sort(
              c.lyrics.lines.begin(), c.lyrics.lines.end(),
              [](const LyricLine& a, const LyricLine& b) { return *a.time_ms < *b.time_ms; });
        }
        if (!c.lyrics.lines.empty()) found.push_back(std::move(c));
      }
      for (TagLib::ID3v2::Frame* frame : id3->frameList("USLT")) {
        auto* uslt = dynamic_cast<TagLib::ID3v2::UnsynchronizedLyricsFrame*>(frame);
        if (uslt != nullptr) add_text(ToUtf8(uslt->text()), "embedded:USLT");
      }
    }
    if (auto* mp4 = dynamic_cast<TagLib::MP4::File*>(ref.file()); mp4 != nullptr && mp4->tag()) {
      const TagLib::MP4::Item item = mp4->tag()->item("\251lyr");
      if (item.isValid()) {
        for (const TagLib::String& s : item.toStringList()) add_text(ToUtf8(s), "embedded:©lyr");
      }
    } else if (found.empty()) {
      // Xiph comments (FLAC, Vorbis, Opus) and APE tags name the field itself.
      const TagLib::PropertyMap props = ref.file()->properties();
      for (const char* key : {"LYRICS", "UNSYNCEDLYRICS"}) {
        const auto it = props.find(key);
        if (it == props.end()) continue;
        for (const TagLib::String& s : it->second) {
          add_text(ToUtf8(s), std::string("embedded:") + key);
        }
      }
    }
    if (found.empty()) return std::optional<TrackLyrics>();
    // Timed first; otherwise the order found (SYLT, USLT, LYRICS, UNSYNCEDLYRICS).
    std::stable_partition(found.begin(), found.end(), [](const Candidate& c) { return c.timed; });
    return std::optional<TrackLyrics>(std::move(found.front().lyrics));
  } catch (const std::exception& e) {
    return Status::Internal("TagLib failed on " + audio_file.string() + ": " + e.what());
  }
}

}  // namespace sonance
