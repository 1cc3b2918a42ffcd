// RFC 5763 §5 (self-signed certificates identified by their fingerprint) and RFC 8122 §5 /
// XEP-0320 (the fingerprint: hash name, upper-case hex pairs joined by colons).
#include "media/dtls_srtp/certificate.hpp"

#include <array>
#include <cctype>
#include <cstdint>

#include <openssl/asn1.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include "media/errc.hpp"

namespace jcall::media {
namespace {

constexpr long kNotBeforeSeconds = -24L * 3600;      // tolerate a peer's clock being behind
constexpr long kNotAfterSeconds = 30L * 24L * 3600;  // certificates are made per process run

std::string openssl_reason() {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) {
    return "unknown OpenSSL error";
  }
  std::array<char, 256> buf{};
  ERR_error_string_n(e, buf.data(), buf.size());
  return buf.data();
}

Error cert_error(const char* step) {
  return make_error(Errc::certificate_error, std::string("could not make the DTLS certificate: ") +
                                                 step + ": " + openssl_reason());
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

const EVP_MD* digest_by_name(std::string_view hash_name) {
  if (iequals(hash_name, "sha-1")) {
    return EVP_sha1();
  }
  if (iequals(hash_name, "sha-224")) {
    return EVP_sha224();
  }
  if (iequals(hash_name, "sha-256")) {
    return EVP_sha256();
  }
  if (iequals(hash_name, "sha-384")) {
    return EVP_sha384();
  }
  if (iequals(hash_name, "sha-512")) {
    return EVP_sha512();
  }
  return nullptr;
}

}  // namespace

void Certificate::X509Free::operator()(X509* x) const {
  X509_free(x);
}
void Certificate::PkeyFree::operator()(EVP_PKEY* k) const {
  EVP_PKEY_free(k);
}

Certificate::~Certificate() = default;

Result<std::shared_ptr<const Certificate>> Certificate::generate() {
  ERR_clear_error();
  std::shared_ptr<Certificate> cert(new Certificate());

  cert->key_.reset(EVP_EC_gen("P-256"));
  if (!cert->key_) {
    return cert_error("P-256 key generation");
  }
  cert->x509_.reset(X509_new());
  X509* x = cert->x509_.get();
  if (x == nullptr || X509_set_version(x, X509_VERSION_3) != 1) {
    return cert_error("X509_new");
  }

  // A random positive 63-bit serial (RFC 5280 §4.1.2.2: positive, at most 20 octets).
  std::uint64_t serial = 0;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&serial), sizeof serial) != 1) {
    return cert_error("random serial");
  }
  serial &= 0x7fffffffffffffffULL;
  if (serial == 0) {
    serial = 1;
  }
  if (ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), serial) != 1) {
    return cert_error("serial");
  }
  if (X509_gmtime_adj(X509_getm_notBefore(x), kNotBeforeSeconds) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(x), kNotAfterSeconds) == nullptr) {
    return cert_error("validity");
  }
  X509_NAME* name = X509_get_subject_name(x);
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>("jcall"), -1, -1, 0) != 1 ||
      X509_set_issuer_name(x, name) != 1) {
    return cert_error("subject name");
  }
  if (X509_set_pubkey(x, cert->key_.get()) != 1) {
    return cert_error("public key");
  }
  if (X509_sign(x, cert->key_.get(), EVP_sha256()) <= 0) {
    return cert_error("signature");
  }

  auto fp = fingerprint(x, "sha-256");
  if (!fp) {
    return fp.error();
  }
  cert->fingerprint_ = std::move(*fp);
  return std::shared_ptr<const Certificate>(std::move(cert));
}

Result<std::string> fingerprint(X509* cert, std::string_view hash_name) {
  const EVP_MD* md = digest_by_name(hash_name);
  if (md == nullptr) {
    return make_error(Errc::invalid_argument,
                      "unsupported fingerprint hash \"" + std::string(hash_name) + "\"");
  }
  if (cert == nullptr) {
    return make_error(Errc::invalid_argument, "no certificate to fingerprint");
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int len = 0;
  if (X509_digest(cert, md, digest.data(), &len) != 1) {
    return make_error(Errc::certificate_error, "X509_digest failed: " + openssl_reason());
  }
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(len * 3);
  for (unsigned int i = 0; i < len; ++i) {
    if (i != 0) {
      out.push_back(':');
    }
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0x0f]);
  }
  return out;
}

}  // namespace jcall::media
