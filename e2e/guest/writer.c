/* The e2e guest's only program: writes numbered 4 KiB records to a disk with
 * O_DIRECT|O_DSYNC and prints "ACK n" on the console once the disk has
 * acknowledged record n, so that "no acknowledged write lost" can be checked
 * on whatever volume holds the disk afterwards.
 *
 *   writer /dev/vda [slots [stride [records]]]
 *
 * Record n goes to slot n % slots (slot k at byte k * stride; slots default
 * to 8192 and stride to 4096: the first 32 MiB); it begins with "FERRYREC", then n as 8 bytes
 * little-endian, then n again in the record's last 8 bytes. A checker reads
 * each slot: for every acknowledged n it expects a record m >= n with
 * m % slots == n % slots (a later write may have replaced it). A stride of
 * 64 KiB, QEMU's mirror granularity, makes every record dirty a chunk of its
 * own: a guest that outruns a slow copy. With `records` (0: no end) the writer
 * stops after that many, prints "WRITER DONE n" and idles: a quiet guest, to
 * measure a copy nothing competes with.
 *
 * Built static by e2e/guest.py (gcc -static -O2); runs as the initramfs's
 * /init's last command. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { kRecord = 4096 };

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: writer DEVICE [SLOTS [STRIDE [RECORDS]]]\n");
    return 2;
  }
  const uint64_t slots = argc > 2 ? strtoull(argv[2], NULL, 10) : 8192;
  const uint64_t stride = argc > 3 ? strtoull(argv[3], NULL, 10) : kRecord;
  const uint64_t records = argc > 4 ? strtoull(argv[4], NULL, 10) : 0;
  if (slots == 0 || stride < kRecord || stride % kRecord != 0) {
    fprintf(stderr, "writer: SLOTS must be positive and STRIDE a multiple of %d\n", kRecord);
    return 2;
  }
  const int fd = open(argv[1], O_RDWR | O_DIRECT | O_DSYNC);
  if (fd < 0) {
    perror(argv[1]);
    return 1;
  }
  void* buf = NULL;
  if (posix_memalign(&buf, kRecord, kRecord) != 0) return 1;
  setvbuf(stdout, NULL, _IOLBF, 0);
  printf("WRITER START %s slots %llu stride %llu\n", argv[1], (unsigned long long)slots,
         (unsigned long long)stride);
  for (uint64_t n = 1; records == 0 || n <= records; ++n) {
    memset(buf, 0, kRecord);
    memcpy(buf, "FERRYREC", 8);
    memcpy((char*)buf + 8, &n, 8);
    memcpy((char*)buf + kRecord - 8, &n, 8);
    const off_t at = (off_t)((n % slots) * stride);
    if (pwrite(fd, buf, kRecord, at) != kRecord) {
      printf("WRITER ERROR at record %llu\n", (unsigned long long)n);
      sleep(1);
      --n;
      continue;
    }
    printf("ACK %llu\n", (unsigned long long)n);
  }
  printf("WRITER DONE %llu\n", (unsigned long long)records);
  for (;;) pause();  // init's last command: exiting would panic the kernel
}
