#include "sonance/server/metrics.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>
#include <utility>

namespace sonance {

namespace {

std::string EscapeLabelValue(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string EscapeHelp(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// {a="x",b="y"} with an optional extra label (le for buckets); "" when there are none.
std::string LabelSet(const std::vector<std::string>& names, const std::vector<std::string>& values,
                     const std::string& extra_name = {}, const std::string& extra_value = {}) {
  if (names.empty() && extra_name.empty()) return {};
  std::string out = "{";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out.push_back(',');
    out += names[i] + "=\"" + EscapeLabelValue(values[i]) + "\"";
  }
  if (!extra_name.empty()) {
    if (!names.empty()) out.push_back(',');
    out += extra_name + "=\"" + extra_value + "\"";
  }
  out.push_back('}');
  return out;
}

const char* TypeName(MetricFamily::Type t) {
  switch (t) {
    case MetricFamily::Type::kCounter:
      return "counter";
    case MetricFamily::Type::kGauge:
      return "gauge";
    case MetricFamily::Type::kHistogram:
      return "histogram";
  }
  return "untyped";
}

}  // namespace

std::string FormatMetricValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, p) : std::string("NaN");
}

MetricFamily::MetricFamily(std::string name, std::string help, Type type,
                           std::vector<std::string> labels, std::vector<double> buckets)
    : name_(std::move(name)),
      help_(std::move(help)),
      type_(type),
      labels_(std::move(labels)),
      buckets_(std::move(buckets)) {
  assert(std::is_sorted(buckets_.begin(), buckets_.end()));
}

MetricFamily::Series& MetricFamily::SeriesFor(const std::vector<std::string>& label_values) {
  assert(label_values.size() == labels_.size());
  auto [it, inserted] = series_.try_emplace(label_values);
  if (inserted && type_ == Type::kHistogram) it->second.counts.assign(buckets_.size() + 1, 0);
  return it->second;
}

void MetricFamily::Increment(const std::vector<std::string>& label_values, double by) {
  std::lock_guard lock(mu_);
  SeriesFor(label_values).value += by;
}

void MetricFamily::Set(const std::vector<std::string>& label_values, double value) {
  std::lock_guard lock(mu_);
  SeriesFor(label_values).value = value;
}

void MetricFamily::Observe(const std::vector<std::string>& label_values, double value) {
  const auto bucket = static_cast<std::size_t>(
      std::lower_bound(buckets_.begin(), buckets_.end(), value) - buckets_.begin());
  std::lock_guard lock(mu_);
  Series& s = SeriesFor(label_values);
  ++s.counts[bucket];
  s.sum += value;
  ++s.count;
}

double MetricFamily::Value(const std::vector<std::string>& label_values) const {
  std::lock_guard lock(mu_);
  auto it = series_.find(label_values);
  if (it == series_.end()) return 0.0;
  return type_ == Type::kHistogram ? static_cast<double>(it->second.count) : it->second.value;
}

void MetricFamily::Render(std::string* out) const {
  *out += "# HELP " + name_ + " " + EscapeHelp(help_) + "\n";
  *out += "# TYPE " + name_ + " " + TypeName(type_) + "\n";
  std::lock_guard lock(mu_);
  // A family without labels always shows its one series, even before the first update.
  if (labels_.empty() && series_.empty()) {
    if (type_ == Type::kHistogram) {
      for (double b : buckets_) *out += name_ + "_bucket{le=\"" + FormatMetricValue(b) + "\"} 0\n";
      *out += name_ + "_bucket{le=\"+Inf\"} 0\n" + name_ + "_sum 0\n" + name_ + "_count 0\n";
    } else {
      *out += name_ + " 0\n";
    }
    return;
  }
  for (const auto& [values, s] : series_) {
    if (type_ != Type::kHistogram) {
      *out += name_ + LabelSet(labels_, values) + " " + FormatMetricValue(s.value) + "\n";
      continue;
    }
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b <= buckets_.size(); ++b) {
      cumulative += s.counts[b];
      const std::string le = b < buckets_.size() ? FormatMetricValue(buckets_[b]) : "+Inf";
      *out += name_ + "_bucket" + LabelSet(labels_, values, "le", le) + " " +
              std::to_string(cumulative) + "\n";
    }
    *out += name_ + "_sum" + LabelSet(labels_, values) + " " + FormatMetricValue(s.sum) + "\n";
    *out += name_ + "_count" + LabelSet(labels_, values) + " " + std::to_string(s.count) + "\n";
  }
}

std::vector<double> MetricsRegistry::DefaultBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,   0.1,     0.25,   0.5,   1.0,    2.5,   5.0,  10.0};
}

MetricFamily& MetricsRegistry::Add(std::string name, std::string help, MetricFamily::Type type,
                                   std::vector<std::string> labels, std::vector<double> buckets) {
  std::lock_guard lock(mu_);
  for (const auto& f : families_) {
    if (f->name() == name) return *f;
  }
  families_.push_back(std::make_unique<MetricFamily>(std::move(name), std::move(help), type,
                                                     std::move(labels), std::move(buckets)));
  return *families_.back();
}

MetricFamily& MetricsRegistry::Counter(const std::string& name, const std::string& help,
                                       std::vector<std::string> labels) {
  return Add(name, help, MetricFamily::Type::kCounter, std::move(labels), {});
}

MetricFamily& MetricsRegistry::Gauge(const std::string& name, const std::string& help,
                                     std::vector<std::string> labels) {
  return Add(name, help, MetricFamily::Type::kGauge, std::move(labels), {});
}

MetricFamily& MetricsRegistry::Histogram(const std::string& name, const std::string& help,
                                         std::vector<std::string> labels,
                                         std::vector<double> buckets) {
  return Add(name, help, MetricFamily::Type::kHistogram, std::move(labels), std::move(buckets));
}

MetricFamily* MetricsRegistry::Find(const std::string& name) {
  std::lock_guard lock(mu_);
  for (const auto& f : families_) {
    if (f->name() == name) return f.get();
  }
  return nullptr;
}

std::string MetricsRegistry::Render() const {
  std::string out;
  std::lock_guard lock(mu_);
  for (const auto& f : families_) f->Render(&out);
  return out;
}

}  // namespace sonance
