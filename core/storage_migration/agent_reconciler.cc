#include "core/storage_migration/agent_reconciler.h"

#include <algorithm>

#include "core/storage_migration/controller.h"
#include "core/storage_migration/controller_reconciler.h"

namespace ferry::storage_migration {
namespace {

using VMIM = kubevirt::VirtualMachineInstanceMigration;
constexpr char kMigration[] = "VirtualMachineInstanceMigration";

}  // namespace

std::vector<std::string> AgentReconciler::Kinds() const {
  return {kMigration, "VirtualMachineInstance", "PersistentVolumeClaim", "Pod", "Node"};
}

bool AgentReconciler::Concerns(const VMIM& migration) const {
  if (RoleOf(migration, node_).empty()) return false;
  const auto& finalizers = migration.metadata().finalizers();
  return std::find(finalizers.begin(), finalizers.end(), kFinalizer) != finalizers.end();
}

void AgentReconciler::Wake(const runtime::Change& change, const runtime::Cache& cache,
                           std::vector<runtime::Key>& keys) const {
  if (change.kind == kMigration) {
    // Also when it stopped concerning this node: its reads are let go.
    const auto before = ports::As<VMIM>(change.before);
    const auto now = ports::As<VMIM>(change.now);
    if ((before != nullptr && Concerns(*before)) || (now != nullptr && Concerns(*now))) {
      keys.push_back(change.key);
    }
    return;
  }
  const bool cluster_scoped = change.key.namespace_.empty();
  for (const auto& [key, object] : cache.informer(kMigration).objects()) {
    if (!cluster_scoped && key.namespace_ != change.key.namespace_) continue;
    if (auto m = ports::As<VMIM>(object); m != nullptr && Concerns(*m)) keys.push_back(key);
  }
}

runtime::Result AgentReconciler::Reconcile(const runtime::Key& key, const runtime::Cache& cache,
                                           absl::Time now) {
  runtime::Result result;
  auto migration = cache.GetAs<VMIM>(kMigration, key);
  if (migration == nullptr || !Concerns(*migration)) return result;
  const runtime::DomainRead read{
      DomainName(migration->metadata().namespace_(), migration->spec().vmi_name())};
  result.observe.push_back(read);
  // Reports carry the time they were written: while the migration is in
  // flight they are rewritten on a cadence, as a pass did.
  result.requeue_after = period_;
  const runtime::Observation* seen = cache.observer().Get(read);
  // Not observed yet, or libvirt did not answer: nothing to decide from
  // (the first result, or the next that differs, wakes this key).
  if (seen == nullptr || !seen->status.ok() || seen->As<runtime::DomainSeen>() == nullptr) {
    return result;
  }
  const runtime::DomainSeen& domain = *seen->As<runtime::DomainSeen>();
  AgentView view;
  view.node = node_;
  view.now = now;
  view.migration = migration.get();
  view.cluster = &view_.Of(cache);
  view.domain.present = domain.present;
  view.domain.info = domain.info;
  view.domain.job = domain.job;
  for (const AgentAction& action : PlanAgent(view)) result.effects.push_back(ToEffect(action));
  return result;
}

runtime::Effect ToEffect(const AgentAction& action) {
  using Op = runtime::HypervisorCall::Op;
  switch (action.kind) {
    case AgentAction::Kind::kWrite: return ToEffect(action.write);
    case AgentAction::Kind::kStartMigration:
      return runtime::Effect::Hypervisor({.op = Op::kStartMigration, .request = action.request},
                                         action.what);
    case AgentAction::Kind::kAbortJob:
      return runtime::Effect::Hypervisor({.op = Op::kAbortJob, .domain = action.domain},
                                         action.what);
    case AgentAction::Kind::kDestroy:
      return runtime::Effect::Hypervisor({.op = Op::kDestroy, .domain = action.domain},
                                         action.what);
    case AgentAction::Kind::kResume:
      return runtime::Effect::Hypervisor({.op = Op::kResume, .domain = action.domain},
                                         action.what);
  }
  return runtime::Effect::Hypervisor({.op = Op::kResume, .domain = action.domain}, action.what);
}

}  // namespace ferry::storage_migration
