// Reading manifests: multi-document YAML or JSON text into typed Objects,
// chosen by apiVersion and kind. A `kind: List` (or `<Kind>List`) is read item
// by item, as `kubectl get -o yaml` prints them.
//
// Untrusted input is bounded (docs/ARCHITECTURE.md, "Input limits"): a file
// of at most 64 MiB unless raised, UTF-8 by Unicode's exact rule, at most
// 500,000 values and 64 MiB of text once YAML aliases are expanded, nesting
// at most 100 levels (yaml_stream.h).
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
#include "base/read_file.h"
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

// The set's first error, as InvalidArgument with its location ("file:line:col:
// error: path: message"): a document that yielded no object, or an error
// finding of an object. OK when there is none (warnings do not count). For
// callers that take a file whole or not at all.
absl::Status FirstError(const ManifestSet& set);

// InvalidArgument ("file:line:col: ...") when `text` is not YAML or JSON.
absl::StatusOr<ManifestSet> ParseManifests(absl::string_view file,
                                           absl::string_view text);

// Also NotFound / PermissionDenied / FailedPrecondition (a directory) /
// Unavailable when the file cannot be read, and ResourceExhausted when it is
// larger than `limits.max_bytes` (the message names the flag that raises
// it); "-" reads standard input, with the same limit.
absl::StatusOr<ManifestSet> ReadManifestFile(const std::string& path,
                                             const ReadLimits& limits = {});

// One document into a given message (for APIs without apiVersion/kind, such
// as oVirt's). InvalidArgument listing every error found; warnings ignored.
absl::Status ParseDocument(absl::string_view text, google::protobuf::Message* message,
                           DecodeOptions options = {},
                           absl::string_view file = "<input>");

}  // namespace ferry::manifest

#endif  // FERRY_API_MANIFEST_READER_H_
