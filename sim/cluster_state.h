// ClusterState: the API objects the cluster model (sim/cluster.h) reads,
// with the indexes and work lists that let each of its passes visit only
// the objects that may need it instead of every object of the cluster.
//
// Cluster keeps one, current with the fake API server: Sync applies what
// was written since the last Sync (FakeKubeApi::ForEachChangeSince: the
// history, no client call, no hook). A pass whose own reads fail or lag
// (an injected fault, a stale read) reads a ClusterState built from what
// those reads answered instead, as every pass did before it had one.
//
// Each work list holds every object its pass would do anything with, and
// maybe more: an object left out is one the pass skips at its first test
// (a claim Bound already, a pod Running on a ready node...). So a pass that
// walks its list, in API order, does what walking every object did, at the
// cost of the objects that are not settled, not of the whole cluster.
//
//   internal::ClusterState state;
//   state.Sync(api);                                  // at a pass's start
//   for (const internal::Key& key : state.unbound_pvcs()) ... state.pvcs().at(key) ...
#ifndef FERRY_SIM_CLUSTER_STATE_H_
#define FERRY_SIM_CLUSTER_STATE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "api/cdi.pb.h"
#include "api/core.pb.h"
#include "api/kubevirt.pb.h"
#include "core/ports/kube_api.h"
#include "fakes/kube/fake_kube_api.h"

namespace ferry::sim {

// Set by the scheduler on a WaitForFirstConsumer claim: the node it is to be
// bound or provisioned on.
inline constexpr char kSelectedNode[] = "volume.kubernetes.io/selected-node";
// Marks the StorageClass of the claims that name none.
inline constexpr char kDefaultClass[] = "storageclass.kubernetes.io/is-default-class";

namespace internal {

// An object's namespace ("" for cluster-scoped kinds) and name: in this
// order, the API's order within a kind.
using Key = std::pair<std::string, std::string>;
template <typename T>
using ByKey = std::map<Key, std::shared_ptr<const T>>;

// The launcher pods of a VM carry it in this label.
inline constexpr char kLauncherOf[] = "kubevirt.io/vm";

// True for a VM the virt-controller model keeps running.
bool WantsToRun(const kubevirt::VirtualMachine& vm);

// True for a pod that has finished: Succeeded or Failed.
bool Terminal(const k8s::Pod& pod);

class ClusterState {
 public:
  // The kinds a ClusterState holds, in the order Cluster reads them.
  static const std::set<std::string>& Kinds();

  // Catches up with the API (every object afresh when its history no
  // longer reaches back to the last Sync).
  void Sync(const fakes::FakeKubeApi& api);
  // `object` (null: gone) is now at `key`, of `kind`; other kinds are ignored.
  void Set(const std::string& kind, const Key& key, const ports::ObjectPtr& object);
  // Calls `fn(key, object)` for each object of `kind`, in API order.
  void ForEachObject(const std::string& kind,
                     const std::function<void(const Key&, const ports::ObjectPtr&)>& fn) const;

  const ByKey<k8s::StorageClass>& classes() const { return classes_; }
  const ByKey<k8s::PersistentVolume>& pvs() const { return pvs_; }
  const ByKey<k8s::PersistentVolumeClaim>& pvcs() const { return pvcs_; }
  const ByKey<k8s::Pod>& pods() const { return pods_; }
  const ByKey<k8s::Node>& nodes() const { return nodes_; }
  const ByKey<cdi::DataVolume>& data_volumes() const { return data_volumes_; }
  const ByKey<kubevirt::VirtualMachine>& vms() const { return vms_; }
  const ByKey<kubevirt::VirtualMachineInstance>& vmis() const { return vmis_; }

  // The claim's storage class: the one it names, else the default one.
  const k8s::StorageClass* ClassOf(const k8s::PersistentVolumeClaim& pvc) const;
  static bool Wffc(const k8s::StorageClass* c) {
    return c != nullptr && c->volume_binding_mode() == "WaitForFirstConsumer";
  }

  // Lookups; an empty namespace means "default". Null when absent.
  const k8s::PersistentVolumeClaim* Pvc(absl::string_view ns, absl::string_view name) const;
  const k8s::PersistentVolume* Pv(absl::string_view name) const;
  // A node that exists and whose Ready condition is True.
  bool NodeReady(absl::string_view name) const;
  // The pods of namespace `ns` with a volume on claim `claim`, in API order.
  const std::set<Key>* PodsOnClaim(absl::string_view ns, absl::string_view claim) const;
  // The launcher pods of VM ns/name (label kubevirt.io/vm), in API order.
  const std::set<Key>* LaunchersOf(absl::string_view ns, absl::string_view name) const;

  // Work lists, in API order.
  // DataVolumes not Succeeded (CDI imports them; their claims are not yet
  // usable by a pod).
  const std::set<Key>& unsettled_data_volumes() const { return unsettled_dvs_; }
  // Claims not Bound and not waiting for a consumer (WaitForFirstConsumer
  // and no node selected yet): the PV controller binds them.
  const std::set<Key>& pvcs_to_bind() const { return pvcs_to_bind_; }
  // PVs neither Bound nor Released (a claim may bind to them).
  const std::set<Key>& available_pvs() const { return available_pvs_; }
  // Bound PVs whose claimRef names a claim that is gone or another one.
  const std::set<Key>& released_pvs() const { return released_pvs_; }
  // Pods for the scheduler: not on a node yet, or on one with a claim it
  // must select that node for (not Bound, WaitForFirstConsumer, no node).
  std::set<Key> PodsToSchedule() const;
  // Pods for the kubelet: on a node and not Running, or on a node that is
  // not ready (or not there).
  std::set<Key> PodsToRun() const;
  // VMIs owned by a VM that is gone or should not run.
  const std::set<Key>& orphaned_vmis() const { return orphaned_vmis_; }
  // VMs that should run and have no Running VMI.
  const std::set<Key>& vms_to_start() const { return vms_to_start_; }

  // Pods added, changed or deleted since the last TakePodsChanged (all of
  // them at first).
  std::set<Key> TakePodsChanged() { return std::exchange(pods_changed_, {}); }

 private:
  void SetPod(const Key& key, std::shared_ptr<const k8s::Pod> pod);
  void SetPvc(const Key& key, std::shared_ptr<const k8s::PersistentVolumeClaim> pvc);
  void SetPv(const Key& key, std::shared_ptr<const k8s::PersistentVolume> pv);
  void SetVmKey(const Key& key);  // a VM or VMI at `key` changed
  void JudgeRelease(const Key& pv);
  void JudgeBind(const Key& pvc);
  void JudgeAnnotate(const Key& pod);
  void JudgeNode(const std::string& name);
  // A claim that waits for its pod's node: not Bound, WaitForFirstConsumer, none selected.
  bool AwaitsNode(const k8s::PersistentVolumeClaim& pvc) const;

  ByKey<k8s::StorageClass> classes_;
  ByKey<k8s::PersistentVolume> pvs_;
  ByKey<k8s::PersistentVolumeClaim> pvcs_;
  ByKey<k8s::Pod> pods_;
  ByKey<k8s::Node> nodes_;
  ByKey<cdi::DataVolume> data_volumes_;
  ByKey<kubevirt::VirtualMachine> vms_;
  ByKey<kubevirt::VirtualMachineInstance> vmis_;

  std::map<Key, std::set<Key>> pods_by_claim_;     // (ns, claim) -> pods naming it
  std::map<std::string, std::set<Key>> pods_by_node_;  // spec.nodeName -> pods, not terminal
  std::map<Key, std::set<Key>> launchers_;         // (ns, VM) -> its launcher pods
  std::map<Key, std::set<Key>> pvs_by_claim_;      // claimRef (ns, name) -> PVs
  std::set<Key> unscheduled_pods_;                 // no spec.nodeName
  std::set<Key> pods_not_running_;                 // on a node, not terminal, not Running
  std::set<Key> unsettled_dvs_;
  std::set<Key> pvcs_to_bind_;
  std::set<Key> pods_to_annotate_;                 // on a node, naming a claim AwaitsNode
  std::set<std::string> unready_nodes_;            // in pods_by_node_, not ready or not there
  std::set<Key> available_pvs_;
  std::set<Key> released_pvs_;
  std::set<Key> orphaned_vmis_;
  std::set<Key> vms_to_start_;
  std::set<Key> pods_changed_;
  int64_t synced_rv_ = 0;
};

}  // namespace internal
}  // namespace ferry::sim

#endif  // FERRY_SIM_CLUSTER_STATE_H_
