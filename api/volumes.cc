#include "api/volumes.h"

#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace ferry::api {

std::optional<std::string> ClaimOf(const kubevirt::Volume& volume) {
  if (volume.has_persistent_volume_claim()) {
    return volume.persistent_volume_claim().claim_name();
  }
  if (volume.has_data_volume()) return volume.data_volume().name();
  return std::nullopt;
}

bool PairMoves(const kubevirt::MigrateNonSharedDisk& pair, const kubevirt::Volume& volume) {
  if (!pair.source_volume().empty()) {
    return volume.has_container_disk() && volume.name() == pair.source_volume();
  }
  const std::optional<std::string> claim = ClaimOf(volume);
  return claim && !pair.source_pvc().empty() && *claim == pair.source_pvc();
}

int64_t DestinationBytesNeeded(int64_t bytes, bool as_file) {
  if (!as_file) return bytes;
  return static_cast<int64_t>(std::ceil(static_cast<double>(bytes) / (1.0 - kFilesystemOverhead)));
}

std::string FilesystemOverheadNote(absl::string_view why) {
  return absl::StrCat(" plus ", kFilesystemOverhead * 100, "% filesystem overhead (", why, ")");
}

std::string PairSourceName(const kubevirt::MigrateNonSharedDisk& pair) {
  if (!pair.source_volume().empty()) {
    return absl::StrCat("containerDisk volume \"", pair.source_volume(), "\"");
  }
  return absl::StrCat("claim \"", pair.source_pvc(), "\"");
}

std::optional<Quantity> StorageSize(
    const google::protobuf::Map<std::string, std::string>& resources) {
  auto it = resources.find("storage");
  if (it == resources.end()) return std::nullopt;
  absl::StatusOr<Quantity> q = Quantity::Parse(it->second);
  if (!q.ok()) return std::nullopt;
  return *q;
}

bool IsValidIqn(absl::string_view iqn) {
  if (absl::StartsWith(iqn, "iqn.")) {
    // iqn.2001-04.com.example[:storage]
    if (iqn.size() < 12) return false;
    for (size_t i : {4, 5, 6, 7, 9, 10}) {
      if (!absl::ascii_isdigit(iqn[i])) return false;
    }
    return iqn[8] == '-' && iqn[11] == '.' && iqn.size() > 12;
  }
  if (absl::StartsWith(iqn, "eui.")) {
    if (iqn.size() != 4 + 16) return false;
    for (char c : iqn.substr(4)) {
      if (!absl::ascii_isxdigit(c)) return false;
    }
    return true;
  }
  if (absl::StartsWith(iqn, "naa.")) {
    const absl::string_view hex = iqn.substr(4);
    if (hex.size() != 16 && hex.size() != 32) return false;
    for (char c : hex) {
      if (!absl::ascii_isxdigit(c)) return false;
    }
    return true;
  }
  return false;
}

}  // namespace ferry::api
