#include "cmd/ferry/real_vms.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// What virt-launcher defines: a claim's disk raw on its file or device, a
// container disk a qcow2 overlay over its image as the raw backing store.
TEST(RealVms, DefinesAClaimRawAndAContainerDiskAsAnOverlayOverItsImage) {
  const RealVms vms({{"node-a", "qemu:///system"}}, "/k/vmlinuz", "/k/initrd.gz");
  sim::World::RealVm vm;
  vm.node = "node-a";
  vm.domain = "default_vm";
  vm.memory_bytes = int64_t{512} << 20;
  vm.disks = {{.dev = "vda", .path = "/i/alpine.img.default_vm.root.qcow2", .block = false,
               .capacity_bytes = 64 << 20, .backing = "/i/alpine.img"},
              {.dev = "vdb", .path = "/pv/data/disk.img", .block = false,
               .capacity_bytes = 1 << 30, .backing = ""}};
  const std::string xml = vms.DomainXml(vm);
  EXPECT_THAT(xml, HasSubstr("<driver name='qemu' type='qcow2' cache='none' io='native' "
                             "discard='unmap'/><source file='/i/alpine.img.default_vm.root.qcow2'/>"
                             "<backingStore type='file'><format type='raw'/><source "
                             "file='/i/alpine.img'/></backingStore><target dev='vda'"));
  EXPECT_THAT(xml, HasSubstr("<driver name='qemu' type='raw' cache='none' io='native' "
                             "discard='unmap'/><source file='/pv/data/disk.img'/><target dev='vdb'"));
  vm.disks.resize(1);
  vm.disks[0].backing = "";
  EXPECT_THAT(vms.DomainXml(vm), Not(HasSubstr("backingStore")));
}

}  // namespace
}  // namespace ferry::cli
