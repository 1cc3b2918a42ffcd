// RFC 5763 §5 self-signed certificates and RFC 8122 §5 / XEP-0320 fingerprints.
#include "media/dtls_srtp/certificate.hpp"

#include <cctype>

#include <gtest/gtest.h>
#include <openssl/ec.h>
#include <openssl/x509.h>

#include "media/errc.hpp"

namespace jcall::media {
namespace {

void expect_fingerprint_format(const std::string& fp, std::size_t bytes) {
  ASSERT_EQ(fp.size(), bytes * 3 - 1) << fp;
  for (std::size_t i = 0; i < fp.size(); ++i) {
    if (i % 3 == 2) {
      EXPECT_EQ(fp[i], ':') << fp;
    } else {
      const char c = fp[i];
      EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F')) << fp;
    }
  }
}

TEST(Certificate, GeneratesSelfSignedEcdsaP256) {
  auto cert = Certificate::generate();
  ASSERT_TRUE(cert) << cert.error().message;
  X509* x = (*cert)->x509();
  ASSERT_NE(x, nullptr);
  ASSERT_NE((*cert)->key(), nullptr);
  EXPECT_EQ(EVP_PKEY_get_base_id((*cert)->key()), EVP_PKEY_EC);
  char group[64] = {};
  size_t len = 0;
  ASSERT_EQ(EVP_PKEY_get_group_name((*cert)->key(), group, sizeof group, &len), 1);
  EXPECT_STREQ(group, "prime256v1");
  EXPECT_EQ(X509_verify(x, (*cert)->key()), 1);  // self-signed with our key
  EXPECT_EQ(X509_get_signature_nid(x), NID_ecdsa_with_SHA256);
  EXPECT_EQ(X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)), 0);
  char cn[32] = {};
  ASSERT_GT(X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof cn), 0);
  EXPECT_STREQ(cn, "jcall");
  EXPECT_LT(X509_cmp_current_time(X509_get0_notBefore(x)), 0);
  EXPECT_GT(X509_cmp_current_time(X509_get0_notAfter(x)), 0);
}

TEST(Certificate, Sha256FingerprintFormat) {
  auto cert = Certificate::generate();
  ASSERT_TRUE(cert) << cert.error().message;
  const std::string& fp = (*cert)->fingerprint_sha256();
  EXPECT_EQ(fp.size(), 95u);
  expect_fingerprint_format(fp, 32);
  auto again = fingerprint((*cert)->x509(), "sha-256");
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, fp);
}

TEST(Certificate, TwoCertificatesDiffer) {
  auto a = Certificate::generate();
  auto b = Certificate::generate();
  ASSERT_TRUE(a && b);
  EXPECT_NE((*a)->fingerprint_sha256(), (*b)->fingerprint_sha256());
  EXPECT_NE(
      ASN1_INTEGER_cmp(X509_get_serialNumber((*a)->x509()), X509_get_serialNumber((*b)->x509())),
      0);
}

TEST(Certificate, OtherHashes) {
  auto cert = Certificate::generate();
  ASSERT_TRUE(cert);
  struct Case {
    const char* name;
    std::size_t bytes;
  };
  for (const Case c : {Case{"sha-1", 20}, Case{"sha-224", 28}, Case{"sha-256", 32},
                       Case{"sha-384", 48}, Case{"sha-512", 64}, Case{"SHA-1", 20}}) {
    auto fp = fingerprint((*cert)->x509(), c.name);
    ASSERT_TRUE(fp) << c.name;
    expect_fingerprint_format(*fp, c.bytes);
  }
  EXPECT_EQ(fingerprint((*cert)->x509(), "sha-1")->size(), 59u);
}

TEST(Certificate, UnknownHashIsAnError) {
  auto cert = Certificate::generate();
  ASSERT_TRUE(cert);
  for (const char* name : {"md5", "sha256", "", "sha-3"}) {
    auto fp = fingerprint((*cert)->x509(), name);
    ASSERT_FALSE(fp) << name;
    EXPECT_EQ(fp.error().code, make_error_code(Errc::invalid_argument));
    EXPECT_NE(fp.error().message.find(name), std::string::npos);
  }
}

}  // namespace
}  // namespace jcall::media
