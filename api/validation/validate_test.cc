#include "api/validation/validate.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "api/manifest/reader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::validation {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Every finding of a manifest stream (decode, per object, cross-references),
// formatted.
std::vector<std::string> Lint(const std::string& yaml) {
  absl::StatusOr<manifest::ManifestSet> set = manifest::ParseManifests("t.yaml", yaml);
  EXPECT_TRUE(set.ok()) << set.status();
  if (!set.ok()) return {};
  std::vector<std::string> out;
  std::vector<const manifest::Object*> all;
  for (const auto& f : set->findings) out.push_back(manifest::FormatFinding(f));
  for (const auto& o : set->objects) {
    all.push_back(&o);
    for (const auto& f : o.findings) out.push_back(manifest::FormatFinding(f));
    for (const auto& f : ValidateObject(o)) out.push_back(manifest::FormatFinding(f));
  }
  for (const auto& per_object : ValidateSet(all)) {
    for (const auto& f : per_object) out.push_back(manifest::FormatFinding(f));
  }
  return out;
}

constexpr char kPvc[] = R"(apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: lun-pvc, namespace: target}
spec:
  accessModes: [ReadWriteMany]
  volumeMode: Block
  storageClassName: ""
  volumeName: lun-pv
  resources: {requests: {storage: 10Gi}}
)";

constexpr char kIscsiPv[] = R"(apiVersion: v1
kind: PersistentVolume
metadata: {name: lun-pv, labels: {volume: vm-1-vol-0}}
spec:
  capacity: {storage: 10Gi}
  accessModes: [ReadWriteMany]
  volumeMode: Block
  persistentVolumeReclaimPolicy: Retain
  claimRef: {name: lun-pvc, namespace: target}
  iscsi:
    targetPortal: 192.0.2.10:3260
    iqn: iqn.2003-01.org.linux-iscsi.target:lun1
    lun: 1
)";

TEST(Validate, PreBoundLunPvAndClaimAreClean) {
  EXPECT_THAT(Lint(std::string(kIscsiPv) + "---\n" + kPvc), IsEmpty());
}

struct Case {
  const char* name;
  std::string yaml;
  const char* expected;  // substring of one formatted finding
};

class Rule : public testing::TestWithParam<Case> {};

TEST_P(Rule, IsReported) {
  EXPECT_THAT(Lint(GetParam().yaml), Contains(HasSubstr(GetParam().expected)));
}

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  const size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return s.replace(at, from.size(), to);
}

// The LUN plan names LUNs 0..255 only (core/lun_migration/lun.h): both ends
// of the range are PVs Kubernetes accepts.
TEST(Validate, IscsiLunNumbersFrom0To255AreValid) {
  for (const char* lun : {"0", "255"}) {
    EXPECT_THAT(Lint(Replace(kIscsiPv, "    lun: 1\n", absl::StrCat("    lun: ", lun, "\n"))),
                IsEmpty())
        << lun;
  }
}

// Every enumerated string field of the model is checked where the model has
// it: `Bogus` at each is an error naming the field and the allowed values.
struct EnumCase {
  const char* name;
  std::string yaml;  // with the value Bogus at `path`
  const char* path;
};

class EnumeratedField : public testing::TestWithParam<EnumCase> {};

TEST_P(EnumeratedField, RefusesAnUnknownValue) {
  EXPECT_THAT(Lint(GetParam().yaml),
              Contains(AllOf(HasSubstr(absl::StrCat("error: ", GetParam().path,
                                                    ": unsupported value \"Bogus\": must be one of")))));
}

constexpr char kVmi[] = "apiVersion: kubevirt.io/v1\nkind: VirtualMachineInstance\nmetadata: {name: v}\n";
constexpr char kVmim[] =
    "apiVersion: kubevirt.io/v1\nkind: VirtualMachineInstanceMigration\nmetadata: {name: m}\n"
    "spec: {vmiName: vm, localStorageMigration: {migrateNonSharedDisks: [{sourcePvc: a, "
    "destinationPvc: b}]}}\n";

INSTANTIATE_TEST_SUITE_P(
    Table, EnumeratedField,
    testing::Values(
        EnumCase{"UpdateVolumesStrategy",
                 "apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata: {name: v}\n"
                 "spec:\n  updateVolumesStrategy: Bogus\n  template: {spec: {domain: {}}}\n",
                 "spec.updateVolumesStrategy"},
        EnumCase{"RunStrategy",
                 "apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata: {name: v}\n"
                 "spec:\n  runStrategy: Bogus\n  template: {spec: {domain: {}}}\n",
                 "spec.runStrategy"},
        EnumCase{"DiskErrorPolicy",
                 absl::StrCat(kVmi, "spec:\n  domain: {devices: {disks: [{name: a, errorPolicy: "
                                    "Bogus}]}}\n  volumes: [{name: a, containerDisk: {image: x}}]\n"),
                 "spec.domain.devices.disks[0].errorPolicy"},
        EnumCase{"InterfaceModel",
                 absl::StrCat(kVmi, "spec:\n  domain: {devices: {interfaces: [{name: n, "
                                    "masquerade: {}, model: Bogus}]}}\n"
                                    "  networks: [{name: n, pod: {}}]\n"),
                 "spec.domain.devices.interfaces[0].model"},
        EnumCase{"ImagePullPolicy",
                 absl::StrCat(kVmi, "spec:\n  domain: {devices: {disks: [{name: a}]}}\n"
                                    "  volumes: [{name: a, containerDisk: {image: x, "
                                    "imagePullPolicy: Bogus}}]\n"),
                 "spec.volumes[0].containerDisk.imagePullPolicy"},
        EnumCase{"VmiMigrationMethod", absl::StrCat(kVmi, "status: {migrationMethod: Bogus}\n"),
                 "status.migrationMethod"},
        EnumCase{"MigrationStateMode",
                 absl::StrCat(kVmi, "status: {migrationState: {mode: Bogus}}\n"),
                 "status.migrationState.mode"},
        EnumCase{"DiskBus",
                 absl::StrCat(kVmi, "spec:\n  domain: {devices: {disks: [{name: a, disk: {bus: "
                                    "Bogus}}]}}\n  volumes: [{name: a, containerDisk: {image: x}}]\n"),
                 "spec.domain.devices.disks[0].disk.bus"},
        EnumCase{"ReportRole", absl::StrCat(kVmim, "status: {domainReports: [{role: Bogus}]}\n"),
                 "status.domainReports[0].role"},
        EnumCase{"ReportDomain",
                 absl::StrCat(kVmim, "status: {domainReports: [{role: Source, domain: Bogus}]}\n"),
                 "status.domainReports[0].domain"},
        EnumCase{"ReportJob",
                 absl::StrCat(kVmim, "status: {domainReports: [{role: Source, job: Bogus}]}\n"),
                 "status.domainReports[0].job"},
        EnumCase{"PvcPhase",
                 "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: c}\nspec: "
                 "{accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}\n"
                 "status: {phase: Bogus}\n",
                 "status.phase"},
        EnumCase{"PvPhase",
                 "apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: p}\nspec: "
                 "{capacity: {storage: 1Gi}, accessModes: [ReadWriteOnce], hostPath: {path: /x}}\n"
                 "status: {phase: Bogus}\n",
                 "status.phase"},
        EnumCase{"HostPathType",
                 "apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: p}\nspec: "
                 "{capacity: {storage: 1Gi}, accessModes: [ReadWriteOnce], hostPath: {path: /x, "
                 "type: Bogus}}\n",
                 "spec.hostPath.type"},
        EnumCase{"DataVolumePhase",
                 "apiVersion: cdi.kubevirt.io/v1beta1\nkind: DataVolume\nmetadata: {name: d}\n"
                 "spec: {source: {blank: {}}, storage: {resources: {requests: {storage: 1Gi}}}}\n"
                 "status: {phase: Bogus}\n",
                 "status.phase"},
        EnumCase{"ConditionStatus",
                 absl::StrCat(kVmim, "status: {conditions: [{type: Admitted, status: Bogus}]}\n"),
                 "status.conditions[0].status"}),
    [](const testing::TestParamInfo<EnumCase>& info) { return std::string(info.param.name); });

// A storage migration that names no disk: lint warns with the words
// admission refuses it with (kNoDiskPairs).
TEST(Validate, AStorageMigrationNamingNoDiskIsAWarning) {
  for (const std::string local : {"{}", "{migrateNonSharedDisks: []}"}) {
    EXPECT_THAT(
        Lint(absl::StrCat("apiVersion: kubevirt.io/v1\nkind: VirtualMachineInstanceMigration\n"
                          "metadata: {name: m}\nspec: {vmiName: vm, localStorageMigration: ",
                          local, "}\n")),
        Contains(HasSubstr("warning: spec.localStorageMigration.migrateNonSharedDisks: empty: a "
                           "storage migration must name at least one")))
        << local;
  }
  // Without localStorageMigration it is a plain live migration: nothing to say.
  EXPECT_THAT(Lint("apiVersion: kubevirt.io/v1\nkind: VirtualMachineInstanceMigration\n"
                   "metadata: {name: m}\nspec: {vmiName: vm}\n"),
              IsEmpty());
}

// A VM's volume update linted against its running VMI (kubectl get vm,vmi,pvc
// plus the edit): KubeVirt's rules on the volumes that would move.
constexpr char kUpdateVmi[] = R"(apiVersion: kubevirt.io/v1
kind: VirtualMachineInstance
metadata: {name: vm}
spec:
  domain:
    devices:
      disks:
      - {name: root, disk: {bus: virtio}}
      - {name: lun, lun: {}}
      - {name: data, disk: {bus: virtio}}
  volumes:
  - {name: root, persistentVolumeClaim: {claimName: root}}
  - {name: lun, persistentVolumeClaim: {claimName: lun}}
  - {name: data, persistentVolumeClaim: {claimName: data}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: root}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 10Gi}}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec: {accessModes: [ReadWriteMany], resources: {requests: {storage: 1Gi}}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: root-new}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 20Gi}}}
)";

std::string UpdateVm(const std::string& strategy, const std::string& root,
                     const std::string& lun = "lun", const std::string& data = "data") {
  return absl::StrCat("---\napiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata: {name: vm}\n"
                      "spec:\n", strategy.empty() ? "" : absl::StrCat("  updateVolumesStrategy: ", strategy, "\n"),
                      "  template:\n    spec:\n      domain:\n        devices:\n          disks:\n"
                      "          - {name: root, disk: {bus: virtio}}\n          - {name: lun, lun: {}}\n"
                      "          - {name: data, disk: {bus: virtio}}\n      volumes:\n"
                      "      - {name: root, persistentVolumeClaim: {claimName: ", root, "}}\n"
                      "      - {name: lun, persistentVolumeClaim: {claimName: ", lun, "}}\n"
                      "      - {name: data, persistentVolumeClaim: {claimName: ", data, "}}\n");
}

// A Block source becomes a file on a Filesystem destination, which needs
// room for the filesystem too: lint says so as admission does, for a
// migration's pair and for a volume update.
TEST(Validate, ABlockSourceNeedsRoomForTheFilesystemOnAFilesystemDestination) {
  auto world = [](const std::string& size) {
    return absl::StrCat(
        "apiVersion: kubevirt.io/v1\nkind: VirtualMachineInstance\nmetadata: {name: vm}\n"
        "spec:\n  domain: {devices: {disks: [{name: root, disk: {bus: virtio}}]}}\n"
        "  volumes: [{name: root, persistentVolumeClaim: {claimName: src}}]\n---\n"
        "{apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: src}, spec: "
        "{accessModes: [ReadWriteOnce], volumeMode: Block, resources: {requests: {storage: 10Gi}}}}\n"
        "---\n{apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: dst}, spec: "
        "{accessModes: [ReadWriteOnce], resources: {requests: {storage: ", size, "}}}}\n---\n");
  };
  const std::string migration =
      "apiVersion: kubevirt.io/v1\nkind: VirtualMachineInstanceMigration\nmetadata: {name: m}\n"
      "spec:\n  vmiName: vm\n  localStorageMigration:\n    migrateNonSharedDisks: "
      "[{sourcePvc: src, destinationPvc: dst}]\n";
  EXPECT_THAT(Lint(absl::StrCat(world("10Gi"), migration)),
              Contains(HasSubstr("destinationPvc: \"dst\" (10Gi) is smaller than its source "
                                 "\"src\" (10Gi plus 5.5% filesystem overhead (Block to "
                                 "Filesystem))")));
  EXPECT_THAT(Lint(absl::StrCat(world("11Gi"), migration)), IsEmpty());
  const std::string update =
      "apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata: {name: vm}\nspec:\n"
      "  updateVolumesStrategy: Migration\n  template:\n    spec:\n"
      "      domain: {devices: {disks: [{name: root, disk: {bus: virtio}}]}}\n"
      "      volumes: [{name: root, persistentVolumeClaim: {claimName: dst}}]\n";
  EXPECT_THAT(Lint(absl::StrCat(world("10Gi"), update)),
              Contains(HasSubstr("\"dst\" (10Gi) is smaller than \"src\" (10Gi plus 5.5% "
                                 "filesystem overhead (Block to Filesystem)), which volume "
                                 "\"root\" runs on")));
  EXPECT_THAT(Lint(absl::StrCat(world("11Gi"), update)), IsEmpty());
}

TEST(Validate, AVolumeUpdateIsCheckedAgainstItsRunningVmi) {
  // The root volume to a larger claim: clean.
  EXPECT_THAT(Lint(absl::StrCat(kUpdateVmi, UpdateVm("Migration", "root-new"))), IsEmpty());
  // Nothing moves: nothing to say, whatever the strategy.
  EXPECT_THAT(Lint(absl::StrCat(kUpdateVmi, UpdateVm("", "root"))), IsEmpty());
  // A LUN cannot move.
  EXPECT_THAT(Lint(absl::StrCat(kUpdateVmi, UpdateVm("Migration", "root-new", "lun-new"))),
              Contains(HasSubstr("error: spec.template.spec.volumes[1]: volume \"lun\" is a LUN "
                                 "disk: a volume update cannot move it")));
  // Onto a smaller claim.
  const std::string smaller =
      absl::StrCat(kUpdateVmi, UpdateVm("Migration", "small"),
                   "---\n{apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: small}, "
                   "spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 5Gi}}}}\n");
  EXPECT_THAT(Lint(smaller), Contains(HasSubstr("spec.template.spec.volumes[0]: \"small\" (5Gi) is "
                                                "smaller than \"root\" (10Gi)")));
  // An RWO volume left behind: moving only the RWX one.
  EXPECT_THAT(Lint(absl::StrCat(kUpdateVmi, UpdateVm("Migration", "root", "lun", "data-new"))),
              Contains(HasSubstr("error: spec.template.spec.volumes: volume \"root\" (claim "
                                 "\"root\") is not ReadWriteMany and not moved")));
  // The strategy missing: a warning that says what to set.
  EXPECT_THAT(Lint(absl::StrCat(kUpdateVmi, UpdateVm("", "root-new"))),
              Contains(AllOf(HasSubstr("warning: spec.updateVolumesStrategy:"),
                             HasSubstr("set updateVolumesStrategy: Migration"))));
}

// A VM with a container disk and a claim, its running VMI reporting the
// image's virtual size (2 GiB), and a migration of the container disk.
constexpr char kContainerDiskVmi[] =
    "apiVersion: kubevirt.io/v1\nkind: VirtualMachineInstance\nmetadata: {name: vm}\n"
    "spec:\n  domain: {devices: {disks: [{name: root, disk: {bus: virtio}}, "
    "{name: data, disk: {bus: virtio}}]}}\n"
    "  volumes: [{name: root, containerDisk: {image: quay.io/alpine}}, "
    "{name: data, persistentVolumeClaim: {claimName: data}}]\n"
    "status: {phase: Running, volumeStatus: [{name: root, size: 2147483648}]}\n---\n";
std::string ContainerDiskMigration(const std::string& pair, const std::string& size = "",
                                   const std::string& mode = "Filesystem") {
  return absl::StrCat(
      "apiVersion: kubevirt.io/v1\nkind: VirtualMachineInstanceMigration\nmetadata: {name: m}\n"
      "spec:\n  vmiName: vm\n  localStorageMigration:\n    migrateNonSharedDisks: [",
      pair, "]\n",
      size.empty() ? ""
                   : absl::StrCat("---\n{apiVersion: v1, kind: PersistentVolumeClaim, metadata: "
                                  "{name: root-pvc}, spec: {accessModes: [ReadWriteOnce], "
                                  "volumeMode: ", mode, ", resources: {requests: {storage: ",
                                  size, "}}}}\n"));
}

TEST(Validate, AContainerDiskPairNamesAContainerDiskLargeEnough) {
  // The container disk onto a Block claim of its virtual size: clean; on a
  // Filesystem claim the image is a file and needs room for the filesystem
  // too, as admission says.
  const std::string pair = "{sourceVolume: root, destinationPvc: root-pvc}";
  EXPECT_THAT(Lint(absl::StrCat(kContainerDiskVmi, ContainerDiskMigration(pair, "2Gi", "Block"))),
              IsEmpty());
  EXPECT_THAT(Lint(absl::StrCat(kContainerDiskVmi, ContainerDiskMigration(pair, "1Gi", "Block"))),
              Contains(HasSubstr("error: spec.localStorageMigration.migrateNonSharedDisks[0]."
                                 "destinationPvc: \"root-pvc\" (1Gi) is smaller than the virtual "
                                 "size of container disk \"root\" (2Gi, image "
                                 "quay.io/alpine)")));
  EXPECT_THAT(Lint(absl::StrCat(kContainerDiskVmi, ContainerDiskMigration(pair, "2Gi"))),
              Contains(HasSubstr("(2Gi, image quay.io/alpine plus 5.5% filesystem overhead (a "
                                 "Filesystem destination))")));
  EXPECT_THAT(Lint(absl::StrCat(kContainerDiskVmi, ContainerDiskMigration(pair, "3Gi"))),
              IsEmpty());
  EXPECT_THAT(Lint(absl::StrCat(kContainerDiskVmi,
                                ContainerDiskMigration("{sourceVolume: data, destinationPvc: d2}"))),
              Contains(HasSubstr("sourceVolume: volume \"data\" stands on claim \"data\": name it "
                                 "with sourcePvc: data")));
  EXPECT_THAT(Lint(absl::StrCat(kContainerDiskVmi,
                                ContainerDiskMigration("{sourceVolume: boot, destinationPvc: d2}"))),
              Contains(HasSubstr("sourceVolume: \"boot\" is not a volume of "
                                 "VirtualMachineInstance vm (t.yaml:1)")));
  EXPECT_THAT(Lint(ContainerDiskMigration("{sourceVolume: root, sourcePvc: root, destinationPvc: d2}")),
              Contains(HasSubstr("sourceVolume: \"root\": set either sourcePvc (a claim) or "
                                 "sourceVolume (a containerDisk volume of the VMI), not both")));
  EXPECT_THAT(Lint(ContainerDiskMigration("{sourceVolume: Root_1, destinationPvc: d2}")),
              Contains(HasSubstr("migrateNonSharedDisks[0].sourceVolume: \"Root_1\"")));
  EXPECT_THAT(Lint(ContainerDiskMigration("{sourceVolume: root, destinationPvc: a}, "
                                          "{sourceVolume: root, destinationPvc: b}")),
              Contains(HasSubstr("duplicate source volume \"root\"")));
  // The container disk left out: it cannot move otherwise.
  EXPECT_THAT(Lint(absl::StrCat(kContainerDiskVmi,
                                ContainerDiskMigration("{sourcePvc: data, destinationPvc: d2}"))),
              Contains(HasSubstr("error: spec.localStorageMigration.migrateNonSharedDisks: volume "
                                 "\"root\" of VirtualMachineInstance vm is a containerDisk, which "
                                 "moves only onto a claim")));
  // The same name as a claim and as a container disk volume are two sources.
  EXPECT_THAT(Lint(ContainerDiskMigration("{sourceVolume: root, destinationPvc: a}, "
                                          "{sourcePvc: root, destinationPvc: b}")),
              IsEmpty());
}

TEST(Validate, AVolumeUpdateOfAContainerDiskPointsToTheMigrationPair) {
  const std::string vm =
      "apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata: {name: vm}\n"
      "spec:\n  updateVolumesStrategy: Migration\n  template:\n    spec:\n"
      "      domain: {devices: {disks: [{name: root}, {name: data}]}}\n"
      "      volumes: [{name: root, persistentVolumeClaim: {claimName: root-pvc}}, "
      "{name: data, persistentVolumeClaim: {claimName: data}}]\n";
  EXPECT_THAT(Lint(absl::StrCat(kContainerDiskVmi, vm)),
              Contains(HasSubstr("error: spec.template.spec.volumes[0]: volume \"root\" runs on a "
                                 "containerDisk (VirtualMachineInstance vm): a volume update "
                                 "moves claims only")));
}

INSTANTIATE_TEST_SUITE_P(
    Table, Rule,
    testing::Values(
        Case{"IqnFormat", Replace(kIscsiPv, "iqn.2003-01.org", "iqn.03-01.org"),
             "12:5: error: spec.iscsi.iqn: \"iqn.03-01.org.linux-iscsi.target:lun1\": must be"},
        Case{"IscsiLunAbove255", Replace(kIscsiPv, "    lun: 1\n", "    lun: 256\n"),
             "error: spec.iscsi.lun: 256: must be between 0 and 255"},
        Case{"IscsiLunNegative", Replace(kIscsiPv, "    lun: 1\n", "    lun: -1\n"),
             "error: spec.iscsi.lun: -1: must be between 0 and 255"},
        Case{"ChapNeedsSecret",
             Replace(kIscsiPv, "    lun: 1\n", "    lun: 1\n    chapAuthSession: true\n"),
             "spec.iscsi.secretRef.name: required: CHAP authentication needs a secret"},
        Case{"TwoVolumeSources",
             Replace(kIscsiPv, "  iscsi:\n", "  fc: {wwids: [\"3600a0980\"]}\n  iscsi:\n"),
             "error: spec: may not specify more than one volume source"},
        Case{"ClaimRefWithoutNamespace",
             Replace(kIscsiPv, "claimRef: {name: lun-pvc, namespace: target}",
                     "claimRef: {name: lun-pvc}"),
             "spec.claimRef.namespace: required: a claimRef without namespace binds no claim"},
        Case{"ClaimRefAndVolumeNameDisagree",
             std::string(kIscsiPv) + "---\n" + Replace(kPvc, "volumeName: lun-pv", "volumeName: other"),
             "spec.claimRef: PersistentVolumeClaim target/lun-pvc asks for volume \"other\""},
        Case{"VolumeNamePreBoundElsewhere",
             Replace(kIscsiPv, "name: lun-pvc,", "name: someone-else,") + "---\n" + kPvc,
             "spec.volumeName: \"lun-pv\" is pre-bound to claim target/someone-else"},
        Case{"TwoPvsClaimOneLunClaim",
             std::string(kIscsiPv) + "---\n" + Replace(kIscsiPv, "name: lun-pv,", "name: lun-pv-2,"),
             "spec.claimRef: claim target/lun-pvc is already pre-bound to PersistentVolume lun-pv"},
        Case{"LocalPvNeedsNodeAffinity",
             "apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: l}\nspec:\n"
             "  capacity: {storage: 1Gi}\n  accessModes: [ReadWriteOnce]\n  local: {path: /mnt/d}\n",
             "spec.nodeAffinity: required: a local volume needs node affinity"},
        Case{"NodeSelectorOperator",
             "apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: l}\nspec:\n"
             "  capacity: {storage: 1Gi}\n  accessModes: [ReadWriteOnce]\n  local: {path: /mnt/d}\n"
             "  nodeAffinity: {required: {nodeSelectorTerms: [{matchExpressions: "
             "[{key: kubernetes.io/hostname, operator: Equals, values: [n1]}]}]}}\n",
             "matchExpressions[0].operator: \"Equals\": must be one of In, NotIn"},
        Case{"ReadWriteOncePodAlone",
             Replace(kPvc, "[ReadWriteMany]", "[ReadWriteOncePod, ReadWriteOnce]"),
             "ReadWriteOncePod may not be combined with other access modes"},
        Case{"StorageClassBindingMode",
             "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: local}\n"
             "provisioner: kubernetes.io/no-provisioner\nvolumeBindingMode: Lazy\n",
             "volumeBindingMode: unsupported value \"Lazy\": must be one of Immediate, "
             "WaitForFirstConsumer"},
        Case{"DataVolumeNeedsOneOfPvcAndStorage",
             "apiVersion: cdi.kubevirt.io/v1beta1\nkind: DataVolume\nmetadata: {name: d}\n"
             "spec:\n  source: {blank: {}}\n",
             "error: spec: needs exactly one of pvc and storage"},
        Case{"DataVolumeStorageSize",
             "apiVersion: cdi.kubevirt.io/v1beta1\nkind: DataVolume\nmetadata: {name: d}\n"
             "spec:\n  source: {http: {url: ftp://x}}\n  storage: {}\n",
             "spec.source.http.url: \"ftp://x\": must start with http:// or https://"},
        Case{"VmiMemoryQuantity",
             "apiVersion: kubevirt.io/v1\nkind: VirtualMachineInstance\nmetadata: {name: v}\n"
             "spec:\n  domain:\n    resources: {requests: {memory: 128MB}}\n",
             "spec.domain.resources.requests[memory]: quantity \"128MB\""},
        Case{"DuplicateBootOrder",
             "apiVersion: kubevirt.io/v1\nkind: VirtualMachineInstance\nmetadata: {name: v}\n"
             "spec:\n  domain: {devices: {disks: [{name: a, bootOrder: 1}, {name: b, bootOrder: 1}]}}\n"
             "  volumes: [{name: a, containerDisk: {image: x}}, {name: b, emptyDisk: {capacity: 1Gi}}]\n",
             "disks[1].bootOrder: boot order 1 is already used by"},
        Case{"InterfaceWithoutNetwork",
             "apiVersion: kubevirt.io/v1\nkind: VirtualMachineInstance\nmetadata: {name: v}\n"
             "spec:\n  domain: {devices: {interfaces: [{name: default, masquerade: {}}]}}\n",
             "interfaces[0].name: \"default\" names no network in spec.networks"},
        Case{"VolumeUsedTwice",
             "apiVersion: kubevirt.io/v1\nkind: VirtualMachineInstance\nmetadata: {name: v}\n"
             "spec:\n  domain: {devices: {disks: [{name: a}], filesystems: [{name: a, virtiofs: {}}]}}\n"
             "  volumes: [{name: a, persistentVolumeClaim: {claimName: p}}]\n",
             "filesystems[0].name: volume \"a\" is already used by"},
        Case{"BadTimestamp",
             "apiVersion: kubevirt.io/v1\nkind: VirtualMachineInstance\nmetadata: {name: v}\n"
             "status:\n  migrationState: {endTimestamp: \"17/08/2023\"}\n",
             "status.migrationState.endTimestamp: \"17/08/2023\": not an RFC 3339 time"},
        Case{"DestinationInUseByAnotherVm",
             "apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata: {name: other}\n"
             "spec:\n  template:\n    spec:\n      domain: {devices: {disks: [{name: d}]}}\n"
             "      volumes: [{name: d, persistentVolumeClaim: {claimName: pvc-dest}}]\n"
             "---\napiVersion: kubevirt.io/v1\nkind: VirtualMachineInstanceMigration\n"
             "metadata: {name: m}\nspec:\n  vmiName: vm\n  localStorageMigration:\n"
             "    migrateNonSharedDisks: [{sourcePvc: a, destinationPvc: pvc-dest}]\n",
             "\"pvc-dest\" is in use by VirtualMachine other"},
        Case{"DestinationIsAlsoASource",
             "apiVersion: kubevirt.io/v1\nkind: VirtualMachineInstanceMigration\n"
             "metadata: {name: m}\nspec:\n  vmiName: vm\n  localStorageMigration:\n"
             "    migrateNonSharedDisks: [{sourcePvc: a, destinationPvc: b}, "
             "{sourcePvc: b, destinationPvc: c}]\n",
             "destinationPvc: \"b\" is also a source"},
        Case{"ReclaimPolicyWithoutDisks",
             "apiVersion: kubevirt.io/v1\nkind: VirtualMachineInstanceMigration\n"
             "metadata: {name: m}\nspec:\n  vmiName: vm\n  localStorageMigration: "
             "{reclaimPolicySourcePvc: Delete}\n",
             "warning: spec.localStorageMigration.reclaimPolicySourcePvc: has no effect"},
        Case{"PlanNeedsTargetNamespaceAndVms",
             "apiVersion: forklift.konveyor.io/v1beta1\nkind: Plan\nmetadata: {name: p}\n"
             "spec:\n  provider: {source: {name: ovirt}, destination: {name: host}}\n",
             "spec.targetNamespace: required"},
        Case{"PlanVmListedTwice",
             "apiVersion: forklift.konveyor.io/v1beta1\nkind: Plan\nmetadata: {name: p}\n"
             "spec:\n  provider: {source: {name: ovirt}, destination: {name: host}}\n"
             "  targetNamespace: t\n  vms: [{id: a1}, {id: a1}]\n",
             "spec.vms[1].id: VM \"a1\" is listed twice"},
        Case{"ProviderNeedsHttpsAndSecret",
             "apiVersion: forklift.konveyor.io/v1beta1\nkind: Provider\nmetadata: {name: p}\n"
             "spec: {type: ovirt, url: http://engine/ovirt-engine/api}\n",
             "an oVirt engine URL must use https://"},
        Case{"FinalizerName",
             Replace(kPvc, "namespace: target}", "namespace: target, finalizers: [\"a b\"]}"),
             "metadata.finalizers[0]: \"a b\""},
        Case{"AnnotationKey",
             Replace(kPvc, "namespace: target}", "namespace: target, annotations: {\"-x\": y}}"),
             "metadata.annotations[-x]: \"-x\""},
        Case{"AnnotationsTooLarge",
             Replace(kPvc, "namespace: target}",
                     "namespace: target, annotations: {big: " + std::string(262145, 'x') + "}}"),
             "metadata.annotations: annotations size 262148 is larger than limit 262144"},
        Case{"NamespaceIsALabel",
             Replace(kPvc, "namespace: target}", "namespace: a.b}"),
             "metadata.namespace: \"a.b\""}),
    [](const testing::TestParamInfo<Case>& info) { return info.param.name; });

}  // namespace
}  // namespace ferry::validation
