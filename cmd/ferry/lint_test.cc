#include "cmd/ferry/lint.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::cli {
namespace {

using ::testing::HasSubstr;

constexpr char kBad[] = "cmd/ferry/testdata/bad/";

struct LintRun {
  int exit_code;
  std::string out;
  std::string err;
};

LintRun Lint(const std::vector<std::string>& files) {
  std::ostringstream out, err;
  const int code = RunLint(files, out, err);
  return {code, out.str(), err.str()};
}

std::vector<std::string> Glob(const std::string& dir) {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.is_regular_file()) files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(Lint, SeedExamplesAreClean) {
  const LintRun run = Lint(Glob("examples/storage-migration"));
  EXPECT_EQ(run.exit_code, 0) << run.out;
  EXPECT_THAT(run.out, HasSubstr("vm.yaml:1: VirtualMachine vm-alpine-datavolume: ok"));
  EXPECT_THAT(run.out, HasSubstr(
      "migration.yaml:1: VirtualMachineInstanceMigration migration-local-storage: ok"));
  EXPECT_THAT(run.out, HasSubstr("destination-pvc.yaml:1: PersistentVolumeClaim pvc-dest: ok"));
  EXPECT_THAT(run.err, HasSubstr("3 objects in 3 files, 0 errors, 0 warnings"));
}

TEST(Lint, ContainerDiskExampleIsClean) {
  const LintRun run = Lint(Glob("examples/container-disk"));
  EXPECT_EQ(run.exit_code, 0) << run.out;
  EXPECT_THAT(run.out, HasSubstr(
      "migration.yaml:1: VirtualMachineInstanceMigration migration-container-disk: ok"));
  EXPECT_THAT(run.err, HasSubstr("3 objects in 3 files, 0 errors, 0 warnings"));
}

TEST(Lint, ExpectedResultsAreClean) {
  const LintRun run = Lint(Glob("examples/storage-migration/expected"));
  EXPECT_EQ(run.exit_code, 0) << run.out;
  EXPECT_THAT(run.out, HasSubstr("VirtualMachineInstance vm-alpine-datavolume: ok"));
}

TEST(Lint, MissingFileIsUnreadableButOthersAreStillRead) {
  const LintRun run = Lint({"cmd/ferry/testdata/no-such-file.yaml",
                        "examples/storage-migration/vm.yaml"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.out, HasSubstr("no-such-file.yaml: No such file or directory"));
  EXPECT_THAT(run.out, HasSubstr("VirtualMachine vm-alpine-datavolume: ok"));
}

TEST(Lint, UnknownFieldOutsideTheMigrationSpecIsAWarningThatStillFails) {
  const std::string path = testing::TempDir() + "/unknown.yaml";
  std::ofstream(path) << "apiVersion: v1\nkind: PersistentVolumeClaim\n"
                         "metadata: {name: a}\n"
                         "spec: {accessModes: [ReadWriteOnce], resources: {requests: "
                         "{storage: 1Gi}}, storageClass: fast}\n";
  const LintRun run = Lint({path});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.out, HasSubstr(
      "unknown.yaml:4:77: warning: spec.storageClass: unknown field \"storageClass\" "
      "(did you mean \"storageClassName\"?); the API server would drop it"));
}

struct Expectation {
  std::string file;
  int exit_code;
  std::string line;
};

std::vector<Expectation> ReadExpectations() {
  std::ifstream in("cmd/ferry/testdata/bad.expected");
  std::vector<Expectation> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cols = absl::StrSplit(line, absl::MaxSplits('\t', 2));
    if (cols.size() != 3) {
      ADD_FAILURE() << "bad row in bad.expected: " << line;
      continue;
    }
    rows.push_back({cols[0], std::stoi(cols[1]), cols[2]});
  }
  return rows;
}

TEST(Lint, BadCorpusHasAtLeast25FilesEachWithAnExpectation) {
  const std::vector<Expectation> rows = ReadExpectations();
  std::set<std::string> expected, present;
  for (const Expectation& row : rows) expected.insert(row.file);
  for (const std::string& path : Glob(kBad)) {
    present.insert(std::filesystem::path(path).filename().string());
  }
  EXPECT_GE(present.size(), 25u);
  EXPECT_EQ(expected, present);
}

// True if one line of `out` holds every " ... "-separated fragment of
// `expected`, in order.
bool HasLine(const std::string& out, const std::string& expected) {
  const std::vector<std::string> fragments = absl::StrSplit(expected, " ... ");
  for (absl::string_view line : absl::StrSplit(out, '\n')) {
    size_t at = 0;
    bool all = true;
    for (const std::string& fragment : fragments) {
      at = line.find(fragment, at);
      if (at == absl::string_view::npos) {
        all = false;
        break;
      }
      at += fragment.size();
    }
    if (all) return true;
  }
  return false;
}

TEST(Lint, HasLineNeedsEveryFragmentInOrderOnOneLine) {
  EXPECT_TRUE(HasLine("x\nf.yaml:1:2: error: a: bad\n", "f.yaml:1:2: ... bad"));
  EXPECT_FALSE(HasLine("f.yaml:1:2: error\nbad\n", "f.yaml:1:2: ... bad"));
  EXPECT_FALSE(HasLine("bad f.yaml:1:2:\n", "f.yaml:1:2: ... bad"));
}

class BadManifest : public testing::TestWithParam<Expectation> {};

TEST_P(BadManifest, FailsWithAPreciseMessage) {
  const Expectation& row = GetParam();
  const LintRun run = Lint({kBad + row.file});
  EXPECT_EQ(run.exit_code, row.exit_code) << run.out;
  EXPECT_TRUE(HasLine(run.out, row.line)) << "want a line with: " << row.line
                                          << "\ngot:\n" << run.out;
}

INSTANTIATE_TEST_SUITE_P(Corpus, BadManifest, testing::ValuesIn(ReadExpectations()),
                         [](const testing::TestParamInfo<Expectation>& info) {
                           std::string name = info.param.file;
                           for (char& c : name) {
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace ferry::cli
