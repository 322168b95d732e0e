// The LRC and plain-text readers (times computed by hand), and embedded lyrics tags written
// with TagLib into generated audio files.
#include "sonance/catalog/lyrics.h"

#include <fileref.h>
#include <gtest/gtest.h>
#include <id3v2tag.h>
#include <mpegfile.h>
#include <synchronizedlyricsframe.h>
#include <tpropertymap.h>
#include <unsynchronizedlyricsframe.h>
#include <wavfile.h>

#include <string>
#include <vector>

#include "support/fixtures.h"
#include "support/signals.h"

namespace sonance {
namespace {

namespace fs = std::filesystem;

struct Line {
  std::optional<std::int64_t> time_ms;
  std::string text;
  bool operator==(const Line&) const = default;
};

std::vector<Line> Lines(const std::vector<LyricLine>& in) {
  std::vector<Line> out;
  for (const auto& l : in) out.push_back({l.time_ms, l.text});
  return out;
}

constexpr std::nullopt_t kUntimed = std::nullopt;

TEST(LrcTest, ReadsStampsInEveryCommonPrecision) {
  const LrcDocument doc = ParseLrc(
      "[00:12.34]two digits\n"
      "[01:02.5]one digit\n"
      "[1:02.345]three digits, one-digit minute\n"
      "[00:05:20]colon before the hundredths\n"
      "[02:00]no fraction\n"
      "[100:00.00]a long song\n");
  EXPECT_TRUE(doc.timed);
  // 12.34 s = 12340 ms; 1:02.5 = 62500; 1:02.345 = 62345; 0:05:20 = 5200; 2:00 = 120000;
  // 100:00 = 6000000. Sorted by time.
  EXPECT_EQ(Lines(doc.lines), (std::vector<Line>{{5200, "colon before the hundredths"},
                                                 {12340, "two digits"},
                                                 {62345, "three digits, one-digit minute"},
                                                 {62500, "one digit"},
                                                 {120000, "no fraction"},
                                                 {6000000, "a long song"}}));
}

TEST(LrcTest, SeveralStampsRepeatALineAndTagsAreRead) {
  const LrcDocument doc = ParseLrc(
      "[ar:Some Artist]\r\n"
      "[ti:Some Song]\r\n"
      "[al:Some Album]\r\n"
      "[by:someone]\r\n"
      "[00:10.00]verse\r\n"
      "[00:20.00][00:40.00] chorus \r\n"
      "[00:30.00]<00:30.00>word <00:30.50>by <00:31.00>word\r\n"
      "[00:50.00]\r\n");
  EXPECT_EQ(doc.artist, "Some Artist");
  EXPECT_EQ(doc.title, "Some Song");
  EXPECT_EQ(doc.album, "Some Album");
  EXPECT_EQ(Lines(doc.lines), (std::vector<Line>{{10000, "verse"},
                                                 {20000, "chorus"},
                                                 {30000, "word by word"},
                                                 {40000, "chorus"},
                                                 {50000, ""}}));
}

TEST(LrcTest, OffsetMovesLinesEarlierWhenPositiveAndNeverBeforeZero) {
  LrcDocument doc = ParseLrc("[offset:+500]\n[00:00.20]a\n[00:10.00]b\n");
  EXPECT_EQ(doc.offset_ms, 500);
  // 200 - 500 < 0 -> 0; 10000 - 500 = 9500.
  EXPECT_EQ(Lines(doc.lines), (std::vector<Line>{{0, "a"}, {9500, "b"}}));
  doc = ParseLrc("[00:10.00]b\n[offset:-250]\n");  // the tag may come anywhere
  EXPECT_EQ(Lines(doc.lines), (std::vector<Line>{{10250, "b"}}));
}

TEST(LrcTest, UntimedLinesAreDroppedFromATimedFileAndKeptOtherwise) {
  LrcDocument doc = ParseLrc("a comment\n[00:01.00]sung\n");
  EXPECT_EQ(Lines(doc.lines), (std::vector<Line>{{1000, "sung"}}));
  doc = ParseLrc("[ti:Plain]\nfirst line\n\n\nsecond stanza\n");
  EXPECT_FALSE(doc.timed);
  EXPECT_EQ(doc.title, "Plain");
  EXPECT_EQ(
      Lines(doc.lines),
      (std::vector<Line>{{kUntimed, "first line"}, {kUntimed, ""}, {kUntimed, "second stanza"}}));
}

TEST(LrcTest, MalformedStampsAreText) {
  EXPECT_FALSE(HasLrcTimestamps("[00:75.00]seconds over 59\n[aa:bb]x\n[00.10]y\n"));
  EXPECT_TRUE(HasLrcTimestamps("intro\n  [00:01.00]x\n"));
  EXPECT_TRUE(ParseLrc("").lines.empty());
}

TEST(PlainLyricsTest, KeepsLinesTrimsEndsAndCollapsesBlankRuns) {
  EXPECT_EQ(Lines(ParsePlainLyrics("\n\n  One  \r\nTwo\n\n\n\nThree\n\n")),
            (std::vector<Line>{
                {kUntimed, "One"}, {kUntimed, "Two"}, {kUntimed, ""}, {kUntimed, "Three"}}));
  EXPECT_TRUE(ParsePlainLyrics(" \n\t\n").empty());
}

// ---- embedded tags -------------------------------------------------------------------------

fs::path Tone(const test::TempDir& dir) {
  const fs::path wav = dir / "tone.wav";
  if (!fs::exists(wav)) test::WriteWav(wav, test::Sine(440.0, 0.5, 0.5f, 22050), 22050);
  return wav;
}

bool Encode(const test::TempDir& dir, const std::string& options, const fs::path& out) {
  return test::RunCommand("ffmpeg -hide_banner -loglevel error -nostdin -y -i " +
                          test::ShellQuote(Tone(dir).string()) + " " + options + " " +
                          test::ShellQuote(out.string())) == 0;
}

bool SetProperty(const fs::path& path, const std::string& key, const std::string& value) {
  TagLib::FileRef file(path.c_str());
  if (file.isNull()) return false;
  TagLib::PropertyMap props = file.file()->properties();
  props.replace(key, TagLib::StringList(TagLib::String(value, TagLib::String::UTF8)));
  file.file()->setProperties(props);
  return file.save();
}

TEST(EmbeddedLyricsTest, WavWithAnId3v2UnsynchronisedLyricsFrame) {
  test::TempDir dir;
  const fs::path wav = dir / "song.wav";
  fs::copy_file(Tone(dir), wav);
  {
    TagLib::RIFF::WAV::File f(wav.c_str());
    auto* uslt = new TagLib::ID3v2::UnsynchronizedLyricsFrame(TagLib::String::UTF8);
    uslt->setText(TagLib::String("Première ligne\nSecond line", TagLib::String::UTF8));
    f.ID3v2Tag()->addFrame(uslt);
    ASSERT_TRUE(f.save());
  }
  auto lyrics = ReadEmbeddedLyrics(wav);
  ASSERT_TRUE(lyrics.ok()) << lyrics.status().ToString();
  ASSERT_TRUE(lyrics->has_value());
  EXPECT_EQ((*lyrics)->source, "embedded:USLT");
  EXPECT_EQ(Lines((*lyrics)->lines),
            (std::vector<Line>{{kUntimed, "Première ligne"}, {kUntimed, "Second line"}}));

  auto none = ReadEmbeddedLyrics(Tone(dir));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  EXPECT_EQ(ReadEmbeddedLyrics(dir / "missing.wav").status().code(), StatusCode::kNotFound);
}

TEST(EmbeddedLyricsTest, Mp3PrefersTimedSyltOverUslt) {
  if (!test::HaveTool("ffmpeg")) GTEST_SKIP() << "ffmpeg not installed";
  test::TempDir dir;
  const fs::path mp3 = dir / "song.mp3";
  ASSERT_TRUE(Encode(dir, "-c:a libmp3lame -b:a 64k", mp3));
  {
    TagLib::MPEG::File f(mp3.c_str());
    auto* uslt = new TagLib::ID3v2::UnsynchronizedLyricsFrame(TagLib::String::UTF8);
    uslt->setText("untimed text");
    f.ID3v2Tag(true)->addFrame(uslt);
    auto* sylt = new TagLib::ID3v2::SynchronizedLyricsFrame(TagLib::String::UTF8);
    sylt->setTimestampFormat(TagLib::ID3v2::SynchronizedLyricsFrame::AbsoluteMilliseconds);
    TagLib::ID3v2::SynchronizedLyricsFrame::SynchedTextList list;
    list.append({2500, "second"});
    list.append({750, "first"});
    sylt->setSynchedText(list);
    f.ID3v2Tag(true)->addFrame(sylt);
    ASSERT_TRUE(f.save());
  }
  auto lyrics = ReadEmbeddedLyrics(mp3);
  ASSERT_TRUE(lyrics.ok()) << lyrics.status().ToString();
  ASSERT_TRUE(lyrics->has_value());
  EXPECT_EQ((*lyrics)->source, "embedded:SYLT");
  EXPECT_EQ(Lines((*lyrics)->lines), (std::vector<Line>{{750, "first"}, {2500, "second"}}));
}

TEST(EmbeddedLyricsTest, XiphAndMp4Fields) {
  if (!test::HaveTool("ffmpeg")) GTEST_SKIP() << "ffmpeg not installed";
  test::TempDir dir;
  const fs::path flac = dir / "a.flac";
  const fs::path ogg = dir / "b.ogg";
  const fs::path m4a = dir / "c.m4a";
  ASSERT_TRUE(Encode(dir, "-c:a flac", flac));
  ASSERT_TRUE(Encode(dir, "-c:a libvorbis", ogg));
  ASSERT_TRUE(Encode(dir, "-c:a aac -b:a 64k", m4a));
  // LRC text inside a plain LYRICS field is read as timed lines.
  ASSERT_TRUE(SetProperty(flac, "LYRICS", "[00:01.00]one\n[00:02.50]two"));
  ASSERT_TRUE(SetProperty(ogg, "UNSYNCEDLYRICS", "alpha\nbeta"));
  ASSERT_TRUE(SetProperty(m4a, "LYRICS", "from mp4"));

  auto a = ReadEmbeddedLyrics(flac);
  ASSERT_TRUE(a.ok() && a->has_value()) << a.status().ToString();
  EXPECT_EQ((*a)->source, "embedded:LYRICS");
  EXPECT_EQ(Lines((*a)->lines), (std::vector<Line>{{1000, "one"}, {2500, "two"}}));

  auto b = ReadEmbeddedLyrics(ogg);
  ASSERT_TRUE(b.ok() && b->has_value()) << b.status().ToString();
  EXPECT_EQ((*b)->source, "embedded:UNSYNCEDLYRICS");
  EXPECT_EQ(Lines((*b)->lines), (std::vector<Line>{{kUntimed, "alpha"}, {kUntimed, "beta"}}));

  auto c = ReadEmbeddedLyrics(m4a);
  ASSERT_TRUE(c.ok() && c->has_value()) << c.status().ToString();
  EXPECT_EQ((*c)->source, "embedded:©lyr");
  EXPECT_EQ(Lines((*c)->lines), (std::vector<Line>{{kUntimed, "from mp4"}}));
}

}  // namespace
}  // namespace sonance
