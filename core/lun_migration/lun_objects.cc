#include "core/lun_migration/lun_objects.h"

#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "api/names.h"
#include "base/fnv.h"

namespace ferry::lun_migration {
namespace {

bool LabelChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
}

bool Alnum(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)); }

// Trims characters a label value may not end (or start) with.
std::string TrimEnds(std::string s) {
  while (!s.empty() && !Alnum(s.back())) s.pop_back();
  size_t start = 0;
  while (start < s.size() && !Alnum(s[start])) ++start;
  return s.substr(start);
}

std::string Hash8(absl::string_view s) {
  return absl::StrFormat("%08x", static_cast<uint32_t>(Fnv1a64(s)));
}

}  // namespace

namespace internal {

// Name, labels and annotations shared by a LUN's PV and PVC.
void SetLunMetadata(const Lun& lun, const LunPlanContext& plan, k8s::ObjectMeta* meta) {
  meta->set_name(ObjectName(lun));
  (*meta->mutable_labels())[kVolumeLabel] = VolumeLabelValue(lun.vm_id, lun.vm_name, lun.index);
  (*meta->mutable_labels())[kPlanUidLabel] = plan.plan_uid;
  (*meta->mutable_annotations())[kDiskAnnotation] = lun.disk_id;
  (*meta->mutable_annotations())[kSourceVmAnnotation] = lun.vm_id;
}

}  // namespace internal

std::string VolumeLabelValue(absl::string_view vm_id, absl::string_view vm_name, int n) {
  const std::string full = absl::StrCat(vm_id, "-", vm_name, "-vol-", n);
  std::string value = full;
  for (char& c : value) {
    if (!LabelChar(c)) c = '-';
  }
  value = TrimEnds(value);
  if (value.size() <= static_cast<size_t>(api::kLabelValueMaxLength) && value == full) {
    return value;
  }
  // Shortened or rewritten: the hash of the original keeps it unique.
  const std::string suffix = absl::StrCat("-", Hash8(full));
  const size_t keep = api::kLabelValueMaxLength - suffix.size();
  std::string head = TrimEnds(value.substr(0, std::min(keep, value.size())));
  if (head.empty()) head = "lun";
  return absl::StrCat(head, suffix);
}

bool MadeByPlan(const k8s::ObjectMeta& meta, absl::string_view plan_uid, absl::string_view vm_id) {
  auto label = meta.labels().find(kPlanUidLabel);
  auto vm = meta.annotations().find(kSourceVmAnnotation);
  return label != meta.labels().end() && label->second == plan_uid &&
         vm != meta.annotations().end() && vm->second == vm_id;
}

std::string PvLunKey(const k8s::PersistentVolume& pv) {
  if (pv.spec().has_fc()) {
    return pv.spec().fc().wwids().empty() ? "" : absl::StrCat("fc:", pv.spec().fc().wwids(0));
  }
  if (pv.spec().has_iscsi()) {
    return absl::StrCat("iscsi:", pv.spec().iscsi().iqn(), "/", pv.spec().iscsi().lun());
  }
  return "";
}

std::string ToDnsLabel(absl::string_view text) {
  std::string name = absl::AsciiStrToLower(text);
  for (char& c : name) {
    if (!Alnum(c) && c != '-') c = '-';
  }
  if (name.size() > static_cast<size_t>(api::kDns1123LabelMaxLength)) {
    name.resize(api::kDns1123LabelMaxLength);
  }
  name = TrimEnds(name);
  return name.empty() ? "vm" : name;
}

std::string ObjectName(const Lun& lun) { return LunObjectName(lun.disk_id); }

std::string LunObjectName(absl::string_view disk_id) {
  std::string name = absl::StrCat("ferry-lun-", absl::AsciiStrToLower(disk_id));
  for (char& c : name) {
    if (!Alnum(c) && c != '-') c = '-';
  }
  if (name.size() > static_cast<size_t>(api::kDns1123LabelMaxLength) || !api::IsDns1123Label(name).empty()) {
    name = absl::StrCat(TrimEnds(name.substr(0, 54)), "-", Hash8(disk_id));
  }
  return name;
}

std::string DataVolumeName(absl::string_view disk_id) {
  return ToDnsLabel(absl::StrCat("ferry-disk-", disk_id));
}

absl::StatusOr<k8s::PersistentVolume> BuildPv(const Lun& lun, const LunPlanContext& plan) {
  if (lun.transport != Transport::kFibreChannel && !lun.lun_number.has_value()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "LUN disk ", lun.disk_id, ": ", ParseLunNumber(lun.lun_mapping).status().message(),
        "; no PersistentVolume is built without its LUN number"));
  }
  k8s::PersistentVolume pv;
  pv.set_api_version("v1");
  pv.set_kind("PersistentVolume");
  internal::SetLunMetadata(lun, plan, pv.mutable_metadata());
  auto* spec = pv.mutable_spec();
  (*spec->mutable_capacity())["storage"] = absl::StrCat(lun.size_bytes);
  spec->add_access_modes("ReadWriteMany");  // KubeVirt live-migrates LUN VMs
  spec->set_volume_mode("Block");
  spec->set_persistent_volume_reclaim_policy("Retain");
  spec->set_storage_class_name("");
  auto* claim = spec->mutable_claim_ref();  // pre-bound: only this claim may take it
  claim->set_api_version("v1");
  claim->set_kind("PersistentVolumeClaim");
  claim->set_namespace_(plan.target_namespace);
  claim->set_name(ObjectName(lun));
  if (lun.transport == Transport::kFibreChannel) {
    spec->mutable_fc()->add_wwids(lun.lun_id);
    spec->mutable_fc()->set_read_only(false);
  } else {
    auto* iscsi = spec->mutable_iscsi();
    iscsi->set_target_portal(lun.portal);
    iscsi->set_iqn(lun.iqn);
    iscsi->set_lun(*lun.lun_number);
    iscsi->set_read_only(false);
    if (!plan.chap_secret.empty()) {
      iscsi->set_chap_auth_session(true);
      iscsi->mutable_secret_ref()->set_name(plan.chap_secret);
      iscsi->mutable_secret_ref()->set_namespace_(plan.target_namespace);
    }
  }
  return pv;
}

k8s::PersistentVolumeClaim BuildPvc(const Lun& lun, const LunPlanContext& plan) {
  k8s::PersistentVolumeClaim pvc;
  pvc.set_api_version("v1");
  pvc.set_kind("PersistentVolumeClaim");
  internal::SetLunMetadata(lun, plan, pvc.mutable_metadata());
  pvc.mutable_metadata()->set_namespace_(plan.target_namespace);
  const std::string label = VolumeLabelValue(lun.vm_id, lun.vm_name, lun.index);
  auto* spec = pvc.mutable_spec();
  spec->add_access_modes("ReadWriteMany");
  spec->set_volume_mode("Block");
  spec->set_storage_class_name("");
  spec->set_volume_name(ObjectName(lun));
  (*spec->mutable_selector()->mutable_match_labels())[kVolumeLabel] = label;
  (*spec->mutable_resources()->mutable_requests())["storage"] = absl::StrCat(lun.size_bytes);
  return pvc;
}

std::string BusFor(absl::string_view ovirt_interface) {
  if (ovirt_interface == "virtio_scsi") return "scsi";
  if (ovirt_interface == "sata" || ovirt_interface == "ide") return "sata";
  return "virtio";
}

kubevirt::Disk LunDisk(const Lun& lun, uint32_t boot_order) {
  kubevirt::Disk disk;
  disk.set_name(absl::StrCat("lun-", lun.index));
  auto* target = disk.mutable_lun();
  target->set_bus(BusFor(lun.interface));
  target->set_readonly(lun.read_only);
  target->set_reservation(lun.uses_scsi_reservation);
  // Shareable in oVirt stays shareable (no host cache, as the source had).
  if (lun.shareable) disk.set_shareable(true);
  if (lun.bootable && boot_order > 0) disk.set_boot_order(boot_order);
  return disk;
}

kubevirt::Volume LunVolume(const Lun& lun) {
  kubevirt::Volume volume;
  volume.set_name(absl::StrCat("lun-", lun.index));
  volume.mutable_persistent_volume_claim()->set_claim_name(ObjectName(lun));
  return volume;
}

}  // namespace ferry::lun_migration
