#include "core/bugs/inject_for_test.h"

#include <atomic>

namespace ferry::bugs {

extern std::atomic<int> g_enabled_bug;

ScopedBug::ScopedBug(Bug bug) { g_enabled_bug.store(static_cast<int>(bug)); }
ScopedBug::~ScopedBug() { g_enabled_bug.store(0); }

}  // namespace ferry::bugs
