// Deliberately broken variants of the core, for testing the simulator itself
// (docs/simulation.md): each one is a defect the sweeps must catch and shrink.
// Production code asks Enabled() at the defect's site; nothing in a
// production binary can turn one on: the only setter is in the testonly
// library //core/bugs:inject_for_test (inject_for_test.h), which Bazel
// refuses to link into a non-test target. The release build
// (--define=ferry_release=true, as .ci/run builds the binary) compiles the
// switches out: Enabled is a constant false and each defect's branch is
// dead code the compiler drops.
#ifndef FERRY_CORE_BUGS_BUGS_H_
#define FERRY_CORE_BUGS_BUGS_H_

#include "absl/strings/string_view.h"

namespace ferry::bugs {

enum class Bug {
  kNone = 0,
  // Storage: the Destination decision is recorded while the copy still runs.
  kSwitchBeforeCopyDone,
  // Storage: the sources are reclaimed when Destination is decided, before
  // the VMI and VM name the destinations.
  kReclaimBeforeRepoint,
  // Storage: DiskTargetDev numbers a VMI's disks from the end of the list
  // (the last disk is vda), so with two disks or more each source disk's
  // device is another disk's: the copy moves the wrong data to each
  // destination.
  kDiskDevsReversed,
  // Storage: a container disk is copied with its top layer only
  // (NON_SHARED_INC, as KubeVirt migrates container disks between two
  // launchers that both have the image): the destination claim lacks the
  // base image.
  kContainerDiskTopOnly,
  // LUN: rollback forgets to re-attach the LUNs to the source VM.
  kRollbackForgetsReattach,
  // LUN: the LUNs are detached from the source only once the target VM
  // exists (Forklift's order), not before any PV is made.
  kDetachAfterTargetStarts,
  // LUN: a LUN's PersistentVolume is created under a generated name without
  // first looking for the one this plan already made.
  kCreateWithoutCheck,
};

absl::string_view BugName(Bug bug);

// Whether this broken variant is switched on (never, outside tests).
#ifdef FERRY_RELEASE
constexpr bool Enabled(Bug) { return false; }
#else
bool Enabled(Bug bug);
#endif

}  // namespace ferry::bugs

#endif  // FERRY_CORE_BUGS_BUGS_H_
