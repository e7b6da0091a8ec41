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

// One test driver instance is both hosts; it has no migration, volumes or
// daemon (declared: no capabilities).
class TestDriverTestbed : public ports::HypervisorTestbed {
 public:
  TestDriverTestbed() : hypervisor_(OpenOrDie()) {}
  ports::Hypervisor& source() override { return *hypervisor_; }
  ports::Hypervisor& destination() override { return *hypervisor_; }
  std::string destination_uri() override { return "test:///default"; }
  std::string DomainXml(const std::string& name, const std::string& uuid,
                        const std::vector<ports::VolumeSource>&) override {
    return "<domain type='test'><name>" + name + "</name>" +
           (uuid.empty() ? "" : "<uuid>" + uuid + "</uuid>") +
           "<memory unit='KiB'>131072</memory><vcpu>1</vcpu>"
           "<os><type arch='x86_64'>hvm</type></os></domain>";
  }
  absl::StatusOr<ports::VolumeSource> CreateVolume(const std::string&, int64_t, bool, bool,
                                                   int64_t, uint64_t) override {
    return absl::UnimplementedError("the test driver has no volumes here");
  }
  absl::StatusOr<std::string> Digest(const ports::VolumeSource&, int64_t) override {
    return absl::UnimplementedError("the test driver has no volumes here");
  }
  void Wait(absl::Duration) override {}
  absl::Status KillDestinationEmulator(const std::string&) override {
    return absl::UnimplementedError("the test driver runs no emulator");
  }
  absl::Status RestartSourceDaemon() override {
    return absl::UnimplementedError("the test driver has no daemon");
  }

 private:
  std::unique_ptr<ports::Hypervisor> hypervisor_;
};

INSTANTIATE_TEST_SUITE_P(
    Libvirt, HypervisorConformance,
    testing::Values(ports::HypervisorTestbedFactory{
        "TestDriver", ports::HypervisorCapabilities{},
        [] { return std::make_unique<TestDriverTestbed>(); }}),
    ports::TestbedName);

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
  request.disks.push_back({"vda", {.volume = "pv-1", .path = "/var/lib/ferry/vda.img"}});
  // Checked before any migration call: the domain has no disk vda.
  const absl::Status migrate = h->StartMigration(request);
  EXPECT_EQ(migrate.code(), absl::StatusCode::kInvalidArgument) << migrate;
  EXPECT_THAT(migrate.message(), testing::HasSubstr("vda"));
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
