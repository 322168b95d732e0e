// Explicit Semantic Analysis (Gabrilovich & Markovitch 2007): a text becomes a weighted
// vector over concepts, each concept a document of a corpus (a WordNet synset with its
// lemmas, gloss and examples; a dictionary entry; a Wikipedia article).
//
// Build: every concept's text is reduced to terms (text::Terms); a term's weight in a
// concept is TF-IDF, (1 + log tf) * log(N / df), and each concept's vector is scaled to unit
// length. The inverted index maps a term to its concepts by descending weight, pruned as in
// the paper: walking down the list with a window of `prune_window` entries, the list is cut
// where the weight falls by less than `prune_drop` of the term's highest weight across the
// window (the flat tail carries no information). Terms in fewer than `min_df` concepts or
// in more than `max_df_fraction` of them are dropped.
//
// Vectorise: the text's terms, weighted (1 + log tf) * idf, each add their concept list
// scaled by that weight; the result keeps its `max_concepts` largest entries.
//
// The index is a single little-endian binary file, memory-mapped on load (no parsing): load
// time is independent of the corpus size beyond the page faults of the terms a text uses.
// EsaIndex is immutable after Load and safe to use from many threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sonance/common/status.h"
#include "sonance/text/sparse_vector.h"

namespace sonance {

struct EsaConcept {
  std::string title;
  std::string text;
};

struct EsaBuildOptions {
  int min_df = 2;
  double max_df_fraction = 0.2;
  int prune_window = 100;
  double prune_drop = 0.01;                  // chosen on WordSim-353 (docs/BENCHMARKS.md)
  std::size_t max_concepts_per_term = 5000;  // hard cap after pruning
  std::string corpus_name;                   // recorded in the index ("wordnet-3.0", a path)
};

struct EsaBuildStats {
  std::size_t concepts = 0;
  std::size_t terms = 0;
  std::size_t postings_before_pruning = 0;
  std::size_t postings = 0;
  double seconds = 0.0;
};

// Builds the index from concepts and writes it to `path` (via a temporary file and rename).
// `progress(done, total)` is called now and then while concepts are processed.
Result<EsaBuildStats> BuildEsaIndex(
    const std::vector<EsaConcept>& concepts, const EsaBuildOptions& options,
    const std::filesystem::path& path,
    const std::function<void(std::size_t, std::size_t)>& progress = nullptr);

// A text's concept vector laid out densely, for comparing it with many other texts
// (EsaIndex::Similarity): one float per concept of the index.
class EsaQuery {
 public:
  EsaQuery(const SparseVector& vector, std::size_t concepts);
  const std::vector<float>& dense() const { return dense_; }
  double norm() const { return norm_; }

 private:
  std::vector<float> dense_;
  double norm_ = 0.0;
};

class EsaIndex {
 public:
  // Maps the index file. Corrupt or unknown files are refused with the path in the message.
  static Result<std::shared_ptr<const EsaIndex>> Load(const std::filesystem::path& path);
  ~EsaIndex();
  EsaIndex(const EsaIndex&) = delete;
  EsaIndex& operator=(const EsaIndex&) = delete;

  // The concept vector of a text (empty when no term is known). Text must be valid UTF-8
  // (callers validate; invalid bytes only split words here).
  SparseVector Vectorize(std::string_view text, std::size_t max_concepts = 2000) const;
  // Cosine of the two texts' vectors.
  double Relatedness(std::string_view a, std::string_view b) const;
  // Cosine of the query with the text's full vector (not cut to max_concepts), without
  // building it: about as cheap as reading the text's postings, for scoring many short texts
  // (lyric lines) against one query.
  double Similarity(const EsaQuery& query, std::string_view text) const;

  std::size_t concept_count() const;
  std::size_t term_count() const;
  std::string_view concept_title(std::uint32_t id) const;
  const std::string& corpus_name() const;
  // Identifies the index's content ("corpus@hash"): vectors computed with another index are
  // not comparable with this one's.
  std::string fingerprint() const;
  // The inverse document frequency of a term (already stemmed), 0 when unknown.
  double Idf(std::string_view term) const;

 private:
  EsaIndex();
  void Accumulate(std::string_view text, std::vector<float>* acc,
                  std::vector<std::uint32_t>* touched) const;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The concepts of WordNet 3.0 as Debian's wordnet-base installs it (DIR/data.noun, data.verb,
// data.adj, data.adv): one concept per synset, titled by its first lemma and sense key
// ("bank#n#1"-style: lemma, part of speech, the synset offset), its text the lemmas, gloss
// and examples; with `enrich`, the lemmas and glosses of directly related synsets
// (hypernyms, hyponyms, similar-to, also-see, derivations, attributes, members and parts)
// are added, the synset's own text repeated so it still dominates.
Result<std::vector<EsaConcept>> ReadWordNetConcepts(const std::filesystem::path& dir, bool enrich);

// Concepts from a JSON Lines file: one {"title": "...", "text": "..."} object per line.
// A malformed line is an InvalidArgument naming the file and line.
Result<std::vector<EsaConcept>> ReadJsonlConcepts(const std::filesystem::path& path);

// Where `sonance esa build` writes and everything else reads the index by default:
// $SONANCE_ESA_INDEX, else $XDG_DATA_HOME/sonance/esa.idx, else ~/.local/share/sonance/esa.idx.
std::filesystem::path DefaultEsaIndexPath();

// A concept title for people: WordNet's "battle plan#n#05902786" reads "battle plan"; other
// titles are returned as they are.
std::string_view ConceptLabel(std::string_view title);

// Spearman's rank correlation (average ranks for ties); NaN when fewer than 2 pairs or a
// side is constant.
double SpearmanRho(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace sonance
