#include "base/read_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry {
namespace {

using ::testing::HasSubstr;

std::string TempDir() {
  const char* d = std::getenv("TEST_TMPDIR");
  return d != nullptr ? d : "/tmp";
}

std::string Write(const std::string& name, const std::string& text) {
  const std::string path = TempDir() + "/" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

TEST(ReadFileBounded, ReadsAFileWhole) {
  const std::string path = Write("a.yaml", std::string("kind: x\0y\n", 10));
  absl::StatusOr<std::string> text = ReadFileBounded(path);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, std::string("kind: x\0y\n", 10));
}

TEST(ReadFileBounded, RefusesARegularFileAboveTheCapBeforeReadingIt) {
  const std::string path = Write("big.yaml", std::string(2048, 'a'));
  absl::StatusOr<std::string> text = ReadFileBounded(path, {.max_bytes = 1024});
  ASSERT_EQ(text.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(text.status().message(), HasSubstr("1024-byte input limit"));
  EXPECT_THAT(text.status().message(), HasSubstr("--max-input-size"));
  EXPECT_THAT(text.status().message(), HasSubstr(path));
}

TEST(ReadFileBounded, StopsAnEndlessDeviceAtTheCap) {
  absl::StatusOr<std::string> text = ReadFileBounded("/dev/zero", {.max_bytes = 1 << 20});
  ASSERT_EQ(text.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(text.status().message(), HasSubstr("/dev/zero"));
}

TEST(ReadFileBounded, ExactlyTheCapIsAllowed) {
  const std::string path = Write("cap.yaml", std::string(1024, 'a'));
  EXPECT_TRUE(ReadFileBounded(path, {.max_bytes = 1024}).ok());
}

TEST(ReadFileBounded, NamesAMissingFileADirectoryAndASymlinkLoop) {
  EXPECT_EQ(ReadFileBounded(TempDir() + "/absent").status().code(), absl::StatusCode::kNotFound);
  absl::Status dir = ReadFileBounded(TempDir()).status();
  EXPECT_EQ(dir.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(dir.message(), HasSubstr("is a directory"));
  const std::string a = TempDir() + "/loop-a", b = TempDir() + "/loop-b";
  unlink(a.c_str());
  unlink(b.c_str());
  ASSERT_EQ(symlink(b.c_str(), a.c_str()), 0);
  ASSERT_EQ(symlink(a.c_str(), b.c_str()), 0);
  absl::Status loop = ReadFileBounded(a).status();
  EXPECT_EQ(loop.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(loop.message(), HasSubstr("symbolic links loop"));
}

TEST(ReadStreamBounded, CapsAStream) {
  std::istringstream in(std::string(5000, 'x'));
  EXPECT_EQ(ReadStreamBounded(in, "<stdin>", {.max_bytes = 4096}).status().code(),
            absl::StatusCode::kResourceExhausted);
}

TEST(ParseByteSize, TakesUnitsAndRefusesNonsense) {
  EXPECT_EQ(*ParseByteSize("1048576", "--max-input-size"), 1048576);
  EXPECT_EQ(*ParseByteSize("64M", "--max-input-size"), int64_t{64} << 20);
  EXPECT_EQ(*ParseByteSize("64MiB", "--max-input-size"), int64_t{64} << 20);
  EXPECT_EQ(*ParseByteSize("2g", "--max-input-size"), int64_t{2} << 30);
  EXPECT_EQ(*ParseByteSize("500k", "--max-input-size"), 500 << 10);
  for (const char* bad : {"", "0", "-5", "abc", "5T", "99999999999G", "1.5M"}) {
    absl::Status s = ParseByteSize(bad, "--max-input-size").status();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(s.message(), HasSubstr("--max-input-size")) << bad;
  }
}

}  // namespace
}  // namespace ferry
