#include "cmd/ferry/up_faults.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace ferry::cli {
namespace {

bool RunsInUp(const scenario::Action& a) {
  return a.has_api_fault() && a.api_fault().cluster() && !a.has_when();
}

}  // namespace

UpFaults::UpFaults(sim::World& world, const scenario::Scenario& s,
                   std::function<void(const std::string&)> log)
    : coverage_(world), faults_(world, coverage_, &observing_) {
  faults_.ForPlatformModel();
  const absl::Time start = world.sim().now();
  for (int i = 0; i < s.action_size(); ++i) {
    const scenario::Action& a = s.action(i);
    if (!RunsInUp(a)) continue;
    const scenario::ApiFault& f = a.api_fault();
    const std::string what = absl::StrCat(
        "action[", i, "]: the cluster model's next ", f.count() > 0 ? f.count() : 1, " ",
        f.verb(), " call(s) of ", f.kind().empty() ? "any kind" : f.kind(),
        f.delay_seconds() > 0 ? absl::StrCat(" take ", f.delay_seconds(), " s")
                              : absl::StrCat(" fail (", f.code().empty() ? "Unavailable" : f.code(),
                                             ")"));
    world.sim().At(start + absl::Seconds(a.at_seconds() + a.delay_seconds()), "scenario",
                   absl::StrCat("action[", i, "]"), [this, f, what, log] {
                     faults_.Arm(f);
                     if (log) log(what);
                   });
  }
}

std::vector<std::string> UpFaults::NotRun(const scenario::Scenario& s) {
  std::vector<std::string> lines;
  for (int i = 0; i < s.action_size(); ++i) {
    if (RunsInUp(s.action(i))) continue;
    lines.push_back(absl::StrCat("action[", i,
                                 "] is not run: ferry up runs only api_fault actions with "
                                 "cluster: true and no when"));
  }
  if (s.has_expect()) lines.push_back("its expect block is not judged");
  if (s.has_liveness()) lines.push_back("its liveness block is not run");
  return lines;
}

}  // namespace ferry::cli
