// What an oVirt engine answers (OvirtInput: the API root, the plan's VMs with
// their attachments, the single-disk reads), in the engine's JSON shapes, read
// the way Ferry reads them (manifest::ParseDocument, proto field names), then
// the LUN plan's validation and object building. No crash; and for every VM
// validation lets through (no Critical finding), every object Ferry would
// create for it — each LUN's PersistentVolume and claim, each image's
// DataVolume, the target VirtualMachine — passes the API server's validation.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "api/manifest/reader.h"
#include "api/validation/validate.h"
#include "core/lun_migration/lun.h"
#include "core/lun_migration/lun_objects.h"
#include "core/lun_migration/target_objects.h"
#include "core/lun_migration/validation.h"
#include "fuzz/check.h"
#include "fuzz/fuzz_inputs.pb.h"

namespace {

namespace lun = ferry::lun_migration;

void CheckValid(const google::protobuf::Message& object, const std::string& vm) {
  absl::StatusOr<std::vector<ferry::manifest::Finding>> findings =
      ferry::validation::ValidateMessage(object);
  FUZZ_CHECK(findings.ok(), findings.status());
  for (const ferry::manifest::Finding& f : *findings) {
    FUZZ_CHECK(f.severity != ferry::manifest::Severity::kError,
               "VM '" << vm << "' passed plan validation, but Ferry would create an invalid "
                      << object.GetDescriptor()->name() << ": " << ferry::manifest::FormatFinding(f)
                      << "\n" << object.ShortDebugString());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  ferry::fuzz::OvirtInput input;
  ferry::manifest::DecodeOptions options;
  options.names = ferry::manifest::FieldNames::kProto;
  if (!ferry::manifest::ParseDocument(text, &input, options).ok()) return 0;

  std::map<std::string, ferry::ovirt::Disk> disks;
  for (const ferry::ovirt::Disk& d : input.disks().disk()) disks.emplace(d.id(), d);
  lun::PlanInventory inventory;
  inventory.plan_uid = "fuzz-plan-uid";
  inventory.target_namespace = "default";
  inventory.engine_version = input.api().product_info().version();
  for (const ferry::ovirt::Vm& vm : input.vms().vm()) {
    inventory.vms.push_back({vm, disks});
    inventory.all_vms.push_back(vm);
  }
  inventory.find_object = [](const std::string&, const std::string&,
                             const std::string&) -> const ferry::k8s::ObjectMeta* { return nullptr; };
  (void)lun::EngineLacksLunDetails(inventory.engine_version);
  (void)lun::DescribeEngineVersion(inventory.engine_version);
  const std::vector<lun::Finding> findings = lun::ValidatePlan(inventory);
  for (const lun::Finding& f : findings) {
    FUZZ_CHECK(!f.message.empty(), "a finding without a message: " << f.id);
  }

  const lun::LunPlanContext plan{.plan_uid = inventory.plan_uid, .target_namespace = "default"};
  for (const ferry::ovirt::Vm& vm : input.vms().vm()) {
    bool critical = false;
    for (const lun::Finding& f : findings) {
      critical = critical || (f.category == lun::Category::kCritical && f.vm == vm.name());
    }
    const std::vector<lun::Lun> luns = lun::DescribeLuns(vm, disks);
    const std::vector<lun::ImageDisk> images = lun::ImageDisks(vm, disks);
    if (critical) continue;
    for (const lun::Lun& l : luns) {
      absl::StatusOr<ferry::k8s::PersistentVolume> pv = lun::BuildPv(l, plan);
      FUZZ_CHECK(pv.ok(), "VM '" << vm.name() << "' passed plan validation, but its PV cannot be built: "
                                 << pv.status());
      CheckValid(*pv, vm.name());
      CheckValid(lun::BuildPvc(l, plan), vm.name());
    }
    for (const lun::ImageDisk& image : images) CheckValid(lun::BuildImageDataVolume(image, plan), vm.name());
    CheckValid(lun::BuildTargetVm(vm, luns, images, plan, /*running=*/false, {}), vm.name());
  }
  return 0;
}
