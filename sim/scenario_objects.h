// How a scenario names the objects it acts on and judges: references
// ("Kind/namespace/name", "namespace/name" for a claim), manifest texts, and
// a field of a live object by JSON pointer. Errors name the scenario field.
//
//   ASSIGN_OR_RETURN(ports::ObjectKey key, ParseRef("Pod/default/x", "delete"));
//   auto [found, value] = FieldOf(world, "PersistentVolumeClaim/default/d", "/status/phase");
#ifndef FERRY_SIM_SCENARIO_OBJECTS_H_
#define FERRY_SIM_SCENARIO_OBJECTS_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/ports/kube_api.h"
#include "google/protobuf/message.h"
#include "sim/world.h"

namespace ferry::sim {

// "Kind/namespace/name", or "Kind/name" for a cluster-scoped object.
absl::StatusOr<ports::ObjectKey> ParseRef(const std::string& ref, absl::string_view field);

// "namespace/name" (a claim, a pod, a VMI): {namespace, name}.
absl::StatusOr<std::pair<std::string, std::string>> ParseClaim(const std::string& ref,
                                                               absl::string_view field);

// The objects of a manifest text (YAML or JSON, several documents); an
// error finding fails the whole text, naming `where`.
absl::StatusOr<std::vector<std::unique_ptr<google::protobuf::Message>>> Manifests(
    absl::string_view where, absl::string_view text);

// An object's field as text, a string as itself and anything else as JSON;
// {false, ""} when the reference, the object or the field is not there.
std::pair<bool, std::string> FieldOf(World& world, const std::string& object,
                                     const std::string& path);

}  // namespace ferry::sim

#endif  // FERRY_SIM_SCENARIO_OBJECTS_H_
