#include "sim/scenario_loader.h"

#include <algorithm>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "api/manifest/kinds.h"
#include "base/read_file.h"
#include "base/status_macros.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "sim/scenario_limits.h"

namespace ferry::sim {
namespace {

using scenario::Action;
using scenario::Scenario;

class Collector : public google::protobuf::io::ErrorCollector {
 public:
  explicit Collector(std::string path) : path_(std::move(path)) {}
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (first_.empty()) first_ = absl::StrCat(path_, ":", line + 1, ":", column + 1, ": ", message);
  }
  void AddWarning(int, google::protobuf::io::ColumnNumber, const std::string&) override {}
  const std::string& first() const { return first_; }

 private:
  std::string path_;
  std::string first_;
};

std::string Stem(const std::string& path) {
  std::string base = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
  const size_t dot = base.find('.');
  return dot == std::string::npos ? base : base.substr(0, dot);
}

// An ovirt_fault's verb and code are ones the engine knows.
absl::Status CheckOvirtFault(const scenario::OvirtFault& f, const std::string& where) {
  static const std::set<std::string> kVerbs = {"version",    "list_vms", "get_vm", "get_disk",
                                               "shutdown",   "stop",     "start",  "detach",
                                               "deactivate", "attach"};
  static const std::set<std::string> kCodes = {"", "FailedPrecondition", "Unavailable", "Internal"};
  if (!kVerbs.contains(f.verb())) {
    return absl::InvalidArgumentError(absl::StrCat(where, ".ovirt_fault.verb: \"", f.verb(),
                                                   "\" is not one of ",
                                                   absl::StrJoin(kVerbs, ", ")));
  }
  if (!kCodes.contains(f.code())) {
    return absl::InvalidArgumentError(absl::StrCat(where, ".ovirt_fault.code: \"", f.code(),
                                                   "\" is not one of ",
                                                   absl::StrJoin(kCodes, ", ")));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckFault(const Scenario& s, const Action& a, const std::string& where) {
  static const std::set<std::string> kApiVerbs = {"get",           "list",   "create", "update",
                                                  "update_status", "delete", "watch"};
  static const std::set<std::string> kLibvirtVerbs = {
      "lookup",  "list",   "define",  "undefine",  "xml",       "start", "destroy",
      "suspend", "resume", "migrate", "job_stats", "abort_job", "events"};
  static const std::set<std::string> kCodes = {"", "Unavailable", "Conflict", "Internal",
                                               "FailedPrecondition"};
  auto bad = [&](absl::string_view field, absl::string_view value, absl::string_view allowed) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ".", field, ": \"", value, "\" is not one of ", allowed));
  };
  if (a.has_api_fault()) {
    const scenario::ApiFault& f = a.api_fault();
    if (!kApiVerbs.contains(f.verb())) {
      return bad("api_fault.verb", f.verb(), absl::StrJoin(kApiVerbs, ", "));
    }
    if (!kCodes.contains(f.code()))
      return bad("api_fault.code", f.code(), absl::StrJoin(kCodes, ", "));
    if (!f.kind().empty()) {
      std::vector<std::string> kinds;
      for (const manifest::KindInfo& k : manifest::AllKinds()) kinds.emplace_back(k.kind);
      if (std::find(kinds.begin(), kinds.end(), f.kind()) == kinds.end()) {
        return bad("api_fault.kind", f.kind(), absl::StrJoin(kinds, ", "));
      }
    }
  }
  if (a.has_ovirt_fault()) RETURN_IF_ERROR(CheckOvirtFault(a.ovirt_fault(), where));
  if (a.has_libvirt_fault()) {
    const scenario::LibvirtFault& f = a.libvirt_fault();
    if (!kLibvirtVerbs.contains(f.verb())) {
      return bad("libvirt_fault.verb", f.verb(), absl::StrJoin(kLibvirtVerbs, ", "));
    }
    if (!kCodes.contains(f.code())) {
      return bad("libvirt_fault.code", f.code(), absl::StrJoin(kCodes, ", "));
    }
    if (std::find(s.world().node().begin(), s.world().node().end(), f.node()) ==
        s.world().node().end()) {
      return bad("libvirt_fault.node", f.node(), absl::StrJoin(s.world().node(), ", "));
    }
  }
  return absl::OkStatus();
}

namespace {
// Parses `text` into `loaded.scenario` and checks it (loaded.path names it
// in errors; loaded.files resolves the files it names).
absl::StatusOr<LoadedScenario> ParseAndCheck(const std::string& text, LoadedScenario loaded);
}  // namespace

absl::StatusOr<LoadedScenario> LoadScenario(const std::string& path,
                                            const ScenarioFileOptions& options) {
  LoadedScenario loaded;
  loaded.path = path;
  loaded.files = ScenarioFiles::For(path, options);
  ASSIGN_OR_RETURN(const std::string text, ReadFileBounded(path, loaded.files.limits()));
  return ParseAndCheck(text, std::move(loaded));
}

absl::StatusOr<LoadedScenario> LoadScenarioText(const std::string& name, const std::string& text) {
  LoadedScenario loaded;
  loaded.path = name;
  return ParseAndCheck(text, std::move(loaded));
}

namespace {
absl::StatusOr<LoadedScenario> ParseAndCheck(const std::string& text, LoadedScenario loaded) {
  const std::string& path = loaded.path;
  google::protobuf::TextFormat::Parser parser;
  Collector errors(path);
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(text, &loaded.scenario)) {
    return absl::InvalidArgumentError(
        errors.first().empty() ? absl::StrCat(path, ": not a scenario") : errors.first());
  }
  Scenario& s = loaded.scenario;
  if (s.name().empty()) s.set_name(Stem(path));
  if (s.world().node().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": world.node: a world needs at least one node"));
  }
  auto in_file = [&](const absl::Status& st) {
    return absl::Status(st.code(), absl::StrCat(path, ": ", st.message()));
  };
  if (absl::Status limits = CheckScenarioLimits(s); !limits.ok()) return in_file(limits);
  // Every file it names is inside its tree (read when the run needs it).
  for (int i = 0; i < s.world().manifest_file_size(); ++i) {
    absl::StatusOr<std::string> file = loaded.files.Resolve(
        absl::StrCat("world.manifest_file[", i, "]"), s.world().manifest_file(i));
    if (!file.ok()) return in_file(file.status());
  }
  for (int i = 0; i < s.action_size(); ++i) {
    if (!s.action(i).has_apply_file()) continue;
    absl::StatusOr<std::string> file =
        loaded.files.Resolve(absl::StrCat("action[", i, "].apply_file"), s.action(i).apply_file());
    if (!file.ok()) return in_file(file.status());
  }
  for (int i = 0; i < s.expect().same_spec_size(); ++i) {
    absl::StatusOr<std::string> file = loaded.files.Resolve(
        absl::StrCat("expect.same_spec[", i, "].file"), s.expect().same_spec(i).file());
    if (!file.ok()) return in_file(file.status());
  }
  for (int i = 0; i < s.action_size(); ++i) {
    const Action& a = s.action(i);
    if (a.has_when() && a.at_seconds() > 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": action[", i, "]: set at_seconds or when, not both"));
    }
    if (a.what_case() == Action::WHAT_NOT_SET) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": action[", i, "]: says when but not what (apply, delete, crash, node_down...)"));
    }
    if (a.has_when() && (a.when().object().empty() || a.when().path().empty())) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": action[", i, "].when: needs object and path"));
    }
    RETURN_IF_ERROR(CheckFault(s, a, absl::StrCat(path, ": action[", i, "]")));
    if ((a.has_ovirt_fault() || !a.ovirt_start().empty() || a.has_ovirt_attach()) &&
        !s.world().has_ovirt()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": action[", i, "]: an oVirt action needs world.ovirt (an engine)"));
    }
  }
  return loaded;
}
}  // namespace

}  // namespace ferry::sim
