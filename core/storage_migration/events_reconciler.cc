#include "core/storage_migration/events_reconciler.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "api/timestamp.h"

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
  k8s::Event e;
  e.set_api_version("v1");
  e.set_kind("Event");
  // The uid's first 8 characters tell two migrations of one name apart; a
  // long migration name is cut so the whole stays a DNS-1123 subdomain.
  const std::string suffix =
      absl::StrCat(".", m.metadata().uid().substr(0, 8), ".", absl::AsciiStrToLower(what));
  const size_t room = suffix.size() < 253 ? 253 - suffix.size() : 0;
  std::string head = m.metadata().name().substr(0, room);
  while (!head.empty() && (head.back() == '.' || head.back() == '-')) head.pop_back();
  e.mutable_metadata()->set_name(absl::StrCat(head, suffix));
  e.mutable_metadata()->set_namespace_(m.metadata().namespace_());
  k8s::ObjectReference* ref = e.mutable_involved_object();
  ref->set_api_version("kubevirt.io/v1");
  ref->set_kind(kVmim);
  ref->set_namespace_(m.metadata().namespace_());
  ref->set_name(m.metadata().name());
  ref->set_uid(m.metadata().uid());
  e.set_type(type);
  e.set_reason(reason);
  e.set_message(message);
  e.set_first_timestamp(at);
  e.set_last_timestamp(at);
  e.set_count(1);
  e.mutable_source()->set_component(component);
  e.set_reporting_component(absl::StrCat("ferry.dev/", component));
  e.set_reporting_instance(instance);
  e.set_action(reason);
  return e;
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
    recorded_.erase(key);
    return result;
  }
  for (const k8s::Event& e : MigrationEvents(*m, options_.component, options_.instance)) {
    // Older than the API server keeps Events: told long ago (a restart
    // must not tell it again once the server has forgotten it).
    if (api::ParseTimestamp(e.last_timestamp()) < options_.not_before) continue;
    if (!recorded_[key].insert(e.metadata().name()).second) continue;
    result.effects.push_back(
        runtime::Effect::Create(e, absl::StrCat(runtime::ToString(key), ": event ", e.reason()))
            .ExistsOk());
  }
  return result;
}

void MigrationEventsReconciler::EffectFailed(const runtime::Key& key, const runtime::Effect&,
                                             const absl::Status&) {
  // That event and the rest of its batch were not made: the key's retry
  // asks for them all again (those made come back AlreadyExists: done).
  recorded_.erase(key);
}

}  // namespace ferry::storage_migration
