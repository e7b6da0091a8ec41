// FUZZ_CHECK: a property a fuzz target asserts. On failure it prints what
// broke and aborts, which libFuzzer records as a crash (writing the input) and
// the replay test reports as a failure naming the input.
//
//   FUZZ_CHECK(reread.ok(), "re-reading what ToYaml wrote failed: " << reread.status());
#ifndef FERRY_FUZZ_CHECK_H_
#define FERRY_FUZZ_CHECK_H_

#include <cstdlib>
#include <iostream>

#define FUZZ_CHECK(condition, message)                                              \
  do {                                                                              \
    if (!(condition)) {                                                             \
      std::cerr << __FILE__ << ":" << __LINE__ << ": property failed: " #condition \
                << "\n  " << message << std::endl;                                  \
      std::abort();                                                                 \
    }                                                                               \
  } while (false)

#endif  // FERRY_FUZZ_CHECK_H_
