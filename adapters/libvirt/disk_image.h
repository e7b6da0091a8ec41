// EnsureDiskImage: a Filesystem volume's disk image ("disk.img" in the PV's
// directory), created on a node by that node's libvirtd when it is missing,
// as virt-launcher creates it for a Filesystem claim before QEMU opens it:
// raw, sparse (nothing allocated), the PV's capacity. Through libvirt's
// storage API, so it works for a node reached over a remote URI too.
//
//   ASSIGN_OR_RETURN(bool created, EnsureDiskImage(connection, "/srv/pv-b/disk.img", 1 << 30));
//
// The directory must exist. When no storage pool covers it, a transient
// `dir` pool does for the call and is destroyed after (the file stays). An
// existing image is left as it is, whatever its size: the guest's data may be
// in it.
#ifndef FERRY_ADAPTERS_LIBVIRT_DISK_IMAGE_H_
#define FERRY_ADAPTERS_LIBVIRT_DISK_IMAGE_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

typedef struct _virConnect* virConnectPtr;

namespace ferry::adapters {

// True when it created the image, false when one was there.
absl::StatusOr<bool> EnsureDiskImage(virConnectPtr connection, absl::string_view path,
                                     int64_t capacity_bytes);

// A container disk's writable overlay, as virt-launcher makes one at each
// start: a qcow2 file at `overlay_path` over the raw image at `image_path`
// (read-only), of the image's `capacity_bytes`. An existing overlay is
// replaced: a container disk starts from its image (KubeVirt's ephemeral
// container disk). Through libvirt's storage API, as EnsureDiskImage.
absl::Status CreateOverlay(virConnectPtr connection, absl::string_view overlay_path,
                           absl::string_view image_path, int64_t capacity_bytes);

}  // namespace ferry::adapters

#endif  // FERRY_ADAPTERS_LIBVIRT_DISK_IMAGE_H_
