// Selector: what a List or Watch covers within its kind, as the API server
// takes it: a label selector and a field selector
// (`?labelSelector=app=db&fieldSelector=spec.nodeName=node-a`).
//
//   ports::Selector on_node;
//   on_node.fields["spec.nodeName"] = "node-a";
//   RETURN_IF_ERROR(ports::ValidateSelector("Pod", on_node));
//   ASSIGN_OR_RETURN(ObjectList pods, api.List("Pod", "", on_node));
//
// A field selector is a conjunction of equalities on the fields the server
// declares selectable for the kind, and nothing else: `metadata.name` and
// `metadata.namespace` for every kind, and for Pods `spec.nodeName` and
// `status.phase` (the ones kubelets and controllers select on). Any other
// field is refused as the server refuses it ("field label not supported").
#ifndef FERRY_CORE_PORTS_SELECTOR_H_
#define FERRY_CORE_PORTS_SELECTOR_H_

#include <functional>
#include <map>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "api/meta.pb.h"
#include "google/protobuf/message.h"

namespace ferry::ports {

struct Selector {
  Selector() = default;
  // Implicit: a label selector alone is a Selector.
  Selector(k8s::LabelSelector labels) : labels(std::move(labels)) {}  // NOLINT

  k8s::LabelSelector labels;
  std::map<std::string, std::string, std::less<>> fields;  // field path -> value

  // Selects everything of its kind.
  bool everything() const;
  // The query form: "labels: app=db; fields: spec.nodeName=node-a" (only
  // the parts that are set; "" when it selects everything). Also its
  // identity: two selectors with the same string select the same objects.
  std::string ToString() const;
};

// InvalidArgument naming the field when `kind` has no such selectable field.
absl::Status ValidateSelector(absl::string_view kind, const Selector& selector);

// The selector of a request's query parameters `labelSelector` and
// `fieldSelector` (api/label_selector.h for the first; the second is
// `path=value` or `path==value` terms separated by commas). InvalidArgument
// naming the parameter; a field the kind cannot select on is
// ValidateSelector's to refuse.
absl::StatusOr<Selector> ParseSelectorQuery(absl::string_view label_selector,
                                            absl::string_view field_selector);

// The query parameter values of `selector`, read back by ParseSelectorQuery
// to the same selector: {labelSelector, fieldSelector}, "" for a part unset.
std::pair<std::string, std::string> SelectorQuery(const Selector& selector);

// True when `object` (of a kind the selector was validated for) is selected.
bool Selects(const Selector& selector, const google::protobuf::Message& object);

}  // namespace ferry::ports

#endif  // FERRY_CORE_PORTS_SELECTOR_H_
