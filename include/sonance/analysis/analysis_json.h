// JSON forms of the analysis results, in Spotify's shapes (field names, types, nesting).
//
// ToJson writes every field documented in DESIGN.md; floats are rounded to 5 decimals.
// The *FromJson functions read those shapes back (as stored in the catalog) and return
// Corrupt when a required field is missing or has the wrong type; they never throw.
// Pure functions, thread-safe.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "sonance/analysis/track_analysis.h"
#include "sonance/common/status.h"

namespace sonance {

// The audio-features object. With a non-empty `id`, also the Spotify identity fields
// (id, uri "sonance:track:<id>", track_href, analysis_url, type "audio_features").
nlohmann::json ToJson(const AudioFeatures& features, const std::string& id = "");
nlohmann::json ToJson(const AudioAnalysis& analysis);

Result<AudioFeatures> FeaturesFromJson(const nlohmann::json& j);
Result<AudioAnalysis> AnalysisFromJson(const nlohmann::json& j);

}  // namespace sonance
