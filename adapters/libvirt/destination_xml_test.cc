#include "adapters/libvirt/destination_xml.h"

#include <string>

#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::adapters {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr int64_t kGiB = int64_t{1} << 30;

// A source's `virsh dumpxml --migratable`, as libvirt 9.0 writes it for a
// q35 TCG guest with a root disk, a data disk on a device, and a serial log.
constexpr char kSource[] = R"(<domain type='qemu'>
  <name>default_vm</name>
  <uuid>5b0f2c4e-3a1d-4c7b-9e8f-2d6a1b3c4e5f</uuid>
  <memory unit='KiB'>262144</memory>
  <os>
    <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>
  </os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw' cache='none' io='native' discard='unmap'/>
      <source file='/srv/node-a/pv-src/disk.img'/>
      <target dev='vda' bus='virtio'/>
      <address type='pci' domain='0x0000' bus='0x03' slot='0x00' function='0x0'/>
    </disk>
    <disk type='block' device='disk'>
      <driver name='qemu' type='raw' cache='none' io='native'/>
      <source dev='/dev/loop3'/>
      <target dev='vdb' bus='virtio'/>
      <address type='pci' domain='0x0000' bus='0x04' slot='0x00' function='0x0'/>
    </disk>
    <serial type='file'>
      <source path='/var/log/ferry/default_vm.log'/>
      <target type='isa-serial' port='0'/>
    </serial>
  </devices>
</domain>)";

ports::DiskCopy Copy(const std::string& dev, const std::string& path, int64_t bytes,
                     bool block = false) {
  return {dev, {.claim = "default/dst", .volume = "pv-dst", .block = block,
                .capacity_bytes = bytes, .path = path}};
}

TEST(DestinationXml, SameSizeFileChangesOnlyThatDisksSource) {
  absl::StatusOr<std::string> xml =
      DestinationXml(kSource, {Copy("vda", "/srv/node-b/pv-dst/disk.img", kGiB)},
                     {{"vda", kGiB}});
  ASSERT_TRUE(xml.ok()) << xml.status();
  // Exactly one change: vda's source, with no slice (equal sizes).
  const std::string expected = absl::StrReplaceAll(
      kSource, {{"<source file='/srv/node-a/pv-src/disk.img'/>",
                 "<source file=\"/srv/node-b/pv-dst/disk.img\"/>"}});
  EXPECT_EQ(absl::StrReplaceAll(*xml, {{"\"", "'"}}),
            absl::StrReplaceAll(expected, {{"\"", "'"}}));
}

TEST(DestinationXml, LargerDestinationGetsAStorageSliceOfTheSourcesSize) {
  absl::StatusOr<std::string> xml = DestinationXml(
      kSource, {Copy("vda", "/srv/node-b/big/disk.img", 4 * kGiB)}, {{"vda", kGiB}});
  ASSERT_TRUE(xml.ok()) << xml.status();
  EXPECT_THAT(*xml, HasSubstr("<source file=\"/srv/node-b/big/disk.img\"><slices><slice "
                              "type=\"storage\" offset=\"0\" size=\"1073741824\"/></slices>"
                              "</source>"));
}

// A container disk: virt-launcher's qcow2 overlay over the image. The
// destination is the raw claim the chain is flattened onto.
TEST(DestinationXml, AnImageChainLandsAsARawDiskWithoutItsBackingStore) {
  const std::string chain = absl::StrReplaceAll(
      kSource,
      {{"<driver name='qemu' type='raw' cache='none' io='native' discard='unmap'/>",
        "<driver name='qemu' type='qcow2' cache='none' io='native' discard='unmap'/>"},
       {"<source file='/srv/node-a/pv-src/disk.img'/>",
        "<source file='/srv/images/alpine.qcow2'/><backingStore type='file'><format "
        "type='raw'/><source file='/srv/images/alpine.img'/></backingStore>"}});
  ASSERT_NE(chain, kSource);
  absl::StatusOr<std::string> xml = DestinationXml(
      chain, {Copy("vda", "/srv/node-b/pv-dst/disk.img", 2 * kGiB)}, {{"vda", kGiB}});
  ASSERT_TRUE(xml.ok()) << xml.status();
  EXPECT_THAT(*xml, HasSubstr("<driver name=\"qemu\" type=\"raw\" cache=\"none\""));
  EXPECT_THAT(*xml, Not(HasSubstr("backingStore")));
  EXPECT_THAT(*xml, Not(HasSubstr("alpine")));
  EXPECT_THAT(*xml, HasSubstr("<source file=\"/srv/node-b/pv-dst/disk.img\"><slices>"));
}

TEST(DestinationXml, FilesystemToBlockAndBlockToFilesystem) {
  absl::StatusOr<std::string> xml = DestinationXml(
      kSource,
      {Copy("vda", "/dev/loop9", kGiB, /*block=*/true), Copy("vdb", "/srv/b/disk.img", 2 * kGiB)},
      {{"vda", kGiB}, {"vdb", 2 * kGiB}});
  ASSERT_TRUE(xml.ok()) << xml.status();
  // libxml2 writes every attribute in double quotes.
  const std::string got = absl::StrReplaceAll(*xml, {{"\"", "'"}});
  EXPECT_THAT(got, HasSubstr("<disk type='block' device='disk'>\n      <driver name='qemu' "
                             "type='raw' cache='none' io='native' discard='unmap'/>\n      "
                             "<source dev='/dev/loop9'/>"));
  EXPECT_THAT(got, HasSubstr("<disk type='file' device='disk'>\n      <driver name='qemu' "
                             "type='raw' cache='none' io='native'/>\n      "
                             "<source file='/srv/b/disk.img'/>"));
  EXPECT_THAT(got, Not(HasSubstr("/srv/node-a/pv-src")));
  EXPECT_THAT(got, Not(HasSubstr("/dev/loop3")));
  // The guest ABI is untouched: machine type, addresses, the serial log.
  EXPECT_THAT(got, HasSubstr("machine='pc-q35-7.2'"));
  EXPECT_THAT(got, HasSubstr("bus='0x04' slot='0x00'"));
  EXPECT_THAT(got, HasSubstr("<source path='/var/log/ferry/default_vm.log'/>"));
}

TEST(DestinationXml, KeepsTheSourcesQemuCommandlineNamespace) {
  // The QEMU environment the source was defined with (ferry up's malloc
  // thresholds) reaches the destination QEMU, whose NBD server needs it.
  const std::string source = absl::StrReplaceAll(
      kSource, {{"<domain type='qemu'>",
                 "<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>"},
                {"  </devices>\n",
                 "  </devices>\n  <qemu:commandline>\n    <qemu:env name='MALLOC_TRIM_THRESHOLD_' "
                 "value='33554432'/>\n  </qemu:commandline>\n"}});
  ASSERT_THAT(source, HasSubstr("<qemu:env"));
  absl::StatusOr<std::string> xml = DestinationXml(
      source, {Copy("vda", "/srv/node-b/pv-dst/disk.img", kGiB)}, {{"vda", kGiB}});
  ASSERT_TRUE(xml.ok()) << xml.status();
  const std::string got = absl::StrReplaceAll(*xml, {{"\"", "'"}});
  EXPECT_THAT(got, HasSubstr("xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'"));
  EXPECT_THAT(got, HasSubstr("<qemu:commandline>\n    <qemu:env name='MALLOC_TRIM_THRESHOLD_' "
                             "value='33554432'/>\n  </qemu:commandline>"));
}

TEST(DestinationXml, RefusesWhatCannotBeCopied) {
  EXPECT_EQ(DestinationXml(kSource, {Copy("vdz", "/x/disk.img", kGiB)}, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  absl::Status no_path = DestinationXml(kSource, {Copy("vda", "", kGiB)}, {{"vda", kGiB}}).status();
  EXPECT_EQ(no_path.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(no_path.message(), HasSubstr("PersistentVolume pv-dst (claim default/dst) names no "
                                           "node-local path"));
  absl::Status small =
      DestinationXml(kSource, {Copy("vda", "/x/disk.img", kGiB / 2)}, {{"vda", kGiB}}).status();
  EXPECT_EQ(small.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(small.message(), HasSubstr("536870912 bytes, less than the 1073741824 bytes"));
  EXPECT_EQ(DestinationXml("<domain", {}, {}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DestinationXml("<network/>", {}, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ferry::adapters
