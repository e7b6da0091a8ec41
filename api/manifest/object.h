// Object: one typed API object read from a manifest, with where it came from.
//
//   for (const Object& object : set.objects) {
//     if (const auto* vm = object.As<kubevirt::VirtualMachine>()) { ... }
//   }
#ifndef FERRY_API_MANIFEST_OBJECT_H_
#define FERRY_API_MANIFEST_OBJECT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "api/manifest/decoder.h"
#include "api/manifest/finding.h"
#include "api/manifest/kinds.h"
#include "api/meta.pb.h"
#include "google/protobuf/message.h"

namespace ferry::manifest {

struct Object {
  const KindInfo* kind = nullptr;
  std::unique_ptr<google::protobuf::Message> message;
  Location location;              // first line of the document or List item
  SourceMap source_map;           // field path -> where its key stands
  std::vector<Finding> findings;  // problems found while decoding

  // The typed message, or nullptr if the object is of another kind.
  template <typename T>
  const T* As() const {
    return dynamic_cast<const T*>(message.get());
  }

  const k8s::ObjectMeta& metadata() const;

  // "VirtualMachine default/vm-alpine" (namespace left out when unset).
  std::string Describe() const;

  // Where `path` (or its nearest recorded ancestor) stands; the object's own
  // location when nothing on the path was written in the manifest.
  Location LocationOf(absl::string_view path) const;
};

}  // namespace ferry::manifest

#endif  // FERRY_API_MANIFEST_OBJECT_H_
