// The importers end to end through the catalog: files written by the test, imported, then
// read back. Every import is one transaction; bad rows are reported with file and line.
#include "sonance/catalog/importers.h"

#include <gtest/gtest.h>
#include <id3v2tag.h>
#include <unsynchronizedlyricsframe.h>
#include <wavfile.h>

#include <fstream>
#include <string>
#include <vector>

#include "support/fixtures.h"
#include "support/signals.h"

namespace sonance {
namespace {

namespace fs = std::filesystem;
using test::TempDir;
using Names = std::vector<std::string>;

void WriteFile(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
}

std::unique_ptr<Catalog> OpenIn(const TempDir& dir) {
  auto c = Catalog::Open(dir / "catalog.db");
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return c.ok() ? std::move(c).value() : nullptr;
}

constexpr char kHeader[] =
    ",track_id,artists,album_name,track_name,popularity,duration_ms,explicit,danceability,"
    "energy,key,loudness,mode,speechiness,acousticness,instrumentalness,liveness,valence,"
    "tempo,time_signature,track_genre\n";

std::string Row(int index, const std::string& id, const std::string& artists,
                const std::string& title, const std::string& genre,
                const std::string& popularity = "50") {
  return std::to_string(index) + "," + id + "," + artists + ",Album," + title + "," + popularity +
         ",200000,False,0.5,0.6,1,-7.5,1,0.05,0.1,0,0.1,0.4,120.0,4," + genre + "\n";
}

// ---- tables of tracks --------------------------------------------------------------------------

TEST(ImportTrackTablesTest, ImportsReimportsIdempotentlyAndMergesGenres) {
  TempDir dir;
  auto cat = OpenIn(dir);
  const fs::path csv = dir / "tracks.csv";
  // The same track twice under two genres, as the public table lists it.
  WriteFile(csv, std::string(kHeader) +
                     Row(0, "5SuOikwiRyPMVoIQDJUgSV", "Gen Hoshino", "Comedy", "acoustic") +
                     Row(1, "4qPNDBW1i3p13qLCt0Ki3A", "Ben Woodward;Chord Overstreet",
                         "Ghost - Acoustic", "acoustic") +
                     Row(2, "5SuOikwiRyPMVoIQDJUgSV", "Gen Hoshino", "Comedy", "j-pop"));
  auto first = ImportTrackTables(*cat, {csv});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(first->committed);
  ASSERT_EQ(first->files.size(), 1u);
  EXPECT_EQ(first->files[0].format, "spotify-tracks");
  EXPECT_EQ(first->files[0].rows, 3);
  EXPECT_EQ(first->files[0].imported, 2);
  EXPECT_EQ(first->files[0].updated, 1);  // the second genre of Comedy
  EXPECT_EQ(first->files[0].bad, 0);
  auto comedy = cat->FindTrack("5SuOikwiRyPMVoIQDJUgSV");
  ASSERT_TRUE(comedy->has_value());
  EXPECT_EQ((*comedy)->tags.genre, "acoustic; j-pop");
  EXPECT_EQ((*comedy)->source, "imported");
  auto ghost = cat->FindTrack("4qPNDBW1i3p13qLCt0Ki3A");
  EXPECT_EQ((*ghost)->tags.artists, (Names{"Ben Woodward", "Chord Overstreet"}));

  auto second = ImportTrackTables(*cat, {csv});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->files[0].imported, 0);
  EXPECT_EQ(second->files[0].updated, 3);
  EXPECT_EQ(cat->Counts()->tracks, 2);
  EXPECT_EQ((*cat->FindTrack("5SuOikwiRyPMVoIQDJUgSV"))->tags.genre, "acoustic; j-pop");
  EXPECT_EQ((*cat->FindTrack("5SuOikwiRyPMVoIQDJUgSV"))->rowid, (*comedy)->rowid);
}

TEST(ImportTrackTablesTest, BadRowsAreCountedWithFileAndLineAndTheRestIsImported) {
  TempDir dir;
  auto cat = OpenIn(dir);
  const fs::path csv = dir / "mixed.csv";
  WriteFile(csv, std::string(kHeader) +                                     // line 1
                     Row(0, "5SuOikwiRyPMVoIQDJUgSV", "A", "One", "pop") +  // 2
                     "1,4qPNDBW1i3p13qLCt0Ki3A,B,Two\n" +                   // 3: 5 columns
                     Row(2, "1kR4gIb7nGxHPI3D2ifs59", "C", "\"Three,\nwith a break\"", "pop") +
                     Row(3, "2ZyuwVvV6Z3XJaXIFbspeE", "D", "Four", "pop", "lots") +  // 6
                     Row(4, "6LgJvl0Xdtc73RJ1mmpotq", "E", "Five", "pop", "101"));   // 7
  auto s = ImportTrackTables(*cat, {csv});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_TRUE(s->committed);
  EXPECT_EQ(s->files[0].rows, 5);
  EXPECT_EQ(s->files[0].imported, 2);
  EXPECT_EQ(s->files[0].bad, 3);
  EXPECT_EQ(s->problem_count, 3);
  ASSERT_EQ(s->problems.size(), 3u);
  EXPECT_EQ(s->problems[0].file, csv.string());
  EXPECT_EQ(s->problems[0].line, 3);
  EXPECT_EQ(s->problems[0].reason, "expected 21 columns, found 4");
  EXPECT_EQ(s->problems[1].line, 6);
  EXPECT_NE(s->problems[1].reason.find("not a whole number"), std::string::npos);
  EXPECT_EQ(s->problems[2].line, 7);
  EXPECT_NE(s->problems[2].reason.find("out of range"), std::string::npos);
  EXPECT_EQ((*cat->FindTrack("1kR4gIb7nGxHPI3D2ifs59"))->tags.title, "Three,\nwith a break");
  EXPECT_EQ(cat->Counts()->tracks, 2);
}

TEST(ImportTrackTablesTest, StrictStopsAtTheFirstBadRowAndStoresNothing) {
  TempDir dir;
  auto cat = OpenIn(dir);
  const fs::path good = dir / "good.csv";
  const fs::path bad = dir / "bad.csv";
  WriteFile(good, std::string(kHeader) + Row(0, "5SuOikwiRyPMVoIQDJUgSV", "A", "One", "pop"));
  WriteFile(bad, std::string(kHeader) + Row(0, "4qPNDBW1i3p13qLCt0Ki3A", "B", "Two", "pop") +
                     Row(1, "2ZyuwVvV6Z3XJaXIFbspeE", "C", "Three", "pop", "x") +
                     Row(2, "6LgJvl0Xdtc73RJ1mmpotq", "D", "Four", "pop", "y"));
  ImportOptions strict;
  strict.strict = true;
  auto s = ImportTrackTables(*cat, {good, bad}, strict);
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(s->committed);
  EXPECT_EQ(s->problem_count, 1);  // stopped at the first
  EXPECT_EQ(s->problems[0].line, 3);
  EXPECT_EQ(cat->Counts()->tracks, 0);  // not even good.csv or the row before the bad one

  auto lenient = ImportTrackTables(*cat, {good, bad});
  ASSERT_TRUE(lenient.ok());
  EXPECT_TRUE(lenient->committed);
  EXPECT_EQ(cat->Counts()->tracks, 2);
}

TEST(ImportTrackTablesTest, AMissingFileImportsNothingAndIsNamed) {
  TempDir dir;
  auto cat = OpenIn(dir);
  const fs::path good = dir / "good.csv";
  WriteFile(good, std::string(kHeader) + Row(0, "5SuOikwiRyPMVoIQDJUgSV", "A", "One", "pop"));
  auto s = ImportTrackTables(*cat, {good, dir / "nope.csv"});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kNotFound);
  EXPECT_NE(s.status().message().find("nope.csv"), std::string::npos);
  EXPECT_EQ(cat->Counts()->tracks, 0);
}

TEST(ImportTrackTablesTest, Latin1AndBomFilesAndRefusedTablesAreReported) {
  TempDir dir;
  auto cat = OpenIn(dir);
  const fs::path latin1 = dir / "latin1.csv";
  const fs::path bom = dir / "bom.csv";
  const fs::path genres = dir / "genres.csv";
  // Windows-1252 bytes: 0xE9 é, 0xF6 ö.
  WriteFile(latin1,
            ",title,artist,top genre,year,bpm,nrgy,dnce,dB,live,val,dur,acous,spch,pop\n"
            "1,Caf\xE9,Mot\xF6rhead,metal,2010,97,89,67,-4,8,80,217,19,4,83\n");
  WriteFile(bom, "\xEF\xBB\xBFtrack_name,artist(s)_name,streams\nSong,\"A, B\",12345\n");
  WriteFile(genres, "mode,genres,acousticness\n1,21st century classical,0.97\n");
  auto s = ImportTrackTables(*cat, {latin1, bom, genres});
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->files.size(), 3u);
  EXPECT_NE(s->files[0].encoding.find("latin-1"), std::string::npos) << s->files[0].encoding;
  EXPECT_EQ(s->files[1].encoding, "UTF-8 with BOM");
  EXPECT_EQ(s->files[1].format, "spotify-2023");
  EXPECT_TRUE(s->files[2].refused);
  ASSERT_EQ(s->problems.size(), 1u);
  EXPECT_EQ(s->problems[0].line, 0);
  EXPECT_NE(s->problems[0].reason.find("per-genre"), std::string::npos);

  TrackFilter f;
  f.text = "café";
  auto cafe = cat->ListTracks(f);
  ASSERT_EQ(cafe->size(), 1u);
  EXPECT_EQ(cafe->front().tags.artists, (Names{"Mot\xC3\xB6rhead"}));
  f.text = "song";
  auto song = cat->ListTracks(f);
  ASSERT_EQ(song->size(), 1u);
  EXPECT_EQ(song->front().tags.artists, (Names{"A", "B"}));
  EXPECT_EQ(song->front().streams, 12345);
}

// ---- listening history
// ---------------------------------------------------------------------------

TEST(ImportHistoryTest, BothFormatsImportMatchAndReimportWithoutDuplicates) {
  TempDir dir;
  auto cat = OpenIn(dir);
  const fs::path csv = dir / "tracks.csv";
  WriteFile(csv, std::string(kHeader) +
                     Row(0, "6LgJvl0Xdtc73RJ1mmpotq", "Radiohead", "Paranoid Android", "rock"));
  ASSERT_TRUE(ImportTrackTables(*cat, {csv}).ok());

  const fs::path extended = dir / "Streaming_History_Audio_2021_0.json";
  WriteFile(extended, R"([
{"ts": "2021-03-04T05:06:07Z", "ms_played": 215000,
 "master_metadata_track_name": "Paranoid Android",
 "master_metadata_album_artist_name": "Radiohead",
 "spotify_track_uri": "spotify:track:6LgJvl0Xdtc73RJ1mmpotq"},
{"ts": "2021-03-04T06:00:00Z", "ms_played": 900000, "master_metadata_track_name": null,
 "episode_name": "Ep", "spotify_episode_uri": "spotify:episode:x"},
{"ts": "bad", "ms_played": 1, "master_metadata_track_name": "x"}
])");
  const fs::path account = dir / "StreamingHistory0.json";
  WriteFile(account, R"([
  {"endTime": "2021-03-04 05:06", "artistName": "Radiohead", "trackName": "Paranoid Android",
   "msPlayed": 215000},
  {"endTime": "2021-03-05 10:00", "artistName": "Nobody", "trackName": "Unknown",
   "msPlayed": 5000}
])");
  auto s = ImportListeningHistory(*cat, {extended, account});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_TRUE(s->committed);
  ASSERT_EQ(s->files.size(), 2u);
  EXPECT_EQ(s->files[0].format, "extended");
  EXPECT_EQ(s->files[0].rows, 3);
  EXPECT_EQ(s->files[0].imported, 1);
  EXPECT_EQ(s->files[0].skip_reasons.at("podcast episodes and audiobooks"), 1);
  EXPECT_EQ(s->files[0].bad, 1);
  EXPECT_EQ(s->problems[0].line, 8);  // where the entry with "ts": "bad" starts
  EXPECT_EQ(s->files[1].format, "account");
  EXPECT_EQ(s->files[1].imported, 1);  // the first entry is the extended play again
  EXPECT_EQ(s->files[1].skip_reasons.at("already imported"), 1);
  EXPECT_EQ(s->matched, 1);
  EXPECT_EQ(cat->CountHistory()->plays, 2);

  auto again = ImportListeningHistory(*cat, {extended, account});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->Total(&ImportFileSummary::imported), 0);
  EXPECT_EQ(cat->CountHistory()->plays, 2);

  // The unknown song arrives later as a track: its play is matched by that import.
  const fs::path more = dir / "more.csv";
  WriteFile(more,
            std::string(kHeader) + Row(0, "2ZyuwVvV6Z3XJaXIFbspeE", "Nobody", "Unknown", "x"));
  auto tracks = ImportTrackTables(*cat, {more});
  ASSERT_TRUE(tracks.ok());
  EXPECT_EQ(tracks->rematched, 1);
  EXPECT_EQ(cat->CountHistory()->matched, 2);
}

TEST(ImportHistoryTest, OtherFilesOfTheExportAreRefused) {
  TempDir dir;
  auto cat = OpenIn(dir);
  WriteFile(dir / "Playlist1.json", R"({"playlists": [{"name": "x", "items": []}]})");
  auto s = ImportListeningHistory(*cat, {dir / "Playlist1.json"});
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->files[0].refused);
  EXPECT_EQ(s->problem_count, 1);
}

TEST(ImportHistoryTest, AFolderIsWalkedForTheExportsHistoryFiles) {
  TempDir dir;
  auto cat = OpenIn(dir);
  const fs::path exported = dir / "my_spotify_data" / "Spotify Account Data";
  fs::create_directories(exported / "nested");
  WriteFile(exported / "StreamingHistory_music_0.json", R"([
  {"endTime": "2021-03-05 10:00", "artistName": "A", "trackName": "One", "msPlayed": 5000}])");
  WriteFile(exported / "nested" / "endsong_0.json", R"([
{"ts": "2021-03-04T05:06:07Z", "ms_played": 215000, "master_metadata_track_name": "Two",
 "master_metadata_album_artist_name": "B"}])");
  // Other files of the export are not history and are left alone, not refused.
  WriteFile(exported / "Playlist1.json", R"({"playlists": []})");
  WriteFile(exported / "Userdata.json", R"({"username": "x"})");
  auto s = ImportListeningHistory(*cat, {dir / "my_spotify_data"});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_TRUE(s->committed);
  ASSERT_EQ(s->files.size(), 2u);
  EXPECT_EQ(fs::path(s->files[0].file).filename(), "StreamingHistory_music_0.json");
  EXPECT_EQ(fs::path(s->files[1].file).filename(), "endsong_0.json");
  EXPECT_EQ(s->problem_count, 0);
  EXPECT_EQ(cat->CountHistory()->plays, 2);

  // A folder without any history file is refused and says what it looked for.
  fs::create_directories(dir / "empty");
  auto none = ImportListeningHistory(*cat, {dir / "empty"});
  ASSERT_TRUE(none.ok());
  ASSERT_EQ(none->files.size(), 1u);
  EXPECT_TRUE(none->files[0].refused);
  EXPECT_EQ(none->problem_count, 1);
  EXPECT_NE(none->problems[0].reason.find("StreamingHistory*.json"), std::string::npos);
}

// ---- lyrics
// --------------------------------------------------------------------------------------

class ImportLyricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cat_ = OpenIn(dir_);
    lib_ = dir_ / "library";
    fs::create_directories(lib_ / "sub");
    for (const char* name : {"one.wav", "two.wav", "sub/three.wav", "four.wav"}) {
      const fs::path p = lib_ / name;
      test::WriteWav(p, test::Sine(440.0, 0.2, 0.5f, 22050), 22050);
      TrackTags tags;
      tags.title = fs::path(name).stem().string();
      tags.artists = {"Local Band"};
      TrackAnalysis a;
      a.features.duration_ms = 200;
      ASSERT_TRUE(cat_->StoreAnalysis(*StatFile(p), "h", tags, a).ok());
    }
  }

  std::optional<TrackLyrics> LyricsOf(const fs::path& p) {
    auto t = cat_->FindTrack(p.string());
    EXPECT_TRUE(t.ok() && t->has_value()) << p;
    if (!t.ok() || !t->has_value()) return std::nullopt;
    return *cat_->LoadLyrics((*t)->rowid);
  }

  static void EmbedUslt(const fs::path& wav, const std::string& text) {
    TagLib::RIFF::WAV::File f(wav.c_str());
    auto* uslt = new TagLib::ID3v2::UnsynchronizedLyricsFrame(TagLib::String::UTF8);
    uslt->setText(TagLib::String(text, TagLib::String::UTF8));
    f.ID3v2Tag()->addFrame(uslt);
    ASSERT_TRUE(f.save());
  }

  TempDir dir_;
  fs::path lib_;
  std::unique_ptr<Catalog> cat_;
};

TEST_F(ImportLyricsTest, FilesBesideTracksTagsAndNamesInOneRun) {
  WriteFile(lib_ / "one.lrc", "[ar:Local Band]\n[00:01.50]first\n[00:03.00]second\n");
  WriteFile(lib_ / "two.txt", "Deux \xE9t\xE9s\n\nSecond stanza\n");  // latin-1
  EmbedUslt(lib_ / "sub" / "three.wav", "embedded words");
  WriteFile(lib_ / "sub" / "three.txt", "text file words");  // a file beats untimed tags
  EmbedUslt(lib_ / "four.wav", "only in the tags");
  WriteFile(lib_ / "notes.txt", "not lyrics of anything");
  // An .lrc with no audio file beside it, matched to an imported track by its tags.
  const fs::path csv = dir_ / "t.csv";
  WriteFile(csv, std::string(kHeader) +
                     Row(0, "6LgJvl0Xdtc73RJ1mmpotq", "Radiohead", "Paranoid Android", "rock"));
  ASSERT_TRUE(ImportTrackTables(*cat_, {csv}).ok());
  WriteFile(dir_ / "loose" / "android.lrc",
            "[ar:Radiohead]\n[ti:Paranoid Android]\n[00:10.00]please could you stop\n");

  auto s = ImportLyrics(*cat_, {lib_, dir_ / "loose"});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_TRUE(s->committed);
  EXPECT_EQ(s->problem_count, 0);
  EXPECT_EQ(s->Total(&ImportFileSummary::imported), 5);
  EXPECT_EQ(s->matched, 1);
  EXPECT_EQ(s->files[0].skip_reasons.at(".txt files with no catalog track beside them"), 1);

  auto one = LyricsOf(lib_ / "one.wav");
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(one->source, "lrc");
  ASSERT_EQ(one->lines.size(), 2u);
  EXPECT_EQ(one->lines[0].time_ms, 1500);
  EXPECT_EQ(one->lines[1].text, "second");
  auto two = LyricsOf(lib_ / "two.wav");
  ASSERT_TRUE(two.has_value());
  EXPECT_EQ(two->source, "txt");
  ASSERT_EQ(two->lines.size(), 3u);
  EXPECT_EQ(two->lines[0].text, "Deux \xC3\xA9t\xC3\xA9s");
  EXPECT_EQ(two->lines[1].text, "");
  EXPECT_EQ(LyricsOf(lib_ / "sub" / "three.wav")->lines[0].text, "text file words");
  auto four = LyricsOf(lib_ / "four.wav");
  ASSERT_TRUE(four.has_value());
  EXPECT_EQ(four->source, "embedded:USLT");
  auto android = cat_->LoadLyrics((*cat_->FindTrack("6LgJvl0Xdtc73RJ1mmpotq"))->rowid);
  ASSERT_TRUE(android.ok() && android->has_value());
  EXPECT_EQ((*android)->lines[0].time_ms, 10000);

  // Re-importing replaces: the new .lrc, and no line twice.
  WriteFile(lib_ / "one.lrc", "[00:02.00]only line now\n");
  ASSERT_TRUE(ImportLyrics(*cat_, {lib_ / "one.lrc"}).ok());
  auto again = LyricsOf(lib_ / "one.wav");
  ASSERT_EQ(again->lines.size(), 1u);
  EXPECT_EQ(again->lines[0].text, "only line now");
}

TEST_F(ImportLyricsTest, NamedFilesThatMatchNothingAreProblems) {
  WriteFile(dir_ / "orphan.lrc", "[00:01.00]nobody sings this\n");
  WriteFile(dir_ / "stranger.lrc", "[ar:Nobody]\n[ti:Nothing]\n[00:01.00]x\n");
  auto s = ImportLyrics(*cat_, {dir_ / "orphan.lrc", dir_ / "stranger.lrc"});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->problem_count, 2);
  EXPECT_TRUE(s->committed);
  ImportOptions strict;
  strict.strict = true;
  WriteFile(lib_ / "one.lrc", "[00:01.00]would be stored\n");
  auto st = ImportLyrics(*cat_, {lib_ / "one.lrc", dir_ / "orphan.lrc"}, strict);
  ASSERT_TRUE(st.ok());
  EXPECT_FALSE(st->committed);
  EXPECT_FALSE(LyricsOf(lib_ / "one.wav").has_value());
  EXPECT_EQ(ImportLyrics(*cat_, {dir_ / "nope"}).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace sonance
