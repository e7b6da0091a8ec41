#include "core/lun_migration/locks.h"

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "core/lun_migration/lun_objects.h"

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
  absl::Status created = api.Create(lease).status();
  if (created.code() != absl::StatusCode::kAlreadyExists) return created;
  ASSIGN_OR_RETURN(ports::ObjectPtr got, api.Get(key));
  const auto held = ports::As<k8s::Lease>(got);
  if (held != nullptr && held->spec().holder_identity() == holder) return absl::OkStatus();
  return absl::AbortedError(absl::StrCat(
      "Lease ", key.namespace_, "/", key.name, " is held by another run (",
      held == nullptr ? "" : held->metadata().annotations().contains(kLockHolderAnnotation)
                                 ? held->metadata().annotations().at(kLockHolderAnnotation)
                                 : held->spec().holder_identity(),
      "): the VM is that run's"));
}

}  // namespace ferry::lun_migration
