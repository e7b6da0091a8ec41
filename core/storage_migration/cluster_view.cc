#include "core/storage_migration/cluster_view.h"

#include <algorithm>
#include <utility>

#include "api/names.h"

namespace ferry::storage_migration {
namespace {

absl::string_view Ns(absl::string_view ns) { return api::NamespaceOrDefault(ns); }

// In a list ordered by (namespace, name), the item stored under exactly
// `ns`/`name`.
template <typename T>
const T* Bisect(const std::vector<Ptr<T>>& items, absl::string_view ns, absl::string_view name) {
  auto it = std::lower_bound(items.begin(), items.end(), std::make_pair(ns, name),
                             [](const Ptr<T>& item, const std::pair<absl::string_view, absl::string_view>& key) {
                               const absl::string_view item_ns = item->metadata().namespace_();
                               if (item_ns != key.first) return item_ns < key.first;
                               return absl::string_view(item->metadata().name()) < key.second;
                             });
  if (it == items.end() || (*it)->metadata().namespace_() != ns || (*it)->metadata().name() != name) {
    return nullptr;
  }
  return it->get();
}

template <typename T>
const T* Find(const std::vector<Ptr<T>>& items, bool in_key_order, absl::string_view ns,
              absl::string_view name) {
  if (in_key_order) {
    // "" and "default" name the same namespace: either may be stored.
    if (const T* found = Bisect(items, Ns(ns), name)) return found;
    return Bisect(items, "", name);
  }
  for (const Ptr<T>& item : items) {
    if (Ns(item->metadata().namespace_()) == Ns(ns) && item->metadata().name() == name) {
      return item.get();
    }
  }
  return nullptr;
}

// A cluster-scoped object by name.
template <typename T>
const T* FindByName(const std::vector<Ptr<T>>& items, bool in_key_order, absl::string_view name) {
  if (in_key_order) return Bisect(items, "", name);
  for (const Ptr<T>& item : items) {
    if (item->metadata().name() == name) return item.get();
  }
  return nullptr;
}

}  // namespace

const kubevirt::VirtualMachineInstance* ClusterView::FindVmi(absl::string_view ns,
                                                             absl::string_view name) const {
  return Find(vmis, in_key_order, ns, name);
}

const k8s::PersistentVolumeClaim* ClusterView::FindPvc(absl::string_view ns,
                                                       absl::string_view name) const {
  return Find(pvcs, in_key_order, ns, name);
}

const cdi::DataVolume* ClusterView::FindDataVolume(absl::string_view ns,
                                                   absl::string_view name) const {
  return Find(data_volumes, in_key_order, ns, name);
}

const k8s::PersistentVolume* ClusterView::FindPv(absl::string_view name) const {
  return FindByName(pvs, in_key_order, name);
}

const kubevirt::VirtualMachine* ClusterView::FindVm(absl::string_view ns,
                                                   absl::string_view name) const {
  return Find(vms, in_key_order, ns, name);
}

const k8s::Pod* ClusterView::FindPod(absl::string_view ns, absl::string_view name) const {
  return Find(pods, in_key_order, ns, name);
}

const k8s::Node* ClusterView::FindNode(absl::string_view name) const {
  return FindByName(nodes, in_key_order, name);
}

}  // namespace ferry::storage_migration
