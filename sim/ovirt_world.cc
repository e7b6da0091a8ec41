#include "sim/ovirt_world.h"

#include <cmath>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/numbers.h"
#include "api/ovirt_version.h"
#include "base/saturating.h"
#include "base/status_macros.h"
#include "sim/scenario_limits.h"

namespace ferry::sim {
namespace {

constexpr double kGiB = 1024.0 * 1024 * 1024;

ovirt::Disk DiskOf(const scenario::OvirtDisk& d) {
  const int64_t bytes = SaturatingCast<int64_t>(std::round(d.size_gib() * kGiB));
  ovirt::Disk disk;
  if (d.storage_type() == "image") {
    disk.set_id(d.id());
    disk.set_name(d.id());
    disk.set_alias(d.id());
    disk.set_storage_type("image");
    disk.set_status(d.status().empty() ? "ok" : d.status());
    disk.set_format("cow");
    disk.set_provisioned_size(absl::StrCat(bytes));
    disk.set_shareable(d.shareable() ? "true" : "false");
    return disk;
  }
  disk = d.address().empty() ? fakes::FcLun(d.id(), d.wwid(), bytes)
                             : fakes::IscsiLun(d.id(), d.address(), d.iqn(), d.lun_mapping(), bytes);
  disk.set_shareable(d.shareable() ? "true" : "false");
  auto* units = disk.mutable_lun_storage()->mutable_logical_units();
  if (!d.chap_username().empty()) units->mutable_logical_unit(0)->set_username(d.chap_username());
  if (d.port() > 0 && !d.address().empty()) {
    units->mutable_logical_unit(0)->set_port(absl::StrCat(d.port()));
  }
  const int want = d.logical_units() > 0 ? d.logical_units() : 1;
  for (int i = 1; i < want; ++i) {
    auto* extra = units->add_logical_unit();
    *extra = units->logical_unit(0);
    extra->set_id(absl::StrCat(extra->id(), "-", i));
  }
  return disk;
}

}  // namespace

fakes::FakeEngine::Options EngineOptions(const scenario::Ovirt& ovirt) {
  fakes::FakeEngine::Options options;
  if (!ovirt.version().empty()) options.version = ovirt.version();
  if (ovirt.has_version_parts()) {
    const scenario::OvirtVersionParts& p = ovirt.version_parts();
    options.reported_version.set_major(p.major());
    options.reported_version.set_minor(p.minor());
    options.reported_version.set_build(p.build());
    options.reported_version.set_revision(p.revision());
  }
  if (ovirt.stop_seconds() > 0) options.stop_takes = absl::Seconds(ovirt.stop_seconds());
  return options;
}

absl::Status PopulateEngine(const scenario::Ovirt& ovirt, fakes::FakeEngine& engine) {
  // Sizes and logical unit counts in range, also for a generated engine.
  RETURN_IF_ERROR(CheckMessageLimits(ovirt, "world.ovirt"));
  if (ovirt.has_version_parts() && ovirt.version_parts().major().empty()) {
    return absl::InvalidArgumentError("world.ovirt.version_parts.major: required");
  }
  if (absl::StatusOr<api::OvirtVersion> parsed = api::ParseOvirtVersion(engine.VersionForTest());
      !parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("world.ovirt.version: ", parsed.status().message()));
  }
  std::set<std::string> disks;
  for (int i = 0; i < ovirt.disk_size(); ++i) {
    const scenario::OvirtDisk& d = ovirt.disk(i);
    const std::string where = absl::StrCat("world.ovirt.disk[", i, "]");
    if (d.id().empty()) return absl::InvalidArgumentError(absl::StrCat(where, ".id: required"));
    if (d.storage_type() != "" && d.storage_type() != "lun" && d.storage_type() != "image") {
      return absl::InvalidArgumentError(absl::StrCat(where, ".storage_type: \"", d.storage_type(),
                                                     "\" is not one of lun, image"));
    }
    if (d.storage_type() != "image" && d.address().empty() && d.wwid().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": a LUN needs address and iqn (iSCSI) or wwid (Fibre Channel)"));
    }
    if (d.size_gib() < 0) {
      return absl::InvalidArgumentError(absl::StrCat(where, ".size_gib: must not be negative"));
    }
    if (!disks.insert(d.id()).second) {
      return absl::InvalidArgumentError(absl::StrCat(where, ".id: \"", d.id(), "\" given twice"));
    }
    engine.AddDisk(DiskOf(d));
  }
  for (int i = 0; i < ovirt.vm_size(); ++i) {
    const scenario::OvirtVm& v = ovirt.vm(i);
    const std::string where = absl::StrCat("world.ovirt.vm[", i, "]");
    if (v.id().empty() || v.name().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": id and name are required"));
    }
    engine.AddVm({.id = v.id(), .name = v.name(), .status = v.status().empty() ? "up" : v.status()});
    for (int j = 0; j < v.attachment_size(); ++j) {
      const scenario::OvirtAttachment& a = v.attachment(j);
      const std::string at = absl::StrCat(where, ".attachment[", j, "]");
      if (!disks.contains(a.disk())) {
        return absl::InvalidArgumentError(
            absl::StrCat(at, ".disk: \"", a.disk(), "\" is not a disk of world.ovirt"));
      }
      absl::Status st = engine.AttachForTest(
          v.id(), {.disk_id = a.disk(),
                   .interface = a.interface().empty() ? "virtio_scsi" : a.interface(),
                   .bootable = a.bootable(),
                   .active = !a.inactive(),
                   .read_only = a.read_only(),
                   .uses_scsi_reservation = a.uses_scsi_reservation()});
      if (!st.ok()) return absl::InvalidArgumentError(absl::StrCat(at, ": ", st.message()));
    }
  }
  return absl::OkStatus();
}

absl::Status PopulateSan(const scenario::Ovirt& ovirt, fakes::FakeSan& san) {
  RETURN_IF_ERROR(CheckMessageLimits(ovirt, "world.ovirt"));
  for (int i = 0; i < ovirt.disk_size(); ++i) {
    const scenario::OvirtDisk& d = ovirt.disk(i);
    // PopulateEngine names what is wrong with a disk without an address.
    if (d.storage_type() == "image" || (d.address().empty() && d.wwid().empty())) continue;
    if (!d.chap_password().empty() && d.chap_username().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "world.ovirt.disk[", i, "].chap_password: set without chap_username"));
    }
    const ovirt::Disk disk = DiskOf(d);  // the engine's view: the same WWID and address
    if (disk.lun_storage().logical_units().logical_unit().empty()) continue;
    const ovirt::LogicalUnit& lu = disk.lun_storage().logical_units().logical_unit(0);
    const bool fc = d.address().empty();
    int64_t size_bytes = 0;
    if (!absl::SimpleAtoi(lu.size(), &size_bytes)) {
      return absl::InternalError(absl::StrCat("world.ovirt.disk[", i, "]: size \"", lu.size(), "\""));
    }
    if (fc ? san.FindFc(lu.id()) != nullptr
           : san.FindIscsi(absl::StrCat(lu.address(), ":", lu.port()), lu.target(),
                           d.lun_mapping()) != nullptr) {
      continue;
    }
    absl::Status added = san.AddLun({.id = lu.id(),
                                     .fibre_channel = fc,
                                     .portal = fc ? "" : absl::StrCat(lu.address(), ":", lu.port()),
                                     .iqn = lu.target(),
                                     .lun = d.lun_mapping(),
                                     .size_bytes = size_bytes,
                                     .chap_username = d.chap_username(),
                                     .chap_password = d.chap_password()});
    if (!added.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("world.ovirt.disk[", i, "]: ", added.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace ferry::sim
