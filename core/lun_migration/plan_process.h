// LunPlanProcess: the LUN plan controller as a process. Each pass observes
// (Forklift Migrations and their Plans, the engine, the cluster), asks
// PlanLunVm for each VM of each running Migration what to do next, and
// returns those steps; the caller runs them one at a time (a crash can fall
// between any two). State lives in the Migration's status (one VMStatus per
// VM, the pipeline, the recorded attachments and power state) and is copied
// to the Plan's status when the run ends. Nothing is kept between passes.
//
//   LunPlanProcess process(api, engine, clock, {});
//   ASSIGN_OR_RETURN(std::vector<PlannedStep> steps, process.Pass());
#ifndef FERRY_CORE_LUN_MIGRATION_PLAN_PROCESS_H_
#define FERRY_CORE_LUN_MIGRATION_PLAN_PROCESS_H_

#include <vector>

#include "absl/status/statusor.h"
#include "core/lun_migration/locks.h"
#include "core/lun_migration/plan_step.h"
#include "core/ports/clock.h"
#include "core/ports/kube_api.h"
#include "core/ports/ovirt.h"
#include "core/runtime/planned_step.h"

namespace ferry::lun_migration {

// A Plan annotation naming the Secret (in the target namespace) with the
// iSCSI CHAP credentials.
inline constexpr char kChapSecretAnnotation[] = "ferry.io/chap-secret";


class LunPlanProcess {
 public:
  LunPlanProcess(ports::KubeApi& api, ports::Ovirt& engine, const ports::Clock& clock,
                 LunPlanOptions options)
      : api_(api), engine_(engine), clock_(clock), options_(options) {}

  absl::StatusOr<std::vector<runtime::PlannedStep>> Pass();

 private:
  ports::KubeApi& api_;
  ports::Ovirt& engine_;
  const ports::Clock& clock_;
  LunPlanOptions options_;
};

}  // namespace ferry::lun_migration

#endif  // FERRY_CORE_LUN_MIGRATION_PLAN_PROCESS_H_
