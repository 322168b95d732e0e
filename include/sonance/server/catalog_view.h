// CatalogView: what the server reads, an immutable in-memory snapshot of the catalog that is
// swapped for a fresh one when the catalog changes.
//
// A CatalogSnapshot holds every track with its features and the lookup structures the API
// needs: id -> track, forgiving name keys (NormalizeName of titles and artists) -> tracks,
// an inverted word index for search, and character-trigram indexes of title and artist keys
// for suggestions after a miss. Queries never touch SQLite, so a request costs
// microseconds (a name miss with suggestions, under a millisecond at 100,000 tracks) and
// never waits for a writer. CatalogView owns the catalog connection, polls
// its data version every `refresh` interval on a background thread and rebuilds the snapshot
// when another process (sonance analyze, sonance import) has committed. While the catalog
// cannot be opened or read, Snapshot() keeps the last good snapshot (nullptr if there never
// was one) and Availability() says why.
//
// Thread-safety: CatalogSnapshot is immutable and shared by readers through shared_ptr (Suggest
// counts in per-thread scratch memory, 2 bytes per track); every CatalogView method is
// thread-safe. Ownership: snapshots live as long as a reader holds
// them.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sonance/catalog/catalog.h"
#include "sonance/common/status.h"

namespace sonance {

struct TrackEntry {
  TrackRecord record;
  std::optional<AudioFeatures> features;
  std::optional<AnalysisSummary> analysis;  // beats/bars/sections/segments, when analysed
  std::string title_key;                    // NormalizeName(title)
  std::vector<std::string> artist_keys;     // NormalizeName of each artist
  std::string album_key;
  std::string genre_key;
  int release_year = 0;  // 0 when unknown
  // Spotify-style ids of the track's artists and album, precomputed for the JSON writers.
  std::vector<std::string> artist_ids;  // EntityId("artist", artist_keys[i])
  std::string album_artist_id;          // of AlbumArtistOf(record); empty when none
  std::string album_id;
};

// The first artist, else the album artist.
std::string PrimaryArtist(const TrackRecord& r);
// The album artist, else the first artist.
const std::string& AlbumArtistOf(const TrackRecord& r);
// The 22-character id of a named entity: kind "artist" with the NormalizeName key, or kind
// "album" with "<album artist key>\n<album key>".
std::string EntityId(const std::string& kind, const std::string& key);

// A Spotify-style search query: free words plus field filters, e.g.
//   bohemian artist:queen year:1970-1979
struct SearchQuery {
  std::vector<std::string> words;  // normalised; each must occur in title, artist or album
  std::vector<std::string> track_words;
  std::vector<std::string> artist_words;
  std::vector<std::string> album_words;
  std::vector<std::string> genre_words;
  int year_from = 0;  // inclusive; 0 = open
  int year_to = 0;
};

// InvalidArgument for an empty query or a malformed year filter.
Result<SearchQuery> ParseSearchQuery(std::string_view q);

struct SearchPage {
  std::vector<const TrackEntry*> items;
  std::size_t total = 0;
};

struct NameSuggestion {
  const TrackEntry* track = nullptr;
  double score = 0.0;
};

class CatalogSnapshot {
 public:
  CatalogSnapshot(std::vector<TrackRecord> tracks,
                  std::vector<std::pair<std::int64_t, AudioFeatures>> features,
                  CatalogCounts counts, std::vector<AnalysisSummary> analyses = {});

  const std::vector<TrackEntry>& tracks() const { return tracks_; }
  const CatalogCounts& counts() const { return counts_; }

  const TrackEntry* ById(std::string_view id) const;

  // Tracks whose normalised title equals that of `title` and, when `artist` is not empty,
  // one of whose artists matches it; best first (analysed before imported, then popularity,
  // then id). When nothing matches and `title` reads "Artist - Title", that split is tried.
  std::vector<const TrackEntry*> FindByName(std::string_view title, std::string_view artist) const;

  // The `limit` tracks whose "title" (and artist, when given) are most similar, best first:
  // score NameSimilarity(title) (blended 0.7/0.3 with the best NameSimilarity(artist) when
  // `artist` is not empty), then id. Bounded cost: a character-trigram index picks a few
  // hundred candidates (by shared trigrams, plus the tracks of the closest artists; by shared
  // letter pairs too when nothing scores above 2/3, as a title sharing no trigram may still
  // score up to that) and only those are scored. So the first suggestion is SuggestByScan's
  // for nearly every typo; a miss is a weak match, or a near-tie where the mistyped word shares
  // no trigram and the rest is common to thousands of titles ("Love glais" 0.8 against "Love
  // lavy" 0.78 for "Love laas"). Weaker suggestions further down may differ more. Only tracks found
  // so are suggested: the list may be shorter than `limit`, and for noise sharing no trigram or
  // pair with any title, and no artist, it is empty (the scan's best would be a coincidence of
  // length). Catalogs of up to a few hundred tracks are scanned.
  std::vector<NameSuggestion> Suggest(std::string_view title, std::string_view artist,
                                      std::size_t limit) const;
  // Suggest's reference: scores every track, O(tracks) (about 100 ms at 100,000 tracks). For
  // tests and benchmarks; Suggest uses it itself for catalogs no larger than its candidates.
  std::vector<NameSuggestion> SuggestByScan(std::string_view title, std::string_view artist,
                                            std::size_t limit) const;

  // Matches ordered by relevance (exact title, then title words, then popularity, then id).
  // Costs the intersection of the query's word lists plus about `offset + limit` steps,
  // however many tracks match: the lists are kept in rank order, so no match is scored or
  // sorted beyond the page.
  SearchPage Search(const SearchQuery& query, std::size_t offset, std::size_t limit) const;
  // Search's reference: scores and sorts every match. For tests and benchmarks.
  SearchPage SearchByScan(const SearchQuery& query, std::size_t offset, std::size_t limit) const;

 private:
  // A query's matches as rank positions, each list ascending (best first).
  struct Ranking {
    std::span<const std::uint32_t> candidates;  // every match
    std::span<const std::uint32_t> title_all;   // tracks whose title holds every free word
    std::span<const std::uint32_t> exact;       // tracks whose whole title is the free text
    std::vector<std::uint32_t> candidate_storage;
    std::vector<std::uint32_t> title_storage;
  };
  Ranking Rank(const SearchQuery& query) const;
  static bool PassesFilters(const SearchQuery& query, const TrackEntry& e);

  std::vector<TrackEntry> tracks_;
  CatalogCounts counts_;
  std::unordered_map<std::string, std::uint32_t> by_id_;
  std::unordered_map<std::string, std::vector<std::uint32_t>> by_title_;  // -> rank positions
  // Rank positions: 0 is the most popular track (ties: the smaller id).
  std::vector<std::uint32_t> order_;     // position -> track index
  std::vector<std::uint32_t> everyone_;  // 0 .. tracks - 1
  // word -> ascending rank positions, over title, artists and album
  std::unordered_map<std::string, std::vector<std::uint32_t>> words_;
  // word -> ascending rank positions, over titles only (for ranking title matches first)
  std::unordered_map<std::string, std::vector<std::uint32_t>> title_words_;
  // Trigram indexes over title and artist keys, for Suggest (defined in catalog_view.cpp).
  struct SuggestIndex;
  std::shared_ptr<const SuggestIndex> suggest_;
};

struct CatalogViewOptions {
  std::chrono::milliseconds refresh{1000};
};

class CatalogView {
 public:
  // Never fails: an unavailable catalog is reported by Availability() and retried.
  static std::unique_ptr<CatalogView> Open(const std::filesystem::path& path,
                                           CatalogViewOptions options = {});
  ~CatalogView();
  CatalogView(const CatalogView&) = delete;
  CatalogView& operator=(const CatalogView&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // The current snapshot, or nullptr before the catalog was ever read.
  std::shared_ptr<const CatalogSnapshot> Snapshot() const;
  // OK, or why the catalog cannot be read right now.
  Status Availability() const;

  // Reloads now if the catalog changed (or was never read). Returns whether it reloaded.
  Result<bool> Refresh();

  // The stored audio-analysis JSON of a track, read from the catalog on demand.
  Result<std::optional<AudioAnalysis>> LoadAnalysis(std::int64_t rowid);

  std::int64_t reloads() const;
  double last_reload_seconds() const;

 private:
  CatalogView(std::filesystem::path path, CatalogViewOptions options);
  void Poll();

  struct State;
  std::filesystem::path path_;
  CatalogViewOptions options_;
  std::unique_ptr<State> state_;
};

}  // namespace sonance
