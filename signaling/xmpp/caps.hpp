// XEP-0115 §5: the entity capabilities verification string, and the disco#info identity and
// features jcall announces (XEP-0030).
#pragma once

#include <string>
#include <string_view>
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

// What jcall is and supports, for disco#info answers and caps: the client services, and
// Jingle RTP calls (XEP-0166, 0167, 0176, 0320, 0338, 0293, 0294, 0339) with XEP-0353.
DiscoInfo jcall_disco_info();

// XEP-0030 §3.1: a disco#info <query/> answer as a DiscoInfo (identities, features, forms).
DiscoInfo parse_disco_info(const xml::Element& query);
bool has_feature(const DiscoInfo& info, std::string_view feature);
inline constexpr std::string_view kCapsNode = "https://jcall.example/caps";

}  // namespace jcall::signaling::xmpp
