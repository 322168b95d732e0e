// End-to-end tests of `sonance import tracks|lyrics|history`: exit codes, the report on
// stderr (FILE:LINE: reason), --strict, --help, and a kill -9 in the middle of an import
// leaving nothing behind.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "sonance/catalog/catalog.h"
#include "support/fixtures.h"
#include "support/signals.h"

namespace sonance {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using test::CommandRun;

CommandRun Sonance(const std::string& args) {
  return test::RunCapturing(std::string(SONANCE_BINARY) + " " + args);
}

std::string Q(const fs::path& p) {
  return test::ShellQuote(p.string());
}

void WriteFile(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
}

constexpr char kHeader[] =
    ",track_id,artists,album_name,track_name,popularity,duration_ms,explicit,danceability,"
    "energy,key,loudness,mode,speechiness,acousticness,instrumentalness,liveness,valence,"
    "tempo,time_signature,track_genre\n";

// A valid 22-character base62 id for row i.
std::string IdFor(int i) {
  std::string id = "0000000000000000000000";
  const std::string alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  for (int pos = 21; pos >= 0 && i > 0; --pos, i /= 62)
    id[static_cast<std::size_t>(pos)] = alphabet[i % 62];
  return id;
}

std::string Row(int i, const std::string& popularity = "50") {
  return std::to_string(i) + "," + IdFor(i) + ",Artist " + std::to_string(i % 97) + ",Album,Song " +
         std::to_string(i) + "," + popularity +
         ",200000,False,0.5,0.6,1,-7.5,1,0.05,0.1,0,0.1,0.4,120.0,4,pop\n";
}

std::int64_t Tracks(const fs::path& db) {
  auto cat = Catalog::Open(db);
  EXPECT_TRUE(cat.ok()) << cat.status().ToString();
  return cat.ok() ? (*cat)->Counts()->tracks : -1;
}

class ImportCliTest : public ::testing::Test {
 protected:
  test::TempDir tmp_;
  fs::path db_ = tmp_ / "catalog.db";
};

TEST_F(ImportCliTest, TracksImportReportsBadRowsWithFileAndLineAndExits3) {
  const fs::path csv = tmp_ / "tracks.csv";
  WriteFile(csv, std::string(kHeader) + Row(1) + Row(2, "many") + Row(3));
  CommandRun r = Sonance("import tracks " + Q(csv) + " --catalog " + Q(db_));
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_NE(r.err.find(csv.string() + ":3: column popularity: \"many\" is not a whole number"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("[spotify-tracks, UTF-8] 2 imported, 0 updated, 0 skipped, 1 bad of 3 rows"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("done: 2 imported, 0 updated, 0 skipped, 1 bad"), std::string::npos);
  EXPECT_EQ(Tracks(db_), 2);

  // Imported tracks show as such in `sonance tracks`.
  CommandRun list = Sonance("tracks --json --catalog " + Q(db_));
  ASSERT_EQ(list.status, 0) << list.err;
  const json tracks = json::parse(list.out);
  ASSERT_EQ(tracks.size(), 2u);
  EXPECT_EQ(tracks[0]["source"], "imported");
  EXPECT_EQ(tracks[0]["popularity"], 50);
  EXPECT_EQ(tracks[0]["path"], "spotify:track:" + IdFor(1));
  EXPECT_EQ(tracks[0]["audio_features"]["tempo"], 120.0);
  CommandRun analysed = Sonance("tracks --json --source analyzed --catalog " + Q(db_));
  ASSERT_EQ(analysed.status, 0) << analysed.err;
  EXPECT_TRUE(json::parse(analysed.out).empty());
  CommandRun imported = Sonance("tracks --source imported --catalog " + Q(db_));
  EXPECT_NE(imported.out.find("imported"), std::string::npos) << imported.out;
}

TEST_F(ImportCliTest, ReimportIsIdempotentAndExits0) {
  const fs::path csv = tmp_ / "tracks.csv";
  WriteFile(csv, std::string(kHeader) + Row(1) + Row(2));
  CommandRun first = Sonance("import tracks " + Q(csv) + " --catalog " + Q(db_));
  EXPECT_EQ(first.status, 0) << first.err;
  CommandRun second = Sonance("import tracks -q " + Q(csv) + " --catalog " + Q(db_));
  EXPECT_EQ(second.status, 0) << second.err;
  EXPECT_NE(second.err.find("done: 0 imported, 2 updated, 0 skipped, 0 bad"), std::string::npos)
      << second.err;
  EXPECT_EQ(second.err.find("tracks.csv: ["), std::string::npos);  // --quiet: no file line
  EXPECT_EQ(Tracks(db_), 2);
}

TEST_F(ImportCliTest, StrictStoresNothingAndExits3) {
  const fs::path good = tmp_ / "good.csv";
  const fs::path bad = tmp_ / "bad.csv";
  WriteFile(good, std::string(kHeader) + Row(1) + Row(2));
  WriteFile(bad, std::string(kHeader) + Row(3) + "4,short\n" + Row(5));
  CommandRun r =
      Sonance("import tracks --strict " + Q(good) + " " + Q(bad) + " --catalog " + Q(db_));
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_NE(r.err.find(bad.string() + ":3: expected 21 columns, found 2"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("nothing was imported"), std::string::npos) << r.err;
  EXPECT_EQ(Tracks(db_), 0);
}

TEST_F(ImportCliTest, AMissingFileIsExit4AndNamedAndNoCatalogIsCreated) {
  const fs::path good = tmp_ / "good.csv";
  WriteFile(good, std::string(kHeader) + Row(1));
  for (const char* kind : {"tracks", "lyrics", "history"}) {
    CommandRun r = Sonance(std::string("import ") + kind + " " + Q(good) + " " +
                           Q(tmp_ / "missing.file") + " --catalog " + Q(db_));
    EXPECT_EQ(r.status, 4) << kind << ": " << r.err;
    EXPECT_NE(r.err.find("missing.file"), std::string::npos) << r.err;
  }
  EXPECT_FALSE(fs::exists(db_));
}

TEST_F(ImportCliTest, AFileThatIsNoCatalogIsExit5) {
  const fs::path good = tmp_ / "good.csv";
  WriteFile(good, std::string(kHeader) + Row(1));
  const fs::path not_a_catalog = tmp_ / "notes.txt";
  WriteFile(not_a_catalog, "these are not the droids you are looking for\n");
  CommandRun r = Sonance("import tracks " + Q(good) + " --catalog " + Q(not_a_catalog));
  EXPECT_EQ(r.status, 5) << r.err;
  EXPECT_NE(r.err.find("notes.txt"), std::string::npos) << r.err;
}

TEST_F(ImportCliTest, AggregateTablesAreRefusedWithAReasonAndExit3) {
  const fs::path genres = tmp_ / "data_by_genres.csv";
  WriteFile(genres,
            "mode,genres,acousticness,danceability,duration_ms,energy,instrumentalness,liveness,"
            "loudness,speechiness,tempo,valence,popularity,key\n"
            "1,8-bit,0.762,0.712,115177.0,0.818,0.876,0.126,-9.18,0.047,133.444,0.975,48.0,7\n");
  CommandRun r = Sonance("import tracks " + Q(genres) + " --catalog " + Q(db_));
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_NE(r.err.find(genres.string() + ": a table of per-genre averages"), std::string::npos)
      << r.err;
  EXPECT_EQ(Tracks(db_), 0);
}

TEST_F(ImportCliTest, HistoryAndLyricsImportAndReport) {
  const fs::path csv = tmp_ / "tracks.csv";
  WriteFile(csv, std::string(kHeader) + Row(1) + Row(2));
  ASSERT_EQ(Sonance("import tracks " + Q(csv) + " --catalog " + Q(db_)).status, 0);
  const fs::path history = tmp_ / "endsong_0.json";
  WriteFile(history,
            "[{\"ts\": \"2020-01-01T10:00:00Z\", \"ms_played\": 180000, "
            "\"master_metadata_track_name\": \"Song 1\", "
            "\"master_metadata_album_artist_name\": \"Artist 1\", "
            "\"spotify_track_uri\": \"spotify:track:" +
                IdFor(1) +
                "\"},\n"
                "{\"ts\": \"2020-01-01T11:00:00Z\", \"ms_played\": 5000, "
                "\"master_metadata_track_name\": \"Song 2\", "
                "\"master_metadata_album_artist_name\": \"Artist 2\"},\n"
                "{\"ts\": \"2020-01-01T12:00:00Z\", \"ms_played\": 5000, "
                "\"master_metadata_track_name\": null, \"episode_name\": \"Ep\"}]\n");
  CommandRun h = Sonance("import history " + Q(history) + " --catalog " + Q(db_));
  EXPECT_EQ(h.status, 0) << h.err;
  EXPECT_NE(h.err.find("[extended, UTF-8] 2 plays imported, 1 skipped (podcast episodes and "
                       "audiobooks: 1), 0 bad of 3 entries"),
            std::string::npos)
      << h.err;
  EXPECT_NE(h.err.find("done: 2 plays imported (2 matched to a track)"), std::string::npos)
      << h.err;
  CommandRun again = Sonance("import history " + Q(history) + " --catalog " + Q(db_));
  EXPECT_EQ(again.status, 0);
  EXPECT_NE(again.err.find("already imported: 2"), std::string::npos) << again.err;

  const fs::path lrc = tmp_ / "song1.lrc";
  WriteFile(lrc, "[ar:Artist 1]\n[ti:Song 1]\n[00:01.00]hello\n");
  CommandRun l = Sonance("import lyrics " + Q(lrc) + " --catalog " + Q(db_));
  EXPECT_EQ(l.status, 0) << l.err;
  EXPECT_NE(l.err.find("done: 1 tracks given lyrics (1 by [ar:]/[ti:] tags)"), std::string::npos)
      << l.err;
  auto cat = Catalog::Open(db_);
  ASSERT_TRUE(cat.ok());
  auto t = (*cat)->FindTrack(IdFor(1));
  ASSERT_TRUE(t.ok() && t->has_value());
  auto lyrics = (*cat)->LoadLyrics((*t)->rowid);
  ASSERT_TRUE(lyrics.ok() && lyrics->has_value());
  EXPECT_EQ((*lyrics)->lines[0].text, "hello");
  EXPECT_EQ((*cat)->CountHistory()->plays, 2);
}

TEST_F(ImportCliTest, EveryImportCommandHasHelp) {
  for (const char* args :
       {"import --help", "import tracks --help", "import lyrics --help", "import history --help"}) {
    CommandRun r = Sonance(args);
    EXPECT_EQ(r.status, 0) << args;
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << args;
  }
  EXPECT_EQ(Sonance("import").status, 2);
  EXPECT_EQ(Sonance("import tracks").status, 2);
  EXPECT_EQ(Sonance("import songs x.csv").status, 2);
}

// kill -9 while the second file is being imported: the first file's rows were already put
// into the transaction (its summary line is printed), yet nothing reaches the catalog.
TEST_F(ImportCliTest, KilledMidImportLeavesNothingAndTheNextRunImportsEverything) {
  const fs::path small = tmp_ / "small.csv";
  const fs::path big = tmp_ / "big.csv";
  WriteFile(small, std::string(kHeader) + Row(1) + Row(2) + Row(3));
  {
    std::ofstream out(big, std::ios::binary);
    out << kHeader;
    for (int i = 10; i < 100010; ++i) out << Row(i);
  }
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(pipe_fds[1], STDERR_FILENO);
    ::close(pipe_fds[0]);
    ::execl(SONANCE_BINARY, SONANCE_BINARY, "import", "tracks", small.c_str(), big.c_str(),
            "--catalog", db_.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  std::string seen;
  char buf[512];
  while (seen.find("small.csv: [") == std::string::npos) {
    const ssize_t n = ::read(pipe_fds[0], buf, sizeof buf);
    if (n <= 0) break;
    seen.append(buf, static_cast<std::size_t>(n));
  }
  ASSERT_NE(seen.find("small.csv: ["), std::string::npos) << seen;
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // well into big.csv
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(pipe_fds[0]);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the import finished before it could be killed";

  EXPECT_EQ(Tracks(db_), 0);
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(db_.c_str(), &raw), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(raw, "PRAGMA integrity_check", -1, &st, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "ok");
    sqlite3_finalize(st);
    sqlite3_close(raw);
  }
  CommandRun r = Sonance("import tracks -q " + Q(small) + " " + Q(big) + " --catalog " + Q(db_));
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(Tracks(db_), 100003);
}

}  // namespace
}  // namespace sonance
