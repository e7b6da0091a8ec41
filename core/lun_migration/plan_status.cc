#include "core/lun_migration/plan_status.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/lun_migration/plan_step.h"

namespace ferry::lun_migration {

bool IsValidationCondition(const k8s::Condition& c) {
  return c.category() == "Warn" || c.category() == "Critical";
}

void MergeFinding(std::map<std::string, k8s::Condition>& by_type, const std::string& type,
                  const std::string& category, const std::string& item) {
  k8s::Condition& c = by_type[type];
  if (c.type().empty()) {
    c.set_type(type);
    c.set_status("True");
    c.set_category(category);
    c.set_reason(category == "Warn" ? "Warning" : "Critical");
  }
  if (std::find(c.items().begin(), c.items().end(), item) != c.items().end()) return;
  c.add_items(item);
  c.set_message(absl::StrJoin(c.items(), "; "));
}

void ReplaceValidationConditions(Conditions* conditions,
                                 std::map<std::string, k8s::Condition> by_type,
                                 const std::string& now) {
  for (int i = conditions->size() - 1; i >= 0; --i) {
    if (IsValidationCondition(conditions->Get(i))) conditions->DeleteSubrange(i, 1);
  }
  for (auto& [type, c] : by_type) {
    c.set_last_transition_time(now);
    *conditions->Add() = std::move(c);
  }
}

RunOutcome OutcomeOf(const forklift::Migration& run) {
  int completed = 0, canceled = 0, failed = 0;
  for (const forklift::VMStatus& v : run.status().vms()) {
    if (v.phase() == kCompleted) ++completed;
    else if (v.phase() == kCanceled) ++canceled;
    else ++failed;
  }
  return RunOutcome{failed > 0 ? "Failed" : canceled > 0 ? "Canceled" : "Succeeded",
                    absl::StrCat(completed, " VM(s) migrated, ", failed, " failed, ", canceled,
                                 " canceled")};
}

void SetOutcome(Conditions* conditions, const forklift::Migration& run, const RunOutcome& outcome,
                const std::string& now) {
  std::map<std::string, k8s::Condition> by_type;
  for (const k8s::Condition& c : *conditions) {
    if (IsValidationCondition(c)) by_type[c.type()] = c;
  }
  for (const forklift::VMStatus& v : run.status().vms()) {
    for (const k8s::Condition& c : v.conditions()) {
      if (c.category() != "Warn") continue;
      MergeFinding(by_type, c.type(), "Warn", absl::StrCat("VM ", v.name(), ": ", c.message()));
    }
  }
  conditions->Clear();
  k8s::Condition* c = conditions->Add();
  c->set_type(outcome.type);
  c->set_status("True");
  c->set_reason(outcome.type);
  c->set_message(outcome.message);
  c->set_last_transition_time(now);
  for (auto& [t, kept] : by_type) {
    if (kept.last_transition_time().empty()) kept.set_last_transition_time(now);
    *conditions->Add() = std::move(kept);
  }
}

}  // namespace ferry::lun_migration
