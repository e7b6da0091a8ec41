// FakeEngine: an in-memory oVirt engine for the simulator, the scenario
// runner and tests. Deterministic (time from an injected clock, ordered
// maps) and faithful where the LUN core depends on it:
// - power transitions take time: stop and shutdown pass through
//   powering_down, start through powering_up (GetVm shows the in-between);
// - detach needs the VM up or down and fails when the disk is not attached;
//   attach fails when the disk is attached already (to a non-shareable disk's
//   other VM too);
// - an engine older than 4.5.2.1 omits a logical unit's address, port and
//   target; list reads (ListVms) never follow into disks at all; no read
//   carries lun_storage.type (the engine does not store it: the fake keeps
//   it to find the LUN on its SAN);
// - errors carry the engine's fault, "<reason>: [<detail>]".
// Fault hooks fail or delay any call by verb; the engine can be unavailable.
//
//   ports::ManualClock clock;
//   FakeEngine engine(clock, {.version = "4.5.5-1.el8"});
//   engine.AddDisk(IscsiLun("lun-1", "10.0.0.5", "iqn.2024-01.com.example:t1", 3, 10 * kGiB));
//   engine.AddVm({.id = "vm-1", .name = "db", .status = "up"});
//   engine.AttachForTest("vm-1", {.disk_id = "lun-1", .interface = "virtio_scsi"});
#ifndef FERRY_FAKES_OVIRT_FAKE_ENGINE_H_
#define FERRY_FAKES_OVIRT_FAKE_ENGINE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "api/ovirt.pb.h"
#include "core/ports/clock.h"
#include "core/ports/ovirt.h"
#include "fakes/san/fake_san.h"

namespace ferry::fakes {

// A LUN disk as the engine's single-disk read returns it on a new engine.
ovirt::Disk IscsiLun(const std::string& disk_id, const std::string& address,
                     const std::string& iqn, int lun_mapping, int64_t size_bytes);
ovirt::Disk FcLun(const std::string& disk_id, const std::string& wwid, int64_t size_bytes);

// `disk` as the list read GET /disks shows it: as the single-disk read
// does, less a LUN's address, port and target.
ovirt::Disk ListedDisk(ovirt::Disk disk);

class FakeEngine : public ports::Ovirt {
 public:
  struct Options {
    std::string version = "4.5.5-1.el8";  // the package version (full_version)
    // What GET /ovirt-engine/api reports when its major is set; otherwise
    // the fields an engine of package `version` reports (4.5.2-1.el8:
    // 4, 5, 2, 0), as api::ReportedOvirtVersion derives them.
    ovirt::Version reported_version{};
    absl::Duration stop_takes = absl::Seconds(5);       // up -> powering_down -> down
    absl::Duration shutdown_takes = absl::Seconds(30);  // the guest shuts itself down
    absl::Duration start_takes = absl::Seconds(10);     // down -> powering_up -> up
  };
  struct VmOptions {
    std::string id;
    std::string name;
    std::string status = "down";  // any oVirt status; transitions only from up/down
  };
  struct Attachment {
    std::string disk_id;
    std::string interface = "virtio_scsi";
    bool bootable = false;
    bool active = true;
    bool read_only = false;
    bool uses_scsi_reservation = false;
    bool pass_discard = false;
  };
  // Consulted before every call: verb is one of version, list_vms, get_vm,
  // get_disk, shutdown, stop, start, detach, deactivate, attach; id is the
  // VM's or disk's. A non-OK status fails the call and changes nothing.
  using FaultHook = std::function<absl::Status(absl::string_view verb, absl::string_view id)>;
  // How long the call takes; the caller owes it (TakeLatency).
  using DelayHook = std::function<absl::Duration(absl::string_view verb, absl::string_view id)>;

  FakeEngine(const ports::Clock& clock, Options options);
  explicit FakeEngine(const ports::Clock& clock) : FakeEngine(clock, Options{}) {}

  // Setup (never faulted).
  void AddDisk(ovirt::Disk disk);
  void AddVm(const VmOptions& vm);
  absl::Status AttachForTest(const std::string& vm_id, const Attachment& attachment);

  // ports::Ovirt.
  absl::StatusOr<ovirt::Version> EngineVersion() override;
  absl::StatusOr<std::vector<ovirt::Vm>> ListVms() override;
  absl::StatusOr<ovirt::Vm> GetVm(absl::string_view vm_id) override;
  absl::StatusOr<ovirt::Disk> GetDisk(absl::string_view disk_id) override;
  absl::Status Shutdown(absl::string_view vm_id) override;
  absl::Status Stop(absl::string_view vm_id) override;
  absl::Status Start(absl::string_view vm_id) override;
  absl::Status DetachDisk(absl::string_view vm_id, absl::string_view attachment_id) override;
  absl::Status DeactivateDisk(absl::string_view vm_id, absl::string_view attachment_id) override;
  absl::StatusOr<ovirt::DiskAttachment> AttachDisk(
      absl::string_view vm_id, const ovirt::DiskAttachment& attachment) override;

  // The storage the LUN disks live on: from now on a VM with a LUN disk
  // attached and active holds that LUN there (FakeSan::OvirtVm), in any
  // power state, until the disk is detached or deactivated. A logical unit
  // is found on the SAN by its address, port, target and lun_mapping
  // (iSCSI) or its id (Fibre Channel); one the SAN lacks is held by no one.
  // Connect before the first attachment.
  void ConnectSan(FakeSan* san) { san_ = san; }

  void SetFaultHook(FaultHook hook) { fault_hook_ = std::move(hook); }
  void SetDelayHook(DelayHook hook) { delay_hook_ = std::move(hook); }
  absl::Duration TakeLatency() { return std::exchange(latency_, absl::ZeroDuration()); }
  // An unavailable engine answers every call with Unavailable.
  void set_available(bool available) { available_ = available; }
  // Power transitions take this much longer from now on (slow hosts).
  void set_power_slowdown(absl::Duration extra) { slowdown_ = extra; }

  // For checkers and the harness, never faulted nor delayed: every disk, and
  // one VM as GetVm would return it (nullopt when there is none).
  const std::map<std::string, ovirt::Disk>& disks_for_test() const { return disks_; }
  std::optional<ovirt::Vm> VmForTest(const std::string& vm_id) const;
  // Every VM's id, in order.
  std::vector<std::string> VmIdsForTest() const;
  // product_info.version as EngineVersion() reports it, without a call.
  ovirt::Version VersionForTest() const;
  // For checkers: a count of the changes to the engine's state so far,
  // power transitions that have settled by now included. Equal counts mean
  // an unchanged engine, so what a checker concluded from it still holds.
  uint64_t changes() const;

 private:
  struct Vm {
    std::string id;
    std::string name;
    std::string status;
    std::string settles_to;  // during a transition: down or up
    absl::Time settles_at;
    std::vector<ovirt::DiskAttachment> attachments;  // in attach order
  };

  absl::Status Call(absl::string_view verb, absl::string_view id);
  absl::StatusOr<Vm*> FindVm(absl::string_view vm_id);
  absl::StatusOr<ovirt::DiskAttachment> Attach(Vm& vm, const ovirt::DiskAttachment& request);
  void Settle(Vm& vm) const;
  ovirt::Vm Render(const Vm& vm) const;
  // The VM's hold on the SAN of the LUNs of `disk_id` taken or dropped.
  void Hold(const std::string& vm_id, const std::string& disk_id, bool hold);
  absl::Status Transition(absl::string_view verb, absl::string_view vm_id,
                          absl::string_view from, absl::string_view via,
                          absl::string_view to, absl::Duration takes);

  const ports::Clock& clock_;
  Options options_;
  std::map<std::string, ovirt::Disk> disks_;
  mutable std::map<std::string, Vm> vms_;  // settling is lazy
  mutable uint64_t changes_ = 0;
  // The earliest settles_at of a VM in transition (InfiniteFuture: none),
  // so changes() settles only when one is due.
  mutable absl::Time next_settle_ = absl::InfiniteFuture();
  FakeSan* san_ = nullptr;
  FaultHook fault_hook_;
  DelayHook delay_hook_;
  absl::Duration latency_;
  absl::Duration slowdown_;
  bool available_ = true;
};

}  // namespace ferry::fakes

#endif  // FERRY_FAKES_OVIRT_FAKE_ENGINE_H_
