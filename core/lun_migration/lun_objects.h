// The Kubernetes objects of one LUN: a PersistentVolume pre-bound to its
// claim (claimRef: no other claim anywhere can take the LUN), the claim bound
// to it (volumeName and the label selector), and the KubeVirt `lun` disk and
// volume. Pure and deterministic: the same LUN and plan give byte-identical
// objects, so a retried create finds its own object (check, then act).
//
//   const LunObjectNames names = NamesFor(lun);
//   absl::StatusOr<k8s::PersistentVolume> pv = BuildPv(lun, plan);
//   k8s::PersistentVolumeClaim pvc = BuildPvc(lun, plan);
#ifndef FERRY_CORE_LUN_MIGRATION_LUN_OBJECTS_H_
#define FERRY_CORE_LUN_MIGRATION_LUN_OBJECTS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "api/core.pb.h"
#include "api/kubevirt.pb.h"
#include "core/lun_migration/lun.h"

namespace ferry::lun_migration {

// Labels and annotations that mark what a plan created: rollback deletes
// only objects carrying its plan's uid.
inline constexpr char kVolumeLabel[] = "ferry.io/lun-volume";
inline constexpr char kPlanUidLabel[] = "ferry.io/lun-plan-uid";
inline constexpr char kDiskAnnotation[] = "ferry.io/lun-disk";
inline constexpr char kSourceVmAnnotation[] = "ferry.io/source-vm";

struct LunPlanContext {
  std::string plan_uid = "";
  std::string target_namespace = "";
  std::string chap_secret = "";  // "" for none: a Secret in the target namespace
};

// The seed's `<vm_id>-<vm_name>-vol-<n>`, made a valid label value: other
// characters become '-', and a value over 63 characters keeps its first 54
// and ends in '-' plus 8 hex digits of its FNV-1a hash (distinct LUNs keep
// distinct labels, and the same LUN always gets the same one).
std::string VolumeLabelValue(absl::string_view vm_id, absl::string_view vm_name, int n);

// True for an object the plan `plan_uid` made for the source VM `vm_id`
// (its uid label and source-vm annotation): rollback deletes nothing else.
bool MadeByPlan(const k8s::ObjectMeta& meta, absl::string_view plan_uid, absl::string_view vm_id);

// The LUN a PV serves, as "iscsi:<iqn>/<lun>" or "fc:<wwid>"; "" for a PV
// that serves no LUN. One key per LUN whichever way it is reached.
std::string PvLunKey(const k8s::PersistentVolume& pv);

// `text` lower-cased, other characters '-', cut to 63 and trimmed of '-':
// a DNS-1123 label ("vm" when nothing is left).
std::string ToDnsLabel(absl::string_view text);

// "ferry-lun-<disk id>" for both PV and PVC, made a valid DNS-1123 label.
std::string ObjectName(const Lun& lun);
// The same, from the LUN disk's id alone.
std::string LunObjectName(absl::string_view disk_id);

// "ferry-disk-<disk id>": the DataVolume copying an image disk, a valid
// DNS-1123 label.
std::string DataVolumeName(absl::string_view disk_id);

// FailedPrecondition for an iSCSI LUN without a LUN number (its
// lun_mapping names none: lun.h): no PV is built on a guess.
absl::StatusOr<k8s::PersistentVolume> BuildPv(const Lun& lun, const LunPlanContext& plan);
k8s::PersistentVolumeClaim BuildPvc(const Lun& lun, const LunPlanContext& plan);

// The KubeVirt bus for an oVirt interface: virtio_scsi -> scsi,
// sata and ide -> sata, anything else -> virtio.
std::string BusFor(absl::string_view ovirt_interface);

// The VM's disk (`lun`, reservation when the source used it, the boot order
// when the LUN was bootable) and its volume on the claim.
kubevirt::Disk LunDisk(const Lun& lun, uint32_t boot_order);
kubevirt::Volume LunVolume(const Lun& lun);

}  // namespace ferry::lun_migration

#endif  // FERRY_CORE_LUN_MIGRATION_LUN_OBJECTS_H_
