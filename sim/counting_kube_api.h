// CountingKubeApi: a KubeApi that forwards every call to another one and
// counts the requests, so the simulator can report the Kubernetes API requests
// Ferry's own processes make (the cluster model and the checkers read the
// fake directly and are not counted).
//
//   CountingKubeApi ferry_api(fake);
//   ControllerProcess controller(ferry_api, ...);
//   ... ferry_api.calls() ...
#ifndef FERRY_SIM_COUNTING_KUBE_API_H_
#define FERRY_SIM_COUNTING_KUBE_API_H_

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/ports/kube_api.h"

namespace ferry::sim {

class CountingKubeApi : public ports::KubeApi {
 public:
  explicit CountingKubeApi(ports::KubeApi& api) : api_(api) {}

  absl::StatusOr<ports::ObjectPtr> Get(const ports::ObjectKey& key) override {
    ++calls_;
    return api_.Get(key);
  }
  absl::StatusOr<ports::ObjectList> List(absl::string_view kind, absl::string_view namespace_,
                                         const k8s::LabelSelector& selector) override {
    ++calls_;
    return api_.List(kind, namespace_, selector);
  }
  absl::StatusOr<ports::ObjectPtr> Create(const google::protobuf::Message& object) override {
    ++calls_;
    return api_.Create(object);
  }
  absl::StatusOr<ports::ObjectPtr> Update(const google::protobuf::Message& object) override {
    ++calls_;
    return api_.Update(object);
  }
  absl::StatusOr<ports::ObjectPtr> UpdateStatus(const google::protobuf::Message& object) override {
    ++calls_;
    return api_.UpdateStatus(object);
  }
  absl::Status Delete(const ports::ObjectKey& key, absl::string_view resource_version) override {
    ++calls_;
    return api_.Delete(key, resource_version);
  }
  // The port's watch is pull-based; a real one is one long request whose
  // events stream in. So a Watch that goes on from where a watch of the
  // kind left off (the last event's resourceVersion, or its start when it
  // had none) is the same request, not another one; any other Watch opens
  // a stream and counts.
  absl::StatusOr<std::vector<ports::WatchEvent>> Watch(
      absl::string_view kind, absl::string_view resource_version) override {
    const std::pair<std::string, std::string> at{std::string(kind), std::string(resource_version)};
    if (streams_.erase(at) == 0) ++calls_;
    absl::StatusOr<std::vector<ports::WatchEvent>> events = api_.Watch(kind, resource_version);
    if (events.ok()) {
      std::string next(resource_version);
      if (!events->empty() && events->back().object != nullptr) {
        next = ports::MetadataOf(*events->back().object).resource_version();
      }
      streams_.emplace(std::string(kind), std::move(next));
    }
    return events;
  }

  // Calls made through this API so far.
  int64_t calls() const { return calls_; }

 private:
  ports::KubeApi& api_;
  int64_t calls_ = 0;
  std::set<std::pair<std::string, std::string>> streams_;  // open watches: (kind, where they are)
};

}  // namespace ferry::sim

#endif  // FERRY_SIM_COUNTING_KUBE_API_H_
