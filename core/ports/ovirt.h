// Ovirt: the oVirt engine's REST API v4 as the LUN migration core sees it
// (see shared/reference/forklift-lun-and-ovirt.md). Objects are the engine's
// own JSON shapes (api/ovirt.proto: every scalar a string). The deterministic
// fake is fakes/ovirt; a real client over libcurl is a later issue, and
// core/ports/ovirt_conformance.h will hold both to the same behaviour.
//
// Errors: NotFound (no such VM, disk or attachment), FailedPrecondition (the
// engine refuses in this state: detaching what is not attached, attaching a
// disk already attached, powering a VM in a transition), InvalidArgument (a
// malformed request), Unavailable (the engine does not answer). The message
// carries the engine's fault: "<reason>: <detail>".
//
//   ASSIGN_OR_RETURN(ovirt::Version version, ovirt.EngineVersion());
//   ASSIGN_OR_RETURN(std::vector<ovirt::Vm> vms, ovirt.ListVms());
//   ASSIGN_OR_RETURN(ovirt::Disk lun, ovirt.GetDisk(attachment.disk().id()));
//   RETURN_IF_ERROR(ovirt.DetachDisk(vm.id(), attachment.id()));
#ifndef FERRY_CORE_PORTS_OVIRT_H_
#define FERRY_CORE_PORTS_OVIRT_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "api/ovirt.pb.h"

namespace ferry::ports {

class Ovirt {
 public:
  virtual ~Ovirt() = default;

  // GET /ovirt-engine/api: product_info.version as the engine reports it
  // (major, minor, build, revision and full_version, all strings:
  // {"build":"2","full_version":"4.5.2-1.el8","major":"4","minor":"5",
  // "revision":"0"}); api/ovirt_version.h reads it.
  virtual absl::StatusOr<ovirt::Version> EngineVersion() = 0;

  // GET /vms?follow=disk_attachments: every VM with its attachments. As the
  // engine does, a list never carries a LUN's address, port or target.
  virtual absl::StatusOr<std::vector<ovirt::Vm>> ListVms() = 0;
  // GET /vms/{id}?follow=disk_attachments.
  virtual absl::StatusOr<ovirt::Vm> GetVm(absl::string_view vm_id) = 0;

  // GET /disks/{id}: the only read that carries a LUN's connection details
  // (address, port, target), and only from engine 4.5.2.1 on.
  virtual absl::StatusOr<ovirt::Disk> GetDisk(absl::string_view disk_id) = 0;

  // POST /vms/{id}/shutdown (guest-initiated), /stop (power off), /start.
  // They return at once; the status moves through powering_down or
  // powering_up and reaches down or up later. FailedPrecondition when the VM
  // is not in the state the action starts from (stopping a VM that is down);
  // repeating an action whose transition is under way is accepted.
  virtual absl::Status Shutdown(absl::string_view vm_id) = 0;
  virtual absl::Status Stop(absl::string_view vm_id) = 0;
  virtual absl::Status Start(absl::string_view vm_id) = 0;

  // DELETE /vms/{vm}/diskattachments/{id}?detach_only=true: the disk stays,
  // unattached. FailedPrecondition when it is not attached to that VM or the
  // VM is neither up nor down.
  virtual absl::Status DetachDisk(absl::string_view vm_id, absl::string_view attachment_id) = 0;
  // PUT /vms/{vm}/diskattachments/{id} {"active": "false"}.
  virtual absl::Status DeactivateDisk(absl::string_view vm_id,
                                      absl::string_view attachment_id) = 0;
  // POST /vms/{vm}/diskattachments: attaches attachment.disk().id() with the
  // attachment's attributes (interface, bootable, active, read_only,
  // uses_scsi_reservation, pass_discard). FailedPrecondition when the disk is
  // attached to this VM already, or to another VM and not shareable.
  virtual absl::StatusOr<ovirt::DiskAttachment> AttachDisk(
      absl::string_view vm_id, const ovirt::DiskAttachment& attachment) = 0;
};

}  // namespace ferry::ports

#endif  // FERRY_CORE_PORTS_OVIRT_H_
