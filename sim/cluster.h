// Cluster: just enough Kubernetes behaviour around the fake API server for a
// storage migration to happen: the PV controller (static binding, a
// provisioner per storage class, WaitForFirstConsumer), the scheduler (node
// affinity, PV node affinity, single-node ReadWriteOnce attachment), the
// kubelet (pods start when their claims are bound and, for a DataVolume's
// claim, populated, and in LUN worlds their LUNs logged in; pods of a lost
// node fail), CDI's importer (a DataVolume's claim is created, bound and
// filled; on a WaitForFirstConsumer class the DataVolume reports
// WaitForFirstConsumer until a consumer pod is scheduled and its claim binds
// on that node, then Succeeded), and node readiness. Each Step() is one pass
// of all of them, in that order, over objects in API order: deterministic.
// Each pass visits only the objects that may need it (sim/cluster_state.h:
// a claim not Bound, a pod not Running...), so a settled object costs a
// step nothing and a step costs what is in flight, not the whole cluster.
//
// A PV's name is its volume's path in the FakeFabric (VolumeOf records it).
//
//   Cluster cluster(api, fabric, clock);
//   std::vector<std::string> did = cluster.Step();   // for the trace
#ifndef FERRY_SIM_CLUSTER_H_
#define FERRY_SIM_CLUSTER_H_

#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "api/core.pb.h"
#include "core/ports/clock.h"
#include "fakes/kube/fake_kube_api.h"
#include "fakes/libvirt/fake_fabric.h"
#include "fakes/san/fake_san.h"

namespace ferry::sim {

namespace internal {
class ClusterState;
}  // namespace internal

inline constexpr char kSelectedNode[] = "volume.kubernetes.io/selected-node";
inline constexpr char kDefaultClass[] = "storageclass.kubernetes.io/is-default-class";

class Cluster {
 public:
  Cluster(fakes::FakeKubeApi& api, fakes::FakeFabric& fabric, const ports::Clock& clock);
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  absl::Status AddNode(const std::string& name);
  // Node Ready condition; a node going down also fails its pods.
  absl::Status SetNodeReady(const std::string& name, bool ready);

  // KubeVirt's virt-controller for VMs created during the run (LUN worlds):
  // a VM that should run gets a VMI and a launcher pod mounting its claims;
  // the VMI is Running once the pod runs; a VM deleted or stopped loses both.
  void set_run_vms(bool on) { run_vms_ = on; }

  // The storage iSCSI and Fibre Channel PVs live on (LUN worlds). Before it
  // starts a pod, the kubelet logs the pod's node in to the LUN of each such
  // PV the pod mounts (FakeSan::Pod), resolving the PV's iscsi (portal, iqn,
  // lun; with chapAuthSession the Secret of secretRef, in the pod's
  // namespace when the ref names none, and its keys
  // node.session.auth.username and node.session.auth.password) or fc
  // (wwids) itself. A refusal (no such target or LUN, the Secret missing,
  // lacking a key or naming other credentials) leaves the pod Pending with
  // a FailedMount event, as kubelet's MountVolume.SetUp failing does. The
  // logins end when the pod stops (deleted, failed, or its node lost).
  void set_san(fakes::FakeSan* san) { san_ = san; }

  // The kubelet's own record of what each pod it started mounted, by
  // "namespace/name", for as long as the pod runs.
  struct Mounted {
    std::string uid;
    std::string node;
    std::set<std::string> claims;   // "namespace/name"
    std::set<std::string> volumes;  // PersistentVolume names
    std::set<std::string> luns;     // the SAN's LUN ids logged in
  };
  const std::map<std::string, Mounted>& mounted() const { return mounted_; }

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
    auto it = provisioning_failed_.find(absl::StrCat(ns, "/", claim));
    return it == provisioning_failed_.end() ? nullptr : &it->second;
  }

 private:
  // What a pass reads: the cluster state kept current (state_), or, when a
  // list the pass makes fails or lags, what its lists answered (`own`).
  struct Reading {
    const internal::ClusterState* state;
    std::unique_ptr<internal::ClusterState> own;
  };
  // Runs the hooks of the lists a pass makes, in its order, as List would.
  Reading Read(std::initializer_list<const char*> kinds);

  void Bind(std::vector<std::string>* did);
  void Schedule(std::vector<std::string>* did);
  void RunPods(std::vector<std::string>* did);
  void Import(std::vector<std::string>* did);
  void Release(std::vector<std::string>* did);
  void RunVms(std::vector<std::string>* did);
  // The kubelet's volume setup of a pod about to start: its claims, and a
  // login per LUN PV. On a refusal, logs out what it logged in and returns
  // kubelet's FailedMount message.
  absl::StatusOr<Mounted> Mount(const k8s::Pod& pod, absl::string_view ns,
                                const internal::ClusterState& state);
  absl::Status LogIn(const k8s::PersistentVolume& pv, absl::string_view ns,
                     const fakes::FakeSan::Opener& opener, Mounted* mounted);
  void ReportFailedMount(const k8s::Pod& pod, const std::string& message,
                         std::vector<std::string>* did);
  // The claim stays Pending with a ProvisioningFailed event (once per claim).
  void ReportProvisioningFailed(const k8s::PersistentVolumeClaim& pvc, const std::string& message,
                                std::vector<std::string>* did);
  // Logs out a pod the record holds and forgets it.
  void Unmount(const std::string& pod);

  fakes::FakeKubeApi& api_;
  fakes::FakeFabric& fabric_;
  const ports::Clock& clock_;
  bool run_vms_ = false;
  std::map<std::string, std::string, std::less<>> volumes_;  // PV name -> fabric volume
  uint64_t volume_records_ = 0;
  fakes::FakeSan* san_ = nullptr;
  std::map<std::string, Mounted> mounted_;
  std::map<std::string, std::string> failed_mount_;  // pod -> the last FailedMount reported
  std::map<std::string, std::string, std::less<>> provisioning_failed_;  // claim -> why
  std::unique_ptr<internal::ClusterState> state_;    // the API's objects, as of the last Read
};

}  // namespace ferry::sim

#endif  // FERRY_SIM_CLUSTER_H_
