#include "core/bugs/bugs.h"

#include <atomic>

namespace ferry::bugs {

// Written only by inject_for_test.cc (testonly); a constant 0 otherwise.
#ifndef FERRY_RELEASE
std::atomic<int> g_enabled_bug{0};
#endif

absl::string_view BugName(Bug bug) {
  switch (bug) {
    case Bug::kNone: return "none";
    case Bug::kSwitchBeforeCopyDone: return "switch-before-copy-done";
    case Bug::kReclaimBeforeRepoint: return "reclaim-before-repoint";
    case Bug::kDiskDevsReversed: return "disk-devs-reversed";
    case Bug::kContainerDiskTopOnly: return "container-disk-top-only";
    case Bug::kRollbackForgetsReattach: return "rollback-forgets-reattach";
    case Bug::kDetachAfterTargetStarts: return "detach-after-target-starts";
    case Bug::kCreateWithoutCheck: return "create-without-check";
  }
  return "?";
}

#ifndef FERRY_RELEASE
bool Enabled(Bug bug) {
  return bug != Bug::kNone && g_enabled_bug.load(std::memory_order_relaxed) == static_cast<int>(bug);
}
#endif

}  // namespace ferry::bugs
