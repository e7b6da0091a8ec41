// The controller and the node agent as processes: each pass observes through
// the ports, asks the pure reconciler what to do, and returns the steps to
// carry out, in order. The caller runs the steps one at a time (the
// simulator schedules each as its own event, so a crash can fall between any
// two) and stops a pass at the first step that fails; the next pass observes
// again. Processes keep nothing between passes.
//
//   ControllerProcess controller(api, clock, ControllerOptions{});
//   ASSIGN_OR_RETURN(std::vector<PlannedStep> steps, controller.Pass());
//   for (PlannedStep& step : steps) RETURN_IF_ERROR(step.run());
#ifndef FERRY_CORE_STORAGE_MIGRATION_PROCESSES_H_
#define FERRY_CORE_STORAGE_MIGRATION_PROCESSES_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/ports/clock.h"
#include "core/ports/hypervisor.h"
#include "core/ports/kube_api.h"
#include "core/runtime/planned_step.h"
#include "core/storage_migration/cluster_view.h"
#include "core/storage_migration/controller.h"

namespace ferry::storage_migration {

using runtime::PlannedStep;

// Lists every kind a storage-migration decision reads, migrations first.
absl::StatusOr<ClusterView> ObserveCluster(ports::KubeApi& api);
// The same lists after the migrations, into `view`.
absl::Status ObserveBesidesMigrations(ports::KubeApi& api, ClusterView& view);

class ControllerProcess {
 public:
  ControllerProcess(ports::KubeApi& api, const ports::Clock& clock, ControllerOptions options)
      : api_(api), clock_(clock), options_(options) {}
  absl::StatusOr<std::vector<PlannedStep>> Pass();

 private:
  ports::KubeApi& api_;
  const ports::Clock& clock_;
  ControllerOptions options_;
};

class AgentProcess {
 public:
  AgentProcess(std::string node, ports::KubeApi& api, ports::Hypervisor& hypervisor,
               const ports::Clock& clock)
      : node_(std::move(node)), api_(api), hypervisor_(hypervisor), clock_(clock) {}
  // Lists the migrations, and the rest of what a decision reads only when
  // one concerns this node (it is the source or target of a migration whose
  // effects are not complete).
  absl::StatusOr<std::vector<PlannedStep>> Pass();

 private:
  bool Concerns(const kubevirt::VirtualMachineInstanceMigration& migration) const;

  std::string node_;
  ports::KubeApi& api_;
  ports::Hypervisor& hypervisor_;
  const ports::Clock& clock_;
};

}  // namespace ferry::storage_migration

#endif  // FERRY_CORE_STORAGE_MIGRATION_PROCESSES_H_
