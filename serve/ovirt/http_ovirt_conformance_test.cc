// The Ovirt conformance suite (core/ports/ovirt_conformance.h) against the
// REST adapter (adapters/ovirt) talking HTTPS to the served fake engine:
// the same behaviour as the in-process fake, through the engine's JSON,
// fault bodies and SSO.
#include <memory>
#include <string>

#include "adapters/ovirt/http_ovirt.h"
#include "core/ports/ovirt_conformance.h"
#include "gtest/gtest.h"
#include "serve/ovirt/served_engine_testing.h"

namespace ferry::serve {
namespace {

using ports::OvirtConformance;

class ServedEngineEnv : public ports::OvirtConformanceEnv {
 public:
  explicit ServedEngineEnv(absl::string_view version)
      : served_(std::string(version)), adapter_(served_.config()) {}

  ports::Ovirt& ovirt() override { return adapter_; }
  void AddDisk(const ovirt::Disk& disk) override {
    served_.WithEngine([&](fakes::FakeEngine& e) { e.AddDisk(disk); });
  }
  void AddVm(absl::string_view id, absl::string_view name, absl::string_view status) override {
    served_.WithEngine([&](fakes::FakeEngine& e) {
      e.AddVm({.id = std::string(id), .name = std::string(name), .status = std::string(status)});
    });
  }
  absl::Status Attach(absl::string_view vm_id, const ovirt::DiskAttachment& attachment) override {
    absl::Status s;
    served_.WithEngine([&](fakes::FakeEngine& e) { s = e.AttachDisk(vm_id, attachment).status(); });
    return s;
  }
  void Advance(absl::Duration d) override { served_.Advance(d); }

 private:
  ServedEngine served_;
  adapters::HttpOvirt adapter_;
};

INSTANTIATE_TEST_SUITE_P(Served, OvirtConformance,
                         testing::Values(ports::OvirtEnvFactory([](absl::string_view version) {
                           return std::make_unique<ServedEngineEnv>(version);
                         })));

}  // namespace
}  // namespace ferry::serve
