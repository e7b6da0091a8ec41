// Strategic merge patch (application/strategic-merge-patch+json), as the API
// server applies it to the built-in kinds and as `kubectl apply`, `label`
// and `edit` send it: a JSON merge patch whose lists of objects merge by
// their merge key (containers and volumes by name, conditions by type,
// ownerReferences by uid...) and whose `finalizers` merge as a set, with
// the directives `$patch` (replace, delete, merge), `$setElementOrder/F`,
// `$deleteFromPrimitiveList/F` and `$retainKeys`. The merge keys come from
// the Kubernetes types' patchMergeKey tags for the fields Ferry's built-in
// kinds have; a list without one is replaced, as the server does.
//
//   nlohmann::ordered_json object = ...;   // the stored object
//   RETURN_IF_ERROR(StrategicMerge(object, patch));
#ifndef FERRY_SERVE_STRATEGIC_MERGE_H_
#define FERRY_SERVE_STRATEGIC_MERGE_H_

#include "absl/status/status.h"
#include "nlohmann/json.hpp"

namespace ferry::serve {

// Applies `patch` to `target` in place. InvalidArgument naming the field
// for a patch that is not an object, or a `$patch` directive it does not know.
absl::Status StrategicMerge(nlohmann::ordered_json& target, const nlohmann::ordered_json& patch);

}  // namespace ferry::serve

#endif  // FERRY_SERVE_STRATEGIC_MERGE_H_
