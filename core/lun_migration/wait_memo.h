// WaitMemo: the waits a plan's VMs were last decided to make, and from what.
// A plan is one key for all its VMs, reconciled on any change to any of
// them; deciding afresh for each of a thousand VMs on every reconcile is
// most of a large plan's cost. A VM whose inputs are the same as when it
// was decided to wait, before the time that wait holds until
// (WaitHoldsUntil), waits still, and is not decided again.
//
// The inputs are the caller's fingerprint of everything the planner reads
// of the VM but its status; the status is compared in full, only when the
// run's resourceVersion differs from the one last compared. Memory only:
// a restarted process decides everything afresh.
//
//   if (memo.Holds(vm_id, inputs, status, run_rv, now)) continue;
//   ... decide; a wait: memo.Keep(...); anything else: memo.Drop(vm_id)
#ifndef FERRY_CORE_LUN_MIGRATION_WAIT_MEMO_H_
#define FERRY_CORE_LUN_MIGRATION_WAIT_MEMO_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/time/time.h"
#include "api/forklift.pb.h"

namespace ferry::lun_migration {

class WaitMemo {
 public:
  // True when `vm_id` was last decided to wait from the same `inputs` and
  // an equal `status`, and `now` is before the time that wait holds until.
  // `run_version` "" : the status is compared whatever the run's version.
  bool Holds(const std::string& vm_id, const std::string& inputs,
             const forklift::VMStatus& status, const std::string& run_version, absl::Time now);
  // `vm_id` was decided to wait from these, until `until`.
  void Keep(const std::string& vm_id, std::string inputs, const forklift::VMStatus& status,
            const std::string& run_version, absl::Time until);
  void Drop(const std::string& vm_id) { entries_.erase(vm_id); }
  void Clear() { entries_.clear(); }
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string inputs;
    forklift::VMStatus status;
    std::string run_version;  // the run's version the status was last found equal at
    absl::Time until;
  };
  std::map<std::string, Entry> entries_;  // by VM id
};

}  // namespace ferry::lun_migration

#endif  // FERRY_CORE_LUN_MIGRATION_WAIT_MEMO_H_
