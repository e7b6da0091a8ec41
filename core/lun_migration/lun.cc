#include "core/lun_migration/lun.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "api/volumes.h"

namespace ferry::lun_migration {

bool OvirtTrue(const std::string& value) { return value == "true"; }

absl::StatusOr<int32_t> ParseLunNumber(absl::string_view text) {
  if (text.empty()) return absl::InvalidArgumentError("lun_mapping is missing");
  const bool digits = std::all_of(text.begin(), text.end(), [](char c) {
    return absl::ascii_isdigit(static_cast<unsigned char>(c));
  });
  if (!digits || (text.size() > 1 && text[0] == '0')) {
    return absl::InvalidArgumentError(
        absl::StrCat("lun_mapping \"", absl::CEscape(text),
                     "\" is not a LUN number (a decimal: digits only, no sign, space or "
                     "leading zero)"));
  }
  int32_t lun = 0;
  // Without leading zeros, more than three digits is 1000 or more.
  if (text.size() > 3 || !absl::SimpleAtoi(text, &lun) || lun > api::kMaxLun) {
    return absl::InvalidArgumentError(
        absl::StrCat("lun_mapping ", text, " is outside 0..", api::kMaxLun,
                     ", the LUN numbers a PersistentVolume can name"));
  }
  return lun;
}

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
    lun.transport_reported = !type.empty();
    if (type.empty()) {
      lun.transport = !units.empty() && !units.Get(0).address().empty() ? Transport::kIscsi
                                                                        : Transport::kFibreChannel;
    } else {
      lun.transport = type == "iscsi" ? Transport::kIscsi
                      : type == "fcp" ? Transport::kFibreChannel
                                      : Transport::kUnknown;
    }
    if (!units.empty()) {
      const ovirt::LogicalUnit& lu = units.Get(0);
      lun.lun_id = lu.id();
      if (!lu.address().empty()) {
        lun.portal = absl::StrCat(lu.address(), ":", lu.port().empty() ? "3260" : lu.port());
      }
      lun.iqn = lu.target();
      lun.lun_mapping = lu.lun_mapping();
      if (absl::StatusOr<int32_t> n = ParseLunNumber(lu.lun_mapping()); n.ok()) {
        lun.lun_number = *n;
      }
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
