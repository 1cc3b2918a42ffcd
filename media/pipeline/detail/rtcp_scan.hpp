// What jcall reads itself from a compound RTCP packet (sans-I/O): the report blocks of SR/RR
// (RFC 3550 §6.4), for bandwidth adaptation, and the feedback messages (RFC 4585 §6: NACK,
// PLI; RFC 5104 §4.3.1: FIR; REMB), counted per media SSRC for the statistics. rtpbin does the
// protocol work (it answers NACKs and PLIs); this only looks.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace jcall::media::detail {

struct RtcpScan {
  struct Block {
    std::uint32_t ssrc = 0;  // the source the block reports on
    std::uint8_t fraction_lost = 0;
    std::int32_t cumulative_lost = 0;  // 24-bit signed on the wire
    std::uint32_t highest_seq = 0;     // extended highest sequence number received
    std::uint32_t lsr = 0;             // middle 32 bits of the last SR's NTP time
    std::uint32_t dlsr = 0;            // delay since that SR, 1/65536 s
  };
  struct Feedback {
    enum class Kind { kNack, kPli, kFir, kRemb };
    Kind kind = Kind::kNack;
    std::uint32_t media_ssrc = 0;      // FIR: the FCI entry's SSRC; REMB: 0
    std::vector<std::uint32_t> ssrcs;  // REMB: the SSRCs it applies to
    std::uint64_t remb_bps = 0;
  };
  std::vector<Block> blocks;
  std::vector<Feedback> feedback;
};

// Walks the packets of a compound (or reduced-size) RTCP packet; stops at the first malformed
// one and returns what came before it.
RtcpScan scan_rtcp(std::span<const std::uint8_t> compound);

// Round trip from a report block (RFC 3550 §6.4.1): `now_ntp_middle` is the middle 32 bits of
// the NTP time the report arrived at. nullopt when the block has no LSR.
std::optional<double> round_trip_ms(const RtcpScan::Block& b, std::uint32_t now_ntp_middle);

}  // namespace jcall::media::detail
