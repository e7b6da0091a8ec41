#include "fakes/san/fake_san.h"

#include <optional>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::fakes {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kIqn[] = "iqn.2024-01.com.example:t1";

struct San {
  San() {
    EXPECT_TRUE(san.AddLun({.id = "36001405a", .portal = "10.0.0.5:3260", .iqn = kIqn, .lun = 3,
                            .size_bytes = 10})
                    .ok());
    EXPECT_TRUE(san.AddLun({.id = "36001405b", .portal = "10.0.0.5", .iqn = kIqn, .lun = 4,
                            .size_bytes = 10})
                    .ok());
    EXPECT_TRUE(san.AddLun({.id = "36001405c", .portal = "10.0.0.6:3260",
                            .iqn = "iqn.2024-01.com.example:secure", .lun = 0, .size_bytes = 10,
                            .chap_username = "ferry", .chap_password = "s3cret"})
                    .ok());
    EXPECT_TRUE(san.AddLun({.id = "3600a0980383146", .fibre_channel = true, .size_bytes = 20}).ok());
  }
  FakeSan san;
};

const FakeSan::Opener kPod = FakeSan::Pod("default/db", "node-a");

TEST(FakeSan, FindsAnIscsiLunByPortalIqnAndNumberOnly) {
  San s;
  ASSERT_NE(s.san.FindIscsi("10.0.0.5:3260", kIqn, 3), nullptr);
  EXPECT_EQ(s.san.FindIscsi("10.0.0.5:3260", kIqn, 3)->options.id, "36001405a");
  EXPECT_EQ(s.san.FindIscsi("10.0.0.5", kIqn, 4)->options.id, "36001405b");  // port 3260
  EXPECT_EQ(s.san.FindIscsi("10.0.0.5:3261", kIqn, 3), nullptr);
  EXPECT_EQ(s.san.FindIscsi("10.0.0.7:3260", kIqn, 3), nullptr);
  EXPECT_EQ(s.san.FindIscsi("10.0.0.5:3260", kIqn, 5), nullptr);
  EXPECT_EQ(s.san.FindFc("3600a0980383146")->options.id, "3600a0980383146");
  EXPECT_EQ(s.san.FindFc("36001405a"), nullptr);  // an iSCSI LUN has no FC path
}

TEST(FakeSan, RefusesATakenIdOrAddress) {
  San s;
  EXPECT_EQ(s.san.AddLun({.id = "36001405a", .fibre_channel = true}).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(s.san.AddLun({.id = "other", .portal = "10.0.0.5", .iqn = kIqn, .lun = 3}).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(s.san.AddLun({.id = "", .fibre_channel = true}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.san.AddLun({.id = "x", .iqn = kIqn}).code(), absl::StatusCode::kInvalidArgument);
}

TEST(FakeSan, ALoginHoldsTheLunUntilClosed) {
  San s;
  absl::StatusOr<std::string> id = s.san.LoginIscsi(kPod, "10.0.0.5:3260", kIqn, 3, std::nullopt);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, "36001405a");
  EXPECT_THAT(s.san.OpenersOf("36001405a"), ElementsAre(kPod));
  EXPECT_THAT(s.san.journal(), ElementsAre("36001405a"));
  s.san.Close(kPod);
  EXPECT_THAT(s.san.OpenersOf("36001405a"), IsEmpty());
  EXPECT_THAT(s.san.journal(), ElementsAre("36001405a", "36001405a"));
}

TEST(FakeSan, OpeningTwiceIsOneOpenAndClosingTwiceChangesNothing) {
  San s;
  ASSERT_TRUE(s.san.Open("36001405b", FakeSan::OvirtVm("vm-1")).ok());
  ASSERT_TRUE(s.san.Open("36001405b", FakeSan::OvirtVm("vm-1")).ok());
  EXPECT_EQ(s.san.OpenersOf("36001405b").size(), 1u);
  s.san.Close("36001405b", FakeSan::OvirtVm("vm-1"));
  s.san.Close("36001405b", FakeSan::OvirtVm("vm-1"));
  EXPECT_EQ(s.san.journal().size(), 2u);
  EXPECT_EQ(s.san.Open("nope", kPod).code(), absl::StatusCode::kNotFound);
}

TEST(FakeSan, AVmAndAPodHoldingOneLunAreBothListed) {
  San s;
  ASSERT_TRUE(s.san.Open("3600a0980383146", FakeSan::OvirtVm("vm-1")).ok());
  absl::StatusOr<std::string> id = s.san.OpenFc(kPod, {"3600a0000000000", "3600a0980383146"});
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, "3600a0980383146");  // the first WWID that names a LUN
  EXPECT_THAT(s.san.OpenersOf("3600a0980383146"), ElementsAre(FakeSan::OvirtVm("vm-1"), kPod));
}

TEST(FakeSan, RefusesALoginToAMissingTargetOrLun) {
  San s;
  absl::StatusOr<std::string> no_target =
      s.san.LoginIscsi(kPod, "10.0.0.9:3260", kIqn, 3, std::nullopt);
  EXPECT_EQ(no_target.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(no_target.status().message(), HasSubstr("no target"));
  absl::StatusOr<std::string> no_lun = s.san.LoginIscsi(kPod, "10.0.0.5:3260", kIqn, 9, std::nullopt);
  EXPECT_EQ(no_lun.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(no_lun.status().message(), HasSubstr("has no LUN 9"));
  EXPECT_EQ(s.san.OpenFc(kPod, {"3600a0000000000"}).status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(s.san.journal(), IsEmpty());
}

struct ChapCase {
  const char* name;
  std::optional<FakeSan::Chap> chap;
  bool accepted;
};

class FakeSanChap : public ::testing::TestWithParam<ChapCase> {};

TEST_P(FakeSanChap, ATargetWithChapAcceptsOnlyItsCredentials) {
  San s;
  absl::StatusOr<std::string> id = s.san.LoginIscsi(
      kPod, "10.0.0.6:3260", "iqn.2024-01.com.example:secure", 0, GetParam().chap);
  if (GetParam().accepted) {
    EXPECT_TRUE(id.ok()) << id.status();
    EXPECT_THAT(s.san.OpenersOf("36001405c"), ElementsAre(kPod));
  } else {
    EXPECT_EQ(id.status().code(), absl::StatusCode::kPermissionDenied);
    EXPECT_THAT(id.status().message(), HasSubstr("authorization failure"));
    EXPECT_THAT(s.san.OpenersOf("36001405c"), IsEmpty());
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, FakeSanChap,
    ::testing::Values(ChapCase{"right", FakeSan::Chap{"ferry", "s3cret"}, true},
                      ChapCase{"none", std::nullopt, false},
                      ChapCase{"wrong_password", FakeSan::Chap{"ferry", "guess"}, false},
                      ChapCase{"wrong_user", FakeSan::Chap{"admin", "s3cret"}, false}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(FakeSan, ATargetWithoutAPasswordAcceptsAnyPasswordOfItsUser) {
  FakeSan san;
  ASSERT_TRUE(san.AddLun({.id = "x", .portal = "10.0.0.6", .iqn = kIqn, .chap_username = "ferry"}).ok());
  EXPECT_TRUE(san.LoginIscsi(kPod, "10.0.0.6", kIqn, 0, FakeSan::Chap{"ferry", "any"}).ok());
  EXPECT_EQ(san.LoginIscsi(kPod, "10.0.0.6", kIqn, 0, FakeSan::Chap{"root", "any"}).status().code(),
            absl::StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace ferry::fakes
