// Metrics: counters, gauges and histograms, written in Prometheus' text
// exposition format (version 0.0.4) for /metrics. Debian has no C++
// Prometheus client (prometheus-cpp is not packaged), and the format is a
// few lines of text, so it is written here. Thread-safe: the event loop
// and the API calls write, the HTTP thread reads. Output is sorted by name
// and labels: two scrapes of the same values are the same text.
//
//   metrics.Describe("ferry_reconciles_total", "counter", "Reconciles run.");
//   metrics.Add("ferry_reconciles_total", {{"process", "controller"}}, 1);
//   std::string text = metrics.Text();
#ifndef FERRY_ADAPTERS_RUNTIME_METRICS_H_
#define FERRY_ADAPTERS_RUNTIME_METRICS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace ferry::adapters {

class Metrics {
 public:
  using Labels = std::map<std::string, std::string>;

  // type: "counter", "gauge" or "histogram"; a metric is described once.
  void Describe(const std::string& name, const std::string& type, const std::string& help);
  void Add(const std::string& name, const Labels& labels, double delta);
  void Set(const std::string& name, const Labels& labels, double value);
  // Drops every series of a gauge (before it is set again whole, so a
  // series of a migration that is gone does not linger).
  void Clear(const std::string& name);
  // A histogram observation, with buckets `upper_bounds` (seconds, the
  // default suits API latency).
  void Observe(const std::string& name, const Labels& labels, double value);

  std::string Text() const;
  // A series' value (a histogram's count), 0 when absent: for tests.
  double Value(const std::string& name, const Labels& labels) const;

 private:
  struct Family {
    std::string type = "gauge";
    std::string help;
    std::map<Labels, double> values;  // counters and gauges
    struct Histogram {
      std::vector<double> buckets;  // cumulative counts per upper bound
      double sum = 0;
      double count = 0;
    };
    std::map<Labels, Histogram> histograms;
  };
  static const std::vector<double>& Bounds();

  mutable absl::Mutex mu_;
  std::map<std::string, Family> families_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ferry::adapters

#endif  // FERRY_ADAPTERS_RUNTIME_METRICS_H_
