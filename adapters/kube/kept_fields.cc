#include "adapters/kube/kept_fields.h"

namespace ferry::adapters {
namespace {

std::string Meta(const KeptFields::Json& object, const char* field) {
  const KeptFields::Json::json_pointer p(std::string("/metadata/") + field);
  return object.contains(p) && object.at(p).is_string() ? object.at(p).get<std::string>() : "";
}

}  // namespace

void KeptFields::Remember(const Json& raw, const Json& known) {
  const std::string uid = Meta(raw, "uid");
  if (uid.empty()) return;
  absl::MutexLock lock(&mu_);
  by_uid_[uid] = Kept{Meta(raw, "resourceVersion"), raw, known};
}

void KeptFields::Forget(const std::string& uid) {
  absl::MutexLock lock(&mu_);
  by_uid_.erase(uid);
}

KeptFields::Json KeptFields::BodyFor(const Json& next) const {
  const std::string uid = Meta(next, "uid");
  absl::MutexLock lock(&mu_);
  auto it = by_uid_.find(uid);
  if (uid.empty() || it == by_uid_.end() ||
      it->second.resource_version != Meta(next, "resourceVersion")) {
    return next;
  }
  try {
    return it->second.raw.patch(Json::diff(it->second.known, next));
  } catch (const Json::exception&) {
    // The raw and known shapes disagree where Ferry changed something
    // (never expected: known is decoded from raw): write Ferry's own.
    return next;
  }
}

size_t KeptFields::size() const {
  absl::MutexLock lock(&mu_);
  return by_uid_.size();
}

}  // namespace ferry::adapters
