// Reading manifests: multi-document YAML or JSON text into typed Objects,
// chosen by apiVersion and kind. A `kind: List` (or `<Kind>List`) is read item
// by item, as `kubectl get -o yaml` prints them.
//
//   absl::StatusOr<ManifestSet> set = ReadManifestFile("vm.yaml");
//   if (!set.ok()) ...;                 // unreadable: missing file, not YAML
//   for (const Object& o : set->objects) for (const Finding& f : o.findings) ...
#ifndef FERRY_API_MANIFEST_READER_H_
#define FERRY_API_MANIFEST_READER_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "api/manifest/decoder.h"
#include "api/manifest/finding.h"
#include "api/manifest/object.h"
#include "google/protobuf/message.h"

namespace ferry::manifest {

struct ManifestSet {
  std::vector<Object> objects;
  // Problems of documents that yielded no object (unknown kind, not a mapping).
  std::vector<Finding> findings;
};

// InvalidArgument ("file:line:col: ...") when `text` is not YAML or JSON.
absl::StatusOr<ManifestSet> ParseManifests(absl::string_view file,
                                           absl::string_view text);

// Also NotFound / PermissionDenied when the file cannot be read; "-" reads
// standard input.
absl::StatusOr<ManifestSet> ReadManifestFile(const std::string& path);

// One document into a given message (for APIs without apiVersion/kind, such
// as oVirt's). InvalidArgument listing every error found; warnings ignored.
absl::Status ParseDocument(absl::string_view text, google::protobuf::Message* message,
                           DecodeOptions options = {},
                           absl::string_view file = "<input>");

}  // namespace ferry::manifest

#endif  // FERRY_API_MANIFEST_READER_H_
