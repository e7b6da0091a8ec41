// LastError: libvirt's last error on this thread as a canonical status,
// `what` first, libvirt's message after; the error is reset.
//
//   if (virDomainCreate(domain) != 0) return LastError("start vm-1");
#ifndef FERRY_ADAPTERS_LIBVIRT_LIBVIRT_ERROR_H_
#define FERRY_ADAPTERS_LIBVIRT_LIBVIRT_ERROR_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace ferry::adapters {

absl::Status LastError(absl::string_view what);

}  // namespace ferry::adapters

#endif  // FERRY_ADAPTERS_LIBVIRT_LIBVIRT_ERROR_H_
