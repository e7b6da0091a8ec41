// Locks of the LUN plan. Before a run starts a VM it takes a lock per source
// VM ("ferry-vm-<vm id>") and per LUN disk ("ferry-lun-disk-<disk id>"): a
// coordination.k8s.io Lease in LunPlanOptions::lock_namespace whose
// holderIdentity is the Migration's uid (and kLockHolderAnnotation its
// "namespace/name"). Creating it is the test: writes are never stale, so
// AlreadyExists by another holder means the VM is that run's, even when a
// lagging read does not list that run at all. A run gives a VM's locks back
// once the VM ended, and ends only when it holds none.
//
//   for (const std::string& name : LocksOf(status)) {
//     effects.push_back(Effect::Create(LockLease({"Lease", ns, name}, uid, "default/run-1", now),
//                                      "take lock"));
//   }
#ifndef FERRY_CORE_LUN_MIGRATION_LOCKS_H_
#define FERRY_CORE_LUN_MIGRATION_LOCKS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "api/core.pb.h"
#include "api/forklift.pb.h"
#include "core/ports/kube_api.h"

namespace ferry::lun_migration {

inline constexpr char kLockHolderAnnotation[] = "ferry.io/lock-holder";

std::string VmLockName(const std::string& vm_id);
std::string LunLockName(const std::string& disk_id);

// The locks a started VM holds: its own and its recorded LUN disks'.
std::vector<std::string> LocksOf(const forklift::VMStatus& status);

// True when the run `holder` is done with lock `name`: the run completed,
// or every VM of it holding that lock ended. Both are final, so a read that
// lags can only say false where it is true, never the reverse: a lock of a
// done run may be taken over.
bool HolderDone(const forklift::Migration& holder, const std::string& name);

// The Lease that is lock `key` taken by the Migration of uid `holder`
// ("namespace/name" `holder_key`) at `now`. Creating it takes the lock; a
// create refused as AlreadyExists means another run holds it, unless that
// run is done with it (HolderDone), when the Lease is deleted first (with
// its resourceVersion as a precondition) and created again.
k8s::Lease LockLease(const ports::ObjectKey& key, const std::string& holder,
                     const std::string& holder_key, const std::string& now);

}  // namespace ferry::lun_migration

#endif  // FERRY_CORE_LUN_MIGRATION_LOCKS_H_
