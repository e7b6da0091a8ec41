#include "api/manifest/object.h"

#include "absl/strings/str_cat.h"

namespace ferry::manifest {

const k8s::ObjectMeta& Object::metadata() const {
  const auto* field = message->GetDescriptor()->FindFieldByName("metadata");
  return static_cast<const k8s::ObjectMeta&>(
      message->GetReflection()->GetMessage(*message, field));
}

std::string Object::Describe() const {
  const k8s::ObjectMeta& meta = metadata();
  std::string name = meta.name().empty() ? "(unnamed)" : meta.name();
  if (!meta.namespace_().empty()) name = absl::StrCat(meta.namespace_(), "/", name);
  return EscapeControl(absl::StrCat(kind->kind, " ", name));
}

Location Object::LocationOf(absl::string_view path) const {
  std::string p(path);
  while (!p.empty()) {
    auto it = source_map.find(p);
    if (it != source_map.end()) return it->second;
    // Drop the last segment: "a.b[2].c" -> "a.b[2]" -> "a.b" -> "a".
    const size_t cut = p.find_last_of(".[");
    p = cut == std::string::npos ? "" : p.substr(0, cut);
  }
  return location;
}

}  // namespace ferry::manifest
