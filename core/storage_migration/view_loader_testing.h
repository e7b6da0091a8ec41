// Test-only: the observed cluster and the migration under test, written as
// YAML manifests (api/manifest/reader.h), so a test states what a reconciler
// sees the way an operator would write it.
//
//   const LoadedView w = LoadView(kWorldYaml, kMigrationYaml);
//   std::vector<KubeAction> actions = ReconcileMigration(w.migration, w.view, now, {});
//
// Every object of `world` goes into the ClusterView list of its kind
// (VirtualMachineInstance, VirtualMachine, VirtualMachineInstanceMigration,
// PersistentVolumeClaim, PersistentVolume, DataVolume, Pod, Node). `migration`
// holds exactly one VirtualMachineInstanceMigration: the one under test. It is
// in view.migrations too, as the processes observe it (admission skips the
// migration it admits).
//
// Text that is not YAML, any decoding finding, a kind the view does not hold
// and a migration document that is missing or repeated are test failures
// (ADD_FAILURE), never silently dropped.
#ifndef FERRY_CORE_STORAGE_MIGRATION_VIEW_LOADER_TESTING_H_
#define FERRY_CORE_STORAGE_MIGRATION_VIEW_LOADER_TESTING_H_

#include "absl/strings/string_view.h"
#include "api/kubevirt.pb.h"
#include "core/storage_migration/cluster_view.h"

namespace ferry::storage_migration {

struct LoadedView {
  ClusterView view;
  kubevirt::VirtualMachineInstanceMigration migration;
};

LoadedView LoadView(absl::string_view world, absl::string_view migration);

}  // namespace ferry::storage_migration

#endif  // FERRY_CORE_STORAGE_MIGRATION_VIEW_LOADER_TESTING_H_
