// RFC 3711 §3.3 (SRTP) and §3.4 (SRTCP) through SrtpSession: round trips, authentication
// failures and replays for RFC 7714 AEAD_AES_128_GCM and AES128_CM_SHA1_80.
#include "media/dtls_srtp/srtp_session.hpp"

#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "media/errc.hpp"

namespace jcall::media {
namespace {

std::vector<std::uint8_t> rtp_packet(std::uint16_t seq, std::size_t payload = 80) {
  std::vector<std::uint8_t> p = {0x80,
                                 111,
                                 static_cast<std::uint8_t>(seq >> 8),
                                 static_cast<std::uint8_t>(seq),
                                 0x00,
                                 0x01,
                                 0xe2,
                                 0x40,
                                 0x12,
                                 0x34,
                                 0x56,
                                 0x78};
  for (std::size_t i = 0; i < payload; ++i) {
    p.push_back(static_cast<std::uint8_t>(i * 7 + seq));
  }
  return p;
}

// An RTCP receiver report (RFC 3550 §6.4.2) with one report block.
std::vector<std::uint8_t> rtcp_rr() {
  return {0x81, 201,  0x00, 0x07, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde,
          0xf0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00,
          0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
}

std::vector<std::uint8_t> key_for(SrtpProfile p, std::uint8_t seed) {
  std::vector<std::uint8_t> k(key_length(p) + salt_length(p));
  for (std::size_t i = 0; i < k.size(); ++i) {
    k[i] = static_cast<std::uint8_t>(seed + i * 13);
  }
  return k;
}

struct Pair {
  SrtpSession out;
  SrtpSession in;
};

Pair make_pair(SrtpProfile p) {
  auto key = key_for(p, 1);
  auto out = SrtpSession::create(p, SrtpSession::Direction::kOutbound, key);
  auto in = SrtpSession::create(p, SrtpSession::Direction::kInbound, key);
  EXPECT_TRUE(out) << (out ? "" : out.error().message);
  EXPECT_TRUE(in) << (in ? "" : in.error().message);
  return Pair{std::move(out).value(), std::move(in).value()};
}

std::size_t tag_length(SrtpProfile p) {
  return p == SrtpProfile::kAeadAes128Gcm ? 16 : 10;
}

class SrtpProfiles : public ::testing::TestWithParam<SrtpProfile> {};

TEST_P(SrtpProfiles, RtpRoundTrip) {
  const SrtpProfile profile = GetParam();
  Pair s = make_pair(profile);
  for (std::uint16_t seq = 1000; seq < 1010; ++seq) {
    const auto plain = rtp_packet(seq);
    auto packet = plain;
    ASSERT_TRUE(s.out.protect_rtp(packet));
    EXPECT_EQ(packet.size(), plain.size() + tag_length(profile));
    // The header stays in clear, the payload does not.
    EXPECT_TRUE(std::equal(plain.begin(), plain.begin() + 12, packet.begin()));
    EXPECT_FALSE(std::equal(plain.begin() + 12, plain.end(), packet.begin() + 12));
    ASSERT_TRUE(s.in.unprotect_rtp(packet));
    EXPECT_EQ(packet, plain);
  }
  EXPECT_EQ(s.out.counters().protected_packets, 10u);
  EXPECT_EQ(s.in.counters().unprotected_packets, 10u);
  EXPECT_EQ(s.in.counters().auth_failures, 0u);
  EXPECT_EQ(s.out.profile(), profile);
}

TEST_P(SrtpProfiles, TamperedPayloadIsDropped) {
  Pair s = make_pair(GetParam());
  auto packet = rtp_packet(1);
  ASSERT_TRUE(s.out.protect_rtp(packet));
  packet[20] ^= 0x01;
  EXPECT_FALSE(s.in.unprotect_rtp(packet));
  EXPECT_EQ(s.in.counters().auth_failures, 1u);
  EXPECT_EQ(s.in.counters().unprotected_packets, 0u);
}

TEST_P(SrtpProfiles, TamperedTagIsDropped) {
  Pair s = make_pair(GetParam());
  auto packet = rtp_packet(1);
  ASSERT_TRUE(s.out.protect_rtp(packet));
  packet.back() ^= 0x80;
  EXPECT_FALSE(s.in.unprotect_rtp(packet));
  EXPECT_EQ(s.in.counters().auth_failures, 1u);
  // The genuine next packet still goes through.
  auto next = rtp_packet(2);
  const auto plain = next;
  ASSERT_TRUE(s.out.protect_rtp(next));
  ASSERT_TRUE(s.in.unprotect_rtp(next));
  EXPECT_EQ(next, plain);
}

TEST_P(SrtpProfiles, ReplayIsDropped) {
  Pair s = make_pair(GetParam());
  auto packet = rtp_packet(7);
  ASSERT_TRUE(s.out.protect_rtp(packet));
  const auto copy = packet;
  ASSERT_TRUE(s.in.unprotect_rtp(packet));
  auto replay = copy;
  EXPECT_FALSE(s.in.unprotect_rtp(replay));
  EXPECT_EQ(s.in.counters().replay_failures, 1u);
  EXPECT_EQ(s.in.counters().auth_failures, 0u);
  EXPECT_EQ(s.in.counters().unprotected_packets, 1u);
}

TEST_P(SrtpProfiles, RetransmissionMayBeProtectedTwice) {
  // allow_repeat_tx: RTX and retransmitted packets reuse a sequence number on the sender.
  Pair s = make_pair(GetParam());
  auto a = rtp_packet(3);
  auto b = rtp_packet(3);
  ASSERT_TRUE(s.out.protect_rtp(a));
  EXPECT_TRUE(s.out.protect_rtp(b));
  EXPECT_EQ(a, b);
}

TEST_P(SrtpProfiles, RtcpRoundTrip) {
  Pair s = make_pair(GetParam());
  const auto plain = rtcp_rr();
  auto packet = plain;
  ASSERT_TRUE(s.out.protect_rtcp(packet));
  EXPECT_EQ(packet.size(), plain.size() + 4 + tag_length(GetParam()));  // E+index, tag
  ASSERT_TRUE(s.in.unprotect_rtcp(packet));
  EXPECT_EQ(packet, plain);
  auto tampered = plain;
  ASSERT_TRUE(s.out.protect_rtcp(tampered));
  tampered[10] ^= 0xff;
  EXPECT_FALSE(s.in.unprotect_rtcp(tampered));
  EXPECT_EQ(s.in.counters().auth_failures, 1u);
}

TEST_P(SrtpProfiles, WrongKeyFailsAuthentication) {
  const SrtpProfile p = GetParam();
  auto out = SrtpSession::create(p, SrtpSession::Direction::kOutbound, key_for(p, 1));
  auto in = SrtpSession::create(p, SrtpSession::Direction::kInbound, key_for(p, 2));
  ASSERT_TRUE(out && in);
  auto packet = rtp_packet(1);
  ASSERT_TRUE(out->protect_rtp(packet));
  EXPECT_FALSE(in->unprotect_rtp(packet));
  EXPECT_EQ(in->counters().auth_failures, 1u);
}

TEST_P(SrtpProfiles, DirectionIsEnforced) {
  Pair s = make_pair(GetParam());
  auto packet = rtp_packet(1);
  auto r = s.in.protect_rtp(packet);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, make_error_code(Errc::srtp_error));
  EXPECT_EQ(packet, rtp_packet(1));
  EXPECT_FALSE(s.out.unprotect_rtp(packet));
  EXPECT_EQ(s.out.counters().other_failures, 1u);
}

TEST_P(SrtpProfiles, MalformedIsCountedAsOther) {
  Pair s = make_pair(GetParam());
  std::vector<std::uint8_t> runt = {0x80, 111, 0, 1};
  EXPECT_FALSE(s.in.unprotect_rtp(runt));
  EXPECT_EQ(s.in.counters().other_failures, 1u);
  EXPECT_EQ(s.in.counters().auth_failures, 0u);
}

TEST_P(SrtpProfiles, MovedSessionKeepsWorking) {
  Pair s = make_pair(GetParam());
  SrtpSession moved_out = std::move(s.out);
  SrtpSession moved_in(std::move(s.in));
  auto packet = rtp_packet(9);
  const auto plain = packet;
  ASSERT_TRUE(moved_out.protect_rtp(packet));
  ASSERT_TRUE(moved_in.unprotect_rtp(packet));
  EXPECT_EQ(packet, plain);
}

INSTANTIATE_TEST_SUITE_P(Profiles,
                         SrtpProfiles,
                         ::testing::Values(SrtpProfile::kAeadAes128Gcm,
                                           SrtpProfile::kAes128CmSha1_80),
                         [](const auto& info) {
                           return info.param == SrtpProfile::kAeadAes128Gcm ? "AeadAes128Gcm"
                                                                            : "Aes128CmSha1_80";
                         });

TEST(SrtpSession, KeyLengths) {
  EXPECT_EQ(key_length(SrtpProfile::kAeadAes128Gcm), 16u);
  EXPECT_EQ(salt_length(SrtpProfile::kAeadAes128Gcm), 12u);
  EXPECT_EQ(key_length(SrtpProfile::kAes128CmSha1_80), 16u);
  EXPECT_EQ(salt_length(SrtpProfile::kAes128CmSha1_80), 14u);
  EXPECT_EQ(to_string(SrtpProfile::kAeadAes128Gcm), "SRTP_AEAD_AES_128_GCM");
  EXPECT_EQ(to_string(SrtpProfile::kAes128CmSha1_80), "SRTP_AES128_CM_SHA1_80");
}

TEST(SrtpSession, WrongKeyLengthIsRefused) {
  std::vector<std::uint8_t> key(30, 1);  // AES-CM length, GCM wants 28
  auto s = SrtpSession::create(SrtpProfile::kAeadAes128Gcm, SrtpSession::Direction::kOutbound, key);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, make_error_code(Errc::srtp_error));
}

}  // namespace
}  // namespace jcall::media
