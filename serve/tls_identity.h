// A TLS identity made at start, for a server that only lives on this
// machine (`ferry serve`): a self-signed CA, a server certificate it signs
// for the given IP addresses and DNS names, and the server's key, as PEM.
// Clients trust the CA (a kubeconfig's certificate-authority-data), so TLS
// is verified end to end without any key on disk beforehand.
//
//   ASSIGN_OR_RETURN(TlsIdentity id, MakeTlsIdentity({"127.0.0.1"}, {"localhost"}));
//   ASSIGN_OR_RETURN(std::string token, RandomToken());
#ifndef FERRY_SERVE_TLS_IDENTITY_H_
#define FERRY_SERVE_TLS_IDENTITY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace ferry::serve {

struct TlsIdentity {
  std::string ca_pem;    // the CA certificate: what clients trust
  std::string cert_pem;  // the server's certificate, signed by the CA
  std::string key_pem;   // the server's private key (never logged)
};

// EC P-256 keys, SHA-256 signatures, valid from an hour ago for a year.
// Internal when OpenSSL fails, with its reason.
absl::StatusOr<TlsIdentity> MakeTlsIdentity(const std::vector<std::string>& ip_addresses,
                                            const std::vector<std::string>& dns_names);

// 32 random bytes from OpenSSL's generator, as 64 hex digits: a bearer token.
absl::StatusOr<std::string> RandomToken();

}  // namespace ferry::serve

#endif  // FERRY_SERVE_TLS_IDENTITY_H_
