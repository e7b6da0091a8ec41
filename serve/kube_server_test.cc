// The served fake API driven by the real kubectl (the machine image's
// /usr/bin/kubectl, which picks its 1.32 client from /version), over HTTPS
// on 127.0.0.1 with the kubeconfig the server writes.
#include "serve/kube_server.h"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/ports/clock.h"
#include "fakes/kube/fake_kube_api.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "serve/kubeconfig.h"

namespace ferry::serve {
namespace {

using ::testing::HasSubstr;

constexpr char kKubectl[] = "/usr/bin/kubectl";

struct KubectlRun {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// Runs kubectl with `args` (shell-quoted by the caller) against `kubeconfig`.
KubectlRun Kubectl(const std::string& kubeconfig, const std::string& args) {
  const std::string command =
      absl::StrCat(kKubectl, " --kubeconfig ", kubeconfig, " --request-timeout=20s ", args, " 2>&1");
  KubectlRun run;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) run.output.append(buffer.data(), n);
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

class KubeServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(access(kKubectl, X_OK), 0)
        << kKubectl << " is missing: this machine image provides kubectl (Google's dispatcher "
        << "package with kubectl.1.27-1.33); install it to run this test";
    absl::StatusOr<TlsIdentity> id = MakeTlsIdentity({"127.0.0.1"}, {"localhost"});
    ASSERT_TRUE(id.ok()) << id.status();
    absl::StatusOr<std::string> token = RandomToken();
    ASSERT_TRUE(token.ok());
    token_ = *token;
    server_ = std::make_unique<KubeServer>(api_, mu_, *id, KubeServer::Options{.token = token_});
    ASSERT_TRUE(server_->Start().ok());
    kubeconfig_ = absl::StrCat(getenv("TEST_TMPDIR"), "/kubeconfig");
    ASSERT_TRUE(WritePrivateFile(kubeconfig_,
                                 Kubeconfig({.server = absl::StrCat("https://127.0.0.1:", server_->port()),
                                             .ca_pem = id->ca_pem,
                                             .token = token_}))
                    .ok());
  }
  void TearDown() override {
    if (server_ != nullptr) server_->Stop();
  }

  ports::ManualClock clock_;
  fakes::FakeKubeApi api_{clock_};
  absl::Mutex mu_;
  std::string token_;
  std::unique_ptr<KubeServer> server_;
  std::string kubeconfig_;
};

TEST_F(KubeServerTest, KubectlCreatesGetsListsAndDeletes) {
  KubectlRun r = Kubectl(kubeconfig_, "create --validate=false -f examples/storage-migration/destination-pvc.yaml "
                               "-f examples/storage-migration/migration.yaml");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("persistentvolumeclaim/pvc-dest created"));
  EXPECT_THAT(r.output,
              HasSubstr("virtualmachineinstancemigration.kubevirt.io/migration-local-storage created"));
  {
    absl::MutexLock lock(&mu_);
    EXPECT_TRUE(api_.Get({"PersistentVolumeClaim", "default", "pvc-dest"}).ok());
  }
  r = Kubectl(kubeconfig_, "get pvc pvc-dest -o json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const nlohmann::json pvc = nlohmann::json::parse(r.output);
  EXPECT_EQ(pvc["spec"]["resources"]["requests"]["storage"], "1Gi");
  r = Kubectl(kubeconfig_, "get vmim");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("migration-local-storage"));
  r = Kubectl(kubeconfig_, "get pvc -l nothing=here -o name");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "") << "-o name prints nothing for no match";
  r = Kubectl(kubeconfig_, "label pvc pvc-dest tier=gold");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  r = Kubectl(kubeconfig_, "get pvc -l tier=gold -o name");
  EXPECT_EQ(r.output, "persistentvolumeclaim/pvc-dest\n");
  r = Kubectl(kubeconfig_, "delete pvc pvc-dest");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("deleted"));
  r = Kubectl(kubeconfig_, "get pvc pvc-dest");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.output, HasSubstr("NotFound"));
}

// With the served OpenAPI, kubectl applies with strict server-side field
// validation: an unknown field is refused naming it, and nothing is made.
// A second apply of a built-in kind is a strategic merge patch.
TEST_F(KubeServerTest, KubectlApplyValidatesStrictlyAndAppliesAgain) {
  KubectlRun r = Kubectl(kubeconfig_, "apply -f examples/storage-migration/destination-pvc.yaml "
                                      "-f examples/storage-migration/migration.yaml");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("persistentvolumeclaim/pvc-dest created"));
  const std::string dir = getenv("TEST_TMPDIR");
  std::ofstream(dir + "/bad.yaml") << "apiVersion: kubevirt.io/v1\n"
                                      "kind: VirtualMachineInstanceMigration\n"
                                      "metadata: {name: bad}\n"
                                      "spec:\n"
                                      "  vmiName: vm\n"
                                      "  localStorageMigration:\n"
                                      "    migrateNonSharedDisks: [{sourcePvc: a, destinationPvc: b}]\n"
                                      "    migrateSharedDisks: true\n";
  r = Kubectl(kubeconfig_, absl::StrCat("apply -f ", dir, "/bad.yaml"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.output, HasSubstr("spec.localStorageMigration.migrateSharedDisks: unknown field"));
  {
    absl::MutexLock lock(&mu_);
    EXPECT_EQ(api_.Get({"VirtualMachineInstanceMigration", "default", "bad"}).status().code(),
              absl::StatusCode::kNotFound);
  }
  std::ofstream(dir + "/pvc.yaml") << "apiVersion: v1\nkind: PersistentVolumeClaim\n"
                                      "metadata: {name: pvc-dest, labels: {tier: gold}}\n"
                                      "spec:\n  accessModes: [ReadWriteOnce]\n  volumeMode: Filesystem\n"
                                      "  resources: {requests: {storage: 1Gi}}\n";
  r = Kubectl(kubeconfig_, absl::StrCat("apply -f ", dir, "/pvc.yaml"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("persistentvolumeclaim/pvc-dest configured"));
  r = Kubectl(kubeconfig_, "get pvc -l tier=gold -o name");
  EXPECT_EQ(r.output, "persistentvolumeclaim/pvc-dest\n");
}

TEST_F(KubeServerTest, KubectlWatchSeesAChangeAsItHappens) {
  ASSERT_EQ(Kubectl(kubeconfig_, "create --validate=false -f examples/storage-migration/destination-pvc.yaml")
                .exit_code,
            0);
  // The watch runs until its timeout; the label is written while it runs.
  std::string watch_output;
  std::thread watcher([&] {
    watch_output = Kubectl(kubeconfig_, "get pvc -w --request-timeout=3s -o name").output;
  });
  absl::SleepFor(absl::Seconds(1));
  EXPECT_EQ(Kubectl(kubeconfig_, "label pvc pvc-dest watched=yes").exit_code, 0);
  watcher.join();
  EXPECT_THAT(watch_output, HasSubstr("persistentvolumeclaim/pvc-dest"));
  // The first line is the initial list; the label arrives as a second one.
  EXPECT_GE(std::count(watch_output.begin(), watch_output.end(), '\n'), 2) << watch_output;
}

TEST_F(KubeServerTest, AWrongTokenIsUnauthorizedAndTheTokenIsNotEchoed) {
  std::ifstream in(kubeconfig_);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string bad = absl::StrCat(getenv("TEST_TMPDIR"), "/bad-kubeconfig");
  const size_t at = text.find(token_);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, token_.size(), std::string(token_.size(), '0'));
  ASSERT_TRUE(WritePrivateFile(bad, text).ok());
  const KubectlRun r = Kubectl(bad, "get pvc");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.output, HasSubstr("the server has asked for the client to provide credentials"))
      << "kubectl's words for a 401";
  EXPECT_THAT(r.output, ::testing::Not(HasSubstr(token_)));
}

TEST_F(KubeServerTest, AnswersAreNeverCompressedWhateverTheClientAccepts) {
  // cpp-httplib on its own answers a client accepting br (libcurl's
  // default) with brotli at its slowest quality.
  httplib::SSLClient client("127.0.0.1", server_->port());
  client.enable_server_certificate_verification(false);  // kubectl's tests verify the CA
  client.set_bearer_token_auth(token_);
  client.set_decompress(false);
  for (const char* accept : {"br", "gzip", "deflate, gzip, br, zstd"}) {
    httplib::Result res = client.Get("/api/v1/namespaces/default/persistentvolumeclaims",
                                     {{"Accept-Encoding", accept}});
    ASSERT_TRUE(res) << accept << ": " << httplib::to_string(res.error());
    EXPECT_EQ(res->status, 200) << accept;
    EXPECT_FALSE(res->has_header("Content-Encoding"))
        << accept << ": " << res->get_header_value("Content-Encoding");
    EXPECT_THAT(res->body, HasSubstr("PersistentVolumeClaimList")) << accept;
  }
}

}  // namespace
}  // namespace ferry::serve
