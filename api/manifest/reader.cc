#include "api/manifest/reader.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "api/manifest/kinds.h"
#include "yaml-cpp/yaml.h"

namespace ferry::manifest {
namespace {

Location At(absl::string_view file, const YAML::Mark& mark) {
  Location location;
  location.file = std::string(file);
  if (!mark.is_null() && mark.line >= 0) {
    location.line = mark.line + 1;
    location.column = mark.column + 1;
  }
  return location;
}

Finding Error(Location location, std::string path, std::string message) {
  Finding f;
  f.location = std::move(location);
  f.path = std::move(path);
  f.message = std::move(message);
  return f;
}

// apiVersion or kind of a document: a non-empty string, or a finding.
bool RequiredString(const YAML::Node& doc, const char* name, absl::string_view file,
                    std::string* out, std::vector<Finding>* findings) {
  const YAML::Node value = doc[name];
  if (!value.IsDefined() || value.IsNull()) {
    findings->push_back(Error(At(file, doc.Mark()), name,
                              "required: every manifest names its apiVersion and kind"));
    return false;
  }
  if (!value.IsScalar() || value.Scalar().empty()) {
    findings->push_back(Error(At(file, value.Mark()), name, "must be a non-empty string"));
    return false;
  }
  *out = value.Scalar();
  return true;
}

void ReadDocument(absl::string_view file, const YAML::Node& doc,
                  ManifestSet* set) {
  if (!doc.IsMap()) {
    set->findings.push_back(Error(
        At(file, doc.Mark()), "",
        "a manifest must be a mapping with apiVersion, kind and metadata"));
    return;
  }
  std::string api_version, kind;
  const bool has_version = RequiredString(doc, "apiVersion", file, &api_version,
                                          &set->findings);
  const bool has_kind = RequiredString(doc, "kind", file, &kind, &set->findings);
  if (!has_version || !has_kind) return;

  if (absl::EndsWith(kind, "List") && doc["items"].IsDefined()) {
    const YAML::Node items = doc["items"];
    if (items.IsNull()) return;
    if (!items.IsSequence()) {
      set->findings.push_back(Error(At(file, items.Mark()), "items", "must be a list"));
      return;
    }
    for (const YAML::Node& item : items) ReadDocument(file, item, set);
    return;
  }

  const KindInfo* info = FindKind(api_version, kind);
  if (info == nullptr) {
    set->findings.push_back(Error(At(file, doc["kind"].Mark()), "kind",
                                  ExplainUnknownKind(api_version, kind)));
    return;
  }
  Object object;
  object.kind = info;
  object.location = At(file, doc.Mark());
  object.message.reset(info->prototype->New());
  Decoder decoder(file, DecodeOptions{}, &object.findings, &object.source_map);
  decoder.Decode(doc, object.message.get());
  set->objects.push_back(std::move(object));
}

}  // namespace

absl::StatusOr<ManifestSet> ParseManifests(absl::string_view file,
                                           absl::string_view text) {
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    const Location at = At(file, e.mark);
    return absl::InvalidArgumentError(absl::StrCat(
        at.file, ":", at.line, ":", at.column, ": not valid YAML or JSON: ", e.msg));
  }
  ManifestSet set;
  for (const YAML::Node& doc : docs) {
    if (doc.IsNull()) continue;  // an empty document, e.g. after a trailing ---
    ReadDocument(file, doc, &set);
  }
  return set;
}

absl::StatusOr<ManifestSet> ReadManifestFile(const std::string& path) {
  std::stringstream buffer;
  if (path == "-") {
    buffer << std::cin.rdbuf();
    return ParseManifests("<stdin>", buffer.str());
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int error = errno;
    const std::string reason = std::strerror(error);
    if (error == ENOENT) return absl::NotFoundError(absl::StrCat(path, ": ", reason));
    if (error == EACCES) {
      return absl::PermissionDeniedError(absl::StrCat(path, ": ", reason));
    }
    return absl::UnavailableError(absl::StrCat(path, ": cannot read: ", reason));
  }
  buffer << in.rdbuf();
  if (in.bad()) {
    return absl::UnavailableError(absl::StrCat(path, ": read failed (is it a directory?)"));
  }
  return ParseManifests(path, buffer.str());
}

absl::Status ParseDocument(absl::string_view text, google::protobuf::Message* message,
                           DecodeOptions options, absl::string_view file) {
  YAML::Node doc;
  try {
    doc = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    const Location at = At(file, e.mark);
    return absl::InvalidArgumentError(absl::StrCat(
        at.file, ":", at.line, ":", at.column, ": not valid YAML or JSON: ", e.msg));
  }
  std::vector<Finding> findings;
  Decoder decoder(file, options, &findings, nullptr);
  decoder.Decode(doc, message);
  std::vector<std::string> errors;
  for (const Finding& f : findings) {
    if (f.severity == Severity::kError) errors.push_back(FormatFinding(f));
  }
  if (!errors.empty()) return absl::InvalidArgumentError(absl::StrJoin(errors, "\n"));
  return absl::OkStatus();
}

}  // namespace ferry::manifest
