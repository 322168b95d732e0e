#include "sonance/server/catalog_view.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <span>
#include <thread>
#include <unordered_set>

#include "sonance/common/name_match.h"

namespace sonance {

std::string PrimaryArtist(const TrackRecord& r) {
  if (!r.tags.artists.empty()) return r.tags.artists.front();
  return r.tags.album_artist;
}

const std::string& AlbumArtistOf(const TrackRecord& r) {
  if (!r.tags.album_artist.empty() || r.tags.artists.empty()) return r.tags.album_artist;
  return r.tags.artists.front();
}

std::string EntityId(const std::string& kind, const std::string& key) {
  return TrackIdForPath(kind + ":" + key);
}

namespace {

std::vector<std::string> SplitWords(const std::string& key) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < key.size()) {
    const std::size_t end = key.find(' ', i);
    const std::size_t stop = end == std::string::npos ? key.size() : end;
    if (stop > i) words.push_back(key.substr(i, stop - i));
    i = stop + 1;
  }
  return words;
}

// Words of a name for the search index: NormalizeName drops a leading "the" and feat.
// credits, which search should still find, so index the plain folded words too.
std::vector<std::string> IndexWords(const std::string& text) {
  std::vector<std::string> words = SplitWords(NormalizeName(text));
  // NormalizeName of each single token keeps "the" and "feat" as words of their own.
  std::string token;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == ' ') {
      if (!token.empty()) {
        for (auto& w : SplitWords(NormalizeName(token))) words.push_back(std::move(w));
      }
      token.clear();
    } else {
      token.push_back(text[i]);
    }
  }
  std::sort(words.begin(), words.end());
  words.erase(std::unique(words.begin(), words.end()), words.end());
  return words;
}

int YearOf(const std::string& date) {
  if (date.size() < 4) return 0;
  int y = 0;
  auto [p, ec] = std::from_chars(date.data(), date.data() + 4, y);
  return ec == std::errc() && p == date.data() + 4 ? y : 0;
}

bool ContainsAllWords(const std::vector<std::string>& haystack_words,
                      const std::vector<std::string>& needles) {
  for (const auto& n : needles) {
    if (std::find(haystack_words.begin(), haystack_words.end(), n) == haystack_words.end()) {
      return false;
    }
  }
  return true;
}

// Analysed before imported, then more popular, then by id: a stable "best" order.
bool BetterTrack(const TrackEntry* a, const TrackEntry* b) {
  const bool aa = a->record.source == "analyzed";
  const bool ba = b->record.source == "analyzed";
  if (aa != ba) return aa;
  const bool af = a->features.has_value();
  const bool bf = b->features.has_value();
  if (af != bf) return af;
  const int pa = a->record.popularity.value_or(-1);
  const int pb = b->record.popularity.value_or(-1);
  if (pa != pb) return pa > pb;
  return a->record.id < b->record.id;
}

// ---- suggestions ---------------------------------------------------------------------------

// Suggest scores exactly only this many candidates (more when asked for more): enough that the
// best by NameSimilarity is nearly always among them (catalog_view_test checks it on typos),
// few enough to run on the event loop.
constexpr std::size_t kSuggestCandidates = 256;
// With an artist, the tracks of the closest few artists join the candidates (up to a bound), so
// a track whose title shares no trigram with the query still ranks by its artist.
constexpr std::size_t kSuggestArtists = 8;
constexpr std::size_t kSuggestArtistTracks = 1024;
// Trigram posting lists are counted rarest first while the postings counted stay within this
// many per key of the index: a trigram common enough to break the budget says little, so it is
// skipped when the query has rarer ones, and counting costs at most about twice the catalog.
constexpr double kPostingBudgetPerKey = 1.0;
// A title sharing no trigram with the query is at most this similar to it: each edit breaks at
// most three of the padded trigrams, so no shared trigram means a Levenshtein ratio of at most
// 2/3 (and a trigram Dice of 0). When the best candidate scores below it (short queries, several
// typos), Suggest also counts shared character pairs, to find such titles.
constexpr double kNoSharedTrigramBound = 2.0 / 3.0;

double SuggestScore(const std::string& title_key, const std::string& artist_key,
                    const TrackEntry& e) {
  double s = NameSimilarity(title_key, e.title_key);
  if (!artist_key.empty()) {
    double best_artist = 0.0;
    for (const auto& a : e.artist_keys) {
      best_artist = std::max(best_artist, NameSimilarity(artist_key, a));
    }
    s = 0.7 * s + 0.3 * best_artist;
  }
  return s;
}

// Higher score first, then the smaller id.
bool BetterSuggestion(const NameSuggestion& a, const NameSuggestion& b) {
  if (a.score != b.score) return a.score > b.score;
  return a.track->record.id < b.track->record.id;
}

// Byte trigrams of " key " (padded with a space at both ends, as NameSimilarity pads, so that a
// one-letter key has one and word starts and ends count), packed into 24 bits; sorted, distinct.
std::vector<std::uint32_t> KeyTrigrams(std::string_view key) {
  std::vector<std::uint32_t> grams;
  grams.reserve(key.size());
  auto byte = [key](std::size_t i) -> std::uint32_t {  // i indexes " key "
    return i == 0 || i == key.size() + 1 ? ' ' : static_cast<unsigned char>(key[i - 1]);
  };
  for (std::size_t i = 0; i < key.size(); ++i) {
    grams.push_back(byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2));
  }
  std::sort(grams.begin(), grams.end());
  grams.erase(std::unique(grams.begin(), grams.end()), grams.end());
  return grams;
}

// Trigram -> ascending ids of the keys holding it, in CSR form: the distinct trigrams sorted in
// one array, their posting lists back to back in another (4 bytes per key and trigram).
class TrigramIndex {
 public:
  TrigramIndex() = default;
  explicit TrigramIndex(const std::vector<std::string_view>& keys) {
    sizes_.resize(keys.size());
    std::vector<std::uint64_t> pairs;  // trigram << 32 | id: sorted, they are the CSR
    for (std::uint32_t id = 0; id < keys.size(); ++id) {
      const std::vector<std::uint32_t> grams = KeyTrigrams(keys[id]);
      sizes_[id] = static_cast<std::uint32_t>(grams.size());
      for (std::uint32_t g : grams) pairs.push_back(static_cast<std::uint64_t>(g) << 32 | id);
    }
    std::sort(pairs.begin(), pairs.end());
    postings_.reserve(pairs.size());
    for (std::uint64_t p : pairs) {
      const auto gram = static_cast<std::uint32_t>(p >> 32);
      if (grams_.empty() || grams_.back() != gram) {
        grams_.push_back(gram);
        offsets_.push_back(static_cast<std::uint32_t>(postings_.size()));
      }
      postings_.push_back(static_cast<std::uint32_t>(p));
    }
    offsets_.push_back(static_cast<std::uint32_t>(postings_.size()));
  }

  std::size_t keys() const { return sizes_.size(); }
  // The number of distinct trigrams of key `id`.
  std::uint32_t TrigramsOf(std::uint32_t id) const { return sizes_[id]; }
  std::span<const std::uint32_t> Postings(std::uint32_t gram) const {
    auto it = std::lower_bound(grams_.begin(), grams_.end(), gram);
    if (it == grams_.end() || *it != gram) return {};
    const auto k = static_cast<std::size_t>(it - grams_.begin());
    return {postings_.data() + offsets_[k], offsets_[k + 1] - offsets_[k]};
  }
  // The posting lists of every trigram starting with the two bytes `pair` (packed like a
  // trigram's first two), back to back: the keys holding that pair, not at their very end, once
  // per such trigram. One span, as those trigrams are adjacent in the sorted order.
  std::span<const std::uint32_t> PostingsOfPair(std::uint32_t pair) const {
    const std::uint32_t lo = pair << 8;
    auto first = std::lower_bound(grams_.begin(), grams_.end(), lo);
    auto last = std::lower_bound(first, grams_.end(), lo + 0x100);
    const auto a = offsets_[static_cast<std::size_t>(first - grams_.begin())];
    const auto b = offsets_[static_cast<std::size_t>(last - grams_.begin())];
    return {postings_.data() + a, b - a};
  }

 private:
  std::vector<std::uint32_t> grams_;
  std::vector<std::uint32_t> offsets_;  // grams_.size() + 1
  std::vector<std::uint32_t> postings_;
  std::vector<std::uint32_t> sizes_;  // per key
};

// Per-thread counters for Suggest: many threads query one const snapshot at once, so they
// cannot live in the snapshot. Between calls every mark is zero: a Lease clears what its call
// touched, also when the call throws. Sized to the largest catalog the thread has queried
// (2 bytes per track).
struct SuggestScratch {
  static constexpr std::uint16_t kListed = 0x8000;     // the track is in `tracks`
  static constexpr std::uint16_t kMaxShared = 0x7fff;  // so counts never reach kListed
  std::vector<std::uint16_t> track_marks;              // per track: kListed | shared title trigrams
  std::vector<std::uint32_t> tracks;                   // the marked tracks
  std::vector<std::uint16_t> artist_shared;            // per artist: shared artist trigrams
  std::vector<std::uint32_t> artists;                  // the artists with a count

  class Lease {
   public:
    Lease(SuggestScratch* s, std::size_t tracks, std::size_t artists) : s_(s) {
      if (s_->track_marks.size() < tracks) s_->track_marks.resize(tracks, 0);
      if (s_->artist_shared.size() < artists) s_->artist_shared.resize(artists, 0);
    }
    ~Lease() {
      for (std::uint32_t t : s_->tracks) s_->track_marks[t] = 0;
      for (std::uint32_t a : s_->artists) s_->artist_shared[a] = 0;
      s_->tracks.clear();
      s_->artists.clear();
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

   private:
    SuggestScratch* s_;
  };
};

// Byte pairs of " key ", packed like KeyTrigrams' first two bytes; sorted, distinct.
std::vector<std::uint32_t> KeyPairs(std::string_view key) {
  std::vector<std::uint32_t> pairs;
  for (std::uint32_t g : KeyTrigrams(key)) pairs.push_back(g >> 8);  // still sorted
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
  return pairs;
}

// Adds one to (*marks)[id] (the low 15 bits, saturating) per occurrence of id in `lists`; an id
// counted first gets `listed` or'ed in and is appended to `seen`. Lists are counted rarest first
// while the total stays within kPostingBudgetPerKey * `keys` (the rarest always), which bounds
// the cost whatever the query.
void CountPostings(std::vector<std::span<const std::uint32_t>> lists, std::size_t keys,
                   std::uint16_t listed, std::vector<std::uint16_t>* marks,
                   std::vector<std::uint32_t>* seen) {
  std::sort(lists.begin(), lists.end(), [](auto a, auto b) { return a.size() < b.size(); });
  const auto budget = static_cast<std::size_t>(kPostingBudgetPerKey * static_cast<double>(keys));
  std::size_t counted = 0;
  for (auto p : lists) {
    if (p.empty()) continue;
    if (counted > 0 && counted + p.size() > budget) break;
    counted += p.size();
    for (std::uint32_t id : p) {
      std::uint16_t& m = (*marks)[id];
      if (m == 0) {
        seen->push_back(id);
        m = listed;
      }
      if ((m & SuggestScratch::kMaxShared) != SuggestScratch::kMaxShared) ++m;
    }
  }
}

std::vector<std::span<const std::uint32_t>> TrigramLists(const TrigramIndex& index,
                                                         const std::vector<std::uint32_t>& grams) {
  std::vector<std::span<const std::uint32_t>> lists;
  lists.reserve(grams.size());
  for (std::uint32_t g : grams) lists.push_back(index.Postings(g));
  return lists;
}

}  // namespace

// Suggest's candidate search: trigram indexes over title keys (id = track index) and over the
// distinct artist keys, with the tracks of each artist and the artists of each track.
struct CatalogSnapshot::SuggestIndex {
  TrigramIndex titles;
  TrigramIndex artists;
  std::vector<std::uint32_t> artist_track_offsets;  // artist -> ascending tracks (CSR)
  std::vector<std::uint32_t> artist_tracks;
  std::vector<std::uint32_t> track_artist_offsets;  // track -> its artists (CSR)
  std::vector<std::uint32_t> track_artists;
  std::vector<std::uint32_t> id_order;  // per track: its position in id order

  explicit SuggestIndex(const std::vector<TrackEntry>& tracks) {
    std::vector<std::string_view> keys;
    keys.reserve(tracks.size());
    for (const TrackEntry& e : tracks) keys.push_back(e.title_key);
    titles = TrigramIndex(keys);

    std::unordered_map<std::string_view, std::uint32_t> artist_ids;
    std::vector<std::string_view> artist_keys;
    track_artist_offsets.reserve(tracks.size() + 1);
    for (const TrackEntry& e : tracks) {
      track_artist_offsets.push_back(static_cast<std::uint32_t>(track_artists.size()));
      const std::size_t first = track_artists.size();
      for (const std::string& key : e.artist_keys) {
        if (key.empty()) continue;  // no trigrams, and NameSimilarity 0 to any artist
        auto [it, added] = artist_ids.emplace(key, static_cast<std::uint32_t>(artist_keys.size()));
        if (added) artist_keys.push_back(key);
        if (std::find(track_artists.begin() + static_cast<std::ptrdiff_t>(first),
                      track_artists.end(), it->second) == track_artists.end()) {
          track_artists.push_back(it->second);
        }
      }
    }
    track_artist_offsets.push_back(static_cast<std::uint32_t>(track_artists.size()));
    artists = TrigramIndex(artist_keys);

    // artist -> tracks by counting: tracks are visited in ascending order, so lists stay sorted.
    artist_track_offsets.assign(artist_keys.size() + 1, 0);
    for (std::uint32_t a : track_artists) ++artist_track_offsets[a + 1];
    for (std::size_t a = 0; a < artist_keys.size(); ++a) {
      artist_track_offsets[a + 1] += artist_track_offsets[a];
    }
    artist_tracks.resize(track_artists.size());
    std::vector<std::uint32_t> fill(artist_track_offsets.begin(), artist_track_offsets.end() - 1);
    for (std::uint32_t t = 0; t < tracks.size(); ++t) {
      for (std::uint32_t k = track_artist_offsets[t]; k < track_artist_offsets[t + 1]; ++k) {
        artist_tracks[fill[track_artists[k]]++] = t;
      }
    }

    std::vector<std::uint32_t> order(tracks.size());
    for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&tracks](std::uint32_t a, std::uint32_t b) {
      return tracks[a].record.id < tracks[b].record.id;
    });
    id_order.resize(tracks.size());
    for (std::uint32_t r = 0; r < order.size(); ++r) id_order[order[r]] = r;
  }

  std::span<const std::uint32_t> TracksOf(std::uint32_t artist) const {
    return {artist_tracks.data() + artist_track_offsets[artist],
            artist_track_offsets[artist + 1] - artist_track_offsets[artist]};
  }
  std::span<const std::uint32_t> ArtistsOf(std::uint32_t track) const {
    return {track_artists.data() + track_artist_offsets[track],
            track_artist_offsets[track + 1] - track_artist_offsets[track]};
  }
};

Result<SearchQuery> ParseSearchQuery(std::string_view q) {
  SearchQuery query;
  std::size_t i = 0;
  auto next_value = [&](std::string* out) {
    if (i < q.size() && q[i] == '"') {
      const std::size_t close = q.find('"', i + 1);
      const std::size_t stop = close == std::string_view::npos ? q.size() : close;
      *out = std::string(q.substr(i + 1, stop - i - 1));
      i = close == std::string_view::npos ? q.size() : close + 1;
    } else {
      const std::size_t stop = std::min(q.find(' ', i), q.size());
      *out = std::string(q.substr(i, stop - i));
      i = stop;
    }
  };
  while (i < q.size()) {
    if (q[i] == ' ' || q[i] == '\t') {
      ++i;
      continue;
    }
    // field:value, with the fields Spotify's search understood.
    std::string field;
    const std::size_t colon = q.find(':', i);
    const std::size_t space = std::min(q.find(' ', i), q.size());
    if (colon != std::string_view::npos && colon < space) {
      field = std::string(q.substr(i, colon - i));
      std::transform(field.begin(), field.end(), field.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    }
    static const std::unordered_set<std::string> kFields = {"track", "artist", "album", "genre",
                                                            "year"};
    std::string value;
    if (!field.empty() && kFields.count(field) > 0) {
      i = colon + 1;
      next_value(&value);
    } else {
      field.clear();
      next_value(&value);
    }
    if (field == "year") {
      const auto dash = value.find('-');
      const std::string from = value.substr(0, dash);
      const std::string to = dash == std::string::npos ? from : value.substr(dash + 1);
      int a = 0;
      int b = 0;
      auto [pa, ea] = std::from_chars(from.data(), from.data() + from.size(), a);
      auto [pb, eb] = std::from_chars(to.data(), to.data() + to.size(), b);
      if (ea != std::errc() || eb != std::errc() || pa != from.data() + from.size() ||
          pb != to.data() + to.size() || a < 1 || b < a || b > 9999) {
        return Status::InvalidArgument("year filter '" + value +
                                       "' must be a year or a range like 1970-1979");
      }
      query.year_from = a;
      query.year_to = b;
      continue;
    }
    std::vector<std::string> words = SplitWords(NormalizeName(value));
    if (words.empty()) words = SplitWords(NormalizeName("x " + value)), words.erase(words.begin());
    auto& target = field == "track"    ? query.track_words
                   : field == "artist" ? query.artist_words
                   : field == "album"  ? query.album_words
                   : field == "genre"  ? query.genre_words
                                       : query.words;
    target.insert(target.end(), words.begin(), words.end());
  }
  if (query.words.empty() && query.track_words.empty() && query.artist_words.empty() &&
      query.album_words.empty() && query.genre_words.empty() && query.year_from == 0) {
    return Status::InvalidArgument("the search query has no words to look for");
  }
  return query;
}

CatalogSnapshot::CatalogSnapshot(std::vector<TrackRecord> tracks,
                                 std::vector<std::pair<std::int64_t, AudioFeatures>> features,
                                 CatalogCounts counts, std::vector<AnalysisSummary> analyses)
    : counts_(counts) {
  std::unordered_map<std::int64_t, AudioFeatures> by_rowid;
  by_rowid.reserve(features.size());
  for (auto& [rowid, f] : features) by_rowid.emplace(rowid, f);
  std::unordered_map<std::int64_t, AnalysisSummary> analysis_by_rowid;
  analysis_by_rowid.reserve(analyses.size());
  for (const AnalysisSummary& a : analyses) analysis_by_rowid.emplace(a.rowid, a);
  tracks_.reserve(tracks.size());
  for (TrackRecord& r : tracks) {
    TrackEntry e;
    if (auto it = by_rowid.find(r.rowid); it != by_rowid.end()) e.features = it->second;
    if (auto it = analysis_by_rowid.find(r.rowid); it != analysis_by_rowid.end()) {
      e.analysis = it->second;
    }
    e.title_key = NormalizeName(r.tags.title);
    for (const auto& a : r.tags.artists) e.artist_keys.push_back(NormalizeName(a));
    e.album_key = NormalizeName(r.tags.album);
    e.genre_key = NormalizeName(r.tags.genre);
    e.release_year = YearOf(r.tags.release_date);
    for (const auto& key : e.artist_keys) e.artist_ids.push_back(EntityId("artist", key));
    const std::string album_artist_key = NormalizeName(AlbumArtistOf(r));
    if (!AlbumArtistOf(r).empty()) e.album_artist_id = EntityId("artist", album_artist_key);
    e.album_id = EntityId("album", album_artist_key + "\n" + e.album_key);
    e.record = std::move(r);
    tracks_.push_back(std::move(e));
  }
  // Search ranks equal scores by popularity, then id. Its posting lists hold rank positions
  // (0 is the most popular) instead of track indices, so every list is in rank order and a page
  // is the first few entries of a list or two.
  order_.resize(tracks_.size());
  for (std::uint32_t i = 0; i < order_.size(); ++i) order_[i] = i;
  std::sort(order_.begin(), order_.end(), [this](std::uint32_t a, std::uint32_t b) {
    const int pa = tracks_[a].record.popularity.value_or(-1);
    const int pb = tracks_[b].record.popularity.value_or(-1);
    if (pa != pb) return pa > pb;
    return tracks_[a].record.id < tracks_[b].record.id;
  });
  everyone_.resize(tracks_.size());
  for (std::uint32_t p = 0; p < everyone_.size(); ++p) everyone_[p] = p;
  by_id_.reserve(tracks_.size());
  for (std::uint32_t i = 0; i < tracks_.size(); ++i) {
    const TrackEntry& e = tracks_[i];
    by_id_.emplace(e.record.id, i);
  }
  for (std::uint32_t p = 0; p < order_.size(); ++p) {  // p ascending: lists stay sorted
    const TrackEntry& e = tracks_[order_[p]];
    if (!e.title_key.empty()) by_title_[e.title_key].push_back(p);
    std::vector<std::string> title_words = SplitWords(e.title_key);
    std::sort(title_words.begin(), title_words.end());
    title_words.erase(std::unique(title_words.begin(), title_words.end()), title_words.end());
    for (auto& word : title_words) title_words_[word].push_back(p);
    std::vector<std::string> words = IndexWords(e.record.tags.title);
    for (const auto& a : e.record.tags.artists) {
      auto w = IndexWords(a);
      words.insert(words.end(), w.begin(), w.end());
    }
    auto w = IndexWords(e.record.tags.album);
    words.insert(words.end(), w.begin(), w.end());
    std::sort(words.begin(), words.end());
    words.erase(std::unique(words.begin(), words.end()), words.end());
    for (auto& word : words) words_[word].push_back(p);
  }
  suggest_ = std::make_shared<const SuggestIndex>(tracks_);
}

const TrackEntry* CatalogSnapshot::ById(std::string_view id) const {
  auto it = by_id_.find(std::string(id));
  return it == by_id_.end() ? nullptr : &tracks_[it->second];
}

std::vector<const TrackEntry*> CatalogSnapshot::FindByName(std::string_view title,
                                                           std::string_view artist) const {
  std::vector<const TrackEntry*> out;
  const std::string title_key = NormalizeName(title);
  const std::string artist_key = NormalizeName(artist);
  if (auto it = by_title_.find(title_key); it != by_title_.end()) {
    for (std::uint32_t p : it->second) {
      const TrackEntry& e = tracks_[order_[p]];
      if (!artist_key.empty() && std::find(e.artist_keys.begin(), e.artist_keys.end(),
                                           artist_key) == e.artist_keys.end()) {
        continue;
      }
      out.push_back(&e);
    }
  }
  if (out.empty() && artist.empty()) {
    // "Artist - Title", as people type it.
    const std::size_t dash = title.find(" - ");
    if (dash != std::string_view::npos) {
      auto split = FindByName(title.substr(dash + 3), title.substr(0, dash));
      if (split.empty()) split = FindByName(title.substr(0, dash), title.substr(dash + 3));
      return split;
    }
  }
  std::sort(out.begin(), out.end(), BetterTrack);
  return out;
}

std::vector<NameSuggestion> CatalogSnapshot::Suggest(std::string_view title,
                                                     std::string_view artist,
                                                     std::size_t limit) const {
  const std::size_t cap = std::max(kSuggestCandidates, limit);
  // A catalog no larger than the candidates is scanned: that costs no more, and is exact.
  if (limit == 0 || tracks_.size() <= cap) return SuggestByScan(title, artist, limit);
  const std::string title_key = NormalizeName(title);
  const std::string artist_key = NormalizeName(artist);
  const SuggestIndex& index = *suggest_;
  thread_local SuggestScratch scratch;
  SuggestScratch::Lease lease(&scratch, tracks_.size(), index.artists.keys());

  // The closest artists by shared trigrams; their tracks join the candidates.
  std::vector<std::uint32_t> artist_grams;
  auto artist_dice = [&](std::uint32_t a) {
    return 2.0 * scratch.artist_shared[a] /
           static_cast<double>(artist_grams.size() + index.artists.TrigramsOf(a));
  };
  std::vector<std::uint32_t> closest_artists;
  if (!artist_key.empty()) {
    artist_grams = KeyTrigrams(artist_key);
    CountPostings(TrigramLists(index.artists, artist_grams), index.artists.keys(), 0,
                  &scratch.artist_shared, &scratch.artists);
    closest_artists = scratch.artists;
    const std::size_t n = std::min(kSuggestArtists, closest_artists.size());
    std::partial_sort(closest_artists.begin(),
                      closest_artists.begin() + static_cast<std::ptrdiff_t>(n),
                      closest_artists.end(), [&](std::uint32_t a, std::uint32_t b) {
                        const double da = artist_dice(a);
                        const double db = artist_dice(b);
                        if (da != db) return da > db;
                        return a < b;
                      });
    closest_artists.resize(n);
  }

  // Ranks the marked tracks by the Dice coefficient of their shared grams (of `query_grams`),
  // blended with their closest artist's like the exact score, scores the best `cap` exactly
  // into `scored` and clears the marks.
  std::vector<NameSuggestion> scored;
  const double title_weight = artist_key.empty() ? 1.0 : 0.7;
  const double best_artist_part =
      closest_artists.empty() ? 0.0 : 0.3 * artist_dice(closest_artists.front());
  auto score_marked = [&](std::size_t query_grams) {
    auto shared_of = [&](std::uint32_t t) -> unsigned {
      return scratch.track_marks[t] & SuggestScratch::kMaxShared;
    };
    auto dice = [query_grams](unsigned shared, std::size_t grams) {
      return shared == 0 ? 0.0 : 2.0 * shared / static_cast<double>(query_grams + grams);
    };
    struct Candidate {
      double approx;
      std::uint32_t track;
    };
    std::vector<Candidate> candidates;
    auto add = [&](unsigned lo, unsigned hi) {  // the tracks sharing lo..hi-1 grams
      for (std::uint32_t t : scratch.tracks) {
        const unsigned shared = shared_of(t);
        if (shared < lo || shared >= hi) continue;
        double s = title_weight * dice(shared, index.titles.TrigramsOf(t));
        if (!artist_key.empty()) {
          double best_artist = 0.0;
          for (std::uint32_t a : index.ArtistsOf(t)) {
            best_artist = std::max(best_artist, artist_dice(a));
          }
          s += 0.3 * best_artist;
        }
        candidates.push_back({s, t});
      }
    };
    auto better = [&](const Candidate& a, const Candidate& b) {
      if (a.approx != b.approx) return a.approx > b.approx;
      return index.id_order[a.track] < index.id_order[b.track];
    };
    // Most marked tracks share few grams and cannot make the best `cap`: rank first those
    // sharing at least `floor`, the count above which `cap` tracks are, then add lower counts
    // only while their bound reaches the cap-th approximation (a track sharing s grams has at
    // least s of its own, so its Dice is at most 2s / (query_grams + s)).
    unsigned most = 0;
    for (std::uint32_t t : scratch.tracks) most = std::max(most, shared_of(t));
    std::vector<std::size_t> tracks_sharing(most + 1, 0);
    for (std::uint32_t t : scratch.tracks) ++tracks_sharing[shared_of(t)];
    unsigned floor = most;
    for (std::size_t above = tracks_sharing[most]; floor > 0 && above < cap;) {
      above += tracks_sharing[--floor];
    }
    add(floor, most + 1);
    if (floor > 0 && candidates.size() >= cap) {
      std::nth_element(candidates.begin(),
                       candidates.begin() + static_cast<std::ptrdiff_t>(cap - 1), candidates.end(),
                       better);
      const double cut = candidates[cap - 1].approx;
      unsigned lower = floor;
      while (lower > 0 && title_weight * dice(lower - 1, lower - 1) + best_artist_part >= cut) {
        --lower;
      }
      add(lower, floor);
    }
    const std::size_t n = std::min(cap, candidates.size());
    std::nth_element(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(n),
                     candidates.end(), better);
    for (std::size_t k = 0; k < n; ++k) {
      const TrackEntry& e = tracks_[candidates[k].track];
      scored.push_back({&e, SuggestScore(title_key, artist_key, e)});
    }
    for (std::uint32_t t : scratch.tracks) scratch.track_marks[t] = 0;
    scratch.tracks.clear();
  };
  auto mark_artist_tracks = [&] {
    std::size_t added = 0;
    for (std::uint32_t a : closest_artists) {
      for (std::uint32_t t : index.TracksOf(a)) {
        if (added == kSuggestArtistTracks) return;
        ++added;
        if (scratch.track_marks[t] == 0) {
          scratch.track_marks[t] = SuggestScratch::kListed;
          scratch.tracks.push_back(t);
        }
      }
    }
  };

  // Tracks sharing title trigrams, and the closest artists' tracks.
  const std::vector<std::uint32_t> title_grams = KeyTrigrams(title_key);
  CountPostings(TrigramLists(index.titles, title_grams), tracks_.size(), SuggestScratch::kListed,
                &scratch.track_marks, &scratch.tracks);
  mark_artist_tracks();
  score_marked(title_grams.size());

  // Nothing as similar as a title sharing no trigram may be: look among tracks sharing pairs.
  double best = 0.0;
  for (const auto& s : scored) best = std::max(best, s.score);
  const double bound =
      artist_key.empty() ? kNoSharedTrigramBound : 0.7 * kNoSharedTrigramBound + 0.3;
  if (best < bound && !title_key.empty()) {
    const std::vector<std::uint32_t> pairs = KeyPairs(title_key);
    std::vector<std::span<const std::uint32_t>> lists;
    for (std::uint32_t p : pairs) lists.push_back(index.titles.PostingsOfPair(p));
    CountPostings(std::move(lists), tracks_.size(), SuggestScratch::kListed, &scratch.track_marks,
                  &scratch.tracks);
    score_marked(pairs.size());
  }
  // Pure noise, sharing no trigram or pair with any title, and no artist: nothing is worth
  // suggesting (a scan would rank such tracks by a low Levenshtein ratio at best).

  // A track may have been scored in both rounds.
  std::sort(scored.begin(), scored.end(),
            [](const NameSuggestion& a, const NameSuggestion& b) { return a.track < b.track; });
  scored.erase(std::unique(scored.begin(), scored.end(),
                           [](const NameSuggestion& a, const NameSuggestion& b) {
                             return a.track == b.track;
                           }),
               scored.end());
  const std::size_t out = std::min(limit, scored.size());
  std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(out), scored.end(),
                    BetterSuggestion);
  scored.resize(out);
  return scored;
}

std::vector<NameSuggestion> CatalogSnapshot::SuggestByScan(std::string_view title,
                                                           std::string_view artist,
                                                           std::size_t limit) const {
  const std::string title_key = NormalizeName(title);
  const std::string artist_key = NormalizeName(artist);
  std::vector<NameSuggestion> scored;
  scored.reserve(tracks_.size());
  for (const TrackEntry& e : tracks_) {
    scored.push_back({&e, SuggestScore(title_key, artist_key, e)});
  }
  const std::size_t n = std::min(limit, scored.size());
  std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(n), scored.end(),
                    BetterSuggestion);
  scored.resize(n);
  return scored;
}

namespace {

using Postings = std::span<const std::uint32_t>;

// The values in both sorted lists, ascending. A list much shorter than the other is looked up
// in it (each search starting where the last ended) instead of merged, so "love x" costs the
// few matches of "x", not a walk over every "love".
std::vector<std::uint32_t> IntersectTwo(Postings small, Postings large) {
  std::vector<std::uint32_t> out;
  if (small.size() > large.size()) std::swap(small, large);
  if (small.size() * 16 < large.size()) {
    auto from = large.begin();
    for (std::uint32_t x : small) {
      from = std::lower_bound(from, large.end(), x);
      if (from == large.end()) break;
      if (*from == x) out.push_back(x);
    }
  } else {
    std::set_intersection(small.begin(), small.end(), large.begin(), large.end(),
                          std::back_inserter(out));
  }
  return out;
}

// The values in every list (each sorted ascending), as a view of `storage` or, for a single
// list, of that list itself; empty for no lists.
Postings IntersectSorted(std::vector<Postings> lists, std::vector<std::uint32_t>* storage) {
  if (lists.empty()) return {};
  // Rarest first keeps the intersection small.
  std::sort(lists.begin(), lists.end(), [](Postings a, Postings b) { return a.size() < b.size(); });
  if (lists.size() == 1) return lists.front();
  *storage = IntersectTwo(lists[0], lists[1]);
  for (std::size_t k = 2; k < lists.size() && !storage->empty(); ++k) {
    *storage = IntersectTwo(*storage, lists[k]);
  }
  return *storage;
}

bool Holds(Postings sorted, std::uint32_t x) {
  return std::binary_search(sorted.begin(), sorted.end(), x);
}

}  // namespace

bool CatalogSnapshot::PassesFilters(const SearchQuery& query, const TrackEntry& e) {
  if (!query.track_words.empty() && !ContainsAllWords(SplitWords(e.title_key), query.track_words)) {
    return false;
  }
  if (!query.artist_words.empty()) {
    bool any = false;
    for (const auto& a : e.artist_keys) {
      if (ContainsAllWords(SplitWords(a), query.artist_words)) any = true;
    }
    if (!any) return false;
  }
  if (!query.album_words.empty() && !ContainsAllWords(SplitWords(e.album_key), query.album_words)) {
    return false;
  }
  if (!query.genre_words.empty() && !ContainsAllWords(SplitWords(e.genre_key), query.genre_words)) {
    return false;
  }
  return query.year_from == 0 ||
         (e.release_year >= query.year_from && e.release_year <= query.year_to);
}

CatalogSnapshot::Ranking CatalogSnapshot::Rank(const SearchQuery& query) const {
  Ranking r;
  // Candidates: tracks holding every word (free or fielded) in title, artist or album.
  std::vector<std::string> all = query.words;
  all.insert(all.end(), query.track_words.begin(), query.track_words.end());
  all.insert(all.end(), query.artist_words.begin(), query.artist_words.end());
  all.insert(all.end(), query.album_words.begin(), query.album_words.end());
  std::vector<Postings> lists;
  for (const auto& w : all) {
    auto it = words_.find(w);
    if (it == words_.end()) return r;  // a word no track has: no match
    lists.push_back(it->second);
  }
  if (lists.empty()) {  // only genre/year filters: every track is a candidate
    r.candidates = everyone_;
  } else {
    r.candidates = IntersectSorted(std::move(lists), &r.candidate_storage);
  }
  const bool filters = !query.track_words.empty() || !query.artist_words.empty() ||
                       !query.album_words.empty() || !query.genre_words.empty() ||
                       query.year_from != 0;
  if (filters) {
    std::vector<std::uint32_t> kept;
    for (std::uint32_t p : r.candidates) {
      if (PassesFilters(query, tracks_[order_[p]])) kept.push_back(p);
    }
    r.candidate_storage = std::move(kept);
    r.candidates = r.candidate_storage;
  }
  if (query.words.empty()) return r;
  // Tracks whose title holds every free word rank above matches in artist or album, and those
  // whose whole title is the free text above all.
  lists.clear();
  for (const auto& w : query.words) {
    auto it = title_words_.find(w);
    if (it == title_words_.end()) {
      lists.clear();
      break;
    }
    lists.push_back(it->second);
  }
  r.title_all = IntersectSorted(std::move(lists), &r.title_storage);
  std::string free_text;
  for (const auto& w : query.words) free_text += (free_text.empty() ? "" : " ") + w;
  if (auto it = by_title_.find(free_text); it != by_title_.end()) r.exact = it->second;
  return r;
}

SearchPage CatalogSnapshot::Search(const SearchQuery& query, std::size_t offset,
                                   std::size_t limit) const {
  const Ranking r = Rank(query);
  SearchPage page;
  page.total = r.candidates.size();
  const std::size_t wanted = std::min(page.total, offset + limit);
  if (offset >= wanted) return page;
  // Score 3 (exact title, every word in it), 2 (exact only), 1 (title words) or 0, then the
  // rank order, which is the order of the posting lists: each score's matches are the first
  // ones of some list, so the page is found by walking lists from their start and stops after
  // `offset + limit` tracks, however many match.
  auto score = [&r](std::uint32_t p) {
    return (Holds(r.exact, p) ? 2 : 0) + (Holds(r.title_all, p) ? 1 : 0);
  };
  std::vector<std::uint32_t> picked;
  picked.reserve(wanted);
  for (int s = 3; s >= 0 && picked.size() < wanted; --s) {
    // Walk the shortest list that holds every candidate of score s.
    Postings walk = r.candidates;
    if (s >= 2 && r.exact.size() < walk.size()) walk = r.exact;
    if (s == 1 && r.title_all.size() < walk.size()) walk = r.title_all;
    const bool walking_candidates = walk.data() == r.candidates.data();
    for (std::uint32_t p : walk) {
      if (score(p) != s || (!walking_candidates && !Holds(r.candidates, p))) continue;
      picked.push_back(p);
      if (picked.size() == wanted) break;
    }
  }
  for (std::size_t k = offset; k < picked.size(); ++k) {
    page.items.push_back(&tracks_[order_[picked[k]]]);
  }
  return page;
}

SearchPage CatalogSnapshot::SearchByScan(const SearchQuery& query, std::size_t offset,
                                         std::size_t limit) const {
  const Ranking r = Rank(query);
  // One 64-bit key per match, larger is better: score, then the better rank position.
  std::vector<std::uint64_t> hits;
  hits.reserve(r.candidates.size());
  for (std::uint32_t p : r.candidates) {
    const std::uint64_t score = (Holds(r.exact, p) ? 2u : 0u) + (Holds(r.title_all, p) ? 1u : 0u);
    hits.push_back(score << 32 | (0xffffffffu - p));
  }
  SearchPage page;
  page.total = hits.size();
  const std::size_t end = std::min(hits.size(), offset + limit);
  std::partial_sort(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(end), hits.end(),
                    std::greater<>());
  for (std::size_t k = offset; k < end; ++k) {
    page.items.push_back(&tracks_[order_[0xffffffffu - (hits[k] & 0xffffffffu)]]);
  }
  return page;
}
// ---- CatalogView ---------------------------------------------------------------------------

struct CatalogView::State {
  mutable std::mutex mu;  // guards snapshot, availability, version
  // Guards the catalog pointer for LoadAnalysis; only Refresh (under reload_mu) replaces it,
  // so Refresh itself may use it without this lock.
  std::mutex catalog_mu;
  std::unique_ptr<Catalog> catalog;
  std::shared_ptr<const CatalogSnapshot> snapshot;
  Status availability = Status::IOError("the catalog has not been read yet");
  std::optional<std::int64_t> version;
  std::atomic<std::int64_t> reloads{0};
  std::atomic<double> last_reload_seconds{0.0};

  std::mutex reload_mu;  // one reload at a time
  std::mutex stop_mu;
  std::condition_variable stop_cv;
  bool stopping = false;
  std::thread poller;
};

CatalogView::CatalogView(std::filesystem::path path, CatalogViewOptions options)
    : path_(std::move(path)), options_(options), state_(std::make_unique<State>()) {}

std::unique_ptr<CatalogView> CatalogView::Open(const std::filesystem::path& path,
                                               CatalogViewOptions options) {
  std::unique_ptr<CatalogView> view(new CatalogView(path, options));
  (void)view->Refresh();
  CatalogView* self = view.get();
  view->state_->poller = std::thread([self] { self->Poll(); });
  return view;
}

CatalogView::~CatalogView() {
  {
    std::lock_guard lock(state_->stop_mu);
    state_->stopping = true;
  }
  state_->stop_cv.notify_all();
  if (state_->poller.joinable()) state_->poller.join();
}

void CatalogView::Poll() {
  std::unique_lock lock(state_->stop_mu);
  while (!state_->stopping) {
    state_->stop_cv.wait_for(lock, options_.refresh, [this] { return state_->stopping; });
    if (state_->stopping) break;
    lock.unlock();
    (void)Refresh();
    lock.lock();
  }
}

std::shared_ptr<const CatalogSnapshot> CatalogView::Snapshot() const {
  std::lock_guard lock(state_->mu);
  return state_->snapshot;
}

Status CatalogView::Availability() const {
  std::lock_guard lock(state_->mu);
  return state_->availability;
}

Result<bool> CatalogView::Refresh() {
  std::lock_guard reload(state_->reload_mu);
  const auto start = std::chrono::steady_clock::now();
  Catalog* catalog = state_->catalog.get();
  auto fail = [this](Status s) -> Result<bool> {
    {
      // Drop the connection: the file may have been replaced; reopen next time.
      std::lock_guard lock(state_->catalog_mu);
      state_->catalog.reset();
    }
    std::lock_guard lock(state_->mu);
    state_->availability = s;
    state_->version.reset();
    return s;
  };
  if (catalog == nullptr) {
    std::error_code ec;
    if (!std::filesystem::exists(path_, ec)) {
      return fail(
          Status::IOError("catalog " + path_.string() +
                          " does not exist yet; run `sonance analyze` or `sonance import`"));
    }
    auto opened = Catalog::Open(path_);
    if (!opened.ok()) return fail(opened.status());
    std::lock_guard lock(state_->catalog_mu);
    state_->catalog = std::move(opened).value();
    catalog = state_->catalog.get();
  }
  auto version = catalog->DataVersion();
  if (!version.ok()) return fail(version.status());
  {
    std::lock_guard lock(state_->mu);
    if (state_->version == *version && state_->snapshot) return false;
  }
  auto tracks = catalog->ListTracks({});
  if (!tracks.ok()) return fail(tracks.status());
  auto features = catalog->AllFeatures();
  if (!features.ok()) return fail(features.status());
  auto counts = catalog->Counts();
  if (!counts.ok()) return fail(counts.status());
  auto analyses = catalog->AnalysisSummaries();
  if (!analyses.ok()) return fail(analyses.status());
  auto snapshot = std::make_shared<const CatalogSnapshot>(
      std::move(tracks).value(), std::move(features).value(), *counts, std::move(analyses).value());
  {
    std::lock_guard lock(state_->mu);
    state_->snapshot = std::move(snapshot);
    state_->version = *version;
    state_->availability = Status::Ok();
  }
  state_->reloads.fetch_add(1);
  state_->last_reload_seconds.store(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return true;
}

Result<std::optional<AudioAnalysis>> CatalogView::LoadAnalysis(std::int64_t rowid) {
  std::lock_guard lock(state_->catalog_mu);
  if (!state_->catalog) return Availability();
  return state_->catalog->LoadAnalysis(rowid);
}

std::int64_t CatalogView::reloads() const {
  return state_->reloads.load();
}

double CatalogView::last_reload_seconds() const {
  return state_->last_reload_seconds.load();
}

}  // namespace sonance
