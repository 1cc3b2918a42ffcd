// Error category of media/ (errc.hpp).
#include "media/errc.hpp"

#include <string>

namespace jcall::media {
namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "jcall.media"; }
  std::string message(int ev) const override {
    switch (static_cast<Errc>(ev)) {
      case Errc::ice_failed:
        return "ICE failed: no working candidate pair";
      case Errc::ice_error:
        return "ICE error";
      case Errc::dtls_handshake_failed:
        return "DTLS handshake failed";
      case Errc::dtls_timeout:
        return "DTLS handshake timed out";
      case Errc::fingerprint_mismatch:
        return "the peer's DTLS certificate does not match the signaled fingerprint";
      case Errc::srtp_error:
        return "SRTP error";
      case Errc::certificate_error:
        return "certificate error";
      case Errc::pipeline_error:
        return "media pipeline error";
      case Errc::device_error:
        return "audio device error";
      case Errc::invalid_argument:
        return "invalid argument";
      case Errc::not_connected:
        return "not connected";
    }
    return "unknown error";
  }
};

}  // namespace

const std::error_category& error_category() {
  static const Category category;
  return category;
}

std::error_code make_error_code(Errc e) {
  return {static_cast<int>(e), error_category()};
}

}  // namespace jcall::media
