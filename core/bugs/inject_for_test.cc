#include "core/bugs/inject_for_test.h"

#ifdef FERRY_RELEASE
#error "the release build compiles the broken variants out: build tests without --define=ferry_release=true"
#endif

#include <atomic>

namespace ferry::bugs {

extern std::atomic<int> g_enabled_bug;

ScopedBug::ScopedBug(Bug bug) { g_enabled_bug.store(static_cast<int>(bug)); }
ScopedBug::~ScopedBug() { g_enabled_bug.store(0); }

}  // namespace ferry::bugs
