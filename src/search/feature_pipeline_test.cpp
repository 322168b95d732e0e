#include "sonance/search/feature_pipeline.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "support/fixtures.h"

namespace sonance {
namespace {

using test::TempDir;

// The ten continuous features, in the pipeline's column order, as a settable array.
constexpr int kContinuous = 10;
void SetContinuous(AudioFeatures& f, const double v[kContinuous]) {
  f.danceability = v[0];
  f.energy = v[1];
  f.loudness = v[2];
  f.speechiness = v[3];
  f.acousticness = v[4];
  f.instrumentalness = v[5];
  f.liveness = v[6];
  f.valence = v[7];
  f.tempo = v[8];
  f.duration_ms = static_cast<long long>(v[9]);
}

// Only the audio feature columns, so that tests control every input.
FeaturePipelineOptions FeaturesOnly() {
  FeaturePipelineOptions o;
  o.use_analysis = false;
  o.use_year = false;
  o.max_genres = 0;
  return o;
}

int ColumnIndex(const FeaturePipeline& p, const std::string& name) {
  const auto& cols = p.input_columns();
  auto it = std::find(cols.begin(), cols.end(), name);
  EXPECT_NE(it, cols.end()) << name;
  return static_cast<int>(it - cols.begin());
}

// Rows with varied features; row i gets distinct, non-collinear values.
std::vector<FeatureRow> VariedRows(int n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<FeatureRow> rows(n);
  for (int i = 0; i < n; ++i) {
    FeatureRow& r = rows[i];
    r.rowid = i + 1;
    r.features.danceability = u(rng);
    r.features.energy = u(rng);
    r.features.loudness = -30.0 * u(rng);
    r.features.speechiness = u(rng);
    r.features.acousticness = u(rng);
    r.features.instrumentalness = u(rng);
    r.features.liveness = u(rng);
    r.features.valence = u(rng);
    r.features.tempo = 60.0 + 120.0 * u(rng);
    r.features.duration_ms = 120000 + static_cast<long long>(200000 * u(rng));
    r.features.key = i % 12;
    r.features.mode = i % 2;
    r.features.time_signature = 3 + i % 3;
    r.release_year = 1960 + i % 60;
    r.analysis =
        AnalysisSummary{r.rowid,   100 + i,       0.4 + 0.2 * u(rng), 25 + i,       2.0 * u(rng),
                        5 + i % 4, 30.0 * u(rng), 400 + 3 * i,        0.25 * u(rng)};
    r.genres = {i % 3 == 0 ? "Rock" : "Jazz"};
  }
  return rows;
}

TEST(FeaturePipelineTest, MissingFeatureIsImputedWithTheMeanOfKnownValues) {
  std::vector<FeatureRow> rows(4);
  const double energy[] = {0.2, 0.4, 0.9, 123.0};  // the last one is listed as missing
  for (int i = 0; i < 4; ++i) {
    rows[i].rowid = i + 1;
    rows[i].features.energy = energy[i];
    rows[i].features.danceability = 0.1 * i;
  }
  rows[3].missing = {"energy"};
  FeaturePipelineOptions o = FeaturesOnly();
  auto p = FeaturePipeline::Fit(rows, o);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  const int col = ColumnIndex(*p, "energy");
  // Known values 0.2, 0.4, 0.9: mean 0.5. Imputed column 0.2 0.4 0.9 0.5: population sd
  // sqrt((0.09 + 0.01 + 0.16 + 0) / 4) = sqrt(0.065).
  const double sd = std::sqrt(0.065);
  auto z = p->Standardize(rows[3]);
  ASSERT_TRUE(z.ok());
  EXPECT_NEAR((*z)[col], 0.0, 1e-12);  // the mean standardises to 0
  auto z0 = p->Standardize(rows[0]);
  ASSERT_TRUE(z0.ok());
  EXPECT_NEAR((*z0)[col], (0.2 - 0.5) / sd, 1e-12);
}

TEST(FeaturePipelineTest, MissingAnalysisAndUnknownYearAreImputed) {
  std::vector<FeatureRow> rows = VariedRows(3, 1);
  rows[0].analysis->beats = 10;
  rows[1].analysis->beats = 30;
  rows[2].analysis.reset();
  rows[0].release_year = 1990;
  rows[1].release_year = 0;  // unknown
  rows[2].release_year = 2000;
  FeaturePipelineOptions o;
  o.max_genres = 0;
  auto p = FeaturePipeline::Fit(rows, o);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  auto z2 = p->Standardize(rows[2]);
  auto z1 = p->Standardize(rows[1]);
  ASSERT_TRUE(z2.ok() && z1.ok());
  // beats 10, 30, imputed 20: the imputed row sits at the mean.
  EXPECT_NEAR((*z2)[ColumnIndex(*p, "beats")], 0.0, 1e-12);
  EXPECT_NEAR((*z1)[ColumnIndex(*p, "release_year")], 0.0, 1e-12);
  // Years 1990, imputed 1995, 2000: sd sqrt(50/3).
  auto z0 = p->Standardize(rows[0]);
  ASSERT_TRUE(z0.ok());
  EXPECT_NEAR((*z0)[ColumnIndex(*p, "release_year")], -5.0 / std::sqrt(50.0 / 3.0), 1e-9);
}

TEST(FeaturePipelineTest, StandardisedColumnsHaveMeanZeroAndDeviationOne) {
  std::vector<FeatureRow> rows = VariedRows(50, 7);
  auto p = FeaturePipeline::Fit(rows);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  const std::size_t cols = p->input_columns().size();
  std::vector<double> sum(cols, 0.0), sq(cols, 0.0);
  for (const auto& r : rows) {
    auto z = p->Standardize(r);
    ASSERT_TRUE(z.ok());
    ASSERT_EQ(z->size(), cols);
    for (std::size_t c = 0; c < cols; ++c) {
      sum[c] += (*z)[c];
      sq[c] += (*z)[c] * (*z)[c];
    }
  }
  for (std::size_t c = 0; c < cols; ++c) {
    const std::string& name = p->input_columns()[c];
    EXPECT_NEAR(sum[c] / rows.size(), 0.0, 1e-9) << name;
    // "genre:other" never fires here (two genres, both kept): constant, hence 0.
    const double expected_var = name == "genre:other" ? 0.0 : 1.0;
    EXPECT_NEAR(sq[c] / rows.size(), expected_var, 1e-9) << name;
  }
}

TEST(FeaturePipelineTest, ConstantColumnBecomesZero) {
  std::vector<FeatureRow> rows = VariedRows(10, 3);
  for (auto& r : rows) r.features.tempo = 0.1;  // sums of 0.1 are not exact: sd is noise
  auto p = FeaturePipeline::Fit(rows, FeaturesOnly());
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  const int col = ColumnIndex(*p, "tempo");
  for (const auto& r : rows) {
    auto z = p->Standardize(r);
    ASSERT_TRUE(z.ok());
    EXPECT_EQ((*z)[col], 0.0);
  }
  FeatureRow other = rows[0];
  other.features.tempo = 180.0;  // unseen value, still no deviation to scale by
  auto z = p->Standardize(other);
  ASSERT_TRUE(z.ok());
  EXPECT_EQ((*z)[col], 0.0);
}

TEST(FeaturePipelineTest, KeyModeAndTimeSignatureAreNumericColumns) {
  auto p = FeaturePipeline::Fit(VariedRows(5, 2), FeaturesOnly());
  ASSERT_TRUE(p.ok());
  const std::vector<std::string> expected = {
      "danceability",  "energy",  "loudness", "speechiness", "acousticness", "instrumentalness",
      "liveness",      "valence", "tempo",    "duration_ms", "key",          "mode",
      "time_signature"};
  EXPECT_EQ(p->input_columns(), expected);
}

TEST(FeaturePipelineTest, GenreColumnsAreTopGenresPlusOtherMultiHot) {
  // Counts: rock 4, jazz 3, pop 2, folk 1. Top 2 = rock, jazz; pop and folk share "other".
  const std::vector<std::vector<std::string>> genres = {
      {"Rock", "Jazz"}, {"rock"},         {"ROCK", "Pop"}, {"Rock"},
      {"Jazz"},         {"jazz", "Folk"}, {"Pop"},         {}};
  std::vector<FeatureRow> rows = VariedRows(static_cast<int>(genres.size()), 5);
  for (std::size_t i = 0; i < genres.size(); ++i) rows[i].genres = genres[i];
  FeaturePipelineOptions o = FeaturesOnly();
  o.max_genres = 2;
  auto p = FeaturePipeline::Fit(rows, o);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  const auto& cols = p->input_columns();
  ASSERT_GE(cols.size(), 3u);
  EXPECT_EQ(std::vector<std::string>(cols.end() - 3, cols.end()),
            (std::vector<std::string>{"genre:rock", "genre:jazz", "genre:other"}));
  // Multi-hot: row 5 is jazz and (other) folk; row 0 rock and jazz; row 7 none.
  // Standardised, a 1 is above its column mean and a 0 below it.
  auto z5 = p->Standardize(rows[5]);
  auto z0 = p->Standardize(rows[0]);
  auto z7 = p->Standardize(rows[7]);
  ASSERT_TRUE(z5.ok() && z0.ok() && z7.ok());
  const int rock = ColumnIndex(*p, "genre:rock"), jazz = ColumnIndex(*p, "genre:jazz"),
            other = ColumnIndex(*p, "genre:other");
  EXPECT_LT((*z5)[rock], 0.0);
  EXPECT_GT((*z5)[jazz], 0.0);
  EXPECT_GT((*z5)[other], 0.0);
  EXPECT_GT((*z0)[rock], 0.0);
  EXPECT_GT((*z0)[jazz], 0.0);
  EXPECT_LT((*z0)[other], 0.0);
  EXPECT_LT((*z7)[rock], 0.0);
  EXPECT_LT((*z7)[jazz], 0.0);
  EXPECT_LT((*z7)[other], 0.0);
  // rock: 4 of 8 rows, mean 0.5, sd 0.5, so a 1 standardises to exactly 1.
  EXPECT_NEAR((*z0)[rock], 1.0, 1e-12);
}

TEST(FeaturePipelineTest, ZeroMaxGenresLeavesGenreOut) {
  auto p = FeaturePipeline::Fit(VariedRows(6, 4), FeaturesOnly());
  ASSERT_TRUE(p.ok());
  for (const auto& c : p->input_columns()) EXPECT_EQ(c.rfind("genre:", 0), std::string::npos);
}

// Points x = c + a*u + b*v on a 2-D plane in the ten continuous columns; key, mode and
// time_signature constant. duration_ms is scaled up so that rounding it to whole
// milliseconds lifts the points off the plane by a negligible amount.
std::vector<FeatureRow> PlaneRows(int n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> g(0.0, 1.0);
  double u[kContinuous], v[kContinuous], c[kContinuous];
  for (int i = 0; i < kContinuous; ++i) {
    u[i] = g(rng);
    v[i] = g(rng);
    c[i] = 10.0 * (i + 1);
  }
  std::vector<FeatureRow> rows(n);
  for (int r = 0; r < n; ++r) {
    const double a = 5.0 * g(rng), b = 2.0 * g(rng);
    double x[kContinuous];
    for (int i = 0; i < kContinuous; ++i) x[i] = c[i] + a * u[i] + b * v[i];
    x[9] = std::round(200000.0 + 1000.0 * (a * u[9] + b * v[9]));
    rows[r].rowid = r + 1;
    SetContinuous(rows[r].features, x);
  }
  return rows;
}

TEST(FeaturePipelineTest, PcaKeepsTwoComponentsForDataOnAPlane) {
  std::vector<FeatureRow> rows = PlaneRows(200, 11);
  FeaturePipelineOptions o = FeaturesOnly();
  o.variance_share = 0.99;
  auto p = FeaturePipeline::Fit(rows, o);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->dims(), 2);
  EXPECT_GE(p->explained_variance(), 0.99);
  auto y = p->Transform(rows[0]);
  ASSERT_TRUE(y.ok());
  EXPECT_EQ(y->size(), 2u);
}

TEST(FeaturePipelineTest, PcaPreservesPairwiseDistancesInTheSubspace) {
  std::vector<FeatureRow> rows = PlaneRows(40, 13);
  FeaturePipelineOptions o = FeaturesOnly();
  o.components = 2;
  auto p = FeaturePipeline::Fit(rows, o);
  ASSERT_TRUE(p.ok()) << p.status().ToString();

  // The test's own standardisation of the ten varying columns (population sd).
  auto column = [](const FeatureRow& r, int i) {
    const double v[] = {r.features.danceability, r.features.energy,
                        r.features.loudness,     r.features.speechiness,
                        r.features.acousticness, r.features.instrumentalness,
                        r.features.liveness,     r.features.valence,
                        r.features.tempo,        static_cast<double>(r.features.duration_ms)};
    return v[i];
  };
  const int kVarying = 10;
  std::vector<double> mean(kVarying, 0.0), sd(kVarying, 0.0);
  for (const auto& r : rows) {
    for (int i = 0; i < kVarying; ++i) mean[i] += column(r, i) / rows.size();
  }
  for (const auto& r : rows) {
    for (int i = 0; i < kVarying; ++i) sd[i] += std::pow(column(r, i) - mean[i], 2) / rows.size();
  }
  for (auto& s : sd) s = std::sqrt(s);

  std::vector<std::vector<float>> y;
  for (const auto& r : rows) {
    auto t = p->Transform(r);
    ASSERT_TRUE(t.ok());
    y.push_back(*t);
  }
  for (std::size_t a = 0; a < rows.size(); ++a) {
    for (std::size_t b = a + 1; b < rows.size(); ++b) {
      double expected = 0.0;
      for (int i = 0; i < kVarying; ++i) {
        expected += std::pow((column(rows[a], i) - column(rows[b], i)) / sd[i], 2);
      }
      const double got = std::hypot(y[a][0] - y[b][0], y[a][1] - y[b][1]);
      EXPECT_NEAR(got, std::sqrt(expected), 1e-4 * (1.0 + std::sqrt(expected)));
    }
  }
}

TEST(FeaturePipelineTest, VarianceShareOneKeepsEveryVaryingDirection) {
  std::vector<FeatureRow> rows = VariedRows(60, 17);
  FeaturePipelineOptions o = FeaturesOnly();
  o.variance_share = 1.0;
  auto p = FeaturePipeline::Fit(rows, o);
  ASSERT_TRUE(p.ok());
  // 13 columns, all varying and in general position over 60 random rows.
  EXPECT_EQ(p->dims(), 13);
  EXPECT_NEAR(p->explained_variance(), 1.0, 1e-12);
}

TEST(FeaturePipelineTest, SaveLoadRoundTripGivesIdenticalTransform) {
  TempDir dir;
  std::vector<FeatureRow> rows = VariedRows(30, 19);
  rows[4].missing = {"key", "loudness"};
  rows[5].analysis.reset();
  auto p = FeaturePipeline::Fit(rows);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  ASSERT_TRUE(p->Save(dir / "pipeline.json").ok());
  auto q = FeaturePipeline::Load(dir / "pipeline.json");
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->dims(), p->dims());
  EXPECT_EQ(q->input_columns(), p->input_columns());
  EXPECT_EQ(q->explained_variance(), p->explained_variance());
  EXPECT_EQ(q->fitted_rows(), p->fitted_rows());
  EXPECT_EQ(q->features_version(), p->features_version());
  for (const auto& r : rows) {
    auto a = p->Transform(r);
    auto b = q->Transform(r);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(*a, *b);
  }
}

TEST(FeaturePipelineTest, LoadOfCorruptFileIsCorrupt) {
  TempDir dir;
  {
    std::ofstream(dir / "garbage.json") << "{ this is not json";
    std::ofstream(dir / "other.json") << R"({"format": "something else"})";
  }
  auto p = FeaturePipeline::Fit(VariedRows(10, 23));
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE(p->Save(dir / "good.json").ok());
  // A valid pipeline with one mean removed.
  std::string text;
  {
    std::ifstream in(dir / "good.json");
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  const auto at = text.find("\"means\"");
  ASSERT_NE(at, std::string::npos);
  text.replace(text.find('[', at) + 1, text.find(',', at) - text.find('[', at), "");
  std::ofstream(dir / "short.json") << text;

  EXPECT_EQ(FeaturePipeline::Load(dir / "garbage.json").status().code(), StatusCode::kCorrupt);
  EXPECT_EQ(FeaturePipeline::Load(dir / "other.json").status().code(), StatusCode::kCorrupt);
  EXPECT_EQ(FeaturePipeline::Load(dir / "short.json").status().code(), StatusCode::kCorrupt);
  EXPECT_EQ(FeaturePipeline::Load(dir / "absent.json").status().code(), StatusCode::kIOError);
}

TEST(FeaturePipelineTest, MixedFeaturesVersionsAreRefused) {
  std::vector<FeatureRow> rows = VariedRows(4, 29);
  rows[2].features.features_version = kImportedFeaturesVersion;
  EXPECT_EQ(FeaturePipeline::Fit(rows).status().code(), StatusCode::kInvalidArgument);

  rows[2].features.features_version = kFeaturesVersion;
  auto p = FeaturePipeline::Fit(rows);
  ASSERT_TRUE(p.ok());
  FeatureRow imported = rows[0];
  imported.features.features_version = kImportedFeaturesVersion;
  EXPECT_EQ(p->Transform(imported).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(p->Standardize(imported).status().code(), StatusCode::kInvalidArgument);
}

TEST(FeaturePipelineTest, InvalidOptionsAndNoRowsAreRefused) {
  std::vector<FeatureRow> rows = VariedRows(5, 31);
  auto refused = [&](FeaturePipelineOptions o) {
    return FeaturePipeline::Fit(rows, o).status().code() == StatusCode::kInvalidArgument;
  };
  FeaturePipelineOptions o;
  o.components = -1;
  EXPECT_TRUE(refused(o));
  o = {};
  o.variance_share = 0.0;
  EXPECT_TRUE(refused(o));
  o.variance_share = 1.5;
  EXPECT_TRUE(refused(o));
  o = {};
  o.max_genres = -3;
  EXPECT_TRUE(refused(o));
  o = {};
  o.refit_change_share = 0.0;
  EXPECT_TRUE(refused(o));
  o = FeaturesOnly();
  o.components = 14;  // only 13 input columns
  EXPECT_TRUE(refused(o));
  o.components = 13;
  EXPECT_FALSE(refused(o));
  EXPECT_EQ(FeaturePipeline::Fit({}, {}).status().code(), StatusCode::kInvalidArgument);
}

TEST(FeaturePipelineTest, NonFiniteFeatureIsRefused) {
  std::vector<FeatureRow> rows = VariedRows(5, 37);
  rows[1].features.tempo = std::nan("");
  EXPECT_EQ(FeaturePipeline::Fit(rows).status().code(), StatusCode::kInvalidArgument);
  rows[1].missing = {"tempo"};  // a missing value is not read
  EXPECT_TRUE(FeaturePipeline::Fit(rows).ok());
}

TEST(FeaturePipelineTest, NeedsRefitAtChangeShareOrNewVersion) {
  auto p = FeaturePipeline::Fit(VariedRows(100, 41));  // refit_change_share 0.2: 20 rows
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->NeedsRefit(0, 0, kFeaturesVersion));
  EXPECT_FALSE(p->NeedsRefit(10, 9, kFeaturesVersion));
  EXPECT_TRUE(p->NeedsRefit(10, 10, kFeaturesVersion));
  EXPECT_TRUE(p->NeedsRefit(20, 0, kFeaturesVersion));
  EXPECT_TRUE(p->NeedsRefit(0, 20, kFeaturesVersion));
  EXPECT_TRUE(p->NeedsRefit(0, 0, kFeaturesVersion + 1));
}

TEST(FeaturePipelineTest, ComponentsOptionFixesDims) {
  FeaturePipelineOptions o;
  o.components = 3;
  auto p = FeaturePipeline::Fit(VariedRows(20, 43), o);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->dims(), 3);
  EXPECT_GT(p->explained_variance(), 0.0);
  EXPECT_LT(p->explained_variance(), 1.0);
  auto y = p->Transform(VariedRows(20, 43)[0]);
  ASSERT_TRUE(y.ok());
  EXPECT_EQ(y->size(), 3u);
}

}  // namespace
}  // namespace sonance

namespace sonance {
namespace {

TEST(LoadFeatureRowsTest, JoinsFeaturesTagsMissingListAndAnalysis) {
  test::TempDir dir;
  auto cat = Catalog::Open(dir / "catalog.db");
  ASSERT_TRUE(cat.ok()) << cat.status().ToString();

  TrackAnalysis analysed;
  analysed.features.tempo = 120.0;
  for (int i = 0; i < 3; ++i) analysed.analysis.beats.push_back({0.5 * i, 0.5, 1.0});
  TrackTags tags;
  tags.title = "Analysed";
  tags.release_date = "1999-04-12";
  tags.genre = "Rock; Indie Pop";
  ASSERT_TRUE((*cat)->StoreAnalysis({"/m/a.ogg", 10, 1}, "h", tags, analysed).ok());
  ASSERT_TRUE((*cat)->StoreFailure({"/m/f.ogg", 10, 1}, "h", "Corrupt: no audio").ok());

  auto import = (*cat)->BeginImport();
  ASSERT_TRUE(import.ok()) << import.status().ToString();
  ImportedTrack imported;
  imported.tags.title = "Imported";
  imported.tags.release_date = "0999";  // not a plausible year
  imported.features = AudioFeatures{};
  imported.features->features_version = kImportedFeaturesVersion;
  imported.features->energy = 0.75;
  imported.missing_features = {"key", "loudness"};
  ASSERT_TRUE((*import)->PutTrack(imported).ok());
  ImportedTrack bare;  // no features: not a row
  bare.tags.title = "Bare";
  ASSERT_TRUE((*import)->PutTrack(bare).ok());
  ASSERT_TRUE((*import)->Commit().ok());

  auto rows = LoadFeatureRows(**cat);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 2u);
  const FeatureRow* a = nullptr;
  const FeatureRow* b = nullptr;
  for (const auto& r : *rows) (r.features.features_version == kFeaturesVersion ? a : b) = &r;
  ASSERT_TRUE(a && b);

  EXPECT_EQ(a->release_year, 1999);
  EXPECT_EQ(a->genres, (std::vector<std::string>{"Rock", "Indie Pop"}));
  EXPECT_TRUE(a->missing.empty());
  EXPECT_DOUBLE_EQ(a->features.tempo, 120.0);
  ASSERT_TRUE(a->analysis.has_value());
  EXPECT_EQ(a->analysis->beats, 3);
  EXPECT_NEAR(a->analysis->beat_mean_s, 0.5, 1e-12);

  EXPECT_EQ(b->release_year, 0);
  EXPECT_TRUE(b->genres.empty());
  EXPECT_EQ(b->missing, (std::vector<std::string>{"key", "loudness"}));
  EXPECT_DOUBLE_EQ(b->features.energy, 0.75);
  EXPECT_FALSE(b->analysis.has_value());

  // The two versions cannot be fitted together.
  EXPECT_EQ(FeaturePipeline::Fit(*rows).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sonance
