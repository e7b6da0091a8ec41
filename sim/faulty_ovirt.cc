#include "sim/faulty_ovirt.h"

#include "base/status_macros.h"

namespace ferry::sim {

absl::Status FaultyOvirt::Before(absl::string_view verb, absl::string_view id) {
  if (faults_ == nullptr) return absl::OkStatus();
  const OvirtCall call{verb, id};
  if (faults_->delay) latency_ += faults_->delay(call);
  return faults_->fail ? faults_->fail(call) : absl::OkStatus();
}

absl::StatusOr<ovirt::Version> FaultyOvirt::EngineVersion() {
  RETURN_IF_ERROR(Before("version", ""));
  return engine_.EngineVersion();
}

absl::StatusOr<std::vector<ovirt::Vm>> FaultyOvirt::ListVms() {
  RETURN_IF_ERROR(Before("list_vms", ""));
  return engine_.ListVms();
}

absl::StatusOr<ovirt::Vm> FaultyOvirt::GetVm(absl::string_view vm_id) {
  RETURN_IF_ERROR(Before("get_vm", vm_id));
  return engine_.GetVm(vm_id);
}

absl::StatusOr<ovirt::Disk> FaultyOvirt::GetDisk(absl::string_view disk_id) {
  RETURN_IF_ERROR(Before("get_disk", disk_id));
  return engine_.GetDisk(disk_id);
}

absl::Status FaultyOvirt::Shutdown(absl::string_view vm_id) {
  RETURN_IF_ERROR(Before("shutdown", vm_id));
  return engine_.Shutdown(vm_id);
}

absl::Status FaultyOvirt::Stop(absl::string_view vm_id) {
  RETURN_IF_ERROR(Before("stop", vm_id));
  return engine_.Stop(vm_id);
}

absl::Status FaultyOvirt::Start(absl::string_view vm_id) {
  RETURN_IF_ERROR(Before("start", vm_id));
  return engine_.Start(vm_id);
}

absl::Status FaultyOvirt::DetachDisk(absl::string_view vm_id, absl::string_view attachment_id) {
  RETURN_IF_ERROR(Before("detach", vm_id));
  return engine_.DetachDisk(vm_id, attachment_id);
}

absl::Status FaultyOvirt::DeactivateDisk(absl::string_view vm_id,
                                         absl::string_view attachment_id) {
  RETURN_IF_ERROR(Before("deactivate", vm_id));
  return engine_.DeactivateDisk(vm_id, attachment_id);
}

absl::StatusOr<ovirt::DiskAttachment> FaultyOvirt::AttachDisk(
    absl::string_view vm_id, const ovirt::DiskAttachment& attachment) {
  RETURN_IF_ERROR(Before("attach", vm_id));
  return engine_.AttachDisk(vm_id, attachment);
}

}  // namespace ferry::sim
