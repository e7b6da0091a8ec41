#include "api/manifest/decoder.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "api/manifest/yaml_scalar.h"
#include "api/options.pb.h"

namespace ferry::manifest {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

std::string JoinField(const std::string& path, absl::string_view name) {
  return path.empty() ? std::string(name) : absl::StrCat(path, ".", name);
}

// How a scalar node reads: quoted and !!str scalars are strings; plain ones
// resolve by YAML 1.1 as kubectl's decoder does.
PlainScalar KindOf(const YamlNode& node) {
  if (node.IsNull()) return PlainScalar::kNull;
  const std::string& tag = node.Tag();
  if (tag == "?") return ResolvePlainScalar(node.Scalar());
  if (tag == "tag:yaml.org,2002:int") return PlainScalar::kInt;
  if (tag == "tag:yaml.org,2002:float") return PlainScalar::kFloat;
  if (tag == "tag:yaml.org,2002:bool") return PlainScalar::kBool;
  if (tag == "tag:yaml.org,2002:null") return PlainScalar::kNull;
  return PlainScalar::kString;  // "!" (quoted), !!str, or a local tag
}

std::string DescribeNode(const YamlNode& node) {
  switch (node.type()) {
    case YamlNode::Type::kMap:
      return "a mapping";
    case YamlNode::Type::kSequence:
      return "a list";
    case YamlNode::Type::kNull:
      return "null";
    case YamlNode::Type::kScalar:
      if (KindOf(node) == PlainScalar::kString) {
        return absl::StrCat("the string \"", absl::CEscape(node.Scalar()), "\"");
      }
      return absl::StrCat(DescribePlainScalar(KindOf(node)), " (",
                          node.Scalar(), ")");
  }
  return "nothing";
}

// Edit distance, for "did you mean" on unknown fields.
size_t Distance(absl::string_view a, absl::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      const bool same = absl::ascii_tolower(a[i - 1]) == absl::ascii_tolower(b[j - 1]);
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// Base64 as Go's encoding/json reads []byte: the standard alphabet, padded;
// only line breaks are skipped.
bool DecodeBase64(absl::string_view text, std::string* out) {
  std::string clean;
  for (char c : text) {
    if (c == '\r' || c == '\n') continue;
    if (!absl::ascii_isalnum(c) && c != '+' && c != '/' && c != '=') return false;
    clean.push_back(c);
  }
  if (clean.size() % 4 != 0) return false;
  const size_t pad = clean.find('=');
  if (pad != std::string::npos &&
      (pad < clean.size() - 2 || clean.find_first_not_of('=', pad) != std::string::npos)) {
    return false;
  }
  return absl::Base64Unescape(clean, out);
}

// YAML allows an implicit (simple) mapping key of at most 1024 characters,
// and yaml-cpp holds JSON to it: a longer key could be written as JSON but
// never read back.
constexpr size_t kMaxJsonKey = 1024;

// The bytes `key` takes in JSON as the encoder writes it (nlohmann's dump,
// UTF-8 kept), quotes included.
size_t JsonKeySize(absl::string_view key) {
  size_t size = 2;
  for (char c : key) {
    switch (c) {
      case '"': case '\\': case '\b': case '\f': case '\n': case '\r': case '\t':
        size += 2;
        break;
      default:
        size += static_cast<unsigned char>(c) < 0x20 ? 6 : 1;
    }
  }
  return size;
}

// A real API field Ferry does not model: `(ferry.api.ignored_fields)`.
bool IsIgnored(const Descriptor* descriptor, absl::string_view name) {
  const auto& options = descriptor->options();
  for (int i = 0; i < options.ExtensionSize(api::ignored_fields); ++i) {
    if (options.GetExtension(api::ignored_fields, i) == name) return true;
  }
  return false;
}

bool IsQuantity(const FieldDescriptor* field) {
  return field->options().GetExtension(api::quantity);
}

template <typename T>
std::optional<T> Narrow(int64_t v) {
  if (v < static_cast<int64_t>(std::numeric_limits<T>::min())) return std::nullopt;
  if (std::numeric_limits<T>::max() < std::numeric_limits<int64_t>::max() &&
      v > static_cast<int64_t>(std::numeric_limits<T>::max())) {
    return std::nullopt;
  }
  return static_cast<T>(v);
}

}  // namespace

Decoder::Decoder(absl::string_view file, DecodeOptions options,
                 std::vector<Finding>* findings, SourceMap* source_map)
    : file_(file),
      options_(options),
      findings_(findings),
      source_map_(source_map) {}

void Decoder::Decode(const YamlNode& node, Message* message,
                     absl::string_view path) {
  DecodeMessage(node, message, std::string(path), options_.strict);
}

const FieldDescriptor* Decoder::FindField(const Descriptor* descriptor,
                                          absl::string_view name) const {
  if (options_.names == FieldNames::kProto) {
    return descriptor->FindFieldByName(std::string(name));
  }
  // Case-sensitive, as the Kubernetes API server decodes.
  for (int i = 0; i < descriptor->field_count(); ++i) {
    if (descriptor->field(i)->json_name() == name) return descriptor->field(i);
  }
  return nullptr;
}

absl::string_view Decoder::FieldName(const FieldDescriptor* field) const {
  return options_.names == FieldNames::kJson ? field->json_name() : field->name();
}

void Decoder::Report(Severity severity, const YAML::Mark& mark,
                     const std::string& path, std::string message) {
  Finding finding;
  finding.severity = severity;
  finding.location.file = file_;
  if (!mark.is_null() && mark.line >= 0) {
    finding.location.line = mark.line + 1;
    finding.location.column = mark.column + 1;
  }
  finding.path = path;
  finding.message = std::move(message);
  findings_->push_back(std::move(finding));
}

void Decoder::ReportUnknownField(const YAML::Mark& mark, const std::string& path,
                                 const Descriptor* descriptor,
                                 absl::string_view name, bool strict) {
  std::string best;
  size_t best_distance = std::max<size_t>(2, name.size() / 4) + 1;
  std::vector<std::string> known;
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const std::string known_name(FieldName(descriptor->field(i)));
    known.push_back(known_name);
    // No field name is long: past 64 bytes it is no typo, and the distance
    // would cost time in proportion to the name, once per place an alias
    // repeats it.
    size_t d = name.size() <= 64 ? Distance(name, known_name) : best_distance;
    // A truncated or extended name ("storageClass" for "storageClassName")
    // is as likely a typo as a misspelling.
    const bool prefix = name.size() >= 4 && known_name.size() >= 4 &&
                        (absl::StartsWith(known_name, name) ||
                         absl::StartsWith(name, known_name));
    if (prefix) d = 1;
    if (d < best_distance) {
      best_distance = d;
      best = known_name;
    }
  }
  std::string message = absl::StrCat("unknown field \"", name, "\"");
  if (!best.empty()) absl::StrAppend(&message, " (did you mean \"", best, "\"?)");
  if (strict) {
    absl::StrAppend(&message,
                    "; unknown fields are refused here because a typo would "
                    "change what gets migrated; known fields: ",
                    absl::StrJoin(known, ", "));
    Report(Severity::kError, mark, path, std::move(message));
  } else {
    absl::StrAppend(&message, "; the API server would drop it");
    Report(Severity::kWarning, mark, path, std::move(message));
  }
}

void Decoder::DecodeMessage(const YamlNode& node, Message* message,
                            const std::string& path, bool strict) {
  const Descriptor* descriptor = message->GetDescriptor();
  strict = (strict || descriptor->options().GetExtension(api::strict_fields)) && !options_.lenient;
  if (node.IsNull()) return;
  if (!node.IsMap()) {
    Report(Severity::kError, node.Mark(), path,
           absl::StrCat("expected a mapping of fields, got ", DescribeNode(node)));
    return;
  }
  absl::flat_hash_set<std::string> seen;
  for (const YamlNode::Entry& entry : node.entries()) {
    const YamlNode& key = *entry.key;
    const YamlNode& value = *entry.value;
    if (!key.IsScalar()) {
      Report(Severity::kError, key.Mark(), path, "a field name must be a string");
      continue;
    }
    const std::string& name = key.Scalar();
    const std::string field_path = JoinField(path, name);
    if (name == "<<" && key.Tag() == "?") {
      Report(Severity::kError, key.Mark(), field_path,
             "YAML merge keys (<<) are not supported: write the fields out");
      continue;
    }
    if (!seen.insert(name).second) {
      Report(Severity::kError, key.Mark(), field_path,
             "duplicate key: the field is set twice in this mapping");
      continue;
    }
    const FieldDescriptor* field = FindField(descriptor, name);
    if (field == nullptr && IsIgnored(descriptor, name)) continue;
    if (field == nullptr) {
      ReportUnknownField(key.Mark(), field_path, descriptor, name, strict);
      continue;
    }
    if (source_map_ != nullptr) {
      source_map_->insert_or_assign(
          field_path, Location{file_, key.Mark().line + 1, key.Mark().column + 1});
    }
    DecodeField(value, key.Mark(), message, field, field_path, strict);
  }
}

void Decoder::DecodeField(const YamlNode& value, const YAML::Mark& key_mark,
                          Message* message, const FieldDescriptor* field,
                          const std::string& path, bool strict) {
  if (value.IsNull()) return;  // `field: null` leaves the field unset
  const Reflection* reflection = message->GetReflection();
  if (field->is_map()) {
    DecodeMap(value, message, field, path, strict);
    return;
  }
  if (field->is_repeated()) {
    if (!value.IsSequence()) {
      Report(Severity::kError, value.Mark(), path,
             absl::StrCat("expected a list, got ", DescribeNode(value)));
      return;
    }
    for (size_t i = 0; i < value.size(); ++i) {
      const YamlNode& element = value[i];
      const std::string element_path = absl::StrCat(path, "[", i, "]");
      // A null element has no position of its own; the list's is the nearest.
      const YAML::Mark mark = element.IsNull() ? value.Mark() : element.Mark();
      if (source_map_ != nullptr && !mark.is_null()) {
        source_map_->insert_or_assign(
            element_path, Location{file_, mark.line + 1, mark.column + 1});
      }
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        DecodeMessage(element, reflection->AddMessage(message, field),
                      element_path, strict);
      } else if (element.IsNull()) {
        Report(Severity::kError, mark, element_path, "a list element must not be null");
      } else {
        DecodeScalar(element, key_mark, message, field, IsQuantity(field),
                     element_path);
      }
    }
    return;
  }
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    DecodeMessage(value, reflection->MutableMessage(message, field), path, strict);
    return;
  }
  DecodeScalar(value, key_mark, message, field, IsQuantity(field), path);
}

void Decoder::DecodeMap(const YamlNode& value, Message* message,
                        const FieldDescriptor* field, const std::string& path,
                        bool strict) {
  if (!value.IsMap()) {
    Report(Severity::kError, value.Mark(), path,
           absl::StrCat("expected a mapping, got ", DescribeNode(value)));
    return;
  }
  const Descriptor* entry_type = field->message_type();
  const FieldDescriptor* key_field = entry_type->map_key();
  const FieldDescriptor* value_field = entry_type->map_value();
  const Reflection* reflection = message->GetReflection();
  absl::flat_hash_set<std::string> seen;
  for (const YamlNode::Entry& pair : value.entries()) {
    const YamlNode& key = *pair.key;
    if (!key.IsScalar()) {
      Report(Severity::kError, key.Mark(), path, "a map key must be a string");
      continue;
    }
    const std::string entry_path = absl::StrCat(path, "[", key.Scalar(), "]");
    if (JsonKeySize(key.Scalar()) > kMaxJsonKey) {
      Report(Severity::kError, key.Mark(), entry_path,
             absl::StrCat("a key of ", JsonKeySize(key.Scalar()),
                          " bytes as JSON writes it: YAML and JSON readers take at most ",
                          kMaxJsonKey, ", so it could not be read back (Kubernetes keys are at "
                          "most 317)"));
      continue;
    }
    if (!seen.insert(key.Scalar()).second) {
      Report(Severity::kError, key.Mark(), entry_path,
             "duplicate key: the entry is set twice in this mapping");
      continue;
    }
    if (source_map_ != nullptr) {
      source_map_->insert_or_assign(
          entry_path, Location{file_, key.Mark().line + 1, key.Mark().column + 1});
    }
    Message* entry = reflection->AddMessage(message, field);
    entry->GetReflection()->SetString(entry, key_field, key.Scalar());
    const YamlNode& entry_value = *pair.value;
    if (value_field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      DecodeMessage(entry_value,
                    entry->GetReflection()->MutableMessage(entry, value_field),
                    entry_path, strict);
    } else if (entry_value.IsNull()) {
      // Go decodes `key: null` in a map[string]string as "".
    } else {
      DecodeScalar(entry_value, key.Mark(), entry, value_field, IsQuantity(field),
                   entry_path);
    }
  }
}

void Decoder::DecodeScalar(const YamlNode& node, const YAML::Mark& fallback,
                           Message* message, const FieldDescriptor* field,
                           bool accepts_number, const std::string& path) {
  const YAML::Mark mark = node.Mark().is_null() ? fallback : node.Mark();
  if (!node.IsScalar()) {
    Report(Severity::kError, mark, path,
           absl::StrCat("expected a single value, got ", DescribeNode(node)));
    return;
  }
  const Reflection* reflection = message->GetReflection();
  const bool repeated = field->is_repeated();
  const std::string& text = node.Scalar();
  const PlainScalar kind = KindOf(node);
  auto type_error = [&](absl::string_view expected) {
    std::string message = absl::StrCat("expected ", expected, ", got ",
                                       DescribeNode(node));
    if (expected == "a string") {
      absl::StrAppend(&message, "; quote it to mean the text: \"", text, "\"");
    }
    Report(Severity::kError, mark, path, std::move(message));
  };
  auto int_value = [&]() -> std::optional<int64_t> {
    if (kind != PlainScalar::kInt) {
      type_error("an integer");
      return std::nullopt;
    }
    std::optional<int64_t> v = PlainIntValue(text);
    if (!v.has_value()) {
      Report(Severity::kError, mark, path,
             absl::StrCat("integer ", text, " does not fit in 64 bits"));
    }
    return v;
  };
  auto range_error = [&](absl::string_view type) {
    Report(Severity::kError, mark, path,
           absl::StrCat("integer ", text, " is out of range for ", type));
  };

  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: {
      const bool number = kind == PlainScalar::kInt || kind == PlainScalar::kFloat;
      if (kind != PlainScalar::kString && !(accepts_number && number)) {
        type_error("a string");
        return;
      }
      std::string value = text;
      if (kind == PlainScalar::kInt) {
        // As Kubernetes reads it: `010` is octal 8, `1_000` is 1000.
        const std::optional<int64_t> n = PlainIntValue(text);
        if (!n.has_value()) {
          Report(Severity::kError, mark, path,
                 absl::StrCat("integer ", text, " does not fit in 64 bits"));
          return;
        }
        value = absl::StrCat(*n);
      }
      if (field->type() == FieldDescriptor::TYPE_BYTES && !DecodeBase64(text, &value)) {
        Report(Severity::kError, mark, path,
               "not valid base64 (standard alphabet, padded with '=' to a multiple of 4)");
        return;
      }
      repeated ? reflection->AddString(message, field, std::move(value))
               : reflection->SetString(message, field, std::move(value));
      return;
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      if (kind != PlainScalar::kBool) {
        type_error("a boolean (true or false)");
        return;
      }
      const bool value = PlainBoolValue(text);
      repeated ? reflection->AddBool(message, field, value)
               : reflection->SetBool(message, field, value);
      return;
    }
    case FieldDescriptor::CPPTYPE_INT32: {
      const std::optional<int64_t> v = int_value();
      if (!v.has_value()) return;
      const std::optional<int32_t> n = Narrow<int32_t>(*v);
      if (!n.has_value()) return range_error("a 32-bit integer");
      repeated ? reflection->AddInt32(message, field, *n)
               : reflection->SetInt32(message, field, *n);
      return;
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      const std::optional<int64_t> v = int_value();
      if (!v.has_value()) return;
      repeated ? reflection->AddInt64(message, field, *v)
               : reflection->SetInt64(message, field, *v);
      return;
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      const std::optional<int64_t> v = int_value();
      if (!v.has_value()) return;
      const std::optional<uint32_t> n = Narrow<uint32_t>(*v);
      if (!n.has_value()) return range_error("an unsigned 32-bit integer");
      repeated ? reflection->AddUInt32(message, field, *n)
               : reflection->SetUInt32(message, field, *n);
      return;
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      const std::optional<int64_t> v = int_value();
      if (!v.has_value()) return;
      if (*v < 0) return range_error("an unsigned integer");
      repeated ? reflection->AddUInt64(message, field, static_cast<uint64_t>(*v))
               : reflection->SetUInt64(message, field, static_cast<uint64_t>(*v));
      return;
    }
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT: {
      double value;
      if ((kind != PlainScalar::kInt && kind != PlainScalar::kFloat) ||
          !absl::SimpleAtod(text, &value)) {
        type_error("a number");
        return;
      }
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_FLOAT) {
        repeated ? reflection->AddFloat(message, field, static_cast<float>(value))
                 : reflection->SetFloat(message, field, static_cast<float>(value));
      } else {
        repeated ? reflection->AddDouble(message, field, value)
                 : reflection->SetDouble(message, field, value);
      }
      return;
    }
    case FieldDescriptor::CPPTYPE_ENUM:
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
  Report(Severity::kError, mark, path,
         absl::StrCat("field type ", field->type_name(),
                      " is not supported by the manifest decoder"));
}

}  // namespace ferry::manifest
