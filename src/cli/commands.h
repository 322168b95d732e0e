// The `sonance` subcommands. Each registers itself on the CLI11 app and runs with a typed
// options struct; each returns an exit code from exit_codes.h.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <string>

#include "sonance/catalog/catalog.h"

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
std::function<int()> AddEsaCommand(CLI::App& app);
std::function<int()> AddRelatednessCommand(CLI::App& app);
std::function<int()> AddExperimentCommand(CLI::App& app);
// `eval relatedness`, under the eval command; its runner returns -1 when not the one parsed.
std::function<int()> AddEvalRelatednessCommand(CLI::App* eval);

// Adds --catalog to a subcommand.
void AddCatalogOption(CLI::App* cmd, CatalogOption* option);
// The catalog file the option names (the default path when it names none).
std::filesystem::path CatalogPath(const CatalogOption& option);
// Opens the catalog the option names; on failure prints why (saying how to create one when
// `must_exist` and there is none) and sets *exit_code.
std::unique_ptr<Catalog> OpenCatalogOrReport(const CatalogOption& option, bool must_exist,
                                             int* exit_code);

// Text semantics over the catalog: `esa vectorize` (under the esa command; its runner
// returns -1 when not the one parsed), `soundtrack`, `search lyrics`, `clusters`.
std::function<int()> AddEsaVectorizeCommand(CLI::App* esa);
// After `analyze` or `import`: computes the text vectors of new and changed tracks when an
// ESA index is at the default path (prints a one-line summary); a no-op without one. Returns
// false only when vectorising failed (the message is printed).
bool VectorizeAfterIngest(Catalog& catalog, bool quiet);
std::function<int()> AddSoundtrackCommand(CLI::App& app);
std::function<int()> AddSearchCommand(CLI::App& app);
std::function<int()> AddClustersCommand(CLI::App& app);

// Stream-count prediction: `model train|list|show|use`, `predict`, `describe`.
std::function<int()> AddModelCommand(CLI::App& app);
std::function<int()> AddPredictCommand(CLI::App& app);
std::function<int()> AddDescribeCommand(CLI::App& app);

}  // namespace sonance::cli
