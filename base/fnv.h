// FNV-1a, 64 bits: a hash that is the same on every platform, build and run
// (std::hash and absl::Hash are not), for deterministic ids and seeds.
//
//   uint64_t h = Fnv1a64("default/vm-1");
#ifndef FERRY_BASE_FNV_H_
#define FERRY_BASE_FNV_H_

#include <cstdint>

#include "absl/strings/string_view.h"

namespace ferry {

inline constexpr uint64_t kFnv1a64Offset = 14695981039346656037ull;
inline constexpr uint64_t kFnv1a64Prime = 1099511628211ull;

inline uint64_t Fnv1a64(absl::string_view s, uint64_t h = kFnv1a64Offset) {
  for (unsigned char c : s) h = (h ^ c) * kFnv1a64Prime;
  return h;
}

}  // namespace ferry

#endif  // FERRY_BASE_FNV_H_
