// Checks across the objects of one manifest set: duplicate objects, a
// migration's disk pairs against its VM/VMI and claims, PV/PVC pre-binding.
// Only what the set itself shows is checked: a reference to an object that is
// not in the set is assumed to live in the cluster.
#ifndef FERRY_API_VALIDATION_CROSS_REFERENCES_H_
#define FERRY_API_VALIDATION_CROSS_REFERENCES_H_

#include <vector>

#include "absl/types/span.h"
#include "api/manifest/finding.h"
#include "api/manifest/object.h"

namespace ferry::validation {

// Findings about objects[i] are in result[i].
std::vector<std::vector<manifest::Finding>> ValidateCrossReferences(
    absl::Span<const manifest::Object* const> objects);

}  // namespace ferry::validation

#endif  // FERRY_API_VALIDATION_CROSS_REFERENCES_H_
