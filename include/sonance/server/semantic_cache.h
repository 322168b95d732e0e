// SemanticCache: the SemanticLibrary (semantic/library.h) of the server's current catalog
// snapshot, for the text routes (POST /generate_soundtrack, GET /api/lyrics/search).
//
// The ESA index and the mood lexicon are loaded once, when the server starts; without them
// the text routes answer 503 saying how to build the index. The library (song vectors,
// lyrics, audio valence/energy) is loaded from the catalog on the first call after the
// catalog changed; one load at a time, the others wait and share it, and requests holding
// the previous library keep it.
//
// Thread-safety: Get() is thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "sonance/common/status.h"
#include "sonance/semantic/library.h"
#include "sonance/server/catalog_view.h"

namespace sonance {

class SemanticCache {
 public:
  // `models` is the outcome of loading the index and lexicon: on failure its status is what
  // every Get() reports (as FailedPrecondition, 503).
  struct Models {
    std::shared_ptr<const EsaIndex> esa;
    std::shared_ptr<const MoodLexicon> mood;
  };
  SemanticCache(CatalogView* view, Result<Models> models);

  // Loads the index at `esa_index` and the default mood lexicon.
  static Result<Models> LoadModels(const std::filesystem::path& esa_index);

  Result<std::shared_ptr<const SemanticLibrary>> Get();

 private:
  CatalogView* view_;
  Result<Models> models_;
  std::mutex mu_;
  std::shared_ptr<const CatalogSnapshot> snapshot_;  // the snapshot library_ was loaded for
  std::shared_ptr<const SemanticLibrary> library_;
};

}  // namespace sonance
