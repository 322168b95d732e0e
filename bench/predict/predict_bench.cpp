// Stream-count prediction latency after load: one song at a time through StreamPredictor
// (range checks, XGBoost through its C API, the inverse target transform), as
// GET /api/prediction and `sonance predict` call it. The model is trained on generated rows
// of MusicFlow's 33 features with the default parameters (300 rounds of depth 4), saved to
// and loaded from a model file like a stored version.
//
//   build/bench/predict/predict_bench [--rows 2000] [--calls 20000]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "sonance/predict/features.h"
#include "sonance/predict/model.h"
#include "sonance/predict/store.h"

namespace {

using Clock = std::chrono::steady_clock;

sonance::StreamFeatureRow RandomRow(std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  sonance::StreamFeatureRow row{};
  const auto& table = sonance::StreamFeatureTable();
  for (std::size_t c = 0; c < table.size(); ++c) {
    double v =
        table[c].min + u(rng) * (std::min(table[c].max, table[c].min + 1000.0) - table[c].min);
    if (table[c].integral) v = std::floor(v);
    row[c] = v;
  }
  for (std::size_t k = 0; k < 13; ++k) row[sonance::stream_feature::kKeyC + k] = 0.0;
  row[sonance::stream_feature::kKeyC + static_cast<std::size_t>(u(rng) * 12)] = 1.0;
  return row;
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) {
  int rows = 2000;
  int calls = 20000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--rows") rows = std::atoi(argv[i + 1]);
    if (a == "--calls") calls = std::atoi(argv[i + 1]);
  }
  std::mt19937_64 rng(7);
  std::vector<sonance::StreamFeatureRow> data;
  std::vector<float> x;
  std::vector<float> y;
  for (int r = 0; r < rows; ++r) {
    data.push_back(RandomRow(rng));
    for (double v : data.back()) x.push_back(static_cast<float>(v));
    const double d = data.back()[sonance::stream_feature::kDanceability];
    y.push_back(static_cast<float>(std::min(30.0, 30.0 * d * d)));
  }
  sonance::XgbParams params;
  const auto t0 = Clock::now();
  auto model = sonance::XgbRegressor::Train(x, sonance::kStreamFeatureCount, y, params);
  if (!model.ok()) {
    std::fprintf(stderr, "train: %s\n", model.status().ToString().c_str());
    return 1;
  }
  const double train_s = std::chrono::duration<double>(Clock::now() - t0).count();
  const auto file = std::filesystem::temp_directory_path() / "sonance-predict-bench.sxgb";
  if (auto s = model->SaveToFile(file); !s.ok()) {
    std::fprintf(stderr, "save: %s\n", s.ToString().c_str());
    return 1;
  }
  const auto t1 = Clock::now();
  auto loaded = sonance::XgbRegressor::LoadFromFile(file);
  const double load_ms = std::chrono::duration<double, std::milli>(Clock::now() - t1).count();
  std::filesystem::remove(file);
  if (!loaded.ok()) {
    std::fprintf(stderr, "load: %s\n", loaded.status().ToString().c_str());
    return 1;
  }
  sonance::StreamPredictor predictor(std::move(*loaded), sonance::StreamModelMeta{});
  std::vector<double> us;
  us.reserve(static_cast<std::size_t>(calls));
  double sink = 0.0;
  for (int i = 0; i < calls; ++i) {
    const auto& row = data[static_cast<std::size_t>(i % rows)];
    const auto a = Clock::now();
    auto p = predictor.Predict(row);
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - a).count());
    if (!p.ok()) {
      std::fprintf(stderr, "predict: %s\n", p.status().ToString().c_str());
      return 1;
    }
    sink += p->streams;
  }
  std::printf(
      "{\"rows\": %d, \"rounds\": %d, \"train_s\": %.3f, \"load_ms\": %.3f, \"calls\": %d, "
      "\"p50_us\": %.1f, \"p90_us\": %.1f, \"p99_us\": %.1f, \"max_us\": %.1f, \"checksum\": "
      "%.3f}\n",
      rows, params.n_rounds, train_s, load_ms, calls, Percentile(us, 0.5), Percentile(us, 0.9),
      Percentile(us, 0.99), Percentile(us, 1.0), sink);
  return 0;
}
