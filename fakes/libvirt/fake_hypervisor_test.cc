#include "fakes/libvirt/fake_hypervisor.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "base/fnv.h"
#include "base/status_macros.h"
#include "core/ports/hypervisor_conformance.h"
#include "fakes/libvirt/fake_fabric.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::fakes {
namespace {

using ports::HypervisorCapabilities;
using ports::HypervisorConformance;
using ports::HypervisorTestbed;
using ports::HypervisorTestbedFactory;
using ports::VolumeSource;

// Two hosts of one FakeFabric (or one lone FakeHypervisor, which has no
// copy engine). Fake volumes are kept by name; a volume's data is an
// imported image, whole (so `data_bytes` only says whether there is any).
class FakeTestbed : public HypervisorTestbed {
 public:
  explicit FakeTestbed(bool fabric) {
    if (fabric) {
      fabric_ = std::make_unique<FakeFabric>();
      source_ = fabric_->AddHost("node-a");
      destination_ = fabric_->AddHost("node-b");
    } else {
      alone_ = std::make_unique<FakeHypervisor>("node-a");
      source_ = destination_ = alone_.get();
    }
  }
  ports::Hypervisor& source() override { return *source_; }
  ports::Hypervisor& destination() override { return *destination_; }
  std::string destination_uri() override { return "qemu+tcp://node-b/system"; }
  std::string DomainXml(const std::string& name, const std::string& uuid,
                        const std::vector<VolumeSource>& disks) override {
    std::string xml = absl::StrCat("<domain type='test'><name>", name, "</name>",
                                   uuid.empty() ? "" : absl::StrCat("<uuid>", uuid, "</uuid>"),
                                   "<memory unit='KiB'>131072</memory><devices>");
    for (size_t i = 0; i < disks.size(); ++i) {
      absl::StrAppend(&xml, "<disk type='file' device='disk'><source file='", disks[i].path,
                      "'/><target dev='vd", std::string(1, static_cast<char>('a' + i)),
                      "' bus='virtio'/></disk>");
    }
    return absl::StrCat(xml, "</devices></domain>");
  }
  absl::StatusOr<VolumeSource> CreateVolume(const std::string& name, int64_t bytes, bool block,
                                            bool, int64_t data_bytes, uint64_t seed) override {
    if (fabric_ == nullptr) return absl::UnimplementedError("a lone fake host has no volumes");
    RETURN_IF_ERROR(fabric_->CreateVolume(name, bytes, data_bytes > 0 ? seed : 0));
    return VolumeSource{.claim = "default/" + name, .volume = name, .block = block,
                        .capacity_bytes = bytes, .path = name};
  }
  absl::StatusOr<std::string> Digest(const VolumeSource& volume, int64_t bytes) override {
    const DiskImage* image = fabric_ == nullptr ? nullptr : fabric_->volume(volume.volume);
    if (image == nullptr) return absl::NotFoundError(absl::StrCat("no volume ", volume.volume));
    uint64_t h = kFnv1a64Offset;
    for (int64_t b = 0; b < DiskImage::BlocksFor(bytes); ++b) {
      const uint64_t content = image->Content(b);
      h = Fnv1a64(absl::string_view(reinterpret_cast<const char*>(&content), sizeof content), h);
    }
    return absl::StrCat(h);
  }
  void Wait(absl::Duration d) override {
    if (fabric_ != nullptr) fabric_->Advance(d);
  }
  absl::Status KillDestinationEmulator(const std::string&) override {
    return absl::UnimplementedError("the fake runs no emulator");
  }
  absl::Status RestartSourceDaemon() override {
    return absl::UnimplementedError("the fake has no daemon to restart");
  }

 private:
  std::unique_ptr<FakeFabric> fabric_;
  std::unique_ptr<FakeHypervisor> alone_;
  ports::Hypervisor* source_ = nullptr;
  ports::Hypervisor* destination_ = nullptr;
};

INSTANTIATE_TEST_SUITE_P(
    Fake, HypervisorConformance,
    testing::Values(
        HypervisorTestbedFactory{"LoneHost", HypervisorCapabilities{},
                                 [] { return std::make_unique<FakeTestbed>(false); }},
        HypervisorTestbedFactory{"Fabric", HypervisorCapabilities{.migration = true,
                                                                  .block_volumes = true},
                                 [] { return std::make_unique<FakeTestbed>(true); }}),
    ports::TestbedName);

constexpr char kXml[] = "<domain type='test'><name>vm-1</name></domain>";

TEST(FakeHypervisor, MigrationAnswersUnimplementedLikeTheTestDriver) {
  FakeHypervisor h("node-a");
  ASSERT_TRUE(h.DefineDomain(kXml).ok());
  ports::MigrationRequest request;
  request.domain = "vm-1";
  EXPECT_EQ(h.StartMigration(request).code(), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(h.GetJobStats("vm-1").status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(h.AbortJob("vm-1").code(), absl::StatusCode::kUnimplemented);
}

TEST(FakeHypervisor, FaultHookFailsTheCallAndChangesNothing) {
  FakeHypervisor h("node-a");
  ASSERT_TRUE(h.DefineDomain(kXml).ok());
  h.SetFaultHook([](absl::string_view verb, absl::string_view) {
    return verb == "start" ? absl::UnavailableError("injected: libvirtd not answering")
                           : absl::OkStatus();
  });
  EXPECT_EQ(h.Start("vm-1").code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(h.LookupDomain("vm-1")->state, ports::DomainState::kShutoff);
}

TEST(FakeHypervisor, DelayHookChargesLatencyToTheCaller) {
  FakeHypervisor h("node-a");
  h.SetDelayHook([](absl::string_view verb, absl::string_view) {
    return verb == "start" ? absl::Seconds(2) : absl::ZeroDuration();
  });
  ASSERT_TRUE(h.DefineDomain(kXml).ok());
  EXPECT_EQ(h.TakeLatency(), absl::ZeroDuration());
  ASSERT_TRUE(h.Start("vm-1").ok());
  EXPECT_EQ(h.LookupDomain("vm-1")->state, ports::DomainState::kRunning);  // done at once
  EXPECT_EQ(h.TakeLatency(), absl::Seconds(2));
  EXPECT_EQ(h.TakeLatency(), absl::ZeroDuration());
}

TEST(FakeHypervisor, DaemonRestartKeepsDomainsAndLosesUndeliveredEvents) {
  FakeHypervisor h("node-a");
  ASSERT_TRUE(h.DefineDomain(kXml).ok());
  ASSERT_TRUE(h.Start("vm-1").ok());
  h.RestartDaemon();
  EXPECT_EQ(h.LookupDomain("vm-1")->state, ports::DomainState::kRunning);
  EXPECT_TRUE(h.PollEvents()->empty());
}

TEST(FakeHypervisor, UuidsAreDeterministicPerHost) {
  FakeHypervisor a1("node-a"), a2("node-a"), b("node-b");
  const std::string u1 = a1.DefineDomain(kXml)->uuid;
  EXPECT_EQ(a2.DefineDomain(kXml)->uuid, u1);
  EXPECT_NE(b.DefineDomain(kXml)->uuid, u1);
}

}  // namespace
}  // namespace ferry::fakes
