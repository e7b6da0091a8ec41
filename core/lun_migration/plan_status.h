// The LUN plan's conditions, Forklift-style: validation findings as one
// condition per finding id (category Warn or Critical, an item per VM and
// disk), and a run's outcome (Succeeded, Failed or Canceled) first, the
// validation conditions and the run's own warnings after it.
//
//   std::map<std::string, k8s::Condition> by_type;
//   MergeFinding(by_type, "lun.shareable", "Warn", "VM web disk lun-9: ...");
//   ReplaceValidationConditions(plan.mutable_status()->mutable_conditions(), by_type, now);
#ifndef FERRY_CORE_LUN_MIGRATION_PLAN_STATUS_H_
#define FERRY_CORE_LUN_MIGRATION_PLAN_STATUS_H_

#include <map>
#include <string>

#include "api/core.pb.h"
#include "api/forklift.pb.h"
#include "google/protobuf/repeated_ptr_field.h"

namespace ferry::lun_migration {

using Conditions = google::protobuf::RepeatedPtrField<k8s::Condition>;

// A validation finding's condition (category Warn or Critical).
bool IsValidationCondition(const k8s::Condition& c);

// Adds `item` to the condition of `type` (made with `category` if new).
void MergeFinding(std::map<std::string, k8s::Condition>& by_type, const std::string& type,
                  const std::string& category, const std::string& item);

// The validation conditions of `conditions` become `by_type`, each
// stamped `now`; the others stay.
void ReplaceValidationConditions(Conditions* conditions,
                                 std::map<std::string, k8s::Condition> by_type,
                                 const std::string& now);

// How a run ended, from its VMs: Failed if one failed, else Canceled if
// one was, else Succeeded; and "n VM(s) migrated, n failed, n canceled".
struct RunOutcome {
  std::string type;
  std::string message;
};
RunOutcome OutcomeOf(const forklift::Migration& run);

// The run's outcome first, replacing the last one; the validation
// conditions stay after it, with the run's VMs' warnings added.
void SetOutcome(Conditions* conditions, const forklift::Migration& run, const RunOutcome& outcome,
                const std::string& now);

}  // namespace ferry::lun_migration

#endif  // FERRY_CORE_LUN_MIGRATION_PLAN_STATUS_H_
