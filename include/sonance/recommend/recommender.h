// Recommender: playlists from seed tracks, Spotify-style recommendations and song paths over
// the tracks of a catalog.
//
// Build() groups the tracks by features version (values of different versions are never
// compared), and for each group fits a FeaturePipeline, transforms every track and builds a
// VectorIndex (exact L1 "Flat" by default). Seeds are named by track id, "sonance:track:<id>"
// / "spotify:track:<id>" URI, or "Artist - Title" / a title (forgiving NormalizeName match;
// the best match wins: analysed before imported, then popularity). Neighbours are searched in
// the seed's own group only.
//
// Playlist(): for each seed, its `per_seed` nearest tracks, seeds excluded, duplicates
// removed (same artist+title keys, same file content hash, same Chromaprint fingerprint at
// kSameRecordingSimilarity), optional caps per artist and album, filters applied; entries
// are ordered seed by seed (the seeds' order), nearest first, ties by track id, then cut to
// `size`; so the same request on the same catalog always gives the same playlist. Each entry
// says which seed brought it, the distance, and the input features closest between the two.
// Details: a seed takes its `per_seed` nearest tracks that pass every rule (the search widens
// until it has them or the group is exhausted), so `size` only ever cuts; a track once taken
// (or a copy of a seed) is not taken again for a later seed; artist+title duplicates need a
// title and an artist; an album for the cap is its name with the album artist (else the
// first artist), so two artists' "Greatest Hits" are two albums; playlists apply min_/max_
// and ignore target_; closest_features are the 3 continuous audio features
// (danceability, energy, loudness, speechiness, acousticness, instrumentalness, liveness,
// valence, tempo, duration_ms; both tracks having the value) with the smallest standardised
// difference, ties in column order. With `partial`, a request none of whose seeds is found is
// NotFound.
//
// Recommend(): Spotify's GET /v1/recommendations: up to 5 seeds of tracks, artists (the
// centroid of the artist's tracks) and genres (the centroid of the genre's tracks); for each
// seed a pool of nearest tracks, min_/max_ filters, target_ values add a penalty
// (|value - target| / range of that attribute, summed) to the rank; seeds share the
// `limit` in turn. The seeds list reports, as Spotify did, initialPoolSize,
// afterFilteringSize and afterRelinkingSize (= afterFilteringSize, there is no relinking).
// Details: a pool is the 500 nearest tracks (fewer in a smaller group), seed tracks left out;
// the rank a target penalty is added to is the candidate's place in its filtered pool by
// distance as a share of the pool (0 nearest .. <1 farthest), and a track without a targeted
// value pays 1; duplicates are removed as in playlists. An artist seed is a name, the
// server's artist id or "sonance:artist:<id>"; an artist's or genre's tracks that span
// versions are centred in the group holding most of them. Seed ids: the track id, the artist
// id, the genre as given.
//
// Path(): `steps` tracks between `from` and `to` (both included at the ends), each the
// nearest unused track to the point at that share of the straight line between the two
// vectors, so the sound moves evenly from one to the other without repeats (nor a copy of a
// song already on the path, while other tracks remain). InvalidArgument when the two ends
// are one track, of different versions, or their group has fewer than `steps` tracks.
//
// Persistence: with options.state_dir, each group's pipeline, index and indexed vectors are
// stored in a folder of their own (features version, factory and metric in its name). The
// next Build() loads them; when the stored pipeline has the same options and
// FeaturePipeline::NeedsRefit(added, removed) says no (by default: less than a fifth of the
// tracks added, removed or changed), it keeps the pipeline, removes the gone and changed
// tracks from the index and adds the new ones (an index that cannot remove, HNSW, is rebuilt
// from the vectors with the kept pipeline); otherwise it refits. Unreadable stored state is
// ignored and replaced. A track "changed" when its vector under the stored pipeline differs.
//
// Distances are those of the index's metric (L1 by default, squared L2 with kL2), in double
// precision over the stored vectors, so Neighbours, Playlist and Distance agree.
//
// Errors: NotFound naming an unknown seed (with suggestions in the message) unless
// `partial` (then it is reported in skipped_seeds); InvalidArgument for more than 5
// recommendation seeds, min above max, a value out of range, per_seed/size/limit out of
// range; FailedPrecondition for a catalog without tracks with features ("run sonance analyze
// or sonance import tracks first").
//
// Thread-safety: a built Recommender is immutable; every const method is thread-safe.
// Ownership: results point into the Recommender's tracks and live as long as it does.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sonance/common/status.h"
#include "sonance/recommend/rec_track.h"
#include "sonance/search/feature_pipeline.h"
#include "sonance/search/vector_index.h"

namespace sonance {

struct RecommenderOptions {
  FeaturePipelineOptions pipeline;
  VectorIndexOptions index;
  // Where fitted pipelines and indexes are kept between builds (see Persistence above);
  // empty keeps nothing. Needs tracks with distinct rowids (a catalog's).
  std::filesystem::path state_dir;
};

// What Build() did for one features-version group.
struct GroupBuild {
  int features_version = 0;
  std::int64_t tracks = 0;
  int dims = 0;
  // "fitted" (no usable stored state, or the refit rule said so), "loaded" (stored state
  // used as it was), "updated" (stored pipeline and index, changed tracks removed and added)
  std::string how;
  std::int64_t added = 0;    // with "updated": tracks new or changed since the stored state
  std::int64_t removed = 0;  // with "updated": tracks gone or changed
  std::string save_error;    // why the state could not be stored (the build still succeeded)
};

// The state folder that goes with a catalog file: "music.db" -> "music.index".
std::filesystem::path RecommenderStateDir(const std::filesystem::path& catalog_path);

// min_/max_/target_ of one tunable attribute (Spotify's names: acousticness, danceability,
// duration_ms, energy, instrumentalness, key, liveness, loudness, mode, popularity,
// speechiness, tempo, time_signature, valence).
struct AttributeBounds {
  std::optional<double> min;
  std::optional<double> max;
  std::optional<double> target;
};
using AttributeFilters = std::map<std::string, AttributeBounds>;

// The attribute names above, in that order, and their valid range.
const std::vector<std::string>& TunableAttributes();

// What a tunable attribute accepts, and the span its target_ penalty is divided by. The
// accepted ranges follow Spotify's documentation, widened where real files go further:
//   acousticness, danceability, energy, instrumentalness, liveness, speechiness, valence
//                  0..1            (span 1)
//   key            -1..11          (span 12; -1 = no key detected)
//   mode           0..1            (span 1)
//   loudness       -100..0 dB      (span 60: Spotify's documented -60..0; quieter files exist)
//   tempo          0..400 BPM      (span 300: Spotify's documented 0..300; drum and bass
//                                   and speedcore analyse faster)
//   time_signature 0..11           (span 4: real music is 3..7, Spotify accepted up to 11)
//   popularity     0..100          (span 100)
//   duration_ms    0..86,400,000   (span 600,000: one day is accepted, but a target in
//                                   milliseconds only matters against song lengths)
struct AttributeRange {
  double min = 0.0;
  double max = 0.0;
  double span = 1.0;
};
// nullopt for a name that is not tunable.
std::optional<AttributeRange> TunableAttributeRange(const std::string& name);
// InvalidArgument for an unknown name, a bound outside the attribute's range, min > max.
Status ValidateFilters(const AttributeFilters& filters);
// The attribute's value for a track; nullopt when the track does not have it (a feature
// listed in record.missing_features, popularity of an analysed track, an unknown name). A
// min_/max_ filter drops tracks without the value: an unknown value cannot be shown to hold.
std::optional<double> AttributeValue(const RecTrack& track, const std::string& name);

struct PlaylistRequest {
  std::vector<std::string> seeds;  // at least one
  int per_seed = 3;                // 1..100
  int size = 0;                    // 0 = seeds x per_seed; else 1..1000
  bool partial = false;            // skip unknown seeds instead of failing
  int max_per_artist = 0;          // 0 = no cap
  int max_per_album = 0;
  AttributeFilters filters;
};

struct PlaylistEntry {
  const RecTrack* track = nullptr;
  const RecTrack* seed = nullptr;
  double distance = 0.0;
  std::vector<std::string> closest_features;  // the 3 input columns most alike
};

struct Playlist {
  std::vector<const RecTrack*> seeds;      // resolved, in request order
  std::vector<std::string> skipped_seeds;  // with partial: the seeds not found
  std::vector<PlaylistEntry> entries;
};

struct RecommendationsRequest {
  std::vector<std::string> seed_tracks;
  std::vector<std::string> seed_artists;  // artist ids or names
  std::vector<std::string> seed_genres;
  int limit = 20;  // 1..100
  AttributeFilters filters;
};

struct RecommendationSeed {
  std::string id;
  std::string type;  // "TRACK", "ARTIST", "GENRE" (Spotify's upper case)
  std::string href;  // filled by the server
  std::int64_t initial_pool_size = 0;
  std::int64_t after_filtering_size = 0;
  std::int64_t after_relinking_size = 0;
};

struct Recommendations {
  std::vector<const RecTrack*> tracks;
  std::vector<RecommendationSeed> seeds;
};

class Recommender {
 public:
  static Result<std::unique_ptr<Recommender>> Build(std::vector<RecTrack> tracks,
                                                    const RecommenderOptions& options = {});
  ~Recommender();

  const std::vector<RecTrack>& tracks() const;
  // One entry per features-version group, ascending by version.
  const std::vector<GroupBuild>& builds() const;
  // The track a seed names. NotFound (with the closest names) when none.
  Result<const RecTrack*> Resolve(const std::string& seed) const;

  // The k nearest tracks to `track` in its features-version group, itself excluded,
  // nearest first, with their distances.
  Result<std::vector<std::pair<const RecTrack*, double>>> Neighbours(const RecTrack& track,
                                                                     int k) const;
  // Distance between two tracks of one group (InvalidArgument across groups).
  Result<double> Distance(const RecTrack& a, const RecTrack& b) const;

  Result<Playlist> BuildPlaylist(const PlaylistRequest& request) const;
  Result<Recommendations> Recommend(const RecommendationsRequest& request) const;
  // steps: 2..100 tracks in all.
  Result<std::vector<const RecTrack*>> Path(const std::string& from, const std::string& to,
                                            int steps) const;

 private:
  struct State;
  explicit Recommender(std::unique_ptr<State> s);
  std::unique_ptr<State> s_;
};

}  // namespace sonance
