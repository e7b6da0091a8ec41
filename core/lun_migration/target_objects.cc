#include "core/lun_migration/target_objects.h"

#include <map>
#include <set>

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
    // The disk is the one the attachment names, as DescribeLuns and plan
    // validation read it (the attachment id only when it names none), so
    // the disk validated is the disk whose DataVolume is built.
    const std::string disk_id = a.disk().id().empty() ? a.id() : a.disk().id();
    auto it = disks.find(disk_id);
    if (it == disks.end() || it->second.storage_type() != "image") continue;
    ImageDisk image;
    image.vm_id = vm.id();
    image.disk_id = disk_id;
    if (!absl::SimpleAtoi(it->second.provisioned_size(), &image.size_bytes)) image.size_bytes = 0;
    image.interface = a.interface();
    image.bootable = OvirtTrue(a.bootable());
    images.push_back(std::move(image));
  }
  return images;
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
                                       const LunPlanContext& plan, bool running,
                                       const std::vector<std::string>& disk_order) {
  kubevirt::VirtualMachine vm;
  vm.set_api_version("kubevirt.io/v1");
  vm.set_kind("VirtualMachine");
  vm.mutable_metadata()->set_name(TargetVmName(source.name()));
  Mark(source.id(), plan, vm.mutable_metadata());
  vm.mutable_spec()->set_running(running);
  kubevirt::VirtualMachineInstanceSpec* spec = vm.mutable_spec()->mutable_template_()->mutable_spec();
  (*spec->mutable_domain()->mutable_resources()->mutable_requests())["memory"] = "1Gi";
  // Each disk with its volume and whether it boots, by disk id.
  struct Entry {
    kubevirt::Disk disk;
    kubevirt::Volume volume;
    bool bootable = false;
  };
  std::map<std::string, Entry> entries;
  std::vector<std::string> fallback;  // LUNs, then images, in attachment order
  for (const Lun& lun : luns) {
    entries[lun.disk_id] = Entry{LunDisk(lun, 0), LunVolume(lun), lun.bootable};
    fallback.push_back(lun.disk_id);
  }
  int n = 0;
  for (const ImageDisk& image : images) {
    Entry entry;
    const std::string name = absl::StrCat("disk-", n++);
    entry.disk.set_name(name);
    entry.disk.mutable_disk()->set_bus(BusFor(image.interface));
    entry.volume.set_name(name);
    entry.volume.mutable_data_volume()->set_name(DataVolumeName(image.disk_id));
    entry.bootable = image.bootable;
    entries[image.disk_id] = std::move(entry);
    fallback.push_back(image.disk_id);
  }
  std::vector<std::string> order;
  std::set<std::string> placed;
  const std::vector<std::string>* sources[] = {&disk_order, &fallback};
  for (const std::vector<std::string>* ids : sources) {
    for (const std::string& id : *ids) {
      if (entries.count(id) > 0 && placed.insert(id).second) order.push_back(id);
    }
  }
  uint32_t boot = 1;
  for (const std::string& id : order) {
    Entry& entry = entries[id];
    if (entry.bootable) entry.disk.set_boot_order(boot++);
    *spec->mutable_domain()->mutable_devices()->add_disks() = std::move(entry.disk);
    *spec->add_volumes() = std::move(entry.volume);
  }
  return vm;
}

}  // namespace ferry::lun_migration
