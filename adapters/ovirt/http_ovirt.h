// HttpOvirt: the Ovirt port over the engine's REST API v4, with libcurl
// (adapters/http/https_client.h). The JSON is api/ovirt_json.h's: the
// engine's own shapes, every scalar a string, fields Ferry does not model
// read past; errors come back as the port's canonical codes with the
// engine's fault, "<reason>: <detail>".
//
// Authentication is oVirt's SSO: a password grant (scope ovirt-app-api) at
// /ovirt-engine/sso/oauth/token gives a bearer token, kept until a minute
// before its `exp` and fetched again then, or at once when the engine
// answers 401 (the call is then tried once more). An `exp` already past
// when the token arrives means the clocks disagree: that token is kept
// until the engine refuses it. Bad credentials are
// Unauthenticated naming the user. The password and the token never appear
// in an error or a log line.
//
// Every call has a timeout. Reads that meet a 5xx or no answer are tried
// again after a back-off (0.5 s, then 1 s; three tries within the timeout);
// writes (power actions, attach, detach) are not: a write whose answer was
// lost may have happened, and the LUN core reads the engine again before
// it decides anything more.
//
//   ASSIGN_OR_RETURN(OvirtClientConfig config, OvirtConfigOf(provider, secret));
//   HttpOvirt engine(config);
//   ASSIGN_OR_RETURN(ovirt::Disk lun, engine.GetDisk("7f0c..."));
#ifndef FERRY_ADAPTERS_OVIRT_HTTP_OVIRT_H_
#define FERRY_ADAPTERS_OVIRT_HTTP_OVIRT_H_

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "adapters/http/https_client.h"
#include "adapters/ovirt/ovirt_client_config.h"
#include "core/ports/ovirt.h"

namespace ferry::adapters {

class HttpOvirt : public ports::Ovirt {
 public:
  struct Options {
    absl::Duration timeout = absl::Seconds(30);        // every call, its tries included
    absl::Duration backoff = absl::Milliseconds(500);  // before a read's second try; doubled after
    // Where warnings go (an unverified TLS connection); stderr when unset.
    std::function<void(const std::string&)> warn = nullptr;
    // The clock a token's `exp` is compared with (absl::Now when unset).
    std::function<absl::Time()> now = nullptr;
  };

  explicit HttpOvirt(OvirtClientConfig config) : HttpOvirt(std::move(config), Options{}) {}
  HttpOvirt(OvirtClientConfig config, Options options);

  absl::StatusOr<ovirt::Version> EngineVersion() override;
  absl::StatusOr<std::vector<ovirt::Vm>> ListVms() override;
  absl::StatusOr<ovirt::Vm> GetVm(absl::string_view vm_id) override;
  absl::StatusOr<ovirt::Disk> GetDisk(absl::string_view disk_id) override;
  absl::Status Shutdown(absl::string_view vm_id) override;
  absl::Status Stop(absl::string_view vm_id) override;
  absl::Status Start(absl::string_view vm_id) override;
  absl::Status DetachDisk(absl::string_view vm_id, absl::string_view attachment_id) override;
  absl::Status DeactivateDisk(absl::string_view vm_id, absl::string_view attachment_id) override;
  absl::StatusOr<ovirt::DiskAttachment> AttachDisk(
      absl::string_view vm_id, const ovirt::DiskAttachment& attachment) override;

  // How many tokens were fetched so far (for tests: renewal on expiry or 401).
  int tokens_fetched() const;

 private:
  // One call to the API (a path under /ovirt-engine/api), authenticated,
  // with a 401 answered by a new token and one more try, and a read's 5xx
  // by back-off. The body of a 2xx answer; the fault's status otherwise.
  absl::StatusOr<std::string> Api(const std::string& method, const std::string& path,
                                  const std::string& body = "");
  // The current token, fetched when there is none or it expires within a
  // minute. `stale`: the token the engine just refused (fetched anew).
  absl::StatusOr<std::string> Token(const std::string& stale = "");
  absl::Status Action(absl::string_view vm_id, absl::string_view action);
  absl::Time Now() const { return options_.now ? options_.now() : absl::Now(); }

  OvirtClientConfig config_;
  Options options_;
  std::string api_path_;  // "/ovirt-engine/api"
  std::string sso_path_;  // "/ovirt-engine/sso/oauth/token"
  HttpsClient client_;
  mutable std::mutex mu_;  // guards the token
  std::string token_;
  absl::Time token_expires_ = absl::InfinitePast();
  int tokens_fetched_ = 0;
};

}  // namespace ferry::adapters

#endif  // FERRY_ADAPTERS_OVIRT_HTTP_OVIRT_H_
