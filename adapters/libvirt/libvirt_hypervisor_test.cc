// The libvirt adapter against libvirt's built-in test driver: no daemon, no
// QEMU. Each test opens a private driver instance from an empty node file.
#include "adapters/libvirt/libvirt_hypervisor.h"

#include <fstream>
#include <memory>
#include <string>

#include "core/ports/hypervisor_conformance.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::adapters {
namespace {

using ports::HypervisorConformance;
using ports::HypervisorFactory;

// test:///<absolute path of an empty node file>: a fresh test driver.
std::string EmptyTestDriverUri() {
  const std::string path = testing::TempDir() + "/ferry-empty-node.xml";
  std::ofstream(path) << "<node></node>\n";
  return "test://" + path;
}

std::unique_ptr<ports::Hypervisor> OpenOrDie() {
  absl::StatusOr<std::unique_ptr<LibvirtHypervisor>> h =
      LibvirtHypervisor::Open(EmptyTestDriverUri());
  EXPECT_TRUE(h.ok()) << h.status();
  return h.ok() ? std::move(*h) : nullptr;
}

INSTANTIATE_TEST_SUITE_P(LibvirtTestDriver, HypervisorConformance,
                         testing::Values(HypervisorFactory(&OpenOrDie)));

constexpr char kXml[] =
    "<domain type='test'><name>vm-1</name><memory unit='KiB'>131072</memory>"
    "<os><type arch='x86_64'>hvm</type></os></domain>";

TEST(LibvirtHypervisor, TestDriverHasNoMigrationAndSaysSo) {
  std::unique_ptr<ports::Hypervisor> h = OpenOrDie();
  ASSERT_NE(h, nullptr);
  ASSERT_TRUE(h->DefineDomain(kXml).ok());
  ASSERT_TRUE(h->Start("vm-1").ok());
  ports::MigrationRequest request;
  request.domain = "vm-1";
  request.destination_uri = "test:///default";
  request.disks.push_back({"vda", "/var/lib/ferry/vda.img"});
  const absl::Status migrate = h->StartMigration(request);
  EXPECT_EQ(migrate.code(), absl::StatusCode::kUnimplemented) << migrate;
  EXPECT_EQ(h->GetJobStats("vm-1").status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(h->AbortJob("vm-1").code(), absl::StatusCode::kUnimplemented);
}

TEST(LibvirtHypervisor, UnreachableDaemonIsUnavailable) {
  absl::StatusOr<std::unique_ptr<LibvirtHypervisor>> h =
      LibvirtHypervisor::Open("test:///nonexistent/ferry-node.xml");
  EXPECT_EQ(h.status().code(), absl::StatusCode::kUnavailable) << h.status();
}

}  // namespace
}  // namespace ferry::adapters
