#include "core/storage_migration/processes.h"

#include <algorithm>
#include <memory>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "core/storage_migration/agent.h"

namespace ferry::storage_migration {
namespace {

template <typename T>
absl::Status ListInto(ports::KubeApi& api, absl::string_view kind, std::vector<Ptr<T>>* out) {
  ASSIGN_OR_RETURN(*out, ports::ListAll<T>(api, kind));
  return absl::OkStatus();
}

PlannedStep Write(ports::KubeApi& api, const KubeAction& action,
                  std::shared_ptr<ResourceVersions> seen) {
  return PlannedStep{action.what, [&api, action, seen]() {
                       return ApplyKubeAction(api, action, *seen);
                     }};
}

}  // namespace

absl::StatusOr<ClusterView> ObserveCluster(ports::KubeApi& api) {
  ClusterView view;
  RETURN_IF_ERROR(ListInto(api, "VirtualMachineInstanceMigration", &view.migrations));
  RETURN_IF_ERROR(ObserveBesidesMigrations(api, view));
  return view;
}

absl::Status ObserveBesidesMigrations(ports::KubeApi& api, ClusterView& view) {
  RETURN_IF_ERROR(ListInto(api, "VirtualMachineInstance", &view.vmis));
  RETURN_IF_ERROR(ListInto(api, "VirtualMachine", &view.vms));
  RETURN_IF_ERROR(ListInto(api, "PersistentVolumeClaim", &view.pvcs));
  RETURN_IF_ERROR(ListInto(api, "PersistentVolume", &view.pvs));
  RETURN_IF_ERROR(ListInto(api, "DataVolume", &view.data_volumes));
  RETURN_IF_ERROR(ListInto(api, "Pod", &view.pods));
  RETURN_IF_ERROR(ListInto(api, "Node", &view.nodes));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<PlannedStep>> ControllerProcess::Pass() {
  ASSIGN_OR_RETURN(ClusterView view, ObserveCluster(api_));
  auto seen = std::make_shared<ResourceVersions>();
  std::vector<PlannedStep> steps;
  for (const auto& migration : view.migrations) {
    for (const KubeAction& action :
         ReconcileMigration(*migration, view, clock_.Now(), options_)) {
      steps.push_back(Write(api_, action, seen));
    }
  }
  return steps;
}

bool AgentProcess::Concerns(const kubevirt::VirtualMachineInstanceMigration& migration) const {
  if (RoleOf(migration, node_).empty()) return false;
  // A migration whose effects are complete is history: its domain name may
  // belong to a newer migration of the same VM.
  const auto& finalizers = migration.metadata().finalizers();
  return std::find(finalizers.begin(), finalizers.end(), kFinalizer) != finalizers.end();
}

absl::StatusOr<std::vector<PlannedStep>> AgentProcess::Pass() {
  ClusterView view;
  RETURN_IF_ERROR(ListInto(api_, "VirtualMachineInstanceMigration", &view.migrations));
  // An agent with no migration on its node reads nothing else: n agents
  // each listing the whole cluster every pass made the cluster's cost
  // quadratic in its nodes.
  std::vector<PlannedStep> steps;
  if (std::none_of(view.migrations.begin(), view.migrations.end(),
                   [this](const auto& m) { return Concerns(*m); })) {
    return steps;
  }
  RETURN_IF_ERROR(ObserveBesidesMigrations(api_, view));
  auto shared_view = std::make_shared<ClusterView>(std::move(view));
  auto seen = std::make_shared<ResourceVersions>();
  for (const auto& migration : shared_view->migrations) {
    if (!Concerns(*migration)) continue;
    AgentView v;
    v.node = node_;
    v.now = clock_.Now();
    v.migration = migration.get();
    v.cluster = shared_view.get();
    const std::string domain =
        DomainName(migration->metadata().namespace_(), migration->spec().vmi_name());
    absl::StatusOr<ports::DomainInfo> info = hypervisor_.LookupDomain(domain);
    if (info.ok()) {
      v.domain.present = true;
      v.domain.info = *info;
      ASSIGN_OR_RETURN(v.domain.job, hypervisor_.GetJobStats(domain));
    } else if (info.status().code() != absl::StatusCode::kNotFound) {
      return info.status();
    }
    for (AgentAction& action : PlanAgent(v)) {
      switch (action.kind) {
        case AgentAction::Kind::kWrite:
          steps.push_back(Write(api_, action.write, seen));
          break;
        case AgentAction::Kind::kStartMigration:
          steps.push_back({action.what, [this, request = action.request]() {
                             return hypervisor_.StartMigration(request);
                           }});
          break;
        case AgentAction::Kind::kAbortJob:
          steps.push_back({action.what, [this, d = action.domain]() {
                             return hypervisor_.AbortJob(d);
                           }});
          break;
        case AgentAction::Kind::kDestroy:
          steps.push_back({action.what, [this, d = action.domain]() {
                             return hypervisor_.Destroy(d);
                           }});
          break;
        case AgentAction::Kind::kResume:
          steps.push_back({action.what, [this, d = action.domain]() {
                             return hypervisor_.Resume(d);
                           }});
          break;
      }
    }
  }
  return steps;
}

}  // namespace ferry::storage_migration
