// RFC 3550 §6.4 (SR 200, RR 201), RFC 4585 §6 (RTPFB 205, PSFB 206), RFC 5104 §4.3.1 (FIR),
// draft-alvestrand-rmcat-remb (PSFB FMT 15, "REMB").
#include "media/pipeline/detail/rtcp_scan.hpp"

#include "media/pipeline/detail/rate_controller.hpp"

namespace jcall::media::detail {
namespace {

std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         p[3];
}

constexpr std::uint8_t kSr = 200;
constexpr std::uint8_t kRr = 201;
constexpr std::uint8_t kRtpfb = 205;
constexpr std::uint8_t kPsfb = 206;
constexpr std::size_t kBlockSize = 24;

void read_blocks(const std::uint8_t* p, std::size_t size, unsigned count, RtcpScan& out) {
  for (unsigned i = 0; i < count && (i + 1) * kBlockSize <= size; ++i) {
    const std::uint8_t* b = p + i * kBlockSize;
    RtcpScan::Block block;
    block.ssrc = be32(b);
    block.fraction_lost = b[4];
    const std::uint32_t lost24 = (std::uint32_t{b[5]} << 16) | (std::uint32_t{b[6]} << 8) | b[7];
    block.cumulative_lost = (lost24 & 0x800000u) != 0
                                ? static_cast<std::int32_t>(lost24) - 0x1000000
                                : static_cast<std::int32_t>(lost24);
    block.highest_seq = be32(b + 8);
    block.lsr = be32(b + 16);
    block.dlsr = be32(b + 20);
    out.blocks.push_back(block);
  }
}

}  // namespace

RtcpScan scan_rtcp(std::span<const std::uint8_t> compound) {
  RtcpScan out;
  std::size_t pos = 0;
  while (pos + 4 <= compound.size()) {
    const std::uint8_t* h = compound.data() + pos;
    if ((h[0] >> 6) != 2) {
      break;
    }
    const unsigned count = h[0] & 0x1f;  // RC, or FMT for feedback
    const std::uint8_t pt = h[1];
    const std::size_t length = (std::size_t{h[2]} << 8 | h[3]) * 4 + 4;
    if (pos + length > compound.size()) {
      break;
    }
    const std::uint8_t* body = h + 4;  // after the common header
    const std::size_t body_size = length - 4;
    if (pt == kSr && body_size >= 24) {
      read_blocks(body + 24, body_size - 24, count, out);
    } else if (pt == kRr && body_size >= 4) {
      read_blocks(body + 4, body_size - 4, count, out);
    } else if ((pt == kRtpfb || pt == kPsfb) && body_size >= 8) {
      const std::uint32_t media_ssrc = be32(body + 4);
      const std::span<const std::uint8_t> fci(body + 8, body_size - 8);
      RtcpScan::Feedback f;
      f.media_ssrc = media_ssrc;
      bool known = true;
      if (pt == kRtpfb && count == 1) {
        f.kind = RtcpScan::Feedback::Kind::kNack;
      } else if (pt == kPsfb && count == 1) {
        f.kind = RtcpScan::Feedback::Kind::kPli;
      } else if (pt == kPsfb && count == 4 && fci.size() >= 8) {
        f.kind = RtcpScan::Feedback::Kind::kFir;
        f.media_ssrc = be32(fci.data());
      } else if (pt == kPsfb && count == 15) {
        const auto bps = parse_remb(fci);
        known = bps.has_value();
        if (known) {
          f.kind = RtcpScan::Feedback::Kind::kRemb;
          f.remb_bps = *bps;
          const unsigned n = fci[4];
          for (unsigned i = 0; i < n && 8 + (i + 1) * 4 <= fci.size(); ++i) {
            f.ssrcs.push_back(be32(fci.data() + 8 + i * 4));
          }
        }
      } else {
        known = false;
      }
      if (known) {
        out.feedback.push_back(std::move(f));
      }
    }
    pos += length;
  }
  return out;
}

std::optional<double> round_trip_ms(const RtcpScan::Block& b, std::uint32_t now_ntp_middle) {
  if (b.lsr == 0) {
    return std::nullopt;
  }
  const std::uint32_t rtt = now_ntp_middle - b.lsr - b.dlsr;  // modulo 2^32, 1/65536 s
  if (rtt > 0x7fffffffu) {
    return 0.0;  // clock granularity made it "negative"
  }
  return rtt * 1000.0 / 65536.0;
}

}  // namespace jcall::media::detail
