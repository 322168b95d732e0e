// Song vectors: every catalog track's text vector (catalog.h TrackTextVector), computed
// with one ESA index and the mood lexicon and stored in the catalog.
//
// A track's text is its lyrics, line by line; a track without lyrics is described by its
// title, album, genre and artists instead (source "metadata"), so that every track can be
// matched to a text, if more weakly. Vectors keep their `max_concepts` largest weights.
//
// VectorizeCatalog is incremental and resumable: a track whose text and index are unchanged
// is skipped; vectors are stored in batches, each one transaction, so an interrupted run
// keeps what it finished and the next run continues from there.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <string>

#include "sonance/catalog/catalog.h"
#include "sonance/common/status.h"
#include "sonance/text/esa.h"
#include "sonance/text/mood.h"

namespace sonance {

// The text a track is vectorised from: its lyrics lines joined by newlines, else
// "title. album. genre. artist, artist" (empty parts left out).
std::string TextToVectorize(const TrackText& track);

struct VectorizeOptions {
  int threads = 0;                 // 0: one per core
  std::size_t max_concepts = 200;  // concepts kept per song
  std::size_t batch = 2000;        // tracks per transaction
  bool force = false;              // recompute unchanged tracks too
};

struct VectorizeSummary {
  std::size_t tracks = 0;     // tracks with features
  std::size_t computed = 0;   // vectors computed and stored by this run
  std::size_t unchanged = 0;  // already stored for this text and index
  std::size_t from_lyrics = 0;
  std::size_t from_metadata = 0;
  std::size_t words = 0;  // words vectorised by this run
  double seconds = 0.0;
  bool interrupted = false;
};

// `progress(done, total)` after each batch. When `stop` becomes true the run ends after the
// current batch with interrupted = true.
Result<VectorizeSummary> VectorizeCatalog(
    Catalog& catalog, const EsaIndex& esa, const MoodLexicon& mood, const VectorizeOptions& options,
    const std::function<void(std::size_t, std::size_t)>& progress = nullptr,
    const std::atomic<bool>* stop = nullptr);

}  // namespace sonance
