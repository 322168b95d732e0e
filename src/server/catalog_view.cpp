#include "sonance/server/catalog_view.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <functional>
#include <mutex>
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

}  // namespace

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
  // Search ranks equal scores by popularity, then id: precompute that order as one number
  // per track (higher is better), so ranking never touches the track records.
  {
    std::vector<std::uint32_t> order(tracks_.size());
    for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [this](std::uint32_t a, std::uint32_t b) {
      const int pa = tracks_[a].record.popularity.value_or(-1);
      const int pb = tracks_[b].record.popularity.value_or(-1);
      if (pa != pb) return pa < pb;
      return tracks_[a].record.id > tracks_[b].record.id;
    });
    rank_.resize(tracks_.size());
    for (std::uint32_t r = 0; r < order.size(); ++r) rank_[order[r]] = r;
  }
  by_id_.reserve(tracks_.size());
  for (std::uint32_t i = 0; i < tracks_.size(); ++i) {
    const TrackEntry& e = tracks_[i];
    by_id_.emplace(e.record.id, i);
    if (!e.title_key.empty()) by_title_[e.title_key].push_back(i);
    std::vector<std::string> title_words = SplitWords(e.title_key);
    std::sort(title_words.begin(), title_words.end());
    title_words.erase(std::unique(title_words.begin(), title_words.end()), title_words.end());
    for (auto& word : title_words) title_words_[word].push_back(i);
    std::vector<std::string> words = IndexWords(e.record.tags.title);
    for (const auto& a : e.record.tags.artists) {
      auto w = IndexWords(a);
      words.insert(words.end(), w.begin(), w.end());
    }
    auto w = IndexWords(e.record.tags.album);
    words.insert(words.end(), w.begin(), w.end());
    std::sort(words.begin(), words.end());
    words.erase(std::unique(words.begin(), words.end()), words.end());
    for (auto& word : words) words_[word].push_back(i);  // i ascending: lists stay sorted
  }
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
    for (std::uint32_t i : it->second) {
      const TrackEntry& e = tracks_[i];
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
  const std::string title_key = NormalizeName(title);
  const std::string artist_key = NormalizeName(artist);
  std::vector<NameSuggestion> scored;
  scored.reserve(tracks_.size());
  for (const TrackEntry& e : tracks_) {
    double s = NameSimilarity(title_key, e.title_key);
    if (!artist_key.empty()) {
      double best_artist = 0.0;
      for (const auto& a : e.artist_keys)
        best_artist = std::max(best_artist, NameSimilarity(artist_key, a));
      s = 0.7 * s + 0.3 * best_artist;
    }
    scored.push_back({&e, s});
  }
  const std::size_t n = std::min(limit, scored.size());
  std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(n), scored.end(),
                    [](const NameSuggestion& a, const NameSuggestion& b) {
                      if (a.score != b.score) return a.score > b.score;
                      return a.track->record.id < b.track->record.id;
                    });
  scored.resize(n);
  return scored;
}

namespace {

// The indices in every list (each sorted ascending); empty for no lists.
std::vector<std::uint32_t> IntersectSorted(std::vector<const std::vector<std::uint32_t>*> lists) {
  if (lists.empty()) return {};
  // Rarest first keeps the intersection small.
  std::sort(lists.begin(), lists.end(), [](auto* a, auto* b) { return a->size() < b->size(); });
  std::vector<std::uint32_t> result = *lists.front();
  for (std::size_t k = 1; k < lists.size() && !result.empty(); ++k) {
    std::vector<std::uint32_t> next;
    std::set_intersection(result.begin(), result.end(), lists[k]->begin(), lists[k]->end(),
                          std::back_inserter(next));
    result.swap(next);
  }
  return result;
}

}  // namespace

std::vector<std::uint32_t> CatalogSnapshot::Candidates(const SearchQuery& query) const {
  std::vector<std::string> all = query.words;
  all.insert(all.end(), query.track_words.begin(), query.track_words.end());
  all.insert(all.end(), query.artist_words.begin(), query.artist_words.end());
  all.insert(all.end(), query.album_words.begin(), query.album_words.end());
  std::vector<const std::vector<std::uint32_t>*> lists;
  for (const auto& w : all) {
    auto it = words_.find(w);
    if (it == words_.end()) return {};
    lists.push_back(&it->second);
  }
  const bool first = lists.empty();
  std::vector<std::uint32_t> result = IntersectSorted(std::move(lists));
  if (first) {  // only genre/year filters: every track is a candidate
    result.resize(tracks_.size());
    for (std::uint32_t i = 0; i < tracks_.size(); ++i) result[i] = i;
  }
  return result;
}

SearchPage CatalogSnapshot::Search(const SearchQuery& query, std::size_t offset,
                                   std::size_t limit) const {
  const std::string free_text = [&] {
    std::string s;
    for (const auto& w : query.words) s += (s.empty() ? "" : " ") + w;
    return s;
  }();
  // Tracks whose title holds every free word (they rank above matches in artist or album),
  // and those whose whole title is the free text (above all): sorted index lists.
  std::vector<std::uint32_t> title_all;
  if (!query.words.empty()) {
    std::vector<const std::vector<std::uint32_t>*> lists;
    for (const auto& w : query.words) {
      auto it = title_words_.find(w);
      if (it == title_words_.end()) {
        lists.clear();
        break;
      }
      lists.push_back(&it->second);
    }
    title_all = IntersectSorted(std::move(lists));
  }
  static const std::vector<std::uint32_t> kNone;
  const std::vector<std::uint32_t>* exact = &kNone;
  if (auto it = by_title_.find(free_text); !free_text.empty() && it != by_title_.end()) {
    exact = &it->second;
  }
  const bool field_filters = !query.track_words.empty() || !query.artist_words.empty() ||
                             !query.album_words.empty() || !query.genre_words.empty();
  // One 64-bit key per hit, larger is better: score, then popularity, then the earlier id,
  // then the index itself, so ranking is one integer sort over a compact array.
  std::vector<std::uint64_t> hits;
  const std::vector<std::uint32_t> candidates = Candidates(query);
  hits.reserve(candidates.size());
  auto exact_it = exact->begin();
  auto title_it = title_all.begin();
  for (std::uint32_t i : candidates) {
    const TrackEntry& e = tracks_[i];
    if (field_filters) {
      if (!query.track_words.empty() &&
          !ContainsAllWords(SplitWords(e.title_key), query.track_words)) {
        continue;
      }
      if (!query.artist_words.empty()) {
        bool any = false;
        for (const auto& a : e.artist_keys) {
          if (ContainsAllWords(SplitWords(a), query.artist_words)) any = true;
        }
        if (!any) continue;
      }
      if (!query.album_words.empty() &&
          !ContainsAllWords(SplitWords(e.album_key), query.album_words)) {
        continue;
      }
      if (!query.genre_words.empty() &&
          !ContainsAllWords(SplitWords(e.genre_key), query.genre_words)) {
        continue;
      }
    }
    if (query.year_from != 0 &&
        (e.release_year < query.year_from || e.release_year > query.year_to)) {
      continue;
    }
    // Candidates, exact and title_all are all ascending: walk them together.
    while (exact_it != exact->end() && *exact_it < i) ++exact_it;
    while (title_it != title_all.end() && *title_it < i) ++title_it;
    std::uint64_t score = 0;
    if (exact_it != exact->end() && *exact_it == i) score += 2;
    if (title_it != title_all.end() && *title_it == i) score += 1;
    hits.push_back(score << 56 | static_cast<std::uint64_t>(rank_[i]) << 32 | i);
  }
  SearchPage page;
  page.total = hits.size();
  if (offset >= hits.size()) return page;
  const std::size_t end = std::min(hits.size(), offset + limit);
  std::partial_sort(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(end), hits.end(),
                    std::greater<>());
  for (std::size_t k = offset; k < end; ++k) {
    page.items.push_back(&tracks_[static_cast<std::uint32_t>(hits[k] & 0xffffffffu)]);
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
