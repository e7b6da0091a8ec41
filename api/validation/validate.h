// Validation of manifests, as `ferry lint` runs it: each object by the rules
// of its kind (names, quantities, required fields, enumerated values), then the
// set as a whole (duplicates and cross-references between objects).
//
//   std::vector<manifest::Finding> findings = ValidateObject(object);
//   std::vector<manifest::Finding> more = ValidateSet(all_objects);
#ifndef FERRY_API_VALIDATION_VALIDATE_H_
#define FERRY_API_VALIDATION_VALIDATE_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "api/manifest/finding.h"
#include "api/manifest/object.h"

namespace ferry::validation {

std::vector<manifest::Finding> ValidateObject(const manifest::Object& object);

// The same rules for a message that did not come from a file (an object a
// controller built, or one an API server received). Findings carry paths but
// no locations. InvalidArgument for a message that is not an API object kind.
absl::StatusOr<std::vector<manifest::Finding>> ValidateMessage(
    const google::protobuf::Message& object);

// Findings about how the objects of a set relate (duplicates,
// cross-references); result[i] holds those about objects[i].
std::vector<std::vector<manifest::Finding>> ValidateSet(
    absl::Span<const manifest::Object* const> objects);

}  // namespace ferry::validation

#endif  // FERRY_API_VALIDATION_VALIDATE_H_
