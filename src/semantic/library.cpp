#include "sonance/semantic/library.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_map>
#include <utility>

#include "sonance/text/text.h"

namespace sonance {

namespace {

constexpr std::size_t kQueryConcepts = 100;
constexpr std::size_t kBestLines = 3;

bool Missing(const TrackRecord& r, const char* field) {
  return std::find(r.missing_features.begin(), r.missing_features.end(), field) !=
         r.missing_features.end();
}

}  // namespace

Result<std::shared_ptr<const SemanticLibrary>> SemanticLibrary::Load(
    Catalog& catalog, std::shared_ptr<const EsaIndex> esa,
    std::shared_ptr<const MoodLexicon> mood) {
  TrackFilter filter;
  filter.state = TrackState::kAnalyzed;
  auto records = catalog.ListTracks(filter);
  if (!records.ok()) return records.status();
  auto features = catalog.AllFeatures();
  if (!features.ok()) return features.status();
  auto texts = catalog.TrackTexts();
  if (!texts.ok()) return texts.status();
  auto vectors = catalog.LoadTextVectors(esa->fingerprint());
  if (!vectors.ok()) return vectors.status();
  auto plays = catalog.StreamCounts();
  if (!plays.ok()) return plays.status();

  std::unordered_map<std::int64_t, const TrackRecord*> by_rowid;
  for (const TrackRecord& r : *records) by_rowid.emplace(r.rowid, &r);
  std::unordered_map<std::int64_t, const AudioFeatures*> features_of;
  for (const auto& [rowid, f] : *features) features_of.emplace(rowid, &f);
  std::unordered_map<std::int64_t, TrackTextVector*> vector_of;
  for (TrackTextVector& v : *vectors) vector_of.emplace(v.rowid, &v);
  std::unordered_map<std::int64_t, std::int64_t> streams_of;
  for (const TrackPlayCounts& p : *plays) streams_of.emplace(p.rowid, p.streams);

  auto lib = std::shared_ptr<SemanticLibrary>(new SemanticLibrary());
  lib->esa_ = std::move(esa);
  lib->mood_ = std::move(mood);
  for (TrackText& t : *texts) {
    auto r = by_rowid.find(t.rowid);
    if (r == by_rowid.end()) continue;  // features but not in state analyzed
    const TrackRecord& rec = *r->second;
    SoundtrackSong song;
    song.track_id = rec.id;
    song.title = rec.tags.title;
    song.artist = rec.tags.artists.empty() ? std::string() : rec.tags.artists.front();
    if (rec.popularity) {
      song.popularity = *rec.popularity;
    } else if (auto s = streams_of.find(t.rowid); s != streams_of.end()) {
      song.popularity = static_cast<double>(std::min<std::int64_t>(100, s->second));
    }
    song.has_lyrics = !t.lyrics.empty();
    if (auto f = features_of.find(t.rowid); f != features_of.end()) {
      if (!Missing(rec, "valence")) song.valence = f->second->valence;
      if (!Missing(rec, "energy")) song.energy = f->second->energy;
    }
    if (auto v = vector_of.find(t.rowid); v != vector_of.end()) {
      song.vector.ids = std::move(v->second->ids);
      song.vector.weights = std::move(v->second->weights);
    } else {
      ++lib->missing_vectors_;
    }
    lib->with_lyrics_ += song.has_lyrics;
    lib->songs_.push_back(std::move(song));
    lib->lyrics_.push_back(std::move(t.lyrics));
    lib->rowids_.push_back(t.rowid);
  }
  lib->BuildPostings();
  return std::shared_ptr<const SemanticLibrary>(std::move(lib));
}

void SemanticLibrary::BuildPostings() {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> entries;  // (concept, song)
  for (std::size_t s = 0; s < songs_.size(); ++s) {
    for (std::uint32_t id : songs_[s].vector.ids) {
      entries.emplace_back(id, static_cast<std::uint32_t>(s));
    }
  }
  std::sort(entries.begin(), entries.end());
  std::vector<double> norms(songs_.size());
  for (std::size_t s = 0; s < songs_.size(); ++s) norms[s] = songs_[s].vector.Norm();
  offsets_.push_back(0);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto [concept_id, song] = entries[i];
    if (concept_ids_.empty() || concept_ids_.back() != concept_id) {
      if (!concept_ids_.empty()) offsets_.push_back(posting_song_.size());
      concept_ids_.push_back(concept_id);
    }
    const SparseVector& v = songs_[song].vector;
    const auto at = std::lower_bound(v.ids.begin(), v.ids.end(), concept_id) - v.ids.begin();
    posting_song_.push_back(song);
    posting_weight_.push_back(
        static_cast<float>(v.weights[static_cast<std::size_t>(at)] / norms[song]));
  }
  if (!concept_ids_.empty()) offsets_.push_back(posting_song_.size());
}

Result<LyricsSearchResult> SemanticLibrary::SearchLyrics(std::string_view query,
                                                         std::size_t limit) const {
  if (Status v = text::ValidateText(query); !v.ok()) {
    return Status::InvalidArgument("q: " + v.message());
  }
  if (query.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return Status::InvalidArgument("q is empty");
  }
  if (limit < 1 || limit > 50) return Status::InvalidArgument("limit must be 1 to 50");
  LyricsSearchResult result;
  SparseVector q = esa_->Vectorize(query);
  if (q.empty()) return result;
  const SparseVector full_query = q;
  const EsaQuery dense_query(full_query, esa_->concept_count());
  q.KeepTop(kQueryConcepts);
  q.Normalize();

  // Whole-song similarity of every song sharing a concept with the (cut) query.
  std::vector<float> acc(songs_.size(), 0.0f);
  std::vector<std::uint32_t> touched;
  for (std::size_t i = 0; i < q.ids.size(); ++i) {
    const auto it = std::lower_bound(concept_ids_.begin(), concept_ids_.end(), q.ids[i]);
    if (it == concept_ids_.end() || *it != q.ids[i]) continue;
    const auto c = static_cast<std::size_t>(it - concept_ids_.begin());
    for (std::uint64_t p = offsets_[c]; p < offsets_[c + 1]; ++p) {
      const std::uint32_t song = posting_song_[p];
      if (acc[song] == 0.0f) touched.push_back(song);
      acc[song] += q.weights[i] * posting_weight_[p];
    }
  }
  const std::size_t n = std::min(kCandidates, touched.size());
  auto better = [&](std::uint32_t a, std::uint32_t b) {
    return acc[a] != acc[b] ? acc[a] > acc[b] : a < b;
  };
  std::partial_sort(touched.begin(), touched.begin() + static_cast<std::ptrdiff_t>(n),
                    touched.end(), better);
  touched.resize(n);
  result.candidates = n;

  for (std::uint32_t song : touched) {
    LyricsHit hit;
    hit.track = song;
    hit.song_similarity = Cosine(full_query, songs_[song].vector);
    const std::vector<std::string>& lines = lyrics_[song];
    if (lines.empty()) {
      hit.score = hit.song_similarity;
    } else {
      result.lyrics_used = true;
      std::vector<LyricLineMatch> scored;
      std::size_t weak = 0;
      for (std::size_t l = 0; l < lines.size(); ++l) {
        const double s = esa_->Similarity(dense_query, lines[l]);
        if (s < kWeakLineThreshold) ++weak;
        scored.push_back({static_cast<int>(l), lines[l], s});
      }
      const std::size_t k = std::min(kBestLines, scored.size());
      std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(k),
                        scored.end(), [](const LyricLineMatch& a, const LyricLineMatch& b) {
                          return a.score != b.score ? a.score > b.score : a.line < b.line;
                        });
      double top = 0.0;
      for (std::size_t i = 0; i < k; ++i) top += scored[i].score;
      top /= static_cast<double>(k);
      const double weak_share = static_cast<double>(weak) / static_cast<double>(lines.size());
      hit.line_score = std::max(0.0, top - kWeakLinePenalty * weak_share);
      hit.score =
          kWholeSongWeight * hit.song_similarity + (1.0 - kWholeSongWeight) * hit.line_score;
      scored.resize(k);
      hit.best_lines = std::move(scored);
    }
    result.hits.push_back(std::move(hit));
  }
  std::sort(result.hits.begin(), result.hits.end(), [](const LyricsHit& a, const LyricsHit& b) {
    return a.score != b.score ? a.score > b.score : a.track < b.track;
  });
  if (result.hits.size() > limit) result.hits.resize(limit);
  return result;
}

}  // namespace sonance
