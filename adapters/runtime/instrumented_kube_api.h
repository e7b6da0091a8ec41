// InstrumentedKubeApi: a KubeApi decorator that times every call and counts
// its outcome in Metrics: ferry_kube_api_request_duration_seconds (a
// histogram by verb and kind) and ferry_kube_api_requests_total (by verb
// and canonical code). It decides nothing and changes no answer.
//
//   InstrumentedKubeApi api(streaming, metrics);
#ifndef FERRY_ADAPTERS_RUNTIME_INSTRUMENTED_KUBE_API_H_
#define FERRY_ADAPTERS_RUNTIME_INSTRUMENTED_KUBE_API_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "adapters/runtime/metrics.h"
#include "core/ports/kube_api.h"

namespace ferry::adapters {

class InstrumentedKubeApi : public ports::KubeApi {
 public:
  InstrumentedKubeApi(ports::KubeApi& api, Metrics& metrics) : api_(api), metrics_(metrics) {
    metrics_.Describe("ferry_kube_api_request_duration_seconds", "histogram",
                      "Kubernetes API calls' latency, by verb and kind.");
    metrics_.Describe("ferry_kube_api_requests_total", "counter",
                      "Kubernetes API calls, by verb and canonical result code.");
  }

  absl::StatusOr<ports::ObjectPtr> Get(const ports::ObjectKey& key) override {
    return Timed("get", key.kind, [&] { return api_.Get(key); });
  }
  absl::StatusOr<ports::ObjectList> List(absl::string_view kind, absl::string_view ns,
                                         const ports::Selector& selector) override {
    return Timed("list", kind, [&] { return api_.List(kind, ns, selector); });
  }
  absl::StatusOr<ports::ObjectPtr> Create(const google::protobuf::Message& o) override {
    return Timed("create", KindOf(o), [&] { return api_.Create(o); });
  }
  absl::StatusOr<ports::ObjectPtr> Update(const google::protobuf::Message& o) override {
    return Timed("update", KindOf(o), [&] { return api_.Update(o); });
  }
  absl::StatusOr<ports::ObjectPtr> UpdateStatus(const google::protobuf::Message& o) override {
    return Timed("update_status", KindOf(o), [&] { return api_.UpdateStatus(o); });
  }
  absl::Status Fence(const google::protobuf::Message& read) override {
    return Timed("fence", KindOf(read), [&] { return api_.Fence(read); });
  }
  absl::Status Delete(const ports::ObjectKey& key, absl::string_view rv = "") override {
    return Timed("delete", key.kind, [&] { return api_.Delete(key, rv); });
  }
  using ports::KubeApi::Watch;
  absl::StatusOr<std::vector<ports::WatchEvent>> Watch(absl::string_view kind, absl::string_view rv,
                                                        const ports::Selector& selector,
                                                        bool bookmarks) override {
    return Timed("watch", kind, [&] { return api_.Watch(kind, rv, selector, bookmarks); });
  }

 private:
  static std::string KindOf(const google::protobuf::Message& o) {
    absl::StatusOr<ports::ObjectKey> key = ports::KeyOf(o);
    return key.ok() ? key->kind : "";
  }
  template <typename F>
  auto Timed(absl::string_view verb, absl::string_view kind, F call) -> decltype(call()) {
    const absl::Time start = absl::Now();
    auto result = call();
    const std::string v(verb);
    metrics_.Observe("ferry_kube_api_request_duration_seconds", {{"verb", v}, {"kind", std::string(kind)}},
                     absl::ToDoubleSeconds(absl::Now() - start));
    absl::Status status;
    if constexpr (std::is_same_v<decltype(result), absl::Status>) {
      status = result;
    } else {
      status = result.status();
    }
    metrics_.Add("ferry_kube_api_requests_total",
                 {{"verb", v}, {"code", absl::StatusCodeToString(status.code())}}, 1);
    return result;
  }

  ports::KubeApi& api_;
  Metrics& metrics_;
};

}  // namespace ferry::adapters

#endif  // FERRY_ADAPTERS_RUNTIME_INSTRUMENTED_KUBE_API_H_
