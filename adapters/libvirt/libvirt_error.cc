#include "adapters/libvirt/libvirt_error.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <string>

#include "absl/strings/str_cat.h"

namespace ferry::adapters {

absl::Status LastError(absl::string_view what) {
  const virError* error = virGetLastError();
  const std::string message =
      absl::StrCat(what, ": ", error != nullptr && error->message != nullptr
                                   ? error->message
                                   : "unknown libvirt error");
  const int code = error != nullptr ? error->code : VIR_ERR_INTERNAL_ERROR;
  virResetLastError();
  switch (code) {
    case VIR_ERR_NO_DOMAIN:
      return absl::NotFoundError(message);
    case VIR_ERR_DOM_EXIST:
      return absl::AlreadyExistsError(message);
    case VIR_ERR_OPERATION_INVALID:
      return absl::FailedPreconditionError(message);
    case VIR_ERR_NO_SUPPORT:
    case VIR_ERR_OPERATION_UNSUPPORTED:
    case VIR_ERR_ARGUMENT_UNSUPPORTED:  // e.g. a migration flag the driver lacks
      return absl::UnimplementedError(message);
    case VIR_ERR_NO_NAME:
    case VIR_ERR_XML_ERROR:
    case VIR_ERR_XML_DETAIL:
    case VIR_ERR_INVALID_ARG:
      return absl::InvalidArgumentError(message);
    case VIR_ERR_NO_CONNECT:
    case VIR_ERR_SYSTEM_ERROR:
    case VIR_ERR_RPC:
      return absl::UnavailableError(message);
    default:
      return absl::InternalError(message);
  }
}

}  // namespace ferry::adapters
