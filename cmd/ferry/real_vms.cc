#include "cmd/ferry/real_vms.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace ferry::cli {

std::string RealVms::DomainXml(const sim::World::RealVm& vm) const {
  // TCG (no KVM guest boots here), q35, the test guest's kernel on the
  // serial console; raw disks with cache=none, as KubeVirt defines them.
  const int64_t memory_kib = std::max<int64_t>(vm.memory_bytes, int64_t{256} << 20) >> 10;
  std::string xml = absl::StrCat(
      "<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'><name>",
      vm.domain, "</name><memory unit='KiB'>", memory_kib,
      "</memory><vcpu>1</vcpu><os><type arch='x86_64' machine='q35'>hvm</type><kernel>",
      kernel_, "</kernel><initrd>", initrd_,
      "</initrd><cmdline>console=ttyS0 quiet</cmdline></os><devices>"
      "<emulator>/usr/bin/qemu-system-x86_64</emulator>");
  for (const sim::World::RealDisk& d : vm.disks) {
    if (!d.backing.empty()) {
      // A container disk: virt-launcher's qcow2 overlay over the raw image.
      absl::StrAppend(&xml,
                      "<disk type='file' device='disk'><driver name='qemu' type='qcow2' "
                      "cache='none' io='native' discard='unmap'/><source file='", d.path,
                      "'/><backingStore type='file'><format type='raw'/><source file='",
                      d.backing, "'/></backingStore><target dev='", d.dev,
                      "' bus='virtio'/></disk>");
      continue;
    }
    absl::StrAppend(&xml, "<disk type='", d.block ? "block" : "file",
                    "' device='disk'><driver name='qemu' type='raw' cache='none' io='native' "
                    "discard='unmap'/><source ", d.block ? "dev" : "file", "='", d.path,
                    "'/><target dev='", d.dev, "' bus='virtio'/></disk>");
  }
  absl::StrAppend(&xml, "<serial type='file'><source path='/var/log/libvirt/qemu/", vm.domain,
                  "-serial.log' append='on'/><target port='0'/></serial>"
                  "<memballoon model='none'/></devices>");
  if (tune_malloc_) {
    // Buffers up to 4 MiB come from the heap (the mirror's are 1 MiB), and
    // up to 32 MiB of free heap (twice the mirror's 16 MiB in flight) stays
    // with the process instead of going back to the kernel at every free.
    absl::StrAppend(&xml,
                    "<qemu:commandline><qemu:env name='MALLOC_MMAP_THRESHOLD_' value='4194304'/>"
                    "<qemu:env name='MALLOC_TRIM_THRESHOLD_' value='33554432'/></qemu:commandline>");
  }
  absl::StrAppend(&xml, "</domain>");
  return xml;
}

absl::StatusOr<adapters::LibvirtHypervisor*> RealVms::Node(const std::string& node) {
  auto uri = uris_.find(node);
  if (uri == uris_.end()) {
    return absl::InvalidArgumentError(absl::StrCat("node ", node, " has no --libvirt URI"));
  }
  std::unique_ptr<adapters::LibvirtHypervisor>& h = open_[node];
  if (h == nullptr) {
    ASSIGN_OR_RETURN(h, adapters::LibvirtHypervisor::Open(uri->second));
  }
  return h.get();
}

absl::Status RealVms::Start(const sim::World::RealVm& vm) {
  ASSIGN_OR_RETURN(adapters::LibvirtHypervisor * h, Node(vm.node));
  // The launcher pod's mount may not have run yet (its claim still being
  // populated): the domain needs its images either way.
  for (const sim::World::RealDisk& d : vm.disks) {
    if (d.backing.empty()) {
      RETURN_IF_ERROR(PrepareDisk(vm.node, d).status());
      continue;
    }
    // A container disk starts from its image: a fresh overlay at each start.
    RETURN_IF_ERROR(h->CreateOverlay(d.path, d.backing, d.capacity_bytes));
    if (log_ != nullptr) {
      log_(absl::StrCat(vm.node, ": created ", d.path, " (qcow2 over ", d.backing,
                        "), as virt-launcher would for a containerDisk"));
    }
  }
  RETURN_IF_ERROR(h->DefineDomain(DomainXml(vm)).status());
  return h->Start(vm.domain);
}

absl::StatusOr<bool> RealVms::PrepareDisk(const std::string& node,
                                          const sim::World::RealDisk& disk) {
  if (disk.block) return false;
  if (disk.capacity_bytes <= 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot create ", disk.path, ": its PersistentVolume gives no spec.capacity.storage"));
  }
  ASSIGN_OR_RETURN(adapters::LibvirtHypervisor * h, Node(node));
  ASSIGN_OR_RETURN(bool created, h->EnsureDiskImage(disk.path, disk.capacity_bytes));
  if (created && log_ != nullptr) {
    log_(absl::StrCat(node, ": created ", disk.path, " (", disk.capacity_bytes,
                      " bytes, sparse), as virt-launcher would for a Filesystem claim"));
  }
  return created;
}

}  // namespace ferry::cli
