// QemuInitiator (adapters/iscsi) against a real tgt on loopback, which
// e2e/iscsi_initiator_test.py starts: target 1 behind CHAP, target 2 behind
// an initiator ACL, each serving a 64 MiB LUN 1. Who is logged in is read
// from tgt itself (tgtadm), not from the adapter.
#include <pthread.h>
#include <signal.h>
#include <stdio.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "adapters/iscsi/qemu_initiator.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::adapters {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "" : v;
}

constexpr char kNodeA[] = "iqn.2026-12.io.ferry:node-a";

// The initiator names tgt lists for target `tid`, one per session.
std::vector<std::string> Sessions(int tid) {
  const std::string command = absl::StrCat("/usr/sbin/tgtadm -C ", Env("FERRY_TGT_CONTROL"),
                                           " --lld iscsi --mode conn --op show --tid ", tid);
  FILE* out = popen(command.c_str(), "r");
  std::vector<std::string> names;
  if (out == nullptr) return names;
  char line[512];
  while (fgets(line, sizeof line, out) != nullptr) {
    absl::string_view l = absl::StripAsciiWhitespace(line);
    if (absl::ConsumePrefix(&l, "Initiator:")) names.emplace_back(absl::StripAsciiWhitespace(l));
  }
  pclose(out);
  return names;
}

// Sessions(tid) once it has settled on `want` (a closed session goes within
// a moment), or what it was after 5 s.
std::vector<std::string> SessionsSettled(int tid, size_t want) {
  std::vector<std::string> s = Sessions(tid);
  for (int i = 0; i < 100 && s.size() != want; ++i) {
    absl::SleepFor(absl::Milliseconds(50));
    s = Sessions(tid);
  }
  return s;
}

QemuInitiator::Options Chap(const std::string& password = Env("FERRY_TGT_CHAP_PASSWORD")) {
  return {.portal = Env("FERRY_TGT_PORTAL"),
          .iqn = Env("FERRY_TGT_CHAP_IQN"),
          .lun = 1,
          .initiator_name = kNodeA,
          .chap_username = "ferry",
          .chap_password = password,
          .workdir = Env("FERRY_ISCSI_WORKDIR")};
}

QemuInitiator::Options Acl(const std::string& initiator) {
  return {.portal = Env("FERRY_TGT_PORTAL"),
          .iqn = Env("FERRY_TGT_ACL_IQN"),
          .lun = 1,
          .initiator_name = initiator,
          .workdir = Env("FERRY_ISCSI_WORKDIR")};
}

TEST(QemuInitiator, HoldsAChapSessionUntilStopped) {
  absl::StatusOr<std::unique_ptr<QemuInitiator>> s = QemuInitiator::Start(Chap());
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_TRUE((*s)->Running());
  EXPECT_THAT(Sessions(1), ElementsAre(kNodeA));
  s->reset();
  EXPECT_THAT(SessionsSettled(1, 0), IsEmpty());
}

TEST(QemuInitiator, DataWrittenThroughOneSessionIsReadThroughTheNext) {
  {
    absl::StatusOr<std::unique_ptr<QemuInitiator>> writer = QemuInitiator::Start(Chap());
    ASSERT_TRUE(writer.ok()) << writer.status();
    absl::StatusOr<std::string> wrote = (*writer)->Hmp("qemu-io d0 \"write -P 0xab 1M 64k\"");
    ASSERT_TRUE(wrote.ok()) << wrote.status();
    EXPECT_THAT(*wrote, HasSubstr("wrote 65536/65536 bytes at offset 1048576"));
  }
  ASSERT_THAT(SessionsSettled(1, 0), IsEmpty());
  absl::StatusOr<std::unique_ptr<QemuInitiator>> reader = QemuInitiator::Start(Chap());
  ASSERT_TRUE(reader.ok()) << reader.status();
  absl::StatusOr<std::string> read = (*reader)->Hmp("qemu-io d0 \"read -P 0xab 1M 64k\"");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_THAT(*read, HasSubstr("read 65536/65536 bytes at offset 1048576"));
  EXPECT_THAT(*read, Not(HasSubstr("verification failed")));
  // The check can fail: another pattern is not there.
  absl::StatusOr<std::string> other = (*reader)->Hmp("qemu-io d0 \"read -P 0xcd 1M 64k\"");
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_THAT(*other, HasSubstr("Pattern verification failed"));
}

TEST(QemuInitiator, AWrongChapSecretIsRefusedAndNeverQuoted) {
  const std::string wrong = "not-the-secret-4711";
  absl::StatusOr<std::unique_ptr<QemuInitiator>> s = QemuInitiator::Start(Chap(wrong));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.status().message(), HasSubstr("Authentication failure"));
  EXPECT_THAT(s.status().message(), HasSubstr(absl::StrCat("as ", kNodeA)));
  EXPECT_THAT(s.status().message(), Not(HasSubstr(wrong)));
  EXPECT_THAT(s.status().message(), Not(HasSubstr(Env("FERRY_TGT_CHAP_PASSWORD"))));
  EXPECT_THAT(Sessions(1), IsEmpty());
}

TEST(QemuInitiator, OnlyTheAclsInitiatorGetsIn) {
  absl::StatusOr<std::unique_ptr<QemuInitiator>> intruder =
      QemuInitiator::Start(Acl("iqn.2026-12.io.ferry:intruder"));
  ASSERT_FALSE(intruder.ok());
  EXPECT_THAT(intruder.status().message(), HasSubstr("Target not found"));
  absl::StatusOr<std::unique_ptr<QemuInitiator>> node_a = QemuInitiator::Start(Acl(kNodeA));
  ASSERT_TRUE(node_a.ok()) << node_a.status();
  EXPECT_THAT(Sessions(2), ElementsAre(kNodeA));
}

TEST(QemuInitiator, ALunTheTargetDoesNotServeIsRefused) {
  QemuInitiator::Options o = Chap();
  o.lun = 7;
  absl::StatusOr<std::unique_ptr<QemuInitiator>> s = QemuInitiator::Start(o);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.status().message(), HasSubstr("LOGICAL_UNIT_NOT_SUPPORTED"));
  EXPECT_THAT(SessionsSettled(1, 0), IsEmpty());
}

TEST(QemuInitiator, AProcessKilledFromOutsideEndsItsSession) {
  absl::StatusOr<std::unique_ptr<QemuInitiator>> s = QemuInitiator::Start(Chap());
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(kill((*s)->pid(), SIGKILL), 0);
  for (int i = 0; i < 100 && (*s)->Running(); ++i) absl::SleepFor(absl::Milliseconds(20));
  EXPECT_FALSE((*s)->Running());
  EXPECT_THAT(SessionsSettled(1, 0), IsEmpty());
}

TEST(QemuInitiator, StopsPromptlyWhenItsCallerBlocksSigterm) {
  // ferry up blocks SIGTERM to sigwait for it; QEMU must not inherit that.
  sigset_t term, old;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &term, &old), 0);
  absl::StatusOr<std::unique_ptr<QemuInitiator>> s = QemuInitiator::Start(Chap());
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  ASSERT_TRUE(s.ok()) << s.status();
  const pid_t pid = (*s)->pid();
  ASSERT_EQ(kill(pid, SIGTERM), 0);
  for (int i = 0; i < 100 && (*s)->Running(); ++i) absl::SleepFor(absl::Milliseconds(20));
  EXPECT_FALSE((*s)->Running()) << "QEMU " << pid << " ignored SIGTERM for 2 s";
}

TEST(QemuInitiator, RefusesOptionsMissingAFieldWithoutStartingAnything) {
  QemuInitiator::Options o = Chap();
  o.portal = "";
  EXPECT_EQ(QemuInitiator::Start(o).status().message(), "iSCSI login: no portal");
  o = Chap();
  o.chap_password = "";
  EXPECT_EQ(QemuInitiator::Start(o).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Sessions(1), IsEmpty());
}

}  // namespace
}  // namespace ferry::adapters
