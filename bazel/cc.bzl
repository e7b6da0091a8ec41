"""Ferry's C++ rules: the native ones, with Ferry's code optimised in fastbuild.

    load("//bazel:cc.bzl", "cc_library", "cc_test")

In fastbuild (plain `bazel test`, bin/test, CI) Ferry's own code compiles at
-O1. The test suite is CPU bound in the simulator, which runs about ten times
slower unoptimised (a 20-seed LUN sweep: 4.9 s at -O2, 55.6 s at -O0), while
-O1 costs little in compile time and keeps stack traces usable. `-c opt` keeps
the toolchain's -O2 and `-c dbg` its -O0 (for stepping through in gdb);
--config=asan sets -O1 itself.
"""

load("@rules_cc//cc:defs.bzl", _cc_binary = "cc_binary", _cc_library = "cc_library", _cc_test = "cc_test")

FERRY_COPTS = select({
    "//bazel:fastbuild": ["-O1"],
    "//conditions:default": [],
})

def cc_library(copts = [], **attrs):
    _cc_library(copts = FERRY_COPTS + copts, **attrs)

def cc_binary(copts = [], **attrs):
    _cc_binary(copts = FERRY_COPTS + copts, **attrs)

def cc_test(copts = [], **attrs):
    _cc_test(copts = FERRY_COPTS + copts, **attrs)
