#include "fakes/libvirt/fake_hypervisor.h"

#include <memory>

#include "core/ports/hypervisor_conformance.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::fakes {
namespace {

using ports::HypervisorConformance;
using ports::HypervisorFactory;

INSTANTIATE_TEST_SUITE_P(Fake, HypervisorConformance,
                         testing::Values(HypervisorFactory([] {
                           return std::make_unique<FakeHypervisor>("node-a");
                         })));

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
