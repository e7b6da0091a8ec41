// Small facts about volumes that validation and the core both need.
//
//   if (std::optional<std::string> claim = ClaimOf(volume)) ...
//   std::optional<Quantity> size = StorageSize(pvc.spec().resources().requests());
#ifndef FERRY_API_VOLUMES_H_
#define FERRY_API_VOLUMES_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "api/kubevirt.pb.h"
#include "api/quantity.h"
#include "google/protobuf/map.h"

namespace ferry::api {

// The highest LUN number an iSCSI or Fibre Channel PersistentVolume may
// name (`lun`, from 0): Kubernetes refuses a PV outside 0..255, and so do
// api/validation and the LUN plan (core/lun_migration/lun.h).
inline constexpr int32_t kMaxLun = 255;

// An iSCSI qualified name as a PersistentVolume's spec.iscsi.iqn takes it:
// iqn.YYYY-MM.reverse.domain[:name], eui.<16 hex>, naa.<16 or 32 hex>.
bool IsValidIqn(absl::string_view iqn);

// The claim a VM volume stands on: a persistentVolumeClaim's claimName, or a
// dataVolume's name (a DataVolume's PVC has the DataVolume's name).
std::optional<std::string> ClaimOf(const kubevirt::Volume& volume);

// Whether `pair` moves `volume` off its source: the volume stands on the
// pair's sourcePvc, or it is the containerDisk volume the pair's
// sourceVolume names. A volume already switched to the destination does not.
bool PairMoves(const kubevirt::MigrateNonSharedDisk& pair, const kubevirt::Volume& volume);

// The pair's source as a message names it: `claim "x"` or
// `containerDisk volume "y"`.
std::string PairSourceName(const kubevirt::MigrateNonSharedDisk& pair);

// KubeVirt's and CDI's default filesystemOverhead: a disk image kept as a
// file on a Filesystem claim needs this share of the claim besides.
inline constexpr double kFilesystemOverhead = 0.055;

// What a destination claim must hold for a disk of `bytes`: the disk
// itself, or, where it becomes a file on a Filesystem claim (`as_file`: a
// Block source or a container disk's image onto a Filesystem claim), room
// for the filesystem too. Admission and `ferry lint` apply the same rule.
int64_t DestinationBytesNeeded(int64_t bytes, bool as_file);

// " plus 5.5% filesystem overhead (<why>)": how a message says so.
std::string FilesystemOverheadNote(absl::string_view why);

// The "storage" entry of a requests/capacity map, when present and valid.
std::optional<Quantity> StorageSize(
    const google::protobuf::Map<std::string, std::string>& resources);

}  // namespace ferry::api

#endif  // FERRY_API_VOLUMES_H_
