// The name rules on any text: no crash, and each verdict agrees with the
// rule as the API server states it, checked here independently (length and
// character classes), so a rule that accepts what Kubernetes refuses is
// a finding.
#include <cstddef>
#include <cstdint>
#include <string>

#include "api/names.h"
#include "fuzz/check.h"

namespace {

bool LowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// RFC 1123 label: [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 63.
bool Label(const std::string& s) {
  if (s.empty() || s.size() > 63 || !LowerAlnum(s.front()) || !LowerAlnum(s.back())) return false;
  for (char c : s) {
    if (!LowerAlnum(c) && c != '-') return false;
  }
  return true;
}

// RFC 1123 subdomain: labels joined by dots, at most 253.
bool Subdomain(const std::string& s) {
  if (s.empty() || s.size() > 253) return false;
  size_t start = 0;
  while (true) {
    const size_t dot = s.find('.', start);
    const std::string part = s.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    // Each part follows the label's character rules; only the whole is capped.
    if (part.empty() || !LowerAlnum(part.front()) || !LowerAlnum(part.back())) return false;
    for (char c : part) {
      if (!LowerAlnum(c) && c != '-') return false;
    }
    if (dot == std::string::npos) return true;
    start = dot + 1;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const bool label_ok = ferry::api::IsDns1123Label(text).empty();
  const bool subdomain_ok = ferry::api::IsDns1123Subdomain(text).empty();
  FUZZ_CHECK(label_ok == Label(text), "IsDns1123Label('" << text << "') says " << label_ok);
  FUZZ_CHECK(subdomain_ok == Subdomain(text), "IsDns1123Subdomain('" << text << "') says " << subdomain_ok);
  (void)ferry::api::IsQualifiedName(text);
  (void)ferry::api::IsValidLabelValue(text);
  return 0;
}
