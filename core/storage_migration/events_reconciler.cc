#include "core/storage_migration/events_reconciler.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "api/timestamp.h"
#include "core/runtime/events.h"

namespace ferry::storage_migration {
namespace {

constexpr char kVmim[] = "VirtualMachineInstanceMigration";

const k8s::Condition* FindCondition(const kubevirt::VirtualMachineInstanceMigration& m,
                                    absl::string_view type) {
  for (const k8s::Condition& c : m.status().conditions()) {
    if (c.type() == type) return &c;
  }
  return nullptr;
}

k8s::Event EventFor(const kubevirt::VirtualMachineInstanceMigration& m, absl::string_view what,
                    const std::string& type, const std::string& reason,
                    const std::string& message, const std::string& at,
                    const std::string& component, const std::string& instance) {
  return runtime::MakeEvent({"kubevirt.io/v1", kVmim, m.metadata()}, absl::AsciiStrToLower(what),
                            type, reason, message, at, {component, instance});
}

}  // namespace

std::vector<k8s::Event> MigrationEvents(const kubevirt::VirtualMachineInstanceMigration& m,
                                        const std::string& component,
                                        const std::string& instance) {
  std::vector<k8s::Event> events;
  const std::string vmi = absl::StrCat(m.metadata().namespace_(), "/", m.spec().vmi_name());
  const std::string& target = m.status().migration_state().target_node();
  for (const kubevirt::PhaseTransitionTimestamp& t : m.status().phase_transition_timestamps()) {
    const std::string& phase = t.phase();
    std::string type = "Normal", reason = absl::StrCat("Migration", phase);
    std::string message = absl::StrCat("VMI ", vmi, ": ", phase);
    if (!target.empty() && phase != "Pending" && phase != "Scheduling") {
      absl::StrAppend(&message, " (target node ", target, ")");
    }
    if (phase == "Succeeded") {
      reason = "SuccessfulMigration";
      if (const k8s::Condition* c = FindCondition(m, "Succeeded")) {
        message = absl::StrCat("VMI ", vmi, ": ", c->message());
      }
    } else if (phase == "Failed") {
      type = "Warning";
      reason = "FailedMigration";
      if (const k8s::Condition* c = FindCondition(m, "Failed")) {
        message = absl::StrCat("VMI ", vmi, ": ", c->reason(), ": ", c->message());
      }
    }
    events.push_back(EventFor(m, phase, type, reason, message, t.phase_transition_timestamp(),
                              component, instance));
  }
  if (const k8s::Condition* c = FindCondition(m, "Admitted"); c != nullptr && c->status() == "False") {
    const std::string reason = c->reason() == "Rejected" ? "MigrationRejected" : c->reason();
    events.push_back(EventFor(m, absl::StrCat("admission-", c->reason()), "Warning", reason,
                              absl::StrCat("VMI ", vmi, ": ", c->message()),
                              c->last_transition_time(), component, instance));
  }
  if (const k8s::Condition* c = FindCondition(m, "SynchronousWrites");
      c != nullptr && c->status() == "True") {
    events.push_back(EventFor(m, "synchronous-writes", "Warning",
                              "CopyRestartedWithSynchronousWrites",
                              absl::StrCat("VMI ", vmi, ": ", c->message()),
                              c->last_transition_time(), component, instance));
  }
  return events;
}

std::vector<std::string> MigrationEventsReconciler::Kinds() const { return {kVmim}; }

void MigrationEventsReconciler::Wake(const runtime::Change& change, const runtime::Cache&,
                                     std::vector<runtime::Key>& keys) const {
  keys.push_back(change.key);
}

runtime::Result MigrationEventsReconciler::Reconcile(const runtime::Key& key,
                                                     const runtime::Cache& cache, absl::Time) {
  runtime::Result result;
  auto m = cache.GetAs<kubevirt::VirtualMachineInstanceMigration>(kVmim, key);
  if (m == nullptr) {
    ledger_.Forget(key);
    return result;
  }
  for (runtime::Effect& effect :
       ledger_.Tell(key, MigrationEvents(*m, options_.component, options_.instance),
                    options_.not_before)) {
    result.effects.push_back(std::move(effect));
  }
  return result;
}

void MigrationEventsReconciler::EffectFailed(const runtime::Key& key, const runtime::Effect&,
                                             const absl::Status&) {
  // That event and the rest of its batch were not made: asked for again.
  ledger_.Forget(key);
}

}  // namespace ferry::storage_migration
