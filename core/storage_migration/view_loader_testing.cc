#include "core/storage_migration/view_loader_testing.h"

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "api/manifest/reader.h"
#include "gtest/gtest.h"

namespace ferry::storage_migration {
namespace {

// Appends `object` to `items` when it is a T; returns whether it was.
template <typename T>
bool Collect(const manifest::Object& object, std::vector<Ptr<T>>& items) {
  const T* typed = object.As<T>();
  if (typed == nullptr) return false;
  items.push_back(std::make_shared<const T>(*typed));
  return true;
}

// Parses `text`, failing the test on anything that is not a clean object.
std::vector<manifest::Object> Parse(absl::string_view file, absl::string_view text) {
  if (absl::StripAsciiWhitespace(text).empty()) return {};  // nothing, on purpose
  absl::StatusOr<manifest::ManifestSet> set = manifest::ParseManifests(file, text);
  if (!set.ok()) {
    ADD_FAILURE() << set.status();
    return {};
  }
  for (const manifest::Finding& f : set->findings) ADD_FAILURE() << manifest::FormatFinding(f);
  for (const manifest::Object& o : set->objects) {
    for (const manifest::Finding& f : o.findings) ADD_FAILURE() << manifest::FormatFinding(f);
  }
  return std::move(set->objects);
}

}  // namespace

ClusterView LoadWorld(absl::string_view world) {
  ClusterView v;
  for (const manifest::Object& o : Parse("world.yaml", world)) {
    const bool held = Collect(o, v.vmis) || Collect(o, v.vms) || Collect(o, v.migrations) ||
                      Collect(o, v.pvcs) || Collect(o, v.pvs) || Collect(o, v.data_volumes) ||
                      Collect(o, v.pods) || Collect(o, v.nodes);
    if (!held) ADD_FAILURE() << "world.yaml: a ClusterView holds no " << o.Describe();
  }
  return v;
}

LoadedView LoadView(absl::string_view world, absl::string_view migration) {
  LoadedView loaded;
  loaded.view = LoadWorld(world);
  ClusterView& v = loaded.view;
  std::vector<manifest::Object> objects = Parse("migration.yaml", migration);
  std::vector<Ptr<kubevirt::VirtualMachineInstanceMigration>> under_test;
  for (const manifest::Object& o : objects) {
    if (!Collect(o, under_test)) {
      ADD_FAILURE() << "migration.yaml: expected only the migration, found " << o.Describe();
    }
  }
  if (under_test.size() != 1) {
    ADD_FAILURE() << "migration.yaml: expected one VirtualMachineInstanceMigration, found "
                  << under_test.size();
    return loaded;
  }
  loaded.migration = *under_test.front();
  v.migrations.push_back(under_test.front());
  return loaded;
}

std::string Docs(std::initializer_list<absl::string_view> docs) {
  std::string out;
  for (absl::string_view d : docs) absl::StrAppend(&out, out.empty() ? "" : "\n---\n", d);
  return out;
}

std::string Edit(std::string text, absl::string_view from, absl::string_view to) {
  EXPECT_TRUE(absl::StrContains(text, from)) << from;
  return absl::StrReplaceAll(text, {{from, to}});
}

namespace {

template <typename T>
absl::Status ListInto(ports::KubeApi& api, absl::string_view kind, std::vector<Ptr<T>>* out) {
  absl::StatusOr<std::vector<Ptr<T>>> listed = ports::ListAll<T>(api, kind);
  if (!listed.ok()) return listed.status();
  *out = *std::move(listed);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ClusterView> ListClusterView(ports::KubeApi& api) {
  ClusterView view;
  for (absl::Status listed : {
           ListInto(api, "VirtualMachineInstanceMigration", &view.migrations),
           ListInto(api, "VirtualMachineInstance", &view.vmis),
           ListInto(api, "VirtualMachine", &view.vms),
           ListInto(api, "PersistentVolumeClaim", &view.pvcs),
           ListInto(api, "PersistentVolume", &view.pvs),
           ListInto(api, "DataVolume", &view.data_volumes),
           ListInto(api, "Pod", &view.pods),
           ListInto(api, "Node", &view.nodes),
       }) {
    if (!listed.ok()) return listed;
  }
  return view;
}

}  // namespace ferry::storage_migration
