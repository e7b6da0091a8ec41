// The kinds Ferry reads and writes, by apiVersion and kind.
//
//   const KindInfo* info = FindKind("kubevirt.io/v1", "VirtualMachine");
//   std::unique_ptr<google::protobuf::Message> vm(info->prototype->New());
#ifndef FERRY_API_MANIFEST_KINDS_H_
#define FERRY_API_MANIFEST_KINDS_H_

#include <string>
#include <vector>

#include "absl/types/span.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace ferry::manifest {

struct KindInfo {
  absl::string_view api_version;  // "v1", "kubevirt.io/v1"
  absl::string_view kind;         // "PersistentVolumeClaim"
  bool namespaced;
  const google::protobuf::Message* prototype;  // default instance of the message
  absl::string_view plural;       // the resource in URLs: "persistentvolumeclaims"
  absl::string_view short_names;  // comma-separated, as discovery lists them: "pvc"
};

// Every kind Ferry knows, in a fixed order.
absl::Span<const KindInfo> AllKinds();

// The group of an apiVersion: "" for "v1", "kubevirt.io" for "kubevirt.io/v1".
absl::string_view GroupOf(absl::string_view api_version);
// Its version: "v1" for both of those.
absl::string_view VersionOf(absl::string_view api_version);

// Every apiVersion served, in the kinds' order (the core group's "v1" first).
std::vector<absl::string_view> ApiVersions();

// The kind named `kind` (kind names are unique across groups here), or nullptr.
const KindInfo* FindKindNamed(absl::string_view kind);

// The kind served at `api_version` as `plural`, or nullptr.
const KindInfo* FindKindByResource(absl::string_view api_version, absl::string_view plural);

// nullptr when the pair is unknown.
const KindInfo* FindKind(absl::string_view api_version, absl::string_view kind);

// The KindInfo whose message type is `descriptor`, or nullptr.
const KindInfo* FindKindByDescriptor(const google::protobuf::Descriptor* descriptor);

// Why an apiVersion/kind pair is unknown, with the nearest known spelling:
// `kind "VirtualMachine" is served as kubevirt.io/v1, not "kubevirt.io/v1alpha3"`.
std::string ExplainUnknownKind(absl::string_view api_version, absl::string_view kind);

}  // namespace ferry::manifest

#endif  // FERRY_API_MANIFEST_KINDS_H_
