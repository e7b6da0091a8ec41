#include "adapters/runtime/metrics.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"

namespace ferry::adapters {
namespace {

std::string LabelText(const Metrics::Labels& labels, const std::string& extra = "") {
  std::vector<std::string> parts;
  for (const auto& [k, v] : labels) {
    parts.push_back(absl::StrCat(
        k, "=\"", absl::StrReplaceAll(v, {{"\\", "\\\\"}, {"\"", "\\\""}, {"\n", "\\n"}}), "\""));
  }
  if (!extra.empty()) parts.push_back(extra);
  return parts.empty() ? "" : absl::StrCat("{", absl::StrJoin(parts, ","), "}");
}

std::string Number(double v) {
  if (v == static_cast<double>(static_cast<int64_t>(v))) return absl::StrCat(static_cast<int64_t>(v));
  return absl::StrFormat("%g", v);
}

}  // namespace

const std::vector<double>& Metrics::Bounds() {
  static const auto* bounds =
      new std::vector<double>{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return *bounds;
}

void Metrics::Describe(const std::string& name, const std::string& type, const std::string& help) {
  absl::MutexLock lock(&mu_);
  Family& f = families_[name];
  f.type = type;
  f.help = help;
}

void Metrics::Add(const std::string& name, const Labels& labels, double delta) {
  absl::MutexLock lock(&mu_);
  families_[name].values[labels] += delta;
}

void Metrics::Set(const std::string& name, const Labels& labels, double value) {
  absl::MutexLock lock(&mu_);
  families_[name].values[labels] = value;
}

void Metrics::Clear(const std::string& name) {
  absl::MutexLock lock(&mu_);
  families_[name].values.clear();
}

void Metrics::Observe(const std::string& name, const Labels& labels, double value) {
  absl::MutexLock lock(&mu_);
  Family::Histogram& h = families_[name].histograms[labels];
  if (h.buckets.empty()) h.buckets.assign(Bounds().size(), 0);
  for (size_t i = 0; i < Bounds().size(); ++i) {
    if (value <= Bounds()[i]) h.buckets[i] += 1;
  }
  h.sum += value;
  h.count += 1;
}

std::string Metrics::Text() const {
  absl::MutexLock lock(&mu_);
  std::string out;
  for (const auto& [name, f] : families_) {
    if (f.values.empty() && f.histograms.empty()) continue;
    if (!f.help.empty()) absl::StrAppend(&out, "# HELP ", name, " ", f.help, "\n");
    absl::StrAppend(&out, "# TYPE ", name, " ", f.type, "\n");
    for (const auto& [labels, v] : f.values) {
      absl::StrAppend(&out, name, LabelText(labels), " ", Number(v), "\n");
    }
    for (const auto& [labels, h] : f.histograms) {
      for (size_t i = 0; i < Bounds().size(); ++i) {
        absl::StrAppend(&out, name, "_bucket",
                        LabelText(labels, absl::StrCat("le=\"", Number(Bounds()[i]), "\"")), " ",
                        Number(h.buckets[i]), "\n");
      }
      absl::StrAppend(&out, name, "_bucket", LabelText(labels, "le=\"+Inf\""), " ", Number(h.count),
                      "\n");
      absl::StrAppend(&out, name, "_sum", LabelText(labels), " ", Number(h.sum), "\n");
      absl::StrAppend(&out, name, "_count", LabelText(labels), " ", Number(h.count), "\n");
    }
  }
  return out;
}

double Metrics::Value(const std::string& name, const Labels& labels) const {
  absl::MutexLock lock(&mu_);
  auto f = families_.find(name);
  if (f == families_.end()) return 0;
  if (auto v = f->second.values.find(labels); v != f->second.values.end()) return v->second;
  if (auto h = f->second.histograms.find(labels); h != f->second.histograms.end()) {
    return h->second.count;
  }
  return 0;
}

}  // namespace ferry::adapters
