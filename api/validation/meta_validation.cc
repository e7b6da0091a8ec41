#include "api/validation/meta_validation.h"

#include <map>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "api/names.h"
#include "api/options.pb.h"

namespace ferry::validation {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

bool IsTimestampField(const FieldDescriptor* field) {
  const std::string& name = field->json_name();
  return field->cpp_type() == FieldDescriptor::CPPTYPE_STRING &&
         (absl::EndsWith(name, "Timestamp") || absl::EndsWith(name, "Time"));
}

void CheckQuantity(absl::string_view path, const std::string& text,
                   FieldErrors& errors) {
  absl::StatusOr<api::Quantity> q = api::Quantity::Parse(text);
  if (!q.ok()) {
    errors.Invalid(path, std::string(q.status().message()));
  } else if (q->Sign() < 0) {
    errors.Invalid(path, absl::StrCat("\"", text, "\": must not be negative"));
  }
}

void CheckTimestamp(absl::string_view path, const std::string& text,
                    FieldErrors& errors) {
  absl::Time t;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, text, &t, &error)) {
    errors.Invalid(path, absl::StrCat("\"", text,
                                      "\": not an RFC 3339 time like "
                                      "2023-08-17T08:14:45Z (",
                                      error, ")"));
  }
}

}  // namespace

void ValidateSubdomain(absl::string_view path, absl::string_view name,
                       FieldErrors& errors) {
  errors.AddAll(path, name, api::IsDns1123Subdomain(name));
}

void ValidateLabel(absl::string_view path, absl::string_view name,
                   FieldErrors& errors) {
  errors.AddAll(path, name, api::IsDns1123Label(name));
}

void ValidateRequiredName(absl::string_view path, absl::string_view name,
                          FieldErrors& errors) {
  if (name.empty()) {
    errors.Required(path);
  } else {
    ValidateSubdomain(path, name, errors);
  }
}

void ValidateLabels(const google::protobuf::Map<std::string, std::string>& labels,
                    absl::string_view path, FieldErrors& errors) {
  std::map<std::string, std::string> sorted(labels.begin(), labels.end());
  for (const auto& [key, value] : sorted) {
    errors.AddAll(Key(path, key), key, api::IsQualifiedName(key));
    errors.AddAll(Key(path, key), value, api::IsValidLabelValue(value));
  }
}

void ValidateObjectMeta(const k8s::ObjectMeta& meta, bool namespaced,
                        absl::string_view path, FieldErrors& errors) {
  if (meta.name().empty()) {
    if (meta.generate_name().empty()) {
      errors.Required(Child(path, "name"), "or generateName");
    }
  } else {
    ValidateSubdomain(Child(path, "name"), meta.name(), errors);
  }
  if (!meta.namespace_().empty()) {
    if (!namespaced) {
      errors.Invalid(Child(path, "namespace"),
                     absl::StrCat("must be empty: ", errors.object().kind->kind,
                                  " is cluster-scoped"));
    } else {
      ValidateLabel(Child(path, "namespace"), meta.namespace_(), errors);
    }
  }
  ValidateLabels(meta.labels(), Child(path, "labels"), errors);
  const std::map<std::string, std::string> annotations(meta.annotations().begin(),
                                                       meta.annotations().end());
  for (const auto& [key, value] : annotations) {
    errors.AddAll(Key(Child(path, "annotations"), key), key, api::IsQualifiedName(key));
  }
  if (absl::Status size = api::ValidateAnnotationsSize(annotations); !size.ok()) {
    errors.Invalid(Child(path, "annotations"), std::string(size.message()));
  }
  for (int i = 0; i < meta.finalizers_size(); ++i) {
    errors.AddAll(Index(Child(path, "finalizers"), i), meta.finalizers(i),
                  api::IsQualifiedName(meta.finalizers(i)));
  }
  for (int i = 0; i < meta.owner_references_size(); ++i) {
    const k8s::OwnerReference& ref = meta.owner_references(i);
    const std::string at = Index(Child(path, "ownerReferences"), i);
    if (ref.api_version().empty()) errors.Required(Child(at, "apiVersion"));
    if (ref.kind().empty()) errors.Required(Child(at, "kind"));
    if (ref.name().empty()) errors.Required(Child(at, "name"));
    if (ref.uid().empty()) errors.Required(Child(at, "uid"));
  }
  if (meta.generation() < 0) {
    errors.Invalid(Child(path, "generation"), "must not be negative");
  }
}

void ValidateLabelSelector(const k8s::LabelSelector& selector, absl::string_view path,
                           FieldErrors& errors) {
  ValidateLabels(selector.match_labels(), Child(path, "matchLabels"), errors);
  for (int i = 0; i < selector.match_expressions_size(); ++i) {
    const k8s::LabelSelectorRequirement& r = selector.match_expressions(i);
    const std::string at = Index(Child(path, "matchExpressions"), i);
    errors.AddAll(Child(at, "key"), r.key(), api::IsQualifiedName(r.key()));
    if (r.operator_() == "In" || r.operator_() == "NotIn") {
      if (r.values().empty()) {
        errors.Required(Child(at, "values"), "operator " + r.operator_() +
                                                 " needs at least one value");
      }
    } else if (r.operator_() == "Exists" || r.operator_() == "DoesNotExist") {
      if (!r.values().empty()) {
        errors.Invalid(Child(at, "values"),
                       "must be empty when the operator is " + r.operator_());
      }
    } else {
      errors.Invalid(Child(at, "operator"),
                     absl::StrCat("\"", r.operator_(),
                                  "\": must be one of In, NotIn, Exists, DoesNotExist"));
    }
  }
}

void ValidateNodeSelector(const k8s::NodeSelector& selector, absl::string_view path,
                          FieldErrors& errors) {
  if (selector.node_selector_terms().empty()) {
    errors.Required(Child(path, "nodeSelectorTerms"), "at least one term");
  }
  for (int t = 0; t < selector.node_selector_terms_size(); ++t) {
    const k8s::NodeSelectorTerm& term = selector.node_selector_terms(t);
    const std::string term_path = Index(Child(path, "nodeSelectorTerms"), t);
    for (int i = 0; i < term.match_expressions_size(); ++i) {
      const k8s::NodeSelectorRequirement& r = term.match_expressions(i);
      const std::string at = Index(Child(term_path, "matchExpressions"), i);
      errors.AddAll(Child(at, "key"), r.key(), api::IsQualifiedName(r.key()));
      const std::string& op = r.operator_();
      if (op == "In" || op == "NotIn") {
        if (r.values().empty()) {
          errors.Required(Child(at, "values"), "operator " + op + " needs values");
        }
      } else if (op == "Exists" || op == "DoesNotExist") {
        if (!r.values().empty()) {
          errors.Invalid(Child(at, "values"), "must be empty when the operator is " + op);
        }
      } else if (op == "Gt" || op == "Lt") {
        int64_t unused;
        if (r.values_size() != 1 || !absl::SimpleAtoi(r.values(0), &unused)) {
          errors.Invalid(Child(at, "values"),
                         "operator " + op + " needs exactly one integer value");
        }
      } else {
        errors.Invalid(Child(at, "operator"),
                       absl::StrCat("\"", op,
                                    "\": must be one of In, NotIn, Exists, "
                                    "DoesNotExist, Gt, Lt"));
      }
    }
  }
}

void ValidateEnum(absl::string_view path, absl::string_view value,
                  std::initializer_list<absl::string_view> allowed,
                  FieldErrors& errors) {
  if (value.empty()) return;
  for (absl::string_view a : allowed) {
    if (a == value) return;
  }
  errors.Invalid(path, absl::StrCat("unsupported value \"", value,
                                    "\": must be one of ",
                                    absl::StrJoin(allowed, ", ")));
}

void ValidateAccessModes(const google::protobuf::RepeatedPtrField<std::string>& modes,
                         absl::string_view path, bool required, FieldErrors& errors) {
  if (modes.empty() && required) {
    errors.Required(path, "at least one access mode");
  }
  for (int i = 0; i < modes.size(); ++i) {
    ValidateEnum(Index(path, i), modes.Get(i),
                 {"ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"},
                 errors);
    if (modes.Get(i) == "ReadWriteOncePod" && modes.size() > 1) {
      errors.Invalid(Index(path, i),
                     "ReadWriteOncePod may not be combined with other access modes");
    }
  }
}

void ValidateStorageSize(const google::protobuf::Map<std::string, std::string>& resources,
                         absl::string_view path, bool required, FieldErrors& errors) {
  const std::string at = Key(path, "storage");
  auto it = resources.find("storage");
  if (it == resources.end()) {
    if (required) errors.Required(at, "the size of the volume");
    return;
  }
  // Unparsable and negative sizes are reported by ValidateTypedStrings.
  absl::StatusOr<api::Quantity> q = api::Quantity::Parse(it->second);
  if (q.ok() && q->IsZero()) errors.Invalid(at, "must be greater than zero");
}

void ValidateTypedStrings(const Message& message, absl::string_view path,
                          FieldErrors& errors) {
  const auto* descriptor = message.GetDescriptor();
  const Reflection* r = message.GetReflection();
  // Every Condition of every kind, wherever it sits.
  if (descriptor->full_name() == "ferry.k8s.Condition") {
    const FieldDescriptor* status = descriptor->FindFieldByName("status");
    ValidateEnum(Child(path, "status"), r->GetString(message, status),
                 {"True", "False", "Unknown"}, errors);
  }
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    const std::string at = Child(path, field->json_name());
    const bool quantity = field->options().GetExtension(api::quantity);
    if (field->is_map()) {
      const FieldDescriptor* value = field->message_type()->map_value();
      std::map<std::string, const Message*> sorted;
      for (int k = 0; k < r->FieldSize(message, field); ++k) {
        const Message& entry = r->GetRepeatedMessage(message, field, k);
        sorted[entry.GetReflection()->GetString(
            entry, field->message_type()->map_key())] = &entry;
      }
      for (const auto& [key, entry] : sorted) {
        if (value->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
          ValidateTypedStrings(entry->GetReflection()->GetMessage(*entry, value),
                               Key(at, key), errors);
        } else if (quantity) {
          CheckQuantity(Key(at, key), entry->GetReflection()->GetString(*entry, value),
                        errors);
        }
      }
    } else if (field->is_repeated()) {
      for (int k = 0; k < r->FieldSize(message, field); ++k) {
        if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
          ValidateTypedStrings(r->GetRepeatedMessage(message, field, k), Index(at, k),
                               errors);
        }
      }
    } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (r->HasField(message, field)) {
        ValidateTypedStrings(r->GetMessage(message, field), at, errors);
      }
    } else if (r->HasField(message, field)) {
      if (quantity) CheckQuantity(at, r->GetString(message, field), errors);
      if (IsTimestampField(field)) CheckTimestamp(at, r->GetString(message, field), errors);
    }
  }
}

}  // namespace ferry::validation
