// XEP-0115 §5: the entity capabilities verification string, and the disco#info identity and
// features jcall announces (XEP-0030).
#pragma once

#include <string>
#include <vector>

#include "signaling/xml/element.hpp"

namespace jcall::signaling::xmpp {

struct Identity {
  std::string category;
  std::string type;
  std::string lang;
  std::string name;
};

struct DiscoInfo {
  std::vector<Identity> identities;
  std::vector<std::string> features;
  std::vector<xml::Element> extensions;  // XEP-0128 data forms (jabber:x:data, type result)
};

// §5.1 string to hash, and its base64 SHA-1 (§5.4 'ver').
std::string caps_verification_input(const DiscoInfo& info);
std::string caps_verification(const DiscoInfo& info);

// What jcall is and supports, for disco#info answers and caps.
DiscoInfo jcall_disco_info();
inline constexpr std::string_view kCapsNode = "https://jcall.example/caps";

}  // namespace jcall::signaling::xmpp
