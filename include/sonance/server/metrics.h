// Metrics: counters, gauges and histograms exposed in Prometheus's text format (0.0.4).
//
// A MetricsRegistry owns metric families, each a name, a help line, a type and a fixed list
// of label names; a family holds one series per distinct tuple of label values, created on
// first use. Histograms have fixed cumulative buckets (seconds by default) plus _sum and
// _count. Render() writes every family in registration order with its # HELP and # TYPE
// lines, series sorted by label values, label values escaped as the format requires.
//
// Thread-safety: everything may be called from any thread; updates take a short lock per
// family. Ownership: the registry owns the families; the references it returns live as long
// as the registry.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace sonance {

class MetricFamily {
 public:
  enum class Type { kCounter, kGauge, kHistogram };

  MetricFamily(std::string name, std::string help, Type type, std::vector<std::string> labels,
               std::vector<double> buckets);

  // `label_values` must have one value per label name (asserted; a bug otherwise).
  void Increment(const std::vector<std::string>& label_values, double by = 1.0);
  void Set(const std::vector<std::string>& label_values, double value);
  void Observe(const std::vector<std::string>& label_values, double value);

  // The current value of a counter or gauge series (0 when it does not exist yet), or the
  // observation count of a histogram series; for tests and health reports.
  double Value(const std::vector<std::string>& label_values) const;

  void Render(std::string* out) const;

  const std::string& name() const { return name_; }

 private:
  struct Series {
    double value = 0.0;                 // counter or gauge
    std::vector<std::uint64_t> counts;  // histogram: per bucket (not cumulative), +Inf last
    double sum = 0.0;
    std::uint64_t count = 0;
  };
  Series& SeriesFor(const std::vector<std::string>& label_values);

  const std::string name_;
  const std::string help_;
  const Type type_;
  const std::vector<std::string> labels_;
  const std::vector<double> buckets_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, Series> series_;
};

class MetricsRegistry {
 public:
  // Latency buckets in seconds, 100 us to 10 s.
  static std::vector<double> DefaultBuckets();

  MetricFamily& Counter(const std::string& name, const std::string& help,
                        std::vector<std::string> labels = {});
  MetricFamily& Gauge(const std::string& name, const std::string& help,
                      std::vector<std::string> labels = {});
  MetricFamily& Histogram(const std::string& name, const std::string& help,
                          std::vector<std::string> labels = {},
                          std::vector<double> buckets = DefaultBuckets());

  // nullptr when no family has that name.
  MetricFamily* Find(const std::string& name);

  std::string Render() const;

 private:
  MetricFamily& Add(std::string name, std::string help, MetricFamily::Type type,
                    std::vector<std::string> labels, std::vector<double> buckets);

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<MetricFamily>> families_;
};

// Formats a sample value as Prometheus expects ("+Inf", "NaN", shortest round-trip decimal).
std::string FormatMetricValue(double v);

}  // namespace sonance
