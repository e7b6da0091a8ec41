// Small facts about volumes that validation and the core both need.
//
//   if (std::optional<std::string> claim = ClaimOf(volume)) ...
//   std::optional<Quantity> size = StorageSize(pvc.spec().resources().requests());
#ifndef FERRY_API_VOLUMES_H_
#define FERRY_API_VOLUMES_H_

#include <optional>
#include <string>

#include "api/kubevirt.pb.h"
#include "api/quantity.h"
#include "google/protobuf/map.h"

namespace ferry::api {

// The claim a VM volume stands on: a persistentVolumeClaim's claimName, or a
// dataVolume's name (a DataVolume's PVC has the DataVolume's name).
std::optional<std::string> ClaimOf(const kubevirt::Volume& volume);

// The "storage" entry of a requests/capacity map, when present and valid.
std::optional<Quantity> StorageSize(
    const google::protobuf::Map<std::string, std::string>& resources);

}  // namespace ferry::api

#endif  // FERRY_API_VOLUMES_H_
