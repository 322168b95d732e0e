// RecTrack (rec_track.h): the recommenders' view of one catalog track.
#include "sonance/recommend/rec_track.h"

#include <algorithm>
#include <cctype>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "sonance/common/name_match.h"

namespace sonance {

namespace {

// The year of a tagged release date ("1999", "1999-04", "1999-04-12"); 0 when the text does
// not start with a plausible year (1000..2100, as LoadFeatureRows reads it too).
int ReleaseYear(const std::string& date) {
  if (date.size() < 4) return 0;
  int year = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    const unsigned char c = static_cast<unsigned char>(date[i]);
    if (!std::isdigit(c)) return 0;
    year = year * 10 + (c - '0');
  }
  // "19991" is not a year followed by a month.
  if (date.size() > 4 && std::isdigit(static_cast<unsigned char>(date[4]))) return 0;
  return year >= 1000 && year <= 2100 ? year : 0;
}

// The genre tag split on "; " (how the catalog joins several genres), empty pieces dropped.
std::vector<std::string> SplitGenres(const std::string& genre) {
  std::vector<std::string> out;
  std::string_view rest = genre;
  while (!rest.empty()) {
    const std::size_t sep = rest.find("; ");
    std::string_view piece = rest.substr(0, sep);
    if (!piece.empty()) out.emplace_back(piece);
    if (sep == std::string_view::npos) break;
    rest.remove_prefix(sep + 2);
  }
  return out;
}

}  // namespace

bool RecTrack::HasFeature(const std::string& name) const {
  return std::find(record.missing_features.begin(), record.missing_features.end(), name) ==
         record.missing_features.end();
}

RecTrack MakeRecTrack(TrackRecord record, AudioFeatures features,
                      std::optional<AnalysisSummary> analysis) {
  RecTrack t;
  t.record = std::move(record);
  t.features = features;
  t.analysis = std::move(analysis);
  t.release_year = ReleaseYear(t.record.tags.release_date);
  t.genres = SplitGenres(t.record.tags.genre);
  t.genre_keys.reserve(t.genres.size());
  for (const std::string& g : t.genres) t.genre_keys.push_back(NormalizeName(g));
  t.title_key = NormalizeName(t.record.tags.title);
  for (const std::string& a : t.record.tags.artists) {
    std::string key = NormalizeName(a);
    // An artist written twice ("Queen; queen") counts once for caps and duplicates.
    if (!key.empty() &&
        std::find(t.artist_keys.begin(), t.artist_keys.end(), key) == t.artist_keys.end()) {
      t.artist_keys.push_back(std::move(key));
    }
  }
  t.album_key = NormalizeName(t.record.tags.album);
  return t;
}

Result<std::vector<RecTrack>> LoadRecTracks(Catalog& catalog) {
  auto records = catalog.ListTracks(TrackFilter{});
  if (!records.ok()) return records.status();
  auto features = catalog.AllFeatures();
  if (!features.ok()) return features.status();
  auto summaries = catalog.AnalysisSummaries();
  if (!summaries.ok()) return summaries.status();

  std::unordered_map<std::int64_t, TrackRecord*> by_rowid;
  by_rowid.reserve(records->size());
  for (TrackRecord& r : *records) by_rowid.emplace(r.rowid, &r);
  std::unordered_map<std::int64_t, const AnalysisSummary*> summary_by_rowid;
  summary_by_rowid.reserve(summaries->size());
  for (const AnalysisSummary& s : *summaries) summary_by_rowid.emplace(s.rowid, &s);

  // AllFeatures is ordered by rowid, which gives the documented order for free.
  std::vector<RecTrack> out;
  out.reserve(features->size());
  for (const auto& [rowid, f] : *features) {
    auto it = by_rowid.find(rowid);
    if (it == by_rowid.end()) continue;
    // A missing file keeps its features in case it comes back, but it cannot be played, so
    // it is no recommendation; failed tracks have no features at all.
    if (it->second->state != TrackState::kAnalyzed) continue;
    std::optional<AnalysisSummary> analysis;
    if (auto s = summary_by_rowid.find(rowid); s != summary_by_rowid.end()) analysis = *s->second;
    out.push_back(MakeRecTrack(std::move(*it->second), f, std::move(analysis)));
  }
  return out;
}

FeatureRow ToFeatureRow(const RecTrack& track) {
  FeatureRow row;
  row.rowid = track.record.rowid;
  row.features = track.features;
  row.missing = track.record.missing_features;
  row.analysis = track.analysis;
  row.release_year = track.release_year;
  row.genres = track.genres;
  return row;
}

std::string DisplayName(const RecTrack& track) {
  const auto& artists = track.record.tags.artists;
  if (artists.empty() || artists.front().empty()) return track.record.tags.title;
  return artists.front() + " - " + track.record.tags.title;
}

}  // namespace sonance
