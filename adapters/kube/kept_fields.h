// KeptFields: what a server wrote that Ferry's model does not hold, kept per
// object so that writing the object back never erases it. A real
// VirtualMachine has fields Ferry does not model (firmware, features, a
// newer KubeVirt's own); an update that sent only Ferry's fields would wipe
// them. So the adapter remembers each object's JSON as the server sent it
// (`raw`) beside Ferry's JSON of it as decoded (`known`), and an update sends
// a three-way merge (Rebase): the raw object where Ferry changed nothing,
// Ferry's values where it did, fields it removed removed, and lists of named
// elements (volumes, disks, templates) matched by name, so removing one
// element never moves another's unmodelled fields onto it. The newest
// version of each object (by uid) is kept; an older one arriving late never
// replaces it; a deleted one is forgotten. Thread-safe.
//
//   kept.Remember(raw, ApiObjectJson(*decoded, kind));
//   ASSIGN_OR_RETURN(nlohmann::ordered_json body, kept.BodyFor(ApiObjectJson(next, kind)));
#ifndef FERRY_ADAPTERS_KUBE_KEPT_FIELDS_H_
#define FERRY_ADAPTERS_KUBE_KEPT_FIELDS_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "nlohmann/json.hpp"

namespace ferry::adapters {

class KeptFields {
 public:
  using Json = nlohmann::ordered_json;

  void Remember(const Json& raw, const Json& known);
  void Forget(const std::string& uid);
  // What to write for `next`: the remembered raw object of the same uid
  // and resourceVersion with Ferry's changes applied; `next` itself for an
  // object never read. Aborted when the version kept is another one
  // (writing Ferry's fields alone could erase the rest): read it again.
  absl::StatusOr<Json> BodyFor(const Json& next) const;
  size_t size() const;
  // The three-way merge: `raw` with the changes from `known` to `next`.
  static Json Rebase(const Json& raw, const Json& known, const Json& next);

 private:
  struct Kept {
    std::string resource_version;
    Json raw;
    Json known;
  };
  mutable absl::Mutex mu_;
  std::map<std::string, Kept> by_uid_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ferry::adapters

#endif  // FERRY_ADAPTERS_KUBE_KEPT_FIELDS_H_
