// Cluster: just enough Kubernetes behaviour around the fake API server for a
// storage migration to happen: the PV controller (static binding, a
// provisioner per storage class, WaitForFirstConsumer), the scheduler (node
// affinity, PV node affinity, single-node ReadWriteOnce attachment), the
// kubelet (pods start when their claims are bound and, for a DataVolume's
// claim, populated; pods of a lost node fail), CDI's importer (a
// DataVolume's claim is created, bound and filled; on a WaitForFirstConsumer
// class the DataVolume reports WaitForFirstConsumer until a consumer pod is
// scheduled and its claim binds on that node, then Succeeded), and node
// readiness. Each Step() is one pass of all of them, in
// that order, over objects in API order: deterministic.
//
// A PV's name is its volume's path in the FakeFabric.
//
//   Cluster cluster(api, fabric, clock);
//   std::vector<std::string> did = cluster.Step();   // for the trace
#ifndef FERRY_SIM_CLUSTER_H_
#define FERRY_SIM_CLUSTER_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/ports/clock.h"
#include "fakes/kube/fake_kube_api.h"
#include "fakes/libvirt/fake_fabric.h"

namespace ferry::sim {

inline constexpr char kSelectedNode[] = "volume.kubernetes.io/selected-node";
inline constexpr char kDefaultClass[] = "storageclass.kubernetes.io/is-default-class";

class Cluster {
 public:
  Cluster(fakes::FakeKubeApi& api, fakes::FakeFabric& fabric, const ports::Clock& clock)
      : api_(api), fabric_(fabric), clock_(clock) {}

  absl::Status AddNode(const std::string& name);
  // Node Ready condition; a node going down also fails its pods.
  absl::Status SetNodeReady(const std::string& name, bool ready);

  // KubeVirt's virt-controller for VMs created during the run (LUN worlds):
  // a VM that should run gets a VMI and a launcher pod mounting its claims;
  // the VMI is Running once the pod runs; a VM deleted or stopped loses both.
  void set_run_vms(bool on) { run_vms_ = on; }

  // One pass; returns one line per change made.
  std::vector<std::string> Step();

 private:
  void Bind(std::vector<std::string>* did);
  void Schedule(std::vector<std::string>* did);
  void RunPods(std::vector<std::string>* did);
  void Import(std::vector<std::string>* did);
  void Release(std::vector<std::string>* did);
  void RunVms(std::vector<std::string>* did);

  fakes::FakeKubeApi& api_;
  fakes::FakeFabric& fabric_;
  const ports::Clock& clock_;
  bool run_vms_ = false;
};

}  // namespace ferry::sim

#endif  // FERRY_SIM_CLUSTER_H_
