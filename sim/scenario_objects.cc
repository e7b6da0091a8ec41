#include "sim/scenario_objects.h"

#include <exception>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "api/manifest/encoder.h"
#include "api/manifest/reader.h"
#include "base/status_macros.h"
#include "nlohmann/json.hpp"

namespace ferry::sim {

absl::StatusOr<ports::ObjectKey> ParseRef(const std::string& ref, absl::string_view field) {
  std::vector<std::string> parts = absl::StrSplit(ref, '/');
  if (parts.size() == 3) return ports::ObjectKey{parts[0], parts[1], parts[2]};
  if (parts.size() == 2) return ports::ObjectKey{parts[0], "", parts[1]};
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": \"", ref,
                   "\" is not \"Kind/namespace/name\" (or \"Kind/name\" when cluster-scoped)"));
}

absl::StatusOr<std::pair<std::string, std::string>> ParseClaim(const std::string& ref,
                                                               absl::string_view field) {
  std::vector<std::string> parts = absl::StrSplit(ref, '/');
  if (parts.size() != 2 || parts[0].empty() || parts[1].empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": \"", ref, "\" is not \"namespace/name\""));
  }
  return std::make_pair(parts[0], parts[1]);
}

absl::StatusOr<std::vector<std::unique_ptr<google::protobuf::Message>>> Manifests(
    absl::string_view where, absl::string_view text) {
  ASSIGN_OR_RETURN(manifest::ManifestSet set, manifest::ParseManifests(where, text));
  RETURN_IF_ERROR(manifest::FirstError(set));
  std::vector<std::unique_ptr<google::protobuf::Message>> out;
  for (manifest::Object& o : set.objects) out.push_back(std::move(o.message));
  return out;
}

std::pair<bool, std::string> FieldOf(World& world, const std::string& object,
                                     const std::string& path) {
  absl::StatusOr<ports::ObjectKey> key = ParseRef(object, "object");
  if (!key.ok()) return {false, ""};
  absl::StatusOr<ports::ObjectPtr> got = world.api().Get(*key);
  if (!got.ok()) return {false, ""};
  nlohmann::ordered_json tree = manifest::Encode(**got);
  try {
    const nlohmann::ordered_json& value = tree.at(nlohmann::ordered_json::json_pointer(path));
    return {true, value.is_string() ? value.get<std::string>() : value.dump()};
  } catch (const std::exception&) {
    return {false, ""};
  }
}

}  // namespace ferry::sim
