// The fault decorators: a delay is owed by the caller, a fault fails the
// call without it reaching the port (the system behind is unchanged), and
// each call is described by verb and subject as the scenarios match them.
#include <string>
#include <vector>

#include "api/core.pb.h"
#include "core/ports/clock.h"
#include "fakes/kube/fake_kube_api.h"
#include "fakes/libvirt/fake_fabric.h"
#include "fakes/ovirt/fake_engine.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/faulty_hypervisor.h"
#include "sim/faulty_kube_api.h"
#include "sim/faulty_ovirt.h"

namespace ferry::sim {
namespace {

using ::testing::ElementsAre;

k8s::Secret SecretNamed(const std::string& name) {
  k8s::Secret cm;
  cm.mutable_metadata()->set_name(name);
  cm.mutable_metadata()->set_namespace_("default");
  return cm;
}

TEST(FaultyKubeApi, AFailedCallNeverReachesTheApiAndADelayIsOwed) {
  ports::ManualClock clock;
  fakes::FakeKubeApi fake(clock);
  std::vector<std::string> seen;
  FaultyKubeApi::Faults faults;
  faults.delay = [&](const KubeCall& c) {
    seen.push_back(absl::StrCat(c.verb, " ", c.key.kind, " ", c.key.namespace_, "/", c.key.name));
    return c.verb == "get" ? absl::Seconds(3) : absl::ZeroDuration();
  };
  faults.fail = [](const KubeCall& c) {
    return c.verb == "create" && c.key.name == "refused" ? absl::UnavailableError("injected")
                                                          : absl::OkStatus();
  };
  FaultyKubeApi api(fake, &faults);
  EXPECT_EQ(api.Create(SecretNamed("refused")).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(fake.resource_version(), 0) << "the API server never saw it";
  ASSERT_TRUE(api.Create(SecretNamed("kept")).ok());
  EXPECT_TRUE(api.Get({"Secret", "default", "kept"}).ok());
  EXPECT_TRUE(api.List("Secret", "default", {}).ok());
  EXPECT_TRUE(api.Watch("Secret", "0", {}, false).ok());
  EXPECT_TRUE(api.Delete({"Secret", "default", "kept"}, "").ok());
  EXPECT_THAT(seen, ElementsAre("create Secret default/refused", "create Secret default/kept",
                                "get Secret default/kept", "list Secret default/",
                                "watch Secret /", "delete Secret default/kept"));
  EXPECT_EQ(api.TakeLatency(), absl::Seconds(3));
  EXPECT_EQ(api.TakeLatency(), absl::ZeroDuration());
  FaultyKubeApi plain(fake, nullptr);
  EXPECT_TRUE(plain.Create(SecretNamed("no-faults")).ok());
}

TEST(FaultyHypervisor, CallsNameTheirHostVerbAndDomain) {
  fakes::FakeFabric fabric;
  fakes::FakeHypervisor* node = fabric.AddHost("node-a");
  std::vector<std::string> seen;
  FaultyHypervisor::Faults faults;
  faults.fail = [&](const HypervisorCall& c) {
    seen.push_back(absl::StrCat(c.host, " ", c.verb, " ", c.domain));
    return c.verb == "define" ? absl::InternalError("injected") : absl::OkStatus();
  };
  faults.delay = [](const HypervisorCall& c) {
    return c.verb == "lookup" ? absl::Seconds(2) : absl::ZeroDuration();
  };
  FaultyHypervisor host(*node, "node-a", &faults);
  EXPECT_EQ(host.DefineDomain("<domain type='kvm'><name>vm1</name></domain>").status().code(),
            absl::StatusCode::kInternal);
  EXPECT_EQ(node->LookupDomain("vm1").status().code(), absl::StatusCode::kNotFound)
      << "libvirt never saw the definition";
  EXPECT_EQ(host.LookupDomain("vm1").status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(host.ListDomains().ok());
  EXPECT_THAT(seen, ElementsAre("node-a define vm1", "node-a lookup vm1", "node-a list "));
  EXPECT_EQ(host.TakeLatency(), absl::Seconds(2));
}

TEST(FaultyOvirt, AFailedCallLeavesTheEngineAsItWas) {
  ports::ManualClock clock;
  fakes::FakeEngine engine(clock);
  engine.AddVm({.id = "vm-1", .name = "db", .status = "up"});
  std::vector<std::string> seen;
  FaultyOvirt::Faults faults;
  faults.fail = [&](const OvirtCall& c) {
    seen.push_back(absl::StrCat(c.verb, " ", c.id));
    return c.verb == "stop" ? absl::FailedPreconditionError("injected") : absl::OkStatus();
  };
  faults.delay = [](const OvirtCall& c) {
    return c.verb == "get_vm" ? absl::Seconds(1) : absl::ZeroDuration();
  };
  FaultyOvirt api(engine, &faults);
  EXPECT_EQ(api.Stop("vm-1").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(engine.GetVm("vm-1")->status(), "up");
  EXPECT_EQ(api.GetVm("vm-1")->status(), "up");
  EXPECT_TRUE(api.ListVms().ok());
  EXPECT_EQ(api.GetDisk("nope").status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(seen, ElementsAre("stop vm-1", "get_vm vm-1", "list_vms ", "get_disk nope"));
  EXPECT_EQ(api.TakeLatency(), absl::Seconds(1));
}

}  // namespace
}  // namespace ferry::sim
