// Our DTLS identity (RFC 5763 §5, XEP-0320): one self-signed ECDSA P-256 certificate made at
// startup and shared by every call (RSA generation takes up to 400 ms on this machine kind),
// announced by its SHA-256 fingerprint.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "base/result.hpp"

namespace jcall::media {

class Certificate {
 public:
  static Result<std::shared_ptr<const Certificate>> generate();
  ~Certificate();
  Certificate(const Certificate&) = delete;
  Certificate& operator=(const Certificate&) = delete;

  X509* x509() const { return x509_.get(); }
  EVP_PKEY* key() const { return key_.get(); }
  // "AB:CD:..." upper-case hex, as XEP-0320 <fingerprint hash="sha-256"> carries it.
  const std::string& fingerprint_sha256() const { return fingerprint_; }

 private:
  struct X509Free {
    void operator()(X509* x) const;
  };
  struct PkeyFree {
    void operator()(EVP_PKEY* k) const;
  };
  Certificate() = default;
  std::unique_ptr<X509, X509Free> x509_;
  std::unique_ptr<EVP_PKEY, PkeyFree> key_;
  std::string fingerprint_;
};

// The fingerprint of a DER certificate with a hash named as in XEP-0320/RFC 4572 ("sha-1",
// "sha-224", "sha-256", "sha-384", "sha-512", any case); an error for an unknown hash name.
Result<std::string> fingerprint(X509* cert, std::string_view hash_name);

}  // namespace jcall::media
