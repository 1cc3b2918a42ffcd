// RFC 7983 §7 first-byte ranges and RFC 5761 §4 RTP/RTCP distinction.
#include "media/dtls_srtp/demux.hpp"

#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

namespace jcall::media {
namespace {

PacketKind kind_of(std::uint8_t first, std::uint8_t second = 0, std::size_t size = 64) {
  std::vector<std::uint8_t> d(size, 0);
  if (size > 0) {
    d[0] = first;
  }
  if (size > 1) {
    d[1] = second;
  }
  return classify(d);
}

TEST(Demux, EveryFirstByteFallsInItsRange) {
  for (int b = 0; b < 256; ++b) {
    const auto first = static_cast<std::uint8_t>(b);
    PacketKind want = PacketKind::kUnknown;
    if (b <= 3) {
      want = PacketKind::kStun;
    } else if (b >= 16 && b <= 19) {
      want = PacketKind::kZrtp;
    } else if (b >= 20 && b <= 63) {
      want = PacketKind::kDtls;
    } else if (b >= 64 && b <= 79) {
      want = PacketKind::kTurnChannel;
    } else if (b >= 128 && b <= 191) {
      want = PacketKind::kRtp;  // second byte 0: payload type 0 (PCMU)
    }
    EXPECT_EQ(kind_of(first), want) << "first byte " << b;
  }
}

TEST(Demux, RangeBoundaries) {
  EXPECT_EQ(kind_of(3), PacketKind::kStun);
  EXPECT_EQ(kind_of(4), PacketKind::kUnknown);
  EXPECT_EQ(kind_of(15), PacketKind::kUnknown);
  EXPECT_EQ(kind_of(16), PacketKind::kZrtp);
  EXPECT_EQ(kind_of(19), PacketKind::kZrtp);
  EXPECT_EQ(kind_of(20), PacketKind::kDtls);
  EXPECT_EQ(kind_of(63), PacketKind::kDtls);
  EXPECT_EQ(kind_of(64), PacketKind::kTurnChannel);
  EXPECT_EQ(kind_of(79), PacketKind::kTurnChannel);
  EXPECT_EQ(kind_of(80), PacketKind::kUnknown);
  EXPECT_EQ(kind_of(127), PacketKind::kUnknown);
  EXPECT_EQ(kind_of(128), PacketKind::kRtp);
  EXPECT_EQ(kind_of(191), PacketKind::kRtp);
  EXPECT_EQ(kind_of(192), PacketKind::kUnknown);
  EXPECT_EQ(kind_of(255), PacketKind::kUnknown);
}

TEST(Demux, RtcpPacketTypesInTheSecondByte) {
  // RFC 5761 §4: 192-223 are RTCP (SR 200, RR 201, SDES 202, BYE 203, RTPFB 205, PSFB 206).
  EXPECT_EQ(kind_of(0x80, 191), PacketKind::kRtp);
  EXPECT_EQ(kind_of(0x80, 192), PacketKind::kRtcp);
  EXPECT_EQ(kind_of(0x80, 200), PacketKind::kRtcp);
  EXPECT_EQ(kind_of(0x81, 201), PacketKind::kRtcp);
  EXPECT_EQ(kind_of(0x8f, 206), PacketKind::kRtcp);
  EXPECT_EQ(kind_of(0x80, 223), PacketKind::kRtcp);
  EXPECT_EQ(kind_of(0x80, 224), PacketKind::kRtp);
  // Opus on payload type 111, with and without the marker bit.
  EXPECT_EQ(kind_of(0x80, 111), PacketKind::kRtp);
  EXPECT_EQ(kind_of(0x80, 0x80 | 111), PacketKind::kRtp);
  // Payload type 96 with the marker bit is 224: RTP.
  EXPECT_EQ(kind_of(0x90, 0x80 | 96), PacketKind::kRtp);
}

TEST(Demux, TooShortIsUnknown) {
  EXPECT_EQ(classify({}), PacketKind::kUnknown);
  EXPECT_EQ(kind_of(0x00, 0, 19), PacketKind::kUnknown);
  EXPECT_EQ(kind_of(0x00, 0, 20), PacketKind::kStun);
  EXPECT_EQ(kind_of(22, 0, 12), PacketKind::kUnknown);
  EXPECT_EQ(kind_of(22, 0, 13), PacketKind::kDtls);
  EXPECT_EQ(kind_of(64, 0, 3), PacketKind::kUnknown);
  EXPECT_EQ(kind_of(64, 0, 4), PacketKind::kTurnChannel);
  EXPECT_EQ(kind_of(0x80, 0, 1), PacketKind::kUnknown);
  EXPECT_EQ(kind_of(0x80, 111, 11), PacketKind::kUnknown);
  EXPECT_EQ(kind_of(0x80, 111, 12), PacketKind::kRtp);
  EXPECT_EQ(kind_of(0x80, 200, 7), PacketKind::kUnknown);
  EXPECT_EQ(kind_of(0x80, 200, 8), PacketKind::kRtcp);
}

TEST(Demux, Names) {
  EXPECT_EQ(to_string(PacketKind::kDtls), "dtls");
  EXPECT_EQ(to_string(PacketKind::kRtcp), "rtcp");
  EXPECT_EQ(to_string(PacketKind::kUnknown), "unknown");
}

}  // namespace
}  // namespace jcall::media
