// Text-semantics speed: ESA index load, ESA vectorisation throughput, storyline-soundtrack
// latency and lyrics-search latency, on the real WordNet 3.0 ESA index (`sonance esa build`).
//
//   text_bench --index esa.idx [--wordnet /usr/share/wordnet] [--work DIR] [--tracks 100000]
//              [--songs 10000] [--artist-songs 50] [--story-words 2000] [--runs 30]
//              [--queries 300] [--reloads 20] [--throughput-glosses 20000] [--seed 7]
//              [--json FILE]
//
// Text: WordNet glosses (the definitions and examples after " | " in DIR/data.*), read here
// with their lexicographer file ("noun.animal", "verb.motion", ...) so that texts can be
// topical; they are the same glosses ReadWordNetConcepts puts into the concepts. Words are
// counted with text::Tokenize.
//
//   1. load: EsaIndex::Load once, after asking the kernel to drop the file's cached pages
//      (posix_fadvise DONTNEED; best effort), with the first Vectorize after it (page faults),
//      then the median of --reloads further loads.
//   2. throughput: every one of --throughput-glosses glosses vectorised alone (Vectorize
//      default max_concepts), one thread and two threads; median of 3 passes.
//   3. soundtrack: a story of --story-words words, five scenes of glosses of five lexicographer
//      files, against --songs songs (artists of --artist-songs songs; each artist has two
//      topics, each song ~20 glosses of one of them, vector Vectorize(lyrics, 200) as stored);
//      --runs runs recommending the artist and --runs with a given artist.
//   4. lyrics search: a SQLite catalog of --tracks imported tracks (features, popularity) with
//      ~12 lines of glosses each, VectorizeCatalog (2 threads), SemanticLibrary::Load, then
//      --queries phrases of 2-5 consecutive words of glosses through SearchLyrics(q, 10).
//      --tracks 0 skips this part.
// Seeded: the same arguments give the same texts. A human summary on stdout, then the JSON.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "sonance/catalog/catalog.h"
#include "sonance/semantic/library.h"
#include "sonance/semantic/song_vectors.h"
#include "sonance/text/esa.h"
#include "sonance/text/mood.h"
#include "sonance/text/soundtrack.h"
#include "sonance/text/text.h"

using namespace sonance;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

namespace {

// ---- arguments ----------------------------------------------------------------------------

struct Args {
  std::string index;
  std::string wordnet = "/usr/share/wordnet";
  std::string work = "/tmp/sonance-text-bench";
  std::string json_out;
  std::size_t tracks = 100000;
  std::size_t songs = 10000;
  std::size_t artist_songs = 50;
  std::size_t story_words = 2000;
  std::size_t runs = 30;
  std::size_t queries = 300;
  std::size_t reloads = 20;
  std::size_t throughput_glosses = 20000;
  std::uint64_t seed = 7;
};

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr,
               "text_bench: %s\nusage: text_bench --index FILE [--wordnet DIR] [--work DIR] "
               "[--tracks N] [--songs N] [--artist-songs N] [--story-words N] [--runs N] "
               "[--queries N] [--reloads N] [--throughput-glosses N] [--seed N] [--json FILE]\n",
               why);
  std::exit(2);
}

Args Parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; i += 2) {
    const std::string k = argv[i];
    if (i + 1 >= argc) Usage(("no value for " + k).c_str());
    const std::string v = argv[i + 1];
    auto number = [&] {
      char* end = nullptr;
      const unsigned long long n = std::strtoull(v.c_str(), &end, 10);
      if (end == v.c_str() || *end != '\0') Usage(("not a number: " + k + " " + v).c_str());
      return static_cast<std::size_t>(n);
    };
    if (k == "--index")
      a.index = v;
    else if (k == "--wordnet")
      a.wordnet = v;
    else if (k == "--work")
      a.work = v;
    else if (k == "--json")
      a.json_out = v;
    else if (k == "--tracks")
      a.tracks = number();
    else if (k == "--songs")
      a.songs = number();
    else if (k == "--artist-songs")
      a.artist_songs = number();
    else if (k == "--story-words")
      a.story_words = number();
    else if (k == "--runs")
      a.runs = number();
    else if (k == "--queries")
      a.queries = number();
    else if (k == "--reloads")
      a.reloads = number();
    else if (k == "--throughput-glosses")
      a.throughput_glosses = number();
    else if (k == "--seed")
      a.seed = number();
    else
      Usage(("unknown option " + k).c_str());
  }
  if (a.index.empty()) Usage("--index is required");
  if (a.songs == 0 || a.artist_songs == 0 || a.runs == 0 || a.queries == 0 || a.reloads == 0 ||
      a.throughput_glosses == 0 || a.story_words == 0) {
    Usage("counts must be positive (only --tracks may be 0)");
  }
  return a;
}

[[noreturn]] void Die(const std::string& what, const Status& s) {
  std::fprintf(stderr, "text_bench: %s: %s\n", what.c_str(), s.message().c_str());
  std::exit(1);
}

// ---- measuring ----------------------------------------------------------------------------

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// Nearest-rank percentile (p in (0, 1]) of unsorted values.
double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  std::size_t rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size())));
  rank = std::clamp<std::size_t>(rank, 1, v.size());
  return v[rank - 1];
}

double Median(const std::vector<double>& v) {
  if (v.empty()) return std::nan("");
  std::vector<double> s = v;
  std::sort(s.begin(), s.end());
  const std::size_t n = s.size();
  return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

json Latency(const std::vector<double>& seconds) {
  return {{"n", seconds.size()},
          {"p50_ms", 1e3 * Percentile(seconds, 0.50)},
          {"p90_ms", 1e3 * Percentile(seconds, 0.90)},
          {"p99_ms", 1e3 * Percentile(seconds, 0.99)},
          {"max_ms", 1e3 * Percentile(seconds, 1.0)}};
}

// Resident set size of this process in MiB (VmRSS), NaN when /proc is unavailable.
double RssMb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtod(line.c_str() + 6, nullptr) / 1024.0;
  }
  return std::nan("");
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

// Runs f(i) for i in [0, n) on `threads` threads, interleaved.
template <typename F>
void ParallelFor(std::size_t n, int threads, F&& f) {
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t i = next++; i < n; i = next++) f(i);
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
}

// ---- text ---------------------------------------------------------------------------------

struct Gloss {
  int lexfile = 0;
  std::string text;  // a sentence: capitalised, ending in '.'
};

const char* const kLexfileNames[] = {"adj.all",          "adj.pert",           "adv.all",
                                     "noun.Tops",        "noun.act",           "noun.animal",
                                     "noun.artifact",    "noun.attribute",     "noun.body",
                                     "noun.cognition",   "noun.communication", "noun.event",
                                     "noun.feeling",     "noun.food",          "noun.group",
                                     "noun.location",    "noun.motive",        "noun.object",
                                     "noun.person",      "noun.phenomenon",    "noun.plant",
                                     "noun.possession",  "noun.process",       "noun.quantity",
                                     "noun.relation",    "noun.shape",         "noun.state",
                                     "noun.substance",   "noun.time",          "verb.body",
                                     "verb.change",      "verb.cognition",     "verb.communication",
                                     "verb.competition", "verb.consumption",   "verb.contact",
                                     "verb.creation",    "verb.emotion",       "verb.motion",
                                     "verb.perception",  "verb.possession",    "verb.social",
                                     "verb.stative",     "verb.weather",       "adj.ppl"};
constexpr int kLexfiles = static_cast<int>(std::size(kLexfileNames));

// The glosses of every synset of WordNet's data.noun, data.verb, data.adj and data.adv.
std::vector<Gloss> ReadGlosses(const fs::path& dir) {
  std::vector<Gloss> out;
  for (const char* name : {"data.noun", "data.verb", "data.adj", "data.adv"}) {
    std::ifstream in(dir / name);
    if (!in) Die("reading glosses", Status::NotFound("cannot read " + (dir / name).string()));
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == ' ') continue;  // the licence header
      const std::size_t bar = line.find(" | ");
      if (bar == std::string::npos) continue;
      std::istringstream fields(line.substr(0, bar));
      std::uint32_t offset = 0;
      int lexfile = -1;
      if (!(fields >> offset >> lexfile) || lexfile < 0 || lexfile >= kLexfiles) continue;
      std::string g = line.substr(bar + 3);
      while (!g.empty() && (g.back() == ' ' || g.back() == '\r' || g.back() == ';')) g.pop_back();
      if (g.empty()) continue;
      if (g[0] >= 'a' && g[0] <= 'z') g[0] = static_cast<char>(g[0] - 'a' + 'A');
      if (g.back() != '.' && g.back() != '?' && g.back() != '!' && g.back() != '"') g += '.';
      if (g.back() == '"') g += '.';
      out.push_back({lexfile, std::move(g)});
    }
  }
  return out;
}

std::size_t CountWords(std::string_view s) {
  return text::Tokenize(s).size();
}

// ---- 1. index load ------------------------------------------------------------------------

json BenchLoad(const Args& args, std::shared_ptr<const EsaIndex>& esa, const std::string& sample) {
  const std::uintmax_t bytes = fs::file_size(args.index);
  bool evicted = false;
  if (int fd = ::open(args.index.c_str(), O_RDONLY); fd >= 0) {
    evicted = ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0;
    ::close(fd);
  }
  auto t0 = Clock::now();
  auto first = EsaIndex::Load(args.index);
  const double first_load = Seconds(t0);
  if (!first.ok()) Die("loading the ESA index", first.status());
  t0 = Clock::now();
  const std::size_t sample_concepts = (*first)->Vectorize(sample).size();
  const double first_vectorize = Seconds(t0);
  t0 = Clock::now();
  (void)(*first)->Vectorize(sample);
  const double second_vectorize = Seconds(t0);
  std::vector<double> reloads;
  for (std::size_t i = 0; i < args.reloads; ++i) {
    t0 = Clock::now();
    auto again = EsaIndex::Load(args.index);
    reloads.push_back(Seconds(t0));
    if (!again.ok()) Die("reloading the ESA index", again.status());
  }
  esa = *first;
  std::printf(
      "1. index load: %s, %.1f MB, %zu concepts, %zu terms\n"
      "   first load %.2f ms (page cache dropped for the file: %s), then first Vectorize of "
      "%zu words %.2f ms (same text again: %.2f ms)\n"
      "   reload median of %zu: %.3f ms\n",
      args.index.c_str(), static_cast<double>(bytes) / 1e6, esa->concept_count(), esa->term_count(),
      1e3 * first_load, evicted ? "asked" : "no", CountWords(sample), 1e3 * first_vectorize,
      1e3 * second_vectorize, reloads.size(), 1e3 * Median(reloads));
  return {{"file", args.index},
          {"bytes", bytes},
          {"concepts", esa->concept_count()},
          {"terms", esa->term_count()},
          {"corpus", esa->corpus_name()},
          {"page_cache_drop_requested", evicted},
          {"first_load_ms", 1e3 * first_load},
          {"first_vectorize_words", CountWords(sample)},
          {"first_vectorize_ms", 1e3 * first_vectorize},
          {"first_vectorize_concepts", sample_concepts},
          {"second_vectorize_ms", 1e3 * second_vectorize},
          {"reloads", reloads.size()},
          {"reload_median_ms", 1e3 * Median(reloads)},
          {"reload_max_ms", 1e3 * Percentile(reloads, 1.0)}};
}

// ---- 2. vectorisation throughput ----------------------------------------------------------

json BenchThroughput(const Args& args, const EsaIndex& esa, const std::vector<Gloss>& glosses,
                     std::mt19937_64& rng) {
  std::vector<const std::string*> texts;
  std::vector<std::size_t> order(glosses.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);
  const std::size_t n = std::min(args.throughput_glosses, glosses.size());
  std::size_t words = 0;
  for (std::size_t i = 0; i < n; ++i) {
    texts.push_back(&glosses[order[i]].text);
    words += CountWords(*texts.back());
  }
  json out = {{"texts", n},
              {"words", words},
              {"mean_words_per_text", static_cast<double>(words) / static_cast<double>(n)}};
  // How many concepts a gloss touches before Vectorize keeps its largest: the size of what
  // it sorts (not timed).
  std::size_t touched = 0;
  const std::size_t sampled = std::min<std::size_t>(n, 1000);
  for (std::size_t i = 0; i < sampled; ++i) {
    touched += esa.Vectorize(*texts[i], std::numeric_limits<std::size_t>::max()).size();
  }
  const double mean_touched = static_cast<double>(touched) / static_cast<double>(sampled);
  out["mean_concepts_touched_per_text"] = mean_touched;
  std::printf(
      "2. ESA vectorisation of %zu glosses (%zu words, %.1f per gloss; %.0f concepts touched per "
      "gloss before the top 2000 are kept), median of 3 passes\n",
      n, words, static_cast<double>(words) / static_cast<double>(n), mean_touched);
  std::atomic<std::size_t> sink{0};
  for (int threads : {1, 2}) {
    std::vector<double> passes;
    for (int pass = 0; pass < 3; ++pass) {
      const auto t0 = Clock::now();
      ParallelFor(n, threads, [&](std::size_t i) { sink += esa.Vectorize(*texts[i]).size(); });
      passes.push_back(Seconds(t0));
    }
    const double s = Median(passes);
    const double wps = static_cast<double>(words) / s;
    std::printf("   %d thread%s: %.2f s, %.0f words/s (%.0f words/s per core), %.0f texts/s\n",
                threads, threads == 1 ? " " : "s", s, wps, wps / threads,
                static_cast<double>(n) / s);
    out[threads == 1 ? "one_thread" : "two_threads"] = {{"seconds", s},
                                                        {"words_per_s", wps},
                                                        {"words_per_s_per_core", wps / threads},
                                                        {"texts_per_s", static_cast<double>(n) / s},
                                                        {"passes_s", passes}};
  }
  // The same glosses joined 20 to a text (a song's lyrics; VectorizeCatalog's unit), kept
  // to 200 concepts as song vectors are: the per-call cost is spread over more words.
  std::vector<std::string> songs;
  for (std::size_t i = 0; i < n; i += 20) {
    std::string song;
    for (std::size_t j = i; j < std::min(n, i + 20); ++j) song += *texts[j] + "\n";
    songs.push_back(std::move(song));
  }
  std::printf("   the same glosses as %zu texts of 20 (Vectorize(text, 200)):\n", songs.size());
  for (int threads : {1, 2}) {
    std::vector<double> passes;
    for (int pass = 0; pass < 3; ++pass) {
      const auto t0 = Clock::now();
      ParallelFor(songs.size(), threads,
                  [&](std::size_t i) { sink += esa.Vectorize(songs[i], 200).size(); });
      passes.push_back(Seconds(t0));
    }
    const double s = Median(passes);
    const double wps = static_cast<double>(words) / s;
    std::printf("   %d thread%s: %.2f s, %.0f words/s (%.0f words/s per core)\n", threads,
                threads == 1 ? " " : "s", s, wps, wps / threads);
    out[threads == 1 ? "song_texts_one_thread" : "song_texts_two_threads"] = {
        {"texts", songs.size()},
        {"seconds", s},
        {"words_per_s", wps},
        {"words_per_s_per_core", wps / threads},
        {"passes_s", passes}};
  }
  if (sink.load() == 0) std::printf("   (no vector had a concept)\n");
  return out;
}

// ---- 3. soundtrack -------------------------------------------------------------------------

// Glosses grouped by lexicographer file.
using Topics = std::vector<std::vector<const Gloss*>>;

Topics GroupByTopic(const std::vector<Gloss>& glosses) {
  Topics t(kLexfiles);
  for (const Gloss& g : glosses) t[static_cast<std::size_t>(g.lexfile)].push_back(&g);
  return t;
}

const Gloss& Pick(const std::vector<const Gloss*>& topic, std::mt19937_64& rng) {
  std::uniform_int_distribution<std::size_t> d(0, topic.size() - 1);
  return *topic[d(rng)];
}

// Lexicographer files with enough glosses to write songs from.
std::vector<int> SongTopics(const Topics& topics) {
  std::vector<int> out;
  for (int t = 0; t < kLexfiles; ++t) {
    if (topics[static_cast<std::size_t>(t)].size() >= 300) out.push_back(t);
  }
  return out;
}

json TimingsJson(const std::vector<SoundtrackTimings>& t) {
  auto med = [&](double SoundtrackTimings::*field) {
    std::vector<double> v;
    for (const SoundtrackTimings& x : t) v.push_back(1e3 * (x.*field));
    return Median(v);
  };
  return {{"scene_split_ms", med(&SoundtrackTimings::scene_split)},
          {"esa_vectors_ms", med(&SoundtrackTimings::esa_vectors)},
          {"story_vector_ms", med(&SoundtrackTimings::story_vector)},
          {"track_vectors_ms", med(&SoundtrackTimings::track_vectors)},
          {"artist_recommendation_ms", med(&SoundtrackTimings::artist_recommendation)},
          {"top_tracks_ms", med(&SoundtrackTimings::top_tracks)},
          {"assignment_ms", med(&SoundtrackTimings::assignment)}};
}

json BenchSoundtrack(const Args& args, const EsaIndex& esa, const MoodLexicon& mood,
                     const Topics& topics, std::mt19937_64& rng) {
  // The story: five scenes, each of story_words / 5 words of one topic's glosses.
  const int story_topics[] = {5, 13, 12, 19, 6};  // animal, food, feeling, phenomenon, artifact
  std::string story;
  std::size_t story_words = 0;
  std::size_t story_sentences = 0;
  for (int t : story_topics) {
    std::size_t scene_words = 0;
    while (scene_words < args.story_words / 5) {
      const Gloss& g = Pick(topics[static_cast<std::size_t>(t)], rng);
      if (!story.empty()) story += ' ';
      story += g.text;
      scene_words += CountWords(g.text);
      ++story_sentences;
    }
    story_words += scene_words;
  }

  // The library: artists of artist_songs songs; each artist has two topics, each song ~20
  // glosses (18..22) of one of them.
  const std::vector<int> song_topics = SongTopics(topics);
  const std::size_t artists = (args.songs + args.artist_songs - 1) / args.artist_songs;
  std::vector<SoundtrackSong> songs(args.songs);
  std::vector<std::string> lyrics(args.songs);
  std::uniform_int_distribution<std::size_t> topic_of(0, song_topics.size() - 1);
  std::uniform_int_distribution<int> lines_of(18, 22);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<std::pair<int, int>> artist_topics(artists);
  for (auto& [a, b] : artist_topics) {
    a = song_topics[topic_of(rng)];
    b = song_topics[topic_of(rng)];
  }
  std::size_t library_words = 0;
  for (std::size_t i = 0; i < args.songs; ++i) {
    const std::size_t artist = i / args.artist_songs;
    char name[32];
    std::snprintf(name, sizeof name, "Artist %03zu", artist + 1);
    SoundtrackSong& s = songs[i];
    s.track_id = "song-" + std::to_string(i + 1);
    s.title = "Song " + std::to_string(i + 1);
    s.artist = name;
    s.popularity = std::floor(100.0 * unit(rng));
    s.has_lyrics = true;
    s.valence = unit(rng);
    s.energy = unit(rng);
    const int topic = unit(rng) < 0.5 ? artist_topics[artist].first : artist_topics[artist].second;
    const int lines = lines_of(rng);
    for (int l = 0; l < lines; ++l) {
      if (l > 0) lyrics[i] += '\n';
      lyrics[i] += Pick(topics[static_cast<std::size_t>(topic)], rng).text;
    }
    library_words += CountWords(lyrics[i]);
  }
  auto t0 = Clock::now();
  ParallelFor(songs.size(), 2,
              [&](std::size_t i) { songs[i].vector = esa.Vectorize(lyrics[i], 200); });
  const double library_vectorize = Seconds(t0);
  std::printf(
      "3. soundtrack: story of %zu words, %zu sentences (five topics); library of %zu songs by "
      "%zu artists, %zu words of lyrics, vectorised in %.1f s on 2 threads\n",
      story_words, story_sentences, songs.size(), artists, library_words, library_vectorize);

  json out = {{"story_words", story_words},
              {"story_sentences", story_sentences},
              {"story_characters", CountCharacters(story)},
              {"songs", songs.size()},
              {"artists", artists},
              {"library_words", library_words},
              {"library_vectorize_s_2_threads", library_vectorize}};
  char given[32];
  std::snprintf(given, sizeof given, "Artist %03zu", artists / 2 + 1);
  for (const bool with_artist : {false, true}) {
    SoundtrackOptions options;
    if (with_artist) options.artist = given;
    std::vector<double> wall;
    std::vector<SoundtrackTimings> timings;
    SoundtrackResult last;
    for (std::size_t run = 0; run < args.runs + 2; ++run) {  // two warm-up runs
      t0 = Clock::now();
      auto r = GenerateSoundtrack(story, songs, esa, mood, options);
      const double s = Seconds(t0);
      if (!r.ok()) Die("GenerateSoundtrack", r.status());
      if (run < 2) continue;
      wall.push_back(s);
      timings.push_back(r->timings);
      last = std::move(*r);
    }
    const json lat = Latency(wall);
    const json steps = TimingsJson(timings);
    std::printf(
        "   %s: %zu scenes, artist %s (similarity %.3f); p50 %.1f ms, p90 %.1f ms, p99 %.1f ms "
        "over %zu runs\n"
        "     median steps (ms): scene_split %.1f, esa_vectors %.1f, story_vector %.1f, "
        "track_vectors %.1f, artist_recommendation %.1f, top_tracks %.1f, assignment %.1f\n",
        with_artist ? "given artist" : "artist recommended", last.scenes.size(),
        last.artist.c_str(), last.artist_similarity, lat["p50_ms"].get<double>(),
        lat["p90_ms"].get<double>(), lat["p99_ms"].get<double>(), wall.size(),
        steps["scene_split_ms"].get<double>(), steps["esa_vectors_ms"].get<double>(),
        steps["story_vector_ms"].get<double>(), steps["track_vectors_ms"].get<double>(),
        steps["artist_recommendation_ms"].get<double>(), steps["top_tracks_ms"].get<double>(),
        steps["assignment_ms"].get<double>());
    out[with_artist ? "given_artist" : "recommended_artist"] = {
        {"artist", last.artist},
        {"artist_similarity", last.artist_similarity},
        {"scenes", last.scenes.size()},
        {"songs_used", last.songs.size()},
        {"latency", lat},
        {"median_steps", steps}};
  }
  return out;
}

// ---- 4. lyrics search ---------------------------------------------------------------------

json BenchLyricsSearch(const Args& args, const std::shared_ptr<const EsaIndex>& esa,
                       const std::shared_ptr<const MoodLexicon>& mood, const Topics& topics,
                       const std::vector<Gloss>& glosses, std::mt19937_64& rng) {
  const fs::path db = fs::path(args.work) / "text-bench-catalog.db";
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db.string() + suffix);
  auto catalog = Catalog::Open(db);
  if (!catalog.ok()) Die("opening the catalog", catalog.status());

  const std::vector<int> song_topics = SongTopics(topics);
  std::uniform_int_distribution<std::size_t> topic_of(0, song_topics.size() - 1);
  std::uniform_int_distribution<int> lines_of(10, 14);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const std::size_t artists = (args.tracks + args.artist_songs - 1) / args.artist_songs;
  std::vector<std::pair<int, int>> artist_topics(artists);
  for (auto& [a, b] : artist_topics) {
    a = song_topics[topic_of(rng)];
    b = song_topics[topic_of(rng)];
  }
  auto id_of = [](std::size_t i) { return EncodeTrackId(0x5e0a7ceULL, i + 1); };
  std::vector<int> track_topic(args.tracks);  // the song's lexicographer file, its "genre"

  // Tracks, one import.
  auto t0 = Clock::now();
  {
    auto import = (*catalog)->BeginImport();
    if (!import.ok()) Die("BeginImport", import.status());
    for (std::size_t i = 0; i < args.tracks; ++i) {
      const std::size_t artist = i / args.artist_songs;
      const int topic =
          unit(rng) < 0.5 ? artist_topics[artist].first : artist_topics[artist].second;
      track_topic[i] = topic;
      ImportedTrack t;
      t.spotify_id = id_of(i);
      t.tags.title = "Track " + std::to_string(i + 1);
      t.tags.artists = {"Artist " + std::to_string(artist + 1)};
      t.tags.album = "Album " + std::to_string(i / 10 + 1);
      t.tags.genre = kLexfileNames[topic];
      t.duration_ms = 120000 + static_cast<std::int64_t>(180000 * unit(rng));
      t.popularity = static_cast<int>(100 * unit(rng));
      AudioFeatures f;
      f.features_version = kImportedFeaturesVersion;
      f.danceability = unit(rng);
      f.energy = unit(rng);
      f.key = static_cast<int>(12 * unit(rng));
      f.loudness = -20 + 16 * unit(rng);
      f.mode = unit(rng) < 0.5 ? 1 : 0;
      f.speechiness = 0.1 * unit(rng);
      f.acousticness = unit(rng);
      f.instrumentalness = 0.2 * unit(rng);
      f.liveness = 0.3 * unit(rng);
      f.valence = unit(rng);
      f.tempo = 70 + 110 * unit(rng);
      f.time_signature = 4;
      f.duration_ms = t.duration_ms;
      t.features = f;
      auto put = (*import)->PutTrack(t);
      if (!put.ok()) Die("PutTrack", put.status());
    }
    if (Status s = (*import)->Commit(); !s.ok()) Die("committing the tracks", s);
  }
  const double import_tracks = Seconds(t0);

  // Lyrics, a second import (its matcher sees the committed tracks).
  t0 = Clock::now();
  std::size_t lyric_lines = 0;
  {
    auto import = (*catalog)->BeginImport();
    if (!import.ok()) Die("BeginImport", import.status());
    for (std::size_t i = 0; i < args.tracks; ++i) {
      auto rowid = (*import)->MatchTrack("spotify:track:" + id_of(i), "", "");
      if (!rowid.ok()) Die("MatchTrack", rowid.status());
      if (!*rowid) Die("MatchTrack", Status::NotFound("track " + id_of(i) + " was not stored"));
      const auto& topic = topics[static_cast<std::size_t>(track_topic[i])];
      TrackLyrics lyrics;
      lyrics.source = "txt";
      const int n = lines_of(rng);
      for (int l = 0; l < n; ++l) {
        lyrics.lines.push_back({std::nullopt, Pick(topic, rng).text});
      }
      lyric_lines += lyrics.lines.size();
      if (Status s = (*import)->PutLyrics(**rowid, lyrics); !s.ok()) Die("PutLyrics", s);
    }
    if (Status s = (*import)->Commit(); !s.ok()) Die("committing the lyrics", s);
  }
  const double import_lyrics = Seconds(t0);
  std::printf(
      "4. lyrics search: catalog of %zu tracks by %zu artists (%s); import %.1f s, lyrics "
      "(%zu lines) %.1f s\n",
      args.tracks, artists, db.string().c_str(), import_tracks, lyric_lines, import_lyrics);

  VectorizeOptions vo;
  vo.threads = 2;
  auto summary = VectorizeCatalog(**catalog, *esa, *mood, vo);
  if (!summary.ok()) Die("VectorizeCatalog", summary.status());
  const double tracks_per_s = static_cast<double>(summary->computed) / summary->seconds;
  const double words_per_s = static_cast<double>(summary->words) / summary->seconds;
  std::printf(
      "   VectorizeCatalog (2 threads): %zu vectors (%zu from lyrics), %zu words in %.1f s: %.0f "
      "tracks/s, %.0f words/s\n",
      summary->computed, summary->from_lyrics, summary->words, summary->seconds, tracks_per_s,
      words_per_s);

  const double rss_before = RssMb();
  t0 = Clock::now();
  auto library = SemanticLibrary::Load(**catalog, esa, mood);
  const double load_s = Seconds(t0);
  if (!library.ok()) Die("SemanticLibrary::Load", library.status());
  const double rss_after = RssMb();
  std::printf(
      "   SemanticLibrary::Load: %.2f s, %zu songs (%zu with lyrics, %zu without a vector); "
      "VmRSS %.0f -> %.0f MB (+%.0f MB)\n",
      load_s, (*library)->songs().size(), (*library)->with_lyrics(), (*library)->missing_vectors(),
      rss_before, rss_after, rss_after - rss_before);

  // Queries: 2-5 consecutive words of a random gloss, with at least one term ESA knows.
  std::vector<std::string> queries;
  std::uniform_int_distribution<std::size_t> gloss_of(0, glosses.size() - 1);
  std::uniform_int_distribution<std::size_t> len_of(2, 5);
  while (queries.size() < args.queries + 10) {
    const std::vector<std::string> words = text::Tokenize(glosses[gloss_of(rng)].text);
    const std::size_t len = len_of(rng);
    if (words.size() < len) continue;
    std::uniform_int_distribution<std::size_t> start_of(0, words.size() - len);
    const std::size_t start = start_of(rng);
    std::string q;
    for (std::size_t w = start; w < start + len; ++w) q += (q.empty() ? "" : " ") + words[w];
    if (esa->Vectorize(q).empty()) continue;
    queries.push_back(std::move(q));
  }
  std::vector<double> latency;
  std::vector<double> candidates;
  std::size_t empty = 0;
  for (std::size_t i = 0; i < queries.size(); ++i) {
    t0 = Clock::now();
    auto r = (*library)->SearchLyrics(queries[i], 10);
    const double s = Seconds(t0);
    if (!r.ok()) Die("SearchLyrics '" + queries[i] + "'", r.status());
    if (i < 10) continue;  // warm-up
    latency.push_back(s);
    candidates.push_back(static_cast<double>(r->candidates));
    if (r->hits.empty()) ++empty;
  }
  const json lat = Latency(latency);
  std::printf(
      "   SearchLyrics(q, 10), %zu queries of 2-5 words (e.g. \"%s\"): p50 %.1f ms, p90 %.1f ms, "
      "p99 %.1f ms; median candidates %.0f; %zu without a hit\n",
      latency.size(), queries[10].c_str(), lat["p50_ms"].get<double>(), lat["p90_ms"].get<double>(),
      lat["p99_ms"].get<double>(), Median(candidates), empty);

  // What re-scoring by lines costs alone: the lines of 200 songs (kCandidates) vectorised as
  // SearchLyrics does (Vectorize(line, 500)), median of 3 passes over different songs.
  std::vector<double> rescoring;
  std::size_t rescored_lines = 0;
  std::uniform_int_distribution<std::size_t> song_of(0, (*library)->songs().size() - 1);
  std::atomic<std::size_t> sink{0};
  for (int pass = 0; pass < 3; ++pass) {
    std::vector<std::size_t> picked;
    for (std::size_t i = 0; i < kCandidates; ++i) picked.push_back(song_of(rng));
    rescored_lines = 0;
    t0 = Clock::now();
    for (std::size_t song : picked) {
      for (const std::string& line : (*library)->lyrics(song)) {
        sink += esa->Vectorize(line, 500).size();
        ++rescored_lines;
      }
    }
    rescoring.push_back(Seconds(t0));
  }
  std::printf(
      "   of which re-scoring alone: the %zu lines of %zu songs through Vectorize(line, 500) take "
      "%.1f ms (median of 3, one thread)\n",
      rescored_lines, kCandidates, 1e3 * Median(rescoring));
  if (sink.load() == 0) std::printf("   (no line had a concept)\n");

  json out = {
      {"tracks", args.tracks},
      {"artists", artists},
      {"lyric_lines", lyric_lines},
      {"import_tracks_s", import_tracks},
      {"import_lyrics_s", import_lyrics},
      {"vectorize",
       {{"threads", 2},
        {"computed", summary->computed},
        {"from_lyrics", summary->from_lyrics},
        {"words", summary->words},
        {"seconds", summary->seconds},
        {"tracks_per_s", tracks_per_s},
        {"words_per_s", words_per_s}}},
      {"library_load",
       {{"seconds", load_s},
        {"songs", (*library)->songs().size()},
        {"with_lyrics", (*library)->with_lyrics()},
        {"missing_vectors", (*library)->missing_vectors()},
        {"rss_before_mb", rss_before},
        {"rss_after_mb", rss_after}}},
      {"search",
       {{"limit", 10},
        {"query_words", "2-5"},
        {"example_queries", std::vector<std::string>(queries.begin() + 10, queries.begin() + 15)},
        {"median_candidates", Median(candidates)},
        {"queries_without_hit", empty},
        {"rescoring_lines", rescored_lines},
        {"rescoring_lines_vectorize_ms", 1e3 * Median(rescoring)},
        {"latency", lat}}}};
  library->reset();
  catalog->reset();
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db.string() + suffix);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = Parse(argc, argv);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress through a pipe (run.sh tees it)
  fs::create_directories(args.work);
  std::mt19937_64 rng(args.seed);
  json result = {{"benchmark", "text_bench"},
                 {"seed", args.seed},
                 {"hardware_threads", std::thread::hardware_concurrency()},
                 {"loadavg_start", LoadAverage()}};
  std::printf("text_bench: %u hardware threads, load average %s\n",
              std::thread::hardware_concurrency(), LoadAverage().c_str());

  const std::vector<Gloss> glosses = ReadGlosses(args.wordnet);
  const Topics topics = GroupByTopic(glosses);
  std::printf("glosses: %zu from %s\n", glosses.size(), args.wordnet.c_str());

  std::string sample;
  for (std::size_t i = 0; i < 20; ++i) sample += glosses[(i * 7919) % glosses.size()].text + " ";
  std::shared_ptr<const EsaIndex> esa;
  result["load"] = BenchLoad(args, esa, sample);
  result["loadavg_after_load"] = LoadAverage();

  auto mood = MoodLexicon::Load(DefaultAfinnPath(), args.wordnet);
  if (!mood.ok()) Die("loading the mood lexicon", mood.status());
  const auto mood_ptr = std::make_shared<const MoodLexicon>(std::move(*mood));

  result["throughput"] = BenchThroughput(args, *esa, glosses, rng);
  result["loadavg_after_throughput"] = LoadAverage();
  result["soundtrack"] = BenchSoundtrack(args, *esa, *mood_ptr, topics, rng);
  result["loadavg_after_soundtrack"] = LoadAverage();
  if (args.tracks > 0) {
    result["lyrics_search"] = BenchLyricsSearch(args, esa, mood_ptr, topics, glosses, rng);
    result["loadavg_after_lyrics_search"] = LoadAverage();
  }
  std::printf("load average at the end: %s\n", LoadAverage().c_str());
  const std::string text = result.dump(2);
  std::printf("%s\n", text.c_str());
  if (!args.json_out.empty()) {
    std::ofstream out(args.json_out);
    out << text << '\n';
    if (!out) {
      std::fprintf(stderr, "text_bench: cannot write %s\n", args.json_out.c_str());
      return 1;
    }
  }
  return 0;
}
