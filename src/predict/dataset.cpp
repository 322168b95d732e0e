#include "sonance/predict/dataset.h"

#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <system_error>
#include <unordered_map>

namespace sonance {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kSkippedExamples = 5;

// XXH64 over little-endian words, whatever the machine's byte order.
class CanonicalHasher {
 public:
  CanonicalHasher() : state_(XXH64_createState()) { XXH64_reset(state_, 0); }
  ~CanonicalHasher() { XXH64_freeState(state_); }
  CanonicalHasher(const CanonicalHasher&) = delete;
  CanonicalHasher& operator=(const CanonicalHasher&) = delete;

  void Bytes(const void* data, std::size_t n) { XXH64_update(state_, data, n); }
  void U64(std::uint64_t v) {
    unsigned char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(v >> (8 * i));
    Bytes(b, 8);
  }
  void Float(float f) {
    const std::uint32_t v = std::isnan(f) ? 0x7fc00000u : std::bit_cast<std::uint32_t>(f);
    unsigned char b[4];
    for (int i = 0; i < 4; ++i) b[i] = static_cast<unsigned char>(v >> (8 * i));
    Bytes(b, 4);
  }
  void Text(const std::string& s) {
    U64(s.size());
    Bytes(s.data(), s.size());
  }
  std::uint64_t Digest() const { return XXH64_digest(state_); }

 private:
  XXH64_state_t* state_;
};

std::string FormatFloat(float v) {
  if (std::isnan(v)) return "";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(v));
  return buf;
}

std::string TooLittleData(TrainingSource source, const StreamDataset& d, std::size_t needed,
                          int folds) {
  const DatasetCounts& c = d.counts;
  std::string m = "too little data to train on ";
  m += source == TrainingSource::kHistory ? "the listening history: " : "stream counts: ";
  m += std::to_string(d.rows) + " rows (" + std::to_string(c.candidates);
  m += source == TrainingSource::kHistory ? " tracks streamed at least once: "
                                          : " tracks with a stream count: ";
  m += std::to_string(c.without_features) + " without audio features, " +
       std::to_string(c.out_of_range) + " with a feature out of range";
  if (source == TrainingSource::kHistory) {
    m += "; " + std::to_string(c.not_streamed) + " more played but never for 30 s";
  }
  m += "); at least " + std::to_string(needed) + " are needed (and 2 per fold for " +
       std::to_string(folds) + " folds). ";
  m += source == TrainingSource::kHistory
           ? "Import more of your listening history (`sonance import history`) and analyse or "
             "import the tracks it names"
           : "Import a table of tracks with a streams column (`sonance import tracks`, e.g. "
             "spotify-2023.csv)";
  return m;
}

}  // namespace

const char* TrainingSourceName(TrainingSource source) {
  return source == TrainingSource::kHistory ? "history" : "streams";
}

std::optional<TrainingSource> ParseTrainingSource(std::string_view name) {
  if (name == "history") return TrainingSource::kHistory;
  if (name == "streams") return TrainingSource::kStreams;
  return std::nullopt;
}

const char* TargetTransformName(TargetTransform transform) {
  return transform == TargetTransform::kClip0To30 ? "clip_0_30" : "log1p";
}

std::optional<TargetTransform> ParseTargetTransform(std::string_view name) {
  if (name == "clip_0_30") return TargetTransform::kClip0To30;
  if (name == "log1p") return TargetTransform::kLog1p;
  return std::nullopt;
}

TargetTransform TransformFor(TrainingSource source) {
  return source == TrainingSource::kHistory ? TargetTransform::kClip0To30 : TargetTransform::kLog1p;
}

double ApplyTargetTransform(TargetTransform transform, double streams) {
  if (transform == TargetTransform::kClip0To30) return std::clamp(streams, 0.0, kHistoryStreamCap);
  return std::log1p(std::max(streams, 0.0));
}

double InvertTargetTransform(TargetTransform transform, double target) {
  if (transform == TargetTransform::kClip0To30) return std::clamp(target, 0.0, kHistoryStreamCap);
  return std::expm1(std::max(target, 0.0));
}

std::uint64_t HashTrainingData(std::span<const float> x, std::size_t cols, std::span<const float> y,
                               const std::vector<std::string>& names) {
  CanonicalHasher h;
  h.Text("sonance.stream-dataset.v1");
  h.U64(y.size());
  h.U64(cols);
  h.U64(names.size());
  for (const std::string& n : names) h.Text(n);
  for (float v : x) h.Float(v);
  for (float v : y) h.Float(v);
  return h.Digest();
}

std::string HashHex(std::uint64_t hash) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(hash));
  return buf;
}

Result<StreamDataset> BuildStreamDataset(Catalog& catalog, TrainingSource source,
                                         const DatasetOptions& options) {
  if (options.folds < 2) {
    return Status::InvalidArgument("folds must be at least 2, not " +
                                   std::to_string(options.folds));
  }
  auto tracks = catalog.ListTracks({});
  if (!tracks.ok()) return tracks.status();
  auto features = catalog.AllFeatures();
  if (!features.ok()) return features.status();
  std::unordered_map<std::int64_t, const TrackRecord*> track_of;
  for (const TrackRecord& t : *tracks) track_of.emplace(t.rowid, &t);
  std::unordered_map<std::int64_t, const AudioFeatures*> features_of;
  for (const auto& [rowid, f] : *features) features_of.emplace(rowid, &f);

  StreamDataset d;
  d.source = source;
  d.transform = TransformFor(source);

  // (rowid, raw streams) of every candidate, ascending by rowid.
  std::vector<std::pair<std::int64_t, std::int64_t>> candidates;
  if (source == TrainingSource::kHistory) {
    auto counts = catalog.StreamCounts();
    if (!counts.ok()) return counts.status();
    for (const TrackPlayCounts& c : *counts) {
      if (c.streams <= 0) {
        ++d.counts.not_streamed;
      } else {
        candidates.emplace_back(c.rowid, c.streams);
      }
    }
  } else {
    for (const TrackRecord& t : *tracks) {
      if (t.streams) candidates.emplace_back(t.rowid, *t.streams);
    }
  }
  std::sort(candidates.begin(), candidates.end());
  d.counts.candidates = candidates.size();

  for (const auto& [rowid, streams] : candidates) {
    const auto t = track_of.find(rowid);
    const auto f = features_of.find(rowid);
    if (t == track_of.end() || f == features_of.end()) {
      ++d.counts.without_features;
      continue;
    }
    const StreamFeatureRow row = BuildStreamFeatureRow(*t->second, *f->second);
    Status check = CheckFeatureRanges(row);
    if (check.ok() && streams < 0) {
      check = Status::InvalidArgument("streams = " + std::to_string(streams) + " is negative");
    }
    if (!check.ok()) {
      ++d.counts.out_of_range;
      if (d.skipped_examples.size() < kSkippedExamples) {
        d.skipped_examples.push_back(t->second->id + ": " + check.message());
      }
      continue;
    }
    if (source == TrainingSource::kHistory && static_cast<double>(streams) > kHistoryStreamCap) {
      ++d.counts.clipped;
    }
    d.rowids.push_back(rowid);
    d.streams.push_back(streams);
    for (double v : row) d.x.push_back(static_cast<float>(v));
    d.y.push_back(
        static_cast<float>(ApplyTargetTransform(d.transform, static_cast<double>(streams))));
  }
  d.rows = d.rowids.size();
  const std::size_t needed =
      std::max(options.min_rows, static_cast<std::size_t>(options.folds) * 2);
  if (d.rows < needed) {
    return Status::FailedPrecondition(TooLittleData(source, d, needed, options.folds));
  }
  d.data_hash = HashTrainingData(d.x, kStreamFeatureCount, d.y);
  return d;
}

Result<StreamFeatureRow> TrackFeatureRow(Catalog& catalog, const TrackRecord& track) {
  auto features = catalog.LoadFeatures(track.rowid);
  if (!features.ok()) return features.status();
  if (!features->has_value()) {
    return Status::FailedPrecondition("track " + track.id +
                                      " has no audio features: analyse it (`sonance analyze`) "
                                      "or import a table of tracks that has them");
  }
  return BuildStreamFeatureRow(track, **features);
}

Status WriteDatasetCsv(const StreamDataset& dataset, std::span<const int> fold_of_row,
                       const fs::path& path) {
  if (!fold_of_row.empty() && fold_of_row.size() != dataset.rows) {
    return Status::InvalidArgument("fold_of_row has " + std::to_string(fold_of_row.size()) +
                                   " entries for " + std::to_string(dataset.rows) + " rows");
  }
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Status::IOError("cannot write " + tmp.string());
    out << "rowid,fold,streams,target";
    for (const StreamFeatureSpec& s : StreamFeatureTable()) out << ',' << s.name;
    out << '\n';
    for (std::size_t r = 0; r < dataset.rows; ++r) {
      out << dataset.rowids[r] << ',' << (fold_of_row.empty() ? -1 : fold_of_row[r]) << ','
          << dataset.streams[r] << ',' << FormatFloat(dataset.y[r]);
      for (std::size_t c = 0; c < kStreamFeatureCount; ++c) {
        out << ',' << FormatFloat(dataset.x[r * kStreamFeatureCount + c]);
      }
      out << '\n';
    }
    out.close();
    if (!out) return Status::IOError("cannot write " + tmp.string());
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return Status::IOError("cannot replace " + path.string() + ": " + ec.message());
  return Status::Ok();
}

}  // namespace sonance
