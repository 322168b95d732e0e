#include "sonance/audio/tags.h"

#include <fileref.h>
#include <gtest/gtest.h>
#include <tpropertymap.h>
#include <tstring.h>
#include <tstringlist.h>

#include <fstream>
#include <string>
#include <vector>

#include "support/fixtures.h"
#include "support/signals.h"

namespace sonance {
namespace {

namespace fs = std::filesystem;
using Names = std::vector<std::string>;

bool Ffmpeg(const std::string& args) {
  return test::RunCommand("ffmpeg -hide_banner -loglevel error -nostdin -y " + args) == 0;
}

std::string Q(const fs::path& p) {
  return test::ShellQuote(p.string());
}

// A short tone to carry the tags; the audio itself does not matter here.
fs::path WriteTone(const test::TempDir& dir) {
  const fs::path wav = dir / "tone.wav";
  if (!fs::exists(wav)) test::WriteWav(wav, test::Sine(440.0, 0.5, 0.5f, 44100), 44100);
  return wav;
}

struct Output {
  std::string name;
  std::string options;  // encoder and "-metadata k=v" options for this output
};

// Encodes the tone to each output in one ffmpeg run (process start-up is most of the cost).
bool Encode(const test::TempDir& dir, const std::vector<Output>& outputs) {
  std::string args = "-i " + Q(WriteTone(dir));
  for (const Output& out : outputs) args += " " + out.options + " " + Q(dir / out.name);
  return Ffmpeg(args);
}

std::string Meta(const std::string& key, const std::string& value) {
  return " -metadata " + test::ShellQuote(key + "=" + value);
}

// Rewrites one property with TagLib itself, for what ffmpeg cannot write (several values
// for one key, MP4 freeform atoms).
bool SetProperty(const fs::path& path, const std::string& key,
                 const std::vector<std::string>& values) {
  TagLib::FileRef file(path.c_str());
  if (file.isNull()) return false;
  TagLib::PropertyMap props = file.file()->properties();
  TagLib::StringList list;
  for (const auto& v : values) list.append(TagLib::String(v, TagLib::String::UTF8));
  props.replace(TagLib::String(key, TagLib::String::UTF8), list);
  file.file()->setProperties(props);
  return file.save();
}

struct TaggedFormat {
  std::string ext;
  std::string args;
  bool isrc_written_by_ffmpeg;
};

std::ostream& operator<<(std::ostream& os, const TaggedFormat& f) {
  return os << f.ext;
}

class ReadTagsFormatTest : public ::testing::TestWithParam<TaggedFormat> {};

TEST_P(ReadTagsFormatTest, ReadsWhatFfmpegWrote) {
  const TaggedFormat& f = GetParam();
  test::TempDir dir;
  const std::string name = "tagged." + f.ext;
  const std::string metadata = Meta("title", "Nuit Étoilée — Part 2") +
                               Meta("artist", "Alpha; Beta") + Meta("album", "Constellations") +
                               Meta("album_artist", "Various") + Meta("date", "1999-04-12") +
                               Meta("genre", "Synthpop") + Meta("track", "3/12") +
                               Meta("ISRC", "USRC17607839");
  ASSERT_TRUE(Encode(dir, {{name, f.args + metadata}}));
  const auto tags = ReadTags(dir / name);
  ASSERT_TRUE(tags.ok()) << tags.status().ToString();
  EXPECT_EQ(tags->title, "Nuit Étoilée — Part 2");
  EXPECT_EQ(tags->artists, (Names{"Alpha", "Beta"}));
  EXPECT_EQ(tags->album, "Constellations");
  EXPECT_EQ(tags->album_artist, "Various");
  EXPECT_EQ(tags->release_date, "1999-04-12");
  EXPECT_EQ(tags->genre, "Synthpop");
  EXPECT_EQ(tags->track_number, 3);
  if (f.isrc_written_by_ffmpeg) {
    EXPECT_EQ(tags->isrc, "USRC17607839");
  } else {
    // FFmpeg's MP4 muxer drops keys it has no atom for; write the iTunes freeform atom.
    ASSERT_TRUE(SetProperty(dir / name, "ISRC", {"GBAYE0601498"}));
    const auto again = ReadTags(dir / name);
    ASSERT_TRUE(again.ok()) << again.status().ToString();
    EXPECT_EQ(again->isrc, "GBAYE0601498");
    EXPECT_EQ(again->title, "Nuit Étoilée — Part 2");
  }
}

INSTANTIATE_TEST_SUITE_P(Containers, ReadTagsFormatTest,
                         ::testing::Values(TaggedFormat{"mp3", "-c:a libmp3lame", true},
                                           TaggedFormat{"ogg", "-c:a libvorbis", true},
                                           TaggedFormat{"opus", "-c:a libopus", true},
                                           TaggedFormat{"flac", "-c:a flac", true},
                                           TaggedFormat{"m4a", "-c:a aac", false}),
                         [](const auto& info) { return info.param.ext; });

TEST(ReadTagsTest, ArtistsSplitOnSpacedSlashButNotInsideANames) {
  test::TempDir dir;
  ASSERT_TRUE(Encode(dir, {{"slash.flac", Meta("artist", "Alpha / Beta")},
                           {"acdc.flac", Meta("artist", "AC/DC")}}));
  auto tags = ReadTags(dir / "slash.flac");
  ASSERT_TRUE(tags.ok()) << tags.status().ToString();
  EXPECT_EQ(tags->artists, (Names{"Alpha", "Beta"}));
  tags = ReadTags(dir / "acdc.flac");
  ASSERT_TRUE(tags.ok()) << tags.status().ToString();
  EXPECT_EQ(tags->artists, (Names{"AC/DC"}));
}

TEST(ReadTagsTest, FeaturingCreditIsKeptAsWritten) {
  test::TempDir dir;
  ASSERT_TRUE(Encode(dir, {{"feat.mp3", Meta("artist", "Alpha feat. Beta")}}));
  const auto tags = ReadTags(dir / "feat.mp3");
  ASSERT_TRUE(tags.ok()) << tags.status().ToString();
  EXPECT_EQ(tags->artists, (Names{"Alpha feat. Beta"}));
}

TEST(ReadTagsTest, MultiValuedArtistTagGivesEveryArtistOnce) {
  test::TempDir dir;
  ASSERT_TRUE(Encode(dir, {{"multi.flac", ""}, {"multi.mp3", ""}}));
  for (const char* name : {"multi.flac", "multi.mp3"}) {
    ASSERT_TRUE(SetProperty(dir / name, "ARTIST", {"Alpha", "Beta; Gamma", " Alpha "}));
    const auto tags = ReadTags(dir / name);
    ASSERT_TRUE(tags.ok()) << tags.status().ToString();
    EXPECT_EQ(tags->artists, (Names{"Alpha", "Beta", "Gamma"})) << name;
  }
}

TEST(ReadTagsTest, YearStandsInForAMissingDate) {
  test::TempDir dir;
  ASSERT_TRUE(Encode(dir, {{"year.ogg", "-c:a libvorbis" + Meta("YEAR", "2001")}}));
  const auto tags = ReadTags(dir / "year.ogg");
  ASSERT_TRUE(tags.ok()) << tags.status().ToString();
  EXPECT_EQ(tags->release_date, "2001");
}

TEST(ReadTagsTest, TrackNumberAloneOrWithTotal) {
  test::TempDir dir;
  ASSERT_TRUE(
      Encode(dir, {{"seven.flac", Meta("track", "07")}, {"junk.flac", Meta("track", "side A")}}));
  auto tags = ReadTags(dir / "seven.flac");
  ASSERT_TRUE(tags.ok()) << tags.status().ToString();
  EXPECT_EQ(tags->track_number, 7);
  tags = ReadTags(dir / "junk.flac");
  ASSERT_TRUE(tags.ok()) << tags.status().ToString();
  EXPECT_EQ(tags->track_number, 0);
}

TEST(ReadTagsTest, FileWithoutTagsGivesEmptyTags) {
  test::TempDir dir;
  const std::string bare = "-map_metadata -1 -fflags +bitexact";
  ASSERT_TRUE(Encode(dir, {{"bare.flac", bare}, {"bare.mp3", bare}, {"bare.wav", bare}}));
  for (const char* name : {"bare.flac", "bare.mp3", "bare.wav"}) {
    const auto tags = ReadTags(dir / name);
    ASSERT_TRUE(tags.ok()) << name << ": " << tags.status().ToString();
    EXPECT_EQ(tags->title, "") << name;
    EXPECT_TRUE(tags->artists.empty()) << name;
    EXPECT_EQ(tags->album, "") << name;
    EXPECT_EQ(tags->album_artist, "") << name;
    EXPECT_EQ(tags->release_date, "") << name;
    EXPECT_EQ(tags->genre, "") << name;
    EXPECT_EQ(tags->track_number, 0) << name;
    EXPECT_EQ(tags->isrc, "") << name;
  }
}

TEST(ReadTagsTest, NonAudioFilesAreUnsupported) {
  test::TempDir dir;
  ASSERT_TRUE(Ffmpeg("-f lavfi -i testsrc=size=32x32 -frames:v 1 " + Q(dir / "cover.png")));
  std::ofstream(dir / "notes.txt") << "not audio at all\n";
  for (const char* name : {"cover.png", "notes.txt"}) {
    const auto tags = ReadTags(dir / name);
    EXPECT_EQ(tags.status().code(), StatusCode::kUnsupported) << tags.status().ToString();
    EXPECT_NE(tags.status().message().find(name), std::string::npos);
  }
}

TEST(ReadTagsTest, MissingEmptyAndDirectoryPathsAreErrors) {
  test::TempDir dir;
  EXPECT_EQ(ReadTags(dir / "missing.mp3").status().code(), StatusCode::kNotFound);
  std::ofstream(dir / "empty.mp3").close();
  EXPECT_EQ(ReadTags(dir / "empty.mp3").status().code(), StatusCode::kCorrupt);
  fs::create_directory(dir / "folder.flac");
  EXPECT_EQ(ReadTags(dir / "folder.flac").status().code(), StatusCode::kIOError);
}

}  // namespace
}  // namespace sonance
