#include "api/label_selector.h"

#include <algorithm>
#include <map>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace ferry::api {

bool SelectorMatches(const k8s::LabelSelector& selector,
                     const google::protobuf::Map<std::string, std::string>& labels) {
  for (const auto& [key, value] : selector.match_labels()) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  for (const k8s::LabelSelectorRequirement& r : selector.match_expressions()) {
    auto it = labels.find(r.key());
    const bool has = it != labels.end();
    const bool in_values =
        has && std::find(r.values().begin(), r.values().end(), it->second) != r.values().end();
    if (r.operator_() == "In") {
      if (!in_values) return false;
    } else if (r.operator_() == "NotIn") {
      if (in_values) return false;
    } else if (r.operator_() == "Exists") {
      if (!has) return false;
    } else if (r.operator_() == "DoesNotExist") {
      if (has) return false;
    } else {
      return false;
    }
  }
  return true;
}

namespace {

// Splits at commas outside parentheses ("a in (x,y),b" -> "a in (x,y)", "b").
std::vector<absl::string_view> Requirements(absl::string_view text) {
  std::vector<absl::string_view> out;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || (text[i] == ',' && depth == 0)) {
      out.push_back(absl::StripAsciiWhitespace(text.substr(start, i - start)));
      start = i + 1;
    } else if (text[i] == '(') {
      ++depth;
    } else if (text[i] == ')') {
      --depth;
    }
  }
  return out;
}

// A label key or value as the API server takes them: letters, digits, and
// "-_./" (a key's prefix), nothing else; "" only for a value.
bool Plain(absl::string_view word, bool allow_empty) {
  if (word.empty()) return allow_empty;
  return std::all_of(word.begin(), word.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ||
           c == '.' || c == '/';
  });
}

absl::Status Malformed(absl::string_view requirement, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("labelSelector: \"", requirement, "\": ", why));
}

}  // namespace

absl::StatusOr<k8s::LabelSelector> ParseLabelSelector(absl::string_view text) {
  k8s::LabelSelector selector;
  if (absl::StripAsciiWhitespace(text).empty()) return selector;
  for (absl::string_view r : Requirements(text)) {
    if (r.empty()) return Malformed(text, "an empty requirement (two commas, or a trailing one)");
    // Set-based: "k in (a,b)", "k notin (a,b)".
    const size_t open = r.find('(');
    if (open != absl::string_view::npos) {
      if (r.back() != ')') return Malformed(r, "the value list does not end with \")\"");
      std::vector<std::string> head =
          absl::StrSplit(r.substr(0, open), ' ', absl::SkipWhitespace());
      if (head.size() != 2 || (head[1] != "in" && head[1] != "notin")) {
        return Malformed(r, "expected \"KEY in (V1,V2)\" or \"KEY notin (V1,V2)\"");
      }
      if (!Plain(head[0], false)) return Malformed(r, "the key has characters a label key cannot");
      k8s::LabelSelectorRequirement* e = selector.add_match_expressions();
      e->set_key(head[0]);
      e->set_operator_(head[1] == "in" ? "In" : "NotIn");
      for (absl::string_view v :
           absl::StrSplit(r.substr(open + 1, r.size() - open - 2), ',')) {
        v = absl::StripAsciiWhitespace(v);
        if (!Plain(v, true)) return Malformed(r, "a value has characters a label value cannot");
        e->add_values(std::string(v));
      }
      if (e->values().empty() || (e->values_size() == 1 && e->values(0).empty())) {
        return Malformed(r, "the value list is empty");
      }
      continue;
    }
    const size_t ne = r.find("!=");
    const size_t eq = r.find('=');
    if (ne != absl::string_view::npos) {
      const absl::string_view key = absl::StripAsciiWhitespace(r.substr(0, ne));
      const absl::string_view value = absl::StripAsciiWhitespace(r.substr(ne + 2));
      if (!Plain(key, false) || !Plain(value, true)) {
        return Malformed(r, "expected \"KEY!=VALUE\" with a label key and value");
      }
      k8s::LabelSelectorRequirement* e = selector.add_match_expressions();
      e->set_key(std::string(key));
      e->set_operator_("NotIn");
      e->add_values(std::string(value));
      continue;
    }
    if (eq != absl::string_view::npos) {
      const absl::string_view key = absl::StripAsciiWhitespace(r.substr(0, eq));
      absl::string_view value = r.substr(eq + 1);
      absl::ConsumePrefix(&value, "=");
      value = absl::StripAsciiWhitespace(value);
      if (!Plain(key, false) || !Plain(value, true)) {
        return Malformed(r, "expected \"KEY=VALUE\" with a label key and value");
      }
      auto [it, added] = selector.mutable_match_labels()->insert({std::string(key), std::string(value)});
      if (!added && it->second != value) {
        return Malformed(r, absl::StrCat("the key is also required to equal \"", it->second, "\""));
      }
      continue;
    }
    absl::string_view key = r;
    const bool absent = absl::ConsumePrefix(&key, "!");
    key = absl::StripAsciiWhitespace(key);
    if (!Plain(key, false)) return Malformed(r, "not a label key, \"!KEY\", or a comparison");
    k8s::LabelSelectorRequirement* e = selector.add_match_expressions();
    e->set_key(std::string(key));
    e->set_operator_(absent ? "DoesNotExist" : "Exists");
  }
  return selector;
}

std::string FormatLabelSelector(const k8s::LabelSelector& selector) {
  std::vector<std::string> terms;
  // A proto map's order is unspecified: sorted, so the text is stable.
  const std::map<std::string, std::string> sorted(selector.match_labels().begin(),
                                                  selector.match_labels().end());
  for (const auto& [key, value] : sorted) terms.push_back(absl::StrCat(key, "=", value));
  for (const k8s::LabelSelectorRequirement& r : selector.match_expressions()) {
    const std::string values = absl::StrJoin(r.values(), ",");
    if (r.operator_() == "In") {
      terms.push_back(absl::StrCat(r.key(), " in (", values, ")"));
    } else if (r.operator_() == "NotIn") {
      terms.push_back(absl::StrCat(r.key(), " notin (", values, ")"));
    } else if (r.operator_() == "Exists") {
      terms.push_back(r.key());
    } else if (r.operator_() == "DoesNotExist") {
      terms.push_back(absl::StrCat("!", r.key()));
    }
  }
  return absl::StrJoin(terms, ",");
}

}  // namespace ferry::api
