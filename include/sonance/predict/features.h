// The stream-count model's input: MusicFlow's feature table, one row of 33 numbers per track.
//
// The columns, in model order (StreamFeatureTable() holds each one's allowed range):
//
//   number_of_available_markets  0..1000  TrackRecord.available_markets; NaN when the source
//                                         did not say (analysed tracks, most tables)
//   release_year                 1900..2100  from tags.release_date "YYYY[-MM[-DD]]"; NaN
//                                         when the date is empty or does not start with 4 digits
//   release_month                1..12    NaN for a year-only date (or a malformed month)
//   release_day                  1..31    NaN for a year-only or year-month date
//   date_is_complete             0/1      1 only for a full, valid YYYY-MM-DD; never NaN
//   num_artists                  1..100   tags.artists.size(); NaN when no artist is known
//   duration_ms                  1..86,400,000  the features' duration, else the track's;
//                                         NaN when both are 0 or "duration_ms" is listed missing
//   explicit                     0/1      TrackRecord.is_explicit; NaN when unknown
//   popularity                   0..100   TrackRecord.popularity; NaN when unknown
//   danceability, energy, speechiness, acousticness, instrumentalness, liveness, valence
//                                0..1     AudioFeatures; NaN when named in missing_features
//   loudness                     -100..10 dB; NaN when named in missing_features
//   mode                         0/1      NaN when named in missing_features
//   tempo                        0..400   BPM (0: no beat found, a value); NaN when missing
//   time_signature               0..7     NaN when named in missing_features
//   key_C, key_C#, key_D, key_D#, key_E, key_F, key_F#, key_G, key_G#, key_A, key_A#, key_B,
//   key_Unknown                  0/1      one-hot, exactly one is 1, never NaN: key -1 (no key
//                                         found) and a key named in missing_features both set
//                                         key_Unknown, which is a category of its own here
//
// NaN is how a row says "missing": XGBoost treats it as missing natively and the ridge
// baseline imputes it (ridge.h). A missing value is never silently 0. The ranges are those
// the catalog's importers accept (so no stored track is refused for a value the catalog took),
// with the calendar and counting limits added. kStreamFeaturesVersion names this layout; a
// model trained on one layout refuses rows of another (store.h).
//
// Thread-safety: everything here is a pure function or immutable data.
#pragma once

#include <array>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sonance/analysis/track_analysis.h"
#include "sonance/catalog/catalog.h"
#include "sonance/common/status.h"

namespace sonance {

// Bumped whenever a column is added, removed, reordered or computed differently.
inline constexpr int kStreamFeaturesVersion = 1;
inline constexpr std::size_t kStreamFeatureCount = 33;

// Column indices into a StreamFeatureRow.
namespace stream_feature {
enum Column : std::size_t {
  kAvailableMarkets = 0,
  kReleaseYear,
  kReleaseMonth,
  kReleaseDay,
  kDateIsComplete,
  kNumArtists,
  kDurationMs,
  kExplicit,
  kPopularity,
  kDanceability,
  kEnergy,
  kLoudness,
  kMode,
  kSpeechiness,
  kAcousticness,
  kInstrumentalness,
  kLiveness,
  kValence,
  kTempo,
  kTimeSignature,
  kKeyC,  // key_C .. key_B are kKeyC + pitch class (0 = C .. 11 = B)
  kKeyUnknown = kKeyC + 12,
};
}  // namespace stream_feature

struct StreamFeatureSpec {
  const char* name;  // the column name, as in MusicFlow's table
  double min;        // inclusive
  double max;        // inclusive
  bool integral;     // only whole numbers
  bool nullable;     // may be NaN (missing); the key one-hots and date_is_complete may not
  const char* description;
};

using StreamFeatureRow = std::array<double, kStreamFeatureCount>;

// The table, in column order.
const std::array<StreamFeatureSpec, kStreamFeatureCount>& StreamFeatureTable();
// The column names, in order (what a model's meta.json lists).
std::vector<std::string> StreamFeatureNames();
// The column of a name, nullopt when there is none.
std::optional<std::size_t> FindStreamFeature(std::string_view name);

// OK when every value is within its range (and whole where it must be), NaN only where the
// column is nullable, no value is infinite, and exactly one key column is 1. Otherwise
// InvalidArgument naming the field and the value: "popularity = 120 is outside 0..100".
Status CheckFeatureRanges(const StreamFeatureRow& row);

// The row of a catalog track with its stored features (see the table above for what is NaN
// when). Pure: it does not check ranges (a malformed source value comes through as it is, for
// CheckFeatureRanges to refuse).
StreamFeatureRow BuildStreamFeatureRow(const TrackRecord& track, const AudioFeatures& features);

// A row from named values (a request's query parameters, a hand-written example): any of the
// table's names, plus "key" (-1..11) as a shorthand for the one-hot columns. A name not given
// is NaN (missing); without "key" and without key_* columns the key is unknown (key_Unknown =
// 1); date_is_complete, when not given, is 1 exactly when release_year, release_month and
// release_day are all given. InvalidArgument for an unknown name, "key" given together with
// key_* columns, a key outside -1..11, and anything CheckFeatureRanges refuses.
Result<StreamFeatureRow> StreamFeatureRowFromValues(const std::map<std::string, double>& values);

}  // namespace sonance
