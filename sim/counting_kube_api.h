// CountingKubeApi: a KubeApi that forwards every call to another one and
// counts the calls, so the simulator can report the Kubernetes API calls
// Ferry's own processes make (the cluster model and the checkers read the
// fake directly and are not counted).
//
//   CountingKubeApi ferry_api(fake);
//   ControllerProcess controller(ferry_api, ...);
//   ... ferry_api.calls() ...
#ifndef FERRY_SIM_COUNTING_KUBE_API_H_
#define FERRY_SIM_COUNTING_KUBE_API_H_

#include <cstdint>
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
  absl::StatusOr<std::vector<ports::WatchEvent>> Watch(
      absl::string_view kind, absl::string_view resource_version) override {
    ++calls_;
    return api_.Watch(kind, resource_version);
  }

  // Calls made through this API so far.
  int64_t calls() const { return calls_; }

 private:
  ports::KubeApi& api_;
  int64_t calls_ = 0;
};

}  // namespace ferry::sim

#endif  // FERRY_SIM_COUNTING_KUBE_API_H_
