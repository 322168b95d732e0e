#include "sonance/server/recommender_cache.h"

#include <chrono>

namespace sonance {

RecommenderCache::RecommenderCache(CatalogView* view, RecommenderOptions options)
    : view_(view), options_(std::move(options)) {}

void RecommenderCache::SetObserver(std::function<void(const RecommenderEntry&)> observer) {
  observer_ = std::move(observer);
}

std::vector<RecTrack> RecommenderCache::TracksOf(const CatalogSnapshot& snapshot) {
  std::vector<RecTrack> out;
  for (const TrackEntry& e : snapshot.tracks()) {
    if (!e.features || e.record.state != TrackState::kAnalyzed) continue;
    out.push_back(MakeRecTrack(e.record, *e.features, e.analysis));
  }
  return out;
}

Result<std::shared_ptr<const RecommenderEntry>> RecommenderCache::Get() {
  auto snapshot = view_->Snapshot();
  if (!snapshot) {
    return Status::IOError("the catalog is unavailable: " + view_->Availability().message());
  }
  std::lock_guard lock(mu_);
  if (current_ && current_->snapshot == snapshot) return current_;
  const auto start = std::chrono::steady_clock::now();
  auto built = Recommender::Build(TracksOf(*snapshot), options_);
  if (!built.ok()) return built.status();
  auto entry = std::make_shared<RecommenderEntry>();
  entry->snapshot = std::move(snapshot);
  entry->recommender = std::shared_ptr<const Recommender>(std::move(built).value());
  entry->build_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  current_ = entry;
  if (observer_) observer_(*entry);
  return std::shared_ptr<const RecommenderEntry>(entry);
}

}  // namespace sonance
