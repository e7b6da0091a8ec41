#include "api/names.h"

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace ferry::api {
namespace {

// The patterns and wording of k8s.io/apimachinery/pkg/util/validation.
constexpr absl::string_view kDns1123LabelFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
constexpr absl::string_view kDns1123LabelErrMsg =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric "
    "characters or '-', and must start and end with an alphanumeric character";
constexpr absl::string_view kDns1123SubdomainFmt =
    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
constexpr absl::string_view kDns1123SubdomainErrMsg =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
    "characters, '-' or '.', and must start and end with an alphanumeric "
    "character";
constexpr absl::string_view kQualifiedNameFmt =
    "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
constexpr absl::string_view kQualifiedNameErrMsg =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start "
    "and end with an alphanumeric character";
constexpr absl::string_view kLabelValueFmt =
    "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
constexpr absl::string_view kLabelValueErrMsg =
    "a valid label must be an empty string or consist of alphanumeric "
    "characters, '-', '_' or '.', and must start and end with an alphanumeric "
    "character";

std::string Got(absl::string_view value) {
  return absl::StrCat(" (got \"", absl::CHexEscape(value), "\")");
}

// Go's MaxLenError, plus the length found.
std::string MaxLenError(int max_length, size_t length) {
  return absl::StrCat("must be no more than ", max_length, " characters (got ",
                      length, ")");
}

// Go's RegexError(msg, fmt, examples...). The examples are joined exactly as
// Go joins them ("'a',  or 'b', "), so the wording matches the API server's.
std::string RegexError(absl::string_view msg, absl::string_view fmt,
                       std::initializer_list<absl::string_view> examples) {
  std::string error(msg);
  absl::StrAppend(&error, " (e.g. ");
  bool first = true;
  for (const absl::string_view example : examples) {
    if (!first) absl::StrAppend(&error, " or ");
    first = false;
    absl::StrAppend(&error, "'", example, "', ");
  }
  absl::StrAppend(&error, "regex used for validation is '", fmt, "')");
  return error;
}

bool IsLowerAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool IsAlnum(char c) {
  return IsLowerAlnum(c) || (c >= 'A' && c <= 'Z');
}

// ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$
bool MatchesDns1123Label(absl::string_view value) {
  if (value.empty() || !IsLowerAlnum(value.front()) ||
      !IsLowerAlnum(value.back())) {
    return false;
  }
  for (const char c : value) {
    if (!IsLowerAlnum(c) && c != '-') return false;
  }
  return true;
}

// ^<label>(\.<label>)*$
bool MatchesDns1123Subdomain(absl::string_view value) {
  while (true) {
    const size_t dot = value.find('.');
    if (!MatchesDns1123Label(value.substr(0, dot))) return false;
    if (dot == absl::string_view::npos) return true;
    value.remove_prefix(dot + 1);
  }
}

// ^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$
bool MatchesQualifiedNamePart(absl::string_view value) {
  if (value.empty() || !IsAlnum(value.front()) || !IsAlnum(value.back())) {
    return false;
  }
  for (const char c : value) {
    if (!IsAlnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

}  // namespace

std::vector<std::string> IsDns1123Subdomain(absl::string_view value) {
  std::vector<std::string> problems;
  if (value.size() > size_t{kDns1123SubdomainMaxLength}) {
    problems.push_back(MaxLenError(kDns1123SubdomainMaxLength, value.size()));
  }
  if (!MatchesDns1123Subdomain(value)) {
    problems.push_back(absl::StrCat(
        RegexError(kDns1123SubdomainErrMsg, kDns1123SubdomainFmt,
                   {"example.com"}),
        Got(value)));
  }
  return problems;
}

std::vector<std::string> IsDns1123Label(absl::string_view value) {
  std::vector<std::string> problems;
  if (value.size() > size_t{kDns1123LabelMaxLength}) {
    problems.push_back(MaxLenError(kDns1123LabelMaxLength, value.size()));
  }
  if (!MatchesDns1123Label(value)) {
    if (MatchesDns1123Subdomain(value)) {
      // A valid subdomain but not a label: it has dots.
      problems.push_back(absl::StrCat("must not contain dots", Got(value)));
    } else {
      problems.push_back(absl::StrCat(
          RegexError(kDns1123LabelErrMsg, kDns1123LabelFmt,
                     {"my-name", "123-abc"}),
          Got(value)));
    }
  }
  return problems;
}

std::vector<std::string> IsQualifiedName(absl::string_view value) {
  std::vector<std::string> problems;
  absl::string_view name = value;
  const size_t slash = value.find('/');
  if (slash != absl::string_view::npos) {
    if (value.find('/', slash + 1) != absl::string_view::npos) {
      problems.push_back(absl::StrCat(
          "a qualified name ",
          RegexError(kQualifiedNameErrMsg, kQualifiedNameFmt,
                     {"MyName", "my.name", "123-abc"}),
          " with an optional DNS subdomain prefix and '/' (e.g. "
          "'example.com/MyName')",
          Got(value)));
      return problems;
    }
    const absl::string_view prefix = value.substr(0, slash);
    name = value.substr(slash + 1);
    if (prefix.empty()) {
      problems.push_back("prefix part must be non-empty");
    } else {
      for (const std::string& problem : IsDns1123Subdomain(prefix)) {
        problems.push_back(absl::StrCat("prefix part ", problem));
      }
    }
  }
  if (name.empty()) {
    problems.push_back("name part must be non-empty");
  } else if (name.size() > size_t{kQualifiedNameMaxLength}) {
    problems.push_back(absl::StrCat(
        "name part ", MaxLenError(kQualifiedNameMaxLength, name.size())));
  }
  if (!MatchesQualifiedNamePart(name)) {
    problems.push_back(absl::StrCat(
        "name part ",
        RegexError(kQualifiedNameErrMsg, kQualifiedNameFmt,
                   {"MyName", "my.name", "123-abc"}),
        Got(name)));
  }
  return problems;
}

std::vector<std::string> IsValidLabelValue(absl::string_view value) {
  std::vector<std::string> problems;
  if (value.size() > size_t{kLabelValueMaxLength}) {
    problems.push_back(MaxLenError(kLabelValueMaxLength, value.size()));
  }
  if (!value.empty() && !MatchesQualifiedNamePart(value)) {
    problems.push_back(absl::StrCat(
        RegexError(kLabelValueErrMsg, kLabelValueFmt,
                   {"MyValue", "my_value", "12345"}),
        Got(value)));
  }
  return problems;
}

namespace internal {

absl::Status AnnotationsSizeStatus(int64_t total_size) {
  if (total_size <= kTotalAnnotationSizeLimitBytes) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("annotations size ", total_size, " is larger than limit ",
                   kTotalAnnotationSizeLimitBytes));
}

}  // namespace internal
}  // namespace ferry::api
