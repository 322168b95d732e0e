// RecommenderCache: the Recommender of the server's current catalog snapshot.
//
// The recommender (feature pipeline, vectors, FAISS index) is built from a CatalogSnapshot:
// every track with features that is not failed or missing. Get() returns the one built for
// the current snapshot, building it on the first call after the catalog changed (one build at
// a time; other callers wait for it and then share it). The previous recommender keeps serving
// the requests that already hold it. Build time and errors are logged by the caller.
//
// Thread-safety: Get() is thread-safe. Ownership: entries are shared; each keeps its snapshot
// alive, so a RecTrack's TrackEntry can always be looked up in `snapshot`.
#pragma once

#include <functional>
#include <memory>
#include <mutex>

#include "sonance/common/status.h"
#include "sonance/recommend/recommender.h"
#include "sonance/server/catalog_view.h"

namespace sonance {

struct RecommenderEntry {
  std::shared_ptr<const CatalogSnapshot> snapshot;
  std::shared_ptr<const Recommender> recommender;
  double build_seconds = 0.0;
};

class RecommenderCache {
 public:
  RecommenderCache(CatalogView* view, RecommenderOptions options = {});

  // IOError (503) while the catalog is unavailable; FailedPrecondition when it has no track
  // with features.
  Result<std::shared_ptr<const RecommenderEntry>> Get();

  // Called after every build (on the thread that built), e.g. to log it. Set before use.
  void SetObserver(std::function<void(const RecommenderEntry&)> observer);

  // The rec tracks of a snapshot (exposed for tests).
  static std::vector<RecTrack> TracksOf(const CatalogSnapshot& snapshot);

 private:
  CatalogView* view_;
  RecommenderOptions options_;
  std::mutex mu_;
  std::shared_ptr<const RecommenderEntry> current_;
  std::function<void(const RecommenderEntry&)> observer_;
};

}  // namespace sonance
