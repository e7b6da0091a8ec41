#include "sim/world_builder.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "sim/ovirt_world.h"
#include "sim/scenario_objects.h"

namespace ferry::sim {

World::Options WorldOptionsOf(const scenario::Scenario& s) {
  World::Options w;
  w.seed = s.seed();
  if (s.world().link_mib_per_s() > 0) w.link_mib_per_s = s.world().link_mib_per_s();
  const scenario::Tuning& t = s.tuning();
  if (t.completion_timeout_per_gib_s() > 0) {
    w.controller.completion_timeout_per_gib = absl::Seconds(t.completion_timeout_per_gib_s());
  }
  if (t.destination_wait_timeout_s() > 0) {
    w.controller.destination_wait_timeout = absl::Seconds(t.destination_wait_timeout_s());
  }
  if (t.target_start_timeout_s() > 0) {
    w.controller.target_start_timeout = absl::Seconds(t.target_start_timeout_s());
  }
  if (t.progress_timeout_s() > 0) {
    w.controller.progress_timeout = absl::Seconds(t.progress_timeout_s());
  }
  if (t.controller_period_s() > 0) w.controller_period = absl::Seconds(t.controller_period_s());
  if (t.agent_period_s() > 0) w.agent_period = absl::Seconds(t.agent_period_s());
  for (const scenario::ContainerImage& image : s.world().container_image()) {
    if (image.size_gib() > 0) {
      w.container_image_bytes[image.image()] =
          static_cast<int64_t>(image.size_gib() * static_cast<double>(int64_t{1} << 30));
    }
  }
  if (s.world().has_ovirt()) {
    w.lun_controller = true;
    w.engine = EngineOptions(s.world().ovirt());
  }
  return w;
}

absl::Status ApplyManifests(absl::string_view where, absl::string_view text, World& world) {
  ASSIGN_OR_RETURN(auto objects, Manifests(where, text));
  for (const auto& o : objects) {
    absl::Status st = world.Apply(*o);
    if (!st.ok()) return absl::Status(st.code(), absl::StrCat(where, ": ", st.message()));
  }
  return absl::OkStatus();
}

absl::Status BuildWorld(const scenario::Scenario& s, const ScenarioFiles& files, World& world) {
  for (const std::string& node : s.world().node()) RETURN_IF_ERROR(world.AddNode(node));
  for (int i = 0; i < s.world().manifest_size(); ++i) {
    RETURN_IF_ERROR(ApplyManifests(absl::StrCat("world.manifest[", i, "]"), s.world().manifest(i), world));
  }
  for (int i = 0; i < s.world().manifest_file_size(); ++i) {
    const std::string field = absl::StrCat("world.manifest_file[", i, "]");
    ASSIGN_OR_RETURN(const std::string path, files.Resolve(field, s.world().manifest_file(i)));
    ASSIGN_OR_RETURN(const std::string text, files.Read(field, s.world().manifest_file(i)));
    RETURN_IF_ERROR(ApplyManifests(path, text, world));
  }
  for (const scenario::RunningVm& vm : s.world().running_vm()) RETURN_IF_ERROR(world.StartVm(vm));
  if (s.world().has_ovirt()) {
    RETURN_IF_ERROR(PopulateSan(s.world().ovirt(), world.san()));
    RETURN_IF_ERROR(PopulateEngine(s.world().ovirt(), world.engine()));
  }
  return absl::OkStatus();
}

}  // namespace ferry::sim
