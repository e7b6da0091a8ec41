// oVirt engine versions ("4.5.5-1.el8", "4.5.2.1"), compared part by part.
//
//   if (OvirtVersionBefore(engine_version, kLunDetailsSince)) ... no LUN address ...
#ifndef FERRY_API_OVIRT_VERSION_H_
#define FERRY_API_OVIRT_VERSION_H_

#include "absl/strings/string_view.h"

namespace ferry::api {

// The first engine whose single-disk read carries a LUN's address, port and
// target (ovirt-engine PR #559).
inline constexpr char kLunDetailsSince[] = "4.5.2.1";

// True when `version` sorts before `than`, comparing the leading numeric
// parts separated by '.' or '-' ("4.5.1-1.el8" < "4.5.2.1").
bool OvirtVersionBefore(absl::string_view version, absl::string_view than);

}  // namespace ferry::api

#endif  // FERRY_API_OVIRT_VERSION_H_
