// OvirtHandler without a socket: the SSO's password grant and its refusals;
// the API's bearer tokens (missing, unknown, expired); the reads in the
// engine's JSON (a VM's attachments only when followed, a disk's connection
// details only in the single-disk read); the writes and the engine's
// refusals as fault bodies with the engine's status codes; paths that are
// no resource.
#include "serve/ovirt/ovirt_handler.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "api/ovirt.pb.h"
#include "api/ovirt_json.h"
#include "core/ports/clock.h"
#include "fakes/ovirt/fake_engine.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "serve/http_message.h"

namespace ferry::serve {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr int64_t kGiB = int64_t{1} << 30;
constexpr char kPassword[] = "s3cret";
constexpr char kVmUp[] = "vm-up";      // "db", up, the iSCSI LUN attached
constexpr char kVmDown[] = "vm-down";  // "spare", down, nothing attached

using Query = std::vector<std::pair<std::string, std::string>>;

class OvirtHandlerTest : public ::testing::Test {
 protected:
  OvirtHandlerTest()
      : engine_(clock_, {.version = "4.5.5-1.el8"}),
        handler_(engine_, {.user = "admin@internal",
                           .password = kPassword,
                           .token_lifetime = absl::Hours(1),
                           .new_token = [this] { return absl::StrCat("tok-", ++tokens_issued_); },
                           .now = [this] { return clock_.Now(); }}) {
    engine_.AddDisk(
        fakes::IscsiLun("lun-1", "10.0.0.5", "iqn.2024-01.com.example:t1", 3, 10 * kGiB));
    engine_.AddDisk(fakes::FcLun("fc-1", "3600a0980383146", 20 * kGiB));
    engine_.AddVm({.id = kVmUp, .name = "db", .status = "up"});
    engine_.AddVm({.id = kVmDown, .name = "spare", .status = "down"});
    EXPECT_TRUE(engine_.AttachForTest(kVmUp, {.disk_id = "lun-1"}).ok());
  }

  // The SSO's answer to a password grant with these fields.
  HttpResponse Sso(Query form, std::string method = "POST") {
    return handler_.Handle({.method = std::move(method),
                            .path = "/ovirt-engine/sso/oauth/token",
                            .query = std::move(form)});
  }
  static Query Grant(std::string user, std::string password) {
    return {{"grant_type", "password"},
            {"scope", "ovirt-app-api"},
            {"username", std::move(user)},
            {"password", std::move(password)}};
  }
  // A token the SSO issued, or "" (and a failure).
  std::string Login() {
    const HttpResponse r = Sso(Grant("admin@internal", kPassword));
    EXPECT_EQ(r.status, 200) << r.body;
    const nlohmann::json j = nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object() || !j.contains("access_token")) {
      ADD_FAILURE() << "no token in " << r.body;
      return "";
    }
    return j["access_token"].get<std::string>();
  }
  // `method path` under /ovirt-engine/api with a fresh token.
  HttpResponse Call(std::string method, absl::string_view path, std::string body = "",
                    Query query = {}) {
    return handler_.Handle({.method = std::move(method),
                            .path = absl::StrCat("/ovirt-engine/api", path),
                            .query = std::move(query),
                            .headers = {{"authorization", absl::StrCat("Bearer ", Login())}},
                            .body = std::move(body)});
  }
  HttpResponse Get(absl::string_view path, Query query = {}) {
    return Call("GET", path, "", std::move(query));
  }
  // The attachment of `disk_id` to `vm_id` as the engine holds it.
  ovirt::DiskAttachment AttachmentOf(const std::string& vm_id, const std::string& disk_id) {
    const std::optional<ovirt::Vm> vm = engine_.VmForTest(vm_id);
    EXPECT_TRUE(vm.has_value()) << vm_id;
    if (!vm.has_value()) return {};
    for (const ovirt::DiskAttachment& a : vm->disk_attachments().disk_attachment()) {
      if (a.id() == disk_id) return a;
    }
    return {};
  }
  int AttachmentCount(const std::string& vm_id) {
    return engine_.VmForTest(vm_id)->disk_attachments().disk_attachment_size();
  }

  ports::ManualClock clock_;
  fakes::FakeEngine engine_;
  int tokens_issued_ = 0;
  OvirtHandler handler_;
};

template <typename M>
M Parsed(const HttpResponse& r) {
  absl::StatusOr<M> m = api::ParseOvirt<M>(r.body);
  EXPECT_TRUE(m.ok()) << m.status() << " in " << r.body;
  return m.ok() ? *std::move(m) : M{};
}

ovirt::Fault FaultOf(const HttpResponse& r) { return Parsed<ovirt::Fault>(r); }

nlohmann::json JsonOf(const HttpResponse& r) {
  nlohmann::json j = nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(j.is_discarded()) << r.body;
  return j;
}

// ------------------------------------------------------------------ SSO

TEST_F(OvirtHandlerTest, APasswordGrantIssuesABearerTokenForTheLifetime) {
  const HttpResponse r = Sso(Grant("admin@internal", kPassword));
  ASSERT_EQ(r.status, 200) << r.body;
  const nlohmann::json j = JsonOf(r);
  EXPECT_EQ(j["access_token"], "tok-1");
  EXPECT_EQ(j["token_type"], "bearer");
  EXPECT_EQ(j["scope"], "ovirt-app-api");
  // Milliseconds since the epoch, as a string, as the engine's SSO sends it.
  EXPECT_EQ(j["exp"], absl::StrCat(absl::ToUnixMillis(clock_.Now() + absl::Hours(1))));
  EXPECT_EQ(j["exp"], "1692262800000");

  EXPECT_EQ(JsonOf(Sso(Grant("admin@internal", kPassword)))["access_token"], "tok-2");
}

TEST_F(OvirtHandlerTest, AWrongPasswordIsRefusedNamingTheUserButNoPassword) {
  const HttpResponse r = Sso(Grant("admin@internal", "hunter2-guess"));
  EXPECT_EQ(r.status, 400);
  const nlohmann::json j = JsonOf(r);
  EXPECT_EQ(j["error_code"], "access_denied");
  EXPECT_THAT(j["error"].get<std::string>(), HasSubstr("admin@internal"));
  EXPECT_THAT(r.body, Not(HasSubstr("hunter2-guess")));
  EXPECT_THAT(r.body, Not(HasSubstr(kPassword)));
  EXPECT_EQ(tokens_issued_, 0);
}

TEST_F(OvirtHandlerTest, AnUnknownUserIsRefused) {
  const HttpResponse r = Sso(Grant("root@internal", kPassword));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(JsonOf(r)["error_code"], "access_denied");
  EXPECT_THAT(r.body, Not(HasSubstr(kPassword)));
  EXPECT_EQ(tokens_issued_, 0);
}

TEST_F(OvirtHandlerTest, AGrantOtherThanPasswordOrWithoutTheApiScopeIsRefused) {
  struct Case {
    std::string name;
    std::string field;
    std::string value;
    std::string error_code;
  };
  const Case cases[] = {
      {"client credentials", "grant_type", "client_credentials", "unsupported_grant_type"},
      {"no grant type", "grant_type", "", "unsupported_grant_type"},
      {"another scope", "scope", "ovirt-app-portal", "invalid_scope"},
      {"no scope", "scope", "", "invalid_scope"},
  };
  for (const Case& c : cases) {
    Query form = Grant("admin@internal", kPassword);
    for (auto& [key, value] : form) {
      if (key == c.field) value = c.value;
    }
    const HttpResponse r = Sso(form);
    EXPECT_EQ(r.status, 400) << c.name;
    EXPECT_EQ(JsonOf(r)["error_code"], c.error_code) << c.name;
  }
  EXPECT_EQ(tokens_issued_, 0);
}

TEST_F(OvirtHandlerTest, TheSsoTakesOnlyPost) {
  const HttpResponse r = Sso(Grant("admin@internal", kPassword), "GET");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(JsonOf(r)["error_code"], "invalid_request");
  EXPECT_EQ(tokens_issued_, 0);
}

// ------------------------------------------------------------------ tokens

TEST_F(OvirtHandlerTest, TheApiRefusesARequestWithoutAnIssuedToken) {
  const std::string token = Login();
  const std::vector<std::pair<std::string, std::map<std::string, std::string>>> cases = {
      {"no Authorization", {}},
      {"an unknown token", {{"authorization", "Bearer tok-999"}}},
      {"another scheme", {{"authorization", absl::StrCat("Basic ", token)}}},
      {"no scheme", {{"authorization", token}}},
  };
  for (const auto& [name, headers] : cases) {
    const HttpResponse r =
        handler_.Handle({.method = "GET", .path = "/ovirt-engine/api/vms", .headers = headers});
    EXPECT_EQ(r.status, 401) << name;
    const ovirt::Fault f = FaultOf(r);
    EXPECT_EQ(f.reason(), "Unauthorized") << name;
    EXPECT_THAT(f.detail(), HasSubstr("bearer token")) << name;
  }
}

TEST_F(OvirtHandlerTest, ATokenExpiresAfterItsLifetime) {
  const std::string token = Login();
  const HttpRequest request{.method = "GET",
                            .path = "/ovirt-engine/api",
                            .headers = {{"authorization", absl::StrCat("Bearer ", token)}}};
  clock_.Advance(absl::Minutes(59));
  EXPECT_EQ(handler_.Handle(request).status, 200);
  clock_.Advance(absl::Minutes(1));  // exactly the lifetime: over
  const HttpResponse r = handler_.Handle(request);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(FaultOf(r).reason(), "Unauthorized");
  EXPECT_FALSE(FaultOf(r).detail().empty());
}

TEST_F(OvirtHandlerTest, ExpiredTokensAreRefusedAndNewOnesTaken) {
  const std::string token = Login();
  const HttpRequest request{.method = "GET",
                            .path = "/ovirt-engine/api",
                            .headers = {{"authorization", absl::StrCat("Bearer ", token)}}};
  ASSERT_EQ(handler_.Handle(request).status, 200);
  handler_.ExpireTokens();
  const HttpResponse r = handler_.Handle(request);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(FaultOf(r).reason(), "Unauthorized");
  EXPECT_EQ(Get("").status, 200);  // with a token issued after
}

// ------------------------------------------------------------------ reads

TEST_F(OvirtHandlerTest, TheApiRootReportsTheProductAndItsVersion) {
  const HttpResponse r = Get("");
  ASSERT_EQ(r.status, 200) << r.body;
  const ovirt::ProductInfo info = Parsed<ovirt::Api>(r).product_info();
  EXPECT_EQ(info.name(), "oVirt Engine");
  EXPECT_EQ(info.vendor(), "ovirt.org");
  EXPECT_EQ(info.version().full_version(), "4.5.5-1.el8");
  EXPECT_EQ(info.version().major(), "4");
  EXPECT_EQ(info.version().minor(), "5");
  EXPECT_EQ(info.version().build(), "5");
  EXPECT_EQ(info.version().revision(), "0");
  EXPECT_EQ(Get("/").status, 200);  // a trailing slash is the same resource
}

TEST_F(OvirtHandlerTest, VmsFollowedEmbedTheirAttachmentsWithTheDiskAsALink) {
  const HttpResponse r = Get("/vms", {{"follow", "disk_attachments"}});
  ASSERT_EQ(r.status, 200) << r.body;
  const ovirt::Vms vms = Parsed<ovirt::Vms>(r);
  ASSERT_EQ(vms.vm_size(), 2);
  const ovirt::Vm& db = vms.vm(1).id() == kVmUp ? vms.vm(1) : vms.vm(0);
  ASSERT_EQ(db.id(), kVmUp);
  EXPECT_EQ(db.status(), "up");
  ASSERT_EQ(db.disk_attachments().disk_attachment_size(), 1);
  const ovirt::DiskAttachment& a = db.disk_attachments().disk_attachment(0);
  EXPECT_EQ(a.id(), "lun-1");
  EXPECT_EQ(a.interface(), "virtio_scsi");
  EXPECT_EQ(a.active(), "true");

  // On the wire: the disk is {id, href} and nothing else.
  const nlohmann::json wire = JsonOf(r);
  int seen = 0;
  for (const nlohmann::json& vm : wire["vm"]) {
    if (vm["id"] != kVmUp) continue;
    ++seen;
    const nlohmann::json disk = vm["disk_attachments"]["disk_attachment"][0]["disk"];
    EXPECT_EQ(disk, (nlohmann::json{{"id", "lun-1"}, {"href", "/ovirt-engine/api/disks/lun-1"}}));
  }
  EXPECT_EQ(seen, 1);
}

TEST_F(OvirtHandlerTest, VmsNotFollowedCarryNoAttachments) {
  const HttpResponse r = Get("/vms");
  ASSERT_EQ(r.status, 200) << r.body;
  const ovirt::Vms vms = Parsed<ovirt::Vms>(r);
  ASSERT_EQ(vms.vm_size(), 2);
  for (const ovirt::Vm& vm : vms.vm()) {
    EXPECT_FALSE(vm.has_disk_attachments()) << vm.id();
    EXPECT_FALSE(vm.status().empty()) << vm.id();
  }
  EXPECT_THAT(r.body, Not(HasSubstr("disk_attachment")));
}

TEST_F(OvirtHandlerTest, OneVmIsReadFollowedOrNot) {
  const ovirt::Vm plain = Parsed<ovirt::Vm>(Get("/vms/vm-up"));
  EXPECT_EQ(plain.id(), kVmUp);
  EXPECT_EQ(plain.name(), "db");
  EXPECT_EQ(plain.status(), "up");
  EXPECT_EQ(plain.href(), "/ovirt-engine/api/vms/vm-up");
  EXPECT_FALSE(plain.has_disk_attachments());

  const ovirt::Vm followed = Parsed<ovirt::Vm>(Get("/vms/vm-up", {{"follow", "disk_attachments"}}));
  ASSERT_EQ(followed.disk_attachments().disk_attachment_size(), 1);
  EXPECT_EQ(followed.disk_attachments().disk_attachment(0).disk().id(), "lun-1");
  EXPECT_FALSE(followed.disk_attachments().disk_attachment(0).disk().has_lun_storage());
}

TEST_F(OvirtHandlerTest, AnUnknownVmIsNotFound) {
  const HttpResponse r = Get("/vms/vm-nope");
  EXPECT_EQ(r.status, 404);
  const ovirt::Fault f = FaultOf(r);
  EXPECT_EQ(f.reason(), "Resource not found");
  EXPECT_THAT(f.detail(), HasSubstr("vm-nope"));
}

TEST_F(OvirtHandlerTest, AttachmentsAreReadAsACollectionAndOneByOne) {
  const ovirt::DiskAttachments all =
      Parsed<ovirt::DiskAttachments>(Get("/vms/vm-up/diskattachments"));
  ASSERT_EQ(all.disk_attachment_size(), 1);
  EXPECT_EQ(all.disk_attachment(0).id(), "lun-1");

  const ovirt::DiskAttachment one =
      Parsed<ovirt::DiskAttachment>(Get("/vms/vm-up/diskattachments/lun-1"));
  EXPECT_EQ(one.id(), "lun-1");
  EXPECT_EQ(one.vm().id(), kVmUp);

  const HttpResponse missing = Get("/vms/vm-up/diskattachments/fc-1");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(FaultOf(missing).reason(), "Resource not found");
}

TEST_F(OvirtHandlerTest, TheDiskListLeavesOutConnectionDetailsTheSingleDiskReadCarries) {
  const HttpResponse list = Get("/disks");
  ASSERT_EQ(list.status, 200) << list.body;
  const ovirt::Disks disks = Parsed<ovirt::Disks>(list);
  ASSERT_EQ(disks.disk_size(), 2);
  for (const ovirt::Disk& d : disks.disk()) {
    EXPECT_EQ(d.storage_type(), "lun") << d.id();
    EXPECT_EQ(d.lun_storage().type(), "") << d.id();
    ASSERT_EQ(d.lun_storage().logical_units().logical_unit_size(), 1) << d.id();
    const ovirt::LogicalUnit& lu = d.lun_storage().logical_units().logical_unit(0);
    EXPECT_FALSE(lu.id().empty()) << d.id();
    EXPECT_EQ(lu.address(), "") << d.id();
    EXPECT_EQ(lu.port(), "") << d.id();
    EXPECT_EQ(lu.target(), "") << d.id();
  }
  EXPECT_THAT(list.body, Not(HasSubstr("10.0.0.5")));
  EXPECT_THAT(list.body, Not(HasSubstr("iqn.2024-01.com.example")));

  const HttpResponse one = Get("/disks/lun-1");
  ASSERT_EQ(one.status, 200) << one.body;
  const ovirt::Disk disk = Parsed<ovirt::Disk>(one);
  EXPECT_EQ(disk.lun_storage().type(), "");  // the engine never sends it
  const ovirt::LogicalUnit& lu = disk.lun_storage().logical_units().logical_unit(0);
  EXPECT_EQ(lu.address(), "10.0.0.5");
  EXPECT_EQ(lu.port(), "3260");
  EXPECT_EQ(lu.target(), "iqn.2024-01.com.example:t1");
  EXPECT_EQ(lu.lun_mapping(), "3");

  const HttpResponse missing = Get("/disks/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(FaultOf(missing).reason(), "Resource not found");
}

TEST_F(OvirtHandlerTest, AListedImageDiskHasNoLunStorage) {
  ovirt::Disk image;
  image.set_id("img-1");
  image.set_storage_type("image");
  image.set_provisioned_size("1073741824");
  engine_.AddDisk(image);
  const nlohmann::json list = JsonOf(Get("/disks"));
  int images = 0;
  for (const nlohmann::json& d : list["disk"]) {
    if (d["id"] != "img-1") continue;
    ++images;
    EXPECT_FALSE(d.contains("lun_storage")) << d.dump();
    EXPECT_EQ(d["storage_type"], "image");
  }
  EXPECT_EQ(images, 1);
}

// ------------------------------------------------------------------ power

TEST_F(OvirtHandlerTest, StoppingAnUpVmPowersItDown) {
  const HttpResponse r = Call("POST", "/vms/vm-up/stop", "{}");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(engine_.VmForTest(kVmUp)->status(), "powering_down");
  EXPECT_EQ(Parsed<ovirt::Vm>(Get("/vms/vm-up")).status(), "powering_down");
}

TEST_F(OvirtHandlerTest, StoppingADownVmIsAConflict) {
  const HttpResponse r = Call("POST", "/vms/vm-down/stop", "{}");
  EXPECT_EQ(r.status, 409);
  const ovirt::Fault f = FaultOf(r);
  EXPECT_EQ(f.reason(), "Operation Failed");
  EXPECT_THAT(f.detail(), HasSubstr("spare"));
  EXPECT_EQ(engine_.VmForTest(kVmDown)->status(), "down");
}

TEST_F(OvirtHandlerTest, StartingAndShuttingDownAreServed) {
  EXPECT_EQ(Call("POST", "/vms/vm-down/start", "{}").status, 200);
  EXPECT_EQ(engine_.VmForTest(kVmDown)->status(), "powering_up");
  EXPECT_EQ(Call("POST", "/vms/vm-up/shutdown", "{}").status, 200);
  EXPECT_EQ(engine_.VmForTest(kVmUp)->status(), "powering_down");
}

// ------------------------------------------------------------------ attach

TEST_F(OvirtHandlerTest, AttachingADiskCreatesTheAttachment) {
  const HttpResponse r = Call("POST", "/vms/vm-down/diskattachments",
                              R"({"disk":{"id":"fc-1"},"interface":"virtio_scsi"})");
  EXPECT_EQ(r.status, 201) << r.body;
  const ovirt::DiskAttachment a = Parsed<ovirt::DiskAttachment>(r);
  EXPECT_EQ(a.id(), "fc-1");
  EXPECT_EQ(a.interface(), "virtio_scsi");
  EXPECT_EQ(a.active(), "true");
  EXPECT_EQ(AttachmentOf(kVmDown, "fc-1").id(), "fc-1");
}

TEST_F(OvirtHandlerTest, AttachingADiskAttachedToAnotherVmIsAConflict) {
  const HttpResponse r = Call("POST", "/vms/vm-down/diskattachments",
                              R"({"disk":{"id":"lun-1"},"interface":"virtio_scsi"})");
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(FaultOf(r).reason(), "Operation Failed");
  EXPECT_EQ(AttachmentCount(kVmDown), 0);
  EXPECT_EQ(AttachmentCount(kVmUp), 1);
}

TEST_F(OvirtHandlerTest, AnAttachmentThatIsNotJsonIsABadRequest) {
  const HttpResponse r = Call("POST", "/vms/vm-down/diskattachments", R"({"disk":{"id":"fc-1")");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_FALSE(FaultOf(r).reason().empty());
  EXPECT_EQ(AttachmentCount(kVmDown), 0);
}

TEST_F(OvirtHandlerTest, AnAttachmentWithoutInterfaceIsIncomplete) {
  const HttpResponse r = Call("POST", "/vms/vm-down/diskattachments", R"({"disk":{"id":"fc-1"}})");
  EXPECT_EQ(r.status, 400) << r.body;
  const ovirt::Fault f = FaultOf(r);
  EXPECT_EQ(f.reason(), "Incomplete parameters");
  EXPECT_THAT(f.detail(), HasSubstr("interface"));
  EXPECT_EQ(AttachmentCount(kVmDown), 0);
}

// ------------------------------------------------------------------ detach

TEST_F(OvirtHandlerTest, DetachingTwiceIsAConflictTheSecondTime) {
  const HttpResponse first =
      Call("DELETE", "/vms/vm-up/diskattachments/lun-1", "", {{"detach_only", "true"}});
  EXPECT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(AttachmentCount(kVmUp), 0);
  const HttpResponse again =
      Call("DELETE", "/vms/vm-up/diskattachments/lun-1", "", {{"detach_only", "true"}});
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_EQ(FaultOf(again).reason(), "Operation Failed");
}

TEST_F(OvirtHandlerTest, DeletingTheDiskIsRefusedAndItStaysAttached) {
  const HttpResponse r =
      Call("DELETE", "/vms/vm-up/diskattachments/lun-1", "", {{"detach_only", "false"}});
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_THAT(FaultOf(r).detail(), HasSubstr("detach_only=true"));
  EXPECT_EQ(AttachmentOf(kVmUp, "lun-1").active(), "true");
  EXPECT_EQ(AttachmentCount(kVmUp), 1);
}

TEST_F(OvirtHandlerTest, DeactivatingIsTheOnlyUpdate) {
  const HttpResponse r = Call("PUT", "/vms/vm-up/diskattachments/lun-1", R"({"active":"false"})");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Parsed<ovirt::DiskAttachment>(r).active(), "false");
  EXPECT_EQ(AttachmentOf(kVmUp, "lun-1").active(), "false");
}

TEST_F(OvirtHandlerTest, AnyOtherUpdateIsRefusedAndChangesNothing) {
  const ovirt::DiskAttachment before = AttachmentOf(kVmUp, "lun-1");
  for (const std::string body :
       {R"({"bootable":"true"})", R"({"active":"false","bootable":"true"})", R"({"active":"true"})",
        "not json"}) {
    const HttpResponse r = Call("PUT", "/vms/vm-up/diskattachments/lun-1", body);
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_THAT(FaultOf(r).detail(), HasSubstr("active")) << body;
  }
  EXPECT_EQ(AttachmentOf(kVmUp, "lun-1").SerializeAsString(), before.SerializeAsString());
}

TEST_F(OvirtHandlerTest, EachWriteConsultsOnlyItsOwnFaultHook) {
  // A detach over HTTP is the port's DetachDisk, one call: a fault on reads
  // does not fail it, nor the answer to a deactivation.
  engine_.SetFaultHook([](absl::string_view verb, absl::string_view) {
    return verb == "get_vm" ? absl::UnavailableError("reads are down") : absl::OkStatus();
  });
  const HttpResponse put = Call("PUT", "/vms/vm-up/diskattachments/lun-1", R"({"active":"false"})");
  EXPECT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(Parsed<ovirt::DiskAttachment>(put).active(), "false");
  const HttpResponse del =
      Call("DELETE", "/vms/vm-up/diskattachments/lun-1", "", {{"detach_only", "true"}});
  EXPECT_EQ(del.status, 200) << del.body;
  EXPECT_EQ(AttachmentCount(kVmUp), 0);
}

TEST_F(OvirtHandlerTest, AFaultedWriteAnswersTheFault) {
  engine_.SetFaultHook([](absl::string_view verb, absl::string_view) {
    return verb == "deactivate" ? absl::UnavailableError("Service Unavailable: [busy]")
                                : absl::OkStatus();
  });
  const HttpResponse r = Call("PUT", "/vms/vm-up/diskattachments/lun-1", R"({"active":"false"})");
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(AttachmentOf(kVmUp, "lun-1").active(), "true");
}

// ------------------------------------------------------------------ paths

TEST_F(OvirtHandlerTest, AnUnknownPathUnderTheApiIsNotFound) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"GET", "/hosts"},
      {"GET", "/vms/vm-up/nics"},
      {"POST", "/vms/vm-up/reboot"},
      {"GET", "/vms/vm-up/diskattachments/lun-1/extra"},
      {"POST", "/disks"},
      {"DELETE", "/vms/vm-up"},
      {"POST", ""},
  };
  for (const auto& [method, path] : cases) {
    const HttpResponse r = Call(method, path, "{}");
    EXPECT_EQ(r.status, 404) << method << " " << path;
    EXPECT_EQ(FaultOf(r).reason(), "Resource not found") << method << " " << path;
  }
  EXPECT_EQ(engine_.VmForTest(kVmUp)->status(), "up");
}

TEST_F(OvirtHandlerTest, OnlyGetAndPostServeTheAttachmentCollection) {
  // The collection has no attachment id: nothing to delete or update.
  for (const std::string method : {"DELETE", "PUT"}) {
    const HttpResponse r = Call(method, "/vms/vm-up/diskattachments", R"({"active":"false"})");
    EXPECT_EQ(r.status, 404) << method;
  }
  EXPECT_EQ(AttachmentOf(kVmUp, "lun-1").active(), "true");
}

TEST_F(OvirtHandlerTest, APathOutsideTheEngineIsNotFound) {
  for (const std::string path : {"/", "/ovirt-engine", "/ovirt-engine/apis", "/ovirt-engine/web-ui",
                                 "/ovirt-engine/sso/oauth/token/extra"}) {
    const HttpResponse r = handler_.Handle({.method = "GET", .path = path});
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(FaultOf(r).reason(), "Resource not found") << path;
  }
}

}  // namespace
}  // namespace ferry::serve
