// Lun: what Ferry needs to know of one direct LUN disk of an oVirt VM, read
// from the VM's attachment (how it is attached) and the single-disk read
// (where the LUN is). Pure: parses the engine's all-string JSON values.
//
//   std::vector<Lun> luns = DescribeLuns(vm, disks);  // disks: id -> GET disks/{id}
//   for (const Lun& lun : luns) ... lun.portal, lun.iqn, *lun.lun_number ...
//
// An iSCSI LUN's number is never guessed: a lun_mapping that is missing,
// not a plain decimal or outside 0..255 leaves lun_number empty, validation
// refuses the plan (lun.lun_mapping) and BuildPv refuses the LUN.
#ifndef FERRY_CORE_LUN_MIGRATION_LUN_H_
#define FERRY_CORE_LUN_MIGRATION_LUN_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "api/ovirt.pb.h"

namespace ferry::lun_migration {

enum class Transport { kUnknown, kIscsi, kFibreChannel };

struct Lun {
  std::string vm_id;
  std::string vm_name;
  int index = 0;            // n-th LUN disk of the VM, from 0, in attachment order
  std::string disk_id;      // also the attachment id
  std::string alias;
  // lun_storage.type when the engine gives it ("iscsi", "fcp"); real
  // engines never do (the engine does not store it), and then a logical
  // unit with an address is iSCSI and one without is Fibre Channel, as
  // Forklift reads it: `transport_reported` false says it was so inferred.
  Transport transport = Transport::kUnknown;
  bool transport_reported = false;
  std::string lun_id;       // the logical unit id; for Fibre Channel, the WWID
  std::string portal;       // iSCSI "address:port"; empty when the engine omitted it
  std::string iqn;
  std::string lun_mapping;  // the logical unit's lun_mapping, as the engine wrote it
  // The LUN number lun_mapping names (ParseLunNumber); empty when it names
  // none. Only an iSCSI PV uses it (a Fibre Channel one names the WWID).
  std::optional<int32_t> lun_number;
  int64_t size_bytes = 0;   // 0 when absent or unparsable
  int logical_units = 0;    // exactly one is expected
  bool shareable = false;   // oVirt spells it "shareable"
  std::string chap_username;  // the engine's iSCSI username: CHAP is in use
  std::string disk_status;    // "", ok, illegal, locked
  // The attachment as it was, to put back on rollback.
  ovirt::DiskAttachment attachment;
  std::string interface;    // virtio, virtio_scsi, sata, ide, spapr_vscsi
  bool bootable = false;
  bool active = false;
  bool read_only = false;
  bool uses_scsi_reservation = false;
};

// The LUN disks of `vm` (attachments followed), in attachment order.
// `disks` maps a disk id to its single-disk read; a LUN disk missing from it
// is described from what the attachment says (no logical units).
std::vector<Lun> DescribeLuns(const ovirt::Vm& vm, const std::map<std::string, ovirt::Disk>& disks);

// The LUN number of a lun_mapping: a plain decimal ("0", "7", "255": digits
// only, no sign, space or leading zero, as the engine writes an integer)
// from 0 to api::kMaxLun, the LUNs a PersistentVolume can name. Anything
// else is InvalidArgument saying why ("", "abc", "-1", "1e3", " 7", "256";
// "007" too: read as octal it could name another LUN, and no engine writes it).
absl::StatusOr<int32_t> ParseLunNumber(absl::string_view lun_mapping);

// oVirt's boolean strings.
bool OvirtTrue(const std::string& value);

}  // namespace ferry::lun_migration

#endif  // FERRY_CORE_LUN_MIGRATION_LUN_H_
