#include "core/storage_migration/cluster_view.h"

#include "api/names.h"

namespace ferry::storage_migration {
namespace {

absl::string_view Ns(absl::string_view ns) { return api::NamespaceOrDefault(ns); }

template <typename T>
const T* Find(const std::vector<Ptr<T>>& items, absl::string_view ns,
              absl::string_view name) {
  for (const Ptr<T>& item : items) {
    if (Ns(item->metadata().namespace_()) == Ns(ns) && item->metadata().name() == name) {
      return item.get();
    }
  }
  return nullptr;
}

}  // namespace

const kubevirt::VirtualMachineInstance* ClusterView::FindVmi(absl::string_view ns,
                                                             absl::string_view name) const {
  return Find(vmis, ns, name);
}

const k8s::PersistentVolumeClaim* ClusterView::FindPvc(absl::string_view ns,
                                                       absl::string_view name) const {
  return Find(pvcs, ns, name);
}

const cdi::DataVolume* ClusterView::FindDataVolume(absl::string_view ns,
                                                   absl::string_view name) const {
  return Find(data_volumes, ns, name);
}

const k8s::PersistentVolume* ClusterView::FindPv(absl::string_view name) const {
  for (const Ptr<k8s::PersistentVolume>& pv : pvs) {
    if (pv->metadata().name() == name) return pv.get();
  }
  return nullptr;
}

const kubevirt::VirtualMachine* ClusterView::FindVm(absl::string_view ns,
                                                   absl::string_view name) const {
  return Find(vms, ns, name);
}

const k8s::Pod* ClusterView::FindPod(absl::string_view ns, absl::string_view name) const {
  return Find(pods, ns, name);
}

const k8s::Node* ClusterView::FindNode(absl::string_view name) const {
  for (const Ptr<k8s::Node>& node : nodes) {
    if (node->metadata().name() == name) return node.get();
  }
  return nullptr;
}

}  // namespace ferry::storage_migration
