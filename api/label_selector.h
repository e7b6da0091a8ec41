// Label selector matching, as the API server and the scheduler apply it, and
// the selector's query form (`?labelSelector=app=db,tier in (a,b),!legacy`).
//
//   if (SelectorMatches(pvc.spec().selector(), pv.metadata().labels())) ...
//   ASSIGN_OR_RETURN(k8s::LabelSelector s, ParseLabelSelector("app=db,!legacy"));
//   std::string query = FormatLabelSelector(s);  // "app=db,!legacy"
#ifndef FERRY_API_LABEL_SELECTOR_H_
#define FERRY_API_LABEL_SELECTOR_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "api/meta.pb.h"
#include "google/protobuf/map.h"

namespace ferry::api {

// An empty selector matches everything. Unknown operators match nothing
// (validation refuses them before they get here).
bool SelectorMatches(const k8s::LabelSelector& selector,
                     const google::protobuf::Map<std::string, std::string>& labels);

// The API server's label selector syntax: requirements separated by commas,
// each `k=v` or `k==v` (matchLabels), `k!=v` (NotIn: also matches objects
// without the label), `k in (a,b)`, `k notin (a,b)`, `k` (Exists) or `!k`
// (DoesNotExist). "" selects everything. InvalidArgument saying which
// requirement is malformed and why.
absl::StatusOr<k8s::LabelSelector> ParseLabelSelector(absl::string_view text);

// The query form ParseLabelSelector reads back to the same selector:
// matchLabels sorted by key, then the expressions in order.
std::string FormatLabelSelector(const k8s::LabelSelector& selector);

}  // namespace ferry::api

#endif  // FERRY_API_LABEL_SELECTOR_H_
