// Stream-count prediction: `sonance model train|list|show|use`, `sonance predict` and
// `sonance describe` (the original Telegram bot's /predict and /describe).
#include <cmath>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "sonance/predict/dataset.h"
#include "sonance/predict/store.h"
#include "sonance/predict/training.h"
#include "sonance/predict/verdict.h"
#include "sonance/server/catalog_view.h"

namespace sonance::cli {

namespace {

int Fail(const Status& s) {
  std::fprintf(stderr, "sonance: %s\n", s.message().c_str());
  return s.code() == StatusCode::kFailedPrecondition ? kExitFailure : ExitCodeFor(s);
}

ModelStore StoreFor(const CatalogOption& catalog, const std::string& dir) {
  return ModelStore(dir.empty() ? ModelStore::DefaultDir(CatalogPath(catalog))
                                : std::filesystem::path(dir));
}

void PrintMetrics(const char* name, const ModelCvSummary& m) {
  std::printf("  %-8s MAE %8.4f  RMSE %8.4f  R^2 %7.4f\n", name, m.mean_over_folds.mae,
              m.mean_over_folds.rmse, m.mean_over_folds.r2);
}

void PrintMeta(const StreamModelMeta& m, bool current) {
  std::printf("v%d%s  %s  source %s (%s)  %zu rows  data %s\n", m.version,
              current ? " (current)" : "", m.created_at.c_str(), TrainingSourceName(m.source),
              TargetTransformName(m.transform), m.training_rows, m.data_hash.c_str());
  PrintMetrics("xgboost", m.xgboost);
  PrintMetrics("ridge", m.ridge);
  PrintMetrics("mean", m.mean_baseline);
}

// A catalog track by id, path, or name matched as the HTTP API matches it (CatalogSnapshot:
// case, accents, "feat." credits, "Artist - Title"); a miss lists the closest names.
Result<TrackRecord> FindTrackByName(Catalog& catalog, const CatalogOption& option,
                                    const std::string& query) {
  auto direct = catalog.FindTrack(query);
  if (direct.ok() && direct->has_value()) return **direct;
  auto view = CatalogView::Open(CatalogPath(option));
  if (auto loaded = view->Refresh(); !loaded.ok()) return loaded.status();
  const auto snapshot = view->Snapshot();
  if (const auto found = snapshot->FindByName(query, ""); !found.empty()) {
    return found.front()->record;
  }
  std::string msg = "no track '" + query + "' in the catalog";
  const auto closest = snapshot->Suggest(query, "", 5);
  for (std::size_t i = 0; i < closest.size(); ++i) {
    const TrackRecord& t = closest[i].track->record;
    msg += std::string(i == 0 ? "; closest: " : ", ") + "'" +
           (t.tags.artists.empty() ? "" : t.tags.artists[0] + " - ") + t.tags.title + "'";
  }
  return Status::NotFound(msg);
}

// ---- model train|list|show|use --------------------------------------------------------------

struct ModelOptions {
  CatalogOption catalog;
  std::string dir;  // model store; empty: <catalog>.models
  std::string source = "history";
  TrainOptions train;
  std::string mlruns = "mlruns";
  bool no_use = false;
  std::string export_csv;
  std::string version;
};

int RunTrain(ModelOptions& o) {
  auto source = ParseTrainingSource(o.source);
  if (!source) return Fail(Status::InvalidArgument("--source must be history or streams"));
  int exit_code = kExitOk;
  auto catalog = OpenCatalogOrReport(o.catalog, /*must_exist=*/true, &exit_code);
  if (!catalog) return exit_code;
  ModelStore store = StoreFor(o.catalog, o.dir);
  o.train.source = *source;
  o.train.make_current = !o.no_use;
  o.train.mlruns = o.mlruns;
  auto r = TrainStreamModel(*catalog, store, o.train);
  if (!r.ok()) return Fail(r.status());
  std::printf("trained v%d on %zu tracks (%s, target %s), %d-fold cross-validation:\n",
              r->meta.version, r->meta.training_rows, TrainingSourceName(r->meta.source),
              TargetTransformName(r->meta.transform), r->cv.folds);
  PrintMetrics("xgboost", r->meta.xgboost);
  PrintMetrics("ridge", r->meta.ridge);
  PrintMetrics("mean", r->meta.mean_baseline);
  for (const std::string& s : r->skipped_examples) std::fprintf(stderr, "skipped: %s\n", s.c_str());
  std::printf("stored in %s%s\n", store.VersionDir(r->meta.version).c_str(),
              o.no_use ? "" : " (now the current model)");
  if (!r->mlflow.ok()) {
    std::fprintf(stderr, "warning: the MLflow run was not logged: %s\n",
                 r->mlflow.message().c_str());
  } else if (!o.mlruns.empty()) {
    std::printf("MLflow run %s in %s (experiment \"%s\")\n", r->meta.mlflow_run_id.c_str(),
                o.mlruns.c_str(), kStreamPredictionExperiment);
  }
  if (!o.export_csv.empty()) {
    auto data = BuildStreamDataset(*catalog, *source, o.train.dataset);
    if (!data.ok()) return Fail(data.status());
    if (Status s = WriteDatasetCsv(*data, r->cv.fold_of_row, o.export_csv); !s.ok()) return Fail(s);
    std::printf("training rows with their folds: %s\n", o.export_csv.c_str());
  }
  return kExitOk;
}

int RunList(const ModelOptions& o) {
  ModelStore store = StoreFor(o.catalog, o.dir);
  auto list = store.List();
  if (!list.ok()) return Fail(list.status());
  auto current = store.CurrentVersion();
  if (!current.ok()) return Fail(current.status());
  if (list->empty())
    std::printf("no models in %s; train one with: sonance model train\n", store.dir().c_str());
  for (const StreamModelMeta& m : *list) PrintMeta(m, *current && **current == m.version);
  return kExitOk;
}

int RunShow(const ModelOptions& o) {
  auto v = ModelStore::ParseVersion(o.version);
  if (!v.ok()) return Fail(v.status());
  auto meta = StoreFor(o.catalog, o.dir).Show(*v);
  if (!meta.ok()) return Fail(meta.status());
  std::printf("%s\n", StreamModelMetaToJson(*meta).c_str());
  return kExitOk;
}

int RunUse(const ModelOptions& o) {
  auto v = ModelStore::ParseVersion(o.version);
  if (!v.ok()) return Fail(v.status());
  ModelStore store = StoreFor(o.catalog, o.dir);
  if (Status s = store.Use(*v); !s.ok()) return Fail(s);
  std::printf("v%d is now the current model\n", *v);
  return kExitOk;
}

// ---- predict, describe ---------------------------------------------------------------------

struct PredictOptions {
  CatalogOption catalog;
  std::string dir;
  std::string track;
  bool json = false;
};

nlohmann::json Metadata(const TrackRecord& t) {
  return {{"song", t.tags.title}, {"artist", t.tags.artists}, {"album", t.tags.album}};
}

int RunPredict(const PredictOptions& o) {
  int exit_code = kExitOk;
  auto catalog = OpenCatalogOrReport(o.catalog, /*must_exist=*/true, &exit_code);
  if (!catalog) return exit_code;
  auto track = FindTrackByName(*catalog, o.catalog, o.track);
  if (!track.ok()) return Fail(track.status());
  auto predictor = StoreFor(o.catalog, o.dir).LoadCurrent();
  if (!predictor.ok()) return Fail(predictor.status());
  auto row = TrackFeatureRow(*catalog, *track);
  if (!row.ok()) return Fail(row.status());
  auto p = predictor->Predict(*row);
  if (!p.ok()) return Fail(p.status());
  const StreamVerdict v = VerdictFor(predictor->meta().transform, p->streams);
  const std::string artist = track->tags.artists.empty() ? "" : track->tags.artists[0];
  if (o.json) {
    std::printf("%s\n", nlohmann::json{{"song", track->tags.title},
                                       {"artist", artist},
                                       {"prediction", p->streams},
                                       {"description", v.description},
                                       {"song_metadata", Metadata(*track)},
                                       {"message", {{"emoji", v.emoji}, {"text", v.text}}},
                                       {"model_version", predictor->meta().version}}
                            .dump(2)
                            .c_str());
    return kExitOk;
  }
  std::printf("%s - %s: %s %s (%s; model v%d)\n", artist.c_str(), track->tags.title.c_str(),
              v.emoji.c_str(), v.text.c_str(), v.description.c_str(), predictor->meta().version);
  return kExitOk;
}

int RunDescribe(const PredictOptions& o) {
  int exit_code = kExitOk;
  auto catalog = OpenCatalogOrReport(o.catalog, /*must_exist=*/true, &exit_code);
  if (!catalog) return exit_code;
  auto track = FindTrackByName(*catalog, o.catalog, o.track);
  if (!track.ok()) return Fail(track.status());
  auto row = TrackFeatureRow(*catalog, *track);
  if (!row.ok()) return Fail(row.status());
  const auto& table = StreamFeatureTable();
  nlohmann::json features = nlohmann::json::object();
  for (std::size_t i = 0; i < table.size(); ++i) {
    features[table[i].name] =
        std::isnan((*row)[i]) ? nlohmann::json(nullptr) : nlohmann::json((*row)[i]);
  }
  if (o.json) {
    std::printf("%s\n", nlohmann::json{{"song_metadata", Metadata(*track)}, {"features", features}}
                            .dump(2)
                            .c_str());
    return kExitOk;
  }
  std::printf("%s - %s (%s)\n", track->tags.artists.empty() ? "" : track->tags.artists[0].c_str(),
              track->tags.title.c_str(), track->tags.album.c_str());
  for (std::size_t i = 0; i < table.size(); ++i) {
    if (std::isnan((*row)[i])) {
      std::printf("  %-28s unknown\n", table[i].name);
    } else {
      std::printf("  %-28s %g\n", table[i].name, (*row)[i]);
    }
  }
  return kExitOk;
}

}  // namespace

std::function<int()> AddModelCommand(CLI::App& app) {
  auto o = std::make_shared<ModelOptions>();
  CLI::App* model = app.add_subcommand("model", "Stream-count models: train, list, show, use");
  model->require_subcommand(1);
  CLI::App* train = model->add_subcommand(
      "train",
      "Train an XGBoost model of streams per track (k-fold cross-validated against the mean "
      "and ridge regression) and store it as a new version");
  train
      ->add_option("--source", o->source,
                   "history: streams per track from the imported listening history (clipped "
                   "0..30); streams: the tracks' streams column (log target)")
      ->capture_default_str();
  train->add_option("--folds", o->train.cv.folds, "Cross-validation folds")
      ->check(CLI::Range(2, 20))
      ->capture_default_str();
  train->add_option("--seed", o->train.cv.seed, "Seed of the folds and the model")
      ->capture_default_str();
  train->add_option("--rounds", o->train.cv.xgboost.n_rounds, "Boosting rounds")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  train->add_option("--max-depth", o->train.cv.xgboost.max_depth, "Tree depth")
      ->check(CLI::Range(1, 20))
      ->capture_default_str();
  train->add_option("--eta", o->train.cv.xgboost.eta, "Learning rate")
      ->check(CLI::Range(0.0001, 1.0))
      ->capture_default_str();
  train->add_option("--mlruns", o->mlruns, "MLflow file store (empty: no run logged)")
      ->capture_default_str();
  train->add_flag("--no-use", o->no_use, "Store the version without making it current");
  train->add_option("--export-csv", o->export_csv,
                    "Also write the training rows with their folds (for a reference model)");
  CLI::App* list = model->add_subcommand("list", "The stored versions and their CV figures");
  CLI::App* show = model->add_subcommand("show", "One version's meta.json");
  show->add_option("version", o->version, "Version (v3 or 3)")->required();
  CLI::App* use = model->add_subcommand("use", "Make a version the current model");
  use->add_option("version", o->version, "Version (v3 or 3)")->required();
  for (CLI::App* c : {train, list, show, use}) {
    AddCatalogOption(c, &o->catalog);
    c->add_option("--models", o->dir, "Model store folder (default: <catalog>.models)");
  }
  return [o, train, list, show] {
    if (train->parsed()) return RunTrain(*o);
    if (list->parsed()) return RunList(*o);
    if (show->parsed()) return RunShow(*o);
    return RunUse(*o);
  };
}

std::function<int()> AddPredictCommand(CLI::App& app) {
  auto o = std::make_shared<PredictOptions>();
  CLI::App* cmd = app.add_subcommand(
      "predict", "How many times you would stream a track, by the current model, with a verdict");
  cmd->add_option("track", o->track, "\"Artist - Title\", a title, a track id or a path")
      ->required();
  AddCatalogOption(cmd, &o->catalog);
  cmd->add_option("--models", o->dir, "Model store folder (default: <catalog>.models)");
  cmd->add_flag("--json", o->json, "Print what GET /api/prediction returns");
  return [o] { return RunPredict(*o); };
}

std::function<int()> AddDescribeCommand(CLI::App& app) {
  auto o = std::make_shared<PredictOptions>();
  CLI::App* cmd =
      app.add_subcommand("describe", "A track's metadata and the features the model reads");
  cmd->add_option("track", o->track, "\"Artist - Title\", a title, a track id or a path")
      ->required();
  AddCatalogOption(cmd, &o->catalog);
  cmd->add_flag("--json", o->json, "Print JSON");
  return [o] { return RunDescribe(*o); };
}

}  // namespace sonance::cli
