// FeaturePipeline (feature_pipeline.h): impute, standardise, genre multi-hot, PCA.
#include "sonance/search/feature_pipeline.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <unordered_map>
#include <utility>

#include "sonance/common/name_match.h"

namespace sonance {
namespace {

using Json = nlohmann::json;

constexpr const char* kFormat = "sonance.feature_pipeline";
constexpr int kFormatVersion = 1;
constexpr const char* kGenrePrefix = "genre:";
constexpr const char* kOtherGenre = "genre:other";

// The numeric AudioFeatures columns, named as in FeatureRow::missing.
struct FeatureColumn {
  const char* name;
  double (*get)(const AudioFeatures&);
};
constexpr FeatureColumn kFeatureColumns[] = {
    {"danceability", [](const AudioFeatures& f) { return f.danceability; }},
    {"energy", [](const AudioFeatures& f) { return f.energy; }},
    {"loudness", [](const AudioFeatures& f) { return f.loudness; }},
    {"speechiness", [](const AudioFeatures& f) { return f.speechiness; }},
    {"acousticness", [](const AudioFeatures& f) { return f.acousticness; }},
    {"instrumentalness", [](const AudioFeatures& f) { return f.instrumentalness; }},
    {"liveness", [](const AudioFeatures& f) { return f.liveness; }},
    {"valence", [](const AudioFeatures& f) { return f.valence; }},
    {"tempo", [](const AudioFeatures& f) { return f.tempo; }},
    {"duration_ms", [](const AudioFeatures& f) { return static_cast<double>(f.duration_ms); }},
    {"key", [](const AudioFeatures& f) { return static_cast<double>(f.key); }},
    {"mode", [](const AudioFeatures& f) { return static_cast<double>(f.mode); }},
    {"time_signature",
     [](const AudioFeatures& f) { return static_cast<double>(f.time_signature); }},
};

struct AnalysisColumn {
  const char* name;
  double (*get)(const AnalysisSummary&);
};
constexpr AnalysisColumn kAnalysisColumns[] = {
    {"beats", [](const AnalysisSummary& a) { return static_cast<double>(a.beats); }},
    {"beat_mean_s", [](const AnalysisSummary& a) { return a.beat_mean_s; }},
    {"bars", [](const AnalysisSummary& a) { return static_cast<double>(a.bars); }},
    {"bar_mean_s", [](const AnalysisSummary& a) { return a.bar_mean_s; }},
    {"sections", [](const AnalysisSummary& a) { return static_cast<double>(a.sections); }},
    {"section_mean_s", [](const AnalysisSummary& a) { return a.section_mean_s; }},
    {"segments", [](const AnalysisSummary& a) { return static_cast<double>(a.segments); }},
    {"segment_mean_s", [](const AnalysisSummary& a) { return a.segment_mean_s; }},
};

// A deviation this small relative to the mean is rounding noise of a constant column.
bool IsConstant(double sd, double mean) {
  return sd <= 1e-9 * std::max(1.0, std::abs(mean));
}

Status ValidateOptions(const FeaturePipelineOptions& o) {
  if (o.components < 0) return Status::InvalidArgument("components must be >= 0");
  if (!(o.variance_share > 0.0 && o.variance_share <= 1.0)) {
    return Status::InvalidArgument("variance_share must be in (0, 1]");
  }
  if (o.max_genres < 0) return Status::InvalidArgument("max_genres must be >= 0");
  if (!(o.refit_change_share > 0.0 && o.refit_change_share <= 1.0)) {
    return Status::InvalidArgument("refit_change_share must be in (0, 1]");
  }
  return Status::Ok();
}

std::vector<std::string> ColumnNames(const FeaturePipelineOptions& o,
                                     const std::vector<std::string>& genres) {
  std::vector<std::string> names;
  for (const auto& c : kFeatureColumns) names.emplace_back(c.name);
  if (o.use_analysis) {
    for (const auto& c : kAnalysisColumns) names.emplace_back(c.name);
  }
  if (o.use_year) names.emplace_back("release_year");
  if (o.max_genres > 0) {
    for (const auto& g : genres) names.push_back(kGenrePrefix + g);
    names.emplace_back(kOtherGenre);
  }
  return names;
}

// The normalised, de-duplicated genres of a row.
std::set<std::string> RowGenres(const FeatureRow& row) {
  std::set<std::string> out;
  for (const auto& g : row.genres) {
    std::string key = NormalizeName(g);
    if (!key.empty()) out.insert(std::move(key));
  }
  return out;
}

// The `max_genres` genres found on most rows; ties go to the alphabetically first so that a
// refit on the same rows gives the same columns.
std::vector<std::string> TopGenres(std::span<const FeatureRow> rows, int max_genres) {
  std::map<std::string, std::int64_t> counts;
  for (const auto& row : rows) {
    for (const auto& g : RowGenres(row)) ++counts[g];
  }
  std::vector<std::pair<std::string, std::int64_t>> sorted(counts.begin(), counts.end());
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  if (sorted.size() > static_cast<std::size_t>(max_genres)) sorted.resize(max_genres);
  std::vector<std::string> out;
  for (auto& [g, n] : sorted) out.push_back(g);
  return out;
}

}  // namespace

struct FeaturePipeline::State {
  FeaturePipelineOptions options;
  int features_version = 0;
  std::int64_t fitted_rows = 0;
  std::vector<std::string> genres;  // normalised, one column each (before "other")
  std::vector<std::string> columns;
  std::vector<double> means;   // of the known values; what unknown values become
  std::vector<double> sds;     // population deviation; 0 for a constant column
  Eigen::MatrixXd components;  // columns x kept, orthonormal columns, largest variance first
  double explained_variance = 0.0;

  // The raw input columns of a row, nullopt where the value is unknown.
  Result<std::vector<std::optional<double>>> Raw(const FeatureRow& row) const {
    if (row.features.features_version != features_version) {
      return Status::InvalidArgument("row " + std::to_string(row.rowid) + " has features version " +
                                     std::to_string(row.features.features_version) +
                                     ", the pipeline was fitted on version " +
                                     std::to_string(features_version));
    }
    std::vector<std::optional<double>> raw;
    raw.reserve(columns.size());
    auto push = [&](double v, const char* name) -> Status {
      if (!std::isfinite(v)) {
        return Status::InvalidArgument("row " + std::to_string(row.rowid) + ": " + name +
                                       " is not finite");
      }
      raw.emplace_back(v);
      return Status::Ok();
    };
    for (const auto& c : kFeatureColumns) {
      if (std::find(row.missing.begin(), row.missing.end(), c.name) != row.missing.end()) {
        raw.emplace_back(std::nullopt);
      } else if (Status st = push(c.get(row.features), c.name); !st.ok()) {
        return st;
      }
    }
    if (options.use_analysis) {
      for (const auto& c : kAnalysisColumns) {
        if (!row.analysis) {
          raw.emplace_back(std::nullopt);
        } else if (Status st = push(c.get(*row.analysis), c.name); !st.ok()) {
          return st;
        }
      }
    }
    if (options.use_year) {
      raw.push_back(row.release_year == 0 ? std::nullopt : std::optional<double>(row.release_year));
    }
    if (options.max_genres > 0) {
      std::set<std::string> mine = RowGenres(row);
      bool other = false;
      for (const auto& g : mine) {
        other = other || std::find(genres.begin(), genres.end(), g) == genres.end();
      }
      for (const auto& g : genres) raw.emplace_back(mine.count(g) ? 1.0 : 0.0);
      raw.emplace_back(other ? 1.0 : 0.0);
    }
    return raw;
  }

  Result<Eigen::VectorXd> Standardized(const FeatureRow& row) const {
    auto raw = Raw(row);
    if (!raw.ok()) return raw.status();
    Eigen::VectorXd z(static_cast<Eigen::Index>(columns.size()));
    for (std::size_t i = 0; i < columns.size(); ++i) {
      double v = (*raw)[i].value_or(means[i]);
      z[static_cast<Eigen::Index>(i)] = sds[i] == 0.0 ? 0.0 : (v - means[i]) / sds[i];
    }
    return z;
  }
};

Result<FeaturePipeline> FeaturePipeline::Fit(std::span<const FeatureRow> rows,
                                             const FeaturePipelineOptions& options) {
  if (Status st = ValidateOptions(options); !st.ok()) return st;
  if (rows.empty()) return Status::InvalidArgument("no rows to fit the feature pipeline on");
  const int version = rows.front().features.features_version;
  for (const auto& row : rows) {
    if (row.features.features_version != version) {
      return Status::InvalidArgument("rows of features versions " + std::to_string(version) +
                                     " and " + std::to_string(row.features.features_version) +
                                     " cannot be fitted together: their values are not comparable");
    }
  }

  auto s = std::make_unique<State>();
  s->options = options;
  s->features_version = version;
  s->fitted_rows = static_cast<std::int64_t>(rows.size());
  if (options.max_genres > 0) s->genres = TopGenres(rows, options.max_genres);
  s->columns = ColumnNames(options, s->genres);
  const std::size_t p = s->columns.size();
  if (static_cast<std::size_t>(options.components) > p) {
    return Status::InvalidArgument("components (" + std::to_string(options.components) +
                                   ") exceeds the " + std::to_string(p) + " input columns");
  }

  // Means of the known values first, since they fill the unknown ones.
  std::vector<std::vector<std::optional<double>>> raws;
  raws.reserve(rows.size());
  std::vector<double> sums(p, 0.0);
  std::vector<std::int64_t> known(p, 0);
  for (const auto& row : rows) {
    auto raw = s->Raw(row);
    if (!raw.ok()) return raw.status();
    for (std::size_t i = 0; i < p; ++i) {
      if ((*raw)[i]) {
        sums[i] += *(*raw)[i];
        ++known[i];
      }
    }
    raws.push_back(std::move(*raw));
  }
  s->means.resize(p);
  for (std::size_t i = 0; i < p; ++i) s->means[i] = known[i] ? sums[i] / known[i] : 0.0;

  // Deviation over all rows after imputation, so that the fitted rows come out with mean 0
  // and deviation 1 exactly.
  const auto n = static_cast<Eigen::Index>(rows.size());
  Eigen::MatrixXd x(n, static_cast<Eigen::Index>(p));
  for (Eigen::Index r = 0; r < n; ++r) {
    for (std::size_t i = 0; i < p; ++i) {
      x(r, static_cast<Eigen::Index>(i)) = raws[r][i].value_or(s->means[i]) - s->means[i];
    }
  }
  s->sds.resize(p);
  for (std::size_t i = 0; i < p; ++i) {
    auto col = x.col(static_cast<Eigen::Index>(i));
    double sd = std::sqrt(col.squaredNorm() / static_cast<double>(n));
    s->sds[i] = IsConstant(sd, s->means[i]) ? 0.0 : sd;
    if (s->sds[i] == 0.0) {
      col.setZero();
    } else {
      col /= s->sds[i];
    }
  }

  // PCA: eigenvectors of the covariance, largest eigenvalue first.
  Eigen::MatrixXd cov = (x.transpose() * x) / static_cast<double>(n);
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(cov);
  if (eig.info() != Eigen::Success) return Status::Internal("PCA eigen decomposition failed");
  Eigen::VectorXd values = eig.eigenvalues().reverse().cwiseMax(0.0);
  Eigen::MatrixXd vectors = eig.eigenvectors().rowwise().reverse();
  const double total = values.sum();
  int keep = options.components;
  if (keep == 0) {
    keep = 1;
    // The tolerance lets variance_share 1 stop at the last component with any variance.
    while (total > 0.0 && keep < static_cast<int>(p) &&
           values.head(keep).sum() / total < options.variance_share - 1e-12) {
      ++keep;
    }
  }
  s->explained_variance = total > 0.0 ? values.head(keep).sum() / total : 1.0;
  s->components = vectors.leftCols(keep);
  // An eigenvector's sign is arbitrary: fix it so refits of the same data agree.
  for (int c = 0; c < keep; ++c) {
    Eigen::Index at = 0;
    s->components.col(c).cwiseAbs().maxCoeff(&at);
    if (s->components(at, c) < 0.0) s->components.col(c) *= -1.0;
  }

  FeaturePipeline out;
  out.s_ = std::move(s);
  return out;
}

Result<std::vector<float>> FeaturePipeline::Transform(const FeatureRow& row) const {
  auto z = s_->Standardized(row);
  if (!z.ok()) return z.status();
  Eigen::VectorXd y = s_->components.transpose() * *z;
  std::vector<float> out(static_cast<std::size_t>(y.size()));
  for (Eigen::Index i = 0; i < y.size(); ++i) out[i] = static_cast<float>(y[i]);
  return out;
}

Result<std::vector<double>> FeaturePipeline::Standardize(const FeatureRow& row) const {
  auto z = s_->Standardized(row);
  if (!z.ok()) return z.status();
  return std::vector<double>(z->data(), z->data() + z->size());
}

int FeaturePipeline::dims() const {
  return static_cast<int>(s_->components.cols());
}
const std::vector<std::string>& FeaturePipeline::input_columns() const {
  return s_->columns;
}
double FeaturePipeline::explained_variance() const {
  return s_->explained_variance;
}
int FeaturePipeline::features_version() const {
  return s_->features_version;
}
std::int64_t FeaturePipeline::fitted_rows() const {
  return s_->fitted_rows;
}
const FeaturePipelineOptions& FeaturePipeline::options() const {
  return s_->options;
}

bool FeaturePipeline::NeedsRefit(std::int64_t added, std::int64_t removed,
                                 int features_version) const {
  if (features_version != s_->features_version) return true;
  return static_cast<double>(added + removed) >=
         s_->options.refit_change_share * static_cast<double>(s_->fitted_rows);
}

Status FeaturePipeline::Save(const std::filesystem::path& path) const {
  const auto& o = s_->options;
  Json components = Json::array();
  for (Eigen::Index c = 0; c < s_->components.cols(); ++c) {
    const auto col = s_->components.col(c);
    components.push_back(std::vector<double>(col.data(), col.data() + col.size()));
  }
  Json j = {
      {"format", kFormat},
      {"format_version", kFormatVersion},
      {"options",
       {{"components", o.components},
        {"variance_share", o.variance_share},
        {"max_genres", o.max_genres},
        {"use_analysis", o.use_analysis},
        {"use_year", o.use_year},
        {"refit_change_share", o.refit_change_share}}},
      {"features_version", s_->features_version},
      {"fitted_rows", s_->fitted_rows},
      {"genres", s_->genres},
      {"columns", s_->columns},
      {"means", s_->means},
      {"sds", s_->sds},
      {"components", components},
      {"explained_variance", s_->explained_variance},
  };
  // Write beside the target and rename, so a crash never leaves half a pipeline behind.
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << j.dump(1);
    if (!out.flush()) return Status::IOError("cannot write " + tmp.string());
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Status::IOError("cannot write " + path.string() + ": " + ec.message());
  return Status::Ok();
}

Result<FeaturePipeline> FeaturePipeline::Load(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("cannot read " + path.string());
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::IOError("cannot read " + path.string());
  auto corrupt = [&](const std::string& why) {
    return Status::Corrupt(path.string() + " is not a feature pipeline: " + why);
  };
  try {
    Json j = Json::parse(text.str());
    if (!j.is_object() || j.value("format", "") != kFormat) return corrupt("wrong format");
    if (j.at("format_version").get<int>() != kFormatVersion) {
      return corrupt("unknown format_version");
    }
    auto s = std::make_unique<State>();
    const Json& o = j.at("options");
    s->options.components = o.at("components").get<int>();
    s->options.variance_share = o.at("variance_share").get<double>();
    s->options.max_genres = o.at("max_genres").get<int>();
    s->options.use_analysis = o.at("use_analysis").get<bool>();
    s->options.use_year = o.at("use_year").get<bool>();
    s->options.refit_change_share = o.at("refit_change_share").get<double>();
    if (Status st = ValidateOptions(s->options); !st.ok()) return corrupt(st.message());
    s->features_version = j.at("features_version").get<int>();
    s->fitted_rows = j.at("fitted_rows").get<std::int64_t>();
    s->genres = j.at("genres").get<std::vector<std::string>>();
    s->columns = j.at("columns").get<std::vector<std::string>>();
    s->means = j.at("means").get<std::vector<double>>();
    s->sds = j.at("sds").get<std::vector<double>>();
    s->explained_variance = j.at("explained_variance").get<double>();
    const auto components = j.at("components").get<std::vector<std::vector<double>>>();

    const std::size_t p = s->columns.size();
    if (s->fitted_rows < 1) return corrupt("fitted_rows < 1");
    if (s->columns != ColumnNames(s->options, s->genres)) {
      return corrupt("columns do not match the options and genres");
    }
    if (s->means.size() != p || s->sds.size() != p) return corrupt("wrong number of means");
    if (components.empty() || components.size() > p) return corrupt("wrong number of components");
    s->components.resize(static_cast<Eigen::Index>(p),
                         static_cast<Eigen::Index>(components.size()));
    for (std::size_t c = 0; c < components.size(); ++c) {
      if (components[c].size() != p) return corrupt("a component of the wrong length");
      for (std::size_t i = 0; i < p; ++i) {
        s->components(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(c)) =
            components[c][i];
      }
    }
    FeaturePipeline out;
    out.s_ = std::move(s);
    return out;
  } catch (const Json::exception& e) {
    return corrupt(e.what());
  }
}

FeaturePipeline::FeaturePipeline() : s_(std::make_unique<State>()) {}
FeaturePipeline::~FeaturePipeline() = default;
FeaturePipeline::FeaturePipeline(const FeaturePipeline& other)
    : s_(std::make_unique<State>(*other.s_)) {}
FeaturePipeline& FeaturePipeline::operator=(const FeaturePipeline& other) {
  if (this != &other) s_ = std::make_unique<State>(*other.s_);
  return *this;
}
FeaturePipeline::FeaturePipeline(FeaturePipeline&&) noexcept = default;
FeaturePipeline& FeaturePipeline::operator=(FeaturePipeline&&) noexcept = default;

namespace {

// The first four digits of a release date, when they make a plausible year; else 0.
int ReleaseYear(const std::string& date) {
  if (date.size() < 4) return 0;
  int year = 0;
  for (int i = 0; i < 4; ++i) {
    if (date[i] < '0' || date[i] > '9') return 0;
    year = year * 10 + (date[i] - '0');
  }
  return year >= 1000 && year <= 2100 ? year : 0;
}

std::vector<std::string> SplitGenres(const std::string& genre) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= genre.size()) {
    std::size_t end = genre.find("; ", start);
    if (end == std::string::npos) end = genre.size();
    if (end > start) out.push_back(genre.substr(start, end - start));
    start = end + 2;
  }
  return out;
}

}  // namespace

Result<std::vector<FeatureRow>> LoadFeatureRows(Catalog& catalog) {
  // Missing files keep their features in the catalog, but a playlist must not offer them.
  TrackFilter present;
  present.state = TrackState::kAnalyzed;
  auto tracks = catalog.ListTracks(present);
  if (!tracks.ok()) return tracks.status();
  auto features = catalog.AllFeatures();
  if (!features.ok()) return features.status();
  auto summaries = catalog.AnalysisSummaries();
  if (!summaries.ok()) return summaries.status();

  std::unordered_map<std::int64_t, const TrackRecord*> by_rowid;
  for (const auto& t : *tracks) by_rowid.emplace(t.rowid, &t);
  std::unordered_map<std::int64_t, const AnalysisSummary*> analysis;
  for (const auto& a : *summaries) analysis.emplace(a.rowid, &a);

  std::vector<FeatureRow> rows;
  rows.reserve(features->size());
  for (const auto& [rowid, f] : *features) {
    FeatureRow row;
    row.rowid = rowid;
    row.features = f;
    auto t = by_rowid.find(rowid);
    if (t == by_rowid.end()) continue;
    if (auto a = analysis.find(rowid); a != analysis.end()) row.analysis = *a->second;
    row.missing = t->second->missing_features;
    row.release_year = ReleaseYear(t->second->tags.release_date);
    row.genres = SplitGenres(t->second->tags.genre);
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace sonance
