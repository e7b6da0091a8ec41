#include "sim/scenario_loader.h"

#include <cstdlib>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::sim {
namespace {

using ::testing::HasSubstr;

std::string Write(const std::string& name, const std::string& text) {
  const std::string path = std::string(getenv("TEST_TMPDIR")) + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(ScenarioLoaderTest, AScenarioLoadsNamedAfterItsFile) {
  absl::StatusOr<LoadedScenario> s = LoadScenario("scenarios/storage/seed-example.textproto");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->path, "scenarios/storage/seed-example.textproto");
  EXPECT_EQ(s->scenario.name(), "seed-example");
  EXPECT_FALSE(s->scenario.world().node().empty());
  EXPECT_FALSE(s->scenario.action().empty());
}

TEST(ScenarioLoaderTest, MalformedFilesNameTheLineAndTheField) {
  absl::StatusOr<LoadedScenario> s =
      LoadScenario(Write("bad.textproto", "world {\n  nod: \"a\"\n}\n"));
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.status().message(), HasSubstr("bad.textproto:2:"));
  EXPECT_THAT(s.status().message(), HasSubstr("nod"));

  s = LoadScenario(Write("nothing.textproto", "world { node: \"a\" }\naction { at_seconds: 1 }\n"));
  EXPECT_THAT(s.status().message(), HasSubstr("action[0]: says when but not what"));

  s = LoadScenario(Write("nonode.textproto", "description: \"x\"\n"));
  EXPECT_THAT(s.status().message(), HasSubstr("world.node"));

  s = LoadScenario(
      Write("verb.textproto",
            "world { node: \"a\" }\naction { at_seconds: 1 api_fault { verb: \"patch\" } }\n"));
  EXPECT_THAT(s.status().message(), HasSubstr("action[0].api_fault.verb: \"patch\" is not one of"));

  s = LoadScenario(Write("kind.textproto",
                         "world { node: \"a\" }\naction { at_seconds: 1 "
                         "api_fault { verb: \"get\" kind: \"Pods\" } }\n"));
  EXPECT_THAT(s.status().message(), HasSubstr("api_fault.kind: \"Pods\" is not one of"));

  s = LoadScenario(Write("lvnode.textproto",
                         "world { node: \"a\" }\naction { at_seconds: 1 "
                         "libvirt_fault { node: \"b\" verb: \"migrate\" } }\n"));
  EXPECT_THAT(s.status().message(), HasSubstr("libvirt_fault.node: \"b\" is not one of a"));

  s = LoadScenario(Write("ovirtverb.textproto",
                         "world { node: \"a\" ovirt {} }\naction { at_seconds: 1 "
                         "ovirt_fault { verb: \"unplug\" } }\n"));
  EXPECT_THAT(s.status().message(),
              HasSubstr("action[0].ovirt_fault.verb: \"unplug\" is not one of"));

  s = LoadScenario(
      Write("noengine.textproto",
            "world { node: \"a\" }\naction { at_seconds: 1 ovirt_start: \"vm-1\" }\n"));
  EXPECT_THAT(s.status().message(), HasSubstr("an oVirt action needs world.ovirt"));

  s = LoadScenario("no/such/file.textproto");
  EXPECT_EQ(s.status().code(), absl::StatusCode::kNotFound);
}

// A fault that names a verb, a code or a node that do not exist is refused
// where it is written, not left to never fire.
TEST(ScenarioLoaderTest, CheckFaultNamesTheFieldAndWhatIsAllowed) {
  scenario::Scenario s;
  s.mutable_world()->add_node("node-a");
  scenario::Action a;
  a.mutable_libvirt_fault()->set_node("node-a");
  a.mutable_libvirt_fault()->set_verb("migrate");
  EXPECT_TRUE(CheckFault(s, a, "here").ok());
  a.mutable_libvirt_fault()->set_code("Gone");
  EXPECT_THAT(CheckFault(s, a, "here").message(),
              HasSubstr("here.libvirt_fault.code: \"Gone\" is not one of"));
  a.Clear();
  a.mutable_ovirt_fault()->set_verb("detach");
  EXPECT_TRUE(CheckFault(s, a, "here").ok());
  a.mutable_ovirt_fault()->set_code("Aborted");
  EXPECT_THAT(CheckFault(s, a, "here").message(),
              HasSubstr("here.ovirt_fault.code: \"Aborted\" is not one of"));
}

}  // namespace
}  // namespace ferry::sim
