#include "core/ports/hypervisor_conformance.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"

namespace ferry::ports {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string DomainXmlFor(const std::string& name, const std::string& uuid = "") {
  return absl::StrCat(
      "<domain type='test'><name>", name, "</name>",
      uuid.empty() ? "" : absl::StrCat("<uuid>", uuid, "</uuid>"),
      "<memory unit='KiB'>131072</memory><vcpu>1</vcpu>"
      "<os><type arch='x86_64'>hvm</type></os></domain>");
}

std::vector<DomainEventType> TypesFor(const std::vector<DomainEvent>& events,
                                      const std::string& name) {
  std::vector<DomainEventType> out;
  for (const DomainEvent& e : events) {
    if (e.domain == name) out.push_back(e.type);
  }
  return out;
}

TEST_P(HypervisorConformance, DefinedDomainCanBeLookedUpAndDescribed) {
  absl::StatusOr<DomainInfo> defined = hypervisor_->DefineDomain(DomainXmlFor("ferry-conf-1"));
  ASSERT_TRUE(defined.ok()) << defined.status();
  EXPECT_EQ(defined->name, "ferry-conf-1");
  EXPECT_EQ(defined->state, DomainState::kShutoff);
  EXPECT_TRUE(defined->persistent);
  EXPECT_EQ(defined->uuid.size(), 36u);
  absl::StatusOr<DomainInfo> found = hypervisor_->LookupDomain("ferry-conf-1");
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->uuid, defined->uuid);
  absl::StatusOr<std::string> xml = hypervisor_->DomainXml("ferry-conf-1");
  ASSERT_TRUE(xml.ok()) << xml.status();
  EXPECT_THAT(*xml, HasSubstr("<name>ferry-conf-1</name>"));
}

TEST_P(HypervisorConformance, MissingDomainIsNotFound) {
  EXPECT_EQ(hypervisor_->LookupDomain("ferry-conf-none").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(hypervisor_->Start("ferry-conf-none").code(), absl::StatusCode::kNotFound);
}

TEST_P(HypervisorConformance, BadXmlIsInvalidArgument) {
  EXPECT_EQ(hypervisor_->DefineDomain("<domain type='test'></domain>").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(HypervisorConformance, AnotherDomainWithTheSameUuidIsRefused) {
  const std::string uuid = "6f1c9e2a-0b3d-4e5f-8a7b-9c0d1e2f3a4b";
  ASSERT_TRUE(hypervisor_->DefineDomain(DomainXmlFor("ferry-conf-1", uuid)).ok());
  const absl::StatusCode code =
      hypervisor_->DefineDomain(DomainXmlFor("ferry-conf-2", uuid)).status().code();
  EXPECT_TRUE(code == absl::StatusCode::kAlreadyExists ||
              code == absl::StatusCode::kFailedPrecondition ||
              code == absl::StatusCode::kInternal)
      << code;
  EXPECT_EQ(hypervisor_->LookupDomain("ferry-conf-2").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(HypervisorConformance, LifecycleFollowsLibvirtsStateRules) {
  ASSERT_TRUE(hypervisor_->DefineDomain(DomainXmlFor("ferry-conf-1")).ok());
  auto state = [&] { return hypervisor_->LookupDomain("ferry-conf-1")->state; };
  EXPECT_EQ(hypervisor_->Resume("ferry-conf-1").code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(hypervisor_->Start("ferry-conf-1").ok());
  EXPECT_EQ(state(), DomainState::kRunning);
  EXPECT_EQ(hypervisor_->Start("ferry-conf-1").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(hypervisor_->Resume("ferry-conf-1").code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(hypervisor_->Suspend("ferry-conf-1").ok());
  EXPECT_EQ(state(), DomainState::kPaused);
  ASSERT_TRUE(hypervisor_->Resume("ferry-conf-1").ok());
  EXPECT_EQ(state(), DomainState::kRunning);
  ASSERT_TRUE(hypervisor_->Destroy("ferry-conf-1").ok());
  EXPECT_EQ(state(), DomainState::kShutoff);
  EXPECT_EQ(hypervisor_->Destroy("ferry-conf-1").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(hypervisor_->Suspend("ferry-conf-1").code(), absl::StatusCode::kFailedPrecondition);
}

TEST_P(HypervisorConformance, LifecycleEventsArriveInOrder) {
  ASSERT_TRUE(hypervisor_->PollEvents().ok());  // drop anything from before
  ASSERT_TRUE(hypervisor_->DefineDomain(DomainXmlFor("ferry-conf-1")).ok());
  ASSERT_TRUE(hypervisor_->Start("ferry-conf-1").ok());
  ASSERT_TRUE(hypervisor_->Suspend("ferry-conf-1").ok());
  ASSERT_TRUE(hypervisor_->Resume("ferry-conf-1").ok());
  ASSERT_TRUE(hypervisor_->Destroy("ferry-conf-1").ok());
  ASSERT_TRUE(hypervisor_->UndefineDomain("ferry-conf-1").ok());
  absl::StatusOr<std::vector<DomainEvent>> events = hypervisor_->PollEvents();
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(TypesFor(*events, "ferry-conf-1"),
              ElementsAre(DomainEventType::kDefined, DomainEventType::kStarted,
                          DomainEventType::kSuspended, DomainEventType::kResumed,
                          DomainEventType::kStopped, DomainEventType::kUndefined));
  EXPECT_TRUE(TypesFor(*hypervisor_->PollEvents(), "ferry-conf-1").empty());
}

TEST_P(HypervisorConformance, UndefineRemovesAStoppedDomain) {
  ASSERT_TRUE(hypervisor_->DefineDomain(DomainXmlFor("ferry-conf-1")).ok());
  ASSERT_TRUE(hypervisor_->UndefineDomain("ferry-conf-1").ok());
  EXPECT_EQ(hypervisor_->LookupDomain("ferry-conf-1").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(HypervisorConformance, ListIsOrderedByName) {
  for (const char* name : {"ferry-conf-b", "ferry-conf-a", "ferry-conf-c"}) {
    ASSERT_TRUE(hypervisor_->DefineDomain(DomainXmlFor(name)).ok());
  }
  absl::StatusOr<std::vector<DomainInfo>> all = hypervisor_->ListDomains();
  ASSERT_TRUE(all.ok()) << all.status();
  std::vector<std::string> ours;
  for (const DomainInfo& d : *all) {
    if (d.name.rfind("ferry-conf-", 0) == 0) ours.push_back(d.name);
  }
  EXPECT_THAT(ours, ElementsAre("ferry-conf-a", "ferry-conf-b", "ferry-conf-c"));
}

TEST_P(HypervisorConformance, MigratingAMissingDomainIsNotFound) {
  MigrationRequest request;
  request.domain = "ferry-conf-none";
  request.destination_uri = "test:///default";
  EXPECT_EQ(hypervisor_->StartMigration(request).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(hypervisor_->GetJobStats("ferry-conf-none").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace ferry::ports
