// Text semantics commands: `sonance esa build|info`, `sonance relatedness A B` and
// `sonance eval relatedness --pairs FILE`.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/progress_bar.h"
#include "sonance/common/utf8.h"
#include "sonance/text/esa.h"
#include "sonance/text/experiment_log.h"
#include "sonance/text/scenes.h"
#include "sonance/text/text.h"

namespace sonance::cli {

namespace {

int Fail(const Status& s) {
  std::fprintf(stderr, "sonance: %s\n", s.message().c_str());
  return ExitCodeFor(s);
}

std::string IndexPath(const std::string& given) {
  return given.empty() ? DefaultEsaIndexPath().string() : given;
}

struct EsaBuildCommandOptions {
  std::string wordnet = "/usr/share/wordnet";
  std::string corpus;  // JSON Lines; replaces WordNet when given
  std::string output;
  bool no_enrich = false;
  EsaBuildOptions build;
};

int RunEsaBuild(EsaBuildCommandOptions& o) {
  Result<std::vector<EsaConcept>> concepts =
      o.corpus.empty() ? ReadWordNetConcepts(o.wordnet, !o.no_enrich) : ReadJsonlConcepts(o.corpus);
  if (!concepts.ok()) return Fail(concepts.status());
  if (o.build.corpus_name.empty()) {
    o.build.corpus_name =
        o.corpus.empty() ? std::string("wordnet-3.0") + (o.no_enrich ? "" : "+related") : o.corpus;
  }
  const std::string out = IndexPath(o.output);
  std::fprintf(stderr, "esa: %zu concepts from %s\n", concepts->size(),
               o.build.corpus_name.c_str());
  ProgressBar bar(static_cast<std::int64_t>(concepts->size()), StderrIsTerminal());
  std::int64_t last = -1;
  auto progress = [&](std::size_t done, std::size_t) {
    if (static_cast<std::int64_t>(done) == last) return;
    last = static_cast<std::int64_t>(done);
    if (StderrIsTerminal()) bar.update(last, "concepts", false);
  };
  Result<EsaBuildStats> stats = BuildEsaIndex(*concepts, o.build, out, progress);
  bar.finish();
  if (!stats.ok()) return Fail(stats.status());
  std::printf("ESA index %s: %zu concepts, %zu terms, %zu postings (%zu before pruning), %.1f s\n",
              out.c_str(), stats->concepts, stats->terms, stats->postings,
              stats->postings_before_pruning, stats->seconds);
  return kExitOk;
}

Result<std::shared_ptr<const EsaIndex>> LoadIndex(const std::string& given) {
  return EsaIndex::Load(IndexPath(given));
}

struct RelatednessOptions {
  std::string a;
  std::string b;
  std::string index;
  bool json = false;
  int concepts = 5;
};

int RunRelatedness(const RelatednessOptions& o) {
  for (const std::string* s : {&o.a, &o.b}) {
    if (Status v = text::ValidateText(*s); !v.ok()) return Fail(v);
  }
  auto index = LoadIndex(o.index);
  if (!index.ok()) return Fail(index.status());
  const SparseVector va = (*index)->Vectorize(o.a);
  const SparseVector vb = (*index)->Vectorize(o.b);
  const double score = Cosine(va, vb);
  const std::vector<std::pair<std::uint32_t, float>> top =
      SharedTop(va, vb, static_cast<std::size_t>(o.concepts));
  if (o.json) {
    nlohmann::json j = {{"a", o.a}, {"b", o.b}, {"relatedness", score}};
    j["shared_concepts"] = nlohmann::json::array();
    for (const auto& [id, w] : top)
      j["shared_concepts"].push_back(ConceptLabel((*index)->concept_title(id)));
    if (va.empty() || vb.empty()) j["unknown"] = va.empty() ? o.a : o.b;
    std::printf("%s\n", j.dump(2).c_str());
    return kExitOk;
  }
  std::printf("%.4f\n", score);
  if (va.empty() || vb.empty()) {
    std::fprintf(stderr, "note: '%s' has no term the index knows\n",
                 (va.empty() ? o.a : o.b).c_str());
  }
  if (!top.empty()) {
    std::fprintf(stderr, "shared concepts:");
    for (const auto& [id, w] : top) {
      std::fprintf(stderr, " %s", std::string(ConceptLabel((*index)->concept_title(id))).c_str());
    }
    std::fprintf(stderr, "\n");
  }
  return kExitOk;
}

struct EvalRelatednessOptions {
  std::string pairs;
  std::string index;
  std::string json_path;
};

int RunEvalRelatedness(const EvalRelatednessOptions& o) {
  std::ifstream in(o.pairs);
  if (!in) return Fail(Status::NotFound("cannot read " + o.pairs));
  auto index = LoadIndex(o.index);
  if (!index.ok()) return Fail(index.status());
  std::vector<double> human;
  std::vector<double> ours;
  std::size_t unknown = 0;
  std::string line;
  std::size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cols;
    std::stringstream ss(line);
    std::string col;
    while (std::getline(ss, col, '\t')) cols.push_back(col);
    const std::string where = o.pairs + ":" + std::to_string(line_no);
    if (cols.size() < 3) {
      return Fail(Status::InvalidArgument(where + ": expected WORD<TAB>WORD<TAB>SCORE"));
    }
    if (!IsValidUtf8(cols[0]) || !IsValidUtf8(cols[1])) {
      return Fail(Status::InvalidArgument(where + ": not valid UTF-8"));
    }
    char* end = nullptr;
    const double h = std::strtod(cols[2].c_str(), &end);
    if (end == cols[2].c_str() || !std::isfinite(h)) {
      return Fail(Status::InvalidArgument(where + ": the score '" + cols[2] + "' is not a number"));
    }
    const SparseVector a = (*index)->Vectorize(cols[0]);
    const SparseVector b = (*index)->Vectorize(cols[1]);
    if (a.empty() || b.empty()) ++unknown;
    human.push_back(h);
    ours.push_back(Cosine(a, b));
  }
  if (human.size() < 2) {
    return Fail(Status::InvalidArgument(o.pairs + ": fewer than two pairs"));
  }
  const double rho = SpearmanRho(human, ours);
  std::printf("pairs: %zu (%zu with a word the index does not know, scored 0)\n", human.size(),
              unknown);
  std::printf("index: %s (%zu concepts, %zu terms)\n", (*index)->corpus_name().c_str(),
              (*index)->concept_count(), (*index)->term_count());
  std::printf("spearman rho: %.4f\n", rho);
  if (!o.json_path.empty()) {
    std::ofstream out(o.json_path);
    out << nlohmann::json{{"pairs", human.size()},
                          {"unknown", unknown},
                          {"spearman_rho", rho},
                          {"index", (*index)->corpus_name()}}
               .dump(2)
        << "\n";
    if (!out) return Fail(Status::IOError("cannot write " + o.json_path));
  }
  return kExitOk;
}

struct SceneExperimentOptions {
  std::string story;
  std::string index;
  std::string mlruns = "mlruns";
  std::vector<double> thresholds = {0.05, 0.1, 0.2, 0.3};
  std::vector<int> min_lengths = {2, 3, 5};
  int block_size = 2;
};

std::string Fixed(double v, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  std::string s = buf;
  while (s.size() > 1 && s.back() == '0' && s[s.size() - 2] != '.') s.pop_back();
  return s;
}

// A story file; lines that are exactly "---" mark the true scene boundaries (removed before
// splitting). Returns the text and the true boundaries as sentence indices (empty if none).
Status ReadStory(const std::string& path, std::string* story, std::vector<int>* truth) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + path);
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string raw = buf.str();
  if (Status v = text::ValidateText(raw); !v.ok()) {
    return Status::InvalidArgument(path + ": " + v.message());
  }
  std::vector<std::string> parts(1);
  std::stringstream lines(raw);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line == "---") {
      parts.emplace_back();
    } else {
      parts.back() += line + "\n";
    }
  }
  story->clear();
  truth->clear();
  int sentences = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0 && sentences > 0) truth->push_back(sentences);
    sentences += static_cast<int>(text::SplitSentences(parts[i]).size());
    *story += parts[i] + "\n";
  }
  return Status::Ok();
}

int RunSceneExperiment(const SceneExperimentOptions& o) {
  std::string story;
  std::vector<int> truth;
  if (Status s = ReadStory(o.story, &story, &truth); !s.ok()) return Fail(s);
  auto index = LoadIndex(o.index);
  if (!index.ok()) return Fail(index.status());
  const EsaIndex& esa = **index;
  const text::Embedder embed = [&esa](std::string_view t) { return esa.Vectorize(t); };
  ExperimentStore store(o.mlruns);
  std::printf("%-22s %6s %8s %8s %8s\n", "run", "scenes", "dissim", "pk", "windiff");
  for (double threshold : o.thresholds) {
    for (int min_length : o.min_lengths) {
      text::SceneOptions options;
      options.similarity_threshold = threshold;
      options.min_scene_length = min_length;
      options.block_size = o.block_size;
      auto split = text::SplitScenes(story, options, embed);
      if (!split.ok()) return Fail(split.status());
      const std::string name =
          "thr_" + Fixed(threshold, 3) + "_minlen_" + std::to_string(min_length);
      auto run = store.StartRun("scene_splitting", name);
      if (!run.ok()) return Fail(run.status());
      const double dissimilarity = text::SceneDissimilarity(split->scenes, embed);
      const int units = static_cast<int>(split->sentences.size());
      Status st = run->LogParam("similarity_threshold", Fixed(threshold, 3));
      if (st.ok()) st = run->LogParam("min_scene_length", std::to_string(min_length));
      if (st.ok()) st = run->LogParam("block_size", std::to_string(o.block_size));
      if (st.ok()) st = run->LogParam("story", o.story);
      if (st.ok()) st = run->LogParam("esa_index", esa.corpus_name());
      if (st.ok()) st = run->LogMetric("dissimilarity", dissimilarity);
      if (st.ok()) st = run->LogMetric("scenes", static_cast<double>(split->scenes.size()));
      if (st.ok()) st = run->LogMetric("sentences", units);
      double pk = std::nan("");
      double wd = std::nan("");
      if (!truth.empty()) {
        pk = text::Pk(truth, split->boundaries, units);
        wd = text::WindowDiff(truth, split->boundaries, units);
        if (st.ok()) st = run->LogMetric("pk", pk);
        if (st.ok()) st = run->LogMetric("window_diff", wd);
      }
      if (st.ok()) st = run->End(true);
      if (!st.ok()) return Fail(st);
      std::printf("%-22s %6zu %8.4f %8s %8s\n", name.c_str(), split->scenes.size(), dissimilarity,
                  truth.empty() ? "-" : Fixed(pk, 4).c_str(),
                  truth.empty() ? "-" : Fixed(wd, 4).c_str());
    }
  }
  std::printf(
      "runs logged under %s (experiment \"scene_splitting\"; open with `mlflow ui "
      "--backend-store-uri %s`)\n",
      o.mlruns.c_str(), o.mlruns.c_str());
  return kExitOk;
}

}  // namespace

std::function<int()> AddExperimentCommand(CLI::App& app) {
  auto o = std::make_shared<SceneExperimentOptions>();
  CLI::App* exp = app.add_subcommand("experiment", "Parameter sweeps logged in MLflow's layout");
  exp->require_subcommand(1);
  CLI::App* cmd = exp->add_subcommand(
      "scenes",
      "Split a story into scenes for every threshold and minimum length; log each run (lines "
      "of exactly '---' in the story mark true boundaries, for Pk and WindowDiff)");
  cmd->add_option("story", o->story, "Story text file (UTF-8)")->required();
  cmd->add_option("--thresholds", o->thresholds, "Similarity thresholds")
      ->delimiter(',')
      ->check(CLI::Range(-1.0, 1.0));
  cmd->add_option("--min-lengths", o->min_lengths, "Minimum scene lengths (sentences)")
      ->delimiter(',')
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--block-size", o->block_size, "Sentences compared on each side of a gap")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  cmd->add_option("--mlruns", o->mlruns, "MLflow file store")->capture_default_str();
  cmd->add_option("--index", o->index, "ESA index file");
  return [o] { return RunSceneExperiment(*o); };
}

std::function<int()> AddEsaCommand(CLI::App& app) {
  auto o = std::make_shared<EsaBuildCommandOptions>();
  CLI::App* esa = app.add_subcommand("esa", "Build the ESA concept index used for text semantics");
  esa->require_subcommand(1);
  CLI::App* build = esa->add_subcommand(
      "build",
      "Build the index from WordNet 3.0 (Debian's wordnet-base) or a JSON Lines corpus of "
      "{\"title\", \"text\"} objects");
  build->add_option("--wordnet", o->wordnet, "WordNet database folder")->capture_default_str();
  build->add_option("--corpus", o->corpus, "JSON Lines corpus instead of WordNet");
  build->add_option("-o,--output", o->output,
                    "Index file (default $SONANCE_ESA_INDEX, else the user's data folder)");
  build->add_flag("--no-enrich", o->no_enrich,
                  "WordNet: a synset's own words and gloss only, not its related synsets'");
  build->add_option("--min-df", o->build.min_df, "Drop terms in fewer concepts")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  build
      ->add_option("--max-df", o->build.max_df_fraction,
                   "Drop terms in more than this fraction of concepts")
      ->check(CLI::Range(0.0001, 1.0))
      ->capture_default_str();
  build->add_option("--prune-window", o->build.prune_window, "Pruning window (concepts)")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  build
      ->add_option("--prune-drop", o->build.prune_drop,
                   "Cut a term's concept list where a window's drop is below this fraction of "
                   "its top weight")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  const std::function<int()> vectorize = AddEsaVectorizeCommand(esa);
  return [o, build, vectorize] { return build->parsed() ? RunEsaBuild(*o) : vectorize(); };
}

std::function<int()> AddRelatednessCommand(CLI::App& app) {
  auto o = std::make_shared<RelatednessOptions>();
  CLI::App* cmd = app.add_subcommand(
      "relatedness", "Semantic relatedness of two words or texts (ESA cosine, 0 to 1)");
  cmd->add_option("a", o->a, "First word or text")->required();
  cmd->add_option("b", o->b, "Second word or text")->required();
  cmd->add_option("--index", o->index, "ESA index file");
  cmd->add_option("--concepts", o->concepts, "Shared concepts to list")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
  cmd->add_flag("--json", o->json, "Print JSON");
  return [o] { return RunRelatedness(*o); };
}

std::function<int()> AddEvalRelatednessCommand(CLI::App* eval) {
  auto o = std::make_shared<EvalRelatednessOptions>();
  CLI::App* cmd = eval->add_subcommand(
      "relatedness",
      "Spearman's rho between ESA relatedness and human scores of word pairs (tab-separated: "
      "word, word, score; '#' lines are comments), e.g. WordSim-353");
  cmd->add_option("--pairs", o->pairs, "Pairs file")->required();
  cmd->add_option("--index", o->index, "ESA index file");
  cmd->add_option("--json", o->json_path, "Also write the figures as JSON to this file");
  return [o, cmd] { return cmd->parsed() ? RunEvalRelatedness(*o) : -1; };
}

}  // namespace sonance::cli
