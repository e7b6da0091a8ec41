#include "core/lun_migration/target_objects.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "api/names.h"
#include "core/lun_migration/plan_step.h"

namespace ferry::lun_migration {
namespace {

void Mark(const std::string& vm_id, const LunPlanContext& plan, k8s::ObjectMeta* meta) {
  meta->set_namespace_(plan.target_namespace);
  (*meta->mutable_labels())[kPlanUidLabel] = plan.plan_uid;
  (*meta->mutable_annotations())[kSourceVmAnnotation] = vm_id;
}

}  // namespace

std::vector<ImageDisk> ImageDisks(const ovirt::Vm& vm,
                                  const std::map<std::string, ovirt::Disk>& disks) {
  std::vector<ImageDisk> images;
  for (const ovirt::DiskAttachment& a : vm.disk_attachments().disk_attachment()) {
    auto it = disks.find(a.id());
    if (it == disks.end() || it->second.storage_type() != "image") continue;
    ImageDisk image;
    image.vm_id = vm.id();
    image.disk_id = a.id();
    if (!absl::SimpleAtoi(it->second.provisioned_size(), &image.size_bytes)) image.size_bytes = 0;
    image.interface = a.interface();
    image.bootable = OvirtTrue(a.bootable());
    images.push_back(std::move(image));
  }
  return images;
}

std::string DataVolumeName(const std::string& disk_id) {
  return ToDnsLabel(absl::StrCat("ferry-disk-", disk_id));
}

cdi::DataVolume BuildImageDataVolume(const ImageDisk& image, const LunPlanContext& plan) {
  cdi::DataVolume dv;
  dv.set_api_version("cdi.kubevirt.io/v1beta1");
  dv.set_kind("DataVolume");
  dv.mutable_metadata()->set_name(DataVolumeName(image.disk_id));
  Mark(image.vm_id, plan, dv.mutable_metadata());
  (*dv.mutable_metadata()->mutable_annotations())[kDiskAnnotation] = image.disk_id;
  auto* io = dv.mutable_spec()->mutable_source()->mutable_imageio();
  io->set_url("https://engine/ovirt-engine/api");
  io->set_disk_id(image.disk_id);
  (*dv.mutable_spec()->mutable_storage()->mutable_resources()->mutable_requests())["storage"] =
      absl::StrCat(image.size_bytes);
  return dv;
}

kubevirt::VirtualMachine BuildTargetVm(const ovirt::Vm& source, const std::vector<Lun>& luns,
                                       const std::vector<ImageDisk>& images,
                                       const LunPlanContext& plan, bool running) {
  kubevirt::VirtualMachine vm;
  vm.set_api_version("kubevirt.io/v1");
  vm.set_kind("VirtualMachine");
  vm.mutable_metadata()->set_name(TargetVmName(source.name()));
  Mark(source.id(), plan, vm.mutable_metadata());
  vm.mutable_spec()->set_running(running);
  kubevirt::VirtualMachineInstanceSpec* spec = vm.mutable_spec()->mutable_template_()->mutable_spec();
  (*spec->mutable_domain()->mutable_resources()->mutable_requests())["memory"] = "1Gi";
  uint32_t boot = 1;
  for (const Lun& lun : luns) {
    *spec->mutable_domain()->mutable_devices()->add_disks() = LunDisk(lun, lun.bootable ? boot : 0);
    if (lun.bootable) ++boot;
    *spec->add_volumes() = LunVolume(lun);
  }
  int n = 0;
  for (const ImageDisk& image : images) {
    kubevirt::Disk* disk = spec->mutable_domain()->mutable_devices()->add_disks();
    const std::string name = absl::StrCat("disk-", n++);
    disk->set_name(name);
    disk->mutable_disk()->set_bus(BusFor(image.interface));
    if (image.bootable) disk->set_boot_order(boot++);
    kubevirt::Volume* volume = spec->add_volumes();
    volume->set_name(name);
    volume->mutable_data_volume()->set_name(DataVolumeName(image.disk_id));
  }
  return vm;
}

}  // namespace ferry::lun_migration
