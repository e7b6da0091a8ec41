// Reading a whole file a user named, with a size cap. Every file Ferry reads
// on a user's say-so (manifests, scenarios, their manifest_file and
// apply_file) goes through here, so `/dev/zero`, a FIFO or a 10 GB log named
// by mistake is a clear error instead of a process growing without bound.
//
//   absl::StatusOr<std::string> text = ReadFileBounded(path, {.max_bytes = kDefaultMaxInputBytes});
//   if (!text.ok()) return text.status();  // names the path and what to do
#ifndef FERRY_BASE_READ_FILE_H_
#define FERRY_BASE_READ_FILE_H_

#include <cstdint>
#include <istream>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ferry {

// 64 MiB: far above any manifest or scenario (the largest in the repo is
// well under 100 KiB), far below what would exhaust a machine once parsed.
inline constexpr int64_t kDefaultMaxInputBytes = int64_t{64} << 20;

struct ReadLimits {
  int64_t max_bytes = kDefaultMaxInputBytes;
  // Named in the error so the user knows how to raise the cap.
  std::string raise_with = "--max-input-size";
};

// The file's bytes. NotFound, PermissionDenied, FailedPrecondition (a
// directory), ResourceExhausted (larger than max_bytes: the message names the
// size and the flag that raises it), Unavailable (any other read error).
absl::StatusOr<std::string> ReadFileBounded(const std::string& path, const ReadLimits& limits = {});

// The same for a stream already open (stdin); `name` is used in errors.
absl::StatusOr<std::string> ReadStreamBounded(std::istream& in, absl::string_view name,
                                              const ReadLimits& limits = {});

// "64MiB", "1G", "500k", "1048576" (bytes) -> bytes; InvalidArgument naming
// `flag` for anything else, for zero or negative, or above 1 TiB.
absl::StatusOr<int64_t> ParseByteSize(absl::string_view text, absl::string_view flag);

}  // namespace ferry

#endif  // FERRY_BASE_READ_FILE_H_
