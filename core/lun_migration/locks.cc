#include "core/lun_migration/locks.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "core/lun_migration/lun_objects.h"
#include "core/lun_migration/plan_step.h"

namespace ferry::lun_migration {

std::string VmLockName(const std::string& vm_id) {
  return ToDnsLabel(absl::StrCat("ferry-vm-", vm_id));
}

std::string LunLockName(const std::string& disk_id) {
  return ToDnsLabel(absl::StrCat("ferry-lun-disk-", disk_id));
}

std::vector<std::string> LocksOf(const forklift::VMStatus& status) {
  std::vector<std::string> names = {VmLockName(status.id())};
  for (const ovirt::DiskAttachment& a : status.lun_attachments()) {
    names.push_back(LunLockName(a.id()));
  }
  return names;
}

bool HolderDone(const forklift::Migration& holder, const std::string& name) {
  if (!holder.status().completed().empty()) return true;
  bool held = false;
  for (const forklift::VMStatus& v : holder.status().vms()) {
    const std::vector<std::string> locks = LocksOf(v);
    if (std::find(locks.begin(), locks.end(), name) == locks.end()) continue;
    if (!VmEnded(v)) return false;
    held = true;
  }
  return held;  // no VM recorded with it: taken before a crash, still the holder's
}

k8s::Lease LockLease(const ports::ObjectKey& key, const std::string& holder,
                     const std::string& holder_key, const std::string& now) {
  k8s::Lease lease;
  lease.set_api_version("coordination.k8s.io/v1");
  lease.set_kind("Lease");
  lease.mutable_metadata()->set_name(key.name);
  lease.mutable_metadata()->set_namespace_(key.namespace_);
  (*lease.mutable_metadata()->mutable_annotations())[kLockHolderAnnotation] = holder_key;
  lease.mutable_spec()->set_holder_identity(holder);
  lease.mutable_spec()->set_acquire_time(now);
  return lease;
}

}  // namespace ferry::lun_migration
