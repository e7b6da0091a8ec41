// RealVms: `ferry up --libvirt NODE=URI` runs the VMs placed on NODE as real
// QEMU domains on that node's libvirtd, booting a test guest (a kernel and an
// initramfs, e.g. e2e/guest.py's writer), the way virt-launcher would define
// them: a virtio disk per claim volume on the PV's node-local file or device
// (a containerDisk volume: a fresh qcow2 overlay over its image's raw file),
// the serial console logged to /var/log/libvirt/qemu/DOMAIN-serial.log on
// that node.
//
// glibc's malloc is tuned for every QEMU defined here (qemu:env, unless
// `tune_malloc` is false): QEMU's NBD server takes a fresh 1 MiB buffer for
// each write the source's mirror sends, and with glibc's defaults each is
// mmap'd or trimmed back to the kernel when freed, so every request faults
// its pages in again. On this machine that held a storage migration's disk
// phase at a median 199 MiB/s; with the thresholds below it ran at 311 MiB/s
// (bin/bench-migration; docs/storage-migration.md, "How fast the copy is"). The
// migratable XML carries the setting to the destination, where the NBD
// server runs.
//
//   RealVms vms({{"node-a", "qemu:///system?socket=..."}}, kernel, initrd);
//   world_options.start_real_vm = [&](const sim::World::RealVm& vm) { return vms.Start(vm); };
#ifndef FERRY_CMD_FERRY_REAL_VMS_H_
#define FERRY_CMD_FERRY_REAL_VMS_H_

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "adapters/libvirt/libvirt_hypervisor.h"
#include "sim/world.h"

namespace ferry::cli {

class RealVms {
 public:
  // `log` gets a line for each disk image created.
  RealVms(std::map<std::string, std::string> uris, std::string kernel, std::string initrd,
          bool tune_malloc = true, std::function<void(const std::string&)> log = nullptr)
      : uris_(std::move(uris)),
        kernel_(std::move(kernel)),
        initrd_(std::move(initrd)),
        tune_malloc_(tune_malloc),
        log_(std::move(log)) {}

  // Defines and starts `vm` on its node's libvirtd, its Filesystem disks'
  // images prepared first (PrepareDisk).
  absl::Status Start(const sim::World::RealVm& vm);

  // Before a pod on `node` mounts the volume: a Filesystem volume's disk
  // image is created on the node, sparse, the PV's capacity, when missing
  // (as virt-launcher does; the node's libvirtd creates it,
  // adapters/libvirt/disk_image.h). A Block volume's device must be there
  // already. True when it created the image.
  absl::StatusOr<bool> PrepareDisk(const std::string& node, const sim::World::RealDisk& disk);

  // The domain XML Start defines (exposed for tests).
  std::string DomainXml(const sim::World::RealVm& vm) const;

 private:
  const std::map<std::string, std::string> uris_;
  const std::string kernel_, initrd_;
  const bool tune_malloc_;
  const std::function<void(const std::string&)> log_;
  // The node's connection, opened at first use.
  absl::StatusOr<adapters::LibvirtHypervisor*> Node(const std::string& node);

  std::map<std::string, std::unique_ptr<adapters::LibvirtHypervisor>> open_;
};

}  // namespace ferry::cli

#endif  // FERRY_CMD_FERRY_REAL_VMS_H_
