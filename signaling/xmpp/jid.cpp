// RFC 7622 §3
#include "signaling/xmpp/jid.hpp"

#include <algorithm>

#include "signaling/xmpp/errc.hpp"

namespace jcall::signaling::xmpp {
namespace {

constexpr std::size_t kMaxPart = 1023;

Error bad(std::string_view s, std::string why) {
  return make_error(make_error_code(Errc::bad_server_response),
                    "'" + std::string(s) + "' is not a valid JID: " + why);
}

}  // namespace

Result<Jid> Jid::parse(std::string_view s) {
  Jid j;
  std::string_view rest = s;
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    j.resource_ = std::string(rest.substr(slash + 1));
    rest = rest.substr(0, slash);
    if (j.resource_.empty()) {
      return bad(s, "empty resource");
    }
  }
  if (const auto at = rest.find('@'); at != std::string_view::npos) {
    j.local_ = std::string(rest.substr(0, at));
    rest = rest.substr(at + 1);
    if (j.local_.empty()) {
      return bad(s, "empty local part");
    }
    if (j.local_.find_first_of("\"&'/:<>@ \t\r\n") != std::string::npos) {
      return bad(s, "forbidden character in the local part");
    }
  }
  if (rest.empty()) {
    return bad(s, "empty domain");
  }
  if (rest.back() == '.') {
    rest.remove_suffix(1);  // RFC 7622 §3.2: a trailing dot is removed
  }
  j.domain_ = std::string(rest);
  std::transform(j.domain_.begin(), j.domain_.end(), j.domain_.begin(),
                 [](unsigned char c) { return c < 0x80 ? std::tolower(c) : c; });
  if (j.domain_.find_first_of("@/ \t\r\n") != std::string::npos) {
    return bad(s, "forbidden character in the domain");
  }
  if (j.local_.size() > kMaxPart || j.domain_.size() > kMaxPart || j.resource_.size() > kMaxPart) {
    return bad(s, "a part is longer than 1023 bytes");
  }
  return j;
}

Jid Jid::bare() const {
  Jid j = *this;
  j.resource_.clear();
  return j;
}

Jid Jid::with_resource(std::string resource) const {
  Jid j = *this;
  j.resource_ = std::move(resource);
  return j;
}

std::string Jid::bare_str() const {
  return local_.empty() ? domain_ : local_ + "@" + domain_;
}

std::string Jid::str() const {
  return resource_.empty() ? bare_str() : bare_str() + "/" + resource_;
}

}  // namespace jcall::signaling::xmpp
