#include "sonance/recommend/recommender.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "sonance/audio/fingerprint.h"

namespace sonance {
namespace {

// Vectors from the ten continuous features and key/mode/time signature only, so that the
// clusters below are what the test says they are.
RecommenderOptions TestOptions() {
  RecommenderOptions o;
  o.pipeline.max_genres = 0;
  o.pipeline.use_analysis = false;
  o.pipeline.use_year = false;
  return o;
}

RecTrack Track(std::int64_t rowid, const std::string& title, const std::string& artist,
               const AudioFeatures& f) {
  TrackRecord r;
  r.rowid = rowid;
  r.id = EncodeTrackId(0, static_cast<std::uint64_t>(rowid));
  r.tags.title = title;
  if (!artist.empty()) r.tags.artists = {artist};
  r.content_hash = "hash-" + std::to_string(rowid);
  r.duration_ms = f.duration_ms;
  if (f.features_version == kImportedFeaturesVersion) r.source = "imported";
  return MakeRecTrack(std::move(r), f, std::nullopt);
}

// Calm acoustic tracks: low energy, slow, quiet. The small variations are permuted so that
// the order inside the cluster is not one straight line.
AudioFeatures Calm(int i) {
  AudioFeatures f;
  f.danceability = 0.20 + 0.013 * i;
  f.energy = 0.15 + 0.011 * ((i * 3) % 8);
  f.acousticness = 0.90 - 0.009 * ((i * 5) % 8);
  f.valence = 0.30 + 0.02 * ((i * 7) % 8);
  f.speechiness = 0.04;
  f.instrumentalness = 0.5;
  f.liveness = 0.1;
  f.tempo = 70.0 + 1.7 * i;
  f.loudness = -18.0 + 0.4 * ((i * 3) % 8);
  f.key = 2;
  f.mode = 1;
  f.time_signature = 4;
  f.duration_ms = 200000 + 3000 * i;
  return f;
}

// Loud dance tracks: high energy, fast, loud.
AudioFeatures Loud(int i) {
  AudioFeatures f;
  f.danceability = 0.85 - 0.01 * i;
  f.energy = 0.90 - 0.008 * ((i * 3) % 8);
  f.acousticness = 0.05 + 0.007 * ((i * 5) % 8);
  f.valence = 0.70 + 0.015 * ((i * 7) % 8);
  f.speechiness = 0.06;
  f.instrumentalness = 0.1;
  f.liveness = 0.2;
  f.tempo = 126.0 + 0.9 * i;
  f.loudness = -6.0 + 0.3 * ((i * 5) % 8);
  f.key = 7;
  f.mode = 1;
  f.time_signature = 4;
  f.duration_ms = 180000 + 2000 * i;
  return f;
}

constexpr int kClusterSize = 8;
constexpr std::int64_t kCalmRow = 1;   // rowids 1..8
constexpr std::int64_t kLoudRow = 11;  // rowids 11..18

std::vector<RecTrack> Clusters() {
  std::vector<RecTrack> out;
  for (int i = 0; i < kClusterSize; ++i) {
    RecTrack t = Track(kCalmRow + i, "Calm " + std::to_string(i),
                       "Calm Artist " + std::to_string(i), Calm(i));
    t.record.tags.genre = "Folk";
    out.push_back(MakeRecTrack(t.record, t.features, std::nullopt));
  }
  for (int i = 0; i < kClusterSize; ++i) {
    RecTrack t = Track(kLoudRow + i, "Loud " + std::to_string(i),
                       "Loud Artist " + std::to_string(i), Loud(i));
    t.record.tags.genre = "House";
    out.push_back(MakeRecTrack(t.record, t.features, std::nullopt));
  }
  return out;
}

bool IsCalm(const RecTrack& t) {
  return t.features.energy < 0.5;
}

std::unique_ptr<Recommender> BuildOrDie(std::vector<RecTrack> tracks,
                                        const RecommenderOptions& o = TestOptions()) {
  auto r = Recommender::Build(std::move(tracks), o);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : nullptr;
}

struct Ranked {
  std::int64_t rowid;
  double distance;
};

// The reference: fit the same pipeline on the seed's version group, transform every track,
// and rank the others by the L1 distance computed here, ties by id.
std::vector<Ranked> BruteForceL1(const std::vector<RecTrack>& tracks, std::int64_t seed_rowid,
                                 const RecommenderOptions& o = TestOptions()) {
  const RecTrack* seed = nullptr;
  for (const RecTrack& t : tracks) {
    if (t.record.rowid == seed_rowid) seed = &t;
  }
  EXPECT_NE(seed, nullptr);
  if (seed == nullptr) return {};
  std::vector<const RecTrack*> group;
  std::vector<FeatureRow> rows;
  for (const RecTrack& t : tracks) {
    if (t.features.features_version != seed->features.features_version) continue;
    group.push_back(&t);
    rows.push_back(ToFeatureRow(t));
  }
  auto pipeline = FeaturePipeline::Fit(rows, o.pipeline);
  EXPECT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  if (!pipeline.ok()) return {};
  auto q = pipeline->Transform(ToFeatureRow(*seed));
  EXPECT_TRUE(q.ok());
  std::vector<std::pair<Ranked, std::string>> all;
  for (std::size_t i = 0; i < group.size(); ++i) {
    if (group[i] == seed) continue;
    auto v = pipeline->Transform(rows[i]);
    EXPECT_TRUE(v.ok());
    double d = 0.0;
    for (std::size_t k = 0; k < v->size(); ++k) {
      d += std::abs(static_cast<double>((*v)[k]) - static_cast<double>((*q)[k]));
    }
    all.push_back({{group[i]->record.rowid, d}, group[i]->record.id});
  }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    if (a.first.distance != b.first.distance) return a.first.distance < b.first.distance;
    return a.second < b.second;
  });
  std::vector<Ranked> out;
  for (const auto& [r, id] : all) out.push_back(r);
  return out;
}

const RecTrack& ByRow(const Recommender& rec, std::int64_t rowid) {
  for (const RecTrack& t : rec.tracks()) {
    if (t.record.rowid == rowid) return t;
  }
  ADD_FAILURE() << "no track with rowid " << rowid;
  return rec.tracks().front();
}

std::vector<std::int64_t> Rows(const Playlist& p) {
  std::vector<std::int64_t> out;
  for (const PlaylistEntry& e : p.entries) out.push_back(e.track->record.rowid);
  return out;
}

std::vector<std::int64_t> Rows(const std::vector<const RecTrack*>& tracks) {
  std::vector<std::int64_t> out;
  for (const RecTrack* t : tracks) out.push_back(t->record.rowid);
  return out;
}

bool Contains(const std::vector<std::int64_t>& rows, std::int64_t rowid) {
  return std::find(rows.begin(), rows.end(), rowid) != rows.end();
}

// ---- Build --------------------------------------------------------------------------------

TEST(RecommenderBuildTest, EmptyTrackListIsFailedPrecondition) {
  auto r = Recommender::Build({}, TestOptions());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("sonance analyze"), std::string::npos);
}

TEST(RecommenderBuildTest, InvalidPipelineOptionsAreInvalidArgument) {
  RecommenderOptions o = TestOptions();
  o.pipeline.variance_share = 0.0;
  auto r = Recommender::Build(Clusters(), o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST(RecommenderBuildTest, KeepsEveryTrackInInputOrder) {
  auto rec = BuildOrDie(Clusters());
  ASSERT_TRUE(rec);
  ASSERT_EQ(rec->tracks().size(), 2u * kClusterSize);
  EXPECT_EQ(rec->tracks().front().record.rowid, kCalmRow);
  EXPECT_EQ(rec->tracks().back().record.rowid, kLoudRow + kClusterSize - 1);
}

// ---- Neighbours and Distance ---------------------------------------------------------------

TEST(RecommenderNeighboursTest, ComeFromTheSeedsClusterNearestFirst) {
  const auto tracks = Clusters();
  auto rec = BuildOrDie(tracks);
  ASSERT_TRUE(rec);
  for (std::int64_t seed : {kCalmRow, kLoudRow + 3}) {
    const RecTrack& s = ByRow(*rec, seed);
    auto n = rec->Neighbours(s, kClusterSize - 1);
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    ASSERT_EQ(n->size(), static_cast<std::size_t>(kClusterSize - 1));
    double last = -1.0;
    for (const auto& [t, d] : *n) {
      EXPECT_EQ(IsCalm(*t), IsCalm(s)) << t->record.tags.title;
      EXPECT_NE(t, &s);
      EXPECT_GE(d, last);
      last = d;
    }
  }
}

TEST(RecommenderNeighboursTest, EqualTheBruteForceL1RankingOfEveryTrack) {
  const auto tracks = Clusters();
  auto rec = BuildOrDie(tracks);
  ASSERT_TRUE(rec);
  for (const RecTrack& s : tracks) {
    const auto expected = BruteForceL1(tracks, s.record.rowid);
    auto n = rec->Neighbours(ByRow(*rec, s.record.rowid), static_cast<int>(tracks.size()));
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    ASSERT_EQ(n->size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ((*n)[i].first->record.rowid, expected[i].rowid)
          << "seed " << s.record.tags.title << " rank " << i;
      EXPECT_NEAR((*n)[i].second, expected[i].distance, 1e-4 * (1.0 + expected[i].distance));
    }
  }
}

TEST(RecommenderNeighboursTest, InvalidKAndUnknownTrackAreRefused) {
  auto rec = BuildOrDie(Clusters());
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->Neighbours(rec->tracks().front(), 0).status().code(),
            StatusCode::kInvalidArgument);
  RecTrack stranger = Track(999, "Stranger", "Nobody", Calm(0));
  EXPECT_EQ(rec->Neighbours(stranger, 3).status().code(), StatusCode::kNotFound);
}

TEST(RecommenderDistanceTest, IsTheL1DistanceAndSymmetric) {
  const auto tracks = Clusters();
  auto rec = BuildOrDie(tracks);
  ASSERT_TRUE(rec);
  const auto expected = BruteForceL1(tracks, kCalmRow);
  const RecTrack& a = ByRow(*rec, kCalmRow);
  const RecTrack& b = ByRow(*rec, expected.back().rowid);
  auto ab = rec->Distance(a, b);
  auto ba = rec->Distance(b, a);
  ASSERT_TRUE(ab.ok() && ba.ok());
  EXPECT_NEAR(*ab, expected.back().distance, 1e-4 * (1.0 + expected.back().distance));
  EXPECT_DOUBLE_EQ(*ab, *ba);
  EXPECT_EQ(*rec->Distance(a, a), 0.0);
}

// ---- features versions ----------------------------------------------------------------------

// The calm cluster twice: analysed (version 1) and imported (version 0) with the same values,
// so that mixing versions would make each copy the other's nearest neighbour.
std::vector<RecTrack> TwoVersions() {
  std::vector<RecTrack> out = Clusters();
  for (int i = 0; i < kClusterSize; ++i) {
    AudioFeatures f = Calm(i);
    f.features_version = kImportedFeaturesVersion;
    out.push_back(Track(100 + i, "Imported Calm " + std::to_string(i),
                        "Table Artist " + std::to_string(i), f));
  }
  return out;
}

TEST(RecommenderVersionsTest, ImportedAndAnalysedTracksNeverMix) {
  auto rec = BuildOrDie(TwoVersions());
  ASSERT_TRUE(rec);
  const RecTrack& analysed = ByRow(*rec, kCalmRow);
  const RecTrack& imported = ByRow(*rec, 100);

  auto na = rec->Neighbours(analysed, 100);
  ASSERT_TRUE(na.ok());
  EXPECT_EQ(na->size(), 2u * kClusterSize - 1);
  for (const auto& [t, d] : *na) EXPECT_EQ(t->features.features_version, kFeaturesVersion);

  auto ni = rec->Neighbours(imported, 100);
  ASSERT_TRUE(ni.ok());
  EXPECT_EQ(ni->size(), static_cast<std::size_t>(kClusterSize - 1));
  for (const auto& [t, d] : *ni) {
    EXPECT_EQ(t->features.features_version, kImportedFeaturesVersion);
  }

  PlaylistRequest req;
  req.seeds = {imported.record.id};
  req.per_seed = 20;
  auto p = rec->BuildPlaylist(req);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->entries.size(), static_cast<std::size_t>(kClusterSize - 1));
  for (const PlaylistEntry& e : p->entries) {
    EXPECT_EQ(e.track->features.features_version, kImportedFeaturesVersion);
  }

  EXPECT_EQ(rec->Distance(analysed, imported).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(rec->Path(analysed.record.id, imported.record.id, 3).status().code(),
            StatusCode::kInvalidArgument);
}

// ---- Resolve --------------------------------------------------------------------------------

TEST(RecommenderResolveTest, AcceptsIdsUrisArtistDashTitleAndTitles) {
  auto rec = BuildOrDie(Clusters());
  ASSERT_TRUE(rec);
  const RecTrack& want = ByRow(*rec, kCalmRow + 1);
  for (const std::string& seed :
       {want.record.id, "sonance:track:" + want.record.id, "spotify:track:" + want.record.id,
        std::string("Calm Artist 1 - Calm 1"), std::string("Calm 1"),
        std::string("  the CALM ARTIST 1 - calm 1 "), std::string("Calm 1 - Calm Artist 1")}) {
    auto r = rec->Resolve(seed);
    ASSERT_TRUE(r.ok()) << seed << ": " << r.status().ToString();
    EXPECT_EQ(*r, &want) << seed;
  }
}

TEST(RecommenderResolveTest, AnalysedBeatsImportedThenPopularityWins) {
  std::vector<RecTrack> tracks = Clusters();
  AudioFeatures imported = Calm(1);
  imported.features_version = kImportedFeaturesVersion;
  RecTrack popular = Track(200, "Calm 1", "Calm Artist 1", imported);
  popular.record.popularity = 99;
  tracks.push_back(popular);
  RecTrack a = Track(201, "Shared Title", "X", imported);
  a.record.popularity = 10;
  RecTrack b = Track(202, "Shared Title", "Y", imported);
  b.record.popularity = 90;
  tracks.push_back(a);
  tracks.push_back(b);
  auto rec = BuildOrDie(tracks);
  ASSERT_TRUE(rec);
  auto analysed = rec->Resolve("Calm Artist 1 - Calm 1");
  ASSERT_TRUE(analysed.ok());
  EXPECT_EQ((*analysed)->record.rowid, kCalmRow + 1);
  auto more_popular = rec->Resolve("shared title");
  ASSERT_TRUE(more_popular.ok());
  EXPECT_EQ((*more_popular)->record.rowid, 202);
}

TEST(RecommenderResolveTest, UnknownSeedIsNotFoundNamingItWithSuggestions) {
  auto rec = BuildOrDie(Clusters());
  ASSERT_TRUE(rec);
  auto r = rec->Resolve("Calm Artst 1 - Calm 1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("Calm Artst 1 - Calm 1"), std::string::npos);
  EXPECT_NE(r.status().message().find("\"Calm Artist 1 - Calm 1\""), std::string::npos)
      << r.status().message();
  // At most five suggestions: count the quoted names after the seed.
  const std::string& m = r.status().message();
  EXPECT_LE(std::count(m.begin(), m.end(), '"'), 2 + 2 * 5) << m;

  auto id = rec->Resolve("sonance:track:0000000000000000000zzz");
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.status().code(), StatusCode::kNotFound);
  EXPECT_NE(id.status().message().find("0000000000000000000zzz"), std::string::npos);
}

// ---- BuildPlaylist ------------------------------------------------------------------------

TEST(RecommenderPlaylistTest, EntriesAreEachSeedsNearestInSeedOrder) {
  const auto tracks = Clusters();
  auto rec = BuildOrDie(tracks);
  ASSERT_TRUE(rec);
  const RecTrack& calm = ByRow(*rec, kCalmRow);
  const RecTrack& loud = ByRow(*rec, kLoudRow + 3);
  PlaylistRequest req;
  req.seeds = {"Calm 0", loud.record.id};
  req.per_seed = 3;
  auto p = rec->BuildPlaylist(req);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  ASSERT_EQ(p->seeds.size(), 2u);
  EXPECT_EQ(p->seeds[0], &calm);
  EXPECT_EQ(p->seeds[1], &loud);
  EXPECT_TRUE(p->skipped_seeds.empty());
  ASSERT_EQ(p->entries.size(), 6u);
  const auto calm_ref = BruteForceL1(tracks, kCalmRow);
  const auto loud_ref = BruteForceL1(tracks, kLoudRow + 3);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(p->entries[i].seed, &calm);
    EXPECT_EQ(p->entries[i].track->record.rowid, calm_ref[i].rowid);
    EXPECT_NEAR(p->entries[i].distance, calm_ref[i].distance, 1e-4);
    EXPECT_EQ(p->entries[3 + i].seed, &loud);
    EXPECT_EQ(p->entries[3 + i].track->record.rowid, loud_ref[i].rowid);
    EXPECT_NEAR(p->entries[3 + i].distance, loud_ref[i].distance, 1e-4);
  }
}

TEST(RecommenderPlaylistTest, SeedsAreExcludedEvenWhenNearestToEachOther) {
  const auto tracks = Clusters();
  auto rec = BuildOrDie(tracks);
  ASSERT_TRUE(rec);
  // Calm 0's nearest track is made a seed too: neither may appear among the entries.
  const auto ref = BruteForceL1(tracks, kCalmRow);
  PlaylistRequest req;
  req.seeds = {ByRow(*rec, kCalmRow).record.id, ByRow(*rec, ref[0].rowid).record.id};
  req.per_seed = 5;
  auto p = rec->BuildPlaylist(req);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  const auto rows = Rows(*p);
  EXPECT_EQ(rows.size(), 10u);
  EXPECT_FALSE(Contains(rows, kCalmRow));
  EXPECT_FALSE(Contains(rows, ref[0].rowid));
  EXPECT_EQ(std::set<std::int64_t>(rows.begin(), rows.end()).size(), rows.size());
}

TEST(RecommenderPlaylistTest, SizeCutsTheListAndDefaultsToSeedsTimesPerSeed) {
  auto rec = BuildOrDie(Clusters());
  ASSERT_TRUE(rec);
  PlaylistRequest req;
  req.seeds = {"Calm 0", "Loud 0"};
  req.per_seed = 4;
  auto full = rec->BuildPlaylist(req);
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->entries.size(), 8u);
  req.size = 5;
  auto cut = rec->BuildPlaylist(req);
  ASSERT_TRUE(cut.ok());
  ASSERT_EQ(cut->entries.size(), 5u);
  for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ(cut->entries[i].track, full->entries[i].track);
}

std::vector<std::uint32_t> RandomPrint(std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::uint32_t> raw(300);
  for (auto& x : raw) x = rng();
  return raw;
}

TEST(RecommenderPlaylistTest, DuplicatesByTitleArtistContentHashAndFingerprintAreRemoved) {
  std::vector<RecTrack> tracks = Clusters();
  const auto near = [](int i, double nudge) {
    AudioFeatures f = Calm(i);
    f.energy += nudge;
    return f;
  };
  // Calm 1 again, spelled another way.
  tracks.push_back(Track(31, "CALM 1", "The Calm Artist 1", near(1, 0.002)));
  // Calm 2's file under another name: same contents.
  RecTrack same_file = Track(32, "Renamed", "Someone Else", near(2, 0.002));
  same_file.record.content_hash = "hash-" + std::to_string(kCalmRow + 2);
  tracks.push_back(same_file);
  // Calm 3's recording in another file: a fingerprint a few bits off.
  const auto print3 = RandomPrint(3);
  tracks[3].record.fingerprint = EncodeFingerprint(print3);
  auto flipped = print3;
  for (std::size_t i = 0; i < flipped.size(); i += 4) flipped[i] ^= 1u;
  ASSERT_GE(FingerprintSimilarity(print3, flipped), kSameRecordingSimilarity);
  RecTrack re_encoded = Track(33, "Unknown Track", "Unknown Artist", near(3, 0.002));
  re_encoded.record.fingerprint = EncodeFingerprint(flipped);
  tracks.push_back(re_encoded);
  // An unrelated recording that happens to sound like Calm 4: kept.
  tracks[4].record.fingerprint = EncodeFingerprint(RandomPrint(4));
  RecTrack stranger = Track(34, "Look Alike", "Other Band", near(4, 0.002));
  stranger.record.fingerprint = EncodeFingerprint(RandomPrint(99));
  ASSERT_LT(FingerprintSimilarity(RandomPrint(4), RandomPrint(99)), kSameRecordingSimilarity);
  tracks.push_back(stranger);
  // A copy of the seed itself.
  RecTrack seed_copy = Track(35, "Calm 0 (copy)", "Copier", near(0, 0.001));
  seed_copy.record.content_hash = "hash-" + std::to_string(kCalmRow);
  tracks.push_back(seed_copy);

  auto rec = BuildOrDie(tracks);
  ASSERT_TRUE(rec);
  PlaylistRequest req;
  req.seeds = {"Calm 0"};
  req.per_seed = 100;  // everything that may appear
  auto p = rec->BuildPlaylist(req);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  const auto rows = Rows(*p);

  // Of each pair exactly one is kept: the one nearer the seed.
  std::map<std::int64_t, double> dist;
  for (const Ranked& r : BruteForceL1(tracks, kCalmRow)) dist[r.rowid] = r.distance;
  for (const auto& [original, copy] : std::vector<std::pair<std::int64_t, std::int64_t>>{
           {kCalmRow + 1, 31}, {kCalmRow + 2, 32}, {kCalmRow + 3, 33}}) {
    EXPECT_NE(Contains(rows, original), Contains(rows, copy)) << original << " / " << copy;
    const std::int64_t nearer = dist[original] <= dist[copy] ? original : copy;
    EXPECT_TRUE(Contains(rows, nearer)) << nearer;
  }
  EXPECT_TRUE(Contains(rows, kCalmRow + 4));
  EXPECT_TRUE(Contains(rows, 34));
  EXPECT_FALSE(Contains(rows, 35));
  EXPECT_FALSE(Contains(rows, kCalmRow));
  EXPECT_EQ(rows.size(), tracks.size() - 1 - 4);  // the seed, three copies, the seed's copy
}

TEST(RecommenderPlaylistTest, ArtistAndAlbumCapsHold) {
  std::vector<RecTrack> tracks = Clusters();
  for (int i = 1; i <= 4; ++i) {
    TrackRecord r = tracks[static_cast<std::size_t>(i)].record;
    r.tags.artists = {"Shared Artist"};
    r.tags.album = "Shared Album";
    tracks[static_cast<std::size_t>(i)] =
        MakeRecTrack(r, tracks[static_cast<std::size_t>(i)].features, std::nullopt);
  }
  auto rec = BuildOrDie(tracks);
  ASSERT_TRUE(rec);
  const auto count = [](const Playlist& p, auto pred) {
    return std::count_if(p.entries.begin(), p.entries.end(),
                         [&](const PlaylistEntry& e) { return pred(*e.track); });
  };
  const auto shared_artist = [](const RecTrack& t) {
    return !t.artist_keys.empty() && t.artist_keys[0] == "shared artist";
  };
  const auto shared_album = [](const RecTrack& t) { return t.album_key == "shared album"; };

  PlaylistRequest req;
  req.seeds = {"Calm 0"};
  req.per_seed = 6;
  auto uncapped = rec->BuildPlaylist(req);
  ASSERT_TRUE(uncapped.ok());
  ASSERT_GT(count(*uncapped, shared_artist), 2);  // the cap below has something to do

  req.max_per_artist = 2;
  auto by_artist = rec->BuildPlaylist(req);
  ASSERT_TRUE(by_artist.ok());
  EXPECT_EQ(by_artist->entries.size(), 6u);
  EXPECT_EQ(count(*by_artist, shared_artist), 2);

  req.max_per_artist = 0;
  req.max_per_album = 1;
  auto by_album = rec->BuildPlaylist(req);
  ASSERT_TRUE(by_album.ok());
  EXPECT_EQ(by_album->entries.size(), 6u);
  EXPECT_EQ(count(*by_album, shared_album), 1);
}

TEST(RecommenderPlaylistTest, SameRequestGivesSamePlaylistWhateverTheTrackOrder) {
  auto tracks = Clusters();
  auto rec = BuildOrDie(tracks);
  std::reverse(tracks.begin(), tracks.end());
  auto reversed = BuildOrDie(tracks);
  ASSERT_TRUE(rec && reversed);
  PlaylistRequest req;
  req.seeds = {"Loud 2", "Calm 5"};
  req.per_seed = 5;
  req.max_per_artist = 1;
  auto a = rec->BuildPlaylist(req);
  auto b = rec->BuildPlaylist(req);
  auto c = reversed->BuildPlaylist(req);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  ASSERT_EQ(a->entries.size(), 10u);
  EXPECT_EQ(Rows(*a), Rows(*b));
  EXPECT_EQ(Rows(*a), Rows(*c));
  for (std::size_t i = 0; i < a->entries.size(); ++i) {
    EXPECT_EQ(a->entries[i].distance, b->entries[i].distance);
    EXPECT_EQ(a->entries[i].closest_features, b->entries[i].closest_features);
  }
}

TEST(RecommenderPlaylistTest, UnknownSeedIsNotFoundUnlessPartial) {
  auto rec = BuildOrDie(Clusters());
  ASSERT_TRUE(rec);
  PlaylistRequest req;
  req.seeds = {"Calm 0", "Nobody - Nothing At All"};
  auto strict = rec->BuildPlaylist(req);
  ASSERT_FALSE(strict.ok());
  EXPECT_EQ(strict.status().code(), StatusCode::kNotFound);
  EXPECT_NE(strict.status().message().find("Nobody - Nothing At All"), std::string::npos);

  req.partial = true;
  auto partial = rec->BuildPlaylist(req);
  ASSERT_TRUE(partial.ok()) << partial.status().ToString();
  ASSERT_EQ(partial->seeds.size(), 1u);
  EXPECT_EQ(partial->seeds[0]->record.rowid, kCalmRow);
  EXPECT_EQ(partial->skipped_seeds, (std::vector<std::string>{"Nobody - Nothing At All"}));
  EXPECT_EQ(partial->entries.size(), 3u);

  req.seeds = {"Nobody - Nothing At All"};
  auto none = rec->BuildPlaylist(req);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);
}

TEST(RecommenderPlaylistTest, InvalidRequestsAreInvalidArgument) {
  auto rec = BuildOrDie(Clusters());
  ASSERT_TRUE(rec);
  const auto code = [&](PlaylistRequest r) { return rec->BuildPlaylist(r).status().code(); };
  PlaylistRequest ok;
  ok.seeds = {"Calm 0"};
  PlaylistRequest r = ok;
  r.seeds.clear();
  EXPECT_EQ(code(r), StatusCode::kInvalidArgument);
  r = ok;
  r.per_seed = 0;
  EXPECT_EQ(code(r), StatusCode::kInvalidArgument);
  r.per_seed = 101;
  EXPECT_EQ(code(r), StatusCode::kInvalidArgument);
  r = ok;
  r.size = 1001;
  EXPECT_EQ(code(r), StatusCode::kInvalidArgument);
  r = ok;
  r.max_per_artist = -1;
  EXPECT_EQ(code(r), StatusCode::kInvalidArgument);
  r = ok;
  r.filters["tempo"] = {120.0, 100.0, std::nullopt};
  EXPECT_EQ(code(r), StatusCode::kInvalidArgument);
  EXPECT_EQ(code(ok), StatusCode::kOk);
}

TEST(RecommenderPlaylistTest, FiltersHoldForEveryEntry) {
  auto rec = BuildOrDie(Clusters());
  ASSERT_TRUE(rec);
  PlaylistRequest req;
  req.seeds = {"Loud 0"};
  req.per_seed = 3;
  auto unfiltered = rec->BuildPlaylist(req);
  ASSERT_TRUE(unfiltered.ok());
  ASSERT_TRUE(std::any_of(unfiltered->entries.begin(), unfiltered->entries.end(),
                          [](const PlaylistEntry& e) { return e.track->features.tempo > 127.5; }));
  req.filters["tempo"].max = 127.5;
  req.filters["energy"].min = 0.1;
  auto p = rec->BuildPlaylist(req);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->entries.size(), 3u);
  for (const PlaylistEntry& e : p->entries) {
    EXPECT_LE(e.track->features.tempo, 127.5);
    EXPECT_GE(e.track->features.energy, 0.1);
  }
}

TEST(RecommenderPlaylistTest, ClosestFeaturesAreTheThreeSmallestStandardisedDifferences) {
  const auto tracks = Clusters();
  auto rec = BuildOrDie(tracks);
  ASSERT_TRUE(rec);
  PlaylistRequest req;
  req.seeds = {"Calm 0"};
  req.per_seed = 3;
  auto p = rec->BuildPlaylist(req);
  ASSERT_TRUE(p.ok());
  std::vector<FeatureRow> rows;
  for (const RecTrack& t : tracks) rows.push_back(ToFeatureRow(t));
  auto pipeline = FeaturePipeline::Fit(rows, TestOptions().pipeline);
  ASSERT_TRUE(pipeline.ok());
  const auto& columns = pipeline->input_columns();
  for (const PlaylistEntry& e : p->entries) {
    auto za = pipeline->Standardize(ToFeatureRow(*e.seed));
    auto zb = pipeline->Standardize(ToFeatureRow(*e.track));
    ASSERT_TRUE(za.ok() && zb.ok());
    std::vector<std::pair<double, std::size_t>> diffs;
    for (std::size_t c = 0; c < columns.size(); ++c) {
      diffs.emplace_back(std::abs((*za)[c] - (*zb)[c]), c);
    }
    std::sort(diffs.begin(), diffs.end());
    const std::vector<std::string> expected = {columns[diffs[0].second], columns[diffs[1].second],
                                               columns[diffs[2].second]};
    EXPECT_EQ(e.closest_features, expected);
  }
}

// ---- Recommend ----------------------------------------------------------------------------

TEST(RecommenderRecommendTest, MoreThanFiveSeedsOrNoneIsInvalidArgument) {
  auto rec = BuildOrDie(Clusters());
  ASSERT_TRUE(rec);
  RecommendationsRequest req;
  EXPECT_EQ(rec->Recommend(req).status().code(), StatusCode::kInvalidArgument);
  req.seed_tracks = {"Calm 0", "Calm 1", "Calm 2"};
  req.seed_genres = {"folk", "house"};
  EXPECT_TRUE(rec->Recommend(req).ok());
  req.seed_artists = {"Loud Artist 1"};
  auto six = rec->Recommend(req);
  ASSERT_FALSE(six.ok());
  EXPECT_EQ(six.status().code(), StatusCode::kInvalidArgument);
}

TEST(RecommenderRecommendTest, LimitAndFilterRangesAreChecked) {
  auto rec = BuildOrDie(Clusters());
  ASSERT_TRUE(rec);
  RecommendationsRequest req;
  req.seed_tracks = {"Calm 0"};
  for (int limit : {0, 101}) {
    req.limit = limit;
    EXPECT_EQ(rec->Recommend(req).status().code(), StatusCode::kInvalidArgument) << limit;
  }
  req.limit = 100;
  EXPECT_TRUE(rec->Recommend(req).ok());
  req.filters["energy"] = {0.8, 0.2, std::nullopt};
  auto inverted = rec->Recommend(req);
  ASSERT_FALSE(inverted.ok());
  EXPECT_EQ(inverted.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(inverted.status().message().find("energy"), std::string::npos);
}

TEST(ValidateFiltersTest, RangesFollowTheDocumentedTable) {
  const auto valid = [](const std::string& name, double v) {
    AttributeFilters f;
    f[name].target = v;
    return ValidateFilters(f).ok();
  };
  EXPECT_TRUE(valid("energy", 0.0));
  EXPECT_TRUE(valid("energy", 1.0));
  EXPECT_FALSE(valid("energy", 1.01));
  EXPECT_FALSE(valid("energy", -0.01));
  EXPECT_TRUE(valid("key", -1));
  EXPECT_FALSE(valid("key", 12));
  EXPECT_TRUE(valid("loudness", -80.0));
  EXPECT_FALSE(valid("loudness", -101.0));
  EXPECT_FALSE(valid("loudness", 0.5));
  EXPECT_TRUE(valid("tempo", 350.0));
  EXPECT_FALSE(valid("tempo", 401.0));
  EXPECT_TRUE(valid("time_signature", 11));
  EXPECT_FALSE(valid("time_signature", 12));
  EXPECT_TRUE(valid("popularity", 100));
  EXPECT_FALSE(valid("popularity", 101));
  EXPECT_TRUE(valid("duration_ms", 86'400'000));
  EXPECT_FALSE(valid("duration_ms", 86'400'001));
  EXPECT_FALSE(valid("energy", std::nan("")));
  EXPECT_FALSE(valid("loudnes", -5.0));
  AttributeFilters inverted;
  inverted["tempo"] = {120.0, 100.0, std::nullopt};
  EXPECT_EQ(ValidateFilters(inverted).code(), StatusCode::kInvalidArgument);
  AttributeFilters equal;
  equal["mode"] = {1.0, 1.0, std::nullopt};
  EXPECT_TRUE(ValidateFilters(equal).ok());
}

TEST(TunableAttributesTest, AreSpotifysFourteenInOrder) {
  const std::vector<std::string> expected = {
      "acousticness", "danceability", "duration_ms",    "energy", "instrumentalness",
      "key",          "liveness",     "loudness",       "mode",   "popularity",
      "speechiness",  "tempo",        "time_signature", "valence"};
  EXPECT_EQ(TunableAttributes(), expected);
  for (const std::string& name : expected) EXPECT_TRUE(TunableAttributeRange(name)) << name;
  EXPECT_FALSE(TunableAttributeRange("genre"));
}

TEST(AttributeValueTest, MissingFeaturesAndPopularityOfAnalysedTracksAreUnknown) {
  RecTrack t = Track(1, "T", "A", Calm(0));
  EXPECT_DOUBLE_EQ(*AttributeValue(t, "energy"), Calm(0).energy);
  EXPECT_DOUBLE_EQ(*AttributeValue(t, "key"), 2.0);
  EXPECT_DOUBLE_EQ(*AttributeValue(t, "duration_ms"), 200000.0);
  EXPECT_FALSE(AttributeValue(t, "popularity"));
  EXPECT_FALSE(AttributeValue(t, "nonsense"));
  t.record.missing_features = {"energy"};
  t.record.popularity = 42;
  EXPECT_FALSE(AttributeValue(t, "energy"));
  EXPECT_DOUBLE_EQ(*AttributeValue(t, "popularity"), 42.0);
}

TEST(RecommenderRecommendTest, FiltersHoldForEveryTrack) {
  auto rec = BuildOrDie(Clusters());
  ASSERT_TRUE(rec);
  RecommendationsRequest req;
  req.seed_tracks = {"Loud 0"};
  req.limit = 10;
  req.filters["tempo"].max = 127.5;
  req.filters["acousticness"].min = 0.5;
  auto r = rec->Recommend(req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_FALSE(r->tracks.empty());
  for (const RecTrack* t : r->tracks) {
    EXPECT_LE(t->features.tempo, 127.5);
    EXPECT_GE(t->features.acousticness, 0.5);
  }
}

TEST(RecommenderRecommendTest, TargetMovesResultsTowardTheTarget) {
  auto rec = BuildOrDie(Clusters());
  ASSERT_TRUE(rec);
  RecommendationsRequest req;
  req.seed_tracks = {"Calm 0"};
  req.limit = 4;
  const auto mean_gap = [](const Recommendations& r, double target) {
    double sum = 0.0;
    for (const RecTrack* t : r.tracks) sum += std::abs(t->features.energy - target);
    return sum / static_cast<double>(r.tracks.size());
  };
  auto plain = rec->Recommend(req);
  req.filters["energy"].target = 0.95;
  auto targeted = rec->Recommend(req);
  ASSERT_TRUE(plain.ok() && targeted.ok());
  ASSERT_EQ(plain->tracks.size(), 4u);
  ASSERT_EQ(targeted->tracks.size(), 4u);
  EXPECT_LT(mean_gap(*targeted, 0.95), mean_gap(*plain, 0.95) - 0.2);
}

TEST(RecommenderRecommendTest, SeedsReportPoolSizes) {
  auto rec = BuildOrDie(Clusters());
  ASSERT_TRUE(rec);
  RecommendationsRequest req;
  req.seed_tracks = {"Calm 0"};
  req.seed_artists = {"Loud Artist 2"};
  req.seed_genres = {"house"};
  req.filters["tempo"].max = 100.0;
  auto r = rec->Recommend(req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->seeds.size(), 3u);
  const auto all = static_cast<std::int64_t>(2 * kClusterSize);

  const RecommendationSeed& track = r->seeds[0];
  EXPECT_EQ(track.type, "TRACK");
  EXPECT_EQ(track.id, ByRow(*rec, kCalmRow).record.id);
  EXPECT_EQ(track.initial_pool_size, all - 1);  // every other track; the seed never counts
  EXPECT_EQ(track.after_filtering_size, kClusterSize - 1);  // the other calm tracks
  EXPECT_EQ(track.after_relinking_size, track.after_filtering_size);

  const RecommendationSeed& artist = r->seeds[1];
  EXPECT_EQ(artist.type, "ARTIST");
  EXPECT_EQ(artist.id, TrackIdForPath("artist:loud artist 2"));
  EXPECT_EQ(artist.initial_pool_size, all - 1);
  EXPECT_EQ(artist.after_filtering_size, kClusterSize - 1);

  const RecommendationSeed& genre = r->seeds[2];
  EXPECT_EQ(genre.type, "GENRE");
  EXPECT_EQ(genre.id, "house");
  EXPECT_EQ(genre.initial_pool_size, all - 1);
  EXPECT_EQ(genre.after_filtering_size, kClusterSize - 1);
  for (const RecTrack* t : r->tracks) EXPECT_LE(t->features.tempo, 100.0);
}

TEST(RecommenderRecommendTest, ArtistAndGenreSeedsRecommendFromTheirSound) {
  auto rec = BuildOrDie(Clusters());
  ASSERT_TRUE(rec);
  RecommendationsRequest by_artist;
  by_artist.seed_artists = {"loud artist 4"};
  by_artist.limit = 5;
  auto a = rec->Recommend(by_artist);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_EQ(a->tracks.size(), 5u);
  for (const RecTrack* t : a->tracks) EXPECT_FALSE(IsCalm(*t)) << t->record.tags.title;

  // By the artist id the server shows, too.
  by_artist.seed_artists = {"sonance:artist:" + TrackIdForPath("artist:loud artist 4")};
  auto by_id = rec->Recommend(by_artist);
  ASSERT_TRUE(by_id.ok()) << by_id.status().ToString();
  EXPECT_EQ(Rows(by_id->tracks), Rows(a->tracks));

  RecommendationsRequest by_genre;
  by_genre.seed_genres = {"FOLK"};
  by_genre.limit = 5;
  auto g = rec->Recommend(by_genre);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  ASSERT_EQ(g->tracks.size(), 5u);
  for (const RecTrack* t : g->tracks) EXPECT_TRUE(IsCalm(*t)) << t->record.tags.title;

  by_genre.seed_genres = {"polka"};
  auto unknown = rec->Recommend(by_genre);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
  EXPECT_NE(unknown.status().message().find("polka"), std::string::npos);
}

TEST(RecommenderRecommendTest, SeedsShareTheLimitInTurnWithoutRepeats) {
  auto rec = BuildOrDie(Clusters());
  ASSERT_TRUE(rec);
  RecommendationsRequest req;
  req.seed_tracks = {"Calm 0", "Loud 0"};
  req.limit = 6;
  auto r = rec->Recommend(req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->tracks.size(), 6u);
  for (std::size_t i = 0; i < r->tracks.size(); ++i) {
    EXPECT_EQ(IsCalm(*r->tracks[i]), i % 2 == 0) << i;
  }
  const auto rows = Rows(r->tracks);
  EXPECT_EQ(std::set<std::int64_t>(rows.begin(), rows.end()).size(), rows.size());
  EXPECT_FALSE(Contains(rows, kCalmRow));
  EXPECT_FALSE(Contains(rows, kLoudRow));
}

// ---- Path ---------------------------------------------------------------------------------

// Eleven tracks on one line: only the energy changes, by equal steps, so the vectors are
// one-dimensional and the path's order is known exactly.
std::vector<RecTrack> Line() {
  std::vector<RecTrack> out;
  for (int i = 0; i <= 10; ++i) {
    AudioFeatures f = Calm(0);
    f.energy = 0.05 + 0.09 * i;
    out.push_back(Track(i, "Step " + std::to_string(i), "Line Artist " + std::to_string(i), f));
  }
  return out;
}

TEST(RecommenderPathTest, VisitsTheLineInOrderBetweenTheEnds) {
  auto rec = BuildOrDie(Line());
  ASSERT_TRUE(rec);
  const auto path_rows = [&](const std::string& from, const std::string& to, int steps) {
    auto p = rec->Path(from, to, steps);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    return p.ok() ? Rows(*p) : std::vector<std::int64_t>{};
  };
  EXPECT_EQ(path_rows("Step 0", "Step 10", 4), (std::vector<std::int64_t>{0, 3, 7, 10}));
  EXPECT_EQ(path_rows("Step 10", "Step 0", 4), (std::vector<std::int64_t>{10, 7, 3, 0}));
  EXPECT_EQ(path_rows("Step 0", "Step 10", 6), (std::vector<std::int64_t>{0, 2, 4, 6, 8, 10}));
  EXPECT_EQ(path_rows("Step 0", "Step 10", 11),
            (std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
  // Tracks beyond the ends (0, 1, 9, 10) are never chosen.
  EXPECT_EQ(path_rows("Step 2", "Step 8", 4), (std::vector<std::int64_t>{2, 4, 6, 8}));
  EXPECT_EQ(path_rows("Step 2", "Step 8", 2), (std::vector<std::int64_t>{2, 8}));
}

TEST(RecommenderPathTest, NoRepeatsAndTheDistanceToTheEndFalls) {
  auto rec = BuildOrDie(Clusters());
  ASSERT_TRUE(rec);
  auto p = rec->Path("Calm 0", "Loud 5", 8);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  ASSERT_EQ(p->size(), 8u);
  EXPECT_EQ(p->front()->record.rowid, kCalmRow);
  EXPECT_EQ(p->back()->record.rowid, kLoudRow + 5);
  const auto rows = Rows(*p);
  EXPECT_EQ(std::set<std::int64_t>(rows.begin(), rows.end()).size(), rows.size());
  const RecTrack& to = *p->back();
  auto first = rec->Distance(*p->front(), to);
  auto middle = rec->Distance(*(*p)[4], to);
  ASSERT_TRUE(first.ok() && middle.ok());
  EXPECT_LT(*middle, *first);
}

TEST(RecommenderPathTest, InvalidStepsSameEndsAndUnknownSeedsAreRefused) {
  auto rec = BuildOrDie(Line());
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->Path("Step 0", "Step 10", 1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(rec->Path("Step 0", "Step 10", 101).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(rec->Path("Step 0", "Step 10", 12).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(rec->Path("Step 3", "Step 3", 3).status().code(), StatusCode::kInvalidArgument);
  auto unknown = rec->Path("Step 0", "Step 99", 3);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
  EXPECT_NE(unknown.status().message().find("Step 99"), std::string::npos);
}

}  // namespace
}  // namespace sonance
