#include "fakes/libvirt/disk_image.h"

#include <algorithm>

namespace ferry::fakes {

uint64_t DiskImage::Content(int64_t block) const {
  auto it = overrides_.find(block);
  if (it != overrides_.end()) return it->second;
  return block < prefix_ ? base_ : 0;
}

void DiskImage::CopyBlock(const DiskImage& from, int64_t block) {
  if (block < 0 || block >= blocks_) return;
  overrides_[block] = from.Content(block);
}

void DiskImage::CopyRange(const DiskImage& from, int64_t begin, int64_t end) {
  end = std::min(end, blocks_);
  if (begin >= end) return;
  if (begin <= prefix_ && (prefix_ == 0 || base_ == from.base_)) {
    // Extend the base prefix; only blocks written on either side need care.
    const int64_t old_prefix = prefix_;
    base_ = from.base_;
    const int64_t from_prefix = std::min(end, from.prefix_);
    prefix_ = std::max(prefix_, from_prefix);
    overrides_.erase(overrides_.lower_bound(begin), overrides_.lower_bound(end));
    for (auto it = from.overrides_.lower_bound(begin);
         it != from.overrides_.end() && it->first < end; ++it) {
      overrides_[it->first] = it->second;
    }
    // Blocks now inside the prefix that `from` has as zero.
    for (int64_t b = std::max(from_prefix, old_prefix); b < std::min(end, prefix_); ++b) {
      if (!from.overrides_.count(b)) overrides_[b] = 0;
    }
    return;
  }
  for (int64_t b = begin; b < end; ++b) CopyBlock(from, b);
}

bool DiskImage::ForgetOneWrite() {
  if (overrides_.empty()) return false;
  overrides_.erase(std::prev(overrides_.end()));
  return true;
}

std::optional<int64_t> DiskImage::FirstDifference(const DiskImage& other) const {
  const int64_t n = std::min(blocks_, other.blocks_);
  // Differences can only be at written blocks or across the prefix boundaries.
  auto check = [&](int64_t b) { return b < n && Content(b) != other.Content(b); };
  std::optional<int64_t> first;
  auto consider = [&](int64_t b) {
    if (check(b) && (!first || b < *first)) first = b;
  };
  for (const auto& [b, v] : overrides_) consider(b);
  for (const auto& [b, v] : other.overrides_) consider(b);
  const bool same_base = base_ == other.base_;
  const int64_t lo = std::min(prefix_, other.prefix_);
  const int64_t hi = std::max(prefix_, other.prefix_);
  if (!same_base) {
    // Both prefixes hold different non-zero content (or one is zero).
    for (int64_t b = 0; b < std::min(hi, n); ++b) {
      if (check(b)) { consider(b); break; }
    }
  } else {
    for (int64_t b = lo; b < std::min(hi, n); ++b) {
      if (check(b)) { consider(b); break; }
    }
  }
  return first;
}

}  // namespace ferry::fakes
