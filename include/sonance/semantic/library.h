// The catalog as text semantics sees it: every track with features, its stored text vector
// (semantic/song_vectors.h), mood, lyrics and audio valence/energy, loaded once and shared,
// read-only, by the soundtrack, lyrics search and clustering.
//
// Lyrics search (SearchLyrics) scores a song for a query q, with s_i = cos(q, line_i) over
// its non-blank lyric lines and S = cos(q, song vector):
//
//   lines = max(0, mean of the top 3 s_i  -  kWeakLinePenalty * (share of lines with
//           s_i < kWeakLineThreshold))
//   score = kWholeSongWeight * S + (1 - kWholeSongWeight) * lines
//
// so a song is lifted by a few lines that say what the query says and pulled down by lines
// that have nothing to do with it (a long song that mentions the theme once ranks below a
// short one about it). Songs without lyrics score S alone. Candidates: the kCandidates songs
// of highest S (an inverted index over the song vectors, the query cut to its 100 largest
// concepts), then re-scored by their lines. Thread-safe once loaded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sonance/catalog/catalog.h"
#include "sonance/common/status.h"
#include "sonance/text/esa.h"
#include "sonance/text/mood.h"
#include "sonance/text/soundtrack.h"

namespace sonance {

inline constexpr double kWholeSongWeight = 0.4;
inline constexpr double kWeakLineThreshold = 0.05;
inline constexpr double kWeakLinePenalty = 0.2;
inline constexpr std::size_t kCandidates = 100;

struct LyricLineMatch {
  int line = 0;  // index into the track's lyrics
  std::string text;
  double score = 0.0;
};

struct LyricsHit {
  std::size_t track = 0;  // index into SemanticLibrary::songs()
  double score = 0.0;
  double song_similarity = 0.0;            // S
  double line_score = 0.0;                 // the lines part, before weighting
  std::vector<LyricLineMatch> best_lines;  // up to 3, best first
};

struct LyricsSearchResult {
  std::vector<LyricsHit> hits;
  std::size_t candidates = 0;  // songs re-scored by their lines
  bool lyrics_used = false;    // false: no candidate had lyrics (titles and tags only)
};

class SemanticLibrary {
 public:
  // Tracks without a vector for this index are kept with an empty vector (and counted in
  // missing_vectors()). Popularity: the catalog's popularity when known, else the track's
  // streams in the listening history, capped at 100.
  static Result<std::shared_ptr<const SemanticLibrary>> Load(
      Catalog& catalog, std::shared_ptr<const EsaIndex> esa,
      std::shared_ptr<const MoodLexicon> mood);

  // In catalog order; SoundtrackSong::vector holds the stored text vector.
  const std::vector<SoundtrackSong>& songs() const { return songs_; }
  const std::vector<std::string>& lyrics(std::size_t track) const { return lyrics_[track]; }
  const std::vector<std::int64_t>& rowids() const { return rowids_; }
  std::size_t missing_vectors() const { return missing_vectors_; }
  std::size_t with_lyrics() const { return with_lyrics_; }
  const EsaIndex& esa() const { return *esa_; }
  const MoodLexicon& mood() const { return *mood_; }

  // InvalidArgument for an empty query or invalid UTF-8. `limit` in [1, 50].
  Result<LyricsSearchResult> SearchLyrics(std::string_view query, std::size_t limit) const;

 private:
  SemanticLibrary() = default;
  void BuildPostings();

  std::shared_ptr<const EsaIndex> esa_;
  std::shared_ptr<const MoodLexicon> mood_;
  std::vector<SoundtrackSong> songs_;
  std::vector<std::vector<std::string>> lyrics_;
  std::vector<std::int64_t> rowids_;
  std::size_t missing_vectors_ = 0;
  std::size_t with_lyrics_ = 0;
  // Inverted index over the song vectors (CSR): concept -> (song, unit-normalised weight).
  std::vector<std::uint32_t> concept_ids_;  // sorted concepts that have postings
  std::vector<std::uint64_t> offsets_;      // concept_ids_.size() + 1
  std::vector<std::uint32_t> posting_song_;
  std::vector<float> posting_weight_;
};

}  // namespace sonance
