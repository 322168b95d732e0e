#include "sonance/server/semantic_cache.h"

namespace sonance {

SemanticCache::SemanticCache(CatalogView* view, Result<Models> models)
    : view_(view), models_(std::move(models)) {}

Result<SemanticCache::Models> SemanticCache::LoadModels(const std::filesystem::path& esa_index) {
  auto esa = EsaIndex::Load(esa_index);
  if (!esa.ok()) {
    return Status::FailedPrecondition(
        "the text routes need an ESA index: " + esa.status().message() +
        "; build it with `sonance esa build` and compute the song "
        "vectors with `sonance esa vectorize`");
  }
  auto mood = MoodLexicon::Load(DefaultAfinnPath(), "/usr/share/wordnet");
  if (!mood.ok()) {
    return Status::FailedPrecondition("the text routes need the mood lexicon: " +
                                      mood.status().message());
  }
  return Models{*esa, std::make_shared<const MoodLexicon>(std::move(*mood))};
}

Result<std::shared_ptr<const SemanticLibrary>> SemanticCache::Get() {
  if (!models_.ok()) return models_.status();
  std::shared_ptr<const CatalogSnapshot> snapshot = view_->Snapshot();
  if (snapshot == nullptr) {
    Status s = view_->Availability();
    return s.ok() ? Status::IOError("the catalog has not been read yet") : s;
  }
  std::lock_guard lock(mu_);
  if (library_ != nullptr && snapshot_ == snapshot) return library_;
  auto catalog = Catalog::Open(view_->path());
  if (!catalog.ok()) return Status::IOError(catalog.status().message());
  auto library = SemanticLibrary::Load(**catalog, models_->esa, models_->mood);
  if (!library.ok()) return library.status();
  snapshot_ = std::move(snapshot);
  library_ = *library;
  return library_;
}

}  // namespace sonance
