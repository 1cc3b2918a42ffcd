// XEP-0167 §4–§7: the RTP application description and session-info payloads, with the
// pieces other XEPs put inside the description: XEP-0293 rtcp-fb, XEP-0294 rtp-hdrext,
// XEP-0339 sources and ssrc-groups.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "codecs/codec.hpp"
#include "signaling/xml/element.hpp"

namespace jcall::signaling::jingle {

// XEP-0339 §3.1 <source ssrc=".."><parameter name=".." value=".."/></source>.
struct Source {
  std::uint32_t ssrc = 0;
  std::vector<codecs::Parameter> parameters;  // cname, msid, ...

  static Result<Source> from_xml(const xml::Element& e);
  xml::Element to_xml() const;
  bool operator==(const Source&) const = default;
};

// XEP-0339 §3.2 <ssrc-group semantics="FID"><source ssrc=".."/>...</ssrc-group>.
struct SourceGroup {
  std::string semantics;  // FID | FEC | SIM ...
  std::vector<std::uint32_t> ssrcs;

  static Result<SourceGroup> from_xml(const xml::Element& e);
  xml::Element to_xml() const;
  bool operator==(const SourceGroup&) const = default;
};

// <payload-type/> with its XEP-0293 children.
Result<codecs::Codec> payload_type_from_xml(const xml::Element& e);
xml::Element payload_type_to_xml(const codecs::Codec& c);

// XEP-0167 §6 <encryption/> (SDES crypto) is not negotiated by jcall (DTLS-SRTP only); it is
// kept as an element so that a description round-trips and the session can refuse it.
struct RtpDescription {
  std::string media;  // "audio" | "video" (other values are kept and refused by the session)
  std::optional<std::uint32_t> ssrc;
  std::vector<codecs::Codec> payload_types;
  std::optional<std::uint32_t> bandwidth;  // <bandwidth type="AS">kbps</bandwidth>
  std::string bandwidth_type;              // "AS" when bandwidth is set
  bool rtcp_mux = false;                   // <rtcp-mux/> (XEP-0167 §5, v1.2)
  bool rtcp_reduced_size = false;          // <rtcp-reduced-size/> (sent by StanzaJS)
  std::vector<codecs::RtcpFb> rtcp_fb;     // XEP-0293 for all payload types
  std::optional<std::uint32_t> rtcp_fb_trr_int;
  std::vector<codecs::HeaderExtension> header_extensions;  // XEP-0294
  bool extmap_allow_mixed = false;                         // XEP-0294 <extmap-allow-mixed/>
  std::vector<Source> sources;                             // XEP-0339
  std::vector<SourceGroup> source_groups;
  std::optional<xml::Element> encryption;
  std::vector<xml::Element> extra;  // children in other namespaces (StanzaJS msid <stream/>)

  std::optional<codecs::MediaType> media_type() const;

  static Result<RtpDescription> from_xml(const xml::Element& e);
  xml::Element to_xml() const;
  bool operator==(const RtpDescription&) const = default;
};

// XEP-0167 §7 session-info payloads (namespace urn:xmpp:jingle:apps:rtp:info:1).
struct RtpInfo {
  enum class Kind { kActive, kHold, kUnhold, kMute, kUnmute, kRinging };
  Kind kind = Kind::kActive;
  std::string creator;  // mute/unmute: "initiator" | "responder"; empty when absent
  std::string name;     // mute/unmute: the content; empty means all of them

  static Result<RtpInfo> from_xml(const xml::Element& e);
  xml::Element to_xml() const;
  bool operator==(const RtpInfo&) const = default;
};

// The element name of a session-info payload: "active", "hold", ... "ringing".
std::string_view to_string(RtpInfo::Kind k);

}  // namespace jcall::signaling::jingle
