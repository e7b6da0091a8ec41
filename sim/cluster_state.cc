#include "sim/cluster_state.h"

#include <utility>

#include "api/names.h"

namespace ferry::sim::internal {
namespace {

absl::string_view Ns(absl::string_view ns) { return api::NamespaceOrDefault(ns); }

template <typename T>
std::shared_ptr<const T> Typed(const ports::ObjectPtr& object) {
  return std::dynamic_pointer_cast<const T>(object);
}

template <typename T>
const T* Find(const ByKey<T>& objects, const Key& key) {
  auto it = objects.find(key);
  return it == objects.end() ? nullptr : it->second.get();
}

// Sets or erases `key` in `objects`; returns the object replaced (null when none).
template <typename T>
std::shared_ptr<const T> Put(ByKey<T>& objects, const Key& key, std::shared_ptr<const T> object) {
  auto it = objects.find(key);
  std::shared_ptr<const T> old = it == objects.end() ? nullptr : it->second;
  if (object == nullptr) {
    if (it != objects.end()) objects.erase(it);
  } else if (it != objects.end()) {
    it->second = std::move(object);
  } else {
    objects.emplace(key, std::move(object));
  }
  return old;
}

void Mark(std::set<Key>& set, const Key& key, bool in) {
  if (in) {
    set.insert(key);
  } else {
    set.erase(key);
  }
}

void Unindex(std::map<Key, std::set<Key>>& index, const Key& at, const Key& key) {
  auto it = index.find(at);
  if (it == index.end()) return;
  it->second.erase(key);
  if (it->second.empty()) index.erase(it);
}

// The claims a pod names, as (its namespace, claim name).
std::set<Key> ClaimsOf(const k8s::Pod& pod) {
  std::set<Key> claims;
  const std::string ns(Ns(pod.metadata().namespace_()));
  for (const auto& v : pod.spec().volumes()) {
    if (v.has_persistent_volume_claim()) claims.emplace(ns, v.persistent_volume_claim().claim_name());
  }
  return claims;
}

const std::string* LauncherOf(const k8s::Pod& pod) {
  auto it = pod.metadata().labels().find(kLauncherOf);
  return it == pod.metadata().labels().end() ? nullptr : &it->second;
}

}  // namespace

bool WantsToRun(const kubevirt::VirtualMachine& vm) {
  return vm.metadata().deletion_timestamp().empty() &&
         ((vm.spec().has_running() && vm.spec().running()) ||
          (vm.spec().has_run_strategy() && vm.spec().run_strategy() == "Always"));
}

bool Terminal(const k8s::Pod& pod) {
  return pod.status().phase() == "Succeeded" || pod.status().phase() == "Failed";
}

const std::set<std::string>& ClusterState::Kinds() {
  static const auto* kinds = new std::set<std::string>{
      "StorageClass", "PersistentVolume",       "PersistentVolumeClaim", "Pod",
      "Node",         "DataVolume",             "VirtualMachine",        "VirtualMachineInstance"};
  return *kinds;
}

void ClusterState::ForEachObject(
    const std::string& kind,
    const std::function<void(const Key&, const ports::ObjectPtr&)>& fn) const {
  auto each = [&](const auto& objects) {
    for (const auto& [key, object] : objects) fn(key, object);
  };
  if (kind == "StorageClass") each(classes_);
  if (kind == "PersistentVolume") each(pvs_);
  if (kind == "PersistentVolumeClaim") each(pvcs_);
  if (kind == "Pod") each(pods_);
  if (kind == "Node") each(nodes_);
  if (kind == "DataVolume") each(data_volumes_);
  if (kind == "VirtualMachine") each(vms_);
  if (kind == "VirtualMachineInstance") each(vmis_);
}

void ClusterState::Sync(const fakes::FakeKubeApi& api) {
  const int64_t now = api.resource_version();
  if (now == synced_rv_) return;
  const bool caught_up = api.ForEachChangeSince(
      synced_rv_, [this](const ports::ObjectKey& key, const ports::ObjectPtr& object) {
        Set(key.kind, Key{key.namespace_, key.name}, object);
      });
  if (!caught_up) {
    // The history was compacted past the last Sync: read everything, and
    // drop what is gone.
    for (const std::string& kind : Kinds()) {
      std::set<Key> seen;
      api.ForEachObject(kind, [&](const ports::ObjectPtr& object) {
        const k8s::ObjectMeta& meta = ports::MetadataOf(*object);
        seen.emplace(meta.namespace_(), meta.name());
        Set(kind, Key{meta.namespace_(), meta.name()}, object);
      });
      std::set<Key> gone;
      ForEachObject(kind, [&](const Key& key, const ports::ObjectPtr&) {
        if (!seen.contains(key)) gone.insert(key);
      });
      for (const Key& key : gone) Set(kind, key, nullptr);
    }
  }
  synced_rv_ = now;
}

void ClusterState::Set(const std::string& kind, const Key& key, const ports::ObjectPtr& object) {
  if (kind == "Pod") {
    SetPod(key, Typed<k8s::Pod>(object));
  } else if (kind == "PersistentVolumeClaim") {
    SetPvc(key, Typed<k8s::PersistentVolumeClaim>(object));
  } else if (kind == "PersistentVolume") {
    SetPv(key, Typed<k8s::PersistentVolume>(object));
  } else if (kind == "DataVolume") {
    auto dv = Typed<cdi::DataVolume>(object);
    Mark(unsettled_dvs_, key, dv != nullptr && dv->status().phase() != "Succeeded");
    Put(data_volumes_, key, std::move(dv));
  } else if (kind == "StorageClass") {
    Put(classes_, key, Typed<k8s::StorageClass>(object));
    // Which class a claim has, and whether it waits, may have changed.
    for (const auto& [pvc, object] : pvcs_) JudgeBind(pvc);
    for (const auto& [pod, object] : pods_) JudgeAnnotate(pod);
  } else if (kind == "Node") {
    Put(nodes_, key, Typed<k8s::Node>(object));
    JudgeNode(key.second);
  } else if (kind == "VirtualMachine") {
    Put(vms_, key, Typed<kubevirt::VirtualMachine>(object));
    SetVmKey(key);
  } else if (kind == "VirtualMachineInstance") {
    Put(vmis_, key, Typed<kubevirt::VirtualMachineInstance>(object));
    SetVmKey(key);
  }
}

void ClusterState::SetPod(const Key& key, std::shared_ptr<const k8s::Pod> pod) {
  pods_changed_.insert(key);
  const std::shared_ptr<const k8s::Pod> old = Put(pods_, key, pod);
  if (old != nullptr) {
    for (const Key& claim : ClaimsOf(*old)) Unindex(pods_by_claim_, claim, key);
    if (const std::string* vm = LauncherOf(*old)) {
      Unindex(launchers_, Key{std::string(Ns(old->metadata().namespace_())), *vm}, key);
    }
    if (auto it = pods_by_node_.find(old->spec().node_name()); it != pods_by_node_.end()) {
      it->second.erase(key);
      if (it->second.empty()) {
        pods_by_node_.erase(it);
        unready_nodes_.erase(old->spec().node_name());
      }
    }
  }
  unscheduled_pods_.erase(key);
  pods_not_running_.erase(key);
  JudgeAnnotate(key);
  if (pod == nullptr) return;
  for (const Key& claim : ClaimsOf(*pod)) pods_by_claim_[claim].insert(key);
  if (const std::string* vm = LauncherOf(*pod)) {
    launchers_[Key{std::string(Ns(pod->metadata().namespace_())), *vm}].insert(key);
  }
  if (pod->spec().node_name().empty()) {
    unscheduled_pods_.insert(key);
  } else if (!Terminal(*pod)) {
    pods_by_node_[pod->spec().node_name()].insert(key);
    JudgeNode(pod->spec().node_name());
    if (pod->status().phase() != "Running") pods_not_running_.insert(key);
  }
}

void ClusterState::SetPvc(const Key& key, std::shared_ptr<const k8s::PersistentVolumeClaim> pvc) {
  Put(pvcs_, key, std::move(pvc));
  JudgeBind(key);
  // The pods naming the claim: whether they must select a node for it.
  if (auto it = pods_by_claim_.find(Key{std::string(Ns(key.first)), key.second});
      it != pods_by_claim_.end()) {
    for (const Key& pod : it->second) JudgeAnnotate(pod);
  }
  // The PVs naming the claim: released when it is gone, or another.
  if (auto it = pvs_by_claim_.find(Key{std::string(Ns(key.first)), key.second});
      it != pvs_by_claim_.end()) {
    for (const Key& pv : it->second) JudgeRelease(pv);
  }
}

void ClusterState::SetPv(const Key& key, std::shared_ptr<const k8s::PersistentVolume> pv) {
  const std::shared_ptr<const k8s::PersistentVolume> old = Put(pvs_, key, pv);
  if (old != nullptr) {
    const auto& ref = old->spec().claim_ref();
    Unindex(pvs_by_claim_, Key{std::string(Ns(ref.namespace_())), ref.name()}, key);
  }
  if (pv != nullptr) {
    const auto& ref = pv->spec().claim_ref();
    pvs_by_claim_[Key{std::string(Ns(ref.namespace_())), ref.name()}].insert(key);
  }
  Mark(available_pvs_, key,
       pv != nullptr && pv->status().phase() != "Bound" && pv->status().phase() != "Released");
  JudgeRelease(key);
}

const k8s::StorageClass* ClusterState::ClassOf(const k8s::PersistentVolumeClaim& pvc) const {
  if (pvc.spec().has_storage_class_name()) {
    for (const auto& [key, c] : classes_) {
      if (c->metadata().name() == pvc.spec().storage_class_name()) return c.get();
    }
    return nullptr;
  }
  for (const auto& [key, c] : classes_) {
    auto it = c->metadata().annotations().find(kDefaultClass);
    if (it != c->metadata().annotations().end() && it->second == "true") return c.get();
  }
  return nullptr;
}

bool ClusterState::AwaitsNode(const k8s::PersistentVolumeClaim& pvc) const {
  return pvc.status().phase() != "Bound" && Wffc(ClassOf(pvc)) &&
         !pvc.metadata().annotations().contains(kSelectedNode);
}

void ClusterState::JudgeBind(const Key& key) {
  const k8s::PersistentVolumeClaim* pvc = Find(pvcs_, key);
  Mark(pvcs_to_bind_, key, pvc != nullptr && pvc->status().phase() != "Bound" && !AwaitsNode(*pvc));
}

void ClusterState::JudgeAnnotate(const Key& key) {
  const k8s::Pod* pod = Find(pods_, key);
  bool annotate = false;
  if (pod != nullptr && !pod->spec().node_name().empty()) {
    for (const Key& claim : ClaimsOf(*pod)) {
      const k8s::PersistentVolumeClaim* pvc = Pvc(claim.first, claim.second);
      if (pvc != nullptr && AwaitsNode(*pvc)) annotate = true;
    }
  }
  Mark(pods_to_annotate_, key, annotate);
}

void ClusterState::JudgeNode(const std::string& name) {
  const bool unready = pods_by_node_.contains(name) && !NodeReady(name);
  if (unready) {
    unready_nodes_.insert(name);
  } else {
    unready_nodes_.erase(name);
  }
}

void ClusterState::JudgeRelease(const Key& key) {
  const k8s::PersistentVolume* pv = Find(pvs_, key);
  bool released = false;
  if (pv != nullptr && !pv->spec().claim_ref().name().empty() &&
      pv->status().phase() == "Bound") {
    const auto& ref = pv->spec().claim_ref();
    const k8s::PersistentVolumeClaim* pvc = Pvc(ref.namespace_(), ref.name());
    released = pvc == nullptr || pvc->metadata().uid() != ref.uid();
  }
  Mark(released_pvs_, key, released);
}

void ClusterState::SetVmKey(const Key& key) {
  const kubevirt::VirtualMachine* vm = Find(vms_, key);
  const kubevirt::VirtualMachineInstance* vmi = Find(vmis_, key);
  const bool runs = vm != nullptr && WantsToRun(*vm);
  bool owned = false;
  if (vmi != nullptr) {
    for (const auto& ref : vmi->metadata().owner_references()) owned |= ref.kind() == "VirtualMachine";
  }
  Mark(orphaned_vmis_, key, vmi != nullptr && owned && !runs);
  Mark(vms_to_start_, key, runs && (vmi == nullptr || vmi->status().phase() != "Running"));
}

const k8s::PersistentVolumeClaim* ClusterState::Pvc(absl::string_view ns,
                                                    absl::string_view name) const {
  return Find(pvcs_, Key{std::string(Ns(ns)), std::string(name)});
}

const k8s::PersistentVolume* ClusterState::Pv(absl::string_view name) const {
  return Find(pvs_, Key{"", std::string(name)});
}

bool ClusterState::NodeReady(absl::string_view name) const {
  const k8s::Node* node = Find(nodes_, Key{"", std::string(name)});
  if (node == nullptr) return false;
  for (const auto& c : node->status().conditions()) {
    if (c.type() == "Ready") return c.status() == "True";
  }
  return false;
}

const std::set<Key>* ClusterState::PodsOnClaim(absl::string_view ns,
                                               absl::string_view claim) const {
  auto it = pods_by_claim_.find(Key{std::string(Ns(ns)), std::string(claim)});
  return it == pods_by_claim_.end() ? nullptr : &it->second;
}

const std::set<Key>* ClusterState::LaunchersOf(absl::string_view ns, absl::string_view name) const {
  auto it = launchers_.find(Key{std::string(Ns(ns)), std::string(name)});
  return it == launchers_.end() ? nullptr : &it->second;
}

std::set<Key> ClusterState::PodsToSchedule() const {
  std::set<Key> pods = unscheduled_pods_;
  pods.insert(pods_to_annotate_.begin(), pods_to_annotate_.end());
  return pods;
}

std::set<Key> ClusterState::PodsToRun() const {
  std::set<Key> pods = pods_not_running_;
  for (const std::string& node : unready_nodes_) {
    const std::set<Key>& on = pods_by_node_.at(node);
    pods.insert(on.begin(), on.end());
  }
  return pods;
}

}  // namespace ferry::sim::internal
