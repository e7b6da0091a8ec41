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

void DiskImage::CopyWrittenRange(const DiskImage& from, int64_t begin, int64_t end) {
  end = std::min(end, blocks_);
  for (auto it = from.overrides_.lower_bound(begin); it != from.overrides_.end() && it->first < end;
       ++it) {
    overrides_[it->first] = it->second;
  }
}

std::optional<int64_t> DiskImage::FirstBlockNotHolding(
    uint64_t base, int64_t blocks, const std::map<int64_t, uint64_t>& skip) const {
  blocks = std::min(blocks, blocks_);
  // The first block of [lo, hi) that is neither written nor skipped: it
  // holds what its region holds unwritten.
  auto first_plain = [&](int64_t lo, int64_t hi) -> std::optional<int64_t> {
    for (int64_t b = lo; b < hi; ++b) {
      if (!overrides_.count(b) && !skip.count(b)) return b;
    }
    return std::nullopt;
  };
  std::optional<int64_t> first;
  auto consider = [&](std::optional<int64_t> b) {
    if (b && (!first || *b < *first)) first = b;
  };
  const int64_t prefix = std::min(prefix_, blocks);
  if (base_ != base) consider(first_plain(0, prefix));   // unwritten: base_
  if (base != 0) consider(first_plain(prefix, blocks));  // unwritten: zero
  for (auto it = overrides_.begin(); it != overrides_.end() && it->first < blocks; ++it) {
    if (!skip.count(it->first) && it->second != base) {
      consider(it->first);
      break;
    }
  }
  return first;
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
