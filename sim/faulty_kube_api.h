// FaultyKubeApi: the KubeApi port with injected faults. Before each call a
// policy says how long it takes and whether it fails; a failed call never
// reaches the port it wraps, so it changes nothing. It wraps any KubeApi:
// the simulator's fake for one of Ferry's processes, or (issue 18) a real
// adapter, so a scenario's faults mean the same against a real cluster.
//
//   FaultyKubeApi::Faults faults{.fail = [](const KubeCall& c) {
//     return c.verb == "update" ? absl::UnavailableError("etcd leader lost")
//                               : absl::OkStatus();
//   }};
//   FaultyKubeApi api(fake, &faults);
//   ... api.TakeLatency() ...  // the delays owed by the caller
//
// Calls are named as the API server's verbs: get, list, create, update,
// update_status, delete, watch; a list or watch names its kind (and the
// list its namespace) only.
#ifndef FERRY_SIM_FAULTY_KUBE_API_H_
#define FERRY_SIM_FAULTY_KUBE_API_H_

#include <functional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "core/ports/kube_api.h"

namespace ferry::sim {

struct KubeCall {
  absl::string_view verb;
  ports::ObjectKey key;
};

class FaultyKubeApi : public ports::KubeApi {
 public:
  struct Faults {
    // How long the call takes (zero when unset): owed by the caller.
    std::function<absl::Duration(const KubeCall&)> delay;
    // A non-OK status fails the call, which then never reaches the port.
    std::function<absl::Status(const KubeCall&)> fail;
  };

  // `faults` (not owned; may be changed at any time) applies to every call.
  FaultyKubeApi(ports::KubeApi& api, const Faults* faults) : api_(api), faults_(faults) {}

  absl::StatusOr<ports::ObjectPtr> Get(const ports::ObjectKey& key) override;
  absl::StatusOr<ports::ObjectList> List(absl::string_view kind, absl::string_view namespace_,
                                         const ports::Selector& selector) override;
  absl::StatusOr<ports::ObjectPtr> Create(const google::protobuf::Message& object) override;
  absl::StatusOr<ports::ObjectPtr> Update(const google::protobuf::Message& object) override;
  absl::StatusOr<ports::ObjectPtr> UpdateStatus(const google::protobuf::Message& object) override;
  absl::Status Delete(const ports::ObjectKey& key, absl::string_view resource_version) override;
  using ports::KubeApi::Watch;
  absl::StatusOr<std::vector<ports::WatchEvent>> Watch(absl::string_view kind,
                                                        absl::string_view resource_version,
                                                        const ports::Selector& selector,
                                                        bool bookmarks) override;

  // The delays of the calls since the last TakeLatency, and resets them.
  absl::Duration TakeLatency() { return std::exchange(latency_, absl::ZeroDuration()); }

 private:
  // The delay, then the fault, of one call.
  absl::Status Before(absl::string_view verb, ports::ObjectKey key);
  // The same for a write of `object` (a call naming no valid object is
  // left for the port to refuse).
  absl::Status BeforeWrite(absl::string_view verb, const google::protobuf::Message& object);

  ports::KubeApi& api_;
  const Faults* faults_;
  absl::Duration latency_;
};

}  // namespace ferry::sim

#endif  // FERRY_SIM_FAULTY_KUBE_API_H_
