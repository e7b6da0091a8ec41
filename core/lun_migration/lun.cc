#include "core/lun_migration/lun.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace ferry::lun_migration {

bool OvirtTrue(const std::string& value) { return value == "true"; }

std::vector<Lun> DescribeLuns(const ovirt::Vm& vm,
                              const std::map<std::string, ovirt::Disk>& disks) {
  std::vector<Lun> luns;
  for (const ovirt::DiskAttachment& a : vm.disk_attachments().disk_attachment()) {
    const std::string disk_id = a.disk().id().empty() ? a.id() : a.disk().id();
    auto it = disks.find(disk_id);
    const ovirt::Disk& disk = it != disks.end() ? it->second : a.disk();
    if (disk.storage_type() != "lun") continue;
    Lun lun;
    lun.vm_id = vm.id();
    lun.vm_name = vm.name();
    lun.index = static_cast<int>(luns.size());
    lun.disk_id = disk_id;
    lun.alias = disk.alias().empty() ? disk.name() : disk.alias();
    lun.shareable = OvirtTrue(disk.shareable());
    lun.disk_status = disk.status();
    const auto& units = disk.lun_storage().logical_units().logical_unit();
    lun.logical_units = units.size();
    const std::string& type = disk.lun_storage().type();
    lun.transport = type == "iscsi" ? Transport::kIscsi
                    : type == "fcp" ? Transport::kFibreChannel
                                    : Transport::kUnknown;
    if (!units.empty()) {
      const ovirt::LogicalUnit& lu = units.Get(0);
      lun.lun_id = lu.id();
      if (!lu.address().empty()) {
        lun.portal = absl::StrCat(lu.address(), ":", lu.port().empty() ? "3260" : lu.port());
      }
      lun.iqn = lu.target();
      if (!absl::SimpleAtoi(lu.lun_mapping(), &lun.lun_number)) lun.lun_number = 0;
      if (!absl::SimpleAtoi(lu.size(), &lun.size_bytes)) lun.size_bytes = 0;
      lun.chap_username = lu.username();
    }
    lun.attachment = a;
    lun.interface = a.interface();
    lun.bootable = OvirtTrue(a.bootable());
    lun.active = OvirtTrue(a.active());
    lun.read_only = OvirtTrue(a.read_only());
    lun.uses_scsi_reservation = OvirtTrue(a.uses_scsi_reservation());
    luns.push_back(std::move(lun));
  }
  return luns;
}

}  // namespace ferry::lun_migration
