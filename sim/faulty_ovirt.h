// FaultyOvirt: the Ovirt port with injected faults. Before each call a
// policy says how long it takes and whether it fails; a failed call never
// reaches the engine. It wraps the simulator's fake engine for the LUN
// controller, or (issue 20) the REST adapter of a real engine.
//
//   FaultyOvirt engine(fake_engine, &faults);
//
// Calls are named as the fake names them: version, list_vms, get_vm,
// get_disk, shutdown, stop, start, detach, deactivate, attach; each with
// the VM (or, for get_disk, the disk) it is about.
#ifndef FERRY_SIM_FAULTY_OVIRT_H_
#define FERRY_SIM_FAULTY_OVIRT_H_

#include <functional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "core/ports/ovirt.h"

namespace ferry::sim {

struct OvirtCall {
  absl::string_view verb;
  absl::string_view id;
};

class FaultyOvirt : public ports::Ovirt {
 public:
  struct Faults {
    std::function<absl::Duration(const OvirtCall&)> delay;
    // A non-OK status fails the call, which then never reaches the engine.
    std::function<absl::Status(const OvirtCall&)> fail;
  };

  // `faults` (not owned; may be changed at any time) applies to every call.
  FaultyOvirt(ports::Ovirt& engine, const Faults* faults) : engine_(engine), faults_(faults) {}

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

  // The delays of the calls since the last TakeLatency, and resets them.
  absl::Duration TakeLatency() { return std::exchange(latency_, absl::ZeroDuration()); }

 private:
  absl::Status Before(absl::string_view verb, absl::string_view id);

  ports::Ovirt& engine_;
  const Faults* faults_;
  absl::Duration latency_;
};

}  // namespace ferry::sim

#endif  // FERRY_SIM_FAULTY_OVIRT_H_
