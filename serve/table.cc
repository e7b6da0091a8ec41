#include "serve/table.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "api/timestamp.h"

namespace ferry::serve {
namespace {

using Json = nlohmann::ordered_json;

struct Column {
  std::string name;
  std::string type;  // "string", "integer", "date"...
  int priority;      // 0: always shown; 1: with -o wide
  std::function<Json(const Json& object, absl::Time now)> cell;
};

// The value at a JSON pointer, or null.
Json At(const Json& object, const char* pointer) {
  const Json::json_pointer p(pointer);
  return object.contains(p) ? object.at(p) : Json();
}

// A string cell from a pointer ("" when absent, as kubectl shows <none>
// only for some columns).
Column Field(std::string name, const char* pointer, int priority = 0) {
  return {std::move(name), "string", priority, [pointer](const Json& o, absl::Time) {
            Json v = At(o, pointer);
            if (v.is_null()) return Json("");
            return v.is_string() ? v : Json(v.dump());
          }};
}

// A string at a pointer, or "".
std::string Text(const Json& object, const char* pointer) {
  const Json v = At(object, pointer);
  return v.is_string() ? v.get<std::string>() : "";
}

// How long ago a timestamp was, as kubectl prints an age.
Json Since(const Json& timestamp, absl::Time now) {
  if (!timestamp.is_string()) return "<unknown>";
  const absl::Time t = api::ParseTimestamp(timestamp.get<std::string>());
  return t == absl::InfinitePast() ? "<unknown>" : HumanDuration(now - t);
}

Json AgeOf(const Json& o, absl::Time now) { return Since(At(o, "/metadata/creationTimestamp"), now); }

Column Age() { return {"Age", "string", 0, AgeOf}; }
Column Name() {
  return {"Name", "string", 0, [](const Json& o, absl::Time) { return At(o, "/metadata/name"); }};
}

// The status of the condition of `type`, or "".
Column Condition(std::string name, std::string type) {
  return {std::move(name), "string", 0, [type](const Json& o, absl::Time) {
            Json conditions = At(o, "/status/conditions");
            if (conditions.is_array()) {
              for (const Json& c : conditions) {
                if (c.value("type", "") == type) return Json(c.value("status", ""));
              }
            }
            return Json("");
          }};
}

std::string AccessModes(const Json& modes) {
  static const auto* short_names = new std::map<std::string, std::string>{
      {"ReadWriteOnce", "RWO"}, {"ReadOnlyMany", "ROX"},
      {"ReadWriteMany", "RWX"}, {"ReadWriteOncePod", "RWOP"}};
  std::vector<std::string> out;
  if (modes.is_array()) {
    for (const Json& m : modes) {
      if (!m.is_string()) continue;
      auto it = short_names->find(m.get<std::string>());
      out.push_back(it == short_names->end() ? m.get<std::string>() : it->second);
    }
  }
  return absl::StrJoin(out, ",");
}

Column Modes(const char* pointer) {
  return {"Access Modes", "string", 0,
          [pointer](const Json& o, absl::Time) { return Json(AccessModes(At(o, pointer))); }};
}

std::vector<Column> PodColumns() {
  return {Name(),
          {"Ready", "string", 0,
           [](const Json& o, absl::Time) {
             Json containers = At(o, "/spec/containers");
             Json statuses = At(o, "/status/containerStatuses");
             int ready = 0;
             if (statuses.is_array()) {
               for (const Json& s : statuses) ready += s.value("ready", false) ? 1 : 0;
             }
             return Json(absl::StrCat(ready, "/", containers.is_array() ? containers.size() : 0));
           }},
          {"Status", "string", 0,
           [](const Json& o, absl::Time) {
             if (!At(o, "/metadata/deletionTimestamp").is_null()) return Json("Terminating");
             Json phase = At(o, "/status/phase");
             return phase.is_string() ? phase : Json("Pending");
           }},
          {"Restarts", "integer", 0,
           [](const Json& o, absl::Time) {
             int64_t restarts = 0;
             Json statuses = At(o, "/status/containerStatuses");
             if (statuses.is_array()) {
               for (const Json& s : statuses) restarts += s.value("restartCount", 0);
             }
             return Json(restarts);
           }},
          Age(),
          Field("IP", "/status/podIP", 1),
          Field("Node", "/spec/nodeName", 1)};
}

std::vector<Column> ColumnsOf(absl::string_view kind) {
  if (kind == "Pod") return PodColumns();
  if (kind == "PersistentVolumeClaim") {
    return {Name(), Field("Status", "/status/phase"), Field("Volume", "/spec/volumeName"),
            Field("Capacity", "/status/capacity/storage"), Modes("/status/accessModes"),
            Field("StorageClass", "/spec/storageClassName"), Age(),
            Field("VolumeMode", "/spec/volumeMode", 1)};
  }
  if (kind == "PersistentVolume") {
    return {Name(), Field("Capacity", "/spec/capacity/storage"), Modes("/spec/accessModes"),
            Field("Reclaim Policy", "/spec/persistentVolumeReclaimPolicy"),
            Field("Status", "/status/phase"),
            {"Claim", "string", 0,
             [](const Json& o, absl::Time) {
               Json ref = At(o, "/spec/claimRef");
               if (!ref.is_object()) return Json("");
               return Json(absl::StrCat(ref.value("namespace", ""), "/", ref.value("name", "")));
             }},
            Field("StorageClass", "/spec/storageClassName"), Field("Reason", "/status/reason"),
            Age(), Field("VolumeMode", "/spec/volumeMode", 1)};
  }
  if (kind == "StorageClass") {
    return {{"Name", "string", 0,
             [](const Json& o, absl::Time) {
               const bool is_default =
                   At(o, "/metadata/annotations/storageclass.kubernetes.io~1is-default-class") == "true";
               return Json(absl::StrCat(Text(o, "/metadata/name"),
                                        is_default ? " (default)" : ""));
             }},
            Field("Provisioner", "/provisioner"), Field("ReclaimPolicy", "/reclaimPolicy"),
            Field("VolumeBindingMode", "/volumeBindingMode"),
            Field("AllowVolumeExpansion", "/allowVolumeExpansion"), Age()};
  }
  if (kind == "Node") {
    return {Name(),
            {"Status", "string", 0,
             [](const Json& o, absl::Time) {
               Json conditions = At(o, "/status/conditions");
               std::string status = "Unknown";
               if (conditions.is_array()) {
                 for (const Json& c : conditions) {
                   if (c.value("type", "") == "Ready") {
                     status = c.value("status", "") == "True" ? "Ready" : "NotReady";
                   }
                 }
               }
               if (At(o, "/spec/unschedulable") == true) status += ",SchedulingDisabled";
               return Json(status);
             }},
            {"Roles", "string", 0, [](const Json&, absl::Time) { return Json("<none>"); }}, Age(),
            Field("Version", "/status/nodeInfo/kubeletVersion")};
  }
  if (kind == "Lease") return {Name(), Field("Holder", "/spec/holderIdentity"), Age()};
  if (kind == "Event") {
    return {{"Last Seen", "string", 0,
             [](const Json& o, absl::Time now) {
               const Json last = At(o, "/lastTimestamp");
               return last.is_string() ? Since(last, now) : AgeOf(o, now);
             }},
            Field("Type", "/type"), Field("Reason", "/reason"),
            {"Object", "string", 0,
             [](const Json& o, absl::Time) {
               return Json(absl::StrCat(absl::AsciiStrToLower(Text(o, "/involvedObject/kind")),
                                        "/", Text(o, "/involvedObject/name")));
             }},
            Field("Message", "/message")};
  }
  // KubeVirt's, CDI's and Forklift's additionalPrinterColumns.
  if (kind == "VirtualMachine") {
    return {Name(), Age(), Field("Status", "/status/printableStatus"), Field("Ready", "/status/ready")};
  }
  if (kind == "VirtualMachineInstance") {
    return {Name(), Age(), Field("Phase", "/status/phase"),
            Field("IP", "/status/interfaces/0/ipAddress"), Field("NodeName", "/status/nodeName"),
            Condition("Ready", "Ready")};
  }
  if (kind == "VirtualMachineInstanceMigration") {
    return {Name(), Field("Phase", "/status/phase"), Field("VMI", "/spec/vmiName"),
            // Ferry's: how much of the disks the copy has sent.
            {"Copied", "string", 0,
             [](const Json& o, absl::Time) {
               Json total = At(o, "/status/progress/diskTotal");
               Json remaining = At(o, "/status/progress/diskRemaining");
               if (At(o, "/status/phase") == "Succeeded") return Json("100%");
               if (!total.is_number() || total.get<double>() <= 0) return Json("");
               const double left = remaining.is_number() ? remaining.get<double>() : 0;
               const double done = std::clamp(1 - left / total.get<double>(), 0.0, 1.0);
               return Json(absl::StrFormat("%d%%", static_cast<int>(100 * done)));
             }},
            Age()};
  }
  if (kind == "DataVolume") {
    return {Name(), Field("Phase", "/status/phase"), Field("Progress", "/status/progress"),
            Field("Restarts", "/status/restartCount"), Age()};
  }
  if (kind == "Plan") {
    return {Name(), Condition("Ready", "Ready"), Condition("Executing", "Executing"),
            Condition("Succeeded", "Succeeded"), Condition("Failed", "Failed"), Age()};
  }
  if (kind == "Migration") {
    return {Name(), Condition("Ready", "Ready"), Condition("Running", "Running"),
            Condition("Succeeded", "Succeeded"), Condition("Failed", "Failed"), Age()};
  }
  if (kind == "Provider") {
    return {Name(), Field("Type", "/spec/type"), Condition("Ready", "Ready"), Field("URL", "/spec/url"),
            Age()};
  }
  return {Name(), Age()};
}

}  // namespace

bool WantsTable(const HttpRequest& request) {
  const std::string accept = request.Header("Accept");
  return absl::StrContains(accept, "as=Table") && absl::StrContains(accept, "g=meta.k8s.io") &&
         absl::StrContains(accept, "v=v1");
}

IncludeObject IncludeObjectOf(const HttpRequest& request) {
  const std::string include = request.Query("includeObject");
  if (include == "Object") return IncludeObject::kObject;
  if (include == "None") return IncludeObject::kNone;
  return IncludeObject::kMetadata;
}

Json TableOf(const manifest::KindInfo& kind, const std::vector<Json>& objects,
             const std::string& resource_version, IncludeObject include, absl::Time now) {
  const std::vector<Column> columns = ColumnsOf(kind.kind);
  Json definitions = Json::array();
  for (const Column& c : columns) {
    Json d = {{"name", c.name}, {"type", c.type}, {"format", c.name == "Name" ? "name" : ""},
              {"description", ""}, {"priority", c.priority}};
    definitions.push_back(std::move(d));
  }
  Json rows = Json::array();
  for (const Json& object : objects) {
    Json cells = Json::array();
    for (const Column& c : columns) cells.push_back(c.cell(object, now));
    Json row = {{"cells", std::move(cells)}};
    if (include == IncludeObject::kObject) {
      row["object"] = object;
    } else if (include == IncludeObject::kMetadata) {
      row["object"] = {{"kind", "PartialObjectMetadata"},
                       {"apiVersion", "meta.k8s.io/v1"},
                       {"metadata", object.value("metadata", Json::object())}};
    }
    rows.push_back(std::move(row));
  }
  return {{"kind", "Table"},
          {"apiVersion", "meta.k8s.io/v1"},
          {"metadata", {{"resourceVersion", resource_version}}},
          {"columnDefinitions", std::move(definitions)},
          {"rows", std::move(rows)}};
}

std::string HumanDuration(absl::Duration d) {
  const int64_t seconds = absl::ToInt64Seconds(d);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return absl::StrCat(seconds, "s");
  const int64_t minutes = seconds / 60;
  if (minutes < 10) {
    return seconds % 60 == 0 ? absl::StrCat(minutes, "m") : absl::StrCat(minutes, "m", seconds % 60, "s");
  }
  if (minutes < 60 * 3) return absl::StrCat(minutes, "m");
  const int64_t hours = minutes / 60;
  if (hours < 8) {
    return minutes % 60 == 0 ? absl::StrCat(hours, "h") : absl::StrCat(hours, "h", minutes % 60, "m");
  }
  if (hours < 48) return absl::StrCat(hours, "h");
  if (hours < 24 * 8) {
    return hours % 24 == 0 ? absl::StrCat(hours / 24, "d") : absl::StrCat(hours / 24, "d", hours % 24, "h");
  }
  if (hours < 24 * 365 * 2) return absl::StrCat(hours / 24, "d");
  if (hours < 24 * 365 * 8) {
    const int64_t days = hours / 24;
    return days % 365 == 0 ? absl::StrCat(days / 365, "y") : absl::StrCat(days / 365, "y", days % 365, "d");
  }
  return absl::StrCat(hours / 24 / 365, "y");
}

}  // namespace ferry::serve
