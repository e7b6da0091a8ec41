"""ferry_fuzz_target: one libFuzzer entry point, two ways to build it.

    ferry_fuzz_target(
        name = "quantity",
        srcs = ["quantity_fuzzer.cc"],   # defines LLVMFuzzerTestOneInput
        deps = ["//api:quantity"],
        corpus = glob(["corpus/quantity/**"]),
        dict = "dicts/quantity.dict",
    )

makes
  :quantity_fuzz_test  a cc_test (any compiler, bin/test and --config=asan)
                       that runs the entry point on every corpus and regression
                       input; it fails on a crash, a sanitizer report, a
                       property the target checks, or an empty corpus;
  :quantity_fuzzer     under --config=fuzz (clang + libFuzzer, see .bazelrc)
                       the libFuzzer binary bin/fuzz runs; in other
                       configurations the same replay program, so //... builds.
Regression inputs live in regressions/<name>/ (bin/fuzz writes new findings
there); they are replayed like the corpus.
"""

load("//bazel:cc.bzl", "cc_binary", "cc_library", "cc_test")

def ferry_fuzz_target(name, srcs, deps, corpus, dict = None, size = "small", timeout = None):
    regressions = native.glob(["regressions/%s/**" % name])
    data = corpus + regressions + ([dict] if dict else [])
    cc_library(
        name = name + "_entry",
        srcs = srcs,
        deps = deps,
        testonly = True,
        alwayslink = True,
    )
    cc_test(
        name = name + "_fuzz_test",
        size = size,
        timeout = timeout,
        args = ["$(rootpaths %s)" % f for f in corpus + regressions],
        data = data,
        deps = [
            ":" + name + "_entry",
            "//fuzz:replay_main",
        ],
    )
    cc_binary(
        name = name + "_fuzzer",
        testonly = True,
        data = ([dict] if dict else []),
        linkopts = select({
            "//fuzz:fuzzing": ["-fsanitize=fuzzer"],
            "//conditions:default": [],
        }),
        deps = [":" + name + "_entry"] + select({
            "//fuzz:fuzzing": [],
            "//conditions:default": ["//fuzz:replay_main"],
        }),
    )
