// Label selector matching, as the API server and the scheduler apply it.
//
//   if (SelectorMatches(pvc.spec().selector(), pv.metadata().labels())) ...
#ifndef FERRY_API_LABEL_SELECTOR_H_
#define FERRY_API_LABEL_SELECTOR_H_

#include <string>

#include "api/meta.pb.h"
#include "google/protobuf/map.h"

namespace ferry::api {

// An empty selector matches everything. Unknown operators match nothing
// (validation refuses them before they get here).
bool SelectorMatches(const k8s::LabelSelector& selector,
                     const google::protobuf::Map<std::string, std::string>& labels);

}  // namespace ferry::api

#endif  // FERRY_API_LABEL_SELECTOR_H_
