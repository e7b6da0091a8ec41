#include "serve/strategic_merge.h"

#include <map>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace ferry::serve {
namespace {

using Json = nlohmann::ordered_json;

// Field name -> its patchMergeKey (k8s.io/api's struct tags), for the lists
// of objects the built-in kinds Ferry serves have.
const std::map<std::string, std::string>& MergeKeys() {
  static const auto* keys = new std::map<std::string, std::string>{
      {"containers", "name"},        {"initContainers", "name"},
      {"ephemeralContainers", "name"}, {"volumes", "name"},
      {"volumeMounts", "mountPath"}, {"volumeDevices", "devicePath"},
      {"env", "name"},               {"ports", "containerPort"},
      {"imagePullSecrets", "name"},  {"hostAliases", "ip"},
      {"ownerReferences", "uid"},    {"conditions", "type"},
      {"addresses", "type"},         {"taints", "key"},
  };
  return *keys;
}

// Lists of strings that merge as sets (patchStrategy:"merge" without a key).
bool SetList(const std::string& field) { return field == "finalizers"; }

// The patch without its directives (what is stored when it replaces).
Json Clean(const Json& patch) {
  if (patch.is_object()) {
    Json out = Json::object();
    for (const auto& [key, value] : patch.items()) {
      if (absl::StartsWith(key, "$")) continue;
      out[key] = Clean(value);
    }
    return out;
  }
  if (patch.is_array()) {
    Json out = Json::array();
    for (const Json& item : patch) out.push_back(Clean(item));
    return out;
  }
  return patch;
}

absl::Status MergeObject(Json& target, const Json& patch, const std::string& path);

absl::Status MergeList(Json& target, const Json& patch, const std::string& key,
                       const std::string& path) {
  if (!target.is_array()) target = Json::array();
  for (const Json& item : patch) {
    if (!item.is_object() || !item.contains(key)) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": an item without its merge key \"", key, "\""));
    }
    auto found = std::find_if(target.begin(), target.end(), [&](const Json& t) {
      return t.is_object() && t.contains(key) && t[key] == item[key];
    });
    const std::string directive = item.value("$patch", "");
    if (directive == "delete") {
      if (found != target.end()) target.erase(found);
    } else if (directive == "replace") {
      if (found != target.end()) {
        *found = Clean(item);
      } else {
        target.push_back(Clean(item));
      }
    } else if (found != target.end()) {
      if (absl::Status st = MergeObject(*found, item, path); !st.ok()) return st;
    } else {
      target.push_back(Clean(item));
    }
  }
  return absl::OkStatus();
}

absl::Status MergeObject(Json& target, const Json& patch, const std::string& path) {
  if (!patch.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(path.empty() ? "the patch" : path,
                                                   ": a strategic merge patch is an object"));
  }
  if (!target.is_object()) target = Json::object();
  const std::string directive = patch.value("$patch", "");
  if (directive == "replace") {
    target = Clean(patch);
    return absl::OkStatus();
  }
  if (!directive.empty() && directive != "merge") {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": unknown $patch directive \"", directive, "\""));
  }
  for (const auto& [key, value] : patch.items()) {
    const std::string field_path = path.empty() ? key : absl::StrCat(path, ".", key);
    absl::string_view field = key;
    if (absl::ConsumePrefix(&field, "$deleteFromPrimitiveList/")) {
      Json& list = target[std::string(field)];
      if (list.is_array() && value.is_array()) {
        for (const Json& gone : value) {
          list.erase(std::remove(list.begin(), list.end(), gone), list.end());
        }
      }
      continue;
    }
    if (absl::StartsWith(key, "$")) continue;  // $setElementOrder, $retainKeys, $patch
    if (value.is_null()) {
      target.erase(key);
    } else if (value.is_object() && value.value("$patch", "") == "delete") {
      target.erase(key);
    } else if (value.is_object()) {
      if (absl::Status st = MergeObject(target[key], value, field_path); !st.ok()) return st;
    } else if (value.is_array() && MergeKeys().contains(key)) {
      if (absl::Status st = MergeList(target[key], value, MergeKeys().at(key), field_path); !st.ok()) {
        return st;
      }
    } else if (value.is_array() && SetList(key)) {
      Json& list = target[key];
      if (!list.is_array()) list = Json::array();
      for (const Json& item : value) {
        if (std::find(list.begin(), list.end(), item) == list.end()) list.push_back(item);
      }
    } else {
      target[key] = Clean(value);
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status StrategicMerge(Json& target, const Json& patch) { return MergeObject(target, patch, ""); }

}  // namespace ferry::serve
