// XEP-0167 §5 payload types compared as RFC 3264 §6.1 formats: name, clock rate, channels and
// the format parameters that identify a configuration (RFC 6184 §8.2.2 for H.264, RFC 9628 §6
// profile-id for VP9). RTX apt (RFC 4588 §8.6) names a payload type, which only means something
// next to the rest of a description, so offer_answer.cpp compares it.
#include "codecs/codec.hpp"

#include "codecs/detail/strings.hpp"
#include "codecs/h264_profile.hpp"

namespace jcall::codecs {
namespace {

using detail::iequals;

bool h264_matches(const Codec& a, const Codec& b) {
  const auto mode_a = h264_packetization_mode(a);
  const auto mode_b = h264_packetization_mode(b);
  if (!mode_a || !mode_b || *mode_a != *mode_b) {
    return false;
  }
  const auto plid_a = h264_profile_level_id(a);
  const auto plid_b = h264_profile_level_id(b);
  // The level is not part of the identity: an answerer may lower it, and with
  // level-asymmetry-allowed each direction uses its own (RFC 6184 §8.2.2).
  return plid_a && plid_b && plid_a->same_profile(*plid_b);
}

std::optional<std::uint32_t> vp9_profile_id(const Codec& c) {
  const auto v = c.parameter("profile-id");
  return v ? detail::parse_u32(*v) : std::optional<std::uint32_t>(0);
}

}  // namespace

std::string_view to_string(MediaType m) {
  return m == MediaType::kAudio ? "audio" : "video";
}

std::optional<std::string_view> Codec::parameter(std::string_view n) const {
  for (const Parameter& p : parameters) {
    if (iequals(p.name, n)) {
      return std::string_view(p.value);
    }
  }
  return std::nullopt;
}

bool Codec::matches(const Codec& other) const {
  if (!iequals(name, other.name) || clock_rate != other.clock_rate ||
      channel_count() != other.channel_count()) {
    return false;
  }
  if (iequals(name, "H264")) {
    return h264_matches(*this, other);
  }
  if (iequals(name, "VP9")) {
    const auto a = vp9_profile_id(*this);
    const auto b = vp9_profile_id(other);
    return a && b && *a == *b;
  }
  return true;
}

}  // namespace jcall::codecs
