#include "api/validation/core_validation.h"

#include <map>
#include <set>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "api/validation/meta_validation.h"
#include "api/volumes.h"

namespace ferry::validation {
namespace {

constexpr std::initializer_list<absl::string_view> kVolumeModes = {"Filesystem",
                                                                   "Block"};

void ValidateIscsi(const k8s::ISCSIPersistentVolumeSource& iscsi,
                   absl::string_view path, FieldErrors& errors) {
  if (iscsi.target_portal().empty()) {
    errors.Required(Child(path, "targetPortal"), "the portal as address:port");
  }
  if (iscsi.iqn().empty()) {
    errors.Required(Child(path, "iqn"));
  } else if (!api::IsValidIqn(iscsi.iqn())) {
    errors.Invalid(Child(path, "iqn"),
                   absl::StrCat("\"", iscsi.iqn(),
                                "\": must be iqn.YYYY-MM.reverse.domain[:name], "
                                "eui.<16 hex digits> or naa.<16 or 32 hex digits>"));
  }
  if (iscsi.lun() < 0 || iscsi.lun() > api::kMaxLun) {
    errors.Invalid(Child(path, "lun"),
                   absl::StrCat(iscsi.lun(), ": must be between 0 and ", api::kMaxLun));
  }
  if ((iscsi.chap_auth_discovery() || iscsi.chap_auth_session()) &&
      iscsi.secret_ref().name().empty()) {
    errors.Required(Child(Child(path, "secretRef"), "name"),
                    "CHAP authentication needs a secret");
  }
}

void ValidateFc(const k8s::FCVolumeSource& fc, absl::string_view path,
                FieldErrors& errors) {
  if (fc.target_wwns().empty() && fc.wwids().empty()) {
    errors.Required(Child(path, "targetWWNs"), "or wwids");
  }
  if (!fc.target_wwns().empty() && !fc.wwids().empty()) {
    errors.Invalid(Child(path, "targetWWNs"), "may not be set together with wwids");
  }
  if (!fc.target_wwns().empty() && !fc.has_lun()) {
    errors.Required(Child(path, "lun"), "targetWWNs needs a lun");
  }
  if (fc.has_lun() && (fc.lun() < 0 || fc.lun() > api::kMaxLun)) {
    errors.Invalid(Child(path, "lun"),
                   absl::StrCat(fc.lun(), ": must be between 0 and ", api::kMaxLun));
  }
}

}  // namespace

void ValidatePersistentVolumeClaimSpec(const k8s::PersistentVolumeClaimSpec& spec,
                                       absl::string_view path, FieldErrors& errors) {
  ValidateAccessModes(spec.access_modes(), Child(path, "accessModes"), true, errors);
  ValidateStorageSize(spec.resources().requests(),
                      Child(Child(path, "resources"), "requests"), true, errors);
  ValidateEnum(Child(path, "volumeMode"), spec.volume_mode(), kVolumeModes, errors);
  if (!spec.storage_class_name().empty()) {
    ValidateSubdomain(Child(path, "storageClassName"), spec.storage_class_name(), errors);
  }
  if (!spec.volume_name().empty()) {
    ValidateSubdomain(Child(path, "volumeName"), spec.volume_name(), errors);
  }
  if (spec.has_selector()) {
    ValidateLabelSelector(spec.selector(), Child(path, "selector"), errors);
  }
  if (spec.has_data_source()) {
    if (spec.data_source().kind().empty()) {
      errors.Required(Child(Child(path, "dataSource"), "kind"));
    }
    if (spec.data_source().name().empty()) {
      errors.Required(Child(Child(path, "dataSource"), "name"));
    }
  }
}

void ValidatePersistentVolumeClaim(const k8s::PersistentVolumeClaim& pvc,
                                   FieldErrors& errors) {
  ValidatePersistentVolumeClaimSpec(pvc.spec(), "spec", errors);
  ValidateEnum("status.phase", pvc.status().phase(), {"Pending", "Bound", "Lost"}, errors);
  ValidateAccessModes(pvc.status().access_modes(), "status.accessModes", false, errors);
}

void ValidatePersistentVolume(const k8s::PersistentVolume& pv, FieldErrors& errors) {
  const k8s::PersistentVolumeSpec& spec = pv.spec();
  ValidateStorageSize(spec.capacity(), "spec.capacity", true, errors);
  ValidateAccessModes(spec.access_modes(), "spec.accessModes", true, errors);
  ValidateEnum("spec.persistentVolumeReclaimPolicy", spec.persistent_volume_reclaim_policy(),
               {"Retain", "Delete", "Recycle"}, errors);
  ValidateEnum("spec.volumeMode", spec.volume_mode(), kVolumeModes, errors);
  if (!spec.storage_class_name().empty()) {
    ValidateSubdomain("spec.storageClassName", spec.storage_class_name(), errors);
  }
  const int sources = spec.has_iscsi() + spec.has_fc() + spec.has_local() +
                      spec.has_host_path() + spec.has_csi();
  if (sources == 0) {
    errors.Required("spec", "a volume source (iscsi, fc, local, hostPath or csi)");
  } else if (sources > 1) {
    errors.Invalid("spec", "may not specify more than one volume source");
  }
  if (spec.has_iscsi()) ValidateIscsi(spec.iscsi(), "spec.iscsi", errors);
  if (spec.has_fc()) ValidateFc(spec.fc(), "spec.fc", errors);
  if (spec.has_local()) {
    if (!absl::StartsWith(spec.local().path(), "/")) {
      errors.Invalid("spec.local.path", "must be an absolute path");
    }
    if (!spec.node_affinity().has_required()) {
      errors.Required("spec.nodeAffinity", "a local volume needs node affinity");
    }
  }
  if (spec.has_host_path() && spec.host_path().path().empty()) {
    errors.Required("spec.hostPath.path");
  }
  if (spec.has_host_path()) {
    ValidateEnum("spec.hostPath.type", spec.host_path().type(),
                 {"DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket",
                  "CharDevice", "BlockDevice"},
                 errors);
  }
  ValidateEnum("status.phase", pv.status().phase(),
               {"Pending", "Available", "Bound", "Released", "Failed"}, errors);
  if (spec.has_csi()) {
    if (spec.csi().driver().empty()) errors.Required("spec.csi.driver");
    if (spec.csi().volume_handle().empty()) errors.Required("spec.csi.volumeHandle");
  }
  if (spec.node_affinity().has_required()) {
    ValidateNodeSelector(spec.node_affinity().required(), "spec.nodeAffinity.required",
                         errors);
  }
  if (spec.has_claim_ref()) {
    if (spec.claim_ref().name().empty()) errors.Required("spec.claimRef.name");
    if (spec.claim_ref().namespace_().empty()) {
      errors.Required("spec.claimRef.namespace",
                      "a claimRef without namespace binds no claim");
    }
  }
}

void ValidateStorageClass(const k8s::StorageClass& sc, FieldErrors& errors) {
  if (sc.provisioner().empty()) errors.Required("provisioner");
  ValidateEnum("reclaimPolicy", sc.reclaim_policy(), {"Delete", "Retain"}, errors);
  ValidateEnum("volumeBindingMode", sc.volume_binding_mode(),
               {"Immediate", "WaitForFirstConsumer"}, errors);
}

void ValidateNode(const k8s::Node& node, FieldErrors& errors) {
  for (int i = 0; i < node.spec().taints_size(); ++i) {
    const k8s::Taint& taint = node.spec().taints(i);
    const std::string at = Index("spec.taints", i);
    if (taint.key().empty()) errors.Required(Child(at, "key"));
    ValidateEnum(Child(at, "effect"), taint.effect(),
                 {"NoSchedule", "PreferNoSchedule", "NoExecute"}, errors);
    if (taint.effect().empty()) errors.Required(Child(at, "effect"));
  }
}

void ValidatePod(const k8s::Pod& pod, FieldErrors& errors) {
  const k8s::PodSpec& spec = pod.spec();
  std::set<std::string> volumes;
  for (int i = 0; i < spec.volumes_size(); ++i) {
    const k8s::PodVolume& v = spec.volumes(i);
    const std::string at = Index("spec.volumes", i);
    if (v.name().empty()) {
      errors.Required(Child(at, "name"));
    } else {
      ValidateLabel(Child(at, "name"), v.name(), errors);
      if (!volumes.insert(v.name()).second) {
        errors.Invalid(Child(at, "name"), absl::StrCat("duplicate volume \"", v.name(), "\""));
      }
    }
    if (v.has_persistent_volume_claim() && v.persistent_volume_claim().claim_name().empty()) {
      errors.Required(Child(at, "persistentVolumeClaim.claimName"));
    }
  }
  if (spec.containers().empty()) errors.Required("spec.containers", "at least one container");
  std::set<std::string> names;
  for (int i = 0; i < spec.containers_size(); ++i) {
    const k8s::Container& c = spec.containers(i);
    const std::string at = Index("spec.containers", i);
    if (c.name().empty()) {
      errors.Required(Child(at, "name"));
    } else {
      ValidateLabel(Child(at, "name"), c.name(), errors);
      if (!names.insert(c.name()).second) {
        errors.Invalid(Child(at, "name"), absl::StrCat("duplicate container \"", c.name(), "\""));
      }
    }
    if (c.image().empty()) errors.Required(Child(at, "image"));
    for (int m = 0; m < c.volume_mounts_size(); ++m) {
      const std::string mount = Index(Child(at, "volumeMounts"), m);
      if (!volumes.contains(c.volume_mounts(m).name())) {
        errors.Invalid(Child(mount, "name"),
                       absl::StrCat("\"", c.volume_mounts(m).name(), "\": no such volume"));
      }
      if (!absl::StartsWith(c.volume_mounts(m).mount_path(), "/")) {
        errors.Invalid(Child(mount, "mountPath"), "must be an absolute path");
      }
    }
    for (int d = 0; d < c.volume_devices_size(); ++d) {
      const std::string device = Index(Child(at, "volumeDevices"), d);
      if (!volumes.contains(c.volume_devices(d).name())) {
        errors.Invalid(Child(device, "name"),
                       absl::StrCat("\"", c.volume_devices(d).name(), "\": no such volume"));
      }
      if (!absl::StartsWith(c.volume_devices(d).device_path(), "/")) {
        errors.Invalid(Child(device, "devicePath"), "must be an absolute path");
      }
    }
  }
  ValidateEnum("spec.restartPolicy", spec.restart_policy(),
               {"Always", "OnFailure", "Never"}, errors);
  ValidateEnum("status.phase", pod.status().phase(),
               {"Pending", "Running", "Succeeded", "Failed", "Unknown"}, errors);
}

void ValidateSecret(const k8s::Secret& secret, FieldErrors& errors) {
  auto check_key = [&](absl::string_view path, const std::string& key) {
    const bool ok = !key.empty() && key.size() <= 253 &&
                    std::all_of(key.begin(), key.end(), [](char c) {
                      return absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.';
                    });
    if (!ok) {
      errors.Invalid(Key(path, key),
                     "a key must consist of alphanumeric characters, '-', '_' or '.'");
    }
  };
  size_t total = 0;
  std::map<std::string, size_t> data;
  for (const auto& [key, value] : secret.data()) data[key] = value.size();
  for (const auto& [key, size] : data) {
    check_key("data", key);
    total += size;
  }
  std::map<std::string, size_t> string_data;
  for (const auto& [key, value] : secret.string_data()) string_data[key] = value.size();
  for (const auto& [key, size] : string_data) {
    check_key("stringData", key);
    total += size;
  }
  if (total > 1024 * 1024) {
    errors.Invalid("data", absl::StrCat("may not be more than 1 MiB (got ", total, " bytes)"));
  }
}

void ValidateEvent(const k8s::Event& event, FieldErrors& errors) {
  if (event.involved_object().kind().empty()) errors.Required("involvedObject.kind");
  if (event.involved_object().name().empty()) errors.Required("involvedObject.name");
  ValidateEnum("type", event.type(), {"Normal", "Warning"}, errors);
  if (event.count() < 0) errors.Invalid("count", "must not be negative");
}

}  // namespace ferry::validation
