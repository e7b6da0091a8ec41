// Cluster: just enough Kubernetes behaviour around the fake API server for a
// storage migration to happen: the PV controller (static binding, a
// provisioner per storage class, WaitForFirstConsumer), the scheduler (node
// affinity, PV node affinity, single-node ReadWriteOnce attachment), the
// kubelet (pods start when their claims are bound; pods of a lost node
// fail), CDI's importer (a DataVolume's claim is created, bound and
// filled), and node readiness. Each Step() is one pass of all of them, in
// that order, over objects in API order: deterministic.
//
// A PV's name is its volume's path in the FakeFabric (VolumeOf records it).
//
//   Cluster cluster(api, fabric, clock);
//   std::vector<std::string> did = cluster.Step();   // for the trace
#ifndef FERRY_SIM_CLUSTER_H_
#define FERRY_SIM_CLUSTER_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
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

  // The fabric volume backing each PersistentVolume, recorded by whoever
  // made the volume (the world for a PV of the manifests, the provisioner
  // here): the storage's own truth, which checkers read instead of deriving
  // a path from the API objects. nullptr when none was recorded.
  void RecordVolume(const std::string& pv, const std::string& path) { volumes_[pv] = path; }
  const std::string* VolumeOf(absl::string_view pv) const {
    auto it = volumes_.find(pv);
    return it == volumes_.end() ? nullptr : &it->second;
  }

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
  std::map<std::string, std::string, std::less<>> volumes_;  // PV name -> fabric volume
};

}  // namespace ferry::sim

#endif  // FERRY_SIM_CLUSTER_H_
