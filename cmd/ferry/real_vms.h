// RealVms: `ferry up --libvirt NODE=URI` runs the VMs placed on NODE as real
// QEMU domains on that node's libvirtd, booting a test guest (a kernel and an
// initramfs, e.g. e2e/guest.py's writer), the way virt-launcher would define
// them: a virtio disk per claim volume on the PV's node-local file or device,
// the serial console logged to /var/log/libvirt/qemu/DOMAIN-serial.log on
// that node.
//
//   RealVms vms({{"node-a", "qemu:///system?socket=..."}}, kernel, initrd);
//   world_options.start_real_vm = [&](const sim::World::RealVm& vm) { return vms.Start(vm); };
#ifndef FERRY_CMD_FERRY_REAL_VMS_H_
#define FERRY_CMD_FERRY_REAL_VMS_H_

#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "adapters/libvirt/libvirt_hypervisor.h"
#include "sim/world.h"

namespace ferry::cli {

class RealVms {
 public:
  RealVms(std::map<std::string, std::string> uris, std::string kernel, std::string initrd)
      : uris_(std::move(uris)), kernel_(std::move(kernel)), initrd_(std::move(initrd)) {}

  // Defines and starts `vm` on its node's libvirtd.
  absl::Status Start(const sim::World::RealVm& vm);

  // The domain XML Start defines (exposed for tests).
  std::string DomainXml(const sim::World::RealVm& vm) const;

 private:
  const std::map<std::string, std::string> uris_;
  const std::string kernel_, initrd_;
  std::map<std::string, std::unique_ptr<adapters::LibvirtHypervisor>> open_;
};

}  // namespace ferry::cli

#endif  // FERRY_CMD_FERRY_REAL_VMS_H_
