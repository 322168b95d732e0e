#include "sonance/text/experiment_log.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>

#include "support/fixtures.h"

namespace sonance {
namespace {

namespace fs = std::filesystem;

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void Spit(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The integer after "key: " in a meta.yaml, which the test cannot know in advance.
std::int64_t TimeField(const std::string& yaml, const std::string& key) {
  for (const std::string& line : Lines(yaml)) {
    if (line.rfind(key + ": ", 0) == 0) return std::stoll(line.substr(key.size() + 2));
  }
  ADD_FAILURE() << "no " << key << " in\n" << yaml;
  return -1;
}

// Sets $USER for one test, so mlflow.user and user_id are known.
class ScopedUser {
 public:
  explicit ScopedUser(const char* user) {
    if (const char* old = std::getenv("USER")) old_ = old;
    ::setenv("USER", user, 1);
  }
  ~ScopedUser() {
    if (old_) {
      ::setenv("USER", old_->c_str(), 1);
    } else {
      ::unsetenv("USER");
    }
  }

 private:
  std::optional<std::string> old_;
};

class ExperimentLogTest : public ::testing::Test {
 protected:
  fs::path root() const { return dir_.path() / "mlruns"; }
  std::string Uri(const fs::path& p) const { return "file://" + p.string(); }

  test::TempDir dir_;
};

TEST_F(ExperimentLogTest, FindsOrCreatesExperimentsByName) {
  ExperimentStore store(root());
  const std::int64_t before = NowMs();
  auto alpha = store.Experiment("alpha");
  const std::int64_t after = NowMs();
  ASSERT_TRUE(alpha.ok()) << alpha.status().ToString();
  EXPECT_EQ(*alpha, "1");  // "0" is MLflow's Default experiment
  auto again = store.Experiment("alpha");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, "1");
  auto beta = store.Experiment("beta");
  ASSERT_TRUE(beta.ok());
  EXPECT_EQ(*beta, "2");
  // A second store over the same folder finds them from their meta.yaml.
  ExperimentStore reopened(root());
  EXPECT_EQ(*reopened.Experiment("beta"), "2");
  EXPECT_EQ(*reopened.Experiment("alpha"), "1");
  EXPECT_EQ(*reopened.Experiment("gamma"), "3");

  const std::string meta = Slurp(root() / "1" / "meta.yaml");
  const std::int64_t created = TimeField(meta, "creation_time");
  EXPECT_GE(created, before);
  EXPECT_LE(created, after);
  EXPECT_EQ(meta, "artifact_location: " + Uri(root() / "1") + "\n" +
                      "creation_time: " + std::to_string(created) + "\n" +
                      "experiment_id: '1'\n"
                      "last_update_time: " +
                      std::to_string(created) + "\n" +
                      "lifecycle_stage: active\n"
                      "name: alpha\n");
  // Nothing but the experiment folders (no temporary files) at the top.
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(root())) ++entries;
  EXPECT_EQ(entries, 3);
}

TEST_F(ExperimentLogTest, ExperimentFindsNamesWrittenByMlflowAndQuotedNames) {
  // As MLflow writes its Default experiment, with a long name folded by PyYAML.
  fs::create_directories(root() / "0");
  Spit(root() / "0" / "meta.yaml",
       "artifact_location: file:///somewhere/mlruns/0\ncreation_time: 1700000000000\n"
       "experiment_id: '0'\nlast_update_time: 1700000000000\nlifecycle_stage: active\n"
       "name: Default\n");
  fs::create_directories(root() / "7");
  Spit(root() / "7" / "meta.yaml",
       "artifact_location: file:///somewhere/mlruns/7\nexperiment_id: '7'\n"
       "lifecycle_stage: active\nname: a long experiment name that PyYAML folded onto\n"
       "  the next line\n");
  fs::create_directories(root() / "not-an-id");
  ExperimentStore store(root());
  EXPECT_EQ(*store.Experiment("Default"), "0");
  EXPECT_EQ(*store.Experiment("a long experiment name that PyYAML folded onto the next line"), "7");
  // The next id follows the largest one present.
  auto quoted = store.Experiment("it's: 42 # yes");
  ASSERT_TRUE(quoted.ok());
  EXPECT_EQ(*quoted, "8");
  EXPECT_NE(Slurp(root() / "8" / "meta.yaml").find("name: 'it''s: 42 # yes'\n"), std::string::npos);
  for (const std::string name : {"42", "true", "two\nlines"}) {
    auto id = store.Experiment(name);
    ASSERT_TRUE(id.ok());
    EXPECT_EQ(*ExperimentStore(root()).Experiment(name), *id) << name;
  }
  EXPECT_EQ(*store.Experiment("it's: 42 # yes"), "8");
}

TEST_F(ExperimentLogTest, ExperimentRejectsBadNames) {
  ExperimentStore store(root());
  for (const std::string& name : {std::string(), std::string("bad \xff utf-8")}) {
    auto id = store.Experiment(name);
    ASSERT_FALSE(id.ok());
    EXPECT_EQ(id.status().code(), StatusCode::kInvalidArgument);
  }
  auto run = store.StartRun("alpha", "");
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(ExperimentLogTest, StartRunWritesTheMlflowRunLayout) {
  ScopedUser user("sonance-test");
  ExperimentStore store(root());
  ASSERT_TRUE(store.Experiment("other").ok());
  const std::int64_t before = NowMs();
  auto run = store.StartRun("alpha", "first run");
  const std::int64_t after = NowMs();
  ASSERT_TRUE(run.ok()) << run.status().ToString();

  const std::string& id = run->run_id();
  ASSERT_EQ(id.size(), 32u);
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
  const fs::path dir = root() / "2" / id;
  EXPECT_EQ(run->dir(), dir);
  for (const char* sub : {"params", "metrics", "tags", "artifacts"}) {
    EXPECT_TRUE(fs::is_directory(dir / sub)) << sub;
  }

  const std::string meta = Slurp(dir / "meta.yaml");
  const std::int64_t start = TimeField(meta, "start_time");
  EXPECT_GE(start, before);
  EXPECT_LE(start, after);
  // A hex id of only digits and 'e' could read as a number, so it would be quoted.
  const std::string yaml_id =
      id.find_first_not_of("0123456789e") == std::string::npos ? "'" + id + "'" : id;
  EXPECT_EQ(meta, "artifact_uri: " + Uri(dir / "artifacts") + "\n" +
                      "end_time: null\n"
                      "entry_point_name: ''\n"
                      "experiment_id: '2'\n"
                      "lifecycle_stage: active\n"
                      "run_id: " +
                      yaml_id + "\n" + "run_name: 'first run'\n" + "run_uuid: " + yaml_id + "\n" +
                      "source_name: ''\n"
                      "source_type: 4\n"
                      "source_version: ''\n"
                      "start_time: " +
                      std::to_string(start) + "\n" +
                      "status: 1\n"
                      "tags: []\n"
                      "user_id: sonance-test\n");
  EXPECT_EQ(Slurp(dir / "tags" / "mlflow.runName"), "first run");
  EXPECT_EQ(Slurp(dir / "tags" / "mlflow.source.name"), "sonance");
  EXPECT_EQ(Slurp(dir / "tags" / "mlflow.user"), "sonance-test");

  auto second = store.StartRun("alpha", "first run");
  ASSERT_TRUE(second.ok());
  EXPECT_NE(second->run_id(), id);
  EXPECT_EQ(second->dir().parent_path(), root() / "2");
}

TEST_F(ExperimentLogTest, ParamsAreWrittenOnceAndNeverChanged) {
  ExperimentStore store(root());
  auto run = store.StartRun("alpha", "r");
  ASSERT_TRUE(run.ok());
  ASSERT_TRUE(run->LogParam("block_size", "2").ok());
  ASSERT_TRUE(run->LogParam("embedder", "esa wikipedia-2024").ok());
  EXPECT_EQ(Slurp(run->dir() / "params" / "block_size"), "2");
  EXPECT_EQ(Slurp(run->dir() / "params" / "embedder"), "esa wikipedia-2024");
  EXPECT_TRUE(run->LogParam("block_size", "2").ok());
  Status changed = run->LogParam("block_size", "3");
  EXPECT_EQ(changed.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Slurp(run->dir() / "params" / "block_size"), "2");
  // Temporary files never stay behind in the listed folders.
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(run->dir() / "params")) ++entries;
  EXPECT_EQ(entries, 2);
}

TEST_F(ExperimentLogTest, MetricsAppendTimestampValueStepLines) {
  ExperimentStore store(root());
  auto run = store.StartRun("alpha", "r");
  ASSERT_TRUE(run.ok());
  const std::int64_t before = NowMs();
  ASSERT_TRUE(run->LogMetric("pk", 0.25).ok());
  ASSERT_TRUE(run->LogMetric("pk", 0.125, 3).ok());
  ASSERT_TRUE(run->LogMetric("pk", -1e20, 4).ok());
  const std::int64_t after = NowMs();
  const std::vector<std::string> lines = Lines(Slurp(run->dir() / "metrics" / "pk"));
  ASSERT_EQ(lines.size(), 3u);
  const std::vector<std::string> rest = {" 0.25 0", " 0.125 3", " -1e+20 4"};
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto space = lines[i].find(' ');
    ASSERT_NE(space, std::string::npos);
    const std::int64_t ts = std::stoll(lines[i].substr(0, space));
    EXPECT_GE(ts, before);
    EXPECT_LE(ts, after);
    EXPECT_EQ(lines[i].substr(space), rest[i]);
  }
  EXPECT_FALSE(fs::exists(run->dir() / "metrics" / "windowdiff"));
}

TEST_F(ExperimentLogTest, EndMarksTheRunFinishedOrFailed) {
  ExperimentStore store(root());
  auto run = store.StartRun("alpha", "good");
  ASSERT_TRUE(run.ok());
  const std::string started = Slurp(run->dir() / "meta.yaml");
  const std::int64_t before = NowMs();
  ASSERT_TRUE(run->End().ok());
  const std::int64_t after = NowMs();
  const std::string ended = Slurp(run->dir() / "meta.yaml");
  const std::int64_t end = TimeField(ended, "end_time");
  EXPECT_GE(end, before);
  EXPECT_LE(end, after);
  EXPECT_GE(end, TimeField(started, "start_time"));
  // Only end_time and status change.
  std::string expected = started;
  expected.replace(expected.find("end_time: null"), 14, "end_time: " + std::to_string(end));
  expected.replace(expected.find("status: 1"), 9, "status: 3");
  EXPECT_EQ(ended, expected);

  auto bad = store.StartRun("alpha", "bad");
  ASSERT_TRUE(bad.ok());
  ASSERT_TRUE(bad->End(false).ok());
  EXPECT_NE(Slurp(bad->dir() / "meta.yaml").find("\nstatus: 4\n"), std::string::npos);
}

TEST_F(ExperimentLogTest, LogArtifactCopiesTheFile) {
  ExperimentStore store(root());
  auto run = store.StartRun("alpha", "r");
  ASSERT_TRUE(run.ok());
  const fs::path source = dir_.path() / "scenes.json";
  Spit(source, "{\"scenes\": [0, 5, 10]}\n");
  ASSERT_TRUE(run->LogArtifact(source).ok());
  ASSERT_TRUE(run->LogArtifact(source, "copy (1).json").ok());
  EXPECT_EQ(Slurp(run->dir() / "artifacts" / "scenes.json"), "{\"scenes\": [0, 5, 10]}\n");
  EXPECT_EQ(Slurp(run->dir() / "artifacts" / "copy (1).json"), "{\"scenes\": [0, 5, 10]}\n");
  EXPECT_TRUE(fs::exists(source));  // copied, not moved
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(run->dir() / "artifacts")) ++entries;
  EXPECT_EQ(entries, 2);

  EXPECT_EQ(run->LogArtifact(dir_.path() / "missing.txt").code(), StatusCode::kNotFound);
  EXPECT_EQ(run->LogArtifact(dir_.path()).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(run->LogArtifact(source, "../escape").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(run->LogArtifact(source, "..").code(), StatusCode::kInvalidArgument);
}

TEST_F(ExperimentLogTest, InvalidKeysAreRejected) {
  ExperimentStore store(root());
  auto run = store.StartRun("alpha", "r");
  ASSERT_TRUE(run.ok());
  for (const std::string& key :
       {std::string(), std::string("a/b"), std::string(".."), std::string("a..b"), std::string("."),
        std::string("new\nline"), std::string("caf\xc3\xa9"), std::string("a:b"),
        std::string("x*")}) {
    EXPECT_EQ(run->LogParam(key, "v").code(), StatusCode::kInvalidArgument) << key;
    EXPECT_EQ(run->LogMetric(key, 1.0).code(), StatusCode::kInvalidArgument) << key;
    EXPECT_EQ(run->SetTag(key, "v").code(), StatusCode::kInvalidArgument) << key;
  }
  for (const std::string key : {"lr", "mlflow.note.content", "top-k 10", "A_1.b-c"}) {
    EXPECT_TRUE(run->LogParam(key, "v").ok()) << key;
    EXPECT_TRUE(run->LogMetric(key, 1.0).ok()) << key;
    EXPECT_TRUE(run->SetTag(key, "v").ok()) << key;
  }
}

TEST_F(ExperimentLogTest, AnUnstartedRunRefusesToLog) {
  ExperimentRun run;
  EXPECT_EQ(run.LogParam("a", "b").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(run.LogMetric("a", 1).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(run.SetTag("a", "b").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(run.End().code(), StatusCode::kFailedPrecondition);
}

// An independent reader of the YAML: PyYAML, when the machine has it (MLflow reads meta.yaml
// with it). Names chosen to need quoting.
TEST_F(ExperimentLogTest, MetaYamlReadsBackWithPyYaml) {
  if (test::RunCommand("python3 -c 'import yaml' 2>/dev/null") != 0) {
    GTEST_SKIP() << "python3 with PyYAML not available";
  }
  ScopedUser user("o'brien");
  ExperimentStore store(dir_.path() / "ml runs");
  auto run = store.StartRun("null", "042: it's \"quoted\"\tand tabbed");
  ASSERT_TRUE(run.ok());
  ASSERT_TRUE(run->End().ok());
  const std::string script =
      "import sys, yaml\n"
      "e = yaml.safe_load(open(sys.argv[1]))\n"
      "r = yaml.safe_load(open(sys.argv[2]))\n"
      "assert e['name'] == 'null', e\n"
      "assert e['experiment_id'] == '1', e\n"
      "assert e['lifecycle_stage'] == 'active', e\n"
      "assert e['artifact_location'].endswith('/ml%20runs/1'), e\n"
      "assert isinstance(e['creation_time'], int), e\n"
      "assert r['run_name'] == '042: it\\'s \"quoted\"\\tand tabbed', r\n"
      "assert r['run_id'] == r['run_uuid'] == sys.argv[3], r\n"
      "assert r['experiment_id'] == '1', r\n"
      "assert r['user_id'] == \"o'brien\", r\n"
      "assert r['status'] == 3 and r['source_type'] == 4, r\n"
      "assert r['tags'] == [] and r['entry_point_name'] == '', r\n"
      "assert isinstance(r['end_time'], int) and r['end_time'] >= r['start_time'], r\n"
      "assert r['artifact_uri'].endswith('/1/' + sys.argv[3] + '/artifacts'), r\n";
  const fs::path script_path = dir_.path() / "check.py";
  Spit(script_path, script);
  const fs::path exp_meta = dir_.path() / "ml runs" / "1" / "meta.yaml";
  const test::CommandRun check = test::RunCapturing(
      "python3 " + test::ShellQuote(script_path.string()) + " " +
      test::ShellQuote(exp_meta.string()) + " " +
      test::ShellQuote((run->dir() / "meta.yaml").string()) + " " + run->run_id());
  EXPECT_EQ(check.status, 0) << check.out << check.err;
}

}  // namespace
}  // namespace sonance
