// The Ovirt conformance suite (core/ports/ovirt_conformance.h) against the
// in-process fake engine: the env sets the engine up directly and moves a
// manual clock.
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "api/ovirt.pb.h"
#include "core/ports/clock.h"
#include "core/ports/ovirt.h"
#include "core/ports/ovirt_conformance.h"
#include "fakes/ovirt/fake_engine.h"
#include "gtest/gtest.h"

namespace ferry::fakes {
namespace {

using ports::OvirtConformance;
using ports::OvirtEnvFactory;

class FakeEngineEnv : public ports::OvirtConformanceEnv {
 public:
  explicit FakeEngineEnv(absl::string_view version)
      : engine_(clock_, {.version = std::string(version)}) {}

  ports::Ovirt& ovirt() override { return engine_; }
  void AddDisk(const ovirt::Disk& disk) override { engine_.AddDisk(disk); }
  void AddVm(absl::string_view id, absl::string_view name, absl::string_view status) override {
    engine_.AddVm(
        {.id = std::string(id), .name = std::string(name), .status = std::string(status)});
  }
  // The port's own attach: the same checks and defaults as the engine's
  // POST /vms/{vm}/diskattachments, which is what the env promises.
  absl::Status Attach(absl::string_view vm_id, const ovirt::DiskAttachment& attachment) override {
    return engine_.AttachDisk(vm_id, attachment).status();
  }
  void Advance(absl::Duration d) override { clock_.Advance(d); }

 private:
  ports::ManualClock clock_;
  FakeEngine engine_;
};

INSTANTIATE_TEST_SUITE_P(Fake, OvirtConformance,
                         testing::Values(OvirtEnvFactory([](absl::string_view version) {
                           return std::make_unique<FakeEngineEnv>(version);
                         })));

}  // namespace
}  // namespace ferry::fakes
