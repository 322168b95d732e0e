// `sonance features FILE` and `sonance analysis FILE`: analyse one file and print Spotify's
// JSON objects, without touching the catalog.
#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "sonance/analysis/analysis_json.h"
#include "sonance/analysis/track_analyzer.h"
#include "sonance/audio/decoder.h"

namespace sonance::cli {
namespace {

struct InspectOptions {
  std::string file;
  bool compact = false;
};

Result<TrackAnalysis> AnalyzeOne(const std::string& file) {
  auto decoded = DecodeFile(file);
  if (!decoded.ok()) return decoded.status();
  return TrackAnalyzer().analyze(decoded->audio);
}

int Print(const InspectOptions& o, bool features) {
  auto result = AnalyzeOne(o.file);
  if (!result.ok()) {
    std::fprintf(stderr, "sonance: %s\n", result.status().ToString().c_str());
    const StatusCode c = result.status().code();
    return c == StatusCode::kNotFound ? kExitNotFound : kExitFailure;
  }
  const nlohmann::json j = features ? ToJson(result->features) : ToJson(result->analysis);
  std::cout << j.dump(o.compact ? -1 : 2) << "\n";
  return kExitOk;
}

std::function<int()> AddInspect(CLI::App& app, const char* name, const char* help, bool features) {
  auto o = std::make_shared<InspectOptions>();
  CLI::App* cmd = app.add_subcommand(name, help);
  cmd->add_option("file", o->file, "Audio file")->required();
  cmd->add_flag("--compact", o->compact, "One line of JSON instead of indented output");
  return [o, features] { return Print(*o, features); };
}

}  // namespace

std::function<int()> AddFeaturesCommand(CLI::App& app) {
  return AddInspect(app, "features",
                    "Print the audio-features JSON object of one file (catalog untouched)", true);
}

std::function<int()> AddAnalysisCommand(CLI::App& app) {
  return AddInspect(app, "analysis",
                    "Print the audio-analysis JSON object of one file (catalog untouched)", false);
}

}  // namespace sonance::cli
