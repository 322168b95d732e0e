// Entry point of the `sonance` command: parses the command line and runs one subcommand.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <functional>
#include <map>

#include "cli/commands.h"
#include "cli/exit_codes.h"

#ifndef SONANCE_VERSION
#define SONANCE_VERSION "0.1.0"
#endif

int main(int argc, char** argv) {
  using namespace sonance::cli;
  CLI::App app{
      "Sonance: analyse your music library into Spotify-compatible audio features\n"
      "and audio analysis, kept in an embedded catalog; import tables, lyrics and\n"
      "listening history; build playlists and serve it all over HTTP."};
  app.set_version_flag("--version", std::string("sonance ") + SONANCE_VERSION);
  app.require_subcommand(1);
  app.footer(
      "Catalog: --catalog PATH, else $SONANCE_CATALOG, else $XDG_DATA_HOME/sonance/catalog.db\n"
      "(~/.local/share/sonance/catalog.db).\n"
      "Exit codes: 0 ok, 1 failure, 2 usage error, 3 some files or rows failed, 4 not found,\n"
      "5 catalog unavailable, 130 interrupted (work done so far is kept).");

  std::map<CLI::App*, std::function<int()>> runners;
  auto add = [&](std::function<int()> (*adder)(CLI::App&)) {
    const std::size_t before = app.get_subcommands({}).size();
    auto run = adder(app);
    runners[app.get_subcommands({})[before]] = std::move(run);
  };
  add(AddAnalyzeCommand);
  add(AddFeaturesCommand);
  add(AddAnalysisCommand);
  add(AddTracksCommand);
  add(AddImportCommand);
  add(AddServeCommand);
  add(AddPlaylistCommand);
  add(AddPathCommand);
  add(AddEvalCommand);
  add(AddEsaCommand);
  add(AddRelatednessCommand);
  add(AddExperimentCommand);
  add(AddSoundtrackCommand);
  add(AddSearchCommand);
  add(AddClustersCommand);
  add(AddModelCommand);
  add(AddPredictCommand);
  add(AddDescribeCommand);

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  for (auto& [cmd, run] : runners) {
    if (cmd->parsed()) return run();
  }
  return kExitUsage;
}
