#include "sonance/semantic/song_vectors.h"

#include <xxhash.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <unordered_map>
#include <vector>

#include "sonance/text/text.h"

namespace sonance {

std::string TextToVectorize(const TrackText& track) {
  std::string out;
  if (!track.lyrics.empty()) {
    for (const std::string& line : track.lyrics) {
      if (!out.empty()) out += '\n';
      out += line;
    }
    return out;
  }
  auto add = [&out](const std::string& part, const char* separator) {
    if (part.empty()) return;
    if (!out.empty()) out += separator;
    out += part;
  };
  add(track.title, ". ");
  add(track.album, ". ");
  add(track.genre, ". ");
  for (std::size_t i = 0; i < track.artists.size(); ++i)
    add(track.artists[i], i == 0 ? ". " : ", ");
  return out;
}

namespace {

int ThreadCount(int requested) {
  if (requested > 0) return requested;
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

// Runs f(i) for i in [0, n) on `threads` threads.
template <typename F>
void ParallelFor(std::size_t n, int threads, F&& f) {
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t i = next++; i < n; i = next++) f(i);
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads && static_cast<std::size_t>(t) < n; ++t) pool.emplace_back(work);
  work();
  for (auto& th : pool) th.join();
}

}  // namespace

Result<VectorizeSummary> VectorizeCatalog(
    Catalog& catalog, const EsaIndex& esa, const MoodLexicon& mood, const VectorizeOptions& options,
    const std::function<void(std::size_t, std::size_t)>& progress, const std::atomic<bool>* stop) {
  const auto start = std::chrono::steady_clock::now();
  VectorizeSummary summary;
  auto texts = catalog.TrackTexts();
  if (!texts.ok()) return texts.status();
  const std::string index_id = esa.fingerprint();
  auto stored = catalog.LoadTextVectors(index_id);
  if (!stored.ok()) return stored.status();
  std::unordered_map<std::int64_t, std::uint64_t> stored_hash;
  for (const TrackTextVector& v : *stored) stored_hash.emplace(v.rowid, v.text_hash);

  struct Job {
    const TrackText* track;
    std::string text;
    std::uint64_t hash;
  };
  std::vector<Job> jobs;
  summary.tracks = texts->size();
  for (const TrackText& t : *texts) {
    std::string text = TextToVectorize(t);
    if (Status v = text::ValidateText(text); !v.ok()) {
      // The catalog only stores UTF-8; should a row not be, it is described by nothing.
      text.clear();
    }
    const std::uint64_t hash = XXH64(text.data(), text.size(), 0);
    auto it = stored_hash.find(t.rowid);
    if (!options.force && it != stored_hash.end() && it->second == hash) {
      ++summary.unchanged;
      continue;
    }
    jobs.push_back({&t, std::move(text), hash});
  }

  const int threads = ThreadCount(options.threads);
  const std::size_t batch = std::max<std::size_t>(1, options.batch);
  std::size_t done = 0;
  if (progress) progress(0, jobs.size());
  for (std::size_t first = 0; first < jobs.size(); first += batch) {
    if (stop != nullptr && stop->load()) {
      summary.interrupted = true;
      break;
    }
    const std::size_t n = std::min(batch, jobs.size() - first);
    std::vector<TrackTextVector> out(n);
    std::vector<std::size_t> words(n);
    ParallelFor(n, threads, [&](std::size_t k) {
      const Job& job = jobs[first + k];
      TrackTextVector& v = out[k];
      v.rowid = job.track->rowid;
      v.index_id = index_id;
      v.source = job.track->lyrics.empty() ? "metadata" : "lyrics";
      v.text_hash = job.hash;
      const Mood m = mood.Of(job.text);
      v.valence = m.valence;
      v.arousal = m.arousal;
      v.mood_words = static_cast<std::int64_t>(m.rated_words);
      SparseVector vec = esa.Vectorize(job.text, options.max_concepts);
      v.ids = std::move(vec.ids);
      v.weights = std::move(vec.weights);
      words[k] = text::Tokenize(job.text).size();
    });
    if (Status s = catalog.StoreTextVectors(out); !s.ok()) return s;
    for (std::size_t k = 0; k < n; ++k) {
      ++summary.computed;
      summary.words += words[k];
      (out[k].source == "lyrics" ? summary.from_lyrics : summary.from_metadata) += 1;
    }
    done += n;
    if (progress) progress(done, jobs.size());
  }
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

}  // namespace sonance
