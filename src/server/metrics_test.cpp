#include "sonance/server/metrics.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace sonance {
namespace {

TEST(MetricsTest, CounterRendersHelpTypeAndSortedEscapedSeries) {
  MetricsRegistry m;
  MetricFamily& c = m.Counter("request_count", "Requests", {"route", "status"});
  c.Increment({"/b", "200"});
  c.Increment({"/a", "404"}, 2);
  c.Increment({"/q\"x\\y\nz", "200"});
  EXPECT_EQ(m.Render(),
            "# HELP request_count Requests\n"
            "# TYPE request_count counter\n"
            "request_count{route=\"/a\",status=\"404\"} 2\n"
            "request_count{route=\"/b\",status=\"200\"} 1\n"
            "request_count{route=\"/q\\\"x\\\\y\\nz\",status=\"200\"} 1\n");
}

TEST(MetricsTest, HistogramBucketsAreCumulativeWithSumAndCount) {
  MetricsRegistry m;
  MetricFamily& h = m.Histogram("step_time", "Step", {}, {0.1, 1.0});
  h.Observe({}, 0.05);
  h.Observe({}, 0.1);  // le is inclusive
  h.Observe({}, 0.5);
  h.Observe({}, 7.0);
  EXPECT_EQ(m.Render(),
            "# HELP step_time Step\n"
            "# TYPE step_time histogram\n"
            "step_time_bucket{le=\"0.1\"} 2\n"
            "step_time_bucket{le=\"1\"} 3\n"
            "step_time_bucket{le=\"+Inf\"} 4\n"
            "step_time_sum 7.65\n"
            "step_time_count 4\n");
  EXPECT_DOUBLE_EQ(h.Value({}), 4.0);
}

TEST(MetricsTest, UnlabelledFamiliesShowZeroBeforeTheFirstUpdate) {
  MetricsRegistry m;
  m.Histogram("scene_split_time", "Scenes", {}, {1.0});
  m.Gauge("up", "Up");
  EXPECT_EQ(m.Render(),
            "# HELP scene_split_time Scenes\n"
            "# TYPE scene_split_time histogram\n"
            "scene_split_time_bucket{le=\"1\"} 0\n"
            "scene_split_time_bucket{le=\"+Inf\"} 0\n"
            "scene_split_time_sum 0\n"
            "scene_split_time_count 0\n"
            "# HELP up Up\n"
            "# TYPE up gauge\n"
            "up 0\n");
}

TEST(MetricsTest, GaugeSetReplacesAndRegistryDeduplicatesNames) {
  MetricsRegistry m;
  MetricFamily& g = m.Gauge("tracks", "Tracks", {"state"});
  g.Set({"ok"}, 5);
  g.Set({"ok"}, 3);
  EXPECT_DOUBLE_EQ(g.Value({"ok"}), 3.0);
  EXPECT_DOUBLE_EQ(g.Value({"other"}), 0.0);
  EXPECT_EQ(&m.Gauge("tracks", "again", {"state"}), &g);
  EXPECT_EQ(m.Find("tracks"), &g);
  EXPECT_EQ(m.Find("absent"), nullptr);
}

TEST(MetricsTest, ConcurrentIncrementsAreAllCounted) {
  MetricsRegistry m;
  MetricFamily& c = m.Counter("n", "N", {"k"});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&c] {
      for (int i = 0; i < 10000; ++i) c.Increment({"x"});
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_DOUBLE_EQ(c.Value({"x"}), 40000.0);
}

TEST(MetricsTest, ValuesFormatAsPrometheusExpects) {
  EXPECT_EQ(FormatMetricValue(1.0), "1");
  EXPECT_EQ(FormatMetricValue(0.25), "0.25");
  EXPECT_EQ(FormatMetricValue(1.0 / 0.0), "+Inf");
  EXPECT_EQ(FormatMetricValue(-1.0 / 0.0), "-Inf");
}

}  // namespace
}  // namespace sonance
