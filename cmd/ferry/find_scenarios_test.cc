#include "cmd/ferry/find_scenarios.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::cli {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class FindScenariosTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(std::getenv("TEST_TMPDIR")) /
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "sub");
    std::ofstream(dir_ / "b.textproto") << "";
    std::ofstream(dir_ / "sub/a.textproto") << "";
    std::ofstream(dir_ / "notes.md") << "";
  }

  std::string At(const std::string& name) const { return (dir_ / name).string(); }

  fs::path dir_;
};

TEST_F(FindScenariosTest, AFolderGivesItsScenariosSortedByPath) {
  EXPECT_THAT(FindScenarios(dir_.string()),
              ElementsAre(Field(&FoundScenario::path, At("b.textproto")),
                          Field(&FoundScenario::path, At("sub/a.textproto"))));
  for (const FoundScenario& f : FindScenarios(dir_.string())) EXPECT_THAT(f.error, IsEmpty());
}

TEST_F(FindScenariosTest, AFileIsItselfWhateverItIs) {
  EXPECT_THAT(FindScenarios("/dev/zero"),
              ElementsAre(AllOf(Field(&FoundScenario::path, "/dev/zero"),
                                Field(&FoundScenario::error, IsEmpty()))));
}

// Two symbolic links pointing at each other made the walk throw
// (filesystem_error: Too many levels of symbolic links).
TEST_F(FindScenariosTest, SymlinkLoopsAndDanglingLinksAreErrorsNamingThePath) {
  fs::create_symlink("y.textproto", dir_ / "x.textproto");
  fs::create_symlink("x.textproto", dir_ / "y.textproto");
  fs::create_symlink("gone.textproto", dir_ / "dangling.textproto");
  fs::create_symlink("p", dir_ / "q");  // loops too, but names no scenario
  fs::create_symlink("q", dir_ / "p");
  fs::create_symlink(dir_, dir_ / "sub/up");  // a folder link: not followed, so no cycle
  const std::vector<FoundScenario> found = FindScenarios(dir_.string());
  ASSERT_EQ(found.size(), 5u);
  EXPECT_EQ(found[0].path, At("b.textproto"));
  EXPECT_THAT(found[1].error,
              HasSubstr(At("dangling.textproto") +
                        ": a symbolic link to nothing (gone.textproto does not exist)"));
  EXPECT_EQ(found[2].path, At("sub/a.textproto"));
  EXPECT_THAT(found[3].error,
              HasSubstr(At("x.textproto") + ": a symbolic link that cannot be followed"));
  EXPECT_THAT(found[3].error, HasSubstr("symbolic links"));
  EXPECT_THAT(found[4].error, HasSubstr(At("y.textproto")));

  EXPECT_THAT(FindScenarios(At("x.textproto"))[0].error,
              HasSubstr(At("x.textproto") + ": a symbolic link that cannot be followed"));
  EXPECT_THAT(FindScenarios(At("dangling.textproto"))[0].error,
              HasSubstr("a symbolic link to nothing"));
}

TEST_F(FindScenariosTest, AMissingPathIsAnErrorNamingIt) {
  EXPECT_THAT(FindScenarios(At("nope")),
              ElementsAre(Field(&FoundScenario::error, At("nope") + ": no such file or folder")));
}

TEST_F(FindScenariosTest, AnUnreadableFolderIsAnErrorAndTheRestIsStillFound) {
  if (geteuid() == 0) GTEST_SKIP() << "root reads any folder";
  fs::create_directories(dir_ / "locked");
  std::ofstream(dir_ / "locked/c.textproto") << "";
  fs::permissions(dir_ / "locked", fs::perms::none);
  const std::vector<FoundScenario> found = FindScenarios(dir_.string());
  fs::permissions(dir_ / "locked", fs::perms::owner_all);
  ASSERT_EQ(found.size(), 3u);
  EXPECT_THAT(found[1].error, HasSubstr(At("locked") + ": cannot read the folder"));
}

TEST_F(FindScenariosTest, AFolderWithoutScenariosGivesNothing) {
  fs::create_directories(dir_ / "empty");
  EXPECT_THAT(FindScenarios(At("empty")), IsEmpty());
}

}  // namespace
}  // namespace ferry::cli
