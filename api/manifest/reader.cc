#include "api/manifest/reader.h"

#include <algorithm>
#include <iostream>
#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "base/read_file.h"
#include "base/status_macros.h"
#include "api/manifest/json_document.h"
#include "api/manifest/kinds.h"
#include "api/manifest/utf8.h"
#include "api/manifest/yaml_node.h"
#include "api/manifest/yaml_stream.h"
#include "yaml-cpp/mark.h"

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
bool RequiredString(const YamlNode& doc, const char* name, const std::string& path,
                    absl::string_view file, std::string* out,
                    std::vector<Finding>* findings) {
  const YamlNode* value = doc.Find(name);
  if (value == nullptr || value->IsNull()) {
    findings->push_back(Error(At(file, doc.Mark()), path,
                              "required: every manifest names its apiVersion and kind"));
    return false;
  }
  if (!value->IsScalar() || value->Scalar().empty()) {
    findings->push_back(Error(At(file, value->Mark()), path, "must be a non-empty string"));
    return false;
  }
  *out = value->Scalar();
  return true;
}

// `item` is "items[3]" for an item of a List, "" for a document. The stream
// has already charged the whole document, aliases expanded, against the
// file's limits, and bounded its depth: this walk and the decoder's are too.
void ReadDocument(absl::string_view file, const YamlNode& doc, const std::string& item,
                  ManifestSet* set) {
  auto at = [&](const char* field) {
    return item.empty() ? std::string(field) : absl::StrCat(item, ".", field);
  };
  if (!doc.IsMap()) {
    set->findings.push_back(Error(
        At(file, doc.Mark()), item,
        "a manifest must be a mapping with apiVersion, kind and metadata"));
    return;
  }
  std::string api_version, kind;
  const bool has_version =
      RequiredString(doc, "apiVersion", at("apiVersion"), file, &api_version, &set->findings);
  const bool has_kind = RequiredString(doc, "kind", at("kind"), file, &kind, &set->findings);
  if (!has_version || !has_kind) return;

  const YamlNode* items = doc.Find("items");
  if (absl::EndsWith(kind, "List") && items != nullptr) {
    if (items->IsNull()) return;
    if (!items->IsSequence()) {
      set->findings.push_back(Error(At(file, items->Mark()), at("items"), "must be a list"));
      return;
    }
    for (size_t i = 0; i < items->size(); ++i) {
      ReadDocument(file, (*items)[i], absl::StrCat(at("items"), "[", i, "]"), set);
    }
    return;
  }

  const KindInfo* info = FindKind(api_version, kind);
  if (info == nullptr) {
    set->findings.push_back(Error(At(file, doc.Find("kind")->Mark()), at("kind"),
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

// "file:line:col: error: message" for a stream that could not go on.
absl::Status Unreadable(absl::string_view file, const YamlStream& stream,
                        const absl::Status& status) {
  Finding finding = Error(At(file, stream.error_mark()), stream.error_path(),
                          std::string(status.message()));
  return absl::Status(status.code(), FormatFinding(finding));
}

// Line and column (from 1, counting bytes) of text[offset].
std::pair<int, int> PositionOf(absl::string_view text, size_t offset) {
  const absl::string_view before = text.substr(0, offset);
  const size_t newline = before.rfind('\n');
  const int line = 1 + static_cast<int>(std::count(before.begin(), before.end(), '\n'));
  const size_t column = newline == absl::string_view::npos ? offset + 1 : offset - newline;
  return {line, static_cast<int>(column)};
}

// Manifests are UTF-8, as the API server requires (Unicode's exact rule: no
// surrogates, no overlong forms, nothing above U+10FFFF). YAML and JSON both
// refuse raw control characters other than tab, line feed and carriage
// return; yaml-cpp would misread them (a NUL in the first bytes makes it read
// the file as UTF-16).
absl::Status CheckText(absl::string_view file, absl::string_view text) {
  if (const std::optional<Utf8Error> error = FindUtf8Error(text)) {
    const auto [line, column] = PositionOf(text, error->offset);
    std::string bytes;
    for (size_t k = 0; k < error->length; ++k) {
      absl::StrAppend(&bytes, k == 0 ? "" : " ", "0x",
                      absl::Hex(static_cast<unsigned char>(text[error->offset + k]),
                                absl::kZeroPad2));
    }
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s:%d:%d: error: not valid UTF-8 (%s %s: %s): save the file as UTF-8", file, line,
        column, error->length == 1 ? "byte" : "bytes", bytes, error->reason));
  }
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      const auto [line, column] = PositionOf(text, i);
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s:%d:%d: error: control character 0x%02x is not allowed in YAML or JSON text; "
          "write it escaped in a double-quoted string (\"\\x%02x\")",
          file, line, column, c, c));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ManifestSet> ParseManifests(absl::string_view file,
                                           absl::string_view text) {
  RETURN_IF_ERROR(CheckText(file, text));
  ManifestSet set;
  YamlStream stream(text);
  YamlDocument doc;
  for (;;) {
    absl::StatusOr<bool> more = stream.Next(&doc);
    if (absl::IsResourceExhausted(more.status())) {
      // Too large, aliases expanded: the documents before are kept; this one
      // and the rest of the file are not read (half an object is no object).
      set.findings.push_back(Error(At(file, stream.error_mark()), stream.error_path(),
                                   std::string(more.status().message())));
      break;
    }
    if (!more.ok()) return Unreadable(file, stream, more.status());
    if (!*more) break;
    if (doc.root().IsNull()) continue;  // an empty document, e.g. after a trailing ---
    ReadDocument(file, doc.root(), "", &set);
  }
  if (set.objects.empty() && set.findings.empty()) {
    Finding empty;
    empty.severity = Severity::kWarning;
    empty.location.file = std::string(file);
    empty.message = "no objects in this file";
    set.findings.push_back(std::move(empty));
  }
  return set;
}

absl::StatusOr<ManifestSet> ReadManifestFile(const std::string& path,
                                             const ReadLimits& limits) {
  if (path == "-") {
    ASSIGN_OR_RETURN(const std::string text, ReadStreamBounded(std::cin, "<stdin>", limits));
    return ParseManifests("<stdin>", text);
  }
  ASSIGN_OR_RETURN(const std::string text, ReadFileBounded(path, limits));
  return ParseManifests(path, text);
}

absl::Status FirstError(const ManifestSet& set) {
  for (const Finding& f : set.findings) return absl::InvalidArgumentError(FormatFinding(f));
  for (const Object& o : set.objects) {
    for (const Finding& f : o.findings) {
      if (f.severity == Severity::kError) return absl::InvalidArgumentError(FormatFinding(f));
    }
  }
  return absl::OkStatus();
}

absl::Status ParseDocument(absl::string_view text, google::protobuf::Message* message,
                           DecodeOptions options, absl::string_view file) {
  RETURN_IF_ERROR(CheckText(file, text));
  // One JSON object (the APIs' traffic) read fast; anything else, or JSON
  // past a limit, as YAML: the first document, as YAML::Load reads it,
  // nothing after it read.
  std::optional<YamlDocument> json = ReadJsonDocument(text);
  YamlDocument doc;
  if (json.has_value()) {
    doc = *std::move(json);
  } else {
    YamlStream stream(text);
    absl::StatusOr<bool> read = stream.Next(&doc);
    if (!read.ok()) return Unreadable(file, stream, read.status());
  }
  std::vector<Finding> findings;
  Decoder decoder(file, options, &findings, nullptr);
  decoder.Decode(doc.root(), message);
  std::vector<std::string> errors;
  for (const Finding& f : findings) {
    if (f.severity == Severity::kError) errors.push_back(FormatFinding(f));
  }
  if (!errors.empty()) return absl::InvalidArgumentError(absl::StrJoin(errors, "\n"));
  return absl::OkStatus();
}

}  // namespace ferry::manifest
