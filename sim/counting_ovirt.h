// CountingOvirt: the Ovirt port with every call counted, by request, for
// the figures of how much a process asks the engine (BM_LunPlanScale's
// engine_calls/vm). Each call is one REST request of the real engine.
//
//   CountingOvirt counted(engine);
//   runtime::Executor executor({.kube = &api, .ovirt = &counted});
//   ... counted.calls() ...
#ifndef FERRY_SIM_COUNTING_OVIRT_H_
#define FERRY_SIM_COUNTING_OVIRT_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/ports/ovirt.h"

namespace ferry::sim {

class CountingOvirt : public ports::Ovirt {
 public:
  struct Tally {
    int64_t calls = 0;
    std::map<std::string, int64_t> by_request;  // "get vm", "get disk", "list vms"...
  };

  // Counts into `tally` (shared), or into its own when none is given.
  explicit CountingOvirt(ports::Ovirt& engine, Tally* tally = nullptr)
      : engine_(engine), tally_(tally != nullptr ? tally : &own_) {}

  absl::StatusOr<ovirt::Version> EngineVersion() override {
    Count("get api");
    return engine_.EngineVersion();
  }
  absl::StatusOr<std::vector<ovirt::Vm>> ListVms() override {
    Count("list vms");
    return engine_.ListVms();
  }
  absl::StatusOr<ovirt::Vm> GetVm(absl::string_view vm_id) override {
    Count("get vm");
    return engine_.GetVm(vm_id);
  }
  absl::StatusOr<ovirt::Disk> GetDisk(absl::string_view disk_id) override {
    Count("get disk");
    return engine_.GetDisk(disk_id);
  }
  absl::Status Shutdown(absl::string_view vm_id) override {
    Count("shutdown");
    return engine_.Shutdown(vm_id);
  }
  absl::Status Stop(absl::string_view vm_id) override {
    Count("stop");
    return engine_.Stop(vm_id);
  }
  absl::Status Start(absl::string_view vm_id) override {
    Count("start");
    return engine_.Start(vm_id);
  }
  absl::Status DetachDisk(absl::string_view vm_id, absl::string_view attachment_id) override {
    Count("detach");
    return engine_.DetachDisk(vm_id, attachment_id);
  }
  absl::Status DeactivateDisk(absl::string_view vm_id,
                              absl::string_view attachment_id) override {
    Count("deactivate");
    return engine_.DeactivateDisk(vm_id, attachment_id);
  }
  absl::StatusOr<ovirt::DiskAttachment> AttachDisk(
      absl::string_view vm_id, const ovirt::DiskAttachment& attachment) override {
    Count("attach");
    return engine_.AttachDisk(vm_id, attachment);
  }

  int64_t calls() const { return tally_->calls; }

 private:
  void Count(const char* request) {
    ++tally_->calls;
    ++tally_->by_request[request];
  }

  ports::Ovirt& engine_;
  Tally own_;
  Tally* tally_;
};

}  // namespace ferry::sim

#endif  // FERRY_SIM_COUNTING_OVIRT_H_
