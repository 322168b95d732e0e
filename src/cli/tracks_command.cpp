// `sonance tracks`: list and filter the catalog.
#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "sonance/analysis/analysis_json.h"
#include "sonance/catalog/catalog.h"

namespace sonance::cli {
namespace {

struct TracksOptions {
  std::string search, artist, album, genre, state, source;
  int limit = 0;
  int offset = 0;
  bool json = false;
  CatalogOption catalog;
};

std::string KeyName(int key, int mode) {
  static const char* kNames[] = {"C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"};
  if (key < 0 || key > 11) return "-";
  return std::string(kNames[key]) + (mode == 1 ? " maj" : " min");
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : "; ") + s;
  return out;
}

int RunTracks(const TracksOptions& o) {
  TrackFilter filter;
  filter.text = o.search;
  filter.artist = o.artist;
  filter.album = o.album;
  filter.genre = o.genre;
  filter.source = o.source;
  filter.limit = o.limit;
  filter.offset = o.offset;
  if (!o.state.empty()) filter.state = ParseTrackState(o.state);  // validated by CLI11

  const std::filesystem::path db =
      o.catalog.path.empty() ? Catalog::DefaultPath() : std::filesystem::path(o.catalog.path);
  if (!std::filesystem::exists(db)) {
    std::fprintf(stderr, "sonance: no catalog at %s; create one with: sonance analyze FOLDER\n",
                 db.c_str());
    return kExitCatalog;
  }
  auto catalog = Catalog::Open(db);
  if (!catalog.ok()) {
    std::fprintf(stderr, "sonance: cannot open catalog %s: %s\n", db.c_str(),
                 catalog.status().ToString().c_str());
    return kExitCatalog;
  }
  auto tracks = (*catalog)->ListTracks(filter);
  if (!tracks.ok()) {
    std::fprintf(stderr, "sonance: %s\n", tracks.status().ToString().c_str());
    return kExitCatalog;
  }
  nlohmann::json out = nlohmann::json::array();
  for (const TrackRecord& t : *tracks) {
    std::optional<AudioFeatures> features;
    if (t.state == TrackState::kAnalyzed) {
      auto f = (*catalog)->LoadFeatures(t.rowid);
      if (f.ok()) features = *f;
    }
    if (o.json) {
      nlohmann::json j = {{"id", t.id},
                          {"path", t.path},
                          {"state", TrackStateName(t.state)},
                          {"title", t.tags.title},
                          {"artists", t.tags.artists},
                          {"album", t.tags.album},
                          {"album_artist", t.tags.album_artist},
                          {"release_date", t.tags.release_date},
                          {"genre", t.tags.genre},
                          {"track_number", t.tags.track_number},
                          {"isrc", t.tags.isrc},
                          {"duration_ms", t.duration_ms},
                          {"content_hash", t.content_hash},
                          {"features_version", t.features_version}};
      if (t.state == TrackState::kFailed) j["failure_reason"] = t.failure_reason;
      j["source"] = t.source;
      if (t.popularity) j["popularity"] = *t.popularity;
      if (t.is_explicit) j["explicit"] = *t.is_explicit;
      if (t.streams) j["streams"] = *t.streams;
      if (!t.missing_features.empty()) j["missing_features"] = t.missing_features;
      if (features) j["audio_features"] = ToJson(*features, t.id);
      out.push_back(std::move(j));
      continue;
    }
    const long long secs = t.duration_ms / 1000;
    const char* state = t.source == "imported" ? "imported" : TrackStateName(t.state);
    std::printf("%-22s  %-8s  %3lld:%02lld  %6s  %-7s  %s — %s", t.id.c_str(), state, secs / 60,
                secs % 60,
                features ? std::to_string(static_cast<int>(features->tempo + 0.5)).c_str() : "-",
                features ? KeyName(features->key, features->mode).c_str() : "-",
                Join(t.tags.artists).c_str(), t.tags.title.c_str());
    if (t.state == TrackState::kFailed) std::printf("  [%s]", t.failure_reason.c_str());
    std::printf("\n    %s\n", t.path.c_str());
  }
  if (o.json)
    std::cout << out.dump(2) << "\n";
  else
    std::fprintf(stderr, "%zu tracks\n", tracks->size());
  return kExitOk;
}

}  // namespace

std::function<int()> AddTracksCommand(CLI::App& app) {
  auto o = std::make_shared<TracksOptions>();
  CLI::App* cmd = app.add_subcommand("tracks", "List and filter the tracks in the catalog");
  cmd->add_option("-s,--search", o->search, "Text in the title, artist, album or path");
  cmd->add_option("--artist", o->artist, "Artist name contains");
  cmd->add_option("--album", o->album, "Album name contains");
  cmd->add_option("--genre", o->genre, "Genre contains");
  cmd->add_option("--state", o->state, "Only tracks in this state")
      ->check(CLI::IsMember({"analyzed", "failed", "missing"}));
  cmd->add_option("--source", o->source, "Only tracks analysed from audio or imported from tables")
      ->check(CLI::IsMember({"analyzed", "imported"}));
  cmd->add_option("--limit", o->limit, "At most this many tracks (0 = all)")
      ->check(CLI::Range(0, 1000000000));
  cmd->add_option("--offset", o->offset, "Skip this many tracks first")
      ->check(CLI::Range(0, 1000000000));
  cmd->add_flag("--json", o->json, "Print JSON (with audio features) instead of a table");
  AddCatalogOption(cmd, &o->catalog);
  return [o] { return RunTracks(*o); };
}

}  // namespace sonance::cli
