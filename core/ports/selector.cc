#include "core/ports/selector.h"

#include <map>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "api/core.pb.h"
#include "api/label_selector.h"
#include "core/ports/kube_api.h"

namespace ferry::ports {
namespace {

// The value of a selectable field of `object`; nullopt when the kind has
// no such selectable field.
std::optional<std::string> FieldValue(absl::string_view field,
                                      const google::protobuf::Message& object) {
  const k8s::ObjectMeta& meta = MetadataOf(object);
  if (field == "metadata.name") return meta.name();
  if (field == "metadata.namespace") return meta.namespace_();
  if (const auto* pod = dynamic_cast<const k8s::Pod*>(&object)) {
    if (field == "spec.nodeName") return pod->spec().node_name();
    if (field == "status.phase") return pod->status().phase();
  }
  return std::nullopt;
}

bool PodField(absl::string_view field) {
  return field == "spec.nodeName" || field == "status.phase";
}

}  // namespace

bool Selector::everything() const {
  return fields.empty() && labels.match_labels().empty() && labels.match_expressions().empty();
}

std::string Selector::ToString() const {
  std::vector<std::string> label_terms;
  // A proto map's order is unspecified: sorted, so the string is stable.
  const std::map<std::string, std::string> sorted(labels.match_labels().begin(),
                                                  labels.match_labels().end());
  for (const auto& [key, value] : sorted) label_terms.push_back(absl::StrCat(key, "=", value));
  for (const k8s::LabelSelectorRequirement& r : labels.match_expressions()) {
    label_terms.push_back(
        absl::StrCat(r.key(), " ", r.operator_(), " (", absl::StrJoin(r.values(), ","), ")"));
  }
  std::vector<std::string> parts;
  if (!label_terms.empty()) parts.push_back(absl::StrCat("labels: ", absl::StrJoin(label_terms, ",")));
  if (!fields.empty()) {
    parts.push_back(absl::StrCat("fields: ", absl::StrJoin(fields, ",", absl::PairFormatter("="))));
  }
  return absl::StrJoin(parts, "; ");
}

absl::Status ValidateSelector(absl::string_view kind, const Selector& selector) {
  for (const auto& [field, value] : selector.fields) {
    if (field == "metadata.name" || field == "metadata.namespace") continue;
    if (kind == "Pod" && PodField(field)) continue;
    return absl::InvalidArgumentError(absl::StrCat(
        "fieldSelector: field label not supported: \"", field, "\" (", kind,
        " selects on metadata.name, metadata.namespace",
        kind == "Pod" ? ", spec.nodeName, status.phase" : "", ")"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Selector> ParseSelectorQuery(absl::string_view label_selector,
                                            absl::string_view field_selector) {
  Selector selector;
  absl::StatusOr<k8s::LabelSelector> labels = api::ParseLabelSelector(label_selector);
  if (!labels.ok()) return labels.status();
  selector.labels = *std::move(labels);
  if (absl::StripAsciiWhitespace(field_selector).empty()) return selector;
  for (absl::string_view term : absl::StrSplit(field_selector, ',')) {
    term = absl::StripAsciiWhitespace(term);
    const size_t eq = term.find('=');
    if (eq == absl::string_view::npos || (eq > 0 && term[eq - 1] == '!')) {
      return absl::InvalidArgumentError(absl::StrCat(
          "fieldSelector: \"", term, "\": only \"FIELD=VALUE\" (or ==) terms are supported"));
    }
    const std::string field(absl::StripAsciiWhitespace(term.substr(0, eq)));
    absl::string_view value = term.substr(eq + 1);
    absl::ConsumePrefix(&value, "=");
    value = absl::StripAsciiWhitespace(value);
    if (field.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("fieldSelector: \"", term, "\": the field is empty"));
    }
    auto [it, added] = selector.fields.emplace(field, std::string(value));
    if (!added && it->second != value) {
      return absl::InvalidArgumentError(absl::StrCat("fieldSelector: \"", term, "\": ", field,
                                                     " is also required to equal \"",
                                                     it->second, "\""));
    }
  }
  return selector;
}

std::pair<std::string, std::string> SelectorQuery(const Selector& selector) {
  return {api::FormatLabelSelector(selector.labels),
          absl::StrJoin(selector.fields, ",", absl::PairFormatter("="))};
}

bool Selects(const Selector& selector, const google::protobuf::Message& object) {
  for (const auto& [field, value] : selector.fields) {
    const std::optional<std::string> actual = FieldValue(field, object);
    if (!actual.has_value() || *actual != value) return false;
  }
  return api::SelectorMatches(selector.labels, MetadataOf(object).labels());
}

}  // namespace ferry::ports
