#include "sonance/server/catalog_view.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cctype>
#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "sonance/common/name_match.h"

namespace sonance {
namespace {

TrackRecord Track(std::int64_t rowid, std::string title, std::vector<std::string> artists,
                  std::string album = "", std::string source = "analyzed") {
  TrackRecord r;
  r.rowid = rowid;
  r.id = TrackIdForPath("/t/" + std::to_string(rowid));
  r.path = "/t/" + std::to_string(rowid);
  r.tags.title = std::move(title);
  r.tags.artists = std::move(artists);
  r.tags.album = std::move(album);
  r.source = std::move(source);
  return r;
}

TEST(ParseSearchQueryTest, SplitsFreeWordsAndFieldFilters) {
  auto q = ParseSearchQuery("Bohemian artist:\"The Queen\" album:opera year:1970-1979 genre:rock");
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->words, std::vector<std::string>{"bohemian"});
  EXPECT_EQ(q->artist_words, std::vector<std::string>{"queen"});
  EXPECT_EQ(q->album_words, std::vector<std::string>{"opera"});
  EXPECT_EQ(q->genre_words, std::vector<std::string>{"rock"});
  EXPECT_EQ(q->year_from, 1970);
  EXPECT_EQ(q->year_to, 1979);
  auto single = ParseSearchQuery("year:1999");
  ASSERT_TRUE(single.ok());
  EXPECT_EQ(single->year_from, 1999);
  EXPECT_EQ(single->year_to, 1999);
  // An unknown field is just words.
  auto other = ParseSearchQuery("mood:happy");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->words, (std::vector<std::string>{"mood", "happy"}));
}

TEST(ParseSearchQueryTest, RejectsEmptyQueriesAndBadYears) {
  EXPECT_EQ(ParseSearchQuery("").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseSearchQuery("   !? ").status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(ParseSearchQuery("year:1980-1970").ok());
  EXPECT_FALSE(ParseSearchQuery("year:abc").ok());
  EXPECT_FALSE(ParseSearchQuery("year:").ok());
}

TEST(CatalogSnapshotTest, FindByNamePrefersAnalysedThenSplitsArtistDashTitle) {
  std::vector<TrackRecord> tracks = {Track(1, "Song 2", {"Blur"}, "", "imported"),
                                     Track(2, "Song 2", {"Blur"}),
                                     Track(3, "Song 2", {"Other Band"})};
  std::vector<std::pair<std::int64_t, AudioFeatures>> features = {{2, AudioFeatures{}}};
  CatalogSnapshot snap(tracks, features, CatalogCounts{3, 3, 0, 0});
  auto all = snap.FindByName("song 2", "");
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0]->record.rowid, 2);  // analysed, with features
  auto blur = snap.FindByName("Song 2", "blur");
  ASSERT_EQ(blur.size(), 2u);
  auto dashed = snap.FindByName("Other Band - Song 2", "");
  ASSERT_EQ(dashed.size(), 1u);
  EXPECT_EQ(dashed[0]->record.rowid, 3);
  auto reversed = snap.FindByName("Song 2 - Other Band", "");
  ASSERT_EQ(reversed.size(), 1u);
  EXPECT_EQ(reversed[0]->record.rowid, 3);
  EXPECT_TRUE(snap.FindByName("Song 3", "").empty());
  EXPECT_EQ(snap.ById(tracks[1].id)->record.rowid, 2);
  EXPECT_EQ(snap.ById("nope"), nullptr);
}

TEST(CatalogSnapshotTest, SuggestRanksTyposFirstAndSearchIsDeterministic) {
  std::vector<TrackRecord> tracks = {Track(1, "Wonderwall", {"Oasis"}),
                                     Track(2, "Wonderful Life", {"Black"}),
                                     Track(3, "Yellow", {"Coldplay"})};
  CatalogSnapshot snap(tracks, {}, CatalogCounts{3, 3, 0, 0});
  auto s = snap.Suggest("Wonderwal", "", 2);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].track->record.rowid, 1);
  EXPECT_GT(s[0].score, s[1].score);
  auto q = ParseSearchQuery("wonderwall");
  ASSERT_TRUE(q.ok());
  auto page = snap.Search(*q, 0, 10);
  ASSERT_EQ(page.total, 1u);
  EXPECT_EQ(page.items[0]->record.rowid, 1);
  auto offset_past_end = snap.Search(*q, 5, 10);
  EXPECT_EQ(offset_past_end.total, 1u);
  EXPECT_TRUE(offset_past_end.items.empty());
}

// ---- Suggest against a full scan -------------------------------------------------------------

// A seeded catalog of `n` tracks with titles of one to four words drawn from a vocabulary of
// made-up words (letters without j, q, x, z, so such letters are noise to it), and 3 in 10
// titles starting with "love", so the trigrams of that word are in more than a fifth of the
// titles: counting them takes much of Suggest's posting budget.
struct GeneratedCatalog {
  std::vector<std::string> words;
  std::vector<TrackRecord> tracks;
};

GeneratedCatalog GenerateCatalog(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  auto pick = [&rng](std::size_t k) { return static_cast<std::size_t>(rng() % k); };
  static const char* kOnsets[] = {"b", "c", "d", "f", "g", "h",  "k",  "l",  "m",  "n",  "p",
                                  "r", "s", "t", "v", "w", "br", "st", "tr", "sh", "ch", "gl"};
  static const char* kVowels[] = {"a", "e", "i", "o", "u", "y", "ai", "ou", "ee"};
  GeneratedCatalog c;
  for (int w = 0; w < 600; ++w) {
    std::string word;
    const std::size_t syllables = 1 + pick(3);
    for (std::size_t k = 0; k < syllables; ++k) {
      word += kOnsets[pick(std::size(kOnsets))];
      word += kVowels[pick(std::size(kVowels))];
    }
    if (pick(2) == 0) word += kOnsets[pick(14)];
    c.words.push_back(word);
  }
  std::vector<std::string> artists;
  for (int a = 0; a < 300; ++a) {
    std::string name = c.words[pick(c.words.size())];
    if (pick(2) == 0) name += " " + c.words[pick(c.words.size())];
    name[0] = static_cast<char>(name[0] - 'a' + 'A');
    artists.push_back(name);
  }
  for (std::size_t i = 0; i < n; ++i) {
    std::string title = pick(10) < 3 ? "Love" : "";
    const std::size_t count = 1 + pick(4) - (title.empty() ? 0 : 1);
    for (std::size_t k = 0; k < count; ++k) {
      title += (title.empty() ? "" : " ") + c.words[pick(c.words.size())];
    }
    if (title.empty()) title = c.words[pick(c.words.size())];
    c.tracks.push_back(
        Track(static_cast<std::int64_t>(i + 1), title, {artists[pick(artists.size())]}));
  }
  return c;
}

TEST(CatalogSnapshotTest, SearchRanksExactTitleThenTitleWordsThenPopularityThenId) {
  auto with_pop = [](TrackRecord r, int popularity) {
    r.popularity = popularity;
    return r;
  };
  std::vector<TrackRecord> tracks = {with_pop(Track(1, "Love", {"Ann"}), 10),
                                     with_pop(Track(2, "Love Song", {"Bea"}), 90),
                                     with_pop(Track(3, "Love", {"Cid"}), 5),
                                     with_pop(Track(4, "Other", {"Love Inc"}), 99),
                                     with_pop(Track(5, "Song of Love", {"Dee"}), 50),
                                     with_pop(Track(6, "Blue", {"Eve"}, "Love Album"), 70),
                                     with_pop(Track(7, "Love Me", {"Fay"}), 20),
                                     with_pop(Track(8, "Love Me", {"Gus"}), 20),
                                     with_pop(Track(9, "Yellow", {"Hal"}), 100)};
  CatalogSnapshot snap(tracks, {}, CatalogCounts{9, 9, 0, 0});
  // Exact titles (1, 3) by popularity, then titles holding the word (2, 5, then 7 and 8 at
  // equal popularity by id), then matches in artist (4) or album (6) by popularity.
  const bool seven_first = tracks[6].id < tracks[7].id;
  const std::vector<std::int64_t> expected = {1, 3, 2, 5, seven_first ? 7 : 8, seven_first ? 8 : 7,
                                              4, 6};
  auto q = ParseSearchQuery("LOVE");
  ASSERT_TRUE(q.ok());
  auto rowids = [](const SearchPage& page) {
    std::vector<std::int64_t> out;
    for (const TrackEntry* t : page.items) out.push_back(t->record.rowid);
    return out;
  };
  auto all = snap.Search(*q, 0, 20);
  EXPECT_EQ(all.total, 8u);
  EXPECT_EQ(rowids(all), expected);
  auto middle = snap.Search(*q, 2, 3);
  EXPECT_EQ(middle.total, 8u);
  EXPECT_EQ(rowids(middle), std::vector<std::int64_t>(expected.begin() + 2, expected.begin() + 5));
  EXPECT_TRUE(snap.Search(*q, 0, 0).items.empty());
  auto filtered = ParseSearchQuery("love artist:bea");
  ASSERT_TRUE(filtered.ok());
  EXPECT_EQ(rowids(snap.Search(*filtered, 0, 20)), std::vector<std::int64_t>{2});
  auto two_words = ParseSearchQuery("love me");
  ASSERT_TRUE(two_words.ok());
  EXPECT_EQ(snap.Search(*two_words, 0, 20).total, 2u);
  EXPECT_EQ(snap.Search(*ParseSearchQuery("love nothing"), 0, 20).total, 0u);
}

// Search walks rank-ordered lists and stops after the page; SearchByScan scores and sorts every
// match. On a generated catalog with popularity ties and missing popularity, both must return
// the same pages for one- and two-word queries, whole titles, field filters and any offset.
TEST(CatalogSnapshotTest, SearchPagesEqualAFullScoreAndSort) {
  GeneratedCatalog c = GenerateCatalog(3000, 11);
  std::mt19937 rng(5);
  auto pick = [&rng](std::size_t k) { return static_cast<std::size_t>(rng() % k); };
  for (TrackRecord& t : c.tracks) {
    if (pick(10) != 0) t.popularity = static_cast<int>(pick(12));  // many ties
    if (pick(3) == 0) t.tags.album = c.words[pick(c.words.size())];
    if (pick(2) == 0) t.tags.release_date = std::to_string(1990 + pick(20));
  }
  CatalogSnapshot snap(c.tracks, {}, CatalogCounts{});
  std::size_t nonempty = 0;
  for (int k = 0; k < 400; ++k) {
    const TrackRecord& t = c.tracks[pick(c.tracks.size())];
    std::string q;
    switch (pick(5)) {
      case 0:
        q = t.tags.title;  // a whole title: exact matches rank first
        break;
      case 1:
        q = "love";
        break;
      case 2:
        q = "love " + c.words[pick(c.words.size())];
        break;
      case 3:
        q = c.words[pick(c.words.size())] + " artist:\"" + t.tags.artists[0] + "\"";
        break;
      default:
        q = c.words[pick(c.words.size())] + (pick(2) == 0 ? " year:1995-2002" : "");
    }
    auto parsed = ParseSearchQuery(q);
    ASSERT_TRUE(parsed.ok()) << q;
    const std::size_t offset = pick(3) == 0 ? 0 : pick(60);
    const std::size_t limit = pick(31);
    const SearchPage fast = snap.Search(*parsed, offset, limit);
    const SearchPage scan = snap.SearchByScan(*parsed, offset, limit);
    ASSERT_EQ(fast.total, scan.total) << q;
    ASSERT_EQ(fast.items, scan.items) << q << " offset " << offset << " limit " << limit;
    if (!fast.items.empty()) ++nonempty;
  }
  EXPECT_GT(nonempty, 150u);  // the comparison covered real pages, not only empty ones
}

// One or two typing mistakes (a deletion, substitution, transposition or insertion of a
// letter), or a change of case and accents, which NormalizeName undoes.
std::string Mistype(const std::string& s, std::mt19937& rng) {
  auto pick = [&rng](std::size_t k) { return static_cast<std::size_t>(rng() % k); };
  std::string out = s;
  const std::size_t kind = pick(5);
  if (kind == 4) {
    std::string changed;
    for (char ch : out) {
      if (ch == 'e' && pick(2) == 0) {
        changed += "\xc3\xa9";  // é
      } else if (ch == 'a' && pick(2) == 0) {
        changed += "\xc3\x80";  // À
      } else {
        changed += pick(2) == 0 ? static_cast<char>(std::toupper(ch)) : ch;
      }
    }
    return changed;
  }
  const std::size_t edits = 1 + pick(2);
  for (std::size_t e = 0; e < edits && out.size() > 1; ++e) {
    const std::size_t at = pick(out.size());
    const char letter = static_cast<char>('a' + pick(26));
    switch (kind) {
      case 0:
        out.erase(at, 1);
        break;
      case 1:
        out[at] = letter;
        break;
      case 2:
        if (at + 1 < out.size()) std::swap(out[at], out[at + 1]);
        break;
      default:
        out.insert(out.begin() + static_cast<std::ptrdiff_t>(at), letter);
        break;
    }
  }
  return out;
}

// Suggest's score, computed here: NameSimilarity of the title, blended 0.7/0.3 with the best
// artist's when one is given.
double SuggestScoreOf(const TrackEntry* e, const std::string& title, const std::string& artist) {
  double s = NameSimilarity(NormalizeName(title), e->title_key);
  if (!artist.empty()) {
    double a = 0.0;
    for (const auto& k : e->artist_keys) a = std::max(a, NameSimilarity(NormalizeName(artist), k));
    s = 0.7 * s + 0.3 * a;
  }
  return s;
}

// The best track by an independent full scan, ties to the smaller id.
const TrackEntry* BruteForceBest(const CatalogSnapshot& snap, const std::string& title,
                                 const std::string& artist) {
  const TrackEntry* best = nullptr;
  double best_score = -1.0;
  for (const TrackEntry& e : snap.tracks()) {
    const double s = SuggestScoreOf(&e, title, artist);
    if (s > best_score || (s == best_score && e.record.id < best->record.id)) {
      best = &e;
      best_score = s;
    }
  }
  return best;
}

// A title sharing no trigram with the query scores at most 2/3 (each edit breaks at most three
// padded trigrams); above that, Suggest must never miss the scan's best.
constexpr double kStrongMatch = 2.0 / 3.0;

// How many of `queries` mistyped titles (and artists, when `with_artist`) of random tracks get
// the scan's best as their first suggestion; the others are described in *misses. A miss where
// the scan's best is a strong match (kStrongMatch, blended like the score) is a test failure.
int AgreementWithScan(const GeneratedCatalog& c, const CatalogSnapshot& snap, int queries,
                      bool with_artist, std::uint32_t seed, std::string* misses) {
  std::mt19937 rng(seed);
  int agree = 0;
  for (int q = 0; q < queries; ++q) {
    const TrackRecord& target = c.tracks[rng() % c.tracks.size()];
    const std::string title = Mistype(target.tags.title, rng);
    const std::string artist = with_artist ? Mistype(target.tags.artists[0], rng) : "";
    auto s = snap.Suggest(title, artist, 5);
    for (std::size_t k = 1; k < s.size(); ++k) EXPECT_GE(s[k - 1].score, s[k].score);
    const TrackEntry* best = BruteForceBest(snap, title, artist);
    if (!s.empty() && s[0].track == best) {
      ++agree;
      continue;
    }
    *misses += "\n  '" + title + "' by '" + artist + "': ";
    *misses += s.empty() ? "nothing" : "'" + s[0].track->record.tags.title + "'";
    const double best_score = SuggestScoreOf(best, title, artist);
    *misses += " instead of '" + best->record.tags.title + "' (" + std::to_string(best_score) + ")";
    EXPECT_LT(best_score, with_artist ? 0.7 * kStrongMatch + 0.3 : kStrongMatch)
        << "missed a strong match for '" << title << "' by '" << artist << "'";
  }
  return agree;
}

TEST(CatalogSnapshotTest, SuggestAgreesWithAFullScanOnMistypedTitles) {
  const GeneratedCatalog c = GenerateCatalog(3000, 11);
  CatalogSnapshot snap(c.tracks, {}, CatalogCounts{3000, 3000, 0, 0});
  constexpr int kQueries = 400;
  std::string misses;
  const int agree = AgreementWithScan(c, snap, kQueries, false, 5, &misses);
  RecordProperty("agreement", agree);
  EXPECT_GE(agree, kQueries * 99 / 100) << misses;
}

TEST(CatalogSnapshotTest, SuggestAgreesWithAFullScanOnMistypedTitlesAndArtists) {
  const GeneratedCatalog c = GenerateCatalog(3000, 12);
  CatalogSnapshot snap(c.tracks, {}, CatalogCounts{3000, 3000, 0, 0});
  constexpr int kQueries = 300;
  std::string misses;
  const int agree = AgreementWithScan(c, snap, kQueries, true, 6, &misses);
  RecordProperty("agreement", agree);
  EXPECT_GE(agree, kQueries * 99 / 100) << misses;
}

TEST(CatalogSnapshotTest, SuggestEqualsTheFullScanOnHandMadeMistakes) {
  GeneratedCatalog c = GenerateCatalog(3000, 13);
  std::int64_t rowid = 100000;
  for (auto [title, artist] :
       std::vector<std::pair<std::string, std::string>>{{"Bohemian Rhapsody", "Queen"},
                                                        {"Wonderwall", "Oasis"},
                                                        {"Smells Like Teen Spirit", "Nirvana"},
                                                        {"Deja Vu", "Beyonc\xc3\xa9"},
                                                        {"Ace of Spades", "Mot\xc3\xb6rhead"},
                                                        {"Overkill", "Mot\xc3\xb6rhead"},
                                                        {"A", "Single Letter"}}) {
    c.tracks.push_back(Track(rowid++, title, {artist}));
  }
  CatalogSnapshot snap(c.tracks, {}, CatalogCounts{});
  struct Case {
    std::string title, artist, expected;
  };
  for (const Case& k : std::vector<Case>{
           {"Bohemian Rapsody", "", "Bohemian Rhapsody"},               // deletion
           {"Wondrewall", "", "Wonderwall"},                            // transposition
           {"Smells Like Teen Spirot", "", "Smells Like Teen Spirit"},  // substitution
           {"DÉJÀ VU", "", "Deja Vu"},                                  // case and accents
           {"Ace of Spdes", "motorhead", "Ace of Spades"},
           {"", "Motorhead", ""},  // no title: by the artist alone
           {"a", "", "A"}}) {
    auto s = snap.Suggest(k.title, k.artist, 5);
    auto scan = snap.SuggestByScan(k.title, k.artist, 5);
    ASSERT_FALSE(s.empty()) << k.title;
    if (!k.expected.empty()) {
      EXPECT_EQ(s[0].track->record.tags.title, k.expected) << k.title;
    }
    if (!k.artist.empty()) {
      EXPECT_EQ(s[0].track->artist_keys[0], NormalizeName(k.artist)) << k.title;
    }
    EXPECT_EQ(s[0].track, BruteForceBest(snap, k.title, k.artist)) << k.title;
    // The scan's strong matches, in its order. Weaker ones (below 2/3: "Bohemian Rapsody" is
    // 0.375 like to some made-up titles by Levenshtein ratio alone) may differ.
    for (std::size_t i = 0; i < scan.size() && scan[i].score >= kStrongMatch; ++i) {
      ASSERT_LT(i, s.size()) << k.title;
      EXPECT_EQ(s[i].track, scan[i].track) << k.title << " #" << i;
      EXPECT_EQ(s[i].score, scan[i].score) << k.title << " #" << i;
    }
    for (const auto& x : s) EXPECT_EQ(x.score, SuggestScoreOf(x.track, k.title, k.artist));
  }
}

TEST(CatalogSnapshotTest, SuggestWithoutSharedTrigramsFallsBackToTheArtistOrNothing) {
  const GeneratedCatalog c = GenerateCatalog(2000, 14);
  CatalogSnapshot snap(c.tracks, {}, CatalogCounts{2000, 2000, 0, 0});
  // No title holds j, q, x or z: noise shares no trigram nor pair of letters with any title, so
  // nothing is suggested; the scan finds only titles of the same length (a Levenshtein ratio of
  // 1/9 for the space in the same place). A title with no letters gets nothing either.
  EXPECT_TRUE(snap.Suggest("qjxz zqjx", "", 5).empty());
  EXPECT_LT(snap.SuggestByScan("qjxz zqjx", "", 1).at(0).score, 0.2);
  EXPECT_TRUE(snap.Suggest("!?", "", 5).empty());
  // With an artist, that artist's tracks come first, in the scan's order.
  const std::string artist = c.tracks[7].tags.artists[0];
  auto s = snap.Suggest("qjxz", artist, 3);
  auto scan = snap.SuggestByScan("qjxz", artist, 3);
  ASSERT_EQ(s.size(), 3u);
  ASSERT_EQ(scan.size(), 3u);
  for (std::size_t i = 0; i < s.size(); ++i) {
    EXPECT_EQ(s[i].track, scan[i].track) << i;
    EXPECT_EQ(s[i].track->record.tags.artists[0], artist);
  }
}

TEST(CatalogSnapshotTest, SuggestHandlesAnEmptyCatalogAndAZeroLimit) {
  CatalogSnapshot empty({}, {}, CatalogCounts{});
  EXPECT_TRUE(empty.Suggest("anything", "", 5).empty());
  EXPECT_TRUE(empty.Suggest("", "", 5).empty());
  const GeneratedCatalog c = GenerateCatalog(1000, 15);
  CatalogSnapshot snap(c.tracks, {}, CatalogCounts{1000, 1000, 0, 0});
  EXPECT_TRUE(snap.Suggest(c.tracks[0].tags.title, "", 0).empty());
  // More than the candidates asked for: still the best first, and as many as asked.
  auto many = snap.Suggest(c.tracks[0].tags.title, "", 400);
  ASSERT_EQ(many.size(), 400u);
  EXPECT_EQ(many[0].score, 1.0);
}

TEST(CatalogSnapshotTest, SuggestIsThreadSafeOnOneSnapshot) {
  const GeneratedCatalog c = GenerateCatalog(3000, 16);
  const CatalogSnapshot snap(c.tracks, {}, CatalogCounts{3000, 3000, 0, 0});
  std::mt19937 rng(7);
  struct Query {
    std::string title, artist;
    std::vector<NameSuggestion> expected;
  };
  std::vector<Query> queries;
  for (int q = 0; q < 150; ++q) {
    const TrackRecord& t = c.tracks[rng() % c.tracks.size()];
    Query query{Mistype(t.tags.title, rng), q % 3 == 0 ? t.tags.artists[0] : "", {}};
    query.expected = snap.Suggest(query.title, query.artist, 5);
    queries.push_back(std::move(query));
  }
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 3; ++round) {
        for (std::size_t i = 0; i < queries.size(); ++i) {
          const Query& q = queries[(i + static_cast<std::size_t>(t) * 37) % queries.size()];
          auto got = snap.Suggest(q.title, q.artist, 5);
          bool same = got.size() == q.expected.size();
          for (std::size_t k = 0; same && k < got.size(); ++k) {
            same = got[k].track == q.expected[k].track && got[k].score == q.expected[k].score;
          }
          if (!same) mismatches.fetch_add(1);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
}

}  // namespace
}  // namespace sonance
