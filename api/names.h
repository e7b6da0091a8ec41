// Kubernetes name, label and annotation rules, as in
// k8s.io/apimachinery/pkg/util/validation (IsDNS1123Subdomain, IsDNS1123Label,
// IsQualifiedName, IsValidLabelValue) and pkg/api/validation
// (ValidateAnnotationsSize).
//
// Each Is* function returns the problems it finds, worded as Kubernetes words
// them plus the offending length or value; an empty vector means valid:
//
//   for (const std::string& problem : IsDns1123Label(vm_name)) {
//     errors.push_back(absl::StrCat("metadata.name: ", problem));
//   }
//   IsDns1123Label("My-VM");
//   // {"a lowercase RFC 1123 label must consist of lower case alphanumeric
//   //   characters or '-', and must start and end with an alphanumeric
//   //   character (e.g. 'my-name',  or '123-abc', regex used for validation
//   //   is '[a-z0-9]([-a-z0-9]*[a-z0-9])?') (got \"My-VM\")"}
//   // ("',  or '" is Go's own joining of the examples, kept verbatim.)
//
// Lengths are counted in bytes, as Go's len() does.
#ifndef FERRY_API_NAMES_H_
#define FERRY_API_NAMES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace ferry::api {

inline constexpr int kDns1123LabelMaxLength = 63;
inline constexpr int kDns1123SubdomainMaxLength = 253;
inline constexpr int kQualifiedNameMaxLength = 63;  // the name part of a key
inline constexpr int kLabelValueMaxLength = 63;
// The total size of an object's annotations, keys plus values (256 KiB).
inline constexpr int64_t kTotalAnnotationSizeLimitBytes = 256 * 1024;

// An RFC 1123 subdomain, as most object names must be: at most 253 characters
// of dot-separated parts matching [a-z0-9]([-a-z0-9]*[a-z0-9])?.
std::vector<std::string> IsDns1123Subdomain(absl::string_view value);

// The namespace an object without one lands in ("default"), as the API
// server defaults it.
inline absl::string_view NamespaceOrDefault(absl::string_view ns) {
  return ns.empty() ? "default" : ns;
}

// An RFC 1123 label, as namespace and Service names must be: at most 63
// characters matching [a-z0-9]([-a-z0-9]*[a-z0-9])?.
std::vector<std::string> IsDns1123Label(absl::string_view value);

// A label or annotation key: an optional DNS-1123 subdomain prefix and '/',
// then a name of at most 63 characters matching
// ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9].
std::vector<std::string> IsQualifiedName(absl::string_view value);

// A label value: empty, or at most 63 characters matching the name part of a
// qualified name.
std::vector<std::string> IsValidLabelValue(absl::string_view value);

namespace internal {
absl::Status AnnotationsSizeStatus(int64_t total_size);
}  // namespace internal

// InvalidArgument when the keys and values of `annotations` add up to more
// than kTotalAnnotationSizeLimitBytes. `annotations` is any range of pairs of
// strings: std::map<std::string, std::string>, absl::flat_hash_map, a
// std::vector of std::pair, a protobuf Map.
template <typename Annotations>
absl::Status ValidateAnnotationsSize(const Annotations& annotations) {
  int64_t total_size = 0;
  for (const auto& entry : annotations) {
    total_size += static_cast<int64_t>(entry.first.size()) +
                  static_cast<int64_t>(entry.second.size());
  }
  return internal::AnnotationsSizeStatus(total_size);
}

}  // namespace ferry::api

#endif  // FERRY_API_NAMES_H_
