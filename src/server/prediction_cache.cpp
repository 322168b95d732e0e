#include "sonance/server/prediction_cache.h"

namespace sonance {

PredictionCache::PredictionCache(std::filesystem::path model_dir) : store_(std::move(model_dir)) {}

Result<std::shared_ptr<const StreamPredictor>> PredictionCache::Get() {
  auto version = store_.CurrentVersion();
  if (!version.ok()) return version.status();
  std::lock_guard lock(mu_);
  if (current_ != nullptr && version->has_value() && **version == version_) return current_;
  auto loaded = store_.LoadCurrent();
  if (!loaded.ok()) return loaded.status();
  current_ = std::make_shared<const StreamPredictor>(std::move(*loaded));
  version_ = current_->meta().version;
  return current_;
}

}  // namespace sonance
