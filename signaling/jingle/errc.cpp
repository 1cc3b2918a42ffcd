// XEP-0166 §8: Jingle error conditions and the stanza errors (RFC 6120 §8.3) they map to.
#include "signaling/jingle/errc.hpp"

#include <string>

namespace jcall::signaling::jingle {
namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "jcall.jingle"; }
  std::string message(int ev) const override {
    switch (static_cast<Errc>(ev)) {
      case Errc::bad_request:
        return "malformed Jingle request";
      case Errc::unknown_session:
        return "unknown Jingle session";
      case Errc::out_of_order:
        return "Jingle action out of order";
      case Errc::tie_break:
        return "both sides made the same request at the same time";
      case Errc::unsupported_info:
        return "unsupported session-info payload";
      case Errc::wrong_sender:
        return "Jingle action from someone other than the session's peer";
      case Errc::not_acceptable:
        return "nothing in the offer is acceptable";
      case Errc::timeout:
        return "no answer in time";
      case Errc::peer_error:
        return "the peer answered with an error";
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

std::string_view stanza_condition(Errc e) {
  switch (e) {
    case Errc::bad_request:
      return "bad-request";
    case Errc::unknown_session:
    case Errc::wrong_sender:
      return "item-not-found";
    case Errc::out_of_order:
      return "unexpected-request";
    case Errc::tie_break:
      return "conflict";
    case Errc::unsupported_info:
      return "feature-not-implemented";
    case Errc::not_acceptable:
      return "not-acceptable";
    case Errc::timeout:
      return "remote-server-timeout";
    case Errc::peer_error:
      return "undefined-condition";
  }
  return "undefined-condition";
}

std::string_view jingle_error_child(Errc e) {
  switch (e) {
    case Errc::unknown_session:
      return "unknown-session";
    case Errc::out_of_order:
      return "out-of-order";
    case Errc::tie_break:
      return "tie-break";
    case Errc::unsupported_info:
      return "unsupported-info";
    default:
      return {};
  }
}

}  // namespace jcall::signaling::jingle
