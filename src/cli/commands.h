// The `sonance` subcommands. Each registers itself on the CLI11 app and runs with a typed
// options struct; each returns an exit code from exit_codes.h.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

namespace sonance::cli {

// Shared by every command that touches the catalog.
struct CatalogOption {
  std::string path;  // empty: $SONANCE_CATALOG, else the default path
};

// Registers the subcommand and returns the function that runs it after parsing.
std::function<int()> AddAnalyzeCommand(CLI::App& app);
std::function<int()> AddFeaturesCommand(CLI::App& app);
std::function<int()> AddAnalysisCommand(CLI::App& app);
std::function<int()> AddTracksCommand(CLI::App& app);
std::function<int()> AddImportCommand(CLI::App& app);
std::function<int()> AddServeCommand(CLI::App& app);
std::function<int()> AddPlaylistCommand(CLI::App& app);
std::function<int()> AddPathCommand(CLI::App& app);
std::function<int()> AddEvalCommand(CLI::App& app);

// Adds --catalog to a subcommand.
void AddCatalogOption(CLI::App* cmd, CatalogOption* option);

}  // namespace sonance::cli
