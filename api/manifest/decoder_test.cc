#include "api/manifest/decoder.h"

#include <string>
#include <vector>

#include "api/core.pb.h"
#include "api/kubevirt.pb.h"
#include "api/ovirt.pb.h"
#include "api/manifest/encoder.h"
#include "api/manifest/reader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "api/manifest/yaml_stream.h"

namespace ferry::manifest {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

template <typename T>
std::vector<Finding> DecodeInto(const std::string& yaml, T* message,
                                DecodeOptions options = {}) {
  std::vector<Finding> findings;
  YamlStream stream(yaml);
  YamlDocument doc;
  EXPECT_TRUE(stream.Next(&doc).ok());
  Decoder decoder("t.yaml", options, &findings, nullptr);
  decoder.Decode(doc.root(), message);
  return findings;
}

std::vector<std::string> Formatted(const std::vector<Finding>& findings) {
  std::vector<std::string> out;
  for (const Finding& f : findings) out.push_back(FormatFinding(f));
  return out;
}

TEST(Decoder, ReadsFieldsByTheirKubernetesJsonNames) {
  k8s::PersistentVolumeClaim pvc;
  EXPECT_THAT(DecodeInto("apiVersion: v1\nkind: PersistentVolumeClaim\n"
                         "metadata: {name: pvc-dest, labels: {a: b}}\n"
                         "spec:\n  accessModes: [ReadWriteOnce]\n  volumeMode: Block\n"
                         "  storageClassName: \"\"\n"
                         "  resources: {requests: {storage: 1Gi}}\n",
                         &pvc),
              IsEmpty());
  EXPECT_EQ(pvc.api_version(), "v1");
  EXPECT_EQ(pvc.metadata().name(), "pvc-dest");
  EXPECT_EQ(pvc.metadata().labels().at("a"), "b");
  EXPECT_THAT(pvc.spec().access_modes(), ElementsAre("ReadWriteOnce"));
  EXPECT_EQ(pvc.spec().volume_mode(), "Block");
  // "" and unset differ for storageClassName: presence is kept.
  EXPECT_TRUE(pvc.spec().has_storage_class_name());
  EXPECT_EQ(pvc.spec().resources().requests().at("storage"), "1Gi");
}

TEST(Decoder, HonoursCustomJsonNames) {
  k8s::PersistentVolume pv;
  EXPECT_THAT(DecodeInto("spec: {fc: {targetWWNs: [\"500a0981891b8dc5\"], lun: 2}}", &pv),
              IsEmpty());
  EXPECT_THAT(pv.spec().fc().target_wwns(), ElementsAre("500a0981891b8dc5"));
  EXPECT_EQ(pv.spec().fc().lun(), 2);
}

TEST(Decoder, ReadsKubeVirtsMigratedVolumesAsItWritesThem) {
  // status.migratedVolumes of a VMI whose VM was updated with
  // updateVolumesStrategy: Migration, in KubeVirt's own field names.
  kubevirt::VirtualMachineInstance vmi;
  EXPECT_THAT(DecodeInto(R"({"status": {"migratedVolumes": [{"volumeName": "disk0",
      "sourcePVCInfo": {"claimName": "src", "accessModes": ["ReadWriteOnce"],
                        "volumeMode": "Filesystem", "capacity": {"storage": "10Gi"},
                        "requests": {"storage": "10Gi"}},
      "destinationPVCInfo": {"claimName": "dst", "volumeMode": "Block",
                             "capacity": {"storage": "20Gi"}}}]}})",
                         &vmi, {.strict = true}),
              IsEmpty());
  ASSERT_EQ(vmi.status().migrated_volumes_size(), 1);
  const kubevirt::StorageMigratedVolumeInfo& moved = vmi.status().migrated_volumes(0);
  EXPECT_EQ(moved.volume_name(), "disk0");
  EXPECT_EQ(moved.source_pvc_info().claim_name(), "src");
  EXPECT_THAT(moved.source_pvc_info().access_modes(), ElementsAre("ReadWriteOnce"));
  EXPECT_EQ(moved.source_pvc_info().requests().at("storage"), "10Gi");
  EXPECT_EQ(moved.destination_pvc_info().volume_mode(), "Block");
  EXPECT_EQ(moved.destination_pvc_info().capacity().at("storage"), "20Gi");
  const nlohmann::ordered_json written = Encode(vmi);
  EXPECT_EQ(written["status"]["migratedVolumes"][0]["sourcePVCInfo"]["claimName"], "src");
  EXPECT_EQ(written["status"]["migratedVolumes"][0]["destinationPVCInfo"]["claimName"], "dst");
}

TEST(Decoder, NullLeavesAFieldUnsetAndEmptyMappingSetsPresence) {
  kubevirt::Interface iface;
  EXPECT_THAT(DecodeInto("name: default\nmasquerade: {}\nbridge: null\n", &iface),
              IsEmpty());
  EXPECT_TRUE(iface.has_masquerade());
  EXPECT_FALSE(iface.has_bridge());
}

TEST(Decoder, QuantityFieldsAcceptNumbersAsKubernetesDoes) {
  k8s::ResourceRequirements r;
  EXPECT_THAT(DecodeInto("requests: {storage: 1073741824, cpu: 0.5}", &r), IsEmpty());
  EXPECT_EQ(r.requests().at("storage"), "1073741824");
  EXPECT_EQ(r.requests().at("cpu"), "0.5");
}

TEST(Decoder, RefusesANumberForAPlainString) {
  k8s::ObjectMeta meta;
  EXPECT_THAT(Formatted(DecodeInto("name: 123", &meta)),
              ElementsAre("t.yaml:1:7: error: name: expected a string, got an integer "
                          "(123); quote it to mean the text: \"123\""));
}

TEST(Decoder, RefusesQuotedBooleansAndIntegers) {
  kubevirt::VirtualMachineSpec spec;
  EXPECT_THAT(Formatted(DecodeInto("running: \"true\"", &spec)),
              ElementsAre(HasSubstr("running: expected a boolean (true or false), got "
                                    "the string \"true\"")));
  k8s::ISCSIPersistentVolumeSource iscsi;
  EXPECT_THAT(Formatted(DecodeInto("lun: \"1\"", &iscsi)),
              ElementsAre(HasSubstr("lun: expected an integer, got the string \"1\"")));
  EXPECT_THAT(Formatted(DecodeInto("lun: 4294967296", &iscsi)),
              ElementsAre(HasSubstr("integer 4294967296 is out of range for a 32-bit")));
}

TEST(Decoder, ReportsEveryErrorNotJustTheFirst) {
  k8s::PersistentVolumeClaim pvc;
  const std::vector<Finding> findings =
      DecodeInto("metadata: {name: 1}\nspec: {accessModes: ReadWriteOnce, volumeName: []}",
                 &pvc);
  EXPECT_EQ(findings.size(), 3u);
  EXPECT_THAT(Formatted(findings),
              ElementsAre(HasSubstr("1:18: error: metadata.name"),
                          HasSubstr("2:21: error: spec.accessModes: expected a list"),
                          HasSubstr("2:48: error: spec.volumeName: expected a single value")));
}

TEST(Decoder, UnknownFieldIsAWarningInKubernetesObjects) {
  k8s::PersistentVolumeClaim pvc;
  const std::vector<Finding> findings = DecodeInto("spec: {volumeMod: Block}", &pvc);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].severity, Severity::kWarning);
  EXPECT_EQ(findings[0].path, "spec.volumeMod");
  EXPECT_THAT(findings[0].message, HasSubstr("did you mean \"volumeMode\"?"));
}

TEST(Decoder, UnknownFieldIsAnErrorInTheMigrationSpec) {
  kubevirt::VirtualMachineInstanceMigration m;
  const std::vector<Finding> findings = DecodeInto(
      "spec:\n  vminame: vm\n  localStorageMigration:\n    migrateNonSharedDisks:\n"
      "    - {sourcePvc: a, destinationPvc: b, reclaim: Delete}\n",
      &m);
  ASSERT_EQ(findings.size(), 2u);
  EXPECT_EQ(findings[0].severity, Severity::kError);
  EXPECT_EQ(findings[0].path, "spec.vminame");
  EXPECT_THAT(findings[0].message, HasSubstr("did you mean \"vmiName\"?"));
  EXPECT_EQ(findings[1].severity, Severity::kError);
  EXPECT_EQ(findings[1].path,
            "spec.localStorageMigration.migrateNonSharedDisks[0].reclaim");
}

TEST(Decoder, MatchesFieldNamesCaseSensitively) {
  k8s::ObjectMeta meta;
  const std::vector<Finding> findings = DecodeInto("Name: x", &meta);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_THAT(findings[0].message, HasSubstr("unknown field \"Name\" (did you mean \"name\"?)"));
  EXPECT_EQ(meta.name(), "");
}

TEST(Decoder, DuplicateKeysAreErrors) {
  k8s::ObjectMeta meta;
  EXPECT_THAT(Formatted(DecodeInto("name: a\nname: b\n", &meta)),
              ElementsAre(HasSubstr("2:1: error: name: duplicate key")));
  EXPECT_THAT(Formatted(DecodeInto("labels: {a: x, a: y}", &meta)),
              ElementsAre(HasSubstr("labels[a]: duplicate key")));
}

TEST(Decoder, RefusesAKeyJsonCouldNotCarryBack) {
  k8s::ObjectMeta meta;
  const std::string key(1023, 'k');  // 1,025 bytes with its quotes
  EXPECT_THAT(Formatted(DecodeInto("annotations:\n  ? " + key + "\n  : v\n", &meta)),
              ElementsAre(HasSubstr("t.yaml:2:5: error: annotations[kkkk")));
  EXPECT_THAT(Formatted(DecodeInto("annotations:\n  ? " + key + "\n  : v\n", &meta)),
              ElementsAre(HasSubstr("a key of 1025 bytes as JSON writes it")));
  EXPECT_THAT(DecodeInto("annotations: {" + key.substr(1) + ": v}\n", &meta), IsEmpty());
}

TEST(Decoder, BytesAreBase64) {
  k8s::Secret secret;
  EXPECT_THAT(DecodeInto("data: {user: YWRtaW4=}", &secret), IsEmpty());
  EXPECT_EQ(secret.data().at("user"), "admin");
}

TEST(Decoder, ReadsOvirtJsonByProtoFieldNames) {
  ovirt::Disk disk;
  ASSERT_TRUE(ParseDocument(R"({"id": "d1", "storage_type": "lun", "shareable": "false",
      "lun_storage": {"type": "iscsi", "logical_units": {"logical_unit": [
        {"id": "36001405", "address": "192.0.2.10", "port": "3260",
         "target": "iqn.2003-01.org.example:t1", "lun_mapping": "1",
         "size": "10737418240"}]}}})",
                            &disk, {.names = FieldNames::kProto})
                  .ok());
  EXPECT_EQ(disk.storage_type(), "lun");
  ASSERT_EQ(disk.lun_storage().logical_units().logical_unit_size(), 1);
  EXPECT_EQ(disk.lun_storage().logical_units().logical_unit(0).port(), "3260");
  EXPECT_EQ(disk.lun_storage().logical_units().logical_unit(0).size(), "10737418240");
}

TEST(Decoder, OvirtMisspelledShareableIsRefusedInStrictMode) {
  ovirt::Disk disk;
  const absl::Status status = ParseDocument(R"({"id": "d1", "sharable": "true"})", &disk,
                                            {.names = FieldNames::kProto, .strict = true});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("did you mean \"shareable\"?"));
}

// What a server wrote may hold fields a newer KubeVirt added, even in a
// migration's spec: read leniently, they are ignored; what a user writes
// there is still refused.
TEST(Decoder, LenientReadingIgnoresUnknownFieldsInStrictMessages) {
  const std::string json =
      R"({"vmiName": "vm", "addedNodeSelector": {"zone": "a"},)"
      R"( "localStorageMigration": {"migrateNonSharedDisks": [], "futureKnob": true}})";
  kubevirt::VirtualMachineInstanceMigrationSpec spec;
  EXPECT_EQ(ParseDocument(json, &spec).code(), absl::StatusCode::kInvalidArgument);
  kubevirt::VirtualMachineInstanceMigrationSpec read;
  ASSERT_TRUE(ParseDocument(json, &read, {.lenient = true}).ok());
  EXPECT_EQ(read.vmi_name(), "vm");
  EXPECT_TRUE(read.has_local_storage_migration());
}

}  // namespace
}  // namespace ferry::manifest
