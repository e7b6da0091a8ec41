#include "api/label_selector.h"

#include <algorithm>

namespace ferry::api {

bool SelectorMatches(const k8s::LabelSelector& selector,
                     const google::protobuf::Map<std::string, std::string>& labels) {
  for (const auto& [key, value] : selector.match_labels()) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  for (const k8s::LabelSelectorRequirement& r : selector.match_expressions()) {
    auto it = labels.find(r.key());
    const bool has = it != labels.end();
    const bool in_values =
        has && std::find(r.values().begin(), r.values().end(), it->second) != r.values().end();
    if (r.operator_() == "In") {
      if (!in_values) return false;
    } else if (r.operator_() == "NotIn") {
      if (in_values) return false;
    } else if (r.operator_() == "Exists") {
      if (!has) return false;
    } else if (r.operator_() == "DoesNotExist") {
      if (has) return false;
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace ferry::api
