#include "sonance/recommend/playlist_export.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace sonance {
namespace {

RecTrack AnalysedTrack() {
  RecTrack t;
  t.record.id = "0aBcDeFgHiJkLmNoPqRsTu";
  t.record.path = "/music/Bj\xC3\xB6rk/Army of Me.flac";  // "Björk"
  t.record.source = "analyzed";
  t.record.tags.title = "Army of Me";
  t.record.tags.artists = {"Bj\xC3\xB6rk"};
  t.record.tags.album = "Post";
  t.record.duration_ms = 234567;
  return t;
}

RecTrack ImportedSpotifyTrack() {
  RecTrack t;
  t.record.id = "2ZyuwVvV6Z3XJaXIFbspeE";
  t.record.path = "spotify:track:2ZyuwVvV6Z3XJaXIFbspeE";
  t.record.source = "imported";
  t.record.tags.title = "Wild Things";
  t.record.tags.artists = {"Alessia Cara"};
  t.record.tags.album = "Know-It-All";
  t.record.duration_ms = 168000;
  t.features.features_version = kImportedFeaturesVersion;
  return t;
}

PlaylistMeta Meta() {
  PlaylistMeta meta;
  meta.title = "Evening mix";
  meta.creator = "Sonance";
  meta.annotation = "2 tracks per seed from: Bj\xC3\xB6rk - Army of Me";
  meta.date = "2026-12-02T10:00:00Z";
  return meta;
}

class TwoTrackPlaylistTest : public ::testing::Test {
 protected:
  RecTrack analysed_ = AnalysedTrack();
  RecTrack imported_ = ImportedSpotifyTrack();
  std::vector<const RecTrack*> tracks_ = {&analysed_, &imported_};
};

TEST_F(TwoTrackPlaylistTest, M3u8) {
  // 234.567 s rounds to 235; the imported track has its Spotify URI as location.
  EXPECT_EQ(ExportPlaylist(tracks_, Meta(), PlaylistFormat::kM3u8),
            "#EXTM3U\n"
            "#PLAYLIST:Evening mix\n"
            "#EXTINF:235,Bj\xC3\xB6rk - Army of Me\n"
            "/music/Bj\xC3\xB6rk/Army of Me.flac\n"
            "#EXTINF:168,Alessia Cara - Wild Things\n"
            "spotify:track:2ZyuwVvV6Z3XJaXIFbspeE\n");
}

TEST_F(TwoTrackPlaylistTest, Xspf) {
  EXPECT_EQ(ExportPlaylist(tracks_, Meta(), PlaylistFormat::kXspf),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<playlist version=\"1\" xmlns=\"http://xspf.org/ns/0/\">\n"
            "  <title>Evening mix</title>\n"
            "  <creator>Sonance</creator>\n"
            "  <annotation>2 tracks per seed from: Bj\xC3\xB6rk - Army of Me</annotation>\n"
            "  <date>2026-12-02T10:00:00Z</date>\n"
            "  <trackList>\n"
            "    <track>\n"
            "      <location>file:///music/Bj%C3%B6rk/Army%20of%20Me.flac</location>\n"
            "      <identifier>sonance:track:0aBcDeFgHiJkLmNoPqRsTu</identifier>\n"
            "      <title>Army of Me</title>\n"
            "      <creator>Bj\xC3\xB6rk</creator>\n"
            "      <album>Post</album>\n"
            "      <duration>234567</duration>\n"
            "    </track>\n"
            "    <track>\n"
            "      <identifier>https://open.spotify.com/track/2ZyuwVvV6Z3XJaXIFbspeE</identifier>\n"
            "      <identifier>sonance:track:2ZyuwVvV6Z3XJaXIFbspeE</identifier>\n"
            "      <title>Wild Things</title>\n"
            "      <creator>Alessia Cara</creator>\n"
            "      <album>Know-It-All</album>\n"
            "      <duration>168000</duration>\n"
            "    </track>\n"
            "  </trackList>\n"
            "</playlist>\n");
}

TEST_F(TwoTrackPlaylistTest, Jspf) {
  EXPECT_EQ(ExportPlaylist(tracks_, Meta(), PlaylistFormat::kJspf),
            R"({
  "playlist": {
    "title": "Evening mix",
    "creator": "Sonance",
    "annotation": "2 tracks per seed from: Bj)"
            "\xC3\xB6"
            R"(rk - Army of Me",
    "date": "2026-12-02T10:00:00Z",
    "track": [
      {
        "title": "Army of Me",
        "creator": "Bj)"
            "\xC3\xB6"
            R"(rk",
        "album": "Post",
        "duration": 234567,
        "identifier": [
          "sonance:track:0aBcDeFgHiJkLmNoPqRsTu"
        ],
        "location": [
          "file:///music/Bj%C3%B6rk/Army%20of%20Me.flac"
        ]
      },
      {
        "title": "Wild Things",
        "creator": "Alessia Cara",
        "album": "Know-It-All",
        "duration": 168000,
        "identifier": [
          "https://open.spotify.com/track/2ZyuwVvV6Z3XJaXIFbspeE",
          "sonance:track:2ZyuwVvV6Z3XJaXIFbspeE"
        ]
      }
    ]
  }
}
)");
}

TEST_F(TwoTrackPlaylistTest, JspfParsesAsListenBrainzReadsIt) {
  const nlohmann::json doc =
      nlohmann::json::parse(ExportPlaylist(tracks_, Meta(), PlaylistFormat::kJspf));
  const nlohmann::json& playlist = doc.at("playlist");
  EXPECT_EQ(playlist.at("title"), "Evening mix");
  EXPECT_EQ(playlist.at("date"), "2026-12-02T10:00:00Z");
  const nlohmann::json& track = playlist.at("track");
  ASSERT_TRUE(track.is_array());
  ASSERT_EQ(track.size(), 2u);
  EXPECT_EQ(track[0].at("creator"), "Bj\xC3\xB6rk");
  EXPECT_EQ(track[0].at("duration"), 234567);
  ASSERT_TRUE(track[0].at("location").is_array());
  EXPECT_EQ(track[0].at("location")[0], "file:///music/Bj%C3%B6rk/Army%20of%20Me.flac");
  ASSERT_TRUE(track[1].at("identifier").is_array());
  EXPECT_EQ(track[1].at("identifier")[0], "https://open.spotify.com/track/2ZyuwVvV6Z3XJaXIFbspeE");
  EXPECT_FALSE(track[1].contains("location"));
}

TEST(PlaylistExportTest, EmptyPlaylists) {
  PlaylistMeta meta;  // default title and creator, no annotation or date
  EXPECT_EQ(ExportPlaylist({}, meta, PlaylistFormat::kM3u8),
            "#EXTM3U\n#PLAYLIST:Sonance playlist\n");
  EXPECT_EQ(ExportPlaylist({}, meta, PlaylistFormat::kXspf),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<playlist version=\"1\" xmlns=\"http://xspf.org/ns/0/\">\n"
            "  <title>Sonance playlist</title>\n"
            "  <creator>Sonance</creator>\n"
            "  <trackList/>\n"
            "</playlist>\n");
  const nlohmann::json doc = nlohmann::json::parse(ExportPlaylist({}, meta, PlaylistFormat::kJspf));
  EXPECT_EQ(doc.at("playlist").at("track"), nlohmann::json::array());
  EXPECT_FALSE(doc.at("playlist").contains("date"));
  EXPECT_FALSE(doc.at("playlist").contains("annotation"));
}

TEST(PlaylistExportTest, M3u8WithoutTitleOrArtistOrDuration) {
  RecTrack t;
  t.record.id = "7xYzAbCdEfGhIjKlMnOpQr";
  t.record.path = "import:someone/untitled";
  t.record.source = "imported";
  t.record.tags.title = "Untitled";
  PlaylistMeta meta;
  meta.title.clear();
  // No artist: the title alone; no duration: -1; no file nor Spotify id: the Sonance URI.
  EXPECT_EQ(ExportPlaylist({&t}, meta, PlaylistFormat::kM3u8),
            "#EXTM3U\n"
            "#EXTINF:-1,Untitled\n"
            "sonance:track:7xYzAbCdEfGhIjKlMnOpQr\n");
}

TEST(PlaylistExportTest, EveryArtistIsCredited) {
  RecTrack t = AnalysedTrack();
  t.record.tags.artists = {"Daft Punk", "Pharrell Williams"};
  t.record.tags.title = "Get Lucky";
  t.record.duration_ms = 0;
  t.features.duration_ms = 248400;  // the features' duration when the record has none
  const std::string m3u = ExportPlaylist({&t}, {}, PlaylistFormat::kM3u8);
  EXPECT_NE(m3u.find("#EXTINF:248,Daft Punk, Pharrell Williams - Get Lucky\n"), std::string::npos)
      << m3u;
  const std::string xspf = ExportPlaylist({&t}, {}, PlaylistFormat::kXspf);
  EXPECT_NE(xspf.find("<creator>Daft Punk, Pharrell Williams</creator>"), std::string::npos);
  EXPECT_NE(xspf.find("<duration>248400</duration>"), std::string::npos);
}

TEST(PlaylistExportTest, XspfEscapesMarkupCharacters) {
  RecTrack t = AnalysedTrack();
  t.record.tags.title = "Rock & Roll <Live> \"Best\" 'Ever'";
  t.record.tags.artists = {"A&B"};
  t.record.path = "/music/a&b.flac";
  PlaylistMeta meta;
  meta.title = "<mine> & \"yours\"";
  meta.annotation = "it's\x01 here";  // a control character has no place in XML
  const std::string xml = ExportPlaylist({&t}, meta, PlaylistFormat::kXspf);
  EXPECT_NE(xml.find("<title>Rock &amp; Roll &lt;Live&gt; &quot;Best&quot; &apos;Ever&apos;"
                     "</title>"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<title>&lt;mine&gt; &amp; &quot;yours&quot;</title>"), std::string::npos);
  EXPECT_NE(xml.find("<creator>A&amp;B</creator>"), std::string::npos);
  EXPECT_NE(xml.find("<annotation>it&apos;s here</annotation>"), std::string::npos);
  // '&' is outside the unreserved set, so the URI has it percent-encoded, not escaped.
  EXPECT_NE(xml.find("<location>file:///music/a%26b.flac</location>"), std::string::npos);
  EXPECT_EQ(xml.find("Roll <"), std::string::npos);
}

TEST(PlaylistExportTest, JspfEscapesJson) {
  RecTrack t = AnalysedTrack();
  t.record.tags.title = "Say \"hi\"\\\n";
  const nlohmann::json doc = nlohmann::json::parse(ExportPlaylist({&t}, {}, PlaylistFormat::kJspf));
  EXPECT_EQ(doc.at("playlist").at("track")[0].at("title"), "Say \"hi\"\\\n");
}

TEST(PlaylistExportTest, FileUriKeepsOnlyUnreservedCharactersAndSlashes) {
  RecTrack t = AnalysedTrack();
  t.record.path = "/m/AZaz09-._~ !#%+?,;=:@[](){}";
  const std::string xml = ExportPlaylist({&t}, {}, PlaylistFormat::kXspf);
  EXPECT_NE(xml.find("<location>file:///m/AZaz09-._~%20%21%23%25%2B%3F%2C%3B%3D%3A%40%5B%5D"
                     "%28%29%7B%7D</location>"),
            std::string::npos)
      << xml;
}

TEST(PlaylistFormatTest, ParsesTheKnownNames) {
  EXPECT_EQ(ParsePlaylistFormat("m3u8").value(), PlaylistFormat::kM3u8);
  EXPECT_EQ(ParsePlaylistFormat("m3u").value(), PlaylistFormat::kM3u8);
  EXPECT_EQ(ParsePlaylistFormat("xspf").value(), PlaylistFormat::kXspf);
  EXPECT_EQ(ParsePlaylistFormat("jspf").value(), PlaylistFormat::kJspf);
  EXPECT_EQ(ParsePlaylistFormat("XSPF").value(), PlaylistFormat::kXspf);
}

TEST(PlaylistFormatTest, UnknownNameIsInvalidArgumentNamingTheAcceptedOnes) {
  for (const char* name : {"pls", "", "m3u9", "json"}) {
    const Result<PlaylistFormat> r = ParsePlaylistFormat(name);
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("m3u8"), std::string::npos);
    EXPECT_NE(r.status().message().find("xspf"), std::string::npos);
    EXPECT_NE(r.status().message().find("jspf"), std::string::npos);
  }
}

TEST(PlaylistFormatTest, MediaTypes) {
  EXPECT_STREQ(PlaylistMediaType(PlaylistFormat::kM3u8), "audio/x-mpegurl");
  EXPECT_STREQ(PlaylistMediaType(PlaylistFormat::kXspf), "application/xspf+xml");
  EXPECT_STREQ(PlaylistMediaType(PlaylistFormat::kJspf), "application/jspf+json");
}

}  // namespace
}  // namespace sonance
