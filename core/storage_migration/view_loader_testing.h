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

#include <initializer_list>
#include <string>

#include "absl/strings/string_view.h"
#include "api/kubevirt.pb.h"
#include "absl/status/statusor.h"
#include "core/ports/kube_api.h"
#include "core/storage_migration/cluster_view.h"

namespace ferry::storage_migration {

struct LoadedView {
  ClusterView view;
  kubevirt::VirtualMachineInstanceMigration migration;
};

LoadedView LoadView(absl::string_view world, absl::string_view migration);
// The world alone (its migrations, if any, included), for decisions keyed
// by another object than a migration.
ClusterView LoadWorld(absl::string_view world);

// Every object of every kind a ClusterView holds, listed from `api`: the
// whole cluster as one read, to compare a reconciler's keyed lookups with.
absl::StatusOr<ClusterView> ListClusterView(ports::KubeApi& api);

// The documents joined into one YAML stream ("---" between them).
std::string Docs(std::initializer_list<absl::string_view> docs);
// `text` with every `from` replaced by `to`; a `from` not in `text` is a test
// failure (an edit that silently does nothing tests nothing).
std::string Edit(std::string text, absl::string_view from, absl::string_view to);

// Pieces the reconciler tests' worlds share.
// Two Ready nodes, node-a and node-b.
inline constexpr char kReadyNodes[] = R"(
apiVersion: v1
kind: Node
metadata: {name: node-a}
status: {conditions: [{type: Ready, status: "True"}]}
---
apiVersion: v1
kind: Node
metadata: {name: node-b}
status: {conditions: [{type: Ready, status: "True"}]}
)";
// The VMI ns/vm running on node-a: root on the DataVolume root-dv (vda),
// data on the claim data-pvc (vdb).
inline constexpr char kRunningVmi[] = R"(
apiVersion: kubevirt.io/v1
kind: VirtualMachineInstance
metadata: {name: vm, namespace: ns}
spec:
  domain:
    devices:
      disks:
      - {name: root, disk: {bus: virtio}}
      - {name: data, disk: {bus: virtio}}
  volumes:
  - {name: root, dataVolume: {name: root-dv}}
  - {name: data, persistentVolumeClaim: {claimName: data-pvc}}
status: {phase: Running, nodeName: node-a}
)";

}  // namespace ferry::storage_migration

#endif  // FERRY_CORE_STORAGE_MIGRATION_VIEW_LOADER_TESTING_H_
