// XEP-0320 §3: <fingerprint xmlns="urn:xmpp:jingle:apps:dtls:0" hash=".."
// setup="..">HEX</fingerprint> inside an ICE-UDP transport.
#pragma once

#include <optional>
#include <string>

#include "base/result.hpp"
#include "signaling/xml/element.hpp"

namespace jcall::signaling::jingle {

// RFC 4145 §4 setup roles.
enum class Setup { kActpass, kActive, kPassive, kHoldconn };
std::string_view to_string(Setup s);
std::optional<Setup> setup_from_string(std::string_view s);

struct Fingerprint {
  std::string hash;  // "sha-256" (RFC 4572 hash function names, lower case)
  std::optional<Setup> setup;
  std::string value;  // colon-separated upper-case hex, as written (surrounding space trimmed)

  static Result<Fingerprint> from_xml(const xml::Element& e);
  xml::Element to_xml() const;
  bool operator==(const Fingerprint&) const = default;
};

}  // namespace jcall::signaling::jingle
