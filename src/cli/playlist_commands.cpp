// `sonance playlist`, `sonance path` and `sonance eval playlists`: recommendations over the
// catalog from the command line.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "sonance/catalog/catalog.h"
#include "sonance/recommend/harmonic_order.h"
#include "sonance/recommend/playlist_eval.h"
#include "sonance/recommend/playlist_export.h"
#include "sonance/recommend/recommender.h"

namespace sonance::cli {
namespace {

// How the recommender is built, shared by the three commands.
struct SpaceOptions {
  CatalogOption catalog;
  std::string index = "Flat";
  int components = 0;
  double variance = 0.95;
};

void AddSpaceOptions(CLI::App* cmd, SpaceOptions* o) {
  AddCatalogOption(cmd, &o->catalog);
  cmd->add_option("--index", o->index,
                  "FAISS factory string of the vector index: Flat (exact), HNSW32, IVF256,Flat")
      ->capture_default_str();
  cmd->add_option("--components", o->components,
                  "PCA components to keep (0 = as many as --variance needs)")
      ->check(CLI::Range(0, 1000))
      ->capture_default_str();
  cmd->add_option("--variance", o->variance, "Share of the variance the PCA keeps")
      ->check(CLI::Range(0.01, 1.0))
      ->capture_default_str();
}

int Report(const Status& s) {
  std::fprintf(stderr, "sonance: %s\n", s.message().c_str());
  return ExitCodeFor(s);
}

// Opens the catalog and builds the recommender; on failure prints why and sets *exit_code.
std::unique_ptr<Recommender> BuildRecommender(const SpaceOptions& o, int* exit_code) {
  auto catalog = OpenCatalogOrReport(o.catalog, /*must_exist=*/true, exit_code);
  if (!catalog) return nullptr;
  auto tracks = LoadRecTracks(*catalog);
  if (!tracks.ok()) {
    *exit_code = Report(tracks.status());
    return nullptr;
  }
  RecommenderOptions options;
  options.index.factory = o.index;
  options.pipeline.components = o.components;
  options.pipeline.variance_share = o.variance;
  options.state_dir = RecommenderStateDir(CatalogPath(o.catalog));
  auto built = Recommender::Build(std::move(tracks).value(), options);
  if (!built.ok()) {
    *exit_code = Report(built.status());
    return nullptr;
  }
  return std::move(built).value();
}

// ---- playlist ----------------------------------------------------------------------------------

struct PlaylistOptions {
  SpaceOptions space;
  std::vector<std::string> seeds;
  int per_seed = 3;
  int size = 0;
  int max_per_artist = 0;
  int max_per_album = 0;
  bool partial = false;
  bool harmonic = false;
  std::string format = "table";
  std::string output;
  std::string title = "Sonance playlist";
};

int RunPlaylist(const PlaylistOptions& o) {
  int rc = kExitOk;
  auto rec = BuildRecommender(o.space, &rc);
  if (!rec) return rc;
  PlaylistRequest req;
  req.seeds = o.seeds;
  req.per_seed = o.per_seed;
  req.size = o.size;
  req.partial = o.partial;
  req.max_per_artist = o.max_per_artist;
  req.max_per_album = o.max_per_album;
  auto playlist = rec->BuildPlaylist(req);
  if (!playlist.ok()) return Report(playlist.status());
  for (const auto& s : playlist->skipped_seeds) {
    std::fprintf(stderr, "sonance: skipped unknown seed '%s'\n", s.c_str());
  }
  std::vector<std::size_t> order(playlist->entries.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  if (o.harmonic) {
    std::vector<KeyTempo> keys;
    for (const auto& e : playlist->entries) keys.push_back(KeyTempoOf(*e.track));
    order = OrderHarmonically(keys);
  }
  std::string text;
  if (o.format == "table" || o.format == "json") {
    nlohmann::json out = nlohmann::json::array();
    char line[1024];
    for (std::size_t p : order) {
      const PlaylistEntry& e = playlist->entries[p];
      const AudioFeatures& f = e.track->features;
      const std::string camelot = CamelotCode(KeyTempoOf(*e.track).key, f.mode);
      std::string closest;
      for (const auto& c : e.closest_features) closest += (closest.empty() ? "" : ", ") + c;
      if (o.format == "json") {
        out.push_back({{"id", e.track->record.id},
                       {"name", DisplayName(*e.track)},
                       {"seed", DisplayName(*e.seed)},
                       {"seed_id", e.seed->record.id},
                       {"distance", e.distance},
                       {"closest_features", e.closest_features},
                       {"camelot", camelot},
                       {"tempo", f.tempo}});
        continue;
      }
      std::snprintf(
          line, sizeof line, "%-22s  %-4s %5.0f  %6.3f  %s\n      from %s (closest: %s)\n",
          e.track->record.id.c_str(), camelot.empty() ? "-" : camelot.c_str(), f.tempo, e.distance,
          DisplayName(*e.track).c_str(), DisplayName(*e.seed).c_str(), closest.c_str());
      text += line;
    }
    if (o.format == "json") text = out.dump(2) + "\n";
  } else {
    auto format = ParsePlaylistFormat(o.format);
    if (!format.ok()) return Report(format.status());
    std::vector<const RecTrack*> tracks;
    for (std::size_t p : order) tracks.push_back(playlist->entries[p].track);
    PlaylistMeta meta;
    meta.title = o.title;
    std::string from;
    for (const RecTrack* s : playlist->seeds) from += (from.empty() ? "" : "; ") + DisplayName(*s);
    meta.annotation = std::to_string(o.per_seed) + " tracks per seed from: " + from;
    text = ExportPlaylist(tracks, meta, *format);
  }
  if (o.output.empty()) {
    std::fwrite(text.data(), 1, text.size(), stdout);
  } else {
    // Written next to the target and renamed, so an existing file is never half-replaced.
    const std::string tmp = o.output + ".tmp";
    std::ofstream f(tmp, std::ios::binary);
    f << text;
    f.close();
    if (!f || std::rename(tmp.c_str(), o.output.c_str()) != 0) {
      std::remove(tmp.c_str());
      std::fprintf(stderr, "sonance: cannot write %s\n", o.output.c_str());
      return kExitFailure;
    }
  }
  std::fprintf(stderr, "%zu tracks from %zu seeds\n", playlist->entries.size(),
               playlist->seeds.size());
  return kExitOk;
}

// ---- path
// ----------------------------------------------------------------------------------------

struct PathOptions {
  SpaceOptions space;
  std::string from, to;
  int steps = 8;
  bool json = false;
};

int RunPath(const PathOptions& o) {
  int rc = kExitOk;
  auto rec = BuildRecommender(o.space, &rc);
  if (!rec) return rc;
  auto path = rec->Path(o.from, o.to, o.steps);
  if (!path.ok()) return Report(path.status());
  nlohmann::json out = nlohmann::json::array();
  for (std::size_t i = 0; i < path->size(); ++i) {
    const RecTrack& t = *(*path)[i];
    double step = 0.0;
    if (i > 0) {
      auto d = rec->Distance(*(*path)[i - 1], t);
      if (d.ok()) step = *d;
    }
    if (o.json) {
      out.push_back({{"id", t.record.id}, {"name", DisplayName(t)}, {"step_distance", step}});
    } else {
      std::printf("%2zu. %-22s  %6.3f  %s\n", i + 1, t.record.id.c_str(), step,
                  DisplayName(t).c_str());
    }
  }
  if (o.json) std::cout << out.dump(2) << "\n";
  return kExitOk;
}

// ---- eval playlists
// ------------------------------------------------------------------------------

struct EvalCommandOptions {
  SpaceOptions space;
  int per_seed = 3;
  std::int64_t sample = 0;
  std::uint64_t seed = 42;
  std::string json_path;
};

int RunEval(const EvalCommandOptions& o) {
  int rc = kExitOk;
  const auto start = std::chrono::steady_clock::now();
  auto rec = BuildRecommender(o.space, &rc);
  if (!rec) return rc;
  EvalOptions eo;
  eo.per_seed = o.per_seed;
  eo.sample = o.sample;
  eo.seed = o.seed;
  auto rows = EvaluatePlaylists(*rec, eo);
  if (!rows.ok()) return Report(rows.status());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%-11s %8s %8s %12s %12s %13s %13s %15s\n", "recommender", "seeds", "pairs",
              "GenreShare", "AlbumShare", "ArtistShare", "YearMeanDiff", "SoundParamsDiff");
  nlohmann::json out = {{"tracks", rec->tracks().size()},
                        {"per_seed", o.per_seed},
                        {"sample", o.sample},
                        {"seed", o.seed},
                        {"index", o.space.index},
                        {"seconds", seconds},
                        {"recommenders", nlohmann::json::array()}};
  for (const EvalMetrics& m : *rows) {
    // A metric over no pairs (no albums in the table, no years) is "n/a", null in JSON.
    auto cell = [](double v, std::int64_t pairs, const char* format) {
      char buf[32];
      if (pairs == 0) return std::string("n/a");
      std::snprintf(buf, sizeof buf, format, v);
      return std::string(buf);
    };
    auto value = [](double v, std::int64_t pairs) {
      return pairs == 0 ? nlohmann::json(nullptr) : nlohmann::json(v);
    };
    std::printf("%-11s %8lld %8lld %12s %12s %13.4f %13s %15.4f\n", m.recommender.c_str(),
                static_cast<long long>(m.seeds), static_cast<long long>(m.pairs),
                cell(m.correct_genre_share, m.genre_pairs, "%.4f").c_str(),
                cell(m.correct_album_share, m.album_pairs, "%.4f").c_str(), m.correct_artist_share,
                cell(m.year_mean_diff, m.year_pairs, "%.3f").c_str(), m.sound_parameters_diff);
    out["recommenders"].push_back(
        {{"recommender", m.recommender},
         {"seeds", m.seeds},
         {"pairs", m.pairs},
         {"CorrectGenreShare", value(m.correct_genre_share, m.genre_pairs)},
         {"CorrectAlbumShare", value(m.correct_album_share, m.album_pairs)},
         {"CorrectArtistShare", m.correct_artist_share},
         {"YearMeanDiff", value(m.year_mean_diff, m.year_pairs)},
         {"SoundParametersDiff", m.sound_parameters_diff}});
  }
  std::fprintf(stderr, "%zu tracks, %.1f s\n", rec->tracks().size(), seconds);
  if (!o.json_path.empty()) {
    std::ofstream f(o.json_path);
    f << out.dump(2) << "\n";
    if (!f) {
      std::fprintf(stderr, "sonance: cannot write %s\n", o.json_path.c_str());
      return kExitFailure;
    }
  }
  return kExitOk;
}

}  // namespace

std::function<int()> AddPlaylistCommand(CLI::App& app) {
  auto o = std::make_shared<PlaylistOptions>();
  CLI::App* cmd = app.add_subcommand(
      "playlist", "A playlist of the nearest tracks to seed tracks (k-NN over the features)");
  cmd->add_option("-s,--seed", o->seeds,
                  "A seed: track id, sonance:track:<id>, \"Artist - Title\" or a title; repeat "
                  "for several")
      ->required();
  cmd->add_option("--per-seed", o->per_seed, "Tracks per seed")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  cmd->add_option("--size", o->size, "Cut the playlist to this many tracks (0 = seeds x per-seed)")
      ->check(CLI::Range(0, 1000));
  cmd->add_option("--max-per-artist", o->max_per_artist, "At most this many tracks per artist")
      ->check(CLI::Range(0, 1000));
  cmd->add_option("--max-per-album", o->max_per_album, "At most this many tracks per album")
      ->check(CLI::Range(0, 1000));
  cmd->add_flag("--partial", o->partial, "Skip unknown seeds instead of failing");
  cmd->add_flag("--harmonic", o->harmonic,
                "Order for smooth listening: Camelot-compatible keys, small tempo steps");
  cmd->add_option("-f,--format", o->format, "table, json, m3u8, xspf or jspf")
      ->check(CLI::IsMember({"table", "json", "m3u8", "m3u", "xspf", "jspf"}))
      ->capture_default_str();
  cmd->add_option("-o,--output", o->output, "Write to this file instead of standard output");
  cmd->add_option("--title", o->title, "Playlist title in exported files")->capture_default_str();
  AddSpaceOptions(cmd, &o->space);
  return [o] { return RunPlaylist(*o); };
}

std::function<int()> AddPathCommand(CLI::App& app) {
  auto o = std::make_shared<PathOptions>();
  CLI::App* cmd = app.add_subcommand(
      "path", "A sequence of tracks that moves smoothly from one song to another");
  cmd->add_option("--from", o->from, "First track (id or \"Artist - Title\")")->required();
  cmd->add_option("--to", o->to, "Last track")->required();
  cmd->add_option("--steps", o->steps, "Tracks in all, both ends included")
      ->check(CLI::Range(2, 100))
      ->capture_default_str();
  cmd->add_flag("--json", o->json, "Print JSON");
  AddSpaceOptions(cmd, &o->space);
  return [o] { return RunPath(*o); };
}

std::function<int()> AddEvalCommand(CLI::App& app) {
  auto o = std::make_shared<EvalCommandOptions>();
  CLI::App* eval = app.add_subcommand("eval", "Evaluate recommenders on the catalog");
  eval->require_subcommand(1);
  CLI::App* cmd = eval->add_subcommand(
      "playlists",
      "k-NN playlists against random and same-genre recommendations: genre, album and artist "
      "shares, year and sound differences");
  cmd->add_option("--per-seed", o->per_seed, "Recommendations per seed")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  cmd->add_option("--sample", o->sample, "Seeds to draw (0 = every track)")
      ->check(CLI::Range(static_cast<std::int64_t>(0), static_cast<std::int64_t>(100000000)));
  cmd->add_option("--seed", o->seed, "Random seed for the sample and the baselines")
      ->capture_default_str();
  cmd->add_option("--json", o->json_path, "Also write the figures as JSON to this file");
  AddSpaceOptions(cmd, &o->space);
  auto relatedness = AddEvalRelatednessCommand(eval);
  return [o, cmd, relatedness] { return cmd->parsed() ? RunEval(*o) : relatedness(); };
}

}  // namespace sonance::cli
