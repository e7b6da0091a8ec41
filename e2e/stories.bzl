"""e2e_stories: one sh_test per story of an e2e script that takes the ferry
binary and a story name (run_e2e.sh SCRIPT FERRY STORY), named
PREFIX_STORY_test with dashes as underscores; outside Bazel's sandbox, as
root (tag `local`)."""

def e2e_stories(prefix, script, stories, data, tags = []):
    for story in stories:
        native.sh_test(
            name = "%s_%s_test" % (prefix, story.replace("-", "_")),
            size = "medium",
            srcs = ["run_e2e.sh"],
            args = [
                "$(location %s)" % script,
                "$(location //cmd/ferry)",
                story,
            ],
            data = data + [script, "//cmd/ferry"],
            tags = ["e2e", "local"] + tags,
        )
