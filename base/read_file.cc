#include "base/read_file.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace ferry {
namespace {

std::string TooLarge(absl::string_view name, const ReadLimits& limits) {
  return absl::StrCat(name, ": larger than the ", limits.max_bytes,
                      "-byte input limit; if the file is really meant to be read, raise it with ",
                      limits.raise_with);
}

}  // namespace

absl::StatusOr<std::string> ReadStreamBounded(std::istream& in, absl::string_view name,
                                              const ReadLimits& limits) {
  std::string out;
  char chunk[1 << 16];
  while (in) {
    in.read(chunk, sizeof chunk);
    const std::streamsize got = in.gcount();
    if (got <= 0) break;
    if (static_cast<int64_t>(out.size()) + got > limits.max_bytes) {
      return absl::ResourceExhaustedError(TooLarge(name, limits));
    }
    out.append(chunk, static_cast<size_t>(got));
  }
  if (in.bad()) return absl::UnavailableError(absl::StrCat(name, ": read failed"));
  return out;
}

absl::StatusOr<std::string> ReadFileBounded(const std::string& path, const ReadLimits& limits) {
  struct stat info;
  if (stat(path.c_str(), &info) != 0) {
    const int error = errno;
    const std::string reason = std::strerror(error);
    if (error == ENOENT || error == ENOTDIR) {
      return absl::NotFoundError(absl::StrCat(path, ": ", reason));
    }
    if (error == EACCES) return absl::PermissionDeniedError(absl::StrCat(path, ": ", reason));
    if (error == ELOOP) {
      return absl::FailedPreconditionError(
          absl::StrCat(path, ": symbolic links loop (", reason, "); point the path at a real file"));
    }
    return absl::UnavailableError(absl::StrCat(path, ": cannot read: ", reason));
  }
  if (S_ISDIR(info.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": is a directory; name the files in it"));
  }
  // A regular file says its size up front; anything else (a device, a FIFO)
  // is read until the cap.
  if (S_ISREG(info.st_mode) && info.st_size > limits.max_bytes) {
    return absl::ResourceExhaustedError(TooLarge(path, limits));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int error = errno;
    if (error == EACCES) {
      return absl::PermissionDeniedError(absl::StrCat(path, ": ", std::strerror(error)));
    }
    return absl::UnavailableError(absl::StrCat(path, ": cannot read: ", std::strerror(error)));
  }
  return ReadStreamBounded(in, path, limits);
}

absl::StatusOr<int64_t> ParseByteSize(absl::string_view text, absl::string_view flag) {
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, ": '", text, "' ", why, " (a byte count, optionally with k, M or G: 64M, 1G)"));
  };
  std::string s = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
  int64_t unit = 1;
  if (absl::EndsWith(s, "ib")) s.resize(s.size() - 2);
  else if (absl::EndsWith(s, "b")) s.resize(s.size() - 1);
  if (!s.empty()) {
    switch (s.back()) {
      case 'k': unit = int64_t{1} << 10; break;
      case 'm': unit = int64_t{1} << 20; break;
      case 'g': unit = int64_t{1} << 30; break;
      default: break;
    }
    if (unit != 1) s.pop_back();
  }
  int64_t n = 0;
  if (s.empty() || !absl::SimpleAtoi(s, &n)) return bad("is not a size");
  if (n <= 0) return bad("must be positive");
  constexpr int64_t kMax = int64_t{1} << 40;
  if (n > kMax / unit) return bad("is above 1 TiB");
  return n * unit;
}

}  // namespace ferry
