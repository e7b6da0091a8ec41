#include "fakes/ovirt/fake_engine.h"

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "api/ovirt_version.h"
#include "base/status_macros.h"

namespace ferry::fakes {
namespace {

std::string Bool(bool b) { return b ? "true" : "false"; }

// The engine's fault, as its REST layer words it.
absl::Status Refused(absl::string_view detail) {
  return absl::FailedPreconditionError(
      absl::StrCat("Operation Failed: [", detail, "]"));
}

// A disk as a read shows it: never a LUN's transport (the engine does not
// store it: a logical unit with an address is iSCSI), and a LUN's address,
// port and target only with `connection`. An image disk has no lun_storage.
ovirt::Disk AsRead(ovirt::Disk disk, bool connection) {
  if (!disk.has_lun_storage()) return disk;
  disk.mutable_lun_storage()->clear_type();
  if (connection) return disk;
  for (auto& lu : *disk.mutable_lun_storage()->mutable_logical_units()->mutable_logical_unit()) {
    lu.clear_address();
    lu.clear_port();
    lu.clear_target();
  }
  return disk;
}

}  // namespace

namespace {

// A LUN disk with one logical unit and nothing set that differs by transport.
ovirt::Disk LunDiskBase(const std::string& disk_id, const std::string& unit_id,
                        const std::string& type, int64_t size_bytes) {
  ovirt::Disk d;
  d.set_id(disk_id);
  d.set_href(absl::StrCat("/ovirt-engine/api/disks/", disk_id));
  d.set_name(disk_id);
  d.set_alias(disk_id);
  d.set_storage_type("lun");
  d.set_shareable("false");
  d.set_sgio("unfiltered");
  auto* storage = d.mutable_lun_storage();
  storage->set_id(unit_id);
  storage->set_type(type);
  auto* lu = storage->mutable_logical_units()->add_logical_unit();
  lu->set_id(unit_id);
  lu->set_size(absl::StrCat(size_bytes));
  lu->set_disk_id(disk_id);
  return d;
}

}  // namespace

ovirt::Disk IscsiLun(const std::string& disk_id, const std::string& address,
                     const std::string& iqn, int lun_mapping, int64_t size_bytes) {
  ovirt::Disk d = LunDiskBase(disk_id, absl::StrCat("36001405", disk_id), "iscsi", size_bytes);
  auto* lu = d.mutable_lun_storage()->mutable_logical_units()->mutable_logical_unit(0);
  lu->set_address(address);
  lu->set_port("3260");
  lu->set_target(iqn);
  lu->set_lun_mapping(absl::StrCat(lun_mapping));
  lu->set_paths("1");
  return d;
}

ovirt::Disk FcLun(const std::string& disk_id, const std::string& wwid, int64_t size_bytes) {
  ovirt::Disk d = LunDiskBase(disk_id, wwid, "fcp", size_bytes);
  d.mutable_lun_storage()->mutable_logical_units()->mutable_logical_unit(0)->set_paths("2");
  return d;
}

FakeEngine::FakeEngine(const ports::Clock& clock, Options options)
    : clock_(clock), options_(std::move(options)) {}

void FakeEngine::AddDisk(ovirt::Disk disk) {
  const std::string id = disk.id();
  disks_[id] = std::move(disk);
  ++changes_;
}

void FakeEngine::AddVm(const VmOptions& vm) {
  Vm& stored = vms_[vm.id];
  stored.id = vm.id;
  stored.name = vm.name;
  stored.status = vm.status;
  ++changes_;
}

absl::Status FakeEngine::AttachForTest(const std::string& vm_id, const Attachment& a) {
  ovirt::DiskAttachment attachment;
  attachment.mutable_disk()->set_id(a.disk_id);
  attachment.set_interface(a.interface);
  attachment.set_bootable(Bool(a.bootable));
  attachment.set_active(Bool(a.active));
  attachment.set_read_only(Bool(a.read_only));
  attachment.set_uses_scsi_reservation(Bool(a.uses_scsi_reservation));
  attachment.set_pass_discard(Bool(a.pass_discard));
  ASSIGN_OR_RETURN(Vm * vm, FindVm(vm_id));
  return Attach(*vm, attachment).status();
}

absl::Status FakeEngine::Call(absl::string_view verb, absl::string_view id) {
  if (!available_) {
    return absl::UnavailableError(
        absl::StrCat(verb, " ", id, ": the engine at /ovirt-engine/api does not answer"));
  }
  if (delay_hook_) latency_ += delay_hook_(verb, id);
  if (fault_hook_) return fault_hook_(verb, id);
  return absl::OkStatus();
}

void FakeEngine::Settle(Vm& vm) const {
  if (!vm.settles_to.empty() && clock_.Now() >= vm.settles_at) {
    vm.status = vm.settles_to;
    vm.settles_to.clear();
    ++changes_;
  }
}

uint64_t FakeEngine::changes() const {
  if (clock_.Now() >= next_settle_) {
    next_settle_ = absl::InfiniteFuture();
    for (auto& [id, vm] : vms_) {
      Settle(vm);
      if (!vm.settles_to.empty()) next_settle_ = std::min(next_settle_, vm.settles_at);
    }
  }
  return changes_;
}

absl::StatusOr<FakeEngine::Vm*> FakeEngine::FindVm(absl::string_view vm_id) {
  auto it = vms_.find(std::string(vm_id));
  if (it == vms_.end()) {
    return absl::NotFoundError(absl::StrCat(
        "Resource not found: [Entity not found: VM ", vm_id, "]"));
  }
  Settle(it->second);
  return &it->second;
}

ovirt::Vm FakeEngine::Render(const Vm& vm) const {
  ovirt::Vm out;
  out.set_id(vm.id);
  out.set_href(absl::StrCat("/ovirt-engine/api/vms/", vm.id));
  out.set_name(vm.name);
  out.set_status(vm.status);
  for (const ovirt::DiskAttachment& a : vm.attachments) {
    *out.mutable_disk_attachments()->add_disk_attachment() = a;
  }
  return out;
}

ovirt::Version FakeEngine::VersionForTest() const {
  if (options_.reported_version.major().empty()) return api::ReportedOvirtVersion(options_.version);
  ovirt::Version v = options_.reported_version;
  if (v.full_version().empty()) v.set_full_version(options_.version);
  return v;
}

absl::StatusOr<ovirt::Version> FakeEngine::EngineVersion() {
  RETURN_IF_ERROR(Call("version", ""));
  return VersionForTest();
}

absl::StatusOr<std::vector<ovirt::Vm>> FakeEngine::ListVms() {
  RETURN_IF_ERROR(Call("list_vms", ""));
  std::vector<ovirt::Vm> out;
  for (auto& [id, vm] : vms_) {
    Settle(vm);
    out.push_back(Render(vm));
  }
  return out;
}

absl::StatusOr<ovirt::Vm> FakeEngine::GetVm(absl::string_view vm_id) {
  RETURN_IF_ERROR(Call("get_vm", vm_id));
  ASSIGN_OR_RETURN(Vm * vm, FindVm(vm_id));
  return Render(*vm);
}

absl::StatusOr<ovirt::Disk> FakeEngine::GetDisk(absl::string_view disk_id) {
  RETURN_IF_ERROR(Call("get_disk", disk_id));
  auto it = disks_.find(std::string(disk_id));
  if (it == disks_.end()) {
    return absl::NotFoundError(
        absl::StrCat("Resource not found: [Entity not found: Disk ", disk_id, "]"));
  }
  // Engine PR #559 added the connection details, in 4.5.2.1.
  const absl::StatusOr<api::OvirtVersion> v = api::ParseOvirtVersion(VersionForTest());
  return AsRead(it->second, /*connection=*/v.ok() && *v >= api::kLunDetailsSince);
}

ovirt::Disk ListedDisk(ovirt::Disk disk) { return AsRead(std::move(disk), false); }

absl::Status FakeEngine::Transition(absl::string_view verb, absl::string_view vm_id,
                                    absl::string_view from, absl::string_view via,
                                    absl::string_view to, absl::Duration takes) {
  RETURN_IF_ERROR(Call(verb, vm_id));
  ASSIGN_OR_RETURN(Vm * vm, FindVm(vm_id));
  if (vm->settles_to == to) return absl::OkStatus();  // already on its way there
  if (vm->status != from) {  // the engine refuses, e.g. stopping a VM that is down
    return Refused(absl::StrCat("Cannot ", verb, " VM. VM ", vm->name, " is ", vm->status,
                                ", the action needs it ", from));
  }
  vm->status = std::string(via);
  vm->settles_to = std::string(to);
  vm->settles_at = clock_.Now() + takes + slowdown_;
  next_settle_ = std::min(next_settle_, vm->settles_at);
  ++changes_;
  return absl::OkStatus();
}

absl::Status FakeEngine::Shutdown(absl::string_view vm_id) {
  return Transition("shutdown", vm_id, "up", "powering_down", "down", options_.shutdown_takes);
}

absl::Status FakeEngine::Stop(absl::string_view vm_id) {
  return Transition("stop", vm_id, "up", "powering_down", "down", options_.stop_takes);
}

absl::Status FakeEngine::Start(absl::string_view vm_id) {
  return Transition("start", vm_id, "down", "powering_up", "up", options_.start_takes);
}

absl::Status FakeEngine::DetachDisk(absl::string_view vm_id, absl::string_view attachment_id) {
  RETURN_IF_ERROR(Call("detach", vm_id));
  ASSIGN_OR_RETURN(Vm * vm, FindVm(vm_id));
  if (vm->status != "up" && vm->status != "down") {
    return Refused(absl::StrCat("Cannot detach Virtual Disk. VM ", vm->name, " is ", vm->status,
                                "; it must be up or down"));
  }
  auto it = std::find_if(vm->attachments.begin(), vm->attachments.end(),
                         [&](const ovirt::DiskAttachment& a) { return a.id() == attachment_id; });
  if (it == vm->attachments.end()) {
    return Refused(absl::StrCat("Cannot detach Virtual Disk. The disk ", attachment_id,
                                " is not attached to VM ", vm->name));
  }
  Hold(vm->id, it->id(), false);
  vm->attachments.erase(it);
  ++changes_;
  return absl::OkStatus();
}

absl::Status FakeEngine::DeactivateDisk(absl::string_view vm_id,
                                        absl::string_view attachment_id) {
  RETURN_IF_ERROR(Call("deactivate", vm_id));
  ASSIGN_OR_RETURN(Vm * vm, FindVm(vm_id));
  for (ovirt::DiskAttachment& a : vm->attachments) {
    if (a.id() == attachment_id) {
      Hold(vm->id, a.id(), false);
      a.set_active("false");
      ++changes_;
      return absl::OkStatus();
    }
  }
  return absl::NotFoundError(absl::StrCat("Resource not found: [Entity not found: disk attachment ",
                                          attachment_id, " of VM ", vm->name, "]"));
}

absl::StatusOr<ovirt::DiskAttachment> FakeEngine::AttachDisk(
    absl::string_view vm_id, const ovirt::DiskAttachment& request) {
  RETURN_IF_ERROR(Call("attach", vm_id));
  ASSIGN_OR_RETURN(Vm * vm, FindVm(vm_id));
  return Attach(*vm, request);
}

absl::StatusOr<ovirt::DiskAttachment> FakeEngine::Attach(Vm& target,
                                                         const ovirt::DiskAttachment& request) {
  Vm* vm = &target;
  const std::string& disk_id = request.disk().id();
  auto disk = disks_.find(disk_id);
  if (disk == disks_.end()) {
    return absl::NotFoundError(
        absl::StrCat("Resource not found: [Entity not found: Disk ", disk_id, "]"));
  }
  if (request.interface().empty()) {
    return absl::InvalidArgumentError(
        "Incomplete parameters: [DiskAttachment [interface] required for add]");
  }
  for (auto& [id, other] : vms_) {
    for (const ovirt::DiskAttachment& a : other.attachments) {
      if (a.id() != disk_id) continue;
      if (id == vm->id) {
        return Refused(absl::StrCat("Cannot attach Virtual Disk. The disk ", disk_id,
                                    " is already attached to VM ", vm->name));
      }
      if (disk->second.shareable() != "true") {
        return Refused(absl::StrCat("Cannot attach Virtual Disk. The disk ", disk_id,
                                    " is not shareable and is attached to VM ", other.name));
      }
    }
  }
  ovirt::DiskAttachment stored = request;
  stored.set_id(disk_id);
  stored.set_href(absl::StrCat("/ovirt-engine/api/vms/", vm->id, "/diskattachments/", disk_id));
  // The engine keeps a link to the disk, whatever of it the request carried.
  stored.clear_disk();
  stored.mutable_disk()->set_id(disk_id);
  stored.mutable_disk()->set_href(absl::StrCat("/ovirt-engine/api/disks/", disk_id));
  stored.mutable_vm()->set_id(vm->id);
  stored.mutable_vm()->set_href(absl::StrCat("/ovirt-engine/api/vms/", vm->id));
  for (std::string* flag : {stored.mutable_active(), stored.mutable_bootable(),
                            stored.mutable_read_only(), stored.mutable_uses_scsi_reservation(),
                            stored.mutable_pass_discard()}) {
    if (flag->empty()) *flag = "false";
  }
  if (request.active().empty()) stored.set_active("true");
  vm->attachments.push_back(stored);
  if (stored.active() == "true") Hold(vm->id, disk_id, true);
  ++changes_;
  return stored;
}

void FakeEngine::Hold(const std::string& vm_id, const std::string& disk_id, bool hold) {
  auto disk = disks_.find(disk_id);
  if (san_ == nullptr || disk == disks_.end()) return;
  const FakeSan::Opener vm = FakeSan::OvirtVm(vm_id);
  for (const auto& lu : disk->second.lun_storage().logical_units().logical_unit()) {
    const FakeSan::Lun* lun =
        disk->second.lun_storage().type() == "fcp"
            ? san_->FindFc(lu.id())
            : san_->FindIscsi(absl::StrCat(lu.address(), ":", lu.port().empty() ? "3260" : lu.port()),
                              lu.target(), std::atoi(lu.lun_mapping().c_str()));
    if (lun == nullptr) continue;
    if (hold) {
      (void)san_->Open(lun->options.id, vm);
    } else {
      san_->Close(lun->options.id, vm);
    }
  }
}

std::vector<std::string> FakeEngine::VmIdsForTest() const {
  std::vector<std::string> ids;
  for (const auto& [id, vm] : vms_) ids.push_back(id);
  return ids;
}

std::optional<ovirt::Vm> FakeEngine::VmForTest(const std::string& vm_id) const {
  auto it = vms_.find(vm_id);
  if (it == vms_.end()) return std::nullopt;
  Settle(it->second);
  return Render(it->second);
}

}  // namespace ferry::fakes
