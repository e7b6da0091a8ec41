// Cluster: just enough Kubernetes behaviour around the fake API server for a
// storage migration to happen, composed of one model per controller:
// CDI's importer (sim/cluster_cdi.h), KubeVirt's virt-controller
// (sim/cluster_virt_controller.h, LUN worlds), the scheduler
// (sim/cluster_scheduler.h), the PV controller with its provisioners
// (sim/cluster_binder.h) and the kubelet (sim/cluster_kubelet.h), plus node
// readiness here. Each Step() is one pass of each of them, in that order
// (the PV controller's release of PVs whose claims are gone last), over
// objects in API order: deterministic. Each pass reads what its lists
// answer (sim/cluster_reader.h) and visits only the objects that may need
// it (sim/cluster_state.h: a claim not Bound, a pod not Running...), so a
// settled object costs a step nothing and a step costs what is in flight,
// not the whole cluster.
//
// A PV's name is its volume's path in the FakeFabric (VolumeOf records it).
//
//   Cluster cluster(api, fabric, clock);
//   std::vector<std::string> did = cluster.Step();   // for the trace
#ifndef FERRY_SIM_CLUSTER_H_
#define FERRY_SIM_CLUSTER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "core/ports/clock.h"
#include "fakes/kube/fake_kube_api.h"
#include "fakes/libvirt/fake_fabric.h"
#include "fakes/san/fake_san.h"
#include "sim/cluster_binder.h"
#include "sim/cluster_cdi.h"
#include "sim/cluster_kubelet.h"
#include "sim/cluster_reader.h"
#include "sim/cluster_scheduler.h"
#include "sim/cluster_state.h"
#include "sim/cluster_virt_controller.h"

namespace ferry::sim {

class Cluster {
 public:
  Cluster(fakes::FakeKubeApi& api, fakes::FakeFabric& fabric, const ports::Clock& clock);
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  absl::Status AddNode(const std::string& name);
  // Node Ready condition; a node going down also fails its pods.
  absl::Status SetNodeReady(const std::string& name, bool ready);

  // KubeVirt's virt-controller for VMs created during the run (LUN worlds):
  // a VM that should run gets a VMI and a launcher pod mounting its claims;
  // the VMI is Running once the pod runs; a VM deleted or stopped loses both.
  void set_run_vms(bool on) { run_vms_ = on; }
  // VMs whose VMIs another model starts (the world's running VMs): the
  // virt-controller never starts them.
  void set_vms_started_elsewhere(
      std::function<bool(const std::string& ns, const std::string& name)> f) {
    virt_controller_.set_started_elsewhere(std::move(f));
  }

  // The storage iSCSI and Fibre Channel PVs live on (LUN worlds): the
  // kubelet logs a pod's node in to the LUN of each such PV the pod mounts
  // before it starts the pod, and out when the pod stops; a refusal leaves
  // the pod Pending with a FailedMount event (sim/cluster_kubelet.h).
  void set_san(fakes::FakeSan* san) { kubelet_.set_san(san); }

  // Each PV a pod mounts goes to `prepare` with the pod's node before the
  // kubelet starts the pod; a refusal is a FailedMount (sim/cluster_kubelet.h).
  void set_prepare_volume(internal::Kubelet::PrepareVolume prepare,
                          internal::Kubelet::ReleaseVolumes release = nullptr) {
    kubelet_.set_prepare_volume(std::move(prepare), std::move(release));
  }

  // The kubelet's own record of what each pod it started mounted, by
  // "namespace/name", for as long as the pod runs.
  using Mounted = internal::Kubelet::Mounted;
  const std::map<std::string, Mounted>& mounted() const { return kubelet_.mounted(); }

  // One pass; returns one line per change made.
  std::vector<std::string> Step();

  // The fabric volume backing each PersistentVolume, recorded by whoever
  // made the volume (the world for a PV of the manifests, the provisioner
  // here): the storage's own truth, which checkers read instead of deriving
  // a path from the API objects. nullptr when none was recorded.
  void RecordVolume(const std::string& pv, const std::string& path) {
    ++volume_records_;
    volumes_[pv] = path;
  }
  // Bumped by each RecordVolume: an unchanged count means unchanged records.
  uint64_t volume_records() const { return volume_records_; }
  const std::string* VolumeOf(absl::string_view pv) const {
    auto it = volumes_.find(pv);
    return it == volumes_.end() ? nullptr : &it->second;
  }

  // Why the provisioner could not make a volume for claim ns/name (a size
  // the storage refuses, such as 8Ei), as its ProvisioningFailed event
  // says; nullptr when it did not fail.
  const std::string* ProvisioningFailure(absl::string_view ns, absl::string_view claim) const {
    return binder_.ProvisioningFailure(ns, claim);
  }

 private:
  fakes::FakeKubeApi& api_;
  bool run_vms_ = false;
  std::map<std::string, std::string, std::less<>> volumes_;  // PV name -> fabric volume
  uint64_t volume_records_ = 0;
  internal::ClusterReader reader_;  // shared by the passes below
  internal::Cdi cdi_;
  internal::VirtController virt_controller_;
  internal::Scheduler scheduler_;
  internal::Binder binder_;
  internal::Kubelet kubelet_;
};

}  // namespace ferry::sim

#endif  // FERRY_SIM_CLUSTER_H_
