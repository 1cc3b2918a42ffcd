// RFC 7983 §7: what a datagram on an ICE component is, by its first byte (and for RTP/RTCP
// the payload type, RFC 5761 §4).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace jcall::media {

enum class PacketKind { kStun, kZrtp, kDtls, kTurnChannel, kRtp, kRtcp, kUnknown };
std::string_view to_string(PacketKind k);

PacketKind classify(std::span<const std::uint8_t> datagram);

}  // namespace jcall::media
