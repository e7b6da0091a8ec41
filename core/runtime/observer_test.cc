#include "core/runtime/observer.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::runtime {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const absl::Time kT0 = absl::FromUnixSeconds(1000);

Observation Domain(bool present, int64_t processed = 0) {
  DomainSeen d;
  d.present = present;
  d.job.disk_processed = processed;
  Observation o;
  o.value = d;
  return o;
}

std::vector<std::string> Names(const std::vector<Read>& reads) {
  std::vector<std::string> names;
  for (const Read& r : reads) names.push_back(Describe(r));
  return names;
}

TEST(Observer, PollsOnlyWhatAKeyWants) {
  Observer observer({.first = absl::Seconds(1), .max = absl::Seconds(8)});
  EXPECT_FALSE(observer.NextDue().has_value());
  observer.Want({"ns", "m1"}, {DomainRead{"ns_vm1"}}, kT0);
  EXPECT_EQ(observer.NextDue(), kT0);
  EXPECT_THAT(Names(observer.Due(kT0)), ElementsAre("domain ns_vm1"));
  // The key asks for nothing any more: the read and its result are gone.
  observer.Record(DomainRead{"ns_vm1"}, Domain(true), kT0);
  observer.Want({"ns", "m1"}, {}, kT0);
  EXPECT_EQ(observer.wanted(), 0u);
  EXPECT_EQ(observer.Get(DomainRead{"ns_vm1"}), nullptr);
  EXPECT_FALSE(observer.NextDue().has_value());
  EXPECT_THAT(observer.Record(DomainRead{"ns_vm1"}, Domain(true), kT0), IsEmpty());
}

TEST(Observer, AFirstOrChangedResultWakesEveryKeyThatWantsIt) {
  Observer observer({.first = absl::Seconds(1), .max = absl::Seconds(8)});
  observer.Want({"ns", "a"}, {OvirtVmRead{"vm-1"}}, kT0);
  observer.Want({"ns", "b"}, {OvirtVmRead{"vm-1"}, OvirtDiskRead{"d1"}}, kT0);
  EXPECT_THAT(Names(observer.Due(kT0)), ElementsAre("ovirt disk d1", "ovirt vm vm-1"));
  ovirt::Vm vm;
  vm.set_id("vm-1");
  vm.set_status("up");
  Observation seen;
  seen.value = vm;
  EXPECT_THAT(observer.Record(OvirtVmRead{"vm-1"}, seen, kT0),
              ElementsAre(Key{"ns", "a"}, Key{"ns", "b"}));
  EXPECT_EQ(observer.Get(OvirtVmRead{"vm-1"})->As<ovirt::Vm>()->status(), "up");
  EXPECT_EQ(observer.Get(OvirtVmRead{"vm-1"})->at, kT0);
  // The same again wakes nobody.
  EXPECT_THAT(observer.Record(OvirtVmRead{"vm-1"}, seen, kT0 + absl::Seconds(1)), IsEmpty());
  vm.set_status("down");
  seen.value = vm;
  EXPECT_THAT(observer.Record(OvirtVmRead{"vm-1"}, seen, kT0 + absl::Seconds(3)),
              ElementsAre(Key{"ns", "a"}, Key{"ns", "b"}));
  // An error is a result too, and differs from a value.
  Observation down;
  down.status = absl::UnavailableError("engine down");
  EXPECT_THAT(observer.Record(OvirtVmRead{"vm-1"}, down, kT0 + absl::Seconds(4)),
              ElementsAre(Key{"ns", "a"}, Key{"ns", "b"}));
  // One key letting go keeps the read for the other.
  observer.Want({"ns", "b"}, {}, kT0);
  EXPECT_NE(observer.Get(OvirtVmRead{"vm-1"}), nullptr);
  EXPECT_THAT(observer.Record(OvirtVmRead{"vm-1"}, seen, kT0 + absl::Seconds(5)),
              ElementsAre(Key{"ns", "a"}));
}

TEST(Observer, AnUnchangedReadIsPolledLessOftenUpToMaxAndAChangeResetsIt) {
  Observer observer({.first = absl::Seconds(1), .max = absl::Seconds(8)});
  const Key key{"ns", "m"};
  const Read read = DomainRead{"ns_vm"};
  observer.Want(key, {read}, kT0);
  absl::Time now = kT0;
  std::vector<absl::Duration> intervals;
  for (int i = 0; i < 6; ++i) {
    observer.Record(read, Domain(true), now);
    const absl::Time next = *observer.NextDue();
    intervals.push_back(next - now);
    EXPECT_THAT(observer.Due(next - absl::Milliseconds(1)), IsEmpty());
    now = next;
  }
  // First result, then unchanged: 1, 2, 4, 8, 8, 8.
  EXPECT_THAT(intervals, ElementsAre(absl::Seconds(1), absl::Seconds(2), absl::Seconds(4),
                                     absl::Seconds(8), absl::Seconds(8), absl::Seconds(8)));
  observer.Record(read, Domain(true, 42), now);
  EXPECT_EQ(*observer.NextDue() - now, absl::Seconds(1));
}

TEST(Observer, InvalidateDropsAKeysResultsAndMakesThemDueNow) {
  Observer observer({.first = absl::Seconds(1), .max = absl::Seconds(30)});
  const Key key{"ns", "m"};
  observer.Want(key, {DomainRead{"x"}}, kT0);
  absl::Time now = kT0;
  for (int i = 0; i < 5; ++i) {
    observer.Record(DomainRead{"x"}, Domain(false), now);
    now = *observer.NextDue();
  }
  const absl::Time effect_at = kT0 + absl::Seconds(20);
  ASSERT_GT(*observer.NextDue(), effect_at);
  observer.Invalidate(key, effect_at);
  EXPECT_EQ(observer.Get(DomainRead{"x"}), nullptr);
  EXPECT_EQ(*observer.NextDue(), effect_at);
  // The same result as before the effect is a first result again: it wakes.
  EXPECT_THAT(observer.Record(DomainRead{"x"}, Domain(false), effect_at), ElementsAre(key));
  EXPECT_EQ(*observer.NextDue(), effect_at + absl::Seconds(1));
  // Another key's reads are untouched.
  observer.Invalidate({"ns", "other"}, effect_at + absl::Milliseconds(1));
  EXPECT_NE(observer.Get(DomainRead{"x"}), nullptr);
  EXPECT_EQ(*observer.NextDue(), effect_at + absl::Seconds(1));
  EXPECT_EQ(observer.Get(DomainRead{"x"})->tag, "");
}

TEST(Observer, ResultsAfterATaggedRefreshCarryTheTag) {
  Observer observer({.first = absl::Seconds(1), .max = absl::Seconds(30)});
  const Key key{"ns", "m"};
  observer.Want(key, {DomainRead{"x"}}, kT0);
  observer.Record(DomainRead{"x"}, Domain(false), kT0);
  observer.Invalidate(key, kT0, "report after 3");
  EXPECT_EQ(observer.Get(DomainRead{"x"}), nullptr);
  // The same value, now tagged: a first result again, so it wakes.
  EXPECT_THAT(observer.Record(DomainRead{"x"}, Domain(false), kT0), ElementsAre(key));
  EXPECT_EQ(observer.Get(DomainRead{"x"})->tag, "report after 3");
  observer.Record(DomainRead{"x"}, Domain(false), kT0 + absl::Seconds(1));
  EXPECT_EQ(observer.Get(DomainRead{"x"})->tag, "report after 3");
}

TEST(Observer, ResultsCompareByStatusAndValue) {
  EXPECT_TRUE(SameResult(Domain(true, 1), Domain(true, 1)));
  EXPECT_FALSE(SameResult(Domain(true, 1), Domain(true, 2)));
  EXPECT_FALSE(SameResult(Domain(true), Domain(false)));
  Observation a, b;
  a.status = absl::UnavailableError("x");
  b.status = absl::UnavailableError("y");
  EXPECT_FALSE(SameResult(a, b));
  EXPECT_FALSE(SameResult(a, Domain(false)));
  OvirtInventory i1, i2;
  i1.vms.emplace_back().set_id("1");
  i2.vms.emplace_back().set_id("1");
  Observation x, y;
  x.value = i1;
  y.value = i2;
  EXPECT_TRUE(SameResult(x, y));
  i2.vms.emplace_back().set_id("2");
  y.value = i2;
  EXPECT_FALSE(SameResult(x, y));
}

TEST(Observer, ADiskIsReadOnceUnlessTheReadFailed) {
  Observer observer({.first = absl::Seconds(1), .max = absl::Seconds(8)});
  const Read disk = OvirtDiskRead{"d1"};
  observer.Want({"ns", "a"}, {disk}, kT0);
  Observation failed;
  failed.status = absl::UnavailableError("engine down");
  observer.Record(disk, failed, kT0);
  EXPECT_EQ(observer.NextDue(), kT0 + absl::Seconds(1)) << "a failed read is retried";
  Observation answered;
  answered.value = ovirt::Disk();
  observer.Record(disk, answered, kT0 + absl::Seconds(1));
  EXPECT_EQ(observer.NextDue(), std::nullopt) << "an answer is kept, not polled";
  observer.Invalidate(disk, kT0 + absl::Seconds(5));
  EXPECT_EQ(observer.NextDue(), kT0 + absl::Seconds(5));
  EXPECT_EQ(observer.Get(disk), nullptr);
}

TEST(Observer, ARecheckKeepsTheResultAndWakesOnlyOnAChange) {
  Observer observer({.first = absl::Seconds(1), .max = absl::Seconds(8)});
  const Read domain = DomainRead{"ns_vm"};
  observer.Want({"ns", "a"}, {domain}, kT0);
  observer.Record(domain, Domain(true), kT0);
  observer.Record(domain, Domain(true), kT0 + absl::Seconds(1));  // interval now 2 s
  observer.Recheck({"ns", "a"}, kT0 + absl::Seconds(2));
  EXPECT_EQ(observer.NextDue(), kT0 + absl::Seconds(2));
  ASSERT_NE(observer.Get(domain), nullptr) << "the result is kept meanwhile";
  EXPECT_THAT(observer.Record(domain, Domain(true), kT0 + absl::Seconds(2)), IsEmpty());
  observer.Recheck(domain, kT0 + absl::Seconds(3));
  EXPECT_THAT(observer.Record(domain, Domain(true, 5), kT0 + absl::Seconds(3)),
              ElementsAre(Key{"ns", "a"}));
}

TEST(Observer, AKeptReadIsReadOnceAndReadAnewWhenItIsPolledAgain) {
  Observer observer({.first = absl::Seconds(1), .max = absl::Seconds(8)});
  const Key key{"ns", "plan"};
  const Read vm = OvirtVmRead{"vm-1"};
  observer.Want(key, {}, kT0, {vm});
  EXPECT_EQ(observer.NextDue(), kT0) << "a kept read with no result is read";
  Observation up;
  up.value = ovirt::Vm();
  observer.Record(vm, up, kT0);
  EXPECT_EQ(observer.NextDue(), std::nullopt) << "then kept, not polled";
  ASSERT_NE(observer.Get(vm), nullptr);
  // Polled again: the result is dropped and the read is due at once, so
  // the key decides from a read made after it asked.
  observer.Want(key, {vm}, kT0 + absl::Seconds(30));
  EXPECT_EQ(observer.Get(vm), nullptr);
  EXPECT_EQ(observer.NextDue(), kT0 + absl::Seconds(30));
  EXPECT_THAT(observer.Record(vm, up, kT0 + absl::Seconds(30)), ElementsAre(key));
  EXPECT_EQ(observer.NextDue(), kT0 + absl::Seconds(31));
  // Kept again, with an answer: the poll that was due is dropped.
  observer.Want(key, {}, kT0 + absl::Seconds(30), {vm});
  EXPECT_EQ(observer.NextDue(), std::nullopt);
  // Another key polling it keeps it polled for both.
  observer.Want({"ns", "other"}, {vm}, kT0 + absl::Seconds(31));
  observer.Record(vm, up, kT0 + absl::Seconds(31));
  EXPECT_EQ(observer.NextDue(), kT0 + absl::Seconds(32));
}

TEST(Observer, AResultKeepsItsSerialUntilItChanges) {
  Observer observer({.first = absl::Seconds(1), .max = absl::Seconds(8)});
  const Read domain = DomainRead{"ns_vm"};
  observer.Want({"ns", "a"}, {domain}, kT0);
  observer.Record(domain, Domain(true), kT0);
  const uint64_t first = observer.Get(domain)->serial;
  EXPECT_NE(first, 0u);
  observer.Record(domain, Domain(true), kT0 + absl::Seconds(1));
  EXPECT_EQ(observer.Get(domain)->serial, first);
  observer.Record(domain, Domain(true, 7), kT0 + absl::Seconds(3));
  EXPECT_GT(observer.Get(domain)->serial, first);
  EXPECT_EQ(observer.FirstDue(kT0 + absl::Seconds(3)), std::nullopt);
  ASSERT_TRUE(observer.FirstDue(kT0 + absl::Seconds(4)).has_value());
  EXPECT_EQ(Describe(*observer.FirstDue(kT0 + absl::Seconds(4))), "domain ns_vm");
}

}  // namespace
}  // namespace ferry::runtime
