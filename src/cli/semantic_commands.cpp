// Text semantics over the catalog: `sonance esa vectorize`, `sonance soundtrack`,
// `sonance search lyrics` and `sonance clusters`.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/progress_bar.h"
#include "sonance/semantic/clusters.h"
#include "sonance/semantic/json.h"
#include "sonance/semantic/library.h"
#include "sonance/semantic/song_vectors.h"
#include "sonance/text/soundtrack.h"

namespace sonance::cli {

namespace {

std::atomic<bool> g_stop{false};

void OnInterrupt(int) {
  if (g_stop.exchange(true)) ::_exit(kExitInterrupted);
  static const char kMsg[] =
      "\nsonance: interrupted; storing the batch in progress (Ctrl-C again to stop now)\n";
  [[maybe_unused]] auto n = ::write(STDERR_FILENO, kMsg, sizeof kMsg - 1);
}

int Fail(const Status& s) {
  std::fprintf(stderr, "sonance: %s\n", s.message().c_str());
  return ExitCodeFor(s);
}

struct SemanticOptions {
  CatalogOption catalog;
  std::string index;  // ESA index; empty: the default path
};

void AddSemanticOptions(CLI::App* cmd, SemanticOptions* o) {
  AddCatalogOption(cmd, &o->catalog);
  cmd->add_option("--index", o->index,
                  "ESA index (default $SONANCE_ESA_INDEX, else the user's data folder; build "
                  "it with `sonance esa build`)");
}

// The index and the mood lexicon; on failure prints why, saying how to fix it.
struct TextModels {
  std::shared_ptr<const EsaIndex> esa;
  std::shared_ptr<const MoodLexicon> mood;
};

Result<TextModels> LoadModels(const SemanticOptions& o) {
  const std::filesystem::path index =
      o.index.empty() ? DefaultEsaIndexPath() : std::filesystem::path(o.index);
  auto esa = EsaIndex::Load(index);
  if (!esa.ok()) return esa.status();  // a missing index's message says how to build one
  auto mood = MoodLexicon::Load(DefaultAfinnPath(), "/usr/share/wordnet");
  if (!mood.ok()) return mood.status();
  return TextModels{*esa, std::make_shared<const MoodLexicon>(std::move(*mood))};
}

// The catalog's songs as texts, warning when vectors are missing.
Result<std::shared_ptr<const SemanticLibrary>> LoadLibrary(const SemanticOptions& o,
                                                           int* exit_code) {
  auto catalog = OpenCatalogOrReport(o.catalog, /*must_exist=*/true, exit_code);
  if (!catalog) return Status::Interrupted("");  // already reported
  auto models = LoadModels(o);
  if (!models.ok()) return models.status();
  auto library = SemanticLibrary::Load(*catalog, models->esa, models->mood);
  if (!library.ok()) return library.status();
  if ((*library)->missing_vectors() > 0) {
    std::fprintf(stderr,
                 "note: %zu of %zu tracks have no text vector for this index; run `sonance esa "
                 "vectorize` to compute them\n",
                 (*library)->missing_vectors(), (*library)->songs().size());
  }
  return library;
}

int ReportLoad(const Status& s, int exit_code) {
  return exit_code != kExitOk ? exit_code : Fail(s);
}

// ---- esa vectorize ------------------------------------------------------------------------

struct VectorizeCommandOptions {
  SemanticOptions semantic;
  VectorizeOptions vectorize;
  bool quiet = false;
};

int RunVectorize(const VectorizeCommandOptions& o) {
  int exit_code = kExitOk;
  auto catalog = OpenCatalogOrReport(o.semantic.catalog, /*must_exist=*/true, &exit_code);
  if (!catalog) return exit_code;
  auto models = LoadModels(o.semantic);
  if (!models.ok()) return Fail(models.status());
  struct sigaction sa {};
  sa.sa_handler = OnInterrupt;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  std::unique_ptr<ProgressBar> bar;
  auto summary = VectorizeCatalog(
      *catalog, *models->esa, *models->mood, o.vectorize,
      [&](std::size_t done, std::size_t total) {
        if (o.quiet || total == 0) return;
        if (!bar)
          bar = std::make_unique<ProgressBar>(static_cast<std::int64_t>(total), StderrIsTerminal());
        bar->update(static_cast<std::int64_t>(done), "tracks", false);
      },
      &g_stop);
  if (bar) bar->finish();
  if (!summary.ok()) return Fail(summary.status());
  const VectorizeSummary& s = *summary;
  std::printf(
      "text vectors: %zu tracks, %zu computed (%zu from lyrics, %zu from titles and tags), %zu "
      "unchanged, %.1f s (%.0f words/s)\n",
      s.tracks, s.computed, s.from_lyrics, s.from_metadata, s.unchanged, s.seconds,
      s.seconds > 0 ? static_cast<double>(s.words) / s.seconds : 0.0);
  if (s.interrupted) {
    std::fprintf(stderr, "sonance: interrupted; run the command again to continue\n");
    return kExitInterrupted;
  }
  return kExitOk;
}

// ---- soundtrack -----------------------------------------------------------------------------

struct SoundtrackCommandOptions {
  SemanticOptions semantic;
  std::string story;
  std::string artist;
  SoundtrackOptions soundtrack;
  bool json = false;
};

int RunSoundtrack(SoundtrackCommandOptions& o) {
  std::string story;
  if (o.story == "-") {
    std::stringstream buf;
    buf << std::cin.rdbuf();
    story = buf.str();
  } else {
    std::ifstream in(o.story, std::ios::binary);
    if (!in) return Fail(Status::NotFound("cannot read " + o.story));
    std::stringstream buf;
    buf << in.rdbuf();
    story = buf.str();
  }
  int exit_code = kExitOk;
  auto library = LoadLibrary(o.semantic, &exit_code);
  if (!library.ok()) return ReportLoad(library.status(), exit_code);
  const SemanticLibrary& lib = **library;
  o.soundtrack.artist = o.artist;
  o.soundtrack.semantic_weight = 1.0 - o.soundtrack.mood_weight;
  auto result = GenerateSoundtrack(story, lib.songs(), lib.esa(), lib.mood(), o.soundtrack);
  if (!result.ok()) {
    if (result.status().code() == StatusCode::kNotFound && !o.artist.empty()) {
      std::string msg = result.status().message() + "; closest:";
      for (const std::string& a : SuggestArtists(o.artist, lib.songs(), 5)) msg += " '" + a + "'";
      return Fail(Status::NotFound(msg));
    }
    return Fail(result.status());
  }
  if (o.json) {
    std::printf("%s\n", SoundtrackJson(*result).dump(2).c_str());
    return kExitOk;
  }
  std::printf("Chosen artist: %s (%s, similarity %.3f)\n", result->artist.c_str(),
              result->artist_recommended ? "recommended" : "given", result->artist_similarity);
  for (std::size_t s = 0; s < result->scenes.size(); ++s) {
    const SceneAssignment& a = result->scenes[s];
    std::string text = a.scene.text;
    if (text.size() > 70) text = text.substr(0, 67) + "...";
    const char* song =
        a.song >= 0 ? result->songs[static_cast<std::size_t>(a.song)].title.c_str() : "(none)";
    std::printf("Scene %zu (%d sentences): %s\n  -> %s  similarity %.3f  score %.3f", s + 1,
                a.scene.sentence_count, text.c_str(), song, a.semantic, a.score);
    if (std::isfinite(a.mood_fit)) std::printf("  mood fit %.2f", a.mood_fit);
    std::printf("\n");
    if (!a.shared_concepts.empty()) {
      std::printf("  shared concepts:");
      for (const std::string& c : a.shared_concepts) std::printf(" %s", c.c_str());
      std::printf("\n");
    }
  }
  if (!result->lyrics_used) {
    std::printf("note: no lyrics were available; songs were matched by titles, tags and mood\n");
  }
  return kExitOk;
}

// ---- search lyrics --------------------------------------------------------------------------

struct LyricsSearchCommandOptions {
  SemanticOptions semantic;
  std::string query;
  int limit = 10;
  bool json = false;
};

int RunLyricsSearch(const LyricsSearchCommandOptions& o) {
  int exit_code = kExitOk;
  auto library = LoadLibrary(o.semantic, &exit_code);
  if (!library.ok()) return ReportLoad(library.status(), exit_code);
  const SemanticLibrary& lib = **library;
  auto result = lib.SearchLyrics(o.query, static_cast<std::size_t>(o.limit));
  if (!result.ok()) return Fail(result.status());
  if (o.json) {
    std::printf("%s\n", LyricsSearchJson(lib, o.query, *result).dump(2).c_str());
    return kExitOk;
  }
  if (result->hits.empty()) std::printf("no song shares a concept with the query\n");
  for (std::size_t i = 0; i < result->hits.size(); ++i) {
    const LyricsHit& h = result->hits[i];
    const SoundtrackSong& song = lib.songs()[h.track];
    std::printf("%2zu. %.3f  %s - %s  (%s)\n", i + 1, h.score, song.artist.c_str(),
                song.title.c_str(), song.track_id.c_str());
    for (const LyricLineMatch& m : h.best_lines) {
      std::printf("      %.3f  %s\n", m.score, m.text.c_str());
    }
  }
  if (!result->lyrics_used && !result->hits.empty()) {
    std::printf("note: no lyrics were available; songs matched by titles and tags\n");
  }
  return kExitOk;
}

// ---- clusters -------------------------------------------------------------------------------

struct ClustersCommandOptions {
  SemanticOptions semantic;
  std::string k = "auto";
  ClusterOptions clusters;
  int show = 5;
  bool json = false;
};

int RunClusters(ClustersCommandOptions& o) {
  if (o.k == "auto") {
    o.clusters.k = 0;
  } else {
    char* end = nullptr;
    const long k = std::strtol(o.k.c_str(), &end, 10);
    if (end == o.k.c_str() || *end != '\0' || k < 2 || k > 1000) {
      return Fail(Status::InvalidArgument("--k must be 'auto' or a number from 2 to 1000"));
    }
    o.clusters.k = static_cast<int>(k);
  }
  int exit_code = kExitOk;
  auto library = LoadLibrary(o.semantic, &exit_code);
  if (!library.ok()) return ReportLoad(library.status(), exit_code);
  const SemanticLibrary& lib = **library;
  auto report = ClusterSongs(lib, o.clusters);
  if (!report.ok()) return Fail(report.status());
  if (o.json) {
    nlohmann::json runs = nlohmann::json::array();
    for (const KMeansResult& r : report->tried) {
      runs.push_back({{"k", r.k}, {"inertia", r.inertia}, {"silhouette", r.silhouette}});
    }
    nlohmann::json clusters = nlohmann::json::array();
    for (const SongCluster& c : report->clusters) {
      nlohmann::json tracks = nlohmann::json::array();
      for (std::size_t s : c.songs) {
        tracks.push_back({{"id", lib.songs()[s].track_id},
                          {"name", lib.songs()[s].title},
                          {"artist", lib.songs()[s].artist}});
      }
      clusters.push_back({{"label", c.top_concepts}, {"size", c.songs.size()}, {"tracks", tracks}});
    }
    std::printf("%s\n", nlohmann::json{{"songs", report->songs},
                                       {"k", report->k},
                                       {"best_k_by_silhouette", report->best_k},
                                       {"elbow_k", report->elbow_k},
                                       {"runs", runs},
                                       {"clusters", clusters}}
                            .dump(2)
                            .c_str());
    return kExitOk;
  }
  std::printf("%zu songs\n%4s %14s %11s\n", report->songs, "k", "inertia", "silhouette");
  for (const KMeansResult& r : report->tried) {
    std::printf("%4d %14.4f %11.4f%s%s\n", r.k, r.inertia, r.silhouette,
                r.k == report->best_k ? "  <- best silhouette" : "",
                r.k == report->elbow_k ? "  <- elbow" : "");
  }
  std::printf("k = %d\n", report->k);
  for (std::size_t c = 0; c < report->clusters.size(); ++c) {
    const SongCluster& cl = report->clusters[c];
    std::printf("cluster %zu (%zu songs):", c + 1, cl.songs.size());
    for (const std::string& t : cl.top_concepts) std::printf(" %s", t.c_str());
    std::printf("\n");
    for (std::size_t i = 0; i < cl.songs.size() && static_cast<int>(i) < o.show; ++i) {
      const SoundtrackSong& s = lib.songs()[cl.songs[i]];
      std::printf("    %s - %s\n", s.artist.c_str(), s.title.c_str());
    }
  }
  return kExitOk;
}

}  // namespace

bool VectorizeAfterIngest(Catalog& catalog, bool quiet) {
  const std::filesystem::path index = DefaultEsaIndexPath();
  std::error_code ec;
  if (!std::filesystem::exists(index, ec)) return true;
  auto models = LoadModels(SemanticOptions{});
  if (!models.ok()) {
    std::fprintf(stderr, "sonance: text vectors not computed: %s\n",
                 models.status().message().c_str());
    return false;
  }
  auto summary = VectorizeCatalog(catalog, *models->esa, *models->mood, VectorizeOptions{});
  if (!summary.ok()) {
    std::fprintf(stderr, "sonance: text vectors not computed: %s\n",
                 summary.status().message().c_str());
    return false;
  }
  if (!quiet && summary->computed > 0) {
    std::fprintf(stderr, "text vectors: %zu computed (%zu from lyrics), %zu unchanged, %.1f s\n",
                 summary->computed, summary->from_lyrics, summary->unchanged, summary->seconds);
  }
  return true;
}

std::function<int()> AddEsaVectorizeCommand(CLI::App* esa) {
  auto o = std::make_shared<VectorizeCommandOptions>();
  CLI::App* cmd = esa->add_subcommand(
      "vectorize",
      "Compute every catalog track's text vector (lyrics, else title, album, genre and "
      "artists) and mood; incremental and resumable");
  AddSemanticOptions(cmd, &o->semantic);
  cmd->add_option("--threads", o->vectorize.threads, "Threads (0: one per core)")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  cmd->add_flag("--force", o->vectorize.force, "Recompute unchanged tracks too");
  cmd->add_flag("-q,--quiet", o->quiet, "No progress bar");
  return [o, cmd] { return cmd->parsed() ? RunVectorize(*o) : -1; };
}

std::function<int()> AddSoundtrackCommand(CLI::App& app) {
  auto o = std::make_shared<SoundtrackCommandOptions>();
  CLI::App* cmd = app.add_subcommand(
      "soundtrack",
      "Split a story into scenes and give each a song of one artist (recommended for the "
      "story unless --artist is given)");
  cmd->add_option("story", o->story, "Story text file (UTF-8), or - for standard input")
      ->required();
  cmd->add_option("--artist", o->artist, "Use this artist's songs");
  AddSemanticOptions(cmd, &o->semantic);
  cmd->add_option("--threshold", o->soundtrack.scenes.similarity_threshold,
                  "Scene boundary similarity threshold")
      ->check(CLI::Range(-1.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--min-scene-length", o->soundtrack.scenes.min_scene_length,
                  "Minimum scene length (sentences)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  cmd->add_option("--max-songs", o->soundtrack.max_songs, "The artist's most popular songs used")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  cmd->add_option("--mood-weight", o->soundtrack.mood_weight,
                  "Weight of the mood fit (semantic weight is 1 minus it)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_flag("--json", o->json, "Print the JSON the HTTP API returns");
  return [o] { return RunSoundtrack(*o); };
}

std::function<int()> AddSearchCommand(CLI::App& app) {
  auto o = std::make_shared<LyricsSearchCommandOptions>();
  CLI::App* search = app.add_subcommand("search", "Search the catalog by meaning");
  search->require_subcommand(1);
  CLI::App* cmd = search->add_subcommand(
      "lyrics", "Songs whose lyrics mean what the query says, with their best lines");
  cmd->add_option("query", o->query, "What the lyrics should be about")->required();
  cmd->add_option("--limit", o->limit, "Songs to list")
      ->check(CLI::Range(1, 50))
      ->capture_default_str();
  AddSemanticOptions(cmd, &o->semantic);
  cmd->add_flag("--json", o->json, "Print the JSON the HTTP API returns");
  return [o] { return RunLyricsSearch(*o); };
}

std::function<int()> AddClustersCommand(CLI::App& app) {
  auto o = std::make_shared<ClustersCommandOptions>();
  CLI::App* cmd = app.add_subcommand(
      "clusters",
      "Cluster songs by meaning (k-means over their text vectors) and label each cluster by "
      "its top concepts; --k auto reports inertia (elbow) and silhouette for each k");
  cmd->add_option("--k", o->k, "Number of clusters, or auto")->capture_default_str();
  cmd->add_option("--k-min", o->clusters.k_min, "Smallest k tried by auto")
      ->check(CLI::Range(2, 1000))
      ->capture_default_str();
  cmd->add_option("--k-max", o->clusters.k_max, "Largest k tried by auto")
      ->check(CLI::Range(2, 1000))
      ->capture_default_str();
  cmd->add_option("--show", o->show, "Songs listed per cluster")->capture_default_str();
  AddSemanticOptions(cmd, &o->semantic);
  cmd->add_flag("--json", o->json, "Print JSON");
  return [o] { return RunClusters(*o); };
}

}  // namespace sonance::cli
