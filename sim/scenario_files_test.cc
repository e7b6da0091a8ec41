#include "sim/scenario_files.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::sim {
namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::HasSubstr;

// TEST_TMPDIR/<test>/: tree/ (a WORKSPACE, shared/m.yaml, a/s.textproto),
// outside/secret.yaml, loose/x/s.textproto (no WORKSPACE above it).
class ScenarioFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::path(std::getenv("TEST_TMPDIR")) /
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(base_);
    for (const char* dir : {"tree/shared", "tree/a", "outside", "loose/x"}) {
      fs::create_directories(base_ / dir);
    }
    Write("tree/WORKSPACE", "");
    Write("tree/shared/m.yaml", "kind: x\n");
    Write("tree/a/s.textproto", "");
    Write("tree/a/own.yaml", "kind: own\n");
    Write("outside/secret.yaml", "secret\n");
    Write("loose/m.yaml", "kind: loose\n");
    Write("loose/x/s.textproto", "");
    Write("loose/x/own.yaml", "kind: own\n");
  }

  void Write(const std::string& name, const std::string& text) {
    std::ofstream(base_ / name) << text;
  }

  std::string At(const std::string& name) const { return (base_ / name).string(); }
  std::string Real(const std::string& name) const { return fs::canonical(base_ / name).string(); }

  fs::path base_;
};

TEST_F(ScenarioFilesTest, TheTreeIsTheNearestFolderAboveWithAWorkspace) {
  const ScenarioFiles files = ScenarioFiles::For(At("tree/a/s.textproto"), {});
  EXPECT_EQ(files.root(), Real("tree"));
  absl::StatusOr<std::string> path = files.Resolve("world.manifest_file[0]", "../shared/m.yaml");
  ASSERT_TRUE(path.ok()) << path.status();
  EXPECT_EQ(*path, At("tree/a") + "/../shared/m.yaml");  // as named, relative to the scenario
  absl::StatusOr<std::string> text = files.Read("world.manifest_file[0]", "../shared/m.yaml");
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, "kind: x\n");
}

TEST_F(ScenarioFilesTest, WithoutAWorkspaceTheTreeIsTheScenariosOwnFolder) {
  const ScenarioFiles files = ScenarioFiles::For(At("loose/x/s.textproto"), {});
  if (files.root() != Real("loose/x")) GTEST_SKIP() << "a WORKSPACE above TEST_TMPDIR";
  EXPECT_TRUE(files.Read("f", "own.yaml").ok());
  const absl::Status up = files.Resolve("world.manifest_file[1]", "../m.yaml").status();
  EXPECT_EQ(up.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(
      std::string(up.message()),
      AllOf(HasSubstr("world.manifest_file[1]: \"../m.yaml\" resolves to " + Real("loose/m.yaml")),
            HasSubstr("outside the scenario's tree " + Real("loose/x") +
                      " (the scenario's own folder: no folder above it has a WORKSPACE file)"),
            HasSubstr("--allow-outside DIR")));
}

TEST_F(ScenarioFilesTest, RefusesEscapesAbsolutePathsAndSymlinksOut) {
  const ScenarioFiles files = ScenarioFiles::For(At("tree/a/s.textproto"), {});
  std::string up;
  for (int i = 0; i < 64; ++i) up += "../";  // deeper than TEST_TMPDIR is
  const absl::Status passwd = files.Resolve("world.manifest_file[0]", up + "etc/passwd").status();
  EXPECT_EQ(passwd.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(passwd.message()),
              HasSubstr("world.manifest_file[0]: \"" + up +
                        "etc/passwd\" resolves to /etc/passwd, "
                        "outside the scenario's tree " +
                        Real("tree") +
                        " (the nearest folder above the scenario with a WORKSPACE file); name a "
                        "file inside it, or allow its folder with --allow-outside DIR"));
  EXPECT_THAT(
      std::string(
          files.Resolve("action[2].apply_file", "../../outside/secret.yaml").status().message()),
      HasSubstr("resolves to " + Real("outside/secret.yaml")));

  const absl::Status absolute =
      files.Resolve("expect.same_spec[0].file", At("tree/shared/m.yaml")).status();
  EXPECT_EQ(absolute.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(absolute.message()),
              HasSubstr("is an absolute path; name the file relative to the scenario"));

  fs::create_symlink(base_ / "outside/secret.yaml", base_ / "tree/a/link.yaml");
  const absl::Status link = files.Read("world.manifest_file[0]", "link.yaml").status();
  EXPECT_EQ(link.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(link.message()),
              HasSubstr("\"link.yaml\" resolves to " + Real("outside/secret.yaml")));
}

TEST_F(ScenarioFilesTest, AllowOutsideAdmitsAFolderAndItsAbsolutePaths) {
  const ScenarioFiles files =
      ScenarioFiles::For(At("tree/a/s.textproto"), {.allow_outside = {At("outside")}});
  absl::StatusOr<std::string> text = files.Read("f", "../../outside/secret.yaml");
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, "secret\n");
  EXPECT_TRUE(files.Read("f", At("outside/secret.yaml")).ok());
  EXPECT_FALSE(files.Resolve("f", "/etc/passwd").ok());
}

TEST_F(ScenarioFilesTest, SymlinkLoopsMissingFilesAndLargeFilesAreClearErrors) {
  const ScenarioFiles files = ScenarioFiles::For(At("tree/a/s.textproto"), {.max_input_bytes = 4});
  fs::create_symlink("loop-b.yaml", base_ / "tree/a/loop-a.yaml");
  fs::create_symlink("loop-a.yaml", base_ / "tree/a/loop-b.yaml");
  const absl::Status loop = files.Read("world.manifest_file[0]", "loop-a.yaml").status();
  EXPECT_FALSE(loop.ok());
  EXPECT_THAT(std::string(loop.message()), HasSubstr("world.manifest_file[0]: \"loop-a.yaml\""));
  EXPECT_THAT(std::string(loop.message()), HasSubstr("symbolic links"));

  const absl::Status missing = files.Read("world.manifest_file[0]", "nope.yaml").status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(missing.message()),
              HasSubstr("world.manifest_file[0]: " + At("tree/a") + "/nope.yaml"));

  const absl::Status large = files.Read("expect.same_spec[1].file", "own.yaml").status();
  EXPECT_EQ(large.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(large.message()),
              AllOf(HasSubstr("expect.same_spec[1].file: "), HasSubstr("4-byte input limit"),
                    HasSubstr("--max-input-size")));
}

TEST(ScenarioFiles, AScenarioWithoutAFileNamesNoFile) {
  const absl::Status st = ScenarioFiles().Read("world.manifest_file[0]", "x.yaml").status();
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(st.message()), HasSubstr("this scenario has no file to be relative to"));
}

}  // namespace
}  // namespace ferry::sim
