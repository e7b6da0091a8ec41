"""ferry_scenario_tests: every scenario file is its own Bazel test.

Each test runs `ferry scenario run FILE` (the same command users run) and
passes when the scenario passes.
"""

def ferry_scenario_tests(srcs, data = []):
    names = []
    for src in srcs:
        name = src[:-len(".textproto")].replace("/", "_")
        names.append(name)
        native.sh_test(
            name = name,
            size = "small",
            srcs = ["run_scenario.sh"],
            args = [
                "$(location //cmd/ferry)",
                "$(location %s)" % src,
            ],
            data = ["//cmd/ferry", src] + data,
        )
    native.test_suite(name = "all", tests = names)
