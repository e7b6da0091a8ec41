#include "core/storage_migration/admission.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "api/validation/kubevirt_validation.h"
#include "core/storage_migration/view_loader_testing.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::storage_migration {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// A running VM with a DataVolume root disk and a PVC data disk, both RWO, and
// destinations for both.
const std::string kWorld = Docs({kRunningVmi, R"(
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: root-dv, namespace: ns}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
status: {phase: Bound, capacity: {storage: 1Gi}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data-pvc, namespace: ns}
spec: {accessModes: [ReadWriteOnce], volumeMode: Block, resources: {requests: {storage: 2Gi}}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: root-dest, namespace: ns}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data-dest, namespace: ns}
spec: {accessModes: [ReadWriteOnce], volumeMode: Block, resources: {requests: {storage: 2Gi}}}
)"});

constexpr char kMigration[] = R"(
apiVersion: kubevirt.io/v1
kind: VirtualMachineInstanceMigration
metadata: {name: mig, namespace: ns, uid: u-1}
spec:
  vmiName: vm
  localStorageMigration:
    migrateNonSharedDisks:
    - {sourcePvc: root-dv, destinationPvc: root-dest}
    - {sourcePvc: data-pvc, destinationPvc: data-dest}
)";

Admission AdmitText(const std::string& world, const std::string& migration = kMigration) {
  const LoadedView w = LoadView(world, migration);
  return Admit(w.migration, w.view);
}

TEST(Admission, AdmitsAValidMigration) {
  const Admission a = AdmitText(kWorld);
  EXPECT_EQ(a.verdict, Verdict::kAdmit);
  EXPECT_THAT(a.reasons, IsEmpty());
}

TEST(Admission, WaitsForASourceClaimTheCacheHasNotSeenYet) {
  // The VMI runs on data-pvc; a reader whose claims lag its VMIs waits.
  const std::string world = absl::StrReplaceAll(
      kWorld, {{"metadata: {name: data-pvc, namespace: ns}", "metadata: {name: elsewhere, namespace: ns}"}});
  ASSERT_NE(world, kWorld);
  const Admission a = AdmitText(world);
  EXPECT_EQ(a.verdict, Verdict::kWait);
  EXPECT_EQ(a.wait_reason, kWaitingForSource);
  EXPECT_THAT(a.reasons,
              ElementsAre("spec.localStorageMigration.migrateNonSharedDisks[1].sourcePvc: waiting "
                          "for PersistentVolumeClaim ns/data-pvc (a volume of the "
                          "VirtualMachineInstance) to be seen"));
}

TEST(Admission, WaitsForAVmiThatDoesNotExistYet) {
  const Admission a = AdmitText(kWorld, Edit(kMigration, "vmiName: vm", "vmiName: vm-2"));
  EXPECT_EQ(a.verdict, Verdict::kWait);
  EXPECT_EQ(a.wait_reason, kWaitingForVmi);
  EXPECT_THAT(a.reasons,
              ElementsAre("spec.vmiName: waiting for VirtualMachineInstance ns/vm-2 to exist"));
}

TEST(Admission, WaitsForAVmiStillStarting) {
  const Admission a = AdmitText(Edit(kWorld, "phase: Running", "phase: Scheduling"));
  EXPECT_EQ(a.verdict, Verdict::kWait);
  EXPECT_THAT(a.reasons, ElementsAre(HasSubstr("to run (it is Scheduling)")));
}

TEST(Admission, RejectsAVmiThatStopped) {
  const Admission a = AdmitText(Edit(kWorld, "phase: Running", "phase: Succeeded"));
  EXPECT_EQ(a.verdict, Verdict::kReject);
  EXPECT_THAT(a.reasons, ElementsAre(HasSubstr("is Succeeded, not Running")));
}

TEST(Admission, RejectsAVmiAlreadyMigrating) {
  const std::string other = R"(
---
apiVersion: kubevirt.io/v1
kind: VirtualMachineInstanceMigration
metadata: {name: earlier, namespace: ns}
spec: {vmiName: vm}
status: {phase: Running}
)";
  const Admission a = AdmitText(std::string(kWorld) + other);
  EXPECT_EQ(a.verdict, Verdict::kReject);
  EXPECT_THAT(a.reasons, ElementsAre(HasSubstr(
      "already being migrated by VirtualMachineInstanceMigration earlier (Running)")));
  // A finished one does not count.
  EXPECT_EQ(AdmitText(std::string(kWorld) + Edit(other, "phase: Running", "phase: Failed"))
                .verdict,
            Verdict::kAdmit);
}

// Two migrations of one VM that both await admission: the older goes first
// (creation timestamp, then uid), the other is refused naming it; the order
// is the same whichever of the two is being admitted.
TEST(Admission, OfTwoPendingMigrationsTheOlderWins) {
  struct Case {
    std::string mine_created, mine_uid, other_created, other_uid;
    Verdict want;
  };
  const Case cases[] = {
      {"2026-01-01T10:00:05Z", "u-1", "2026-01-01T10:00:04Z", "u-9", Verdict::kReject},
      {"2026-01-01T10:00:04Z", "u-9", "2026-01-01T10:00:05Z", "u-1", Verdict::kAdmit},
      {"2026-01-01T10:00:05Z", "u-2", "2026-01-01T10:00:05Z", "u-1", Verdict::kReject},
      {"2026-01-01T10:00:05Z", "u-1", "2026-01-01T10:00:05Z", "u-2", Verdict::kAdmit},
  };
  for (const Case& c : cases) {
    for (const std::string phase : {"", "status: {phase: Pending}\n"}) {
      const std::string other = absl::StrCat(
          "---\napiVersion: kubevirt.io/v1\nkind: VirtualMachineInstanceMigration\n"
          "metadata: {name: other, namespace: ns, uid: ", c.other_uid,
          ", creationTimestamp: \"", c.other_created, "\"}\nspec: {vmiName: vm}\n", phase);
      const std::string mine = Edit(
          kMigration, "uid: u-1}",
          absl::StrCat("uid: ", c.mine_uid, ", creationTimestamp: \"", c.mine_created, "\"}"));
      const Admission a = AdmitText(std::string(kWorld) + other, mine);
      SCOPED_TRACE(absl::StrCat(c.mine_created, " ", c.mine_uid, " vs ", c.other_created, " ",
                                c.other_uid, " ", phase));
      EXPECT_EQ(a.verdict, c.want);
      if (c.want == Verdict::kReject) {
        EXPECT_THAT(a.reasons, ElementsAre(HasSubstr(
            "already being migrated by VirtualMachineInstanceMigration other (Pending)")));
      }
    }
  }
}

// An admitted migration blocks a pending one of the same VM even when it is
// the newer (a stale read let it through first): admission never takes back.
TEST(Admission, AnAdmittedMigrationBlocksAnOlderPendingOne) {
  const std::string other = R"(
---
apiVersion: kubevirt.io/v1
kind: VirtualMachineInstanceMigration
metadata: {name: newer, namespace: ns, uid: u-9, creationTimestamp: "2026-01-01T10:00:09Z"}
spec: {vmiName: vm}
status: {phase: Scheduling}
)";
  const Admission a = AdmitText(
      std::string(kWorld) + other,
      Edit(kMigration, "uid: u-1}", "uid: u-1, creationTimestamp: \"2026-01-01T10:00:01Z\"}"));
  EXPECT_EQ(a.verdict, Verdict::kReject);
  EXPECT_THAT(a.reasons, ElementsAre(HasSubstr(
      "already being migrated by VirtualMachineInstanceMigration newer (Scheduling)")));
}

// Absent, or explicit and empty: a storage migration naming no disk is
// refused with the words `ferry lint` warns with.
TEST(Admission, RejectsAnEmptyList) {
  for (const std::string spec : {"{vmiName: vm}", "{vmiName: vm, localStorageMigration: {}}",
                                 "{vmiName: vm, localStorageMigration: "
                                 "{migrateNonSharedDisks: []}}"}) {
    const Admission a = AdmitText(
        kWorld, absl::StrCat("apiVersion: kubevirt.io/v1\nkind: VirtualMachineInstanceMigration\n"
                             "metadata: {name: mig, namespace: ns}\nspec: ", spec, "\n"));
    EXPECT_EQ(a.verdict, Verdict::kReject) << spec;
    EXPECT_THAT(a.reasons, Contains(absl::StrCat(
                               "spec.localStorageMigration.migrateNonSharedDisks: ",
                               validation::kNoDiskPairs)))
        << spec;
  }
}

TEST(Admission, RejectsASourceThatIsNotAVolumeOfTheVmi) {
  const Admission a = AdmitText(kWorld, Edit(kMigration, "sourcePvc: data-pvc", "sourcePvc: other"));
  EXPECT_EQ(a.verdict, Verdict::kReject);
  EXPECT_THAT(a.reasons, Contains(
      "spec.localStorageMigration.migrateNonSharedDisks[1].sourcePvc: \"other\" is not a "
      "persistentVolumeClaim or dataVolume volume of VirtualMachineInstance ns/vm (its "
      "claims: root-dv, data-pvc)"));
}

TEST(Admission, RejectsRepeatedAndSelfPairsAsLintDoes) {
  const Admission a = AdmitText(
      kWorld, Edit(kMigration, "{sourcePvc: data-pvc, destinationPvc: data-dest}",
                   "{sourcePvc: root-dv, destinationPvc: root-dv}"));
  EXPECT_EQ(a.verdict, Verdict::kReject);
  EXPECT_THAT(a.reasons, Contains(HasSubstr("duplicate source PVC \"root-dv\"")));
  EXPECT_THAT(a.reasons, Contains(HasSubstr("must differ from sourcePvc")));
}

TEST(Admission, RejectsAnUnknownReclaimPolicy) {
  const Admission a = AdmitText(
      kWorld, Edit(kMigration, "    migrateNonSharedDisks:",
                   "    reclaimPolicySourcePvc: Retain\n    migrateNonSharedDisks:"));
  EXPECT_EQ(a.verdict, Verdict::kReject);
  EXPECT_THAT(a.reasons, Contains(HasSubstr("reclaimPolicySourcePvc: unsupported value")));
}

TEST(Admission, RejectsADestinationInUseByAnotherVm) {
  const std::string other = R"(
---
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata: {name: other, namespace: ns}
spec:
  template:
    spec:
      domain: {devices: {disks: [{name: d}]}}
      volumes: [{name: d, persistentVolumeClaim: {claimName: root-dest}}]
)";
  const Admission a = AdmitText(std::string(kWorld) + other);
  EXPECT_EQ(a.verdict, Verdict::kReject);
  EXPECT_THAT(a.reasons, ElementsAre(HasSubstr(
      "migrateNonSharedDisks[0].destinationPvc: \"root-dest\" is in use by "
      "VirtualMachine other")));
}

TEST(Admission, RejectsASmallerDestinationBeforeAnyCopy) {
  const Admission a = AdmitText(Edit(kWorld, "name: root-dest, namespace: ns}\n"
                                             "spec: {accessModes: [ReadWriteOnce], resources: "
                                             "{requests: {storage: 1Gi}}}",
                                     "name: root-dest, namespace: ns}\n"
                                     "spec: {accessModes: [ReadWriteOnce], resources: "
                                     "{requests: {storage: 512Mi}}}"));
  EXPECT_EQ(a.verdict, Verdict::kReject);
  EXPECT_THAT(a.reasons, ElementsAre(
      "spec.localStorageMigration.migrateNonSharedDisks[0].destinationPvc: \"root-dest\" "
      "(512Mi) is smaller than its source \"root-dv\" (1Gi)"));
}

TEST(Admission, AdmitsALargerDestination) {
  const std::string line =
      "name: root-dest, namespace: ns}\nspec: {accessModes: [ReadWriteOnce], resources: "
      "{requests: {storage: ";
  EXPECT_EQ(AdmitText(Edit(kWorld, line + "1Gi}}}", line + "10Gi}}}")).verdict, Verdict::kAdmit);
}

TEST(Admission, BlockToFilesystemNeedsRoomForTheFilesystem) {
  // data-pvc is a 2Gi Block volume; a 2Gi Filesystem destination is too small.
  const std::string to_fs = Edit(kWorld,
      "name: data-dest, namespace: ns}\nspec: {accessModes: [ReadWriteOnce], volumeMode: Block,",
      "name: data-dest, namespace: ns}\nspec: {accessModes: [ReadWriteOnce],");
  const Admission a = AdmitText(to_fs);
  EXPECT_EQ(a.verdict, Verdict::kReject);
  EXPECT_THAT(a.reasons, ElementsAre(HasSubstr("plus 5.5% filesystem overhead")));
  const std::string dest =
      "name: data-dest, namespace: ns}\nspec: {accessModes: [ReadWriteOnce], resources: "
      "{requests: {storage: ";
  EXPECT_EQ(AdmitText(Edit(to_fs, dest + "2Gi}}}", dest + "3Gi}}}")).verdict, Verdict::kAdmit);
}

TEST(Admission, WaitsForADestinationThatDoesNotExistYet) {
  const std::string world = Edit(kWorld,
      "---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: root-dest, "
      "namespace: ns}\nspec: {accessModes: [ReadWriteOnce], resources: {requests: "
      "{storage: 1Gi}}}\n",
      "");
  const Admission a = AdmitText(world);
  EXPECT_EQ(a.verdict, Verdict::kWait);
  EXPECT_THAT(a.reasons, ElementsAre(
      "spec.localStorageMigration.migrateNonSharedDisks[0].destinationPvc: waiting for "
      "PersistentVolumeClaim ns/root-dest to be created"));
}

// A DataVolume root-dest with `source` (a YAML flow mapping) in `phase`
// ("" for no status yet).
std::string DestinationDv(absl::string_view source, absl::string_view phase) {
  return absl::StrCat(
      "\n---\napiVersion: cdi.kubevirt.io/v1beta1\nkind: DataVolume\n"
      "metadata: {name: root-dest, namespace: ns}\nspec:\n  source: ", source,
      "\n  storage: {resources: {requests: {storage: 1Gi}}}\n",
      phase.empty() ? "" : absl::StrCat("status: {phase: ", phase, "}\n"));
}

constexpr char kBlank[] = "{blank: {}}";

TEST(Admission, WaitsForADestinationDataVolumeStillImporting) {
  const Admission a = AdmitText(kWorld + DestinationDv(kBlank, "ImportInProgress"));
  EXPECT_EQ(a.verdict, Verdict::kWait);
  EXPECT_THAT(a.reasons, ElementsAre(HasSubstr("to finish (ImportInProgress)")));
  EXPECT_EQ(AdmitText(kWorld + DestinationDv(kBlank, "Succeeded")).verdict, Verdict::kAdmit);
}

// A blank DataVolume on a WaitForFirstConsumer class waits for a consumer,
// and the target launcher pod is that consumer: waiting for it to finish
// would wait forever.
TEST(Admission, AdmitsABlankDestinationWaitingForItsFirstConsumer) {
  EXPECT_EQ(AdmitText(kWorld + DestinationDv(kBlank, "WaitForFirstConsumer")).verdict,
            Verdict::kAdmit);
  EXPECT_EQ(AdmitText(kWorld + DestinationDv(kBlank, "PendingPopulation")).verdict,
            Verdict::kAdmit);
  // Not yet handed to CDI: still a wait.
  EXPECT_EQ(AdmitText(kWorld + DestinationDv(kBlank, "")).verdict, Verdict::kWait);
}

// One that would import data once its consumer exists would race the copy.
TEST(Admission, RejectsAnImportingDestinationWaitingForItsFirstConsumer) {
  const Admission a = AdmitText(
      kWorld + DestinationDv("{http: {url: \"https://example.com/disk.img\"}}",
                             "WaitForFirstConsumer"));
  EXPECT_EQ(a.verdict, Verdict::kReject);
  EXPECT_THAT(a.reasons, ElementsAre(
      "spec.localStorageMigration.migrateNonSharedDisks[0].destinationPvc: DataVolume "
      "ns/root-dest waits for a first consumer (WaitForFirstConsumer) to import its source, "
      "which would race the copy: use a blank DataVolume or a PersistentVolumeClaim"));
}

TEST(Admission, RejectsAnRwoVolumeLeftOutOfTheList) {
  const Admission a = AdmitText(
      kWorld, Edit(kMigration, "    - {sourcePvc: data-pvc, destinationPvc: data-dest}\n", ""));
  EXPECT_EQ(a.verdict, Verdict::kReject);
  EXPECT_THAT(a.reasons, ElementsAre(
      "spec.localStorageMigration.migrateNonSharedDisks: volume \"data\" (claim "
      "\"data-pvc\") is not ReadWriteMany and not in the list: the VM could not move "
      "without it; add a pair for it"));
}

TEST(Admission, AllowsAnRwxVolumeLeftOutButNotANodeLocalOne) {
  const std::string rwx = Edit(kWorld,
      "name: data-pvc, namespace: ns}\nspec: {accessModes: [ReadWriteOnce]",
      "name: data-pvc, namespace: ns}\nspec: {volumeName: pv-local, accessModes: [ReadWriteMany]");
  const std::string only_root =
      Edit(kMigration, "    - {sourcePvc: data-pvc, destinationPvc: data-dest}\n", "");
  EXPECT_EQ(AdmitText(rwx, only_root).verdict, Verdict::kAdmit);
  const std::string local_pv = R"(
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: pv-local}
spec:
  capacity: {storage: 2Gi}
  accessModes: [ReadWriteMany]
  local: {path: /mnt/disks/d1}
  nodeAffinity: {required: {nodeSelectorTerms: [{matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [node-a]}]}]}}
)";
  const Admission a = AdmitText(rwx + local_pv, only_root);
  EXPECT_EQ(a.verdict, Verdict::kReject);
  EXPECT_THAT(a.reasons, ElementsAre(HasSubstr("is on a node-local PersistentVolume")));
}

TEST(Admission, RejectsLunShareableAndVirtiofsSources) {
  const std::string lun = Edit(kWorld, "- {name: data, disk: {bus: virtio}}",
                               "- {name: data, lun: {bus: scsi}}");
  EXPECT_THAT(AdmitText(lun).reasons, ElementsAre(HasSubstr("is a LUN disk")));
  const std::string shared = Edit(kWorld, "- {name: data, disk: {bus: virtio}}",
                                  "- {name: data, shareable: true, disk: {bus: virtio}}");
  EXPECT_THAT(AdmitText(shared).reasons, ElementsAre(HasSubstr("is shareable")));
  const std::string fs = Edit(kWorld, "      - {name: data, disk: {bus: virtio}}\n",
                              "      filesystems: [{name: data, virtiofs: {}}]\n");
  EXPECT_THAT(AdmitText(fs).reasons, ElementsAre(HasSubstr("is a virtiofs filesystem")));
}

TEST(Admission, ReportsEveryBrokenRuleAtOnce) {
  const Admission a = AdmitText(
      Edit(kWorld, "phase: Running", "phase: Failed"),
      Edit(kMigration, "sourcePvc: data-pvc", "sourcePvc: nope"));
  EXPECT_EQ(a.verdict, Verdict::kReject);
  EXPECT_GE(a.reasons.size(), 3u);  // stopped, unknown source, data left behind
}

// The VMI ns/vm with a container disk root (its image's virtual size 2Gi as
// the node reports it) and a claim data disk on RWX storage.
const std::string kContainerDiskWorld = Docs({R"(
apiVersion: kubevirt.io/v1
kind: VirtualMachineInstance
metadata: {name: vm, namespace: ns}
spec:
  domain:
    devices:
      disks:
      - {name: root, disk: {bus: virtio}}
      - {name: data, disk: {bus: virtio}}
  volumes:
  - {name: root, containerDisk: {image: quay.io/containerdisks/alpine}}
  - {name: data, persistentVolumeClaim: {claimName: data-pvc}}
status:
  phase: Running
  nodeName: node-a
  volumeStatus: [{name: root, size: 2147483648}]
)", R"(
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data-pvc, namespace: ns}
spec: {accessModes: [ReadWriteMany], resources: {requests: {storage: 2Gi}}}
)", R"(
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: root-pvc, namespace: ns}
spec: {accessModes: [ReadWriteOnce], volumeMode: Block, resources: {requests: {storage: 2Gi}}}
)"});

constexpr char kContainerDiskMigration[] = R"(
apiVersion: kubevirt.io/v1
kind: VirtualMachineInstanceMigration
metadata: {name: mig, namespace: ns, uid: u-1}
spec:
  vmiName: vm
  localStorageMigration:
    migrateNonSharedDisks:
    - {sourceVolume: root, destinationPvc: root-pvc}
)";

TEST(Admission, AdmitsAContainerDiskOntoAClaimOfItsVirtualSize) {
  const Admission a = AdmitText(kContainerDiskWorld, kContainerDiskMigration);
  EXPECT_EQ(a.verdict, Verdict::kAdmit) << testing::PrintToString(a.reasons);
}

TEST(Admission, RejectsADestinationSmallerThanTheImagesVirtualSize) {
  const Admission a = AdmitText(Edit(kContainerDiskWorld, "volumeMode: Block, resources: {requests: {storage: 2Gi}}",
                                     "volumeMode: Block, resources: {requests: {storage: 1Gi}}"),
                                kContainerDiskMigration);
  EXPECT_EQ(a.verdict, Verdict::kReject);
  EXPECT_THAT(a.reasons, ElementsAre(
      "spec.localStorageMigration.migrateNonSharedDisks[0].destinationPvc: \"root-pvc\" (1Gi) "
      "is smaller than the virtual size of container disk \"root\" (2Gi, image "
      "quay.io/containerdisks/alpine)"));
  // A Filesystem destination holds the image as a file: room for the
  // filesystem too.
  const std::string filesystem = Edit(kContainerDiskWorld, "volumeMode: Block, ", "");
  EXPECT_THAT(AdmitText(filesystem, kContainerDiskMigration).reasons,
              ElementsAre(HasSubstr("plus 5.5% filesystem overhead (a Filesystem destination)")));
  EXPECT_EQ(AdmitText(Edit(filesystem, "{name: root-pvc, namespace: ns}\nspec: {accessModes: "
                                       "[ReadWriteOnce], resources: {requests: {storage: 2Gi",
                           "{name: root-pvc, namespace: ns}\nspec: {accessModes: "
                           "[ReadWriteOnce], resources: {requests: {storage: 3Gi"),
                      kContainerDiskMigration)
                .verdict,
            Verdict::kAdmit);
}

TEST(Admission, RejectsAContainerDiskLeftOutOfTheList) {
  const Admission a = AdmitText(
      kContainerDiskWorld,
      Edit(kContainerDiskMigration, "{sourceVolume: root, destinationPvc: root-pvc}",
           "{sourcePvc: data-pvc, destinationPvc: root-pvc}"));
  EXPECT_EQ(a.verdict, Verdict::kReject);
  EXPECT_THAT(a.reasons, Contains(HasSubstr(
      "migrateNonSharedDisks: volume \"root\" is a containerDisk: the guest's writes to it are "
      "in an overlay on the source node, which Ferry moves only onto a claim; add "
      "{sourceVolume: root, destinationPvc: <a new claim>}")));
}

TEST(Admission, WaitsUntilTheNodeReportsTheImagesVirtualSize) {
  const Admission a = AdmitText(
      Edit(kContainerDiskWorld, "  volumeStatus: [{name: root, size: 2147483648}]\n", ""),
      kContainerDiskMigration);
  EXPECT_EQ(a.verdict, Verdict::kWait);
  EXPECT_EQ(a.wait_reason, kWaitingForSource);
  EXPECT_THAT(a.reasons, ElementsAre(HasSubstr(
      "sourceVolume: waiting for the node to report the virtual size of container disk "
      "\"root\"")));
}

TEST(Admission, RejectsASourceVolumeThatIsNoContainerDisk) {
  const Admission claim = AdmitText(
      kContainerDiskWorld, Edit(kContainerDiskMigration, "sourceVolume: root", "sourceVolume: data"));
  EXPECT_EQ(claim.verdict, Verdict::kReject);
  EXPECT_THAT(claim.reasons, Contains(HasSubstr(
      "[0].sourceVolume: volume \"data\" stands on claim \"data-pvc\": name it with sourcePvc")));
  const Admission missing = AdmitText(
      kContainerDiskWorld, Edit(kContainerDiskMigration, "sourceVolume: root", "sourceVolume: boot"));
  EXPECT_THAT(missing.reasons, Contains(HasSubstr(
      "\"boot\" is not a volume of VirtualMachineInstance ns/vm (its containerDisk volumes: "
      "root)")));
  // A container disk named as a claim: the message says how to name it.
  const Admission as_claim = AdmitText(
      kContainerDiskWorld, Edit(kContainerDiskMigration, "sourceVolume: root", "sourcePvc: root"));
  EXPECT_THAT(as_claim.reasons, Contains(HasSubstr(
      "(its claims: data-pvc); a containerDisk volume is named with sourceVolume")));
}

}  // namespace
}  // namespace ferry::storage_migration
