// KeptFields: what a server wrote that Ferry's model does not hold, kept per
// object so that writing the object back never erases it. A real
// VirtualMachine has fields Ferry does not model (cpu, firmware, features,
// a newer KubeVirt's own); an update that sent only Ferry's fields would
// wipe them. So the adapter remembers each object's JSON as the server sent
// it (`raw`) beside Ferry's JSON of it as decoded (`known`), and an update
// sends the raw object with exactly Ferry's changes applied (the JSON patch
// from `known` to what Ferry writes, RFC 6902, nlohmann's diff and patch).
// The latest version of each object (by uid) is kept; a deleted one is
// forgotten. Thread-safe.
//
//   kept.Remember(raw, ApiObjectJson(*decoded, kind));
//   nlohmann::ordered_json body = kept.BodyFor(ApiObjectJson(next, kind));
#ifndef FERRY_ADAPTERS_KUBE_KEPT_FIELDS_H_
#define FERRY_ADAPTERS_KUBE_KEPT_FIELDS_H_

#include <map>
#include <string>

#include "absl/synchronization/mutex.h"
#include "nlohmann/json.hpp"

namespace ferry::adapters {

class KeptFields {
 public:
  using Json = nlohmann::ordered_json;

  void Remember(const Json& raw, const Json& known);
  void Forget(const std::string& uid);
  // What to write for `next`: the remembered raw object of the same uid
  // and resourceVersion with Ferry's changes applied; `next` itself when
  // none is remembered (an object never read, or read at another version:
  // the server's Conflict then says so).
  Json BodyFor(const Json& next) const;
  size_t size() const;

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
