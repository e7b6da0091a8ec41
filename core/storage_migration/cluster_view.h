// ClusterView: the objects a storage-migration decision reads, as observed
// (a snapshot). The core decides from a view; it never fetches.
//
//   ClusterView view;
//   view.vmis.push_back(vmi);   // std::shared_ptr<const VirtualMachineInstance>
//   view.pvcs.push_back(pvc);
//   Admission a = Admit(migration, view);
#ifndef FERRY_CORE_STORAGE_MIGRATION_CLUSTER_VIEW_H_
#define FERRY_CORE_STORAGE_MIGRATION_CLUSTER_VIEW_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "api/cdi.pb.h"
#include "api/core.pb.h"
#include "api/kubevirt.pb.h"

namespace ferry::storage_migration {

// Held by every migration until its effects are complete (controller.h);
// admission waits for an earlier migration of the same VM to drop it.
inline constexpr char kFinalizer[] = "ferry.io/storage-migration";

template <typename T>
using Ptr = std::shared_ptr<const T>;

struct ClusterView {
  std::vector<Ptr<kubevirt::VirtualMachineInstance>> vmis;
  std::vector<Ptr<kubevirt::VirtualMachine>> vms;
  std::vector<Ptr<kubevirt::VirtualMachineInstanceMigration>> migrations;
  std::vector<Ptr<k8s::PersistentVolumeClaim>> pvcs;
  std::vector<Ptr<k8s::PersistentVolume>> pvs;
  std::vector<Ptr<cdi::DataVolume>> data_volumes;
  std::vector<Ptr<k8s::Pod>> pods;
  std::vector<Ptr<k8s::Node>> nodes;
  // Every list is ordered by (namespace, name) as stored, an informer's
  // order: the lookups below bisect instead of scanning.
  bool in_key_order = false;

  // nullptr when absent. Empty namespaces mean "default".
  const kubevirt::VirtualMachineInstance* FindVmi(absl::string_view ns,
                                                  absl::string_view name) const;
  const k8s::PersistentVolumeClaim* FindPvc(absl::string_view ns,
                                            absl::string_view name) const;
  const k8s::PersistentVolume* FindPv(absl::string_view name) const;
  const cdi::DataVolume* FindDataVolume(absl::string_view ns, absl::string_view name) const;
  const kubevirt::VirtualMachine* FindVm(absl::string_view ns, absl::string_view name) const;
  const k8s::Pod* FindPod(absl::string_view ns, absl::string_view name) const;
  const k8s::Node* FindNode(absl::string_view name) const;
};

}  // namespace ferry::storage_migration

#endif  // FERRY_CORE_STORAGE_MIGRATION_CLUSTER_VIEW_H_
