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

absl::Status TakeLock(ports::KubeApi& api, const ports::ObjectKey& key, const std::string& holder,
                      const std::string& holder_key, const std::string& now) {
  k8s::Lease lease;
  lease.set_api_version("coordination.k8s.io/v1");
  lease.set_kind("Lease");
  lease.mutable_metadata()->set_name(key.name);
  lease.mutable_metadata()->set_namespace_(key.namespace_);
  (*lease.mutable_metadata()->mutable_annotations())[kLockHolderAnnotation] = holder_key;
  lease.mutable_spec()->set_holder_identity(holder);
  lease.mutable_spec()->set_acquire_time(now);
  for (int attempt = 0; attempt < 2; ++attempt) {
    absl::Status created = api.Create(lease).status();
    if (created.code() != absl::StatusCode::kAlreadyExists) return created;
    ASSIGN_OR_RETURN(ports::ObjectPtr got, api.Get(key));
    const auto held = ports::As<k8s::Lease>(got);
    if (held == nullptr) break;
    if (held->spec().holder_identity() == holder) return absl::OkStatus();
    auto by = held->metadata().annotations().find(kLockHolderAnnotation);
    const std::string other =
        by != held->metadata().annotations().end() ? by->second : held->spec().holder_identity();
    // The other run may be done with it: read that run afresh.
    const size_t slash = other.find('/');
    if (slash == std::string::npos) break;
    absl::StatusOr<ports::ObjectPtr> run =
        api.Get({"Migration", other.substr(0, slash), other.substr(slash + 1)});
    const auto migration = run.ok() ? ports::As<forklift::Migration>(*run) : nullptr;
    if (migration == nullptr || migration->metadata().uid() != held->spec().holder_identity() ||
        !HolderDone(*migration, key.name)) {
      return absl::AbortedError(absl::StrCat("Lease ", key.namespace_, "/", key.name,
                                             " is held by another run (", other,
                                             "): the VM is that run's"));
    }
    absl::Status deleted = api.Delete(key, held->metadata().resource_version());
    if (!deleted.ok() && deleted.code() != absl::StatusCode::kNotFound) return deleted;
  }
  return absl::AbortedError(
      absl::StrCat("Lease ", key.namespace_, "/", key.name, " is held by another run"));
}

}  // namespace ferry::lun_migration
