// The simulated kubelet's iSCSI and Fibre Channel logins (sim/cluster.h):
// a pod starts only once its node is logged in to the LUN of each LUN PV it
// mounts, and is logged out when it stops.
#include "sim/cluster.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "api/core.pb.h"
#include "api/manifest/reader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/world.h"

namespace ferry::sim {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kSecure[] = "iqn.2024-01.com.example:secure";

// Parses `yaml` (no findings) and applies each object to `world`.
void ApplyYaml(World& world, const std::string& yaml) {
  absl::StatusOr<manifest::ManifestSet> set = manifest::ParseManifests("test", yaml);
  ASSERT_TRUE(set.ok()) << set.status();
  ASSERT_THAT(set->findings, IsEmpty());
  for (const manifest::Object& o : set->objects) {
    absl::Status applied = world.Apply(*o.message);
    ASSERT_TRUE(applied.ok()) << applied;
  }
}

World::Options LunWorld() {
  World::Options options;
  options.lun_controller = true;
  return options;
}

// A LUN world without a plan: a CHAP target (LUN 0) and an FC LUN.
class Kubelet : public ::testing::Test {
 protected:
  Kubelet() : Kubelet(LunWorld()) {}
  explicit Kubelet(World::Options options) : world_(std::move(options)) {
    EXPECT_TRUE(world_.AddNode("node-a").ok());
    EXPECT_TRUE(world_.san()
                    .AddLun({.id = "36001405a", .portal = "10.0.0.5:3260", .iqn = kSecure, .lun = 0,
                             .chap_username = "ferry", .chap_password = "s3cret"})
                    .ok());
    EXPECT_TRUE(world_.san().AddLun({.id = "3600a0980383146", .fibre_channel = true}).ok());
  }

  void Apply(const std::string& yaml) { ApplyYaml(world_, yaml); }
  // A PV with this volume source, its claim, and pod `name` of namespace
  // `ns` mounting it.
  void PodOnLun(const std::string& source, const std::string& ns = "default",
                const std::string& name = "db") {
    Apply(absl::StrCat(
        "apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: ", name, "-lun}\nspec:\n"
        "  capacity: {storage: 1Gi}\n  accessModes: [ReadWriteOnce]\n  volumeMode: Block\n"
        "  storageClassName: \"\"\n  claimRef: {namespace: ", ns, ", name: ", name, "-data}\n  ",
        source, "\n---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: ", name,
        "-data, namespace: ", ns, "}\nspec: {accessModes: [ReadWriteOnce], volumeMode: Block, "
        "storageClassName: \"\", volumeName: ", name, "-lun, resources: {requests: {storage: 1Gi}}}\n"
        "---\napiVersion: v1\nkind: Pod\nmetadata: {name: ", name, ", namespace: ", ns, "}\n"
        "spec:\n  containers: [{name: db, image: db}]\n"
        "  volumes: [{name: data, persistentVolumeClaim: {claimName: ", name, "-data}}]\n"));
  }
  void Secret(const std::string& ns, const std::string& data) {
    Apply(absl::StrCat("apiVersion: v1\nkind: Secret\nmetadata: {name: chap, namespace: ", ns,
                       "}\nstringData: {", data, "}\n"));
  }
  void Settle() {
    for (int i = 0; i < 5; ++i) world_.cluster().Step();
  }
  std::string Phase(const std::string& ns = "default", const std::string& name = "db") {
    absl::StatusOr<ports::ObjectPtr> pod = world_.api().Get({"Pod", ns, name});
    return pod.ok() ? ports::As<k8s::Pod>(*pod)->status().phase() : "(none)";
  }
  std::string FailedMount(const std::string& name = "db") {
    absl::StatusOr<ports::ObjectPtr> e =
        world_.api().Get({"Event", "default", absl::StrCat(name, ".failed-mount")});
    return e.ok() ? ports::As<k8s::Event>(*e)->message() : "";
  }

  World world_;
};

constexpr char kChapLun[] =
    "iscsi: {targetPortal: '10.0.0.5:3260', iqn: 'iqn.2024-01.com.example:secure', lun: 0, "
    "chapAuthSession: true, secretRef: {name: chap}}";
constexpr char kRightKeys[] = "node.session.auth.username: ferry, node.session.auth.password: s3cret";

TEST_F(Kubelet, LogsAPodInWithTheSecretsCredentialsAndOutWhenItIsDeleted) {
  Secret("default", kRightKeys);
  PodOnLun(kChapLun);
  Settle();
  EXPECT_EQ(Phase(), "Running");
  EXPECT_THAT(world_.san().OpenersOf("36001405a"),
              ElementsAre(fakes::FakeSan::Pod("default/db", "node-a")));
  ASSERT_TRUE(world_.cluster().mounted().contains("default/db"));
  const Cluster::Mounted& m = world_.cluster().mounted().at("default/db");
  EXPECT_THAT(m.claims, ElementsAre("default/db-data"));
  EXPECT_THAT(m.volumes, ElementsAre("db-lun"));
  EXPECT_THAT(m.luns, ElementsAre("36001405a"));

  ASSERT_TRUE(world_.api().Delete({"Pod", "default", "db"}).ok());
  world_.cluster().Step();
  EXPECT_THAT(world_.san().OpenersOf("36001405a"), IsEmpty());
  EXPECT_FALSE(world_.cluster().mounted().contains("default/db"));
}

TEST_F(Kubelet, ReadsTheSecretFromTheRefsNamespaceElseThePods) {
  Secret("vault", kRightKeys);
  PodOnLun(absl::StrCat(
               "iscsi: {targetPortal: '10.0.0.5:3260', iqn: 'iqn.2024-01.com.example:secure', "
               "lun: 0, chapAuthSession: true, secretRef: {name: chap, namespace: vault}}"),
           "apps");
  Settle();
  EXPECT_EQ(Phase("apps"), "Running");
}

TEST_F(Kubelet, LogsOutThePodsOfALostNodeAndAFailedPod) {
  Secret("default", kRightKeys);
  PodOnLun(kChapLun);
  PodOnLun("fc: {wwids: ['3600a0980383146']}", "default", "web");
  Settle();
  ASSERT_EQ(Phase(), "Running");
  ASSERT_EQ(Phase("default", "web"), "Running");
  absl::StatusOr<ports::ObjectPtr> web = world_.api().Get({"Pod", "default", "web"});
  k8s::Pod failed = *ports::As<k8s::Pod>(*web);
  failed.mutable_status()->set_phase("Failed");
  ASSERT_TRUE(world_.api().UpdateStatus(failed).ok());
  world_.cluster().Step();
  EXPECT_THAT(world_.san().OpenersOf("3600a0980383146"), IsEmpty());
  EXPECT_THAT(world_.san().OpenersOf("36001405a"), ElementsAre(fakes::FakeSan::Pod("default/db", "node-a")));

  ASSERT_TRUE(world_.cluster().SetNodeReady("node-a", false).ok());
  world_.cluster().Step();
  EXPECT_EQ(Phase(), "Failed");
  EXPECT_THAT(world_.san().OpenersOf("36001405a"), IsEmpty());
}

// A pass whose own list fails reads that kind as empty (an injected fault
// on the cluster's calls): the claim waits a step, then binds.
TEST_F(Kubelet, AFailedListReadsAsEmptyForThatPass) {
  Apply(
      "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: fast}\n"
      "provisioner: topolvm.io\nvolumeBindingMode: Immediate\n---\n"
      "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data}\n"
      "spec: {accessModes: [ReadWriteOnce], storageClassName: fast, "
      "resources: {requests: {storage: 1Gi}}}\n");
  auto phase = [&] {
    return ports::As<k8s::PersistentVolumeClaim>(
               *world_.api().Get({"PersistentVolumeClaim", "default", "data"}))
        ->status()
        .phase();
  };
  int failed = 0;
  world_.api().SetFaultHook([&](const fakes::FakeKubeApi::Call& call) {
    if (call.verb != "list" || call.key.kind != "PersistentVolumeClaim") return absl::OkStatus();
    ++failed;
    return absl::UnavailableError("injected");
  });
  world_.cluster().Step();
  EXPECT_GT(failed, 0);
  EXPECT_NE(phase(), "Bound");
  world_.api().SetFaultHook(nullptr);
  world_.cluster().Step();
  EXPECT_EQ(phase(), "Bound");
}

struct Refusal {
  const char* name;
  const char* secret;  // stringData of Secret default/chap; "" none
  const char* source;  // the PV's volume source
  const char* message;
};

class KubeletRefuses : public Kubelet, public ::testing::WithParamInterface<Refusal> {};

TEST_P(KubeletRefuses, APodItCannotLogInAndSaysWhy) {
  if (*GetParam().secret != '\0') Secret("default", GetParam().secret);
  PodOnLun(GetParam().source);
  Settle();
  EXPECT_NE(Phase(), "Running");
  EXPECT_THAT(FailedMount(), HasSubstr("MountVolume.SetUp failed for volume \"db-lun\" : "));
  EXPECT_THAT(FailedMount(), HasSubstr(GetParam().message));
  EXPECT_FALSE(world_.cluster().mounted().contains("default/db"));
  for (const auto& [id, lun] : world_.san().luns()) {
    EXPECT_THAT(world_.san().OpenersOf(id), IsEmpty()) << id;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, KubeletRefuses,
    ::testing::Values(
        Refusal{"secret_missing", "", kChapLun,
                "failed to get CHAP secret [default/chap]: secrets \"chap\" not found"},
        Refusal{"username_key_missing", "username: ferry, password: s3cret", kChapLun,
                "node.session.auth.username not found in CHAP secret [default/chap]"},
        Refusal{"password_key_missing", "node.session.auth.username: ferry", kChapLun,
                "node.session.auth.password not found in CHAP secret [default/chap]"},
        Refusal{"wrong_password",
                "node.session.auth.username: ferry, node.session.auth.password: guess", kChapLun,
                "authorization failure (wrong CHAP credentials)"},
        Refusal{"no_chap_for_a_chap_target", "",
                "iscsi: {targetPortal: '10.0.0.5:3260', iqn: 'iqn.2024-01.com.example:secure', lun: 0}",
                "authorization failure (the target requires CHAP)"},
        Refusal{"no_such_target", "",
                "iscsi: {targetPortal: '10.0.0.9:3260', iqn: 'iqn.2024-01.com.example:secure', lun: 0}",
                "no target iqn.2024-01.com.example:secure at portal 10.0.0.9:3260"},
        Refusal{"no_such_lun", kRightKeys,
                "iscsi: {targetPortal: '10.0.0.5:3260', iqn: 'iqn.2024-01.com.example:secure', lun: 7, "
                "chapAuthSession: true, secretRef: {name: chap}}",
                "has no LUN 7"},
        Refusal{"no_such_wwid", "", "fc: {wwids: ['3600a0000000000']}", "fc: no fc disk found"}),
    [](const auto& info) { return std::string(info.param.name); });

// `ferry up --real-iscsi`: the kubelet hands each iSCSI PV a pod mounts,
// with its Secret's CHAP, to login_real_lun before the simulated SAN's
// login, and the pod to logout_real_luns once it stops or its mount failed.
class RealSanKubelet : public Kubelet {
 protected:
  RealSanKubelet() : Kubelet(Options()) {}
  World::Options Options() {
    World::Options options = LunWorld();
    options.login_real_lun = [this](const std::string& pod, const std::string& node,
                                    const k8s::PersistentVolume& pv,
                                    const std::optional<fakes::FakeSan::Chap>& chap) {
      calls_.push_back(absl::StrCat("login ", pod, " ", node, " ", pv.metadata().name(), " ",
                                    chap ? chap->username + "/" + chap->password : "no-chap"));
      return refusal_.empty() ? absl::OkStatus() : absl::PermissionDeniedError(refusal_);
    };
    options.logout_real_luns = [this](const std::string& pod) {
      calls_.push_back(absl::StrCat("logout ", pod));
    };
    return options;
  }

  std::vector<std::string> calls_;
  std::string refusal_;
};

TEST_F(RealSanKubelet, LogsInWithTheSecretsChapBeforeStartingAndOutWhenThePodGoes) {
  Secret("default", kRightKeys);
  PodOnLun(kChapLun);
  Settle();
  EXPECT_EQ(Phase(), "Running");
  EXPECT_THAT(calls_, ElementsAre("login default/db node-a db-lun ferry/s3cret"));
  ASSERT_TRUE(world_.api().Delete({"Pod", "default", "db"}).ok());
  world_.cluster().Step();
  EXPECT_THAT(calls_, ElementsAre("login default/db node-a db-lun ferry/s3cret",
                                  "logout default/db"));
}

TEST_F(RealSanKubelet, ARealRefusalIsTheFailedMountAndIsUndone) {
  Secret("default", kRightKeys);
  refusal_ = "iSCSI login to iqn.2024-01.com.example:secure LUN 0 failed: Target not found(515)";
  PodOnLun(kChapLun);
  Settle();
  EXPECT_NE(Phase(), "Running");
  EXPECT_EQ(FailedMount(), absl::StrCat("MountVolume.SetUp failed for volume \"db-lun\" : ",
                                        refusal_));
  ASSERT_GE(calls_.size(), 2u);
  EXPECT_EQ(calls_[1], "logout default/db");
  // The simulated SAN was never logged in to.
  EXPECT_THAT(world_.san().OpenersOf("36001405a"), IsEmpty());
}

// `ferry up --libvirt`: the kubelet of a real node hands each local PV a pod
// mounts to the world's prepare_real_disk (virt-launcher's disk image).
class RealNodeKubelet : public ::testing::Test {
 protected:
  RealNodeKubelet() : world_(Options()) {
    EXPECT_TRUE(world_.AddNode("node-a").ok());
    EXPECT_TRUE(world_.AddNode("node-b").ok());
  }
  World::Options Options() {
    World::Options options;
    options.real_nodes = {"node-a"};
    options.outside = {"agent/node-a"};
    options.prepare_real_disk = [this](const std::string& node, const World::RealDisk& disk) {
      prepared_.push_back(absl::StrCat(node, " ", disk.path, " ", disk.capacity_bytes,
                                       disk.block ? " block" : " file"));
      return refusal_.empty() ? absl::OkStatus() : absl::PermissionDeniedError(refusal_);
    };
    return options;
  }
  // A local PV on `node` (Filesystem or Block), its claim, and pod `name` there.
  void Pod(const std::string& name, const std::string& node, bool block = false) {
    const std::string mode = block ? "Block" : "Filesystem";
    const std::string yaml = absl::StrCat(
        "apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: pv-", name, "}\nspec:\n"
        "  capacity: {storage: 2Gi}\n  accessModes: [ReadWriteOnce]\n  volumeMode: ", mode,
        "\n  storageClassName: local\n  claimRef: {namespace: default, name: ", name, "}\n"
        "  local: {path: /srv/", node, "/", name, "}\n  nodeAffinity: {required: "
        "{nodeSelectorTerms: [{matchExpressions: [{key: kubernetes.io/hostname, operator: In, "
        "values: [", node, "]}]}]}}\n---\napiVersion: v1\nkind: PersistentVolumeClaim\n"
        "metadata: {name: ", name, ", namespace: default}\nspec: {accessModes: [ReadWriteOnce], "
        "volumeMode: ", mode, ", storageClassName: local, volumeName: pv-", name,
        ", resources: {requests: {storage: 2Gi}}}\n---\napiVersion: v1\nkind: Pod\n"
        "metadata: {name: ", name, ", namespace: default}\nspec:\n  nodeName: ", node, "\n"
        "  containers: [{name: c, image: c}]\n"
        "  volumes: [{name: data, persistentVolumeClaim: {claimName: ", name, "}}]\n");
    ApplyYaml(world_, yaml);
  }
  std::string Phase(const std::string& name) {
    absl::StatusOr<ports::ObjectPtr> pod = world_.api().Get({"Pod", "default", name});
    return pod.ok() ? ports::As<k8s::Pod>(*pod)->status().phase() : "(none)";
  }
  void Settle() {
    for (int i = 0; i < 5; ++i) world_.cluster().Step();
  }

  std::vector<std::string> prepared_;
  std::string refusal_;
  World world_;
};

TEST_F(RealNodeKubelet, PreparesEachLocalVolumeOfARealNodesPodBeforeStartingIt) {
  Pod("fs", "node-a");
  Pod("dev", "node-a", /*block=*/true);
  Pod("sim", "node-b");  // a simulated node: nothing real to prepare
  Settle();
  EXPECT_THAT(prepared_, ElementsAre("node-a /srv/node-a/dev 2147483648 block",
                                     "node-a /srv/node-a/fs/disk.img 2147483648 file"));
  EXPECT_EQ(Phase("fs"), "Running");
  EXPECT_EQ(Phase("dev"), "Running");
  EXPECT_EQ(Phase("sim"), "Running");
}

TEST_F(RealNodeKubelet, ARefusalKeepsThePodPendingWithFailedMountUntilItSucceeds) {
  refusal_ = "disk image /srv/node-a/fs/disk.img: open the directory /srv/node-a/fs: no such file";
  Pod("fs", "node-a");
  Settle();
  EXPECT_NE(Phase("fs"), "Running");
  absl::StatusOr<ports::ObjectPtr> e = world_.api().Get({"Event", "default", "fs.failed-mount"});
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(ports::As<k8s::Event>(*e)->message(),
            "MountVolume.SetUp failed for volume \"pv-fs\" : disk image "
            "/srv/node-a/fs/disk.img: open the directory /srv/node-a/fs: no such file");
  refusal_.clear();
  Settle();
  EXPECT_EQ(Phase("fs"), "Running");
}

}  // namespace
}  // namespace ferry::sim
