#include "sonance/catalog/catalog.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <xxhash.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "sonance/audio/fingerprint.h"
#include "support/fixtures.h"

namespace sonance {
namespace {
namespace fs = std::filesystem;
using test::TempDir;

// Every field distinct, so that a swapped column shows up.
AudioFeatures SampleFeatures() {
  AudioFeatures f;
  f.danceability = 0.71234;
  f.energy = 0.62345;
  f.key = 7;
  f.loudness = -8.4567;
  f.mode = 1;
  f.speechiness = 0.04567;
  f.acousticness = 0.12345;
  f.instrumentalness = 0.00089;
  f.liveness = 0.1789;
  f.valence = 0.5432;
  f.tempo = 123.456;
  f.time_signature = 3;
  f.duration_ms = 234567;
  f.features_version = kFeaturesVersion;
  return f;
}

TrackAnalysis SampleAnalysis(int segments = 3, int version = kFeaturesVersion) {
  TrackAnalysis a;
  a.features = SampleFeatures();
  a.features.features_version = version;
  AudioAnalysis& an = a.analysis;
  an.features_version = version;
  an.meta.analyzer_version = "sonance test";
  an.meta.timestamp = 1732248306;
  an.track.num_samples = 5171200;
  an.track.duration = 234.567;
  an.track.tempo = 123.456;
  an.track.tempo_confidence = 0.8;
  an.track.key = 7;
  an.track.key_confidence = 0.65;
  an.track.mode = 1;
  an.track.time_signature = 3;
  for (int i = 0; i < 4; ++i) an.bars.push_back({1.5 * i, 1.5, 0.9});
  for (int i = 0; i < 12; ++i) an.beats.push_back({0.5 * i, 0.5, 0.7});
  an.tatums = an.beats;
  Section sec;
  sec.start = 0.0;
  sec.duration = 120.25;
  sec.loudness = -9.5;
  sec.tempo = 123.5;
  sec.key = 2;
  sec.mode = 0;
  an.sections.push_back(sec);
  for (int i = 0; i < segments; ++i) {
    Segment s;
    s.start = 0.25 * i;
    s.duration = 0.25;
    s.confidence = 0.5;
    s.loudness_start = -20.0;
    s.loudness_max = -10.5;
    s.loudness_max_time = 0.0625;
    s.loudness_end = -30.0;
    for (int k = 0; k < 12; ++k) {
      s.pitches[static_cast<std::size_t>(k)] = k == (i % 12) ? 1.0 : 0.125 * (k % 4);
      s.timbre[static_cast<std::size_t>(k)] = 10.0 * k - 50.0 + i;
    }
    an.segments.push_back(s);
  }
  return a;
}

TrackTags SampleTags(const std::string& title, std::vector<std::string> artists,
                     const std::string& album = "", const std::string& genre = "") {
  TrackTags t;
  t.title = title;
  t.artists = std::move(artists);
  t.album = album;
  t.album_artist = t.artists.empty() ? "" : t.artists.front();
  t.release_date = "1975-10-31";
  t.genre = genre;
  t.track_number = 11;
  t.isrc = "GBUM71029604";
  return t;
}

FileStat Stat(const std::string& path, std::int64_t size = 1000, std::int64_t mtime = 42) {
  return FileStat{path, size, mtime};
}

std::unique_ptr<Catalog> OpenIn(const TempDir& dir, CatalogOptions options = {}) {
  auto c = Catalog::Open(dir / "catalog.db", std::move(options));
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return c.ok() ? std::move(c).value() : nullptr;
}

void WriteFile(const fs::path& p, const std::string& content) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
}

// Decodes 22 base62 digits back to 128 bits: an inverse written independently of the encoder.
std::pair<std::uint64_t, std::uint64_t> DecodeBase62(const std::string& id) {
  const std::string alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  std::uint64_t hi = 0, lo = 0;
  for (char c : id) {
    const auto d = static_cast<std::uint64_t>(alphabet.find(c));
    // (hi:lo) * 62 + d, with the carry out of the low word computed in 32-bit halves.
    const std::uint64_t lo_lo = (lo & 0xFFFFFFFFu) * 62 + d;
    const std::uint64_t lo_hi = (lo >> 32) * 62 + (lo_lo >> 32);
    lo = (lo_hi << 32) | (lo_lo & 0xFFFFFFFFu);
    hi = hi * 62 + (lo_hi >> 32);
  }
  return {hi, lo};
}

// ---- files and ids -----------------------------------------------------------------------

TEST(StatFileTest, ReportsSizeAndNanosecondMtimeOfANormalisedAbsolutePath) {
  TempDir dir;
  WriteFile(dir / "a/song.mp3", std::string(1234, 'x'));
  const timespec times[2] = {{1600000000, 123456789}, {1600000000, 123456789}};
  ASSERT_EQ(utimensat(AT_FDCWD, (dir / "a/song.mp3").c_str(), times, 0), 0);

  auto st = StatFile(dir / "a/../a/./song.mp3");
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  EXPECT_EQ(st->path, (dir / "a/song.mp3").string());
  EXPECT_EQ(st->size, 1234);
  EXPECT_EQ(st->mtime_ns, 1600000000123456789LL);
}

TEST(StatFileTest, MissingFileIsNotFoundAndFolderIsInvalid) {
  TempDir dir;
  EXPECT_EQ(StatFile(dir / "nope.mp3").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(StatFile(dir.path()).status().code(), StatusCode::kInvalidArgument);
}

TEST(HashFileTest, EmptyFileHasTheReferenceXxh128) {
  TempDir dir;
  WriteFile(dir / "empty", "");
  auto h = HashFile(dir / "empty");
  ASSERT_TRUE(h.ok());
  // The XXH3-128 of zero bytes, as printed by `xxhsum -H2`.
  EXPECT_EQ(*h, "99aa06d3014798d86001c324468d497f");
}

TEST(HashFileTest, StreamedHashOfAMultiChunkFileEqualsTheOneShotHash) {
  TempDir dir;
  std::mt19937 rng(7);
  std::string data(5 * (1 << 20) / 2 + 17, '\0');  // 2.5 MiB + 17: three chunks, the last short
  for (char& c : data) c = static_cast<char>(rng());
  WriteFile(dir / "big", data);

  const XXH128_hash_t ref = XXH3_128bits(data.data(), data.size());
  char expected[33];
  std::snprintf(expected, sizeof expected, "%016llx%016llx",
                static_cast<unsigned long long>(ref.high64),
                static_cast<unsigned long long>(ref.low64));
  auto h = HashFile(dir / "big");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(*h, expected);

  data[3 * (1 << 20) / 2] ^= 1;  // one bit in the second chunk
  WriteFile(dir / "big", data);
  auto h2 = HashFile(dir / "big");
  ASSERT_TRUE(h2.ok());
  EXPECT_NE(*h2, *h);
}

TEST(HashFileTest, MissingFileIsNotFound) {
  TempDir dir;
  EXPECT_EQ(HashFile(dir / "nope").status().code(), StatusCode::kNotFound);
}

TEST(TrackIdTest, EncodesKnownValuesInSpotifyBase62) {
  EXPECT_EQ(EncodeTrackId(0, 0), "0000000000000000000000");
  EXPECT_EQ(EncodeTrackId(0, 61), "000000000000000000000Z");
  EXPECT_EQ(EncodeTrackId(0, 62), "0000000000000000000010");
  EXPECT_EQ(EncodeTrackId(1, 0), "00000000000lYGhA16ahyg");  // 2^64
  const std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  EXPECT_EQ(EncodeTrackId(max, max), "7N42dgm5tFLK9N8MT7fHC7");  // 2^128 - 1
}

TEST(TrackIdTest, IsTheXxh128OfThePathAndDiffersBetweenPaths) {
  const std::string path = "/music/Queen/Bohemian Rhapsody.flac";
  const std::string id = TrackIdForPath(path);
  EXPECT_TRUE(LooksLikeTrackId(id));
  EXPECT_EQ(id, TrackIdForPath(path));
  const XXH128_hash_t h = XXH3_128bits(path.data(), path.size());
  EXPECT_EQ(DecodeBase62(id), std::make_pair(h.high64, h.low64));
  EXPECT_NE(id, TrackIdForPath("/music/Queen/Bohemian Rhapsody.mp3"));
  EXPECT_FALSE(LooksLikeTrackId("short"));
  EXPECT_FALSE(LooksLikeTrackId("000000000000000000000-"));
}

TEST(TrackStateTest, NamesRoundTrip) {
  for (TrackState s : {TrackState::kAnalyzed, TrackState::kFailed, TrackState::kMissing}) {
    EXPECT_EQ(ParseTrackState(TrackStateName(s)), s);
  }
  EXPECT_FALSE(ParseTrackState("gone").has_value());
}

// ---- default path --------------------------------------------------------------------------

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      setenv(name, value, 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(DefaultPathTest, SonanceCatalogWinsOverXdgAndHome) {
  ScopedEnv a("SONANCE_CATALOG", "/srv/sonance/lib.db");
  ScopedEnv b("XDG_DATA_HOME", "/xdg");
  ScopedEnv c("HOME", "/home/ann");
  EXPECT_EQ(Catalog::DefaultPath(), fs::path("/srv/sonance/lib.db"));
}

TEST(DefaultPathTest, XdgDataHomeWhenAbsolute) {
  ScopedEnv a("SONANCE_CATALOG", nullptr);
  ScopedEnv b("XDG_DATA_HOME", "/xdg");
  ScopedEnv c("HOME", "/home/ann");
  EXPECT_EQ(Catalog::DefaultPath(), fs::path("/xdg/sonance/catalog.db"));
}

TEST(DefaultPathTest, HomeWhenXdgUnsetEmptyOrRelative) {
  ScopedEnv a("SONANCE_CATALOG", "");
  ScopedEnv c("HOME", "/home/ann");
  const fs::path expected("/home/ann/.local/share/sonance/catalog.db");
  {
    ScopedEnv b("XDG_DATA_HOME", nullptr);
    EXPECT_EQ(Catalog::DefaultPath(), expected);
  }
  {
    ScopedEnv b("XDG_DATA_HOME", "");
    EXPECT_EQ(Catalog::DefaultPath(), expected);
  }
  {
    ScopedEnv b("XDG_DATA_HOME", "relative/data");
    EXPECT_EQ(Catalog::DefaultPath(), expected);
  }
}

// ---- NeedsAnalysis ---------------------------------------------------------------------

TEST(NeedsAnalysisTest, UnknownPathNeedsAnalysis) {
  TempDir dir;
  auto cat = OpenIn(dir);
  ASSERT_TRUE(cat);
  auto needs = cat->NeedsAnalysis(Stat("/music/new.mp3"));
  ASSERT_TRUE(needs.ok());
  EXPECT_TRUE(*needs);
}

TEST(NeedsAnalysisTest, UnchangedAnalysedFileIsSkippedAndAnyChangeIsNot) {
  TempDir dir;
  auto cat = OpenIn(dir);
  ASSERT_TRUE(cat);
  ASSERT_TRUE(cat->StoreAnalysis(Stat("/music/a.mp3", 1000, 42), "h", {}, SampleAnalysis()).ok());
  EXPECT_FALSE(*cat->NeedsAnalysis(Stat("/music/a.mp3", 1000, 42)));
  EXPECT_TRUE(*cat->NeedsAnalysis(Stat("/music/a.mp3", 1001, 42)));  // size
  EXPECT_TRUE(*cat->NeedsAnalysis(Stat("/music/a.mp3", 1000, 43)));  // mtime
  // A non-normal spelling of the same file is the same file.
  EXPECT_FALSE(*cat->NeedsAnalysis(Stat("/music/x/../a.mp3", 1000, 42)));
}

TEST(NeedsAnalysisTest, FeaturesOfAnotherVersionNeedAnalysis) {
  TempDir dir;
  auto cat = OpenIn(dir);
  ASSERT_TRUE(cat);
  ASSERT_TRUE(
      cat->StoreAnalysis(Stat("/music/old.mp3"), "h", {}, SampleAnalysis(3, kFeaturesVersion - 1))
          .ok());
  ASSERT_TRUE(
      cat->StoreAnalysis(Stat("/music/new.mp3"), "h", {}, SampleAnalysis(3, kFeaturesVersion + 1))
          .ok());
  EXPECT_TRUE(*cat->NeedsAnalysis(Stat("/music/old.mp3")));
  EXPECT_TRUE(*cat->NeedsAnalysis(Stat("/music/new.mp3")));
}

TEST(NeedsAnalysisTest, UnchangedFailedFileIsSkippedUntilItChanges) {
  TempDir dir;
  auto cat = OpenIn(dir);
  ASSERT_TRUE(cat);
  ASSERT_TRUE(cat->StoreFailure(Stat("/music/bad.mp3", 10, 5), "h", "no audio stream").ok());
  EXPECT_FALSE(*cat->NeedsAnalysis(Stat("/music/bad.mp3", 10, 5)));
  EXPECT_TRUE(*cat->NeedsAnalysis(Stat("/music/bad.mp3", 10, 6)));
}

TEST(NeedsAnalysisTest, MissingTrackThatReappearsNeedsAnalysis) {
  TempDir dir;
  auto cat = OpenIn(dir);
  ASSERT_TRUE(cat);
  const fs::path song = dir / "lib/song.mp3";
  WriteFile(song, "abc");
  auto st = StatFile(song);
  ASSERT_TRUE(st.ok());
  ASSERT_TRUE(cat->StoreAnalysis(*st, "h", {}, SampleAnalysis()).ok());
  fs::remove(song);
  ASSERT_EQ(*cat->MarkMissing({dir / "lib"}), 1);
  EXPECT_TRUE(*cat->NeedsAnalysis(*st));
}

// ---- storing ---------------------------------------------------------------------------

TEST(StoreAnalysisTest, RoundTripsTagsFeaturesAndAnalysis) {
  TempDir dir;
  CatalogOptions options;
  options.clock = [] { return std::chrono::system_clock::from_time_t(1732248306); };
  auto cat = OpenIn(dir, options);
  ASSERT_TRUE(cat);
  const TrackTags tags =
      SampleTags("Bohemian Rhapsody", {"Queen", "Freddie Mercury"}, "A Night at the Opera", "Rock");
  const TrackAnalysis in = SampleAnalysis(40);
  ASSERT_TRUE(cat->StoreAnalysis(Stat("/music/bo.flac", 5000, 77), "abcd", tags, in).ok());

  auto found = cat->FindTrack("/music/bo.flac");
  ASSERT_TRUE(found.ok() && found->has_value());
  const TrackRecord& t = **found;
  EXPECT_EQ(t.id, TrackIdForPath("/music/bo.flac"));
  EXPECT_EQ(t.path, "/music/bo.flac");
  EXPECT_EQ(t.size, 5000);
  EXPECT_EQ(t.mtime_ns, 77);
  EXPECT_EQ(t.content_hash, "abcd");
  EXPECT_EQ(t.tags.title, tags.title);
  EXPECT_EQ(t.tags.artists, tags.artists);
  EXPECT_EQ(t.tags.album, tags.album);
  EXPECT_EQ(t.tags.album_artist, tags.album_artist);
  EXPECT_EQ(t.tags.release_date, tags.release_date);
  EXPECT_EQ(t.tags.genre, tags.genre);
  EXPECT_EQ(t.tags.track_number, tags.track_number);
  EXPECT_EQ(t.tags.isrc, tags.isrc);
  EXPECT_EQ(t.duration_ms, in.features.duration_ms);
  EXPECT_EQ(t.state, TrackState::kAnalyzed);
  EXPECT_EQ(t.failure_reason, "");
  EXPECT_EQ(t.features_version, kFeaturesVersion);
  EXPECT_EQ(t.analyzed_at, "2024-11-22T04:05:06Z");
  EXPECT_EQ(t.source, "analyzed");

  auto f = cat->LoadFeatures(t.rowid);
  ASSERT_TRUE(f.ok() && f->has_value());
  const AudioFeatures& a = **f;
  const AudioFeatures& e = in.features;
  EXPECT_EQ(a.danceability, e.danceability);
  EXPECT_EQ(a.energy, e.energy);
  EXPECT_EQ(a.key, e.key);
  EXPECT_EQ(a.loudness, e.loudness);
  EXPECT_EQ(a.mode, e.mode);
  EXPECT_EQ(a.speechiness, e.speechiness);
  EXPECT_EQ(a.acousticness, e.acousticness);
  EXPECT_EQ(a.instrumentalness, e.instrumentalness);
  EXPECT_EQ(a.liveness, e.liveness);
  EXPECT_EQ(a.valence, e.valence);
  EXPECT_EQ(a.tempo, e.tempo);
  EXPECT_EQ(a.time_signature, e.time_signature);
  EXPECT_EQ(a.duration_ms, e.duration_ms);
  EXPECT_EQ(a.features_version, e.features_version);

  auto an = cat->LoadAnalysis(t.rowid);
  ASSERT_TRUE(an.ok()) << an.status().ToString();
  ASSERT_TRUE(an->has_value());
  const AudioAnalysis& got = **an;
  const AudioAnalysis& want = in.analysis;
  // The JSON form keeps 5 decimals.
  EXPECT_EQ(got.meta.analyzer_version, "sonance test");
  EXPECT_EQ(got.track.num_samples, want.track.num_samples);
  EXPECT_NEAR(got.track.tempo, want.track.tempo, 1e-9);
  EXPECT_EQ(got.track.key, 7);
  EXPECT_EQ(got.track.time_signature, 3);
  ASSERT_EQ(got.bars.size(), 4u);
  EXPECT_NEAR(got.bars[3].start, 4.5, 1e-9);
  ASSERT_EQ(got.beats.size(), 12u);
  ASSERT_EQ(got.tatums.size(), 12u);
  ASSERT_EQ(got.sections.size(), 1u);
  EXPECT_NEAR(got.sections[0].duration, 120.25, 1e-9);
  EXPECT_EQ(got.sections[0].key, 2);
  ASSERT_EQ(got.segments.size(), 40u);
  EXPECT_NEAR(got.segments[13].start, 3.25, 1e-9);
  EXPECT_NEAR(got.segments[13].pitches[1], 1.0, 1e-9);
  EXPECT_NEAR(got.segments[13].timbre[11], 73.0, 1e-9);
  EXPECT_NEAR(got.segments[13].loudness_max_time, 0.0625, 1e-9);
  EXPECT_EQ(got.features_version, kFeaturesVersion);
}

TEST(StoreAnalysisTest, ReanalysisKeepsIdAndRowAndReplacesArtists) {
  TempDir dir;
  auto cat = OpenIn(dir);
  ASSERT_TRUE(cat);
  ASSERT_TRUE(
      cat->StoreAnalysis(Stat("/m/a.mp3"), "h1", SampleTags("A", {"X", "Y", "Z"}), SampleAnalysis())
          .ok());
  auto first = *cat->FindTrack("/m/a.mp3");
  TrackAnalysis again = SampleAnalysis();
  again.features.tempo = 99.5;
  ASSERT_TRUE(
      cat->StoreAnalysis(Stat("/m/a.mp3", 2000, 50), "h2", SampleTags("A2", {"W"}), again).ok());
  auto second = *cat->FindTrack("/m/a.mp3");
  ASSERT_TRUE(first && second);
  EXPECT_EQ(second->id, first->id);
  EXPECT_EQ(second->rowid, first->rowid);
  EXPECT_EQ(second->tags.title, "A2");
  EXPECT_EQ(second->tags.artists, std::vector<std::string>{"W"});
  EXPECT_EQ(second->content_hash, "h2");
  EXPECT_EQ((*cat->LoadFeatures(second->rowid))->tempo, 99.5);
  EXPECT_EQ(cat->Counts()->tracks, 1);
}

TEST(StoreAnalysisTest, RejectsRelativePathsNonFiniteFeaturesAndMixedVersions) {
  TempDir dir;
  auto cat = OpenIn(dir);
  ASSERT_TRUE(cat);
  EXPECT_EQ(cat->StoreAnalysis(Stat("rel/a.mp3"), "", {}, SampleAnalysis()).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(cat->StoreAnalysis(Stat(""), "", {}, SampleAnalysis()).code(),
            StatusCode::kInvalidArgument);

  TrackAnalysis nan_feature = SampleAnalysis();
  nan_feature.features.valence = std::nan("");
  EXPECT_EQ(cat->StoreAnalysis(Stat("/m/a.mp3"), "", {}, nan_feature).code(),
            StatusCode::kInvalidArgument);

  TrackAnalysis mixed = SampleAnalysis();
  mixed.analysis.features_version = kFeaturesVersion + 1;
  EXPECT_EQ(cat->StoreAnalysis(Stat("/m/a.mp3"), "", {}, mixed).code(),
            StatusCode::kInvalidArgument);

  EXPECT_EQ(cat->StoreFailure(Stat("rel.mp3"), "", "x").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(cat->Counts()->tracks, 0);
}

TEST(StoreFailureTest, FailureRemovesResultsKeepsTagsAndASuccessClearsIt) {
  TempDir dir;
  auto cat = OpenIn(dir);
  ASSERT_TRUE(cat);
  const std::string path = "/m/flaky.ogg";
  ASSERT_TRUE(
      cat->StoreAnalysis(Stat(path), "h", SampleTags("Flaky", {"Band"}), SampleAnalysis()).ok());
  const std::int64_t rowid = (*cat->FindTrack(path))->rowid;

  ASSERT_TRUE(cat->StoreFailure(Stat(path, 999, 43), "h2", "Corrupt: truncated stream").ok());
  auto failed = *cat->FindTrack(path);
  ASSERT_TRUE(failed.has_value());
  EXPECT_EQ(failed->rowid, rowid);
  EXPECT_EQ(failed->state, TrackState::kFailed);
  EXPECT_EQ(failed->failure_reason, "Corrupt: truncated stream");
  EXPECT_EQ(failed->size, 999);
  EXPECT_EQ(failed->tags.title, "Flaky");
  EXPECT_EQ(failed->tags.artists, std::vector<std::string>{"Band"});
  EXPECT_FALSE(cat->LoadFeatures(rowid)->has_value());
  EXPECT_FALSE(cat->LoadAnalysis(rowid)->has_value());
  EXPECT_EQ(cat->Counts()->failed, 1);

  ASSERT_TRUE(
      cat->StoreAnalysis(Stat(path, 999, 44), "h3", SampleTags("Flaky", {"Band"}), SampleAnalysis())
          .ok());
  auto ok = *cat->FindTrack(path);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->state, TrackState::kAnalyzed);
  EXPECT_EQ(ok->failure_reason, "");
  EXPECT_TRUE(cat->LoadFeatures(rowid)->has_value());
  EXPECT_TRUE(cat->LoadAnalysis(rowid)->has_value());
  const CatalogCounts counts = *cat->Counts();
  EXPECT_EQ(counts.failed, 0);
  EXPECT_EQ(counts.analyzed, 1);
}

TEST(StoreFailureTest, FailureOfANewFileCreatesAFailedTrack) {
  TempDir dir;
  auto cat = OpenIn(dir);
  ASSERT_TRUE(cat);
  ASSERT_TRUE(cat->StoreFailure(Stat("/m/x.wma", 0, 0), "", "").ok());
  auto t = *cat->FindTrack(TrackIdForPath("/m/x.wma"));
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->state, TrackState::kFailed);
  EXPECT_FALSE(t->failure_reason.empty());  // an empty reason would look like no failure
  EXPECT_EQ(t->features_version, kFeaturesVersion);
}

TEST(StoreAnalysisTest, ConcurrentWritersThroughOneCatalogLoseNothing) {
  TempDir dir;
  auto cat = OpenIn(dir);
  ASSERT_TRUE(cat);
  constexpr int kThreads = 4, kEach = 25;
  std::vector<std::thread> threads;
  std::vector<int> errors(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::string p = "/m/t" + std::to_string(t) + "/" + std::to_string(i) + ".mp3";
        Status s = i % 5 == 0 ? cat->StoreFailure(Stat(p), "", "bad")
                              : cat->StoreAnalysis(Stat(p), "", {}, SampleAnalysis());
        if (!s.ok()) ++errors[static_cast<std::size_t>(t)];
        if (!cat->NeedsAnalysis(Stat(p)).ok()) ++errors[static_cast<std::size_t>(t)];
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors, std::vector<int>(kThreads, 0));
  const CatalogCounts c = *cat->Counts();
  EXPECT_EQ(c.tracks, kThreads * kEach);
  EXPECT_EQ(c.failed, kThreads * kEach / 5);
  EXPECT_EQ(c.analyzed, kThreads * kEach * 4 / 5);
}

// ---- missing ---------------------------------------------------------------------------

TEST(MarkMissingTest, MarksOnlyVanishedFilesUnderTheRoots) {
  TempDir dir;
  auto cat = OpenIn(dir);
  ASSERT_TRUE(cat);
  const fs::path lib = dir / "music";
  const std::vector<fs::path> files = {lib / "a.mp3", lib / "sub/b.mp3", lib / "sub/c.mp3",
                                       dir / "music2/d.mp3", dir / "elsewhere/e.mp3"};
  for (const auto& f : files) {
    WriteFile(f, f.filename().string());
    auto st = StatFile(f);
    ASSERT_TRUE(st.ok());
    ASSERT_TRUE(cat->StoreAnalysis(*st, "", {}, SampleAnalysis()).ok());
  }
  ASSERT_TRUE(cat->StoreFailure(*StatFile(lib / "sub/c.mp3"), "", "bad").ok());
  fs::remove(lib / "sub/b.mp3");
  fs::remove(lib / "sub/c.mp3");
  fs::remove(dir / "music2/d.mp3");     // shares the prefix "music" but is not under it
  fs::remove(dir / "elsewhere/e.mp3");  // not under any root

  auto n = cat->MarkMissing({lib / "."});
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 2);
  auto state = [&](const fs::path& p) { return (*cat->FindTrack(p.string()))->state; };
  EXPECT_EQ(state(lib / "a.mp3"), TrackState::kAnalyzed);
  EXPECT_EQ(state(lib / "sub/b.mp3"), TrackState::kMissing);
  EXPECT_EQ(state(lib / "sub/c.mp3"), TrackState::kMissing);
  EXPECT_EQ(state(dir / "music2/d.mp3"), TrackState::kAnalyzed);
  EXPECT_EQ(state(dir / "elsewhere/e.mp3"), TrackState::kAnalyzed);
  // Features stay, in case the disk comes back.
  EXPECT_TRUE(
      cat->LoadFeatures((*cat->FindTrack((lib / "sub/b.mp3").string()))->rowid)->has_value());
  EXPECT_EQ(cat->Counts()->missing, 2);
  EXPECT_EQ(*cat->MarkMissing({lib}), 0);  // already missing

  TrackFilter missing;
  missing.state = TrackState::kMissing;
  auto listed = cat->ListTracks(missing);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].path, (lib / "sub/b.mp3").string());
}

TEST(MarkMissingTest, AbsentRootIsNotFoundAndMarksNothing) {
  TempDir dir;
  auto cat = OpenIn(dir);
  ASSERT_TRUE(cat);
  ASSERT_TRUE(
      cat->StoreAnalysis(Stat((dir / "usb/a.mp3").string()), "", {}, SampleAnalysis()).ok());
  EXPECT_EQ(cat->MarkMissing({dir / "usb"}).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(cat->Counts()->missing, 0);
  auto none = cat->MarkMissing({});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0);
}

// ---- listing and finding -------------------------------------------------------------------

class ListTracksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cat_ = OpenIn(dir_);
    ASSERT_TRUE(cat_);
    Store("/lib/Bjork/Homogenic/01 Joga.flac",
          SampleTags("Jóga", {"Björk"}, "Homogenic", "Electronic"));
    Store("/lib/Queen/A Night at the Opera/11 Bohemian Rhapsody.flac",
          SampleTags("Bohemian Rhapsody", {"Queen"}, "A Night at the Opera", "Rock"));
    Store("/lib/Queen/Hot Space/11 Under Pressure.flac",
          SampleTags("Under Pressure", {"Queen", "David Bowie"}, "Hot Space", "rock"));
    Store("/lib/Various/Mix/01 Intro.mp3", SampleTags("Intro", {"DJ Queenie"}, "Mix", "Dance"));
    ASSERT_TRUE(cat_->StoreFailure(Stat("/lib/broken.mp3"), "", "no audio").ok());
  }

  void Store(const std::string& path, const TrackTags& tags) {
    ASSERT_TRUE(cat_->StoreAnalysis(Stat(path), "", tags, SampleAnalysis()).ok());
  }

  std::vector<std::string> Titles(const TrackFilter& f) {
    auto r = cat_->ListTracks(f);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::vector<std::string> out;
    if (r.ok()) {
      for (const auto& t : *r) out.push_back(t.tags.title.empty() ? t.path : t.tags.title);
    }
    return out;
  }

  TempDir dir_;
  std::unique_ptr<Catalog> cat_;
};

using Names = std::vector<std::string>;

// Chained setters: designated initializers would trip -Wmissing-field-initializers.
struct Q {
  TrackFilter f;
  Q& text(std::string v) {
    f.text = std::move(v);
    return *this;
  }
  Q& state(TrackState v) {
    f.state = v;
    return *this;
  }
  Q& artist(std::string v) {
    f.artist = std::move(v);
    return *this;
  }
  Q& album(std::string v) {
    f.album = std::move(v);
    return *this;
  }
  Q& genre(std::string v) {
    f.genre = std::move(v);
    return *this;
  }
  Q& limit(int v) {
    f.limit = v;
    return *this;
  }
  Q& offset(int v) {
    f.offset = v;
    return *this;
  }
  operator const TrackFilter&() const { return f; }  // NOLINT: implicit by design
};

TEST_F(ListTracksTest, NoFilterListsEverythingByPath) {
  EXPECT_EQ(Titles({}),
            (Names{"Jóga", "Bohemian Rhapsody", "Under Pressure", "Intro", "/lib/broken.mp3"}));
}

TEST_F(ListTracksTest, TextMatchesTitleArtistAlbumOrPathIgnoringCase) {
  EXPECT_EQ(Titles(Q().text("QUEEN")),
            (Names{"Bohemian Rhapsody", "Under Pressure", "Intro"}));     // artist substring
  EXPECT_EQ(Titles(Q().text("bowie")), (Names{"Under Pressure"}));        // second artist
  EXPECT_EQ(Titles(Q().text("OPERA")), (Names{"Bohemian Rhapsody"}));     // album
  EXPECT_EQ(Titles(Q().text("rhapsody")), (Names{"Bohemian Rhapsody"}));  // title
  EXPECT_EQ(Titles(Q().text("broken")), (Names{"/lib/broken.mp3"}));      // path
  EXPECT_EQ(Titles(Q().text("BJÖRK")), (Names{"Jóga"}));                  // non-ASCII case folding
  EXPECT_EQ(Titles(Q().text("JÓGA")), (Names{"Jóga"}));
  EXPECT_EQ(Titles(Q().text("%")), Names{});  // no LIKE wildcards
  EXPECT_EQ(Titles(Q().text("zzz")), Names{});
}

TEST_F(ListTracksTest, ArtistAlbumAndGenreMatchWholeValuesIgnoringCase) {
  EXPECT_EQ(Titles(Q().artist("queen")), (Names{"Bohemian Rhapsody", "Under Pressure"}));
  EXPECT_EQ(Titles(Q().artist("David Bowie")), (Names{"Under Pressure"}));
  EXPECT_EQ(Titles(Q().artist("Quee")), Names{});
  EXPECT_EQ(Titles(Q().album("homogenic")), (Names{"Jóga"}));
  EXPECT_EQ(Titles(Q().genre("ROCK")), (Names{"Bohemian Rhapsody", "Under Pressure"}));
  EXPECT_EQ(Titles(Q().text("pressure").genre("rock")), (Names{"Under Pressure"}));
  EXPECT_EQ(Titles(Q().text("bohemian").artist("David Bowie")), Names{});
}

TEST_F(ListTracksTest, StateFilter) {
  EXPECT_EQ(Titles(Q().state(TrackState::kFailed)), (Names{"/lib/broken.mp3"}));
  EXPECT_EQ(Titles(Q().state(TrackState::kAnalyzed)).size(), 4u);
  EXPECT_EQ(Titles(Q().state(TrackState::kMissing)), Names{});
}

TEST_F(ListTracksTest, LimitAndOffsetPageThroughThePathOrder) {
  EXPECT_EQ(Titles(Q().limit(2)), (Names{"Jóga", "Bohemian Rhapsody"}));
  EXPECT_EQ(Titles(Q().limit(2).offset(2)), (Names{"Under Pressure", "Intro"}));
  EXPECT_EQ(Titles(Q().offset(4)), (Names{"/lib/broken.mp3"}));
  EXPECT_EQ(Titles(Q().limit(2).offset(9)), Names{});
  EXPECT_EQ(cat_->ListTracks(Q().limit(-1)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(cat_->ListTracks(Q().offset(-1)).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(ListTracksTest, CountsByState) {
  auto c = cat_->Counts();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->tracks, 5);
  EXPECT_EQ(c->analyzed, 4);
  EXPECT_EQ(c->failed, 1);
  EXPECT_EQ(c->missing, 0);
}

TEST_F(ListTracksTest, FindTrackByIdUriAndPath) {
  const std::string path = "/lib/Queen/Hot Space/11 Under Pressure.flac";
  const std::string id = TrackIdForPath(path);
  for (const std::string& key : {id, "sonance:track:" + id, path,
                                 std::string("/lib/Queen/./Hot Space/../Hot Space/11 Under "
                                             "Pressure.flac")}) {
    auto t = cat_->FindTrack(key);
    ASSERT_TRUE(t.ok()) << key;
    ASSERT_TRUE(t->has_value()) << key;
    EXPECT_EQ((*t)->path, path);
    EXPECT_EQ((*t)->id, id);
  }
  EXPECT_FALSE(cat_->FindTrack(TrackIdForPath("/lib/unknown.mp3"))->has_value());
  EXPECT_FALSE(cat_->FindTrack("/lib/unknown.mp3")->has_value());
  EXPECT_FALSE(cat_->FindTrack("")->has_value());
  EXPECT_FALSE(cat_->LoadFeatures(123456)->has_value());
  EXPECT_FALSE(cat_->LoadAnalysis(123456)->has_value());
}

TEST(FindTrackTest, RelativePathIsTakenFromTheCurrentDirectory) {
  TempDir dir;
  auto cat = OpenIn(dir);
  ASSERT_TRUE(cat);
  const fs::path song = dir / "album/song.mp3";
  ASSERT_TRUE(cat->StoreAnalysis(Stat(song.string()), "", {}, SampleAnalysis()).ok());
  const fs::path old = fs::current_path();
  fs::current_path(dir.path());
  auto t = cat->FindTrack("album/song.mp3");
  fs::current_path(old);
  ASSERT_TRUE(t.ok() && t->has_value());
  EXPECT_EQ((*t)->path, song.string());
}

TEST(CountsTest, EmptyCatalogCountsZero) {
  TempDir dir;
  auto cat = OpenIn(dir);
  ASSERT_TRUE(cat);
  auto c = cat->Counts();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->tracks, 0);
  EXPECT_EQ(c->analyzed, 0);
  EXPECT_EQ(c->failed, 0);
  EXPECT_EQ(c->missing, 0);
  EXPECT_TRUE(cat->ListTracks({})->empty());
}

}  // namespace
}  // namespace sonance

namespace sonance {
namespace {

TEST(AllFeaturesTest, ReturnsEveryStoredRowInRowidOrderAndSkipsFailures) {
  TempDir dir;
  auto cat = OpenIn(dir);
  TrackAnalysis a = SampleAnalysis();
  ASSERT_TRUE(cat->StoreAnalysis(Stat("/m/b.ogg"), "h1", SampleTags("B", {"X"}), a).ok());
  a.features.tempo = 90.5;
  a.analysis.track.tempo = 90.5;
  ASSERT_TRUE(cat->StoreAnalysis(Stat("/m/a.ogg"), "h2", SampleTags("A", {"Y"}), a).ok());
  ASSERT_TRUE(cat->StoreFailure(Stat("/m/c.ogg"), "h3", "corrupt").ok());
  auto all = cat->AllFeatures();
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 2u);
  auto b = cat->FindTrack("/m/b.ogg");
  auto first = cat->FindTrack("/m/a.ogg");
  ASSERT_TRUE(b.ok() && b->has_value() && first.ok() && first->has_value());
  EXPECT_EQ((*all)[0].first, (*b)->rowid);
  EXPECT_DOUBLE_EQ((*all)[0].second.tempo, 123.456);
  EXPECT_EQ((*all)[1].first, (*first)->rowid);
  EXPECT_DOUBLE_EQ((*all)[1].second.tempo, 90.5);
  EXPECT_EQ((*all)[1].second.time_signature, 3);
  EXPECT_EQ((*all)[1].second.duration_ms, 234567);
}

TEST(DataVersionTest, ChangesWhenAnotherConnectionCommitsOnly) {
  TempDir dir;
  auto reader = OpenIn(dir);
  auto writer = OpenIn(dir);
  auto v0 = reader->DataVersion();
  ASSERT_TRUE(v0.ok());
  auto again = reader->DataVersion();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *v0);
  ASSERT_TRUE(
      writer->StoreAnalysis(Stat("/m/a.ogg"), "h", SampleTags("A", {"Y"}), SampleAnalysis()).ok());
  auto v1 = reader->DataVersion();
  ASSERT_TRUE(v1.ok());
  EXPECT_NE(*v1, *v0);
}

}  // namespace
}  // namespace sonance

namespace sonance {
namespace {

// ---- fingerprints --------------------------------------------------------------------------

// A valid stored fingerprint without running Chromaprint: the catalog only keeps the text.
std::string FingerprintOf(std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::uint32_t> raw(120);
  for (auto& w : raw) w = static_cast<std::uint32_t>(rng());
  return EncodeFingerprint(raw);
}

TEST(FingerprintStoreTest, StoredFingerprintIsReadBackByEveryRead) {
  TempDir dir;
  auto cat = OpenIn(dir);
  ASSERT_TRUE(cat);
  const std::string fp = FingerprintOf(1);
  ASSERT_TRUE(
      cat->StoreAnalysis(Stat("/m/a.ogg"), "h", SampleTags("A", {"X"}), SampleAnalysis(), fp).ok());
  ASSERT_TRUE(
      cat->StoreAnalysis(Stat("/m/b.ogg"), "h", SampleTags("B", {"X"}), SampleAnalysis()).ok());

  auto by_path = cat->FindTrack("/m/a.ogg");
  ASSERT_TRUE(by_path.ok() && by_path->has_value());
  EXPECT_EQ((*by_path)->fingerprint, fp);
  auto by_id = cat->FindTrack((*by_path)->id);
  ASSERT_TRUE(by_id.ok() && by_id->has_value());
  EXPECT_EQ((*by_id)->fingerprint, fp);
  auto listed = cat->ListTracks({});
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].fingerprint, fp);
  EXPECT_EQ((*listed)[1].fingerprint, "");  // stored without one
  // What is read back decodes to the fingerprint that was encoded.
  auto raw = DecodeFingerprint((*by_path)->fingerprint);
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(EncodeFingerprint(*raw), fp);
}

TEST(FingerprintStoreTest, ReanalysisReplacesTheFingerprint) {
  TempDir dir;
  auto cat = OpenIn(dir);
  ASSERT_TRUE(cat);
  const std::string path = "/m/a.ogg";
  ASSERT_TRUE(cat->StoreAnalysis(Stat(path), "h", {}, SampleAnalysis(), FingerprintOf(1)).ok());
  ASSERT_TRUE(
      cat->StoreAnalysis(Stat(path, 2000), "h", {}, SampleAnalysis(), FingerprintOf(2)).ok());
  EXPECT_EQ((*cat->FindTrack(path))->fingerprint, FingerprintOf(2));
  // A re-analysis that could not fingerprint the new audio must not keep the old one.
  ASSERT_TRUE(cat->StoreAnalysis(Stat(path, 3000), "h", {}, SampleAnalysis()).ok());
  EXPECT_EQ((*cat->FindTrack(path))->fingerprint, "");
}

TEST(FingerprintStoreTest, AFailureClearsTheFingerprint) {
  TempDir dir;
  auto cat = OpenIn(dir);
  ASSERT_TRUE(cat);
  const std::string path = "/m/a.ogg";
  ASSERT_TRUE(cat->StoreAnalysis(Stat(path), "h", {}, SampleAnalysis(), FingerprintOf(1)).ok());
  ASSERT_TRUE(cat->StoreFailure(Stat(path, 5), "h", "Corrupt: truncated").ok());
  EXPECT_EQ((*cat->FindTrack(path))->fingerprint, "");
}

TEST(FingerprintStoreTest, AFingerprintThatDoesNotDecodeIsRefused) {
  TempDir dir;
  auto cat = OpenIn(dir);
  ASSERT_TRUE(cat);
  EXPECT_EQ(
      cat->StoreAnalysis(Stat("/m/a.ogg"), "h", {}, SampleAnalysis(), "not a fingerprint").code(),
      StatusCode::kInvalidArgument);
  EXPECT_EQ(cat->Counts()->tracks, 0);
}

TEST(FingerprintStoreTest, ImportedTracksHaveNone) {
  TempDir dir;
  auto cat = OpenIn(dir);
  ASSERT_TRUE(cat);
  ImportedTrack t;
  t.spotify_id = "2ZyuwVvV6Z3XJaXIFbspeE";
  t.tags.title = "Wild Things";
  t.tags.artists = {"Alessia Cara"};
  t.duration_ms = 200000;
  auto import = cat->BeginImport();
  ASSERT_TRUE(import.ok()) << import.status().ToString();
  ASSERT_TRUE((*import)->PutTrack(t).ok());
  ASSERT_TRUE((*import)->Commit().ok());
  auto found = cat->FindTrack("spotify:track:2ZyuwVvV6Z3XJaXIFbspeE");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->source, "imported");
  EXPECT_EQ((*found)->fingerprint, "");
}

// ---- analysis summaries --------------------------------------------------------------------

// Durations chosen so that each mean is a different, hand-computed number.
TrackAnalysis StructuredAnalysis() {
  TrackAnalysis a = SampleAnalysis(0);
  AudioAnalysis& an = a.analysis;
  an.beats = {{0.0, 0.4, 0.9}, {0.4, 0.5, 0.9}, {0.9, 0.6, 0.9}, {1.5, 0.5, 0.9}};  // mean 0.5
  an.tatums = an.beats;
  an.bars = {{0.0, 1.5, 0.8}, {1.5, 2.5, 0.8}};  // mean 2.0
  an.sections.clear();
  for (double d : {10.0, 20.0, 60.0}) {  // mean 30.0
    Section sec;
    sec.duration = d;
    an.sections.push_back(sec);
  }
  an.segments.clear();
  for (double d : {0.1, 0.2, 0.3, 0.4, 0.5}) {  // mean 0.3
    Segment seg;
    seg.duration = d;
    an.segments.push_back(seg);
  }
  return a;
}

TEST(AnalysisSummariesTest, EmptyCatalogHasNone) {
  TempDir dir;
  auto cat = OpenIn(dir);
  ASSERT_TRUE(cat);
  auto all = cat->AnalysisSummaries();
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_TRUE(all->empty());
}

TEST(AnalysisSummariesTest, CountsAndMeanDurationsOfEveryStoredAnalysisInRowidOrder) {
  TempDir dir;
  auto cat = OpenIn(dir);
  ASSERT_TRUE(cat);
  // Stored in the reverse of path order, so rowid order differs from ListTracks' order.
  ASSERT_TRUE(cat->StoreAnalysis(Stat("/m/z.ogg"), "h", {}, StructuredAnalysis()).ok());
  TrackAnalysis bare = SampleAnalysis(0);
  bare.analysis.beats.clear();
  bare.analysis.tatums.clear();
  bare.analysis.bars.clear();
  bare.analysis.sections.clear();
  ASSERT_TRUE(cat->StoreAnalysis(Stat("/m/a.ogg"), "h", {}, bare).ok());
  ASSERT_TRUE(cat->StoreFailure(Stat("/m/f.ogg"), "h", "Corrupt: no audio").ok());

  auto all = cat->AnalysisSummaries();
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 2u);  // the failure has no analysis
  const AnalysisSummary& z = (*all)[0];
  EXPECT_EQ(z.rowid, (*cat->FindTrack("/m/z.ogg"))->rowid);
  EXPECT_EQ(z.beats, 4);
  EXPECT_NEAR(z.beat_mean_s, 0.5, 1e-12);
  EXPECT_EQ(z.bars, 2);
  EXPECT_NEAR(z.bar_mean_s, 2.0, 1e-12);
  EXPECT_EQ(z.sections, 3);
  EXPECT_NEAR(z.section_mean_s, 30.0, 1e-12);
  EXPECT_EQ(z.segments, 5);
  EXPECT_NEAR(z.segment_mean_s, 0.3, 1e-12);

  const AnalysisSummary& a = (*all)[1];
  EXPECT_EQ(a.rowid, (*cat->FindTrack("/m/a.ogg"))->rowid);
  EXPECT_GT(a.rowid, z.rowid);
  EXPECT_EQ(a.beats, 0);
  EXPECT_EQ(a.beat_mean_s, 0.0);  // documented: 0 when there are none
  EXPECT_EQ(a.bars, 0);
  EXPECT_EQ(a.bar_mean_s, 0.0);
  EXPECT_EQ(a.sections, 0);
  EXPECT_EQ(a.section_mean_s, 0.0);
  EXPECT_EQ(a.segments, 0);
  EXPECT_EQ(a.segment_mean_s, 0.0);
}

TEST(AnalysisSummariesTest, MatchesTheLoadedAnalysis) {
  // A second implementation: the same numbers computed in C++ from LoadAnalysis.
  TempDir dir;
  auto cat = OpenIn(dir);
  ASSERT_TRUE(cat);
  ASSERT_TRUE(cat->StoreAnalysis(Stat("/m/s.ogg"), "h", {}, SampleAnalysis(7)).ok());
  auto all = cat->AnalysisSummaries();
  ASSERT_TRUE(all.ok() && all->size() == 1u);
  auto loaded = cat->LoadAnalysis((*all)[0].rowid);
  ASSERT_TRUE(loaded.ok() && loaded->has_value());
  auto mean = [](const auto& items) {
    double sum = 0.0;
    for (const auto& i : items) sum += i.duration;
    return items.empty() ? 0.0 : sum / static_cast<double>(items.size());
  };
  const AudioAnalysis& an = **loaded;
  const AnalysisSummary& s = (*all)[0];
  EXPECT_EQ(s.beats, static_cast<int>(an.beats.size()));
  EXPECT_NEAR(s.beat_mean_s, mean(an.beats), 1e-9);
  EXPECT_EQ(s.bars, static_cast<int>(an.bars.size()));
  EXPECT_NEAR(s.bar_mean_s, mean(an.bars), 1e-9);
  EXPECT_EQ(s.sections, static_cast<int>(an.sections.size()));
  EXPECT_NEAR(s.section_mean_s, mean(an.sections), 1e-9);
  EXPECT_EQ(s.segments, 7);
  EXPECT_NEAR(s.segment_mean_s, mean(an.segments), 1e-9);
}

}  // namespace
}  // namespace sonance

namespace sonance {
namespace {

// ---- text vectors --------------------------------------------------------------------------

TrackTextVector TextVector(std::int64_t rowid, std::vector<std::uint32_t> ids,
                           std::vector<float> weights, const std::string& index_id = "esa-1") {
  TrackTextVector v;
  v.rowid = rowid;
  v.index_id = index_id;
  v.source = "lyrics";
  v.text_hash = 0x0123456789ABCDEFu;
  v.valence = 0.625;
  v.arousal = 0.375;
  v.mood_words = 4;
  v.ids = std::move(ids);
  v.weights = std::move(weights);
  return v;
}

void ExpectSameVector(const TrackTextVector& got, const TrackTextVector& want) {
  EXPECT_EQ(got.rowid, want.rowid);
  EXPECT_EQ(got.index_id, want.index_id);
  EXPECT_EQ(got.source, want.source);
  EXPECT_EQ(got.text_hash, want.text_hash);
  EXPECT_EQ(got.valence, want.valence);
  EXPECT_EQ(got.arousal, want.arousal);
  EXPECT_EQ(got.mood_words, want.mood_words);
  EXPECT_EQ(got.ids, want.ids);
  EXPECT_EQ(got.weights, want.weights);  // exact: float32 in, the same bits out
}

// Analysed tracks at /m/0.ogg, /m/1.ogg, ...; returns their rowids in order.
std::vector<std::int64_t> StoreTracks(Catalog& cat, int n) {
  std::vector<std::int64_t> rowids;
  for (int i = 0; i < n; ++i) {
    const std::string path = "/m/" + std::to_string(i) + ".ogg";
    EXPECT_TRUE(cat.StoreAnalysis(Stat(path), "h", SampleTags("T" + std::to_string(i), {"A"}),
                                  SampleAnalysis())
                    .ok());
    auto t = cat.FindTrack(path);
    EXPECT_TRUE(t.ok() && t->has_value());
    rowids.push_back(t.ok() && t->has_value() ? (*t)->rowid : 0);
  }
  return rowids;
}

TEST(TextVectorStoreTest, EmptyCatalogHasNoTextsAndNoVectorsAndStoringNoneIsFine) {
  TempDir dir;
  auto cat = OpenIn(dir);
  ASSERT_TRUE(cat);
  auto texts = cat->TrackTexts();
  ASSERT_TRUE(texts.ok()) << texts.status().ToString();
  EXPECT_TRUE(texts->empty());
  EXPECT_TRUE(cat->StoreTextVectors({}).ok());
  auto vectors = cat->LoadTextVectors();
  ASSERT_TRUE(vectors.ok()) << vectors.status().ToString();
  EXPECT_TRUE(vectors->empty());
}

TEST(TextVectorStoreTest, RoundTripsEveryFieldExactlyInRowidOrder) {
  TempDir dir;
  auto cat = OpenIn(dir);
  ASSERT_TRUE(cat);
  const auto rowids = StoreTracks(*cat, 3);
  // Weights that a detour through double or text would change: not representable in
  // decimal, denormal, the largest float, negative.
  TrackTextVector full = TextVector(rowids[0], {0, 7, 65536, 4294967295u},
                                    {0.1f, 1e-42f, std::numeric_limits<float>::max(), -2.75f});
  full.text_hash = 0xFEDCBA9876543210u;  // top bit set: stored as a negative int64
  full.valence = 0.1;
  full.arousal = 1.0;
  full.mood_words = 123456789012;
  TrackTextVector empty = TextVector(rowids[1], {}, {});
  empty.source = "metadata";
  empty.text_hash = 0;
  empty.valence = 0.5;
  empty.arousal = 0.5;
  empty.mood_words = 0;
  TrackTextVector top = TextVector(rowids[2], {3}, {1.0f});
  top.text_hash = 0xFFFFFFFFFFFFFFFFu;
  top.valence = 0.0;
  // Given out of rowid order; read back in it.
  ASSERT_TRUE(cat->StoreTextVectors({top, full, empty}).ok());

  auto loaded = cat->LoadTextVectors();
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ASSERT_EQ(loaded->size(), 3u);
  ExpectSameVector((*loaded)[0], full);
  ExpectSameVector((*loaded)[1], empty);
  ExpectSameVector((*loaded)[2], top);
}

TEST(TextVectorStoreTest, ASecondStoreReplacesTheTracksVectorAndKeepsTheOthers) {
  TempDir dir;
  auto cat = OpenIn(dir);
  ASSERT_TRUE(cat);
  const auto rowids = StoreTracks(*cat, 2);
  const TrackTextVector other = TextVector(rowids[1], {5}, {0.5f});
  ASSERT_TRUE(cat->StoreTextVectors({TextVector(rowids[0], {1, 2, 3}, {1, 2, 3}), other}).ok());
  TrackTextVector again = TextVector(rowids[0], {9}, {0.25f}, "esa-2");
  again.source = "metadata";
  again.text_hash = 42;
  again.mood_words = 0;
  ASSERT_TRUE(cat->StoreTextVectors({again}).ok());

  auto loaded = cat->LoadTextVectors();
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ASSERT_EQ(loaded->size(), 2u);
  ExpectSameVector((*loaded)[0], again);
  ExpectSameVector((*loaded)[1], other);
}

TEST(TextVectorStoreTest, AnIndexIdSelectsTheVectorsComputedAgainstThatIndex) {
  TempDir dir;
  auto cat = OpenIn(dir);
  ASSERT_TRUE(cat);
  const auto rowids = StoreTracks(*cat, 3);
  ASSERT_TRUE(cat->StoreTextVectors({TextVector(rowids[0], {1}, {1}, "enwiki-a"),
                                     TextVector(rowids[1], {2}, {1}, "enwiki-b"),
                                     TextVector(rowids[2], {3}, {1}, "enwiki-a")})
                  .ok());
  auto a = cat->LoadTextVectors("enwiki-a");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_EQ(a->size(), 2u);
  EXPECT_EQ((*a)[0].rowid, rowids[0]);
  EXPECT_EQ((*a)[1].rowid, rowids[2]);
  EXPECT_EQ((*a)[1].ids, (std::vector<std::uint32_t>{3}));
  auto b = cat->LoadTextVectors("enwiki-b");
  ASSERT_TRUE(b.ok());
  ASSERT_EQ(b->size(), 1u);
  EXPECT_EQ((*b)[0].rowid, rowids[1]);
  EXPECT_TRUE(cat->LoadTextVectors("enwiki")->empty());  // whole ids, not prefixes
  EXPECT_EQ(cat->LoadTextVectors()->size(), 3u);
}

TEST(TextVectorStoreTest, AnUnknownRowidIsNotFoundAndNothingOfTheCallIsWritten) {
  TempDir dir;
  auto cat = OpenIn(dir);
  ASSERT_TRUE(cat);
  const auto rowids = StoreTracks(*cat, 2);
  const TrackTextVector before = TextVector(rowids[0], {1}, {0.5f});
  ASSERT_TRUE(cat->StoreTextVectors({before}).ok());

  // The unknown rowid comes last: the two vectors before it were already written when the
  // store found out, and must be rolled back.
  const Status s = cat->StoreTextVectors({TextVector(rowids[0], {2}, {0.75f}),
                                          TextVector(rowids[1], {3}, {1.0f}),
                                          TextVector(rowids[1] + 1000, {4}, {1.0f})});
  EXPECT_EQ(s.code(), StatusCode::kNotFound) << s.ToString();
  EXPECT_NE(s.message().find(std::to_string(rowids[1] + 1000)), std::string::npos) << s.ToString();
  auto loaded = cat->LoadTextVectors();
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ASSERT_EQ(loaded->size(), 1u);
  ExpectSameVector((*loaded)[0], before);
}

TEST(TextVectorStoreTest, RefusesInvalidVectorsAndWritesNothingOfTheCall) {
  TempDir dir;
  auto cat = OpenIn(dir);
  ASSERT_TRUE(cat);
  const auto rowids = StoreTracks(*cat, 2);
  const std::int64_t r = rowids[1];
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<std::pair<std::string, TrackTextVector>> cases = {
      {"ids descending", TextVector(r, {3, 2}, {1, 1})},
      {"ids repeated", TextVector(r, {2, 2}, {1, 1})},
      {"fewer weights", TextVector(r, {1, 2}, {1})},
      {"more weights", TextVector(r, {1}, {1, 2})},
      {"NaN weight", TextVector(r, {1, 2}, {1, nan})},
      {"infinite weight", TextVector(r, {1}, {-inf})},
  };
  auto with = [&](const std::string& name, auto change) {
    TrackTextVector v = TextVector(r, {1}, {1});
    change(v);
    cases.emplace_back(name, v);
  };
  with("source title", [](TrackTextVector& v) { v.source = "title"; });
  with("empty source", [](TrackTextVector& v) { v.source = ""; });
  with("empty index id", [](TrackTextVector& v) { v.index_id = ""; });
  with("index id not UTF-8", [](TrackTextVector& v) { v.index_id = "esa-\xC3"; });
  with("valence above 1", [](TrackTextVector& v) { v.valence = 1.5; });
  with("valence below 0", [](TrackTextVector& v) { v.valence = -0.01; });
  with("arousal NaN", [](TrackTextVector& v) { v.arousal = std::nan(""); });
  with("negative mood words", [](TrackTextVector& v) { v.mood_words = -1; });
  for (const auto& [name, bad] : cases) {
    // A valid vector first: it must not be stored either.
    const Status s = cat->StoreTextVectors({TextVector(rowids[0], {1}, {1}), bad});
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << name << ": " << s.ToString();
  }
  auto loaded = cat->LoadTextVectors();
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_TRUE(loaded->empty());
  // The same vector made valid is stored: the refusals were about what they changed.
  EXPECT_TRUE(cat->StoreTextVectors({TextVector(r, {1, 2}, {1, 1})}).ok());
}

TEST(TrackTextsTest, ReturnsLyricsInOrderAndMetadataOfTracksWithFeaturesOnly) {
  TempDir dir;
  auto cat = OpenIn(dir);
  ASSERT_TRUE(cat);
  ASSERT_TRUE(cat->StoreAnalysis(Stat("/m/sung.ogg"), "h",
                                 SampleTags("Sung", {"Zed", "Amy", "Mo"}, "Album S", "folk"),
                                 SampleAnalysis())
                  .ok());
  ASSERT_TRUE(cat->StoreAnalysis(Stat("/m/plain.ogg"), "h",
                                 SampleTags("Plain", {"Solo"}, "Album P", "jazz"), SampleAnalysis())
                  .ok());
  ASSERT_TRUE(cat->StoreFailure(Stat("/m/broken.ogg"), "h", "Corrupt: no audio").ok());
  ImportedTrack with_features;
  with_features.spotify_id = "2ZyuwVvV6Z3XJaXIFbspeE";
  with_features.tags = SampleTags("Imported", {"Cara", "Guest"}, "Album I", "pop; dance");
  with_features.features = SampleFeatures();
  ImportedTrack without_features;
  without_features.spotify_id = "0VjIjW4GlUZAMYd2vXMi3b";
  without_features.tags = SampleTags("Bare", {"Nobody"});
  {
    auto import = cat->BeginImport();
    ASSERT_TRUE(import.ok()) << import.status().ToString();
    ASSERT_TRUE((*import)->PutTrack(with_features).ok());
    ASSERT_TRUE((*import)->PutTrack(without_features).ok());
    ASSERT_TRUE((*import)->Commit().ok());
  }
  auto rowid = [&](const std::string& key) { return (*cat->FindTrack(key))->rowid; };
  const std::int64_t sung = rowid("/m/sung.ogg");
  const std::int64_t plain = rowid("/m/plain.ogg");
  const std::int64_t imported = rowid("spotify:track:2ZyuwVvV6Z3XJaXIFbspeE");
  // Lines in an order no sort would produce, with blank ones between them.
  ASSERT_TRUE(cat->StoreLyrics(sung,
                               {{0, "zebra crossing"},
                                {500, ""},
                                {1000, "apple tree"},
                                {1500, "  \t "},
                                {2000, "middle"},
                                {2500, " keeps its spaces "}},
                               "lrc")
                  .ok());
  ASSERT_TRUE(cat->StoreLyrics(imported, {{std::nullopt, "imported words"}}, "txt").ok());
  // Tracks without features are skipped even when they have lyrics.
  ASSERT_TRUE(cat->StoreLyrics(rowid("/m/broken.ogg"), {{0, "never read"}}, "lrc").ok());
  ASSERT_TRUE(
      cat->StoreLyrics(rowid("spotify:track:0VjIjW4GlUZAMYd2vXMi3b"), {{0, "never read"}}, "lrc")
          .ok());

  auto texts = cat->TrackTexts();
  ASSERT_TRUE(texts.ok()) << texts.status().ToString();
  ASSERT_EQ(texts->size(), 3u);
  const TrackText& s = (*texts)[0];
  EXPECT_EQ(s.rowid, sung);
  EXPECT_EQ(s.lyrics, (std::vector<std::string>{"zebra crossing", "apple tree", "middle",
                                                " keeps its spaces "}));
  EXPECT_EQ(s.title, "Sung");
  EXPECT_EQ(s.album, "Album S");
  EXPECT_EQ(s.genre, "folk");
  EXPECT_EQ(s.artists, (std::vector<std::string>{"Zed", "Amy", "Mo"}));  // in position order
  const TrackText& p = (*texts)[1];
  EXPECT_EQ(p.rowid, plain);
  EXPECT_TRUE(p.lyrics.empty());
  EXPECT_EQ(p.title, "Plain");
  EXPECT_EQ(p.album, "Album P");
  EXPECT_EQ(p.genre, "jazz");
  EXPECT_EQ(p.artists, (std::vector<std::string>{"Solo"}));
  const TrackText& i = (*texts)[2];
  EXPECT_EQ(i.rowid, imported);
  EXPECT_EQ(i.lyrics, (std::vector<std::string>{"imported words"}));
  EXPECT_EQ(i.title, "Imported");
  EXPECT_EQ(i.genre, "pop; dance");
  EXPECT_EQ(i.artists, (std::vector<std::string>{"Cara", "Guest"}));
}

}  // namespace
}  // namespace sonance
