#include "api/validation/cdi_validation.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "api/validation/core_validation.h"
#include "api/validation/meta_validation.h"

namespace ferry::validation {

void ValidateDataVolumeSpec(const cdi::DataVolumeSpec& spec, absl::string_view path,
                            FieldErrors& errors) {
  const std::string source_path = Child(path, "source");
  const cdi::DataVolumeSource& source = spec.source();
  const int sources = source.has_registry() + source.has_http() + source.has_blank() +
                      source.has_pvc() + source.has_upload() + source.has_imageio() +
                      source.has_vddk() + source.has_s3() + source.has_gcs() +
                      source.has_snapshot();
  if (spec.has_source_ref()) {
    if (sources > 0) errors.Invalid(source_path, "may not be set together with sourceRef");
    ValidateRequiredName(Child(path, "sourceRef.name"), spec.source_ref().name(), errors);
  } else if (sources == 0) {
    errors.Required(source_path,
                    "one of registry, http, blank, pvc, upload, imageio, vddk, s3, gcs or "
                    "snapshot (or spec.sourceRef)");
  } else if (sources > 1) {
    errors.Invalid(source_path, "may name only one source");
  }
  if (source.has_imageio() && source.imageio().url().empty()) {
    errors.Required(Child(source_path, "imageio.url"));
  }
  if (source.has_registry()) {
    const cdi::DataVolumeSourceRegistry& registry = source.registry();
    const std::string at = Child(source_path, "registry");
    if (registry.has_url() == registry.has_image_stream()) {
      errors.Invalid(at, "needs exactly one of url and imageStream");
    }
    if (registry.has_url() && !absl::StartsWith(registry.url(), "docker://") &&
        !absl::StartsWith(registry.url(), "oci-archive://")) {
      errors.Invalid(Child(at, "url"),
                     absl::StrCat("\"", registry.url(),
                                  "\": must start with docker:// or oci-archive://"));
    }
    ValidateEnum(Child(at, "pullMethod"), registry.pull_method(), {"pod", "node"}, errors);
  }
  if (source.has_http()) {
    const std::string& url = source.http().url();
    if (url.empty()) {
      errors.Required(Child(source_path, "http.url"));
    } else if (!absl::StartsWith(url, "http://") && !absl::StartsWith(url, "https://")) {
      errors.Invalid(Child(source_path, "http.url"),
                     absl::StrCat("\"", url, "\": must start with http:// or https://"));
    }
  }
  if (source.has_pvc()) {
    ValidateRequiredName(Child(source_path, "pvc.name"), source.pvc().name(), errors);
    if (!source.pvc().namespace_().empty()) {
      ValidateLabel(Child(source_path, "pvc.namespace"), source.pvc().namespace_(), errors);
    }
  }

  if (spec.has_pvc() == spec.has_storage()) {
    errors.Invalid(path, "needs exactly one of pvc and storage");
  }
  if (spec.has_pvc()) {
    ValidatePersistentVolumeClaimSpec(spec.pvc(), Child(path, "pvc"), errors);
  }
  if (spec.has_storage()) {
    const std::string at = Child(path, "storage");
    const cdi::StorageSpec& storage = spec.storage();
    ValidateAccessModes(storage.access_modes(), Child(at, "accessModes"), false, errors);
    // A clone can take its size from the source; other sources cannot.
    ValidateStorageSize(storage.resources().requests(),
                        Child(Child(at, "resources"), "requests"), !source.has_pvc(),
                        errors);
    ValidateEnum(Child(at, "volumeMode"), storage.volume_mode(), {"Filesystem", "Block"},
                 errors);
    if (!storage.storage_class_name().empty()) {
      ValidateSubdomain(Child(at, "storageClassName"), storage.storage_class_name(),
                        errors);
    }
  }
  ValidateEnum(Child(path, "contentType"), spec.content_type(), {"kubevirt", "archive"},
               errors);
}

void ValidateDataVolume(const cdi::DataVolume& dv, FieldErrors& errors) {
  ValidateDataVolumeSpec(dv.spec(), "spec", errors);
  // CDI's DataVolumePhase values.
  ValidateEnum("status.phase", dv.status().phase(),
               {"Pending", "PVCBound", "ImportScheduled", "ImportInProgress", "CloneScheduled",
                "CloneInProgress", "SnapshotForSmartCloneInProgress",
                "CloneFromSnapshotSourceInProgress", "SmartClonePVCInProgress",
                "CSICloneInProgress", "ExpansionInProgress", "NamespaceTransferInProgress",
                "PrepClaimInProgress", "RebindInProgress", "UploadScheduled", "UploadReady",
                "WaitForFirstConsumer", "PendingPopulation", "Succeeded", "Failed", "Paused",
                "Unknown"},
               errors);
}

}  // namespace ferry::validation
