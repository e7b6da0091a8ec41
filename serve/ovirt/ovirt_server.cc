#include "serve/ovirt/ovirt_server.h"

#include "absl/strings/str_cat.h"
#include "httplib.h"
#include "serve/https_server.h"

namespace ferry::serve {

OvirtServer::OvirtServer(fakes::FakeEngine& engine, absl::Mutex& mu, const TlsIdentity& identity,
                         Options options)
    : mu_(mu),
      options_(std::move(options)),
      handler_(engine, options_.handler),
      identity_(identity) {}

OvirtServer::~OvirtServer() { Stop(); }

std::string OvirtServer::url() const {
  return absl::StrCat("https://", options_.address, ":", port_, "/ovirt-engine/api");
}

absl::Status OvirtServer::Start() {
  if (options_.handler.password.empty()) {
    return absl::FailedPreconditionError("no engine password: anyone could log in");
  }
  if (!options_.handler.new_token || !options_.handler.now) {
    return absl::FailedPreconditionError("the engine's SSO needs a token source and a clock");
  }
  absl::StatusOr<std::unique_ptr<httplib::SSLServer>> server = NewHttpsServer(identity_);
  if (!server.ok()) return server.status();
  server_ = *std::move(server);
  auto handle = [this](const httplib::Request& req, httplib::Response& res) {
    HttpResponse answer;
    {
      absl::MutexLock lock(&mu_);
      answer = handler_.Handle(FromHttplib(req));
    }
    res.status = answer.status;
    res.set_content(answer.body, answer.content_type.c_str());
    if (options_.log) options_.log(absl::StrCat(req.method, " ", req.path, " ", res.status));
  };
  server_->Get(".*", handle);
  server_->Post(".*", handle);
  server_->Put(".*", handle);
  server_->Delete(".*", handle);
  absl::StatusOr<int> port = BindHttps(*server_, options_.address, options_.port);
  if (!port.ok()) return port.status();
  port_ = *port;
  thread_ = ServeInBackground(*server_);
  return absl::OkStatus();
}

void OvirtServer::Stop() {
  if (server_ != nullptr) server_->stop();
  if (thread_.joinable()) thread_.join();
}

void OvirtServer::ExpireTokens() {
  absl::MutexLock lock(&mu_);
  handler_.ExpireTokens();
}

}  // namespace ferry::serve
