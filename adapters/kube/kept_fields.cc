#include "adapters/kube/kept_fields.h"

#include <cstdint>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace ferry::adapters {
namespace {

using Json = KeptFields::Json;

std::string Meta(const Json& object, const char* field) {
  const Json::json_pointer p(std::string("/metadata/") + field);
  return object.contains(p) && object.at(p).is_string() ? object.at(p).get<std::string>() : "";
}

// Whether resourceVersion `a` is newer than `b` (etcd's revisions are
// numbers; anything else is taken as newer, as it cannot be ordered).
bool Newer(const std::string& a, const std::string& b) {
  int64_t x = 0, y = 0;
  if (absl::SimpleAtoi(a, &x) && absl::SimpleAtoi(b, &y)) return x > y;
  return a != b;
}

// Every element an object with a string "name": a list Kubernetes merges
// by name (volumes, disks, containers, templates...).
bool Named(const Json& list) {
  for (const Json& e : list) {
    if (!e.is_object() || !e.contains("name") || !e["name"].is_string()) return false;
  }
  return true;
}

const Json* ByName(const Json& list, const Json& name) {
  for (const Json& e : list) {
    if (e["name"] == name) return &e;
  }
  return nullptr;
}

}  // namespace

Json KeptFields::Rebase(const Json& raw, const Json& known, const Json& next) {
  if (next == known) return raw;  // Ferry changed nothing here: the server's, whole
  if (next.is_object() && known.is_object() && raw.is_object()) {
    Json out = raw;
    for (const auto& [key, value] : known.items()) {
      if (!next.contains(key)) out.erase(key);  // Ferry removed it
    }
    for (const auto& [key, value] : next.items()) {
      out[key] = known.contains(key) && raw.contains(key) ? Rebase(raw[key], known[key], value)
                                                          : value;
    }
    return out;
  }
  if (next.is_array() && known.is_array() && raw.is_array()) {
    Json out = Json::array();
    if (Named(next) && Named(known) && Named(raw)) {
      // Elements follow their names: one removed or reordered keeps each
      // element's own unmodelled fields.
      for (const Json& element : next) {
        const Json* k = ByName(known, element["name"]);
        const Json* r = ByName(raw, element["name"]);
        out.push_back(k != nullptr && r != nullptr ? Rebase(*r, *k, element) : element);
      }
      return out;
    }
    if (raw.size() != known.size()) return next;  // cannot align: Ferry's
    for (size_t i = 0; i < next.size(); ++i) {
      out.push_back(i < known.size() ? Rebase(raw[i], known[i], next[i]) : next[i]);
    }
    return out;
  }
  return next;
}

void KeptFields::Remember(const Json& raw, const Json& known) {
  const std::string uid = Meta(raw, "uid");
  if (uid.empty()) return;
  const std::string rv = Meta(raw, "resourceVersion");
  absl::MutexLock lock(&mu_);
  auto it = by_uid_.find(uid);
  // A late watch event of an older version never replaces a newer one.
  if (it != by_uid_.end() && !Newer(rv, it->second.resource_version) &&
      rv != it->second.resource_version) {
    return;
  }
  by_uid_[uid] = Kept{rv, raw, known};
}

void KeptFields::Forget(const std::string& uid) {
  absl::MutexLock lock(&mu_);
  by_uid_.erase(uid);
}

absl::StatusOr<Json> KeptFields::BodyFor(const Json& next) const {
  const std::string uid = Meta(next, "uid");
  absl::MutexLock lock(&mu_);
  auto it = by_uid_.find(uid);
  if (uid.empty() || it == by_uid_.end()) return next;  // never read: nothing to keep
  if (it->second.resource_version != Meta(next, "resourceVersion")) {
    // Not the version whose unmodelled fields are kept: sending Ferry's
    // alone could erase them, so the caller reads again (a Conflict).
    return absl::AbortedError(absl::StrCat(
        "the object changed since it was read (resourceVersion ", Meta(next, "resourceVersion"),
        ", ", it->second.resource_version, " now): read it again"));
  }
  return Rebase(it->second.raw, it->second.known, next);
}

size_t KeptFields::size() const {
  absl::MutexLock lock(&mu_);
  return by_uid_.size();
}

}  // namespace ferry::adapters
