#include "api/ovirt_version.h"

#include <algorithm>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

namespace ferry::api {
namespace {

std::vector<int> Parts(absl::string_view version) {
  std::vector<int> parts;
  for (absl::string_view p : absl::StrSplit(version, absl::ByAnyChar(".-"))) {
    int n;
    if (!absl::SimpleAtoi(p, &n)) break;
    parts.push_back(n);
  }
  return parts;
}

}  // namespace

bool OvirtVersionBefore(absl::string_view version, absl::string_view than) {
  const std::vector<int> a = Parts(version);
  const std::vector<int> b = Parts(than);
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
}

}  // namespace ferry::api
