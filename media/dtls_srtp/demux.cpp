// RFC 7983 §7 (first-byte demultiplexing of STUN, ZRTP, DTLS, TURN channels and RTP/RTCP) and
// RFC 5761 §4 (RTP vs RTCP on one port: RTCP packet types 192-223 in the second byte).
#include "media/dtls_srtp/demux.hpp"

namespace jcall::media {
namespace {

// The smallest datagram of each kind that is worth handing on: a STUN header (RFC 8489 §5), a
// ZRTP packet header (RFC 6189 §5), a DTLS record header (RFC 6347 §4.1), a ChannelData header
// (RFC 8656 §12.4), an RTP fixed header (RFC 3550 §5.1) and an RTCP header with its SSRC
// (RFC 3550 §6.4). Anything shorter cannot be parsed by the layer it would go to.
constexpr std::size_t kMinStun = 20;
constexpr std::size_t kMinZrtp = 12;
constexpr std::size_t kMinDtls = 13;
constexpr std::size_t kMinTurnChannel = 4;
constexpr std::size_t kMinRtp = 12;
constexpr std::size_t kMinRtcp = 8;

PacketKind at_least(std::size_t size, std::size_t min, PacketKind kind) {
  return size >= min ? kind : PacketKind::kUnknown;
}

}  // namespace

std::string_view to_string(PacketKind k) {
  switch (k) {
    case PacketKind::kStun:
      return "stun";
    case PacketKind::kZrtp:
      return "zrtp";
    case PacketKind::kDtls:
      return "dtls";
    case PacketKind::kTurnChannel:
      return "turn-channel";
    case PacketKind::kRtp:
      return "rtp";
    case PacketKind::kRtcp:
      return "rtcp";
    case PacketKind::kUnknown:
      break;
  }
  return "unknown";
}

PacketKind classify(std::span<const std::uint8_t> datagram) {
  if (datagram.empty()) {
    return PacketKind::kUnknown;
  }
  const std::uint8_t b = datagram[0];
  const std::size_t n = datagram.size();
  if (b <= 3) {
    return at_least(n, kMinStun, PacketKind::kStun);
  }
  if (b >= 16 && b <= 19) {
    return at_least(n, kMinZrtp, PacketKind::kZrtp);
  }
  if (b >= 20 && b <= 63) {
    return at_least(n, kMinDtls, PacketKind::kDtls);
  }
  if (b >= 64 && b <= 79) {
    return at_least(n, kMinTurnChannel, PacketKind::kTurnChannel);
  }
  if (b >= 128 && b <= 191) {
    if (n < 2) {
      return PacketKind::kUnknown;
    }
    // RFC 5761 §4: the second byte is marker + payload type for RTP, the packet type for RTCP.
    const std::uint8_t pt = datagram[1];
    if (pt >= 192 && pt <= 223) {
      return at_least(n, kMinRtcp, PacketKind::kRtcp);
    }
    return at_least(n, kMinRtp, PacketKind::kRtp);
  }
  return PacketKind::kUnknown;
}

}  // namespace jcall::media
