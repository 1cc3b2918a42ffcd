// Namespace URIs, grouped by the specification that defines them.
#pragma once

#include <string_view>

namespace jcall::signaling::xmpp::ns {

// RFC 6120
inline constexpr std::string_view kClient = "jabber:client";
inline constexpr std::string_view kStreams = "http://etherx.jabber.org/streams";
inline constexpr std::string_view kStreamErrors = "urn:ietf:params:xml:ns:xmpp-streams";
inline constexpr std::string_view kTls = "urn:ietf:params:xml:ns:xmpp-tls";
inline constexpr std::string_view kSasl = "urn:ietf:params:xml:ns:xmpp-sasl";
inline constexpr std::string_view kBind = "urn:ietf:params:xml:ns:xmpp-bind";
inline constexpr std::string_view kStanzas = "urn:ietf:params:xml:ns:xmpp-stanzas";
// RFC 6121
inline constexpr std::string_view kRoster = "jabber:iq:roster";
// XEP-0030
inline constexpr std::string_view kDiscoInfo = "http://jabber.org/protocol/disco#info";
inline constexpr std::string_view kDiscoItems = "http://jabber.org/protocol/disco#items";
// XEP-0085
inline constexpr std::string_view kChatStates = "http://jabber.org/protocol/chatstates";
// XEP-0115
inline constexpr std::string_view kCaps = "http://jabber.org/protocol/caps";
// XEP-0184
inline constexpr std::string_view kReceipts = "urn:xmpp:receipts";
// XEP-0198
inline constexpr std::string_view kSm = "urn:xmpp:sm:3";
// XEP-0199
inline constexpr std::string_view kPing = "urn:xmpp:ping";
// XEP-0215
inline constexpr std::string_view kExternalServices = "urn:xmpp:extdisco:2";
// XEP-0280
inline constexpr std::string_view kCarbons = "urn:xmpp:carbons:2";
// XEP-0297
inline constexpr std::string_view kForward = "urn:xmpp:forward:0";
// XEP-0334
inline constexpr std::string_view kHints = "urn:xmpp:hints";
// XEP-0359
inline constexpr std::string_view kStanzaId = "urn:xmpp:sid:0";
// XEP-0440
inline constexpr std::string_view kSaslChannelBinding = "urn:xmpp:sasl-cb:0";

}  // namespace jcall::signaling::xmpp::ns
