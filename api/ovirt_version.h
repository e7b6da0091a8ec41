// oVirt engine versions as the engine reports them: product_info.version of
// GET /ovirt-engine/api carries major, minor, build and revision (strings,
// as every oVirt scalar) and full_version, the package version
// ("4.5.2-1.el8": version 4.5.2, revision 0, RPM release "1.el8").
//
//   absl::StatusOr<OvirtVersion> v = ParseOvirtVersion(api.product_info().version());
//   if (v.ok() && *v < kLunDetailsSince) ... no LUN address ...
#ifndef FERRY_API_OVIRT_VERSION_H_
#define FERRY_API_OVIRT_VERSION_H_

#include <compare>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "api/ovirt.pb.h"

namespace ferry::api {

struct OvirtVersion {
  int major = 0;
  int minor = 0;
  int build = 0;
  int revision = 0;

  auto operator<=>(const OvirtVersion&) const = default;
};

// The first engine whose single-disk read carries a LUN's address, port and
// target (ovirt-engine PR #559): 4.5.2.1. 4.5.2-1.el8 is 4.5.2.0, before it.
inline constexpr OvirtVersion kLunDetailsSince{4, 5, 2, 1};

// The version the engine reports: full_version, whose dotted numbers before
// the first '-' are major, minor, build and revision (what follows the '-'
// is the RPM release, never a version part), when it has at least three;
// the engine's revision field is always "0" (it fills the fields from
// major.minor.build), so only full_version tells 4.5.2.1 from 4.5.2.0.
// Else the fields major, minor, build and revision (an absent build or
// revision is 0). InvalidArgument naming the field when nothing is readable.
absl::StatusOr<OvirtVersion> ParseOvirtVersion(const ovirt::Version& reported);

// "4.5.2.0".
std::string OvirtVersionString(const OvirtVersion& version);

// What an engine of package version `full_version` reports, as the engine
// fills product_info.version ("4.5.2-1.el8": major 4, minor 5, build 2,
// revision 0). Only numeric parts are copied; the rest stays empty.
ovirt::Version ReportedOvirtVersion(absl::string_view full_version);

}  // namespace ferry::api

#endif  // FERRY_API_OVIRT_VERSION_H_
