// The HTTPS transport every Ferry server shares (`ferry serve`, `ferry
// ovirt-serve`): a cpp-httplib SSLServer with the TLS identity, tuned the
// same way (a pool of 256 threads, since watches hold one each; keep-alive
// for 100,000 requests; TCP_NODELAY, without which a kept-alive answer
// waits out the client's delayed ACK; no compression, whatever the client
// accepts), its requests as HttpRequest.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<httplib::SSLServer> server, NewHttpsServer(identity));
//   server->Get(".*", handle);
//   ASSIGN_OR_RETURN(int port, BindHttps(*server, "127.0.0.1", 0));
//   std::thread t = ServeInBackground(*server);
#ifndef FERRY_SERVE_HTTPS_SERVER_H_
#define FERRY_SERVE_HTTPS_SERVER_H_

#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "serve/http_message.h"
#include "serve/tls_identity.h"

namespace httplib {
class Server;
class SSLServer;
struct Request;
}  // namespace httplib

namespace ferry::serve {

// FailedPrecondition when the identity's certificate or key cannot be used.
absl::StatusOr<std::unique_ptr<httplib::SSLServer>> NewHttpsServer(const TlsIdentity& identity);

// Binds `address:port` (port 0: any free one) and returns the port;
// Unavailable naming the address when it cannot be bound.
absl::StatusOr<int> BindHttps(httplib::SSLServer& server, const std::string& address, int port);

// Serves on a thread of its own, returned once the server is running: a
// stop() before listening began would be lost, and the thread would never
// end (cpp-httplib sets its running flag only inside listen).
std::thread ServeInBackground(httplib::Server& server);

// A request as the handlers see it: the query's (and a form body's)
// parameters decoded, header names in lower case.
HttpRequest FromHttplib(const httplib::Request& r);

}  // namespace ferry::serve

#endif  // FERRY_SERVE_HTTPS_SERVER_H_
