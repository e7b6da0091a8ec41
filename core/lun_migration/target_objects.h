// The rest of the target side of a LUN plan: a DataVolume copying each image
// disk (CDI's imageio source, the path Forklift uses for oVirt images) and
// the KubeVirt VM that gets the LUNs as `lun` disks and the copies as disks.
// Pure and deterministic, like lun_objects.h: every object carries the
// plan's uid label and the source VM annotation, which rollback goes by.
//
//   std::vector<ImageDisk> images = ImageDisks(vm, disks);
//   cdi::DataVolume dv = BuildImageDataVolume(images[0], plan);
//   kubevirt::VirtualMachine vm = BuildTargetVm(source, luns, images, plan, true);
#ifndef FERRY_CORE_LUN_MIGRATION_TARGET_OBJECTS_H_
#define FERRY_CORE_LUN_MIGRATION_TARGET_OBJECTS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "api/cdi.pb.h"
#include "api/kubevirt.pb.h"
#include "api/ovirt.pb.h"
#include "core/lun_migration/lun.h"
#include "core/lun_migration/lun_objects.h"

namespace ferry::lun_migration {

struct ImageDisk {
  std::string vm_id = "";
  std::string disk_id = "";
  int64_t size_bytes = 0;      // provisioned_size
  std::string interface = "";  // the attachment's
  bool bootable = false;
};

// The VM's image disks (storage_type image), in attachment order.
std::vector<ImageDisk> ImageDisks(const ovirt::Vm& vm, const std::map<std::string, ovirt::Disk>& disks);

cdi::DataVolume BuildImageDataVolume(const ImageDisk& image, const LunPlanContext& plan);

// The disks follow `disk_order` (the source's attachment order, disk ids);
// a disk it does not name comes after, LUNs before images. Bootable disks
// get boot orders 1, 2... in that same order.
kubevirt::VirtualMachine BuildTargetVm(const ovirt::Vm& source, const std::vector<Lun>& luns,
                                       const std::vector<ImageDisk>& images,
                                       const LunPlanContext& plan, bool running,
                                       const std::vector<std::string>& disk_order);

}  // namespace ferry::lun_migration

#endif  // FERRY_CORE_LUN_MIGRATION_TARGET_OBJECTS_H_
