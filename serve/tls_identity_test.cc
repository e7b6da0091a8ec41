#include "serve/tls_identity.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::serve {
namespace {

X509* Read(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return cert;
}

// A client that trusts the CA accepts the server's certificate for the
// addresses it names, and for no other.
TEST(TlsIdentityTest, TheCaVerifiesTheServerForItsAddressesOnly) {
  absl::StatusOr<TlsIdentity> id = MakeTlsIdentity({"127.0.0.1"}, {"localhost"});
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_THAT(id->key_pem, ::testing::HasSubstr("PRIVATE KEY"));
  X509* ca = Read(id->ca_pem);
  X509* server = Read(id->cert_pem);
  ASSERT_NE(ca, nullptr);
  ASSERT_NE(server, nullptr);
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca);
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, server, nullptr);
  EXPECT_EQ(X509_verify_cert(ctx), 1) << X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx));
  X509_STORE_CTX_free(ctx);
  EXPECT_EQ(X509_check_ip_asc(server, "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_host(server, "localhost", 0, 0, nullptr), 1);
  EXPECT_NE(X509_check_ip_asc(server, "127.0.0.2", 0), 1);
  EXPECT_NE(X509_check_host(server, "example.com", 0, 0, nullptr), 1);
  // Another identity's CA does not vouch for this server.
  absl::StatusOr<TlsIdentity> other = MakeTlsIdentity({"127.0.0.1"}, {});
  ASSERT_TRUE(other.ok());
  X509* other_ca = Read(other->ca_pem);
  X509_STORE* other_store = X509_STORE_new();
  X509_STORE_add_cert(other_store, other_ca);
  ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, other_store, server, nullptr);
  EXPECT_NE(X509_verify_cert(ctx), 1);
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(other_store);
  X509_STORE_free(store);
  X509_free(other_ca);
  X509_free(ca);
  X509_free(server);
}

TEST(TlsIdentityTest, TokensAreLongAndDifferEachTime) {
  absl::StatusOr<std::string> a = RandomToken();
  absl::StatusOr<std::string> b = RandomToken();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->size(), 64u);
  EXPECT_NE(*a, *b);
}

}  // namespace
}  // namespace ferry::serve
