// Training data for the stream-count model, read from the catalog.
//
// Two sources, each with its own target:
//
// - "history": the user's own listening history, as MusicFlow trained on it. A row is a track
//   streamed at least once (Catalog::StreamCounts(): plays of at least kStreamMinMsPlayed,
//   30 s), and the target is its streams clipped to 0..kHistoryStreamCap (30): a handful of
//   tracks played hundreds of times would otherwise dominate a squared error. Tracks that were
//   only skipped (matched plays, none of 30 s) and tracks never played are NOT rows: the model
//   answers "how often will this be streamed, given it is streamed at all", and a catalog's
//   never-played tracks are mostly tracks the user never met, not tracks they disliked.
//   Target transform "clip_0_30"; a prediction is already a stream count.
// - "streams": tracks whose TrackRecord.streams is set (a table of tracks with a streams
//   column, e.g. Kaggle's "Most Streamed Spotify Songs 2023" imported with `sonance import
//   tracks`). The target is log1p(streams) (counts spread over six orders of magnitude);
//   transform "log1p", a prediction is expm1 of the model's output.
//
// Rows come in ascending rowid order, features as in features.h (NaN = missing). Tracks
// without stored audio features, and tracks with a feature outside its allowed range, are
// skipped and counted (DatasetCounts), never guessed. Features analysed by Sonance and
// features imported from Spotify's tables are used alike (the row does not say which).
//
// The data hash identifies exactly what a model was trained on: XXH64 (seed 0) over a
// canonical little-endian encoding of the layout (the string "sonance.stream-dataset.v1",
// rows, columns, the column names; each count a u64, each string its u64 length and bytes)
// followed by every feature value and then every target as IEEE-754 binary32, NaN as the
// single pattern 0x7fc00000. It does not depend on the machine, the catalog path or rowids.
//
// Thread-safety: BuildStreamDataset uses the catalog as the catalog allows (see catalog.h);
// the dataset is a plain value owned by the caller.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sonance/catalog/catalog.h"
#include "sonance/common/status.h"
#include "sonance/predict/features.h"

namespace sonance {

enum class TrainingSource { kHistory, kStreams };
// "history", "streams"; the parse is the inverse (nullopt for anything else).
const char* TrainingSourceName(TrainingSource source);
std::optional<TrainingSource> ParseTrainingSource(std::string_view name);

enum class TargetTransform {
  kClip0To30,  // "clip_0_30": min(streams, 30)
  kLog1p,      // "log1p": log(1 + streams)
};
const char* TargetTransformName(TargetTransform transform);
std::optional<TargetTransform> ParseTargetTransform(std::string_view name);
// The transform of each source.
TargetTransform TransformFor(TrainingSource source);
// streams -> target, and a model output -> streams (clamped to the target's domain, so a
// prediction is never a negative count: clip gives 0..30, log1p gives expm1(max(0, t))).
double ApplyTargetTransform(TargetTransform transform, double streams);
double InvertTargetTransform(TargetTransform transform, double target);

inline constexpr double kHistoryStreamCap = 30.0;
inline constexpr std::size_t kMinTrainingRows = 20;

struct DatasetOptions {
  // Fewer rows than max(min_rows, 2 * folds) is FailedPrecondition: cross-validation needs
  // at least two held-out rows per fold, and a model of a dozen tracks predicts nothing.
  std::size_t min_rows = kMinTrainingRows;
  int folds = 5;
};

struct DatasetCounts {
  std::size_t candidates = 0;        // tracks with a target (streamed / with streams set)
  std::size_t without_features = 0;  // candidates skipped: no stored audio features
  std::size_t out_of_range = 0;      // candidates skipped: a feature outside its range
  std::size_t not_streamed = 0;      // history: matched plays, none of 30 s (not candidates)
  std::size_t clipped = 0;           // history: rows whose streams were cut to 30
};

struct StreamDataset {
  TrainingSource source = TrainingSource::kHistory;
  TargetTransform transform = TargetTransform::kClip0To30;
  std::size_t rows = 0;
  std::vector<std::int64_t> rowids;   // per row, ascending
  std::vector<std::int64_t> streams;  // per row, the raw count before the transform
  std::vector<float> x;               // rows * kStreamFeatureCount, row-major; NaN = missing
  std::vector<float> y;               // per row, the transformed target
  std::uint64_t data_hash = 0;        // HashTrainingData(x, kStreamFeatureCount, y)
  DatasetCounts counts;
  // Why the first few out-of-range tracks were skipped ("<track id>: popularity = 120 ...").
  std::vector<std::string> skipped_examples;
};

// Reads the rows of `source` from the catalog. FailedPrecondition when there are too few
// (the message gives the counts and what to import); catalog errors as they come.
Result<StreamDataset> BuildStreamDataset(Catalog& catalog, TrainingSource source,
                                         const DatasetOptions& options = {});

// The feature row of one catalog track (what `sonance predict` and GET /api/prediction feed
// the model). FailedPrecondition when the track has no stored audio features.
Result<StreamFeatureRow> TrackFeatureRow(Catalog& catalog, const TrackRecord& track);

// The data hash described above, over any row-major matrix (x.size() == y.size() * cols)
// whose columns are the stream features; `names` are hashed as the layout.
std::uint64_t HashTrainingData(std::span<const float> x, std::size_t cols, std::span<const float> y,
                               const std::vector<std::string>& names = StreamFeatureNames());
// 16 lower-case hex digits.
std::string HashHex(std::uint64_t hash);

// Writes the dataset as CSV for a reference implementation: a header "rowid,fold,streams,
// target,<feature names...>", then one line per row; a missing value is an empty field, floats
// are printed with 9 significant digits (enough to read back the same binary32). `fold_of_row`
// (evaluation.h's AssignFolds) has one entry per row, or is empty (the fold column is then -1).
// The file is written to a temporary name and renamed. InvalidArgument for a wrong fold count;
// IOError naming the path.
Status WriteDatasetCsv(const StreamDataset& dataset, std::span<const int> fold_of_row,
                       const std::filesystem::path& path);

}  // namespace sonance
