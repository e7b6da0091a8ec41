#include "core/storage_migration/volume_update.h"

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "api/conditions.h"
#include "core/storage_migration/view_loader_testing.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::storage_migration {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using VMIM = kubevirt::VirtualMachineInstanceMigration;

const absl::Time kNow = absl::FromCivil(absl::CivilSecond(2024, 5, 1, 10, 1, 0), absl::UTCTimeZone());

// The VM as the user edited it: root moves from its DataVolume to root-dst;
// data stays on an RWX claim.
constexpr char kVm[] = R"(
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata: {name: vm, namespace: ns, uid: vm-uid}
spec:
  runStrategy: Always
  updateVolumesStrategy: Migration
  template:
    spec:
      domain:
        devices:
          disks:
          - {name: root, disk: {bus: virtio}}
          - {name: data, disk: {bus: virtio}}
          - {name: cloudinit, disk: {bus: virtio}}
      volumes:
      - {name: root, persistentVolumeClaim: {claimName: root-dst}}
      - {name: data, persistentVolumeClaim: {claimName: shared}}
      - {name: cloudinit, cloudInitNoCloud: {userData: "#cloud-config"}}
)";

// The VMI as it runs, on the source claims.
constexpr char kVmi[] = R"(
apiVersion: kubevirt.io/v1
kind: VirtualMachineInstance
metadata: {name: vm, namespace: ns, uid: vmi-uid}
spec:
  domain:
    devices:
      disks:
      - {name: root, disk: {bus: virtio}}
      - {name: data, disk: {bus: virtio}}
      - {name: cloudinit, disk: {bus: virtio}}
  volumes:
  - {name: root, dataVolume: {name: root-dv}}
  - {name: data, persistentVolumeClaim: {claimName: shared}}
  - {name: cloudinit, cloudInitNoCloud: {userData: "#cloud-config"}}
status: {phase: Running, nodeName: node-a}
)";

constexpr char kClaims[] = R"(
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: root-dv, namespace: ns}
spec: {accessModes: [ReadWriteOnce], volumeMode: Block, resources: {requests: {storage: 10Gi}}}
status: {phase: Bound, capacity: {storage: 10Gi}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: root-dst, namespace: ns}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 20Gi}}}
status: {phase: Pending}
)";

std::string World(std::initializer_list<absl::string_view> more = {}) {
  std::string out = Docs({kVm, kVmi, kClaims});
  for (absl::string_view d : more) out = Docs({out, d});
  return out;
}

kubevirt::VirtualMachine VmOf(const ClusterView& view) { return *view.vms.front(); }

const kubevirt::VirtualMachine* VmWritten(const KubeAction& a) {
  return dynamic_cast<const kubevirt::VirtualMachine*>(a.object.get());
}

// The writes but the VM's record (tested on its own below).
std::vector<KubeAction> Act(const kubevirt::VirtualMachine& vm, const ClusterView& view,
                            absl::Time now) {
  std::vector<KubeAction> out;
  for (const KubeAction& a : ReconcileVolumeUpdate(vm, view, now)) {
    if (a.verb == KubeAction::Verb::kUpdateStatus && VmWritten(a) != nullptr) continue;
    out.push_back(a);
  }
  return out;
}

template <typename T>
const T& Object(const KubeAction& a) {
  return static_cast<const T&>(*a.object);
}

const k8s::Condition* VolumesChangeOf(const KubeAction& a) {
  return api::FindCondition(Object<kubevirt::VirtualMachineInstance>(a).status().conditions(),
                            kVolumesChange);
}

// The migration the front-end created, as a later reconcile sees it, with
// `status` (YAML of its status) and `meta` (extra metadata fields).
std::string Created(const ClusterView& view, absl::string_view status,
                    absl::string_view meta = "") {
  const std::vector<KubeAction> first = Act(VmOf(view), view, kNow);
  EXPECT_THAT(first, SizeIs(2));
  const std::string name = Object<VMIM>(first.front()).metadata().name();
  return absl::StrCat(R"(
apiVersion: kubevirt.io/v1
kind: VirtualMachineInstanceMigration
metadata: {name: )", name, R"(, namespace: ns, labels: {kubevirt.io/volume-update-migration: vm})",
                      meta, R"(}
spec:
  vmiName: vm
  localStorageMigration:
    migrateNonSharedDisks: [{sourcePvc: root-dv, destinationPvc: root-dst}]
status: )", status);
}

TEST(VolumeUpdate, AChangedClaimBecomesAMigrationOfExactlyThatVolumeLabelledAsKubevirtDoes) {
  const ClusterView view = LoadWorld(World());
  const std::vector<KubeAction> actions = Act(VmOf(view), view, kNow);
  ASSERT_THAT(actions, SizeIs(2));
  EXPECT_EQ(actions[0].verb, KubeAction::Verb::kCreate);
  const VMIM& m = Object<VMIM>(actions[0]);
  EXPECT_EQ(m.metadata().namespace_(), "ns");
  EXPECT_THAT(m.metadata().name(), ::testing::StartsWith("kubevirt-workload-update-vm-"));
  EXPECT_EQ(m.metadata().labels().at("kubevirt.io/volume-update-migration"), "vm");
  EXPECT_TRUE(m.metadata().annotations().contains("kubevirt.io/workloadUpdateMigration"));
  EXPECT_EQ(m.spec().vmi_name(), "vm");
  ASSERT_THAT(m.spec().local_storage_migration().migrate_non_shared_disks(), SizeIs(1));
  const auto& pair = m.spec().local_storage_migration().migrate_non_shared_disks(0);
  EXPECT_EQ(pair.source_pvc(), "root-dv");
  EXPECT_EQ(pair.destination_pvc(), "root-dst");
  EXPECT_EQ(m.spec().local_storage_migration().reclaim_policy_source_pvc(), "");  // KubeVirt keeps it

  EXPECT_EQ(actions[1].verb, KubeAction::Verb::kUpdateStatus);
  const auto& vmi = Object<kubevirt::VirtualMachineInstance>(actions[1]);
  ASSERT_THAT(vmi.status().migrated_volumes(), SizeIs(1));
  const auto& info = vmi.status().migrated_volumes(0);
  EXPECT_EQ(info.volume_name(), "root");
  EXPECT_EQ(info.source_pvc_info().claim_name(), "root-dv");
  EXPECT_THAT(info.source_pvc_info().access_modes(), ElementsAre("ReadWriteOnce"));
  EXPECT_EQ(info.source_pvc_info().volume_mode(), "Block");
  EXPECT_EQ(info.source_pvc_info().capacity().at("storage"), "10Gi");
  EXPECT_EQ(info.source_pvc_info().requests().at("storage"), "10Gi");
  EXPECT_EQ(info.destination_pvc_info().claim_name(), "root-dst");
  EXPECT_EQ(info.destination_pvc_info().volume_mode(), "Filesystem");
  EXPECT_EQ(info.destination_pvc_info().requests().at("storage"), "20Gi");
  EXPECT_TRUE(info.destination_pvc_info().capacity().empty());  // not bound yet
  const k8s::Condition* c = VolumesChangeOf(actions[1]);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->status(), "True");
  EXPECT_THAT(c->message(), HasSubstr("root (root-dv -> root-dst)"));
  EXPECT_THAT(c->message(), HasSubstr(m.metadata().name()));
  // The VMI's spec is not touched: it switches only after the copy.
  EXPECT_EQ(vmi.spec().volumes(0).data_volume().name(), "root-dv");
}

TEST(VolumeUpdate, ARestartedFrontEndFindsWhatItCreatedAndWritesNothing) {
  ClusterView view = LoadWorld(World());
  const std::vector<KubeAction> first = Act(VmOf(view), view, kNow);
  ASSERT_THAT(first, SizeIs(2));
  view.migrations.push_back(std::make_shared<const VMIM>(Object<VMIM>(first[0])));
  view.vmis = {std::make_shared<const kubevirt::VirtualMachineInstance>(
      Object<kubevirt::VirtualMachineInstance>(first[1]))};
  EXPECT_THAT(Act(VmOf(view), view, kNow + absl::Minutes(1)), IsEmpty());
}

TEST(VolumeUpdate, OnlyTheMigrationStrategyAndARunningVmiAreActedOn) {
  EXPECT_THAT(Act(VmOf(LoadWorld(World())), LoadWorld(World()), kNow), SizeIs(2));
  for (const std::string& world :
       {Edit(World(), "  updateVolumesStrategy: Migration\n", ""),
        Edit(World(), "updateVolumesStrategy: Migration", "updateVolumesStrategy: ReplacementOnly"),
        Edit(World(), "status: {phase: Running, nodeName: node-a}", "status: {phase: Scheduling}")}) {
    const ClusterView view = LoadWorld(world);
    EXPECT_THAT(Act(VmOf(view), view, kNow), IsEmpty()) << world;
  }
  const ClusterView no_vmi = LoadWorld(Docs({kVm, kClaims}));
  EXPECT_THAT(Act(VmOf(no_vmi), no_vmi, kNow), IsEmpty());
}

TEST(VolumeUpdate, RevertingBeforeTheSwitchoverCancels) {
  const ClusterView started = LoadWorld(World());
  const std::string running =
      Created(started, "{phase: Running}", ", resourceVersion: \"41\"");
  // The user puts the source back.
  const ClusterView view = LoadWorld(Docs(
      {Edit(kVm, "{claimName: root-dst}", "{claimName: root-dv}"), kVmi, kClaims, running}));
  const std::vector<KubeAction> actions = Act(VmOf(view), view, kNow);
  ASSERT_THAT(actions, SizeIs(2));
  // The status first: a restart between the two finds the migration and
  // deletes it again, the status already saying why.
  const k8s::Condition* c = VolumesChangeOf(actions[0]);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->status(), "False");
  EXPECT_EQ(c->reason(), "VolumesChangeCancellation");
  EXPECT_THAT(Object<kubevirt::VirtualMachineInstance>(actions[0]).status().migrated_volumes(),
              IsEmpty());
  EXPECT_EQ(actions[1].verb, KubeAction::Verb::kDelete);
  EXPECT_EQ(actions[1].key.kind, "VirtualMachineInstanceMigration");
  EXPECT_EQ(actions[1].key.name, Object<VMIM>(Act(VmOf(started), started, kNow)[0])
                                     .metadata()
                                     .name());
  // Only at the version read: a switchover recorded since refuses it.
  EXPECT_EQ(actions[1].resource_version, "41");
  // Restarted after the status only: the delete again, nothing else.
  kubevirt::VirtualMachineInstance said = Object<kubevirt::VirtualMachineInstance>(actions[0]);
  ClusterView again = view;
  again.vmis = {std::make_shared<const kubevirt::VirtualMachineInstance>(said)};
  const std::vector<KubeAction> retry = Act(VmOf(again), again, kNow);
  ASSERT_THAT(retry, SizeIs(1));
  EXPECT_EQ(retry[0].verb, KubeAction::Verb::kDelete);
}

TEST(VolumeUpdate, ARevertAfterTheSwitchoverIsRecordedComesTooLate) {
  const ClusterView started = LoadWorld(World());
  const std::string decided =
      Created(started, "{phase: Running, switchover: {side: Destination}}");
  const ClusterView view = LoadWorld(Docs(
      {Edit(kVm, "{claimName: root-dst}", "{claimName: root-dv}"), kVmi, kClaims, decided}));
  const std::vector<KubeAction> actions = Act(VmOf(view), view, kNow);
  for (const KubeAction& a : actions) EXPECT_NE(a.verb, KubeAction::Verb::kDelete) << a.what;
  ASSERT_THAT(actions, SizeIs(1));
  EXPECT_THAT(VolumesChangeOf(actions[0])->message(), HasSubstr("recorded the switchover"));
  // What moves, named again (a cancel that lost the race had emptied it).
  const auto& moving = Object<kubevirt::VirtualMachineInstance>(actions[0]).status().migrated_volumes();
  ASSERT_THAT(moving, SizeIs(1));
  EXPECT_EQ(moving[0].volume_name(), "root");
  EXPECT_EQ(moving[0].destination_pvc_info().claim_name(), "root-dst");
}

TEST(VolumeUpdate, AnotherTargetMidMigrationIsRefusedAndTheMigrationGoesOn) {
  const ClusterView started = LoadWorld(World());
  const std::string running = Created(started, "{phase: Running}");
  for (const std::string& vm :
       {Edit(kVm, "{claimName: root-dst}", "{claimName: elsewhere}"),
        // A second volume changed too: not a revert, not the same set.
        Edit(kVm, "{claimName: shared}", "{claimName: shared-2}")}) {
    const ClusterView view = LoadWorld(Docs({vm, kVmi, kClaims, running}));
    const std::vector<KubeAction> actions = Act(VmOf(view), view, kNow);
    ASSERT_THAT(actions, SizeIs(1)) << vm;
    EXPECT_EQ(actions[0].verb, KubeAction::Verb::kUpdateStatus);
    const k8s::Condition* c = VolumesChangeOf(actions[0]);
    EXPECT_EQ(c->status(), "True");
    EXPECT_THAT(c->message(), HasSubstr("refused"));
    EXPECT_THAT(c->message(), HasSubstr("can only be reverted"));
  }
}

TEST(VolumeUpdate, AFailedMigrationIsReportedAndNotRetriedInALoop) {
  const ClusterView started = LoadWorld(World());
  const std::string failed = Created(
      started, R"({phase: Failed, conditions: [{type: Failed, status: "True", reason: Rejected,
                  message: "spec.localStorageMigration: volume \"data\" is shareable"}]})");
  const ClusterView view = LoadWorld(Docs({kVm, kVmi, kClaims, failed}));
  const std::vector<KubeAction> actions = Act(VmOf(view), view, kNow);
  ASSERT_THAT(actions, SizeIs(1));
  EXPECT_EQ(actions[0].verb, KubeAction::Verb::kUpdateStatus);
  const k8s::Condition* c = VolumesChangeOf(actions[0]);
  EXPECT_EQ(c->status(), "False");
  EXPECT_EQ(c->reason(), "VolumesChangeFailed");
  EXPECT_THAT(c->message(), HasSubstr("Rejected: spec.localStorageMigration: volume \"data\" is shareable"));
  EXPECT_THAT(c->message(), HasSubstr("delete"));
  // Being deleted: nothing until it is gone; then a new one.
  const ClusterView deleting = LoadWorld(Docs(
      {kVm, kVmi, kClaims,
       Created(started, "{phase: Failed}", ", deletionTimestamp: \"2024-05-01T10:00:30Z\"")}));
  EXPECT_THAT(Act(VmOf(deleting), deleting, kNow), IsEmpty());
}

TEST(VolumeUpdate, SuccessClearsTheConditionAndKeepsMigratedVolumes) {
  const ClusterView started = LoadWorld(World());
  const std::vector<KubeAction> first = Act(VmOf(started), started, kNow);
  ASSERT_THAT(first, SizeIs(2));
  kubevirt::VirtualMachineInstance vmi = Object<kubevirt::VirtualMachineInstance>(first[1]);
  // The controller switched the VMI at the end.
  vmi.mutable_spec()->mutable_volumes(0)->clear_data_volume();
  vmi.mutable_spec()->mutable_volumes(0)->mutable_persistent_volume_claim()->set_claim_name("root-dst");
  ClusterView view = LoadWorld(Docs({kVm, kClaims, Created(started, "{phase: Succeeded}")}));
  view.vmis = {std::make_shared<const kubevirt::VirtualMachineInstance>(vmi)};
  const std::vector<KubeAction> actions = Act(VmOf(view), view, kNow);
  ASSERT_THAT(actions, SizeIs(1));
  const auto& settled = Object<kubevirt::VirtualMachineInstance>(actions[0]);
  EXPECT_EQ(api::FindCondition(settled.status().conditions(), kVolumesChange), nullptr);
  EXPECT_THAT(settled.status().migrated_volumes(), SizeIs(1));
}

// KubeVirt's volume update moves claims only: a containerDisk edited to a
// claim is refused as a whole, naming the migration that moves it, and
// nothing is created or recorded.
TEST(VolumeUpdate, AContainerDiskEditedToAClaimIsRefusedNamingTheMigrationPair) {
  const ClusterView view = LoadWorld(Edit(World(), "  - {name: data, persistentVolumeClaim: {claimName: shared}}\n  - {name: cloudinit",
                                          "  - {name: data, containerDisk: {image: quay.io/x}}\n  - {name: cloudinit"));
  const std::vector<KubeAction> actions = ReconcileVolumeUpdate(VmOf(view), view, kNow);
  ASSERT_THAT(actions, SizeIs(1));
  EXPECT_EQ(actions[0].verb, KubeAction::Verb::kUpdateStatus);
  const k8s::Condition* c = VolumesChangeOf(actions[0]);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->status(), "False");
  EXPECT_EQ(c->reason(), kVolumesChangeFailed);
  EXPECT_THAT(c->message(), HasSubstr("naming {sourceVolume: data, destinationPvc: shared}"));
}

TEST(VolumeUpdate, ChangedVolumesAreClaimVolumesInBothSpecs) {
  kubevirt::VirtualMachineInstanceSpec running, wanted;
  auto add = [](kubevirt::VirtualMachineInstanceSpec& s, const std::string& name,
                const std::string& claim, bool dv = false) {
    kubevirt::Volume* v = s.add_volumes();
    v->set_name(name);
    if (claim.empty()) {
      v->mutable_container_disk()->set_image("img");
    } else if (dv) {
      v->mutable_data_volume()->set_name(claim);
    } else {
      v->mutable_persistent_volume_claim()->set_claim_name(claim);
    }
  };
  add(running, "a", "a-src", /*dv=*/true);
  add(running, "b", "b-src");
  add(running, "c", "");           // a container disk: not a claim
  add(running, "hot", "hot-src");  // hot-plugged: only in the VMI
  add(wanted, "b", "b-src");
  add(wanted, "a", "a-dst");
  add(wanted, "c", "c-dst");
  add(wanted, "new", "new-claim");  // only in the VM
  EXPECT_THAT(ChangedVolumes(running, wanted), ElementsAre(VolumeChange{"a", "a-src", "a-dst"}));
}

TEST(VolumeUpdate, NamesAreStableAndDistinct) {
  kubevirt::VirtualMachineInstance vmi;
  vmi.mutable_metadata()->set_name("vm");
  vmi.mutable_metadata()->set_uid("uid-1");
  const std::vector<VolumeChange> a = {{"root", "s", "d"}};
  const std::vector<VolumeChange> b = {{"root", "s", "e"}};
  EXPECT_EQ(VolumeUpdateMigrationName(vmi, a, 2), VolumeUpdateMigrationName(vmi, a, 2));
  EXPECT_NE(VolumeUpdateMigrationName(vmi, a, 2), VolumeUpdateMigrationName(vmi, b, 2));
  // The same change edited in again (a move back, a retry after a revert).
  EXPECT_NE(VolumeUpdateMigrationName(vmi, a, 2), VolumeUpdateMigrationName(vmi, a, 4));
  kubevirt::VirtualMachineInstance again = vmi;
  again.mutable_metadata()->set_uid("uid-2");  // the VM restarted
  EXPECT_NE(VolumeUpdateMigrationName(vmi, a, 2), VolumeUpdateMigrationName(again, a, 2));
  EXPECT_EQ(VolumeUpdateLabelValue(vmi), "vm");
  kubevirt::VirtualMachineInstance longer = vmi;
  longer.mutable_metadata()->set_name(std::string(70, 'v'));
  EXPECT_EQ(VolumeUpdateLabelValue(longer), "uid-1");
  EXPECT_LE(VolumeUpdateMigrationName(longer, a, 2).size(), 63u);
  EXPECT_THAT(VolumeUpdateMigrationName(longer, a, 2),
              ::testing::StartsWith("kubevirt-workload-update-"));
}

TEST(VolumeUpdate, AMoveBackAndForthMakesANewMigrationEachTime) {
  // A succeeded move root-dv -> root-dst of the VM's generation 1 exists;
  // the VM, edited twice since (generation 3), asks for it again.
  const ClusterView first = LoadWorld(World());
  const std::string done = Created(first, "{phase: Succeeded}");
  const ClusterView view = LoadWorld(
      Docs({Edit(kVm, "metadata: {name: vm, namespace: ns, uid: vm-uid}",
                 "metadata: {name: vm, namespace: ns, uid: vm-uid, generation: 3}"),
            kVmi, kClaims, done}));
  const std::vector<KubeAction> actions = Act(VmOf(view), view, kNow);
  ASSERT_THAT(actions, SizeIs(2));
  EXPECT_EQ(actions[0].verb, KubeAction::Verb::kCreate);
  EXPECT_NE(Object<VMIM>(actions[0]).metadata().name(),
            view.migrations.front()->metadata().name());
}

TEST(VolumeUpdate, ANewChangeWaitsWhileACancelledMigrationStillStops) {
  const ClusterView started = LoadWorld(World());
  const std::string stopping = Edit(
      Created(started, "{phase: Running}", ", deletionTimestamp: \"2024-05-01T10:00:30Z\""),
      "destinationPvc: root-dst", "destinationPvc: root-old");
  const ClusterView view = LoadWorld(Docs({kVm, kVmi, kClaims, stopping}));
  EXPECT_THAT(Act(VmOf(view), view, kNow), IsEmpty());
}

TEST(VolumeUpdate, ARevertAfterAFailureSettles) {
  ClusterView started = LoadWorld(World());
  const std::vector<KubeAction> first = Act(VmOf(started), started, kNow);
  ASSERT_THAT(first, SizeIs(2));
  kubevirt::VirtualMachineInstance vmi = Object<kubevirt::VirtualMachineInstance>(first[1]);
  api::SetCondition(vmi.mutable_status()->mutable_conditions(), kVolumesChange, "False",
                    kVolumesChangeFailed, "migration failed", kNow);
  ClusterView view = LoadWorld(Docs({Edit(kVm, "{claimName: root-dst}", "{claimName: root-dv}"),
                                     kClaims, Created(started, "{phase: Failed}")}));
  view.vmis = {std::make_shared<const kubevirt::VirtualMachineInstance>(vmi)};
  const std::vector<KubeAction> actions = Act(VmOf(view), view, kNow);
  ASSERT_THAT(actions, SizeIs(1));
  const auto& settled = Object<kubevirt::VirtualMachineInstance>(actions[0]);
  EXPECT_EQ(api::FindCondition(settled.status().conditions(), kVolumesChange), nullptr);
  EXPECT_THAT(settled.status().migrated_volumes(), IsEmpty());
}

// ------------------------------------------------------------- the VM's record

const kubevirt::VolumeMigrationState& RecordOf(const kubevirt::VirtualMachine& vm) {
  return vm.status().volume_update_state().volume_migration_state();
}

// The VM as written by the first of `actions`, which must be its record.
kubevirt::VirtualMachine RecordWritten(const std::vector<KubeAction>& actions) {
  EXPECT_FALSE(actions.empty());
  if (actions.empty() || VmWritten(actions[0]) == nullptr) {
    ADD_FAILURE() << "the first write is not the VM's";
    return {};
  }
  EXPECT_EQ(actions[0].verb, KubeAction::Verb::kUpdateStatus);
  return *VmWritten(actions[0]);
}

TEST(VolumeUpdateRecord, TheVmRecordsWhatMovesBeforeTheMigrationIsCreated) {
  const ClusterView view = LoadWorld(World());
  const std::vector<KubeAction> actions = ReconcileVolumeUpdate(VmOf(view), view, kNow);
  ASSERT_THAT(actions, SizeIs(3));
  const kubevirt::VirtualMachine vm = RecordWritten(actions);
  ASSERT_THAT(RecordOf(vm).migrated_volumes(), SizeIs(1));
  EXPECT_EQ(RecordOf(vm).migrated_volumes(0).volume_name(), "root");
  EXPECT_EQ(RecordOf(vm).migrated_volumes(0).source_pvc_info().claim_name(), "root-dv");
  EXPECT_EQ(RecordOf(vm).migrated_volumes(0).destination_pvc_info().claim_name(), "root-dst");
  EXPECT_FALSE(RecordOf(vm).has_manual_recovery_required());
  EXPECT_EQ(actions[1].verb, KubeAction::Verb::kCreate);
  // The spec is the user's: only the status is written.
  EXPECT_EQ(vm.spec().SerializeAsString(), VmOf(view).spec().SerializeAsString());
}

TEST(VolumeUpdateRecord, ArmedWhileTheTemplateNamesClaimsTheVmiDoesNotRunOn) {
  // A VMI not running yet, a failed move: nothing moves, the record stays.
  const ClusterView scheduling = LoadWorld(
      Edit(World(), "status: {phase: Running, nodeName: node-a}", "status: {phase: Scheduling}"));
  std::vector<KubeAction> actions = ReconcileVolumeUpdate(VmOf(scheduling), scheduling, kNow);
  ASSERT_THAT(actions, SizeIs(1));
  EXPECT_THAT(RecordOf(RecordWritten(actions)).migrated_volumes(), SizeIs(1));
  // Reverted: the VMI runs on what the template names; a record is cleared.
  kubevirt::VirtualMachine armed = RecordWritten(actions);
  ClusterView reverted =
      LoadWorld(Docs({Edit(kVm, "{claimName: root-dst}", "{claimName: root-dv}"), kVmi, kClaims}));
  armed.mutable_spec()->CopyFrom(VmOf(reverted).spec());
  actions = ReconcileVolumeUpdate(armed, reverted, kNow);
  ASSERT_THAT(actions, SizeIs(1));
  EXPECT_FALSE(RecordWritten(actions).status().has_volume_update_state());
  // Unarmed and nothing differs: nothing to write.
  EXPECT_THAT(ReconcileVolumeUpdate(VmOf(reverted), reverted, kNow), IsEmpty());
}

// The VM with its record armed for root (root-dv -> root-dst), its VMI gone.
ClusterView Stopped(std::initializer_list<absl::string_view> migrations) {
  const ClusterView started = LoadWorld(World());
  const kubevirt::VirtualMachine armed =
      RecordWritten(ReconcileVolumeUpdate(VmOf(started), started, kNow));
  std::string world = Docs({kVm, kClaims});
  for (absl::string_view m : migrations) world = Docs({world, m});
  ClusterView view = LoadWorld(world);
  view.vms = {std::make_shared<const kubevirt::VirtualMachine>(armed)};
  return view;
}

TEST(VolumeUpdateRecovery, AVmiGoneBeforeTheSwitchoverPutsTheSourcesBackThenClearsTheRecord) {
  const ClusterView started = LoadWorld(World());
  ClusterView view = Stopped({Created(started, "{phase: Failed}",
                                      ", creationTimestamp: \"2024-05-01T10:00:00Z\"")});
  std::vector<KubeAction> actions = ReconcileVolumeUpdate(VmOf(view), view, kNow);
  ASSERT_THAT(actions, SizeIs(1));
  EXPECT_EQ(actions[0].verb, KubeAction::Verb::kUpdate);
  EXPECT_THAT(actions[0].what, HasSubstr("names its sources again"));
  const kubevirt::VirtualMachine& rolled_back = *VmWritten(actions[0]);
  EXPECT_EQ(rolled_back.spec().template_().spec().volumes(0).persistent_volume_claim().claim_name(),
            "root-dv");
  // The record stays until the template is right: still armed as written.
  EXPECT_THAT(RecordOf(rolled_back).migrated_volumes(), SizeIs(1));
  // The next pass (or a restarted one) clears it: the VM may start.
  view.vms = {std::make_shared<const kubevirt::VirtualMachine>(rolled_back)};
  actions = ReconcileVolumeUpdate(VmOf(view), view, kNow);
  ASSERT_THAT(actions, SizeIs(1));
  EXPECT_EQ(actions[0].verb, KubeAction::Verb::kUpdateStatus);
  EXPECT_FALSE(VmWritten(actions[0])->status().has_volume_update_state());
  view.vms = {std::make_shared<const kubevirt::VirtualMachine>(*VmWritten(actions[0]))};
  EXPECT_THAT(ReconcileVolumeUpdate(VmOf(view), view, kNow), IsEmpty());
}

TEST(VolumeUpdateRecovery, ASourceDataVolumeIsNamedAsADataVolumeAgain) {
  const ClusterView started = LoadWorld(World());
  const ClusterView view =
      Stopped({Created(started, "{phase: Running}"),
               "apiVersion: cdi.kubevirt.io/v1beta1\nkind: DataVolume\n"
               "metadata: {name: root-dv, namespace: ns}\nspec: {}\n"});
  const std::vector<KubeAction> actions = ReconcileVolumeUpdate(VmOf(view), view, kNow);
  ASSERT_THAT(actions, SizeIs(1));
  EXPECT_EQ(VmWritten(actions[0])->spec().template_().spec().volumes(0).data_volume().name(),
            "root-dv");
}

// A move onto a DataVolume of the VM's templates (sweep storage seed 5275:
// a move back onto the VM's original DataVolume), rolled back: the template
// goes with the volume, else the API refuses the VM and it never starts.
TEST(VolumeUpdateRecovery, ADestinationsDataVolumeTemplateGoesWithItsVolume) {
  const ClusterView started = LoadWorld(World());
  ClusterView view = Stopped({Created(started, "{phase: Running}")});
  kubevirt::VirtualMachine vm = VmOf(view);
  kubevirt::Volume* root = vm.mutable_spec()->mutable_template_()->mutable_spec()->mutable_volumes(0);
  root->Clear();
  root->set_name("root");
  root->mutable_data_volume()->set_name("root-dst");
  vm.mutable_spec()->add_data_volume_templates()->mutable_metadata()->set_name("root-dst");
  vm.mutable_spec()->add_data_volume_templates()->mutable_metadata()->set_name("other");
  view.vms = {std::make_shared<const kubevirt::VirtualMachine>(vm)};
  const std::vector<KubeAction> actions = ReconcileVolumeUpdate(VmOf(view), view, kNow);
  ASSERT_THAT(actions, SizeIs(1));
  const kubevirt::VirtualMachine& rolled_back = *VmWritten(actions[0]);
  EXPECT_EQ(rolled_back.spec().template_().spec().volumes(0).persistent_volume_claim().claim_name(),
            "root-dv");
  ASSERT_THAT(rolled_back.spec().data_volume_templates(), SizeIs(1));
  EXPECT_EQ(rolled_back.spec().data_volume_templates(0).metadata().name(), "other");
}

TEST(VolumeUpdateRecovery, AfterARecordedSwitchoverTheVmKeepsItsDestinations) {
  const ClusterView started = LoadWorld(World());
  const ClusterView view = Stopped({Created(started, "{phase: Running, switchover: {side: Destination}}")});
  const std::vector<KubeAction> actions = ReconcileVolumeUpdate(VmOf(view), view, kNow);
  ASSERT_THAT(actions, SizeIs(1));
  EXPECT_EQ(actions[0].verb, KubeAction::Verb::kUpdateStatus);
  EXPECT_THAT(actions[0].what, HasSubstr("starts on its destinations"));
  const kubevirt::VirtualMachine& vm = *VmWritten(actions[0]);
  EXPECT_FALSE(vm.status().has_volume_update_state());
  EXPECT_EQ(vm.spec().template_().spec().volumes(0).persistent_volume_claim().claim_name(), "root-dst");
}

TEST(VolumeUpdateRecovery, TheNewestMigrationOfThePairDecides) {
  // An old move of the same pair that switched (then moved back since) and
  // the one in flight, created later, that did not.
  const ClusterView started = LoadWorld(World());
  const std::string old = Edit(
      Created(started, "{phase: Succeeded, switchover: {side: Destination}}",
              ", creationTimestamp: \"2024-05-01T09:00:00Z\""),
      "name: kubevirt-workload-update-vm-", "name: kubevirt-workload-update-vm-old-");
  const std::string current =
      Created(started, "{phase: Failed}", ", creationTimestamp: \"2024-05-01T10:00:00Z\"");
  ClusterView view = Stopped({old, current});
  std::vector<KubeAction> actions = ReconcileVolumeUpdate(VmOf(view), view, kNow);
  ASSERT_THAT(actions, SizeIs(1));
  EXPECT_EQ(VmWritten(actions[0])->spec().template_().spec().volumes(0).persistent_volume_claim().claim_name(),
            "root-dv");
  // Created in the same second: which ran last is unknown.
  view = Stopped({Edit(old, "09:00:00Z", "10:00:00Z"), current});
  actions = ReconcileVolumeUpdate(VmOf(view), view, kNow);
  ASSERT_THAT(actions, SizeIs(1));
  const kubevirt::VirtualMachine& vm = *VmWritten(actions[0]);
  EXPECT_EQ(actions[0].verb, KubeAction::Verb::kUpdateStatus);
  EXPECT_TRUE(RecordOf(vm).manual_recovery_required());
  const k8s::Condition* c = api::FindCondition(vm.status().conditions(), kManualRecoveryRequired);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->status(), "True");
  EXPECT_THAT(c->message(), HasSubstr("same second"));
}

TEST(VolumeUpdateRecovery, NoMigrationLeftToSayIsKubevirtsManualRecovery) {
  const ClusterView view = Stopped({});
  const std::vector<KubeAction> actions = ReconcileVolumeUpdate(VmOf(view), view, kNow);
  ASSERT_THAT(actions, SizeIs(1));
  const kubevirt::VirtualMachine& vm = *VmWritten(actions[0]);
  EXPECT_TRUE(RecordOf(vm).manual_recovery_required());
  EXPECT_EQ(vm.spec().SerializeAsString(), VmOf(view).spec().SerializeAsString());
  const k8s::Condition* c = api::FindCondition(vm.status().conditions(), kManualRecoveryRequired);
  ASSERT_NE(c, nullptr);
  EXPECT_THAT(c->message(), HasSubstr("no migration of root-dv to root-dst"));
  // Said once.
  ClusterView again = view;
  again.vms = {std::make_shared<const kubevirt::VirtualMachine>(vm)};
  EXPECT_THAT(ReconcileVolumeUpdate(VmOf(again), again, kNow + absl::Minutes(1)), IsEmpty());
}

}  // namespace
}  // namespace ferry::storage_migration
