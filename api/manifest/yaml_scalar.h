// How a plain (unquoted) YAML scalar reads: null, boolean, integer, float or
// string, by the YAML 1.1 rules of the go-yaml v2 decoder that kubectl and
// sigs.k8s.io/yaml use. Both the decoder (to refuse `name: 123` for a string,
// as the API server does) and the encoder (to quote "123" and "yes" so they read
// back as strings) use this one function.
//
//   ResolvePlainScalar("yes")  == PlainScalar::kBool
//   ResolvePlainScalar("0x1F") == PlainScalar::kInt
#ifndef FERRY_API_MANIFEST_YAML_SCALAR_H_
#define FERRY_API_MANIFEST_YAML_SCALAR_H_

#include <cstdint>
#include <optional>

#include "absl/strings/string_view.h"

namespace ferry::manifest {

enum class PlainScalar { kNull, kBool, kInt, kFloat, kString };

PlainScalar ResolvePlainScalar(absl::string_view text);

// The value of a scalar that ResolvePlainScalar calls kBool.
bool PlainBoolValue(absl::string_view text);

// The value of a scalar that ResolvePlainScalar calls kInt, if it fits int64
// (decimal, 0x hex, 0o or leading-0 octal, 0b binary, '_' separators).
std::optional<int64_t> PlainIntValue(absl::string_view text);

// Human name of the type, for messages: "a boolean", "a number", "null".
absl::string_view DescribePlainScalar(PlainScalar kind);

}  // namespace ferry::manifest

#endif  // FERRY_API_MANIFEST_YAML_SCALAR_H_
