#include "api/ovirt_json.h"

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "api/ovirt.pb.h"
#include "base/read_file.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

// The goldens under api/testdata/ovirt are the oVirt engine's own answers
// (4.5.5 unless named otherwise), as its REST layer writes them: see
// api/testdata/ovirt/README.md for the request behind each file and the
// sources of each shape.
namespace ferry::api {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kDbVm[] = "6f1d4b2e-3c9a-4e57-9b8d-2a1c0e7f5d31";
constexpr char kArchiveVm[] = "c2e4a6b8-0d1f-4a3c-9e5b-7d9f1b3d5e70";
constexpr char kImageDisk[] = "a3c5e7f9-1b2d-4f6a-8c0e-2d4f6a8c0e11";
constexpr char kIscsiDisk[] = "5b7d1c9e-0f2a-4b3c-8d4e-6f7a8b9c0d1e";
constexpr char kFcDisk[] = "8e0a2c4e-6a8c-4e0a-b2c4-e6a8c0e2a4c6";
constexpr char kIscsiLun[] = "36001405d8a1f6c3e2b44b0f9a7e2c1d0";
constexpr char kFcWwid[] = "3600a098038304437415d4b6a59684a52";

// Tests run in the workspace root of their runfiles, as the examples' tests
// do (api/manifest/round_trip_test.cc).
std::string Golden(const std::string& name) {
  const std::string path = "api/testdata/ovirt/" + name;
  absl::StatusOr<std::string> text = ReadFileBounded(path);
  EXPECT_TRUE(text.ok()) << text.status();
  return text.ok() ? *text : std::string();
}

template <typename M>
M ParseGolden(const std::string& name) {
  absl::StatusOr<M> m = ParseOvirt<M>(Golden(name));
  EXPECT_TRUE(m.ok()) << name << ": " << m.status();
  return m.ok() ? *m : M();
}

const ovirt::LogicalUnit& FirstUnit(const ovirt::Disk& disk) {
  return disk.lun_storage().logical_units().logical_unit(0);
}

TEST(OvirtJsonGolden, ApiRootIsReadPastLinksSummaryAndTime) {
  const ovirt::Api api = ParseGolden<ovirt::Api>("api.json");
  EXPECT_EQ(api.product_info().name(), "oVirt Engine");
  // The engine's answer has no vendor (branding leaves it out).
  EXPECT_EQ(api.product_info().vendor(), "");
  const ovirt::Version& v = api.product_info().version();
  EXPECT_EQ(v.full_version(), "4.5.5-1.el8");
  EXPECT_EQ(v.major(), "4");
  EXPECT_EQ(v.minor(), "5");
  EXPECT_EQ(v.build(), "5");
  EXPECT_EQ(v.revision(), "0");
}

// The engine fills revision with 0 whatever the package: only full_version
// tells 4.5.2.1 from 4.5.2.0 (GetProductVersionQuery.parseRpmVersion).
TEST(OvirtJsonGolden, Engine4521ReportsRevisionZeroAndTheFourthPartOnlyInFullVersion) {
  const ovirt::Version v = ParseGolden<ovirt::Api>("api_engine_4521.json").product_info().version();
  EXPECT_EQ(v.full_version(), "4.5.2.1-1.el8");
  EXPECT_EQ(v.build(), "2");
  EXPECT_EQ(v.revision(), "0");
}

TEST(OvirtJsonGolden, VmListFollowedWithDiskAttachments) {
  const ovirt::Vms vms = ParseGolden<ovirt::Vms>("vms_follow_disk_attachments.json");
  ASSERT_EQ(vms.vm_size(), 2);

  const ovirt::Vm& up = vms.vm(0);
  EXPECT_EQ(up.id(), kDbVm);
  EXPECT_EQ(up.name(), "db-1");
  EXPECT_EQ(up.status(), "up");
  EXPECT_EQ(up.href(), absl::StrCat("/ovirt-engine/api/vms/", kDbVm));
  ASSERT_EQ(up.disk_attachments().disk_attachment_size(), 2);
  const ovirt::DiskAttachment& image = up.disk_attachments().disk_attachment(0);
  EXPECT_EQ(image.id(), kImageDisk);
  EXPECT_EQ(image.bootable(), "true");
  const ovirt::DiskAttachment& lun = up.disk_attachments().disk_attachment(1);
  EXPECT_EQ(lun.id(), kIscsiDisk);
  EXPECT_EQ(lun.disk().id(), kIscsiDisk);  // the attachment id is the disk id
  EXPECT_EQ(lun.disk().href(), absl::StrCat("/ovirt-engine/api/disks/", kIscsiDisk));
  EXPECT_EQ(lun.href(),
            absl::StrCat("/ovirt-engine/api/vms/", kDbVm, "/diskattachments/", kIscsiDisk));
  EXPECT_EQ(lun.vm().id(), kDbVm);
  EXPECT_EQ(lun.active(), "true");
  EXPECT_EQ(lun.bootable(), "false");
  EXPECT_EQ(lun.interface(), "virtio_scsi");
  EXPECT_EQ(lun.logical_name(), "/dev/sdb");
  EXPECT_EQ(lun.pass_discard(), "false");
  EXPECT_EQ(lun.read_only(), "false");
  EXPECT_EQ(lun.uses_scsi_reservation(), "false");
  // A followed attachment carries a link to its disk, not the disk.
  EXPECT_EQ(lun.disk().storage_type(), "");

  const ovirt::Vm& down = vms.vm(1);
  EXPECT_EQ(down.id(), kArchiveVm);
  EXPECT_EQ(down.status(), "down");
  ASSERT_EQ(down.disk_attachments().disk_attachment_size(), 1);
  const ovirt::DiskAttachment& fc = down.disk_attachments().disk_attachment(0);
  EXPECT_EQ(fc.id(), kFcDisk);
  EXPECT_EQ(fc.interface(), "virtio");
  EXPECT_EQ(fc.logical_name(), "");  // known only while the guest runs
}

TEST(OvirtJsonGolden, SingleVmHasNoRootElementAndMatchesItsListEntry) {
  const ovirt::Vm vm = ParseGolden<ovirt::Vm>("vm.json");
  EXPECT_EQ(vm.id(), kDbVm);
  EXPECT_EQ(vm.status(), "up");
  const ovirt::Vms vms = ParseGolden<ovirt::Vms>("vms_follow_disk_attachments.json");
  ASSERT_GE(vms.vm_size(), 1);
  EXPECT_TRUE(MessageDifferencer::Equals(vm, vms.vm(0)));
}

TEST(OvirtJsonGolden, IscsiLunDiskOfANewEngineCarriesItsConnection) {
  const ovirt::Disk disk = ParseGolden<ovirt::Disk>("disk_lun_iscsi.json");
  EXPECT_EQ(disk.id(), kIscsiDisk);
  EXPECT_EQ(disk.name(), "db-1-data");
  EXPECT_EQ(disk.alias(), "db-1-data");
  EXPECT_EQ(disk.storage_type(), "lun");
  EXPECT_EQ(disk.shareable(), "false");
  EXPECT_EQ(disk.sgio(), "filtered");
  // A LUN disk has no image: no status, format or sizes of its own.
  EXPECT_EQ(disk.status(), "");
  EXPECT_EQ(disk.provisioned_size(), "");
  EXPECT_EQ(disk.actual_size(), "");
  EXPECT_EQ(disk.lun_storage().id(), kIscsiLun);
  // The engine never fills lun_storage.type for a disk read from its
  // database: iSCSI and Fibre Channel tell apart by the address alone.
  EXPECT_EQ(disk.lun_storage().type(), "");
  ASSERT_EQ(disk.lun_storage().logical_units().logical_unit_size(), 1);
  const ovirt::LogicalUnit& unit = FirstUnit(disk);
  EXPECT_EQ(unit.id(), kIscsiLun);
  EXPECT_EQ(unit.address(), "192.0.2.10");
  EXPECT_EQ(unit.port(), "3260");
  EXPECT_EQ(unit.target(), "iqn.2003-01.org.linux-iscsi.storage:db-luns");
  EXPECT_EQ(unit.lun_mapping(), "1");
  EXPECT_EQ(unit.size(), "10737418240");
  EXPECT_EQ(unit.paths(), "0");  // path counts are never stored: always 0 here
  EXPECT_EQ(unit.serial(), "SLIO-ORG_db-luns_d8a1f6c3-e2b4-4b0f-9a7e-2c1d0e3f4a5b");
  EXPECT_EQ(unit.vendor_id(), "LIO-ORG");
  EXPECT_EQ(unit.product_id(), "db-luns");
  EXPECT_EQ(unit.disk_id(), kIscsiDisk);
  EXPECT_EQ(unit.volume_group_id(), "");  // left out when empty
  EXPECT_EQ(unit.status(), "");           // only a host's device list has it
}

TEST(OvirtJsonGolden, FibreChannelLunDiskIsItsWwidWithoutAnAddress) {
  const ovirt::Disk disk = ParseGolden<ovirt::Disk>("disk_lun_fcp.json");
  EXPECT_EQ(disk.id(), kFcDisk);
  EXPECT_EQ(disk.storage_type(), "lun");
  EXPECT_EQ(disk.shareable(), "true");
  EXPECT_EQ(disk.sgio(), "");  // no SCSI pass-through: left out
  EXPECT_EQ(disk.lun_storage().id(), kFcWwid);
  EXPECT_EQ(disk.lun_storage().type(), "");
  ASSERT_EQ(disk.lun_storage().logical_units().logical_unit_size(), 1);
  const ovirt::LogicalUnit& unit = FirstUnit(disk);
  EXPECT_EQ(unit.id(), kFcWwid);
  EXPECT_EQ(unit.address(), "");
  EXPECT_EQ(unit.port(), "");
  EXPECT_EQ(unit.target(), "");
  EXPECT_EQ(unit.lun_mapping(), "0");
  EXPECT_EQ(unit.size(), "53687091200");
  EXPECT_EQ(unit.vendor_id(), "NETAPP");
}

TEST(OvirtJsonGolden, OldEngineLeavesOutAddressPortAndTargetAndNothingElse) {
  const ovirt::Disk old_engine = ParseGolden<ovirt::Disk>("disk_lun_iscsi_old_engine.json");
  const ovirt::LogicalUnit& unit = FirstUnit(old_engine);
  EXPECT_EQ(unit.address(), "");
  EXPECT_EQ(unit.port(), "");
  EXPECT_EQ(unit.target(), "");
  EXPECT_EQ(unit.id(), kIscsiLun);
  EXPECT_EQ(unit.lun_mapping(), "1");

  ovirt::Disk new_engine = ParseGolden<ovirt::Disk>("disk_lun_iscsi.json");
  ovirt::LogicalUnit* details =
      new_engine.mutable_lun_storage()->mutable_logical_units()->mutable_logical_unit(0);
  details->clear_address();
  details->clear_port();
  details->clear_target();
  EXPECT_TRUE(MessageDifferencer::Equals(old_engine, new_engine));
}

TEST(OvirtJsonGolden, DiskListHoldsImagesAndLunsWithoutConnectionDetails) {
  const ovirt::Disks disks = ParseGolden<ovirt::Disks>("disks.json");
  ASSERT_EQ(disks.disk_size(), 2);
  const ovirt::Disk& image = disks.disk(0);
  EXPECT_EQ(image.id(), kImageDisk);
  EXPECT_EQ(image.storage_type(), "image");
  EXPECT_EQ(image.status(), "ok");
  EXPECT_EQ(image.format(), "cow");
  EXPECT_EQ(image.provisioned_size(), "53687091200");
  EXPECT_EQ(image.actual_size(), "3221225472");
  EXPECT_FALSE(image.has_lun_storage());

  const ovirt::Disk& lun = disks.disk(1);
  EXPECT_EQ(lun.id(), kIscsiDisk);
  EXPECT_EQ(lun.storage_type(), "lun");
  ASSERT_EQ(lun.lun_storage().logical_units().logical_unit_size(), 1);
  EXPECT_EQ(FirstUnit(lun).id(), kIscsiLun);
  EXPECT_EQ(FirstUnit(lun).size(), "10737418240");
  EXPECT_EQ(FirstUnit(lun).address(), "");  // only GET disks/{id} has it
  EXPECT_EQ(FirstUnit(lun).target(), "");
}

TEST(OvirtJsonGolden, AttachAnswersWithTheNewAttachment) {
  const ovirt::DiskAttachment a = ParseGolden<ovirt::DiskAttachment>("disk_attachment.json");
  EXPECT_EQ(a.id(), kIscsiDisk);
  EXPECT_EQ(a.disk().id(), kIscsiDisk);
  EXPECT_EQ(a.vm().id(), kDbVm);
  EXPECT_EQ(a.vm().href(), absl::StrCat("/ovirt-engine/api/vms/", kDbVm));
  EXPECT_EQ(a.href(),
            absl::StrCat("/ovirt-engine/api/vms/", kDbVm, "/diskattachments/", kIscsiDisk));
  EXPECT_EQ(a.active(), "true");
  EXPECT_EQ(a.bootable(), "false");
  EXPECT_EQ(a.interface(), "virtio_scsi");
  EXPECT_EQ(a.uses_scsi_reservation(), "false");
  EXPECT_EQ(a.logical_name(), "");
}

// Each fault body with the HTTP status the engine answers it with.
TEST(OvirtJsonGolden, EngineFaultsReadBackAsCanonicalStatuses) {
  struct Case {
    const char* file;
    int http;
    absl::StatusCode code;
    const char* message;
  };
  const Case cases[] = {
      {"fault_not_found.json", 404, absl::StatusCode::kNotFound,
       "Operation Failed: Entity not found: missing-sd"},
      // Detaching a disk that is not attached: a 400 (BAD_PARAMETERS).
      {"fault_operation_failed.json", 400, absl::StatusCode::kFailedPrecondition,
       "Operation Failed: [Cannot detach Virtual Disk. The specified disk is not attached to "
       "the VM ${VmName}., db-1]"},
      // Detaching from a migrating VM: a 409 (CONFLICT).
      {"fault_vm_status_illegal.json", 409, absl::StatusCode::kFailedPrecondition,
       "Operation Failed: [Cannot detach Virtual Disk because the VM is in Migrating status.]"},
      {"fault_incomplete_parameters.json", 400, absl::StatusCode::kInvalidArgument,
       "Incomplete parameters: Vm [cluster.id|name] required for add"},
  };
  for (const Case& c : cases) {
    const std::string body = Golden(c.file);
    absl::StatusOr<ovirt::Fault> fault = ParseOvirt<ovirt::Fault>(body);
    ASSERT_TRUE(fault.ok()) << c.file << ": " << fault.status();
    EXPECT_EQ(absl::StrCat(fault->reason(), ": ", fault->detail()), c.message) << c.file;
    const absl::Status s = OvirtStatusFromHttp(c.http, body);
    EXPECT_EQ(s.code(), c.code) << c.file << ": " << s;
    EXPECT_EQ(s.message(), c.message) << c.file;
  }
}

// Most 404s of the engine have no body at all (a GET of a missing VM or disk).
TEST(OvirtStatusFromHttp, EmptyNotFoundIsNotFoundNamingTheCode) {
  const absl::Status s = OvirtStatusFromHttp(404, "");
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(s.message(), HasSubstr("404"));
  // The adapter names the request, so the message says what is missing.
  EXPECT_EQ(OvirtStatusFromHttp(404, "", "GET /vms/vm-9").message(), "HTTP 404: [GET /vms/vm-9]");
}

TEST(OvirtStatusFromHttp, BodyThatIsNoJsonGivesAMessageWithTheHttpCode) {
  // What the servlet container answers an expired token with.
  const absl::Status s = OvirtStatusFromHttp(
      401, "<html><head><title>Error</title></head><body>Unauthorized</body></html>");
  EXPECT_EQ(s.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(s.message(), HasSubstr("401"));
  EXPECT_THAT(s.message(), HasSubstr("Unauthorized"));
}

TEST(OvirtStatusFromHttp, RetryableCodesAreUnavailable) {
  for (int http : {429, 502, 503}) {
    const absl::Status s = OvirtStatusFromHttp(http, "busy");
    EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << http;
    EXPECT_THAT(s.message(), HasSubstr(absl::StrCat(http))) << http;
  }
}

TEST(OvirtStatusFromHttp, BadRequestIsFailedPreconditionOnlyForOperationFailed) {
  EXPECT_EQ(OvirtStatusFromHttp(400, R"({"reason":"Operation Failed","detail":"[x]"})").code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(OvirtStatusFromHttp(400, R"({"reason":"Invalid value","detail":"x"})").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(OvirtStatusFromHttp(400, "not json").code(), absl::StatusCode::kInvalidArgument);
}

// Every canonical code the port uses goes over the wire and comes back the
// same, its message "<reason>: <detail>".
TEST(OvirtFaultOf, EveryMappedCodeRoundTripsThroughHttp) {
  struct Case {
    absl::Status status;
    int http;
  };
  const Case cases[] = {
      {absl::NotFoundError("Resource not found: [Entity not found: VM x]"), 404},
      {absl::FailedPreconditionError("Operation Failed: [Cannot detach Virtual Disk.]"), 409},
      {absl::InvalidArgumentError("Incomplete parameters: Vm [name] required for add"), 400},
      {absl::UnauthenticatedError("Unauthorized: the token expired"), 401},
      {absl::PermissionDeniedError("Forbidden: user lacks DiskOperator"), 403},
      {absl::UnavailableError("Service Unavailable: the engine is starting"), 503},
  };
  for (const Case& c : cases) {
    const OvirtFault f = OvirtFaultOf(c.status);
    EXPECT_EQ(f.code, c.http) << c.status;
    const absl::Status back = OvirtStatusFromHttp(f.code, OvirtJson(f.fault));
    EXPECT_EQ(back.code(), c.status.code()) << c.status;
    EXPECT_EQ(back.message(), c.status.message()) << c.status;
  }
}

TEST(OvirtFaultOf, SplitsAtTheFirstColonAndChoosesAReasonWhenThereIsNone) {
  const OvirtFault split = OvirtFaultOf(absl::NotFoundError("Operation Failed: a: b"));
  EXPECT_EQ(split.fault.reason(), "Operation Failed");
  EXPECT_EQ(split.fault.detail(), "a: b");

  const OvirtFault bare = OvirtFaultOf(absl::NotFoundError("no vm db-9"));
  EXPECT_EQ(bare.code, 404);
  EXPECT_EQ(bare.fault.reason(), "Resource not found");
  EXPECT_EQ(bare.fault.detail(), "no vm db-9");
  EXPECT_EQ(OvirtStatusFromHttp(bare.code, OvirtJson(bare.fault)).message(),
            "Resource not found: no vm db-9");

  EXPECT_EQ(OvirtFaultOf(absl::InternalError("boom")).code, 500);
}

TEST(ParseOvirt, WrongTypedFieldIsInvalidArgumentNamingTheMessage) {
  const absl::StatusOr<ovirt::Vm> vm =
      ParseOvirt<ovirt::Vm>(R"({"id":"x","disk_attachments":"x"})");
  ASSERT_FALSE(vm.ok());
  EXPECT_EQ(vm.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(vm.status().message(), HasSubstr("Vm"));

  const absl::StatusOr<ovirt::Disk> disk = ParseOvirt<ovirt::Disk>("<html>");
  ASSERT_FALSE(disk.ok());
  EXPECT_EQ(disk.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(disk.status().message(), HasSubstr("Disk"));
}

// Dates are the one scalar the engine writes as a JSON number (milliseconds
// since the epoch); Ferry models none, so they are read past like any field
// it does not know.
TEST(ParseOvirt, UnmodelledNumbersObjectsAndArraysAreReadPast) {
  const absl::StatusOr<ovirt::Vm> vm = ParseOvirt<ovirt::Vm>(
      R"({"id":"x","creation_time":1716371236874,"stop_time":1717488123456,)"
      R"("host_devices":{},"link":[{"href":"/a","rel":"b"}],"status":"down"})");
  ASSERT_TRUE(vm.ok()) << vm.status();
  EXPECT_EQ(vm->id(), "x");
  EXPECT_EQ(vm->status(), "down");
}

TEST(OvirtJson, WritesSnakeCaseNamesAndOmitsEmptyFields) {
  ovirt::DiskAttachment a;
  a.set_id(kIscsiDisk);
  a.set_interface("virtio_scsi");
  a.set_uses_scsi_reservation("false");
  a.mutable_disk()->set_id(kIscsiDisk);
  const std::string json = OvirtJson(a);
  EXPECT_THAT(json, HasSubstr(R"("uses_scsi_reservation":"false")"));
  EXPECT_THAT(json, HasSubstr(R"("interface":"virtio_scsi")"));
  EXPECT_THAT(json, Not(HasSubstr("usesScsiReservation")));
  EXPECT_THAT(json, Not(HasSubstr("bootable")));
  EXPECT_THAT(json, Not(HasSubstr("logical_name")));
  EXPECT_THAT(json, Not(HasSubstr("\"vm\"")));

  absl::StatusOr<ovirt::DiskAttachment> back = ParseOvirt<ovirt::DiskAttachment>(json);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(MessageDifferencer::Equals(a, *back));
}

TEST(OvirtJson, WhatIsReadFromAGoldenWritesBackTheSame) {
  for (const char* file : {"disk_lun_iscsi.json", "disk_lun_fcp.json"}) {
    const ovirt::Disk disk = ParseGolden<ovirt::Disk>(file);
    const std::string json = OvirtJson(disk);
    EXPECT_THAT(json, HasSubstr(R"("lun_mapping":)")) << file;
    absl::StatusOr<ovirt::Disk> back = ParseOvirt<ovirt::Disk>(json);
    ASSERT_TRUE(back.ok()) << file << ": " << back.status();
    EXPECT_TRUE(MessageDifferencer::Equals(disk, *back)) << file;
  }
}

// The SSO service is no part of the API model: its answers are read as plain
// JSON (adapters/ovirt). The goldens keep the shapes that code reads.
TEST(OvirtJsonGolden, SsoAnswersHaveTheShapeTheAdapterReads) {
  const nlohmann::json token = nlohmann::json::parse(Golden("sso_token.json"));
  ASSERT_TRUE(token["access_token"].is_string());
  EXPECT_EQ(token["token_type"], "bearer");
  EXPECT_EQ(token["scope"], "ovirt-app-api");
  ASSERT_TRUE(token["exp"].is_string());  // a string, not a number
  int64_t exp = 0;
  EXPECT_TRUE(absl::SimpleAtoi(token["exp"].get<std::string>(), &exp));
  EXPECT_EQ(exp, INT64_MAX);  // a profile without an account expiry

  const nlohmann::json error = nlohmann::json::parse(Golden("sso_error.json"));
  EXPECT_EQ(error["error_code"], "access_denied");
  ASSERT_TRUE(error["error"].is_string());
  EXPECT_THAT(error["error"].get<std::string>(), HasSubstr("Cannot authenticate user"));
  EXPECT_FALSE(error.contains("access_token"));
}

}  // namespace
}  // namespace ferry::api
