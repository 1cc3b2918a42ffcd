// XEP-0167 §4–§7: the RTP description, its payload types and session-info payloads, with
// XEP-0293 rtcp-fb, XEP-0294 rtp-hdrext and XEP-0339 source / ssrc-group children.
//
// Serialization order of <description/> children (every child kind in one fixed place; the
// order among children of one kind is the model's order): <rtcp-mux/>, <rtcp-reduced-size/>,
// <payload-type/>s, <rtcp-fb/>s, <rtcp-fb-trr-int/>, <rtp-hdrext/>s, <extmap-allow-mixed/>,
// <bandwidth/>, <encryption/>, <source/>s, <ssrc-group/>s, then the unknown children.
// Inside <payload-type/>: <parameter/>s, <rtcp-fb/>s, <rtcp-fb-trr-int/>.
//
// A <parameter/> without a 'value' attribute (Chromium's red "111/111") is modelled with an
// empty value, and an empty value is written without the attribute, so that it stays absent.
#include "signaling/jingle/rtp.hpp"

#include <limits>

#include "signaling/jingle/detail/fields.hpp"
#include "signaling/jingle/errc.hpp"
#include "signaling/jingle/jingle.hpp"
#include "signaling/jingle/ns.hpp"

namespace jcall::signaling::jingle {
namespace {

using detail::bad_request;

constexpr std::uint64_t kU32Max = std::numeric_limits<std::uint32_t>::max();

Result<codecs::Parameter> parameter_from_xml(const xml::Element& e) {
  auto name = detail::required(e, "name");
  if (!name) {
    return name.error();
  }
  return codecs::Parameter{std::move(*name), std::string(e.attr_or("value", ""))};
}

xml::Element parameter_to_xml(const codecs::Parameter& p, std::string_view ns) {
  xml::Element e("parameter", std::string(ns));
  e.set_attr("name", p.name);
  if (!p.value.empty()) {
    e.set_attr("value", p.value);
  }
  return e;
}

Result<codecs::RtcpFb> rtcp_fb_from_xml(const xml::Element& e) {
  auto type = detail::required(e, "type");
  if (!type) {
    return type.error();
  }
  codecs::RtcpFb fb{std::move(*type), {}};
  if (auto subtype = e.attr("subtype")) {
    if (subtype->empty()) {
      return bad_request("<rtcp-fb/> attribute 'subtype' is empty");
    }
    fb.subtype = std::string(*subtype);
  }
  return fb;
}

xml::Element rtcp_fb_to_xml(const codecs::RtcpFb& fb) {
  xml::Element e("rtcp-fb", std::string(ns::kRtcpFb));
  e.set_attr("type", fb.type);
  if (!fb.subtype.empty()) {
    e.set_attr("subtype", fb.subtype);
  }
  return e;
}

Result<std::uint32_t> trr_int_from_xml(const xml::Element& e) {
  auto v = detail::required_number(e, "value", 0, kU32Max);
  if (!v) {
    return v.error();
  }
  return static_cast<std::uint32_t>(*v);
}

xml::Element trr_int_to_xml(std::uint32_t v) {
  xml::Element e("rtcp-fb-trr-int", std::string(ns::kRtcpFb));
  e.set_attr("value", std::to_string(v));
  return e;
}

Result<codecs::HeaderExtension> hdrext_from_xml(const xml::Element& e) {
  codecs::HeaderExtension h;
  // RFC 8285 §5: 1..14 (one-byte) or 1..255 (two-byte headers); RFC 5285 §7 and XEP-0294 §2
  // also allow 4096..4351 in an offer, for the answerer to renumber.
  auto id = detail::required_number(e, "id", 1, 4351);
  if (!id) {
    return id.error();
  }
  if (*id > 255 && *id < 4096) {
    return bad_request("<rtp-hdrext/> attribute 'id': \"" + std::to_string(*id) +
                       "\" is not in 1..255 or 4096..4351");
  }
  h.id = static_cast<std::uint16_t>(*id);
  auto uri = detail::required(e, "uri");
  if (!uri) {
    return uri.error();
  }
  h.uri = std::move(*uri);
  if (auto senders = e.attr("senders")) {
    if (!senders_from_string(*senders)) {
      return bad_request("<rtp-hdrext/> attribute 'senders': \"" + std::string(*senders) +
                         "\" is not both, initiator, responder or none");
    }
    h.senders = std::string(*senders);
  }
  return h;
}

xml::Element hdrext_to_xml(const codecs::HeaderExtension& h) {
  xml::Element e("rtp-hdrext", std::string(ns::kRtpHdrExt));
  e.set_attr("id", std::to_string(h.id));
  e.set_attr("uri", h.uri);
  if (!h.senders.empty()) {
    e.set_attr("senders", h.senders);
  }
  return e;
}

}  // namespace

// --- XEP-0339 -------------------------------------------------------------------------------

Result<Source> Source::from_xml(const xml::Element& e) {
  if (!e.is("source", ns::kSsma)) {
    return bad_request("expected an SSMA <source/>, got " + detail::describe(e));
  }
  Source s;
  auto ssrc = detail::required_number(e, "ssrc", 0, kU32Max);
  if (!ssrc) {
    return ssrc.error();
  }
  s.ssrc = static_cast<std::uint32_t>(*ssrc);
  for (const auto& child : e.children) {
    if (child.is("parameter", ns::kSsma)) {
      auto p = parameter_from_xml(child);
      if (!p) {
        return p.error();
      }
      s.parameters.push_back(std::move(*p));
    }
  }
  return s;
}

xml::Element Source::to_xml() const {
  xml::Element e("source", std::string(ns::kSsma));
  e.set_attr("ssrc", std::to_string(ssrc));
  for (const auto& p : parameters) {
    e.add(parameter_to_xml(p, ns::kSsma));
  }
  return e;
}

Result<SourceGroup> SourceGroup::from_xml(const xml::Element& e) {
  if (!e.is("ssrc-group", ns::kSsma)) {
    return bad_request("expected an SSMA <ssrc-group/>, got " + detail::describe(e));
  }
  SourceGroup g;
  auto semantics = detail::required(e, "semantics");
  if (!semantics) {
    return semantics.error();
  }
  g.semantics = std::move(*semantics);
  for (const auto& child : e.children) {
    if (child.is("source", ns::kSsma)) {
      auto ssrc = detail::required_number(child, "ssrc", 0, kU32Max);
      if (!ssrc) {
        return ssrc.error();
      }
      g.ssrcs.push_back(static_cast<std::uint32_t>(*ssrc));
    }
  }
  return g;
}

xml::Element SourceGroup::to_xml() const {
  xml::Element e("ssrc-group", std::string(ns::kSsma));
  e.set_attr("semantics", semantics);
  for (auto ssrc : ssrcs) {
    e.add("source", std::string(ns::kSsma)).set_attr("ssrc", std::to_string(ssrc));
  }
  return e;
}

// --- XEP-0167 §5 payload types ----------------------------------------------------------------

Result<codecs::Codec> payload_type_from_xml(const xml::Element& e) {
  if (!e.is("payload-type", ns::kRtp)) {
    return bad_request("expected an RTP <payload-type/>, got " + detail::describe(e));
  }
  codecs::Codec c;
  auto id = detail::required_number(e, "id", 0, 127);
  if (!id) {
    return id.error();
  }
  c.id = static_cast<std::uint8_t>(*id);
  // XEP-0167 §5: the name is REQUIRED for dynamic payload types (96..127), RECOMMENDED for
  // static ones, whose codec the number already names (RFC 3551 §6).
  if (auto name = e.attr("name")) {
    if (name->empty()) {
      return bad_request("<payload-type/> " + std::to_string(c.id) + " has an empty 'name'");
    }
    c.name = std::string(*name);
  } else if (c.id >= 96) {
    return bad_request("<payload-type/> " + std::to_string(c.id) +
                       " is dynamic and lacks the required attribute 'name'");
  }
  // The clock rate is RECOMMENDED, not required (static types imply it): 0 means absent,
  // which is unambiguous because a written clockrate of 0 is refused.
  auto clock_rate = detail::optional_number(e, "clockrate", 1, kU32Max);
  if (!clock_rate) {
    return clock_rate.error();
  }
  c.clock_rate = static_cast<std::uint32_t>(clock_rate->value_or(0));
  auto channels = detail::optional_number(e, "channels", 1, 255);
  if (!channels) {
    return channels.error();
  }
  c.channels = detail::narrow<std::uint32_t>(*channels);
  auto ptime = detail::optional_number(e, "ptime", 0, kU32Max);
  if (!ptime) {
    return ptime.error();
  }
  c.ptime = detail::narrow<std::uint32_t>(*ptime);
  auto maxptime = detail::optional_number(e, "maxptime", 0, kU32Max);
  if (!maxptime) {
    return maxptime.error();
  }
  c.maxptime = detail::narrow<std::uint32_t>(*maxptime);
  for (const auto& child : e.children) {
    if (child.is("parameter", ns::kRtp)) {
      auto p = parameter_from_xml(child);
      if (!p) {
        return p.error();
      }
      c.parameters.push_back(std::move(*p));
    } else if (child.is("rtcp-fb", ns::kRtcpFb)) {
      auto fb = rtcp_fb_from_xml(child);
      if (!fb) {
        return fb.error();
      }
      c.rtcp_fb.push_back(std::move(*fb));
    } else if (child.is("rtcp-fb-trr-int", ns::kRtcpFb)) {
      auto v = trr_int_from_xml(child);
      if (!v) {
        return v.error();
      }
      c.rtcp_fb_trr_int = *v;
    }
  }
  return c;
}

xml::Element payload_type_to_xml(const codecs::Codec& c) {
  xml::Element e("payload-type", std::string(ns::kRtp));
  e.set_attr("id", std::to_string(c.id));
  if (!c.name.empty()) {
    e.set_attr("name", c.name);
  }
  if (c.clock_rate != 0) {
    e.set_attr("clockrate", std::to_string(c.clock_rate));
  }
  if (c.channels) {
    e.set_attr("channels", std::to_string(*c.channels));
  }
  if (c.ptime) {
    e.set_attr("ptime", std::to_string(*c.ptime));
  }
  if (c.maxptime) {
    e.set_attr("maxptime", std::to_string(*c.maxptime));
  }
  for (const auto& p : c.parameters) {
    e.add(parameter_to_xml(p, ns::kRtp));
  }
  for (const auto& fb : c.rtcp_fb) {
    e.add(rtcp_fb_to_xml(fb));
  }
  if (c.rtcp_fb_trr_int) {
    e.add(trr_int_to_xml(*c.rtcp_fb_trr_int));
  }
  return e;
}

// --- XEP-0167 §4 description ------------------------------------------------------------------

std::optional<codecs::MediaType> RtpDescription::media_type() const {
  if (media == "audio") {
    return codecs::MediaType::kAudio;
  }
  if (media == "video") {
    return codecs::MediaType::kVideo;
  }
  return std::nullopt;
}

Result<RtpDescription> RtpDescription::from_xml(const xml::Element& e) {
  if (!e.is("description", ns::kRtp)) {
    return bad_request("expected <description xmlns='" + std::string(ns::kRtp) + "'/>, got " +
                       detail::describe(e));
  }
  RtpDescription d;
  auto media = detail::required(e, "media");
  if (!media) {
    return media.error();
  }
  d.media = std::move(*media);
  auto ssrc = detail::optional_number(e, "ssrc", 0, kU32Max);
  if (!ssrc) {
    return ssrc.error();
  }
  d.ssrc = detail::narrow<std::uint32_t>(*ssrc);
  bool have_bandwidth = false;
  for (const auto& child : e.children) {
    if (child.is("payload-type", ns::kRtp)) {
      auto pt = payload_type_from_xml(child);
      if (!pt) {
        return pt.error();
      }
      d.payload_types.push_back(std::move(*pt));
    } else if (child.is("bandwidth", ns::kRtp)) {
      if (have_bandwidth) {
        return bad_request("<description/> has more than one <bandwidth/>");
      }
      have_bandwidth = true;
      auto type = detail::required(child, "type");
      if (!type) {
        return type.error();
      }
      auto kbps = detail::text_number(child, 0, kU32Max);
      if (!kbps) {
        return kbps.error();
      }
      d.bandwidth_type = std::move(*type);
      d.bandwidth = static_cast<std::uint32_t>(*kbps);
    } else if (child.is("rtcp-mux", ns::kRtp)) {
      d.rtcp_mux = true;
    } else if (child.is("rtcp-reduced-size", ns::kRtp)) {
      d.rtcp_reduced_size = true;
    } else if (child.is("encryption", ns::kRtp)) {
      if (d.encryption) {
        return bad_request("<description/> has more than one <encryption/>");
      }
      d.encryption = child;
    } else if (child.is("rtcp-fb", ns::kRtcpFb)) {
      auto fb = rtcp_fb_from_xml(child);
      if (!fb) {
        return fb.error();
      }
      d.rtcp_fb.push_back(std::move(*fb));
    } else if (child.is("rtcp-fb-trr-int", ns::kRtcpFb)) {
      auto v = trr_int_from_xml(child);
      if (!v) {
        return v.error();
      }
      d.rtcp_fb_trr_int = *v;
    } else if (child.is("rtp-hdrext", ns::kRtpHdrExt)) {
      auto h = hdrext_from_xml(child);
      if (!h) {
        return h.error();
      }
      d.header_extensions.push_back(std::move(*h));
    } else if (child.is("extmap-allow-mixed", ns::kRtpHdrExt)) {
      d.extmap_allow_mixed = true;
    } else if (child.is("source", ns::kSsma)) {
      auto s = Source::from_xml(child);
      if (!s) {
        return s.error();
      }
      d.sources.push_back(std::move(*s));
    } else if (child.is("ssrc-group", ns::kSsma)) {
      auto g = SourceGroup::from_xml(child);
      if (!g) {
        return g.error();
      }
      d.source_groups.push_back(std::move(*g));
    } else {
      d.extra.push_back(child);
    }
  }
  return d;
}

xml::Element RtpDescription::to_xml() const {
  xml::Element e("description", std::string(ns::kRtp));
  e.set_attr("media", media);
  if (ssrc) {
    e.set_attr("ssrc", std::to_string(*ssrc));
  }
  if (rtcp_mux) {
    e.add("rtcp-mux", std::string(ns::kRtp));
  }
  if (rtcp_reduced_size) {
    e.add("rtcp-reduced-size", std::string(ns::kRtp));
  }
  for (const auto& pt : payload_types) {
    e.add(payload_type_to_xml(pt));
  }
  for (const auto& fb : rtcp_fb) {
    e.add(rtcp_fb_to_xml(fb));
  }
  if (rtcp_fb_trr_int) {
    e.add(trr_int_to_xml(*rtcp_fb_trr_int));
  }
  for (const auto& h : header_extensions) {
    e.add(hdrext_to_xml(h));
  }
  if (extmap_allow_mixed) {
    e.add("extmap-allow-mixed", std::string(ns::kRtpHdrExt));
  }
  if (bandwidth) {
    xml::Element& b = e.add("bandwidth", std::string(ns::kRtp));
    b.set_attr("type", bandwidth_type.empty() ? std::string_view("AS") : bandwidth_type);
    b.text = std::to_string(*bandwidth);
  }
  if (encryption) {
    e.add(*encryption);
  }
  for (const auto& s : sources) {
    e.add(s.to_xml());
  }
  for (const auto& g : source_groups) {
    e.add(g.to_xml());
  }
  for (const auto& x : extra) {
    e.add(x);
  }
  return e;
}

// --- XEP-0167 §7 session-info -------------------------------------------------------------------

namespace {

std::optional<RtpInfo::Kind> info_kind(std::string_view name) {
  using K = RtpInfo::Kind;
  if (name == "active") {
    return K::kActive;
  }
  if (name == "hold") {
    return K::kHold;
  }
  if (name == "unhold") {
    return K::kUnhold;
  }
  if (name == "mute") {
    return K::kMute;
  }
  if (name == "unmute") {
    return K::kUnmute;
  }
  if (name == "ringing") {
    return K::kRinging;
  }
  return std::nullopt;
}

}  // namespace

Result<RtpInfo> RtpInfo::from_xml(const xml::Element& e) {
  auto kind = e.ns == ns::kRtpInfo ? info_kind(e.name) : std::nullopt;
  if (!kind) {
    return make_error(Errc::unsupported_info,
                      "<" + e.name + " xmlns='" + e.ns + "'/> is not an RTP session-info payload");
  }
  RtpInfo info;
  info.kind = *kind;
  if (auto creator = e.attr("creator")) {
    if (!creator_from_string(*creator)) {
      return bad_request(detail::describe(e) + " attribute 'creator': \"" + std::string(*creator) +
                         "\" is not initiator or responder");
    }
    info.creator = std::string(*creator);
  }
  if (auto name = e.attr("name")) {
    if (name->empty()) {
      return bad_request(detail::describe(e) + " attribute 'name' is empty");
    }
    info.name = std::string(*name);
  }
  return info;
}

xml::Element RtpInfo::to_xml() const {
  xml::Element e(std::string(to_string(kind)), std::string(ns::kRtpInfo));
  if (!creator.empty()) {
    e.set_attr("creator", creator);
  }
  if (!name.empty()) {
    e.set_attr("name", name);
  }
  return e;
}

std::string_view to_string(RtpInfo::Kind k) {
  using K = RtpInfo::Kind;
  switch (k) {
    case K::kActive:
      return "active";
    case K::kHold:
      return "hold";
    case K::kUnhold:
      return "unhold";
    case K::kMute:
      return "mute";
    case K::kUnmute:
      return "unmute";
    case K::kRinging:
      return "ringing";
  }
  return "active";
}

}  // namespace jcall::signaling::jingle
