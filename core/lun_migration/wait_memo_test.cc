#include "core/lun_migration/wait_memo.h"

#include "gtest/gtest.h"

namespace ferry::lun_migration {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1692259200);

forklift::VMStatus Status(const std::string& phase) {
  forklift::VMStatus s;
  s.set_id("vm-1");
  s.set_phase(phase);
  return s;
}

TEST(WaitMemo, AWaitHoldsOnlyForTheSameInputsAndStatusBeforeItsDeadline) {
  WaitMemo memo;
  EXPECT_FALSE(memo.Holds("vm-1", "in", Status("WaitForBinding"), "10", kT0));
  memo.Keep("vm-1", "in", Status("WaitForBinding"), "10", kT0 + absl::Minutes(5));
  EXPECT_TRUE(memo.Holds("vm-1", "in", Status("WaitForBinding"), "10", kT0));
  EXPECT_FALSE(memo.Holds("vm-2", "in", Status("WaitForBinding"), "10", kT0));
  EXPECT_FALSE(memo.Holds("vm-1", "other", Status("WaitForBinding"), "10", kT0));
  EXPECT_FALSE(memo.Holds("vm-1", "in", Status("WaitForBinding"), "10", kT0 + absl::Minutes(5)))
      << "at its deadline the wait is decided again";
  // Another version of the run: the status is compared, and the same
  // status holds (another VM's status was written).
  EXPECT_TRUE(memo.Holds("vm-1", "in", Status("WaitForBinding"), "11", kT0));
  EXPECT_FALSE(memo.Holds("vm-1", "in", Status("CopyDisks"), "12", kT0));
  EXPECT_FALSE(memo.Holds("vm-1", "in", Status("CopyDisks"), "", kT0))
      << "no version: always compared";
  memo.Drop("vm-1");
  EXPECT_FALSE(memo.Holds("vm-1", "in", Status("WaitForBinding"), "11", kT0));
}

}  // namespace
}  // namespace ferry::lun_migration
