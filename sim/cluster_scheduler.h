// Scheduler: kube-scheduler, as the cluster model (sim/cluster.h) runs it.
//
// Schedule places each pod not yet on a node on the first node, in API
// order, that is ready, that the pod's node affinity (metadata.name fields)
// allows, and where every claim of the pod can be used: a Bound claim's PV
// allows the node; an unbound claim is on a WaitForFirstConsumer class that
// provisions or has a static PV that fits on that node
// (sim/cluster_volume_binding.h); a ReadWriteOnce claim is not used by an
// unfinished pod on another node. It then selects that node for the pod's
// WaitForFirstConsumer claims (kSelectedNode), as it does for a pod already
// on a node. A pod with no such node stays Pending, Unschedulable, with
// kube-scheduler's message for the last reason it found ("0/N nodes are
// available: ...").
//
//   internal::Scheduler scheduler(api, reader);
//   scheduler.Schedule(&did);
#ifndef FERRY_SIM_CLUSTER_SCHEDULER_H_
#define FERRY_SIM_CLUSTER_SCHEDULER_H_

#include <string>
#include <vector>

#include "fakes/kube/fake_kube_api.h"
#include "sim/cluster_reader.h"

namespace ferry::sim::internal {

class Scheduler {
 public:
  Scheduler(fakes::FakeKubeApi& api, ClusterReader& reader) : api_(api), reader_(reader) {}
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // One pass; a line per change made goes to `did`.
  void Schedule(std::vector<std::string>* did);

 private:
  fakes::FakeKubeApi& api_;
  ClusterReader& reader_;
};

}  // namespace ferry::sim::internal

#endif  // FERRY_SIM_CLUSTER_SCHEDULER_H_
