#include "api/volumes.h"

namespace ferry::api {

std::optional<std::string> ClaimOf(const kubevirt::Volume& volume) {
  if (volume.has_persistent_volume_claim()) {
    return volume.persistent_volume_claim().claim_name();
  }
  if (volume.has_data_volume()) return volume.data_volume().name();
  return std::nullopt;
}

std::optional<Quantity> StorageSize(
    const google::protobuf::Map<std::string, std::string>& resources) {
  auto it = resources.find("storage");
  if (it == resources.end()) return std::nullopt;
  absl::StatusOr<Quantity> q = Quantity::Parse(it->second);
  if (!q.ok()) return std::nullopt;
  return *q;
}

}  // namespace ferry::api
