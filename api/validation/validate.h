// Validation of manifests, as `ferry lint` runs it: each object by the rules
// of its kind (names, quantities, required fields, enumerated values), then the
// set as a whole (duplicates and cross-references between objects).
//
//   std::vector<manifest::Finding> findings = ValidateObject(object);
//   std::vector<manifest::Finding> more = ValidateSet(all_objects);
#ifndef FERRY_API_VALIDATION_VALIDATE_H_
#define FERRY_API_VALIDATION_VALIDATE_H_

#include <vector>

#include "absl/types/span.h"
#include "api/manifest/finding.h"
#include "api/manifest/object.h"

namespace ferry::validation {

std::vector<manifest::Finding> ValidateObject(const manifest::Object& object);

// Findings about how the objects of a set relate (duplicates,
// cross-references); result[i] holds those about objects[i].
std::vector<std::vector<manifest::Finding>> ValidateSet(
    absl::Span<const manifest::Object* const> objects);

}  // namespace ferry::validation

#endif  // FERRY_API_VALIDATION_VALIDATE_H_
