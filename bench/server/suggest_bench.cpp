// Name-suggestion and search benchmark: CatalogSnapshot::Suggest (trigram candidates, then
// exact scores) against SuggestByScan (NameSimilarity of every title), and Search (rank-ordered
// lists, stopping after the page) against SearchByScan (every match scored and sorted), on one
// generated catalog.
//
//   suggest_bench [--tracks=100000] [--seed=7] [Google Benchmark flags]
//
// The catalog is generated (seeded): titles of one to four words drawn from 5,000 made-up
// words, three in ten starting with "Love" (so some trigrams are in a fifth of the titles),
// 5,000 artists of one or two words. Queries are 1,000 titles of random tracks with one or two
// typing mistakes (deletion, substitution, transposition or insertion), or with case and
// accents changed, asked in turn, alone and with the artist (also mistyped). One thread; the
// figures are per query. Google Benchmark prints the machine in its header.
#include <benchmark/benchmark.h>

#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "sonance/server/catalog_view.h"

using namespace sonance;

namespace {

std::size_t g_tracks = 100000;
std::uint32_t g_seed = 7;

struct Query {
  std::string title;
  std::string artist;
};

struct Fixture {
  std::vector<TrackRecord> tracks;
  std::vector<Query> queries;
  std::vector<SearchQuery> searches;
};

std::string Mistype(const std::string& s, std::mt19937& rng) {
  auto pick = [&rng](std::size_t k) { return static_cast<std::size_t>(rng() % k); };
  std::string out = s;
  const std::size_t kind = pick(5);
  if (kind == 4) {
    std::string changed;
    for (char ch : out) {
      if (ch == 'e' && pick(2) == 0) {
        changed += "\xc3\xa9";  // é
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

Fixture Generate(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  auto pick = [&rng](std::size_t k) { return static_cast<std::size_t>(rng() % k); };
  static const char* kOnsets[] = {"b", "c", "d", "f", "g", "h",  "k",  "l",  "m",  "n",  "p",
                                  "r", "s", "t", "v", "w", "br", "st", "tr", "sh", "ch", "gl"};
  static const char* kVowels[] = {"a", "e", "i", "o", "u", "y", "ai", "ou", "ee"};
  std::vector<std::string> words;
  for (int w = 0; w < 5000; ++w) {
    std::string word;
    const std::size_t syllables = 1 + pick(3);
    for (std::size_t k = 0; k < syllables; ++k) {
      word += kOnsets[pick(std::size(kOnsets))];
      word += kVowels[pick(std::size(kVowels))];
    }
    if (pick(2) == 0) word += kOnsets[pick(14)];
    words.push_back(word);
  }
  std::vector<std::string> artists;
  for (int a = 0; a < 5000; ++a) {
    std::string name = words[pick(words.size())];
    if (pick(2) == 0) name += " " + words[pick(words.size())];
    name[0] = static_cast<char>(std::toupper(name[0]));
    artists.push_back(name);
  }
  Fixture f;
  f.tracks.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::string title = pick(10) < 3 ? "Love" : "";
    const std::size_t count = 1 + pick(4) - (title.empty() ? 0 : 1);
    for (std::size_t k = 0; k < count; ++k)
      title += (title.empty() ? "" : " ") + words[pick(words.size())];
    if (title.empty()) title = words[pick(words.size())];
    TrackRecord r;
    r.rowid = static_cast<std::int64_t>(i + 1);
    r.path = "/bench/" + std::to_string(i + 1);
    r.id = TrackIdForPath(r.path);
    r.tags.title = title;
    r.tags.artists = {artists[pick(artists.size())]};
    r.source = "analyzed";
    // Spread over 0..100 without drawing from rng, so the suggestion figures keep their catalog.
    r.popularity = static_cast<int>((i * 2654435761u) % 101);
    f.tracks.push_back(std::move(r));
  }
  for (int q = 0; q < 1000; ++q) {
    const TrackRecord& t = f.tracks[pick(f.tracks.size())];
    f.queries.push_back({Mistype(t.tags.title, rng), Mistype(t.tags.artists[0], rng)});
  }
  // Search queries as bench/load/export_lists.py draws them: one or two consecutive words of
  // a random track's title, so common words ("love") come up as often as they do in titles.
  while (f.searches.size() < 1000) {
    std::vector<std::string> title_words;
    std::string word;
    for (char ch : f.tracks[pick(f.tracks.size())].tags.title + " ") {
      if (ch != ' ') {
        word += ch;
      } else if (!word.empty()) {
        title_words.push_back(word);
        word.clear();
      }
    }
    const std::size_t start = pick(title_words.size());
    std::string text = title_words[start];
    if (pick(2) == 0 && start + 1 < title_words.size()) text += " " + title_words[start + 1];
    f.searches.push_back(*ParseSearchQuery(text));
  }
  return f;
}

const Fixture& TheFixture() {
  static const Fixture f = Generate(g_tracks, g_seed);
  return f;
}

const CatalogSnapshot& TheSnapshot() {
  static const CatalogSnapshot snap(TheFixture().tracks, {}, CatalogCounts{});
  return snap;
}

// range(0): 1 to pass the artist too.
void BM_Suggest(benchmark::State& state) {
  const CatalogSnapshot& snap = TheSnapshot();
  const auto& queries = TheFixture().queries;
  const bool with_artist = state.range(0) != 0;
  std::size_t i = 0;
  for (auto _ : state) {
    const Query& q = queries[i++ % queries.size()];
    benchmark::DoNotOptimize(snap.Suggest(q.title, with_artist ? q.artist : "", 5));
  }
  state.counters["tracks"] = static_cast<double>(snap.tracks().size());
}

void BM_SuggestByScan(benchmark::State& state) {
  const CatalogSnapshot& snap = TheSnapshot();
  const auto& queries = TheFixture().queries;
  const bool with_artist = state.range(0) != 0;
  std::size_t i = 0;
  for (auto _ : state) {
    const Query& q = queries[i++ % queries.size()];
    benchmark::DoNotOptimize(snap.SuggestByScan(q.title, with_artist ? q.artist : "", 5));
  }
  state.counters["tracks"] = static_cast<double>(snap.tracks().size());
}

// Not a timing, one pass over the first 100 queries: "agree" is the share whose first
// suggestion is the scan's, "strong_miss" the share of the others where the scan's best scores
// above 2/3 (blended 0.7/0.3 with a perfect artist: 0.767), a match worth suggesting.
void BM_TopAgreement(benchmark::State& state) {
  const CatalogSnapshot& snap = TheSnapshot();
  const auto& queries = TheFixture().queries;
  const bool with_artist = state.range(0) != 0;
  const double strong = with_artist ? 0.7 * 2.0 / 3.0 + 0.3 : 2.0 / 3.0;
  constexpr std::size_t kChecked = 100;
  double agree = 0;
  double strong_miss = 0;
  for (auto _ : state) {
    agree = 0;
    strong_miss = 0;
    for (std::size_t i = 0; i < kChecked; ++i) {
      const std::string artist = with_artist ? queries[i].artist : "";
      auto fast = snap.Suggest(queries[i].title, artist, 1);
      auto scan = snap.SuggestByScan(queries[i].title, artist, 1);
      if (!fast.empty() && fast[0].track == scan[0].track) {
        ++agree;
      } else if (scan[0].score > strong) {
        ++strong_miss;
      }
    }
  }
  state.counters["agree"] = agree / kChecked;
  state.counters["strong_miss"] = strong_miss / kChecked;
}

// /v1/search's work without HTTP: the first page of 20 (range(0) = 0) or a later one.
void BM_Search(benchmark::State& state) {
  const CatalogSnapshot& snap = TheSnapshot();
  const auto& searches = TheFixture().searches;
  const auto offset = static_cast<std::size_t>(state.range(0));
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(snap.Search(searches[i++ % searches.size()], offset, 20));
  }
}

// Search's reference: every match scored and sorted.
void BM_SearchByScan(benchmark::State& state) {
  const CatalogSnapshot& snap = TheSnapshot();
  const auto& searches = TheFixture().searches;
  const auto offset = static_cast<std::size_t>(state.range(0));
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(snap.SearchByScan(searches[i++ % searches.size()], offset, 20));
  }
}

void BM_BuildSnapshot(benchmark::State& state) {
  const auto& tracks = TheFixture().tracks;
  for (auto _ : state) {
    CatalogSnapshot snap(tracks, {}, CatalogCounts{});
    benchmark::DoNotOptimize(snap.tracks().data());
  }
}

BENCHMARK(BM_Suggest)->ArgName("artist")->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SuggestByScan)->ArgName("artist")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Search)->ArgName("offset")->Arg(0)->Arg(200)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SearchByScan)->ArgName("offset")->Arg(0)->Arg(200)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_TopAgreement)
    ->ArgName("artist")
    ->Arg(0)
    ->Arg(1)
    ->Iterations(1)
    ->Unit(benchmark::kSecond);
BENCHMARK(BM_BuildSnapshot)->Iterations(3)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  // Our flags first; the rest are Google Benchmark's.
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--tracks=", 9) == 0) {
      g_tracks = std::strtoull(argv[i] + 9, nullptr, 10);
    } else if (std::strncmp(argv[i], "--seed=", 7) == 0) {
      g_seed = static_cast<std::uint32_t>(std::strtoul(argv[i] + 7, nullptr, 10));
    } else {
      rest.push_back(argv[i]);
    }
  }
  int n = static_cast<int>(rest.size());
  benchmark::Initialize(&n, rest.data());
  if (benchmark::ReportUnrecognizedArguments(n, rest.data())) return 1;
  benchmark::AddCustomContext("tracks", std::to_string(g_tracks));
  benchmark::AddCustomContext("seed", std::to_string(g_seed));
  benchmark::AddCustomContext("catalog", "generated: 5000 made-up words, 5000 artists");
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
