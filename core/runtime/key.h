// Key: what a reconciler is asked about, and all it is told: the namespace
// and name of one object (controller-runtime's reconcile.Request). A
// reconciler reads the object's current state from the cache; it never sees
// the event that woke it.
#ifndef FERRY_CORE_RUNTIME_KEY_H_
#define FERRY_CORE_RUNTIME_KEY_H_

#include <compare>
#include <string>

#include "absl/strings/str_cat.h"

namespace ferry::runtime {

struct Key {
  std::string namespace_;  // "" for cluster-scoped kinds
  std::string name;

  friend auto operator<=>(const Key&, const Key&) = default;
  friend bool operator==(const Key&, const Key&) = default;
};

// "namespace/name" ("/name" when cluster-scoped), for logs and traces.
inline std::string ToString(const Key& key) { return absl::StrCat(key.namespace_, "/", key.name); }

}  // namespace ferry::runtime

#endif  // FERRY_CORE_RUNTIME_KEY_H_
