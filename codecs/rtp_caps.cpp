// RTP caps for GStreamer from a payload type (RFC 4855 §3 media type parameters, as
// gst_sdp_media_get_caps_from_media() names them: upper-case encoding-name, fmtp as strings).
#include "codecs/rtp_caps.hpp"

#include <string_view>

#include "codecs/detail/strings.hpp"

namespace jcall::codecs {
namespace {

bool is_field_name(std::string_view n) {
  if (n.empty() || n.size() > 64 ||
      !((n[0] >= 'a' && n[0] <= 'z') || (n[0] >= 'A' && n[0] <= 'Z'))) {
    return false;
  }
  for (const char c : n) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) {
      return false;
    }
  }
  return true;
}

// The fields rtp_caps() writes itself: a format parameter of that name would contradict them.
bool is_reserved(std::string_view n) {
  for (const char* r : {"media", "payload", "clock-rate", "encoding-name", "encoding-params",
                        "ssrc", "clock-base", "seqnum-base"}) {
    if (detail::iequals(n, r)) {
      return true;
    }
  }
  return false;
}

std::string quoted(std::string_view v) {
  std::string s = "\"";
  for (const char c : v) {
    if (c == '"' || c == '\\') {
      s += '\\';
    }
    s += c;
  }
  return s + "\"";
}

std::string upper(std::string_view v) {
  std::string s(v);
  for (char& c : s) {
    if (c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');
    }
  }
  return s;
}

std::string lower(std::string_view v) {
  std::string s(v);
  for (char& c : s) {
    c = detail::ascii_lower(c);
  }
  return s;
}

}  // namespace

std::string rtp_caps(MediaType media, const Codec& c) {
  std::string s = "application/x-rtp, media=(string)" + std::string(to_string(media)) +
                  ", payload=(int)" + std::to_string(c.id) + ", clock-rate=(int)" +
                  std::to_string(c.clock_rate) + ", encoding-name=(string)" + quoted(upper(c.name));
  if (media == MediaType::kAudio && c.channels && *c.channels > 1) {
    s += ", encoding-params=(string)" + quoted(std::to_string(*c.channels));
  }
  std::string seen;
  for (const Parameter& p : c.parameters) {
    const std::string name = lower(p.name);
    if (!is_field_name(name) || is_reserved(name) || seen.find("," + name + ",") != seen.npos) {
      continue;
    }
    seen += "," + name + ",";
    s += ", " + name + "=(string)" + quoted(p.value);
  }
  // XEP-0293 feedback as rtpbin reads it from the caps: rtpsession answers a decoder's keyframe
  // request with PLI or FIR only when "rtcp-fb-nack-pli" / "rtcp-fb-ccm-fir" say the peer
  // takes them (RFC 4585 §4.2, RFC 5104 §7.1).
  for (const RtcpFb& fb : c.rtcp_fb) {
    std::string field = "rtcp-fb-" + lower(fb.type);
    if (!fb.subtype.empty()) {
      field += "-" + lower(fb.subtype);
    }
    if (!is_field_name(field) || seen.find("," + field + ",") != seen.npos) {
      continue;
    }
    seen += "," + field + ",";
    s += ", " + field + "=(boolean)true";
  }
  return s;
}

}  // namespace jcall::codecs
