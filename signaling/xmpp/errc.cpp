#include "signaling/xmpp/errc.hpp"

#include <string>

namespace jcall::signaling::xmpp {
namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "jcall.xmpp"; }
  std::string message(int ev) const override {
    switch (static_cast<Errc>(ev)) {
      case Errc::resolve_failed:
        return "server address lookup failed";
      case Errc::connect_failed:
        return "could not connect to the server";
      case Errc::tls_required:
        return "the server does not offer TLS";
      case Errc::tls_failed:
        return "TLS negotiation failed";
      case Errc::certificate_rejected:
        return "the server certificate was rejected";
      case Errc::auth_failed:
        return "authentication failed";
      case Errc::auth_mechanism:
        return "no acceptable authentication mechanism";
      case Errc::server_signature:
        return "the server could not prove it knows the password";
      case Errc::bad_server_response:
        return "unexpected answer from the server";
      case Errc::bind_failed:
        return "resource binding failed";
      case Errc::stream_error:
        return "the server closed the stream with an error";
      case Errc::xml_error:
        return "the server sent XML that is refused";
      case Errc::connection_lost:
        return "connection lost";
      case Errc::timeout:
        return "timed out";
      case Errc::closed:
        return "closed";
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

bool is_transient(Errc e) {
  switch (e) {
    case Errc::resolve_failed:
    case Errc::connect_failed:
    case Errc::connection_lost:
    case Errc::timeout:
    case Errc::stream_error:
      return true;
    default:
      return false;
  }
}

}  // namespace jcall::signaling::xmpp
