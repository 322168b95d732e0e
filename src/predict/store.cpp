#include "sonance/predict/store.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <system_error>

namespace sonance {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string IsoUtc(std::chrono::system_clock::time_point t) {
  const std::time_t s = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// A name no other writer (thread or process) uses at the same time.
std::string UniqueSuffix() {
  static std::atomic<std::uint64_t> counter{0};
  std::random_device rd;
  return std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" + std::to_string(rd());
}

json MetricsJson(const RegressionMetrics& m) {
  return {{"n", m.n}, {"mae", m.mae}, {"rmse", m.rmse}, {"r2", m.r2}};
}

RegressionMetrics MetricsFrom(const json& j) {
  RegressionMetrics m;
  m.n = j.at("n").get<std::size_t>();
  m.mae = j.at("mae").get<double>();
  m.rmse = j.at("rmse").get<double>();
  m.r2 = j.at("r2").get<double>();
  return m;
}

json SummaryJson(const ModelCvSummary& s) {
  return {{"mean_over_folds", MetricsJson(s.mean_over_folds)}, {"pooled", MetricsJson(s.pooled)}};
}

ModelCvSummary SummaryFrom(const json& j) {
  return {MetricsFrom(j.at("mean_over_folds")), MetricsFrom(j.at("pooled"))};
}

Result<std::string> ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("cannot read " + path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Status::IOError("cannot read " + path.string());
  return ss.str();
}

Status WriteText(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Status::IOError("cannot write " + path.string());
  out << text;
  out.close();
  if (!out) return Status::IOError("cannot write " + path.string());
  return Status::Ok();
}

// The version of a folder named "v<N>", else nullopt.
std::optional<int> FolderVersion(const std::string& name) {
  if (name.size() < 2 || name[0] != 'v') return std::nullopt;
  auto v = ModelStore::ParseVersion(name);
  if (!v.ok()) return std::nullopt;
  return *v;
}

// The numbers of the version folders in `dir`, ascending; none when `dir` does not exist.
Result<std::vector<int>> VersionNumbers(const fs::path& dir) {
  std::vector<int> versions;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return versions;
  fs::directory_iterator it(dir, ec);
  if (ec) return Status::IOError("cannot list " + dir.string() + ": " + ec.message());
  for (const fs::directory_entry& e : it) {
    const auto v = FolderVersion(e.path().filename().string());
    if (v && e.is_directory(ec)) versions.push_back(*v);
  }
  std::sort(versions.begin(), versions.end());
  return versions;
}

Status CheckLayout(const StreamModelMeta& meta, const std::string& what) {
  if (meta.features_version != kStreamFeaturesVersion || meta.features != StreamFeatureNames()) {
    return Status::FailedPrecondition(
        what + " was trained on stream features version " + std::to_string(meta.features_version) +
        " (" + std::to_string(meta.features.size()) + " columns); this build computes version " +
        std::to_string(kStreamFeaturesVersion) + ": run `sonance model train` again");
  }
  return Status::Ok();
}

}  // namespace

std::string StreamModelMetaToJson(const StreamModelMeta& m) {
  const XgbParams& p = m.params;
  json j = {
      {"version", m.version},
      {"created_at", m.created_at},
      {"source", TrainingSourceName(m.source)},
      {"target_transform", TargetTransformName(m.transform)},
      {"features_version", m.features_version},
      {"features", m.features},
      {"training_rows", m.training_rows},
      {"data_hash", m.data_hash},
      {"params",
       {{"objective", "reg:squarederror"},
        {"max_depth", p.max_depth},
        {"eta", p.eta},
        {"n_rounds", p.n_rounds},
        {"subsample", p.subsample},
        {"colsample_bytree", p.colsample_bytree},
        {"min_child_weight", p.min_child_weight},
        {"lambda", p.lambda},
        {"seed", p.seed},
        {"nthread", p.nthread}}},
      {"cv",
       {{"folds", m.cv_folds},
        {"seed", m.cv_seed},
        {"ridge_lambdas", m.ridge_lambdas},
        {"metrics",
         {{"xgboost", SummaryJson(m.xgboost)},
          {"mean", SummaryJson(m.mean_baseline)},
          {"ridge", SummaryJson(m.ridge)}}}}},
      {"model_file", kModelFileName},
      {"mlflow_run_id", m.mlflow_run_id},
  };
  return j.dump(2) + "\n";
}

Result<StreamModelMeta> StreamModelMetaFromJson(std::string_view text, const std::string& where) {
  try {
    const json j = json::parse(text);
    StreamModelMeta m;
    m.version = j.at("version").get<int>();
    m.created_at = j.at("created_at").get<std::string>();
    const auto source = ParseTrainingSource(j.at("source").get<std::string>());
    const auto transform = ParseTargetTransform(j.at("target_transform").get<std::string>());
    if (!source || !transform) {
      return Status::Corrupt(where + ": unknown source or target_transform");
    }
    m.source = *source;
    m.transform = *transform;
    m.features_version = j.at("features_version").get<int>();
    m.features = j.at("features").get<std::vector<std::string>>();
    m.training_rows = j.at("training_rows").get<std::size_t>();
    m.data_hash = j.at("data_hash").get<std::string>();
    const json& p = j.at("params");
    m.params.max_depth = p.at("max_depth").get<int>();
    m.params.eta = p.at("eta").get<double>();
    m.params.n_rounds = p.at("n_rounds").get<int>();
    m.params.subsample = p.at("subsample").get<double>();
    m.params.colsample_bytree = p.at("colsample_bytree").get<double>();
    m.params.min_child_weight = p.at("min_child_weight").get<double>();
    m.params.lambda = p.at("lambda").get<double>();
    m.params.seed = p.at("seed").get<std::uint32_t>();
    m.params.nthread = p.at("nthread").get<int>();
    const json& cv = j.at("cv");
    m.cv_folds = cv.at("folds").get<int>();
    m.cv_seed = cv.at("seed").get<std::uint64_t>();
    m.ridge_lambdas = cv.at("ridge_lambdas").get<std::vector<double>>();
    const json& metrics = cv.at("metrics");
    m.xgboost = SummaryFrom(metrics.at("xgboost"));
    m.mean_baseline = SummaryFrom(metrics.at("mean"));
    m.ridge = SummaryFrom(metrics.at("ridge"));
    m.mlflow_run_id = j.value("mlflow_run_id", "");
    return m;
  } catch (const json::exception& e) {
    return Status::Corrupt(where + ": " + e.what());
  }
}

void SetCvSummary(const CvReport& report, StreamModelMeta* meta) {
  meta->cv_folds = report.folds;
  meta->cv_seed = report.seed;
  meta->xgboost = {report.xgboost.mean_over_folds, report.xgboost.pooled};
  meta->mean_baseline = {report.mean_baseline.mean_over_folds, report.mean_baseline.pooled};
  meta->ridge = {report.ridge.mean_over_folds, report.ridge.pooled};
  meta->ridge_lambdas = report.ridge_lambdas;
}

// ---- StreamPredictor --------------------------------------------------------------------

Result<std::vector<StreamPrediction>> StreamPredictor::Predict(
    std::span<const StreamFeatureRow> rows) const {
  if (Status s = CheckLayout(meta_, "model v" + std::to_string(meta_.version)); !s.ok()) return s;
  std::vector<float> x;
  x.reserve(rows.size() * kStreamFeatureCount);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    if (Status s = CheckFeatureRanges(rows[r]); !s.ok()) {
      return Status::InvalidArgument("row " + std::to_string(r) + ": " + s.message());
    }
    for (double v : rows[r]) x.push_back(static_cast<float>(v));
  }
  auto out = model_.Predict(x);
  if (!out.ok()) return out.status();
  std::vector<StreamPrediction> predictions;
  predictions.reserve(out->size());
  for (double t : *out) {
    predictions.push_back({t, InvertTargetTransform(meta_.transform, t)});
  }
  return predictions;
}

Result<StreamPrediction> StreamPredictor::Predict(const StreamFeatureRow& row) const {
  auto out = Predict(std::span<const StreamFeatureRow>(&row, 1));
  if (!out.ok()) {
    // One row: say which field without "row 0: ".
    const std::string& m = out.status().message();
    if (out.status().code() == StatusCode::kInvalidArgument && m.rfind("row 0: ", 0) == 0) {
      return Status::InvalidArgument(m.substr(7));
    }
    return out.status();
  }
  return out->front();
}

// ---- ModelStore -------------------------------------------------------------------------

ModelStore::ModelStore(fs::path dir, ModelStoreOptions options)
    : dir_(std::move(dir)), options_(std::move(options)) {}

fs::path ModelStore::DefaultDir(const fs::path& catalog_path) {
  return fs::path(catalog_path.string() + ".models");
}

Result<int> ModelStore::ParseVersion(std::string_view text) {
  std::string_view digits = text;
  if (!digits.empty() && (digits[0] == 'v' || digits[0] == 'V')) digits.remove_prefix(1);
  int v = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || v <= 0 ||
      digits[0] == '+' || digits[0] == '0') {
    return Status::InvalidArgument("'" + std::string(text) +
                                   "' is not a model version (v1, v2, ... or 1, 2, ...)");
  }
  return v;
}

fs::path ModelStore::VersionDir(int version) const {
  return dir_ / ("v" + std::to_string(version));
}
fs::path ModelStore::ModelFile(int version) const {
  return VersionDir(version) / kModelFileName;
}
fs::path ModelStore::MetaFile(int version) const {
  return VersionDir(version) / kModelMetaFileName;
}

Result<StreamModelMeta> ModelStore::Add(const XgbRegressor& model, StreamModelMeta meta,
                                        bool make_current) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return Status::IOError("cannot create " + dir_.string() + ": " + ec.message());
  // Numbered from the folder names alone, so that a damaged old version does not stop a new
  // one from being stored.
  auto existing = VersionNumbers(dir_);
  if (!existing.ok()) return existing.status();
  int version = existing->empty() ? 1 : existing->back() + 1;
  meta.created_at = IsoUtc(options_.clock());

  const fs::path tmp = dir_ / (".tmp-" + UniqueSuffix());
  fs::create_directory(tmp, ec);
  if (ec) return Status::IOError("cannot create " + tmp.string() + ": " + ec.message());
  auto cleanup = [&] {
    std::error_code ignored;
    fs::remove_all(tmp, ignored);
  };
  if (Status s = model.SaveToFile(tmp / kModelFileName); !s.ok()) {
    cleanup();
    return s;
  }
  // Another writer may take a number first: then the next one is tried.
  for (int attempt = 0;; ++attempt, ++version) {
    if (attempt >= 1000) {
      cleanup();
      return Status::IOError("cannot find a free version number in " + dir_.string());
    }
    meta.version = version;
    if (Status s = WriteText(tmp / kModelMetaFileName, StreamModelMetaToJson(meta)); !s.ok()) {
      cleanup();
      return s;
    }
    const fs::path target = VersionDir(version);
    if (fs::exists(target, ec)) continue;
    fs::rename(tmp, target, ec);
    if (!ec) break;
    if (ec != std::errc::directory_not_empty && ec != std::errc::file_exists) {
      cleanup();
      return Status::IOError("cannot create " + target.string() + ": " + ec.message());
    }
  }
  if (make_current) {
    if (Status s = Use(version); !s.ok()) return s;
  }
  return meta;
}

Result<std::vector<StreamModelMeta>> ModelStore::List() const {
  auto versions = VersionNumbers(dir_);
  if (!versions.ok()) return versions.status();
  std::vector<StreamModelMeta> out;
  for (int v : *versions) {
    auto meta = Show(v);
    if (!meta.ok()) return meta.status();
    out.push_back(std::move(meta).value());
  }
  return out;
}

Result<StreamModelMeta> ModelStore::Show(int version) const {
  std::error_code ec;
  if (version <= 0 || !fs::is_directory(VersionDir(version), ec)) {
    return Status::NotFound("no model version v" + std::to_string(version) + " in " +
                            dir_.string());
  }
  const fs::path path = MetaFile(version);
  if (!fs::exists(path, ec)) return Status::Corrupt(path.string() + " is missing");
  auto text = ReadText(path);
  if (!text.ok()) return text.status();
  auto meta = StreamModelMetaFromJson(*text, path.string());
  if (!meta.ok()) return meta.status();
  if (meta->version != version) {
    return Status::Corrupt(path.string() + " says version " + std::to_string(meta->version));
  }
  return meta;
}

Status ModelStore::Use(int version) {
  std::error_code ec;
  if (version <= 0 || !fs::exists(MetaFile(version), ec) || !fs::exists(ModelFile(version), ec)) {
    return Status::NotFound("no model version v" + std::to_string(version) + " in " +
                            dir_.string());
  }
  const fs::path tmp = dir_ / (".current-" + UniqueSuffix());
  if (Status s = WriteText(tmp, "v" + std::to_string(version) + "\n"); !s.ok()) return s;
  fs::rename(tmp, dir_ / "current", ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    return Status::IOError("cannot replace " + (dir_ / "current").string() + ": " + ec.message());
  }
  return Status::Ok();
}

Result<std::optional<int>> ModelStore::CurrentVersion() const {
  const fs::path path = dir_ / "current";
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::optional<int>();
  auto text = ReadText(path);
  if (!text.ok()) return text.status();
  std::string t = *text;
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
  auto v = ParseVersion(t);
  if (!v.ok()) return Status::Corrupt(path.string() + " does not name a version: '" + t + "'");
  return std::optional<int>(*v);
}

Result<StreamPredictor> ModelStore::Load(int version) const {
  auto meta = Show(version);
  if (!meta.ok()) return meta.status();
  if (Status s = CheckLayout(*meta, "model v" + std::to_string(version)); !s.ok()) return s;
  auto model = XgbRegressor::LoadFromFile(ModelFile(version), options_.nthread);
  if (!model.ok()) {
    if (model.status().code() == StatusCode::kNotFound) {
      return Status::Corrupt(ModelFile(version).string() + " is missing");
    }
    return model.status();
  }
  if (model->num_features() != meta->features.size()) {
    return Status::Corrupt(ModelFile(version).string() + " has " +
                           std::to_string(model->num_features()) + " features; its meta lists " +
                           std::to_string(meta->features.size()));
  }
  return StreamPredictor(std::move(model).value(), std::move(meta).value());
}

Result<StreamPredictor> ModelStore::LoadCurrent() const {
  auto current = CurrentVersion();
  if (!current.ok()) return current.status();
  if (!current->has_value()) {
    auto versions = List();
    if (versions.ok() && !versions->empty()) {
      std::string names;
      for (const StreamModelMeta& m : *versions) {
        names += (names.empty() ? "v" : ", v") + std::to_string(m.version);
      }
      return Status::FailedPrecondition("no stream model is in use in " + dir_.string() +
                                        " (versions: " + names +
                                        "): run `sonance model use VERSION`");
    }
    return Status::FailedPrecondition("no trained stream model in " + dir_.string() +
                                      ": run `sonance model train`");
  }
  const int version = **current;
  std::error_code ec;
  if (!fs::is_directory(VersionDir(version), ec)) {
    return Status::Corrupt((dir_ / "current").string() + " points to v" + std::to_string(version) +
                           ", which is not in " + dir_.string());
  }
  return Load(version);
}

}  // namespace sonance
