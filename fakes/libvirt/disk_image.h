// DiskImage: a disk's content as versions of fixed-size blocks, so that a
// 100 GiB disk costs what a small one costs. Blocks below `prefix` hold the
// image's base content (`base`, an id of what was imported), blocks from
// `prefix` on are zero, and written blocks override either with the version
// of the write that produced them. Cost grows with the number of written
// blocks, never with the size.
//
//   DiskImage source(DiskImage::BlocksFor(100 * kGiB), /*base=*/7);
//   source.Write(12, /*version=*/1);
//   DiskImage copy(source.blocks(), 0);
//   copy.CopyRange(source, 0, source.blocks());   // bulk copy
//   copy.Content(12) == 1;
#ifndef FERRY_FAKES_LIBVIRT_DISK_IMAGE_H_
#define FERRY_FAKES_LIBVIRT_DISK_IMAGE_H_

#include <cstdint>
#include <map>
#include <optional>

namespace ferry::fakes {

inline constexpr int64_t kBlockSize = int64_t{1} << 20;  // 1 MiB
inline constexpr int64_t kGiB = int64_t{1} << 30;
inline constexpr int64_t kMiB = int64_t{1} << 20;
// The largest volume the fakes model (1 PiB): its block count (2^30) and its
// byte count fit int64 with room to spare, so block arithmetic cannot
// overflow. Kubernetes quantities go up to 8Ei; larger sizes are refused
// (FakeFabric::CreateVolume) rather than wrapped.
inline constexpr int64_t kMaxVolumeBytes = int64_t{1} << 50;

class DiskImage {
 public:
  // Blocks holding `bytes` (rounded up; 0 for none), for any int64 without
  // overflow: INT64_MAX bytes is 2^43 blocks.
  static int64_t BlocksFor(int64_t bytes) {
    return bytes <= 0 ? 0 : bytes / kBlockSize + (bytes % kBlockSize != 0 ? 1 : 0);
  }

  // A disk of `blocks` blocks; base content `base` everywhere (0: all zero).
  DiskImage(int64_t blocks, uint64_t base)
      : blocks_(blocks), base_(base), prefix_(base == 0 ? 0 : blocks) {}

  int64_t blocks() const { return blocks_; }
  int64_t written_blocks() const { return static_cast<int64_t>(overrides_.size()); }

  // 0 is a zero block; anything else names a base image or a guest write.
  uint64_t Content(int64_t block) const;
  void Write(int64_t block, uint64_t version) { overrides_[block] = version; }
  // Makes [begin, end) equal to `from`'s content there. Copying from 0
  // upwards (a bulk copy) extends the base prefix instead of touching blocks.
  void CopyRange(const DiskImage& from, int64_t begin, int64_t end);
  void CopyBlock(const DiskImage& from, int64_t block);
  // Makes the blocks of [begin, end) that `from` itself wrote equal to it,
  // and leaves the rest: a copy of an overlay's own clusters only (QEMU's
  // mirror with sync=top), not what it reads through from its base.
  void CopyWrittenRange(const DiskImage& from, int64_t begin, int64_t end);
  // Forgets the latest write of the highest written block (test-only damage:
  // shows that the data checker is not vacuous). False when nothing was written.
  bool ForgetOneWrite();

  // The first block below `blocks` (and below this image's size), not in
  // `skip`, whose content is not `base`; nullopt when there is none. Costs
  // the written blocks of this image and of `skip`, never the size.
  std::optional<int64_t> FirstBlockNotHolding(uint64_t base, int64_t blocks,
                                              const std::map<int64_t, uint64_t>& skip) const;

  // The first block (below min(blocks)) whose content differs, or nullopt.
  std::optional<int64_t> FirstDifference(const DiskImage& other) const;

 private:
  int64_t blocks_;
  uint64_t base_;
  int64_t prefix_;                       // blocks below hold base_
  std::map<int64_t, uint64_t> overrides_;  // written blocks, ordered
};

}  // namespace ferry::fakes

#endif  // FERRY_FAKES_LIBVIRT_DISK_IMAGE_H_
