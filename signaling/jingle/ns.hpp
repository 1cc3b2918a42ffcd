// Jingle namespace URIs, grouped by the XEP that defines them.
#pragma once

#include <string_view>

namespace jcall::signaling::jingle::ns {

// XEP-0166
inline constexpr std::string_view kJingle = "urn:xmpp:jingle:1";
inline constexpr std::string_view kJingleErrors = "urn:xmpp:jingle:errors:1";
// XEP-0167
inline constexpr std::string_view kRtp = "urn:xmpp:jingle:apps:rtp:1";
inline constexpr std::string_view kRtpInfo = "urn:xmpp:jingle:apps:rtp:info:1";
inline constexpr std::string_view kRtpErrors = "urn:xmpp:jingle:apps:rtp:errors:1";
inline constexpr std::string_view kRtpAudio = "urn:xmpp:jingle:apps:rtp:audio";
inline constexpr std::string_view kRtpVideo = "urn:xmpp:jingle:apps:rtp:video";
// XEP-0176
inline constexpr std::string_view kIceUdp = "urn:xmpp:jingle:transports:ice-udp:1";
// XEP-0293
inline constexpr std::string_view kRtcpFb = "urn:xmpp:jingle:apps:rtp:rtcp-fb:0";
// XEP-0294
inline constexpr std::string_view kRtpHdrExt = "urn:xmpp:jingle:apps:rtp:rtp-hdrext:0";
// XEP-0320
inline constexpr std::string_view kDtls = "urn:xmpp:jingle:apps:dtls:0";
// XEP-0338
inline constexpr std::string_view kGrouping = "urn:xmpp:jingle:apps:grouping:0";
// XEP-0339
inline constexpr std::string_view kSsma = "urn:xmpp:jingle:apps:rtp:ssma:0";
// XEP-0353
inline constexpr std::string_view kJingleMessage = "urn:xmpp:jingle-message:0";
// Not a XEP: StanzaJS sends <stream xmlns="urn:xmpp:jingle:apps:rtp:msid:0" id=".." track=".."/>
inline constexpr std::string_view kStanzaJsMsid = "urn:xmpp:jingle:apps:rtp:msid:0";

}  // namespace jcall::signaling::jingle::ns
