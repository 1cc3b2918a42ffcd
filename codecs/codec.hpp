// RFC 3550/3551 payload types as negotiated by Jingle RTP (XEP-0167 §5), with the XEP-0293
// RTCP feedback and XEP-0294 header extensions that belong to them. A codec is a value:
// the Jingle models carry it, offer/answer (offer_answer.hpp) compares it with matches().
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace jcall::codecs {

enum class MediaType { kAudio, kVideo };
std::string_view to_string(MediaType m);  // "audio" | "video"

// XEP-0293 <rtcp-fb type=".." subtype=".."/>: "nack", "nack pli", "ccm fir", "goog-remb",
// "transport-cc". Unknown <parameter/> children are not modelled (no XEP example has any).
struct RtcpFb {
  std::string type;
  std::string subtype;  // empty when absent

  bool operator==(const RtcpFb&) const = default;
};

// XEP-0294 <rtp-hdrext id=".." uri=".." senders=".."/>.
struct HeaderExtension {
  std::uint16_t id = 0;  // 1..14 one-byte, up to 255 two-byte (RFC 8285)
  std::string uri;
  std::string senders;  // empty when absent (= both)

  bool operator==(const HeaderExtension&) const = default;
};

// A format parameter (<parameter name=".." value=".."/>, SDP fmtp). Order is kept as written.
struct Parameter {
  std::string name;
  std::string value;

  bool operator==(const Parameter&) const = default;
};

struct Codec {
  std::uint8_t id = 0;  // RTP payload type, 0..127
  std::string name;     // as written ("opus", "PCMU", "H264"); compared case-insensitively
  std::uint32_t clock_rate = 0;
  std::optional<std::uint32_t> channels;  // absent means 1 (XEP-0167 §5)
  std::optional<std::uint32_t> ptime;
  std::optional<std::uint32_t> maxptime;
  std::vector<Parameter> parameters;
  std::vector<RtcpFb> rtcp_fb;  // XEP-0293 children of the payload-type
  std::optional<std::uint32_t> rtcp_fb_trr_int;

  std::uint32_t channel_count() const { return channels.value_or(1); }
  std::optional<std::string_view> parameter(std::string_view n) const;
  // Same codec: name (case-insensitive), clock rate, channels, and the format parameters that
  // identify a configuration (H.264 profile/packetization-mode, VP9 profile-id, RTX apt).
  bool matches(const Codec& other) const;

  bool operator==(const Codec&) const = default;
};

}  // namespace jcall::codecs
