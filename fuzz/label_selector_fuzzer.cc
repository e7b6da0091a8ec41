// A label selector and labels, as one YAML/JSON document (LabelSelectorInput,
// proto field names): validation must not crash, and for a selector it
// accepts, SelectorMatches must agree with the rule as Kubernetes states it
// (matchLabels all equal; In, NotIn, Exists, DoesNotExist), computed here
// independently.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "api/label_selector.h"
#include "api/manifest/object.h"
#include "api/manifest/reader.h"
#include "api/validation/field_errors.h"
#include "api/validation/meta_validation.h"
#include "fuzz/check.h"
#include "fuzz/fuzz_inputs.pb.h"

namespace {

using Labels = google::protobuf::Map<std::string, std::string>;

bool Matches(const ferry::k8s::LabelSelector& s, const Labels& labels) {
  for (const auto& [key, value] : s.match_labels()) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  for (const ferry::k8s::LabelSelectorRequirement& r : s.match_expressions()) {
    auto it = labels.find(r.key());
    const bool has = it != labels.end();
    const bool listed =
        has && std::find(r.values().begin(), r.values().end(), it->second) != r.values().end();
    if (r.operator_() == "In" && !listed) return false;
    if (r.operator_() == "NotIn" && listed) return false;
    if (r.operator_() == "Exists" && !has) return false;
    if (r.operator_() == "DoesNotExist" && has) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  ferry::fuzz::LabelSelectorInput input;
  ferry::manifest::DecodeOptions options;
  options.names = ferry::manifest::FieldNames::kProto;
  if (!ferry::manifest::ParseDocument(text, &input, options).ok()) return 0;
  ferry::manifest::Object object;
  std::vector<ferry::manifest::Finding> findings;
  ferry::validation::FieldErrors errors(object, &findings);
  ferry::validation::ValidateLabelSelector(input.selector(), "spec.selector", errors);
  ferry::validation::ValidateLabels(input.labels(), "metadata.labels", errors);
  const bool matches = ferry::api::SelectorMatches(input.selector(), input.labels());
  const bool valid = std::none_of(findings.begin(), findings.end(), [](const auto& f) {
    return f.severity == ferry::manifest::Severity::kError;
  });
  if (valid) {
    FUZZ_CHECK(matches == Matches(input.selector(), input.labels()),
               "SelectorMatches says " << matches << " for a valid selector:\n" << text);
  }
  return 0;
}
