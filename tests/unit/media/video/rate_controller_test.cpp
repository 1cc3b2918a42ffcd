// The video rate controller on a fake clock (time points built from an epoch), and the REMB
// parser (draft-alvestrand-rmcat-remb §2.2) on literal bytes whose bitrates are worked out by
// hand in the comments.
#include "media/pipeline/detail/rate_controller.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

namespace jcall::media::detail {
namespace {

using namespace std::chrono_literals;
using Clock = RateController::Clock;

const Clock::time_point kT0{};

Clock::time_point at(std::chrono::milliseconds ms) {
  return kT0 + ms;
}

constexpr std::uint32_t kMin = 100'000;
constexpr std::uint32_t kStart = 500'000;
constexpr std::uint32_t kMax = 2'000'000;

TEST(RateController, StartsAtTheStartRateWithinTheLimits) {
  EXPECT_EQ(RateController(kMin, kStart, kMax).target_bps(), kStart);
  EXPECT_EQ(RateController(kMin, 50'000, kMax).target_bps(), kMin);
  EXPECT_EQ(RateController(kMin, 5'000'000, kMax).target_bps(), kMax);
  EXPECT_FALSE(RateController(kMin, kStart, kMax).remb_bps());
  EXPECT_FALSE(RateController(kMin, kStart, kMax).min_rtt_ms());
}

TEST(RateController, CleanReportsGrowEightPercentASecond) {
  RateController rc(kMin, kStart, kMax);
  rc.on_report(0, 50.0, at(0ms));
  EXPECT_EQ(rc.target_bps(), 540'000u);
  rc.on_report(0.01, 50.0, at(1000ms));  // below 2 % still counts as clean
  EXPECT_EQ(rc.target_bps(), 583'200u);
  rc.on_report(0, std::nullopt, at(2000ms));  // no RTT (LSR was 0): the loss rule alone
  EXPECT_EQ(rc.target_bps(), 629'856u);
}

TEST(RateController, ManyReportsDoNotGrowFasterThanOnceASecond) {
  RateController rc(kMin, kStart, 100'000'000);
  // A report every 50 ms for 10 s: increases at 0, 1, ..., 10 s, eleven in all.
  for (int ms = 0; ms <= 10'000; ms += 50) {
    rc.on_report(0, 40.0, at(std::chrono::milliseconds(ms)));
    const int increases = ms / 1000 + 1;
    EXPECT_NEAR(rc.target_bps(), kStart * std::pow(1.08, increases), increases) << ms;
  }
  // Just short of a second after the last increase: nothing.
  rc.on_report(0, 40.0, at(10'999ms));
  EXPECT_NEAR(rc.target_bps(), kStart * std::pow(1.08, 11), 11);
}

TEST(RateController, HeavyLossCutsByHalfTheLossFraction) {
  RateController rc(kMin, kStart, kMax);
  rc.on_report(0.20, 50.0, at(0ms));
  EXPECT_EQ(rc.target_bps(), 450'000u);  // 500 000 * (1 - 0.5 * 0.2)
  rc.on_report(0.50, 50.0, at(100ms));   // every lossy report cuts, no hold-off
  EXPECT_EQ(rc.target_bps(), 337'500u);  // 450 000 * 0.75
  rc.on_report(1.0, 50.0, at(200ms));
  EXPECT_EQ(rc.target_bps(), 168'750u);
}

TEST(RateController, LossBetweenTwoAndTenPercentHolds) {
  for (const double loss : {0.02, 0.05, 0.10}) {
    RateController rc(kMin, kStart, kMax);
    for (int s = 0; s < 10; ++s) {
      rc.on_report(loss, 50.0, at(std::chrono::seconds(s)));
      EXPECT_EQ(rc.target_bps(), kStart) << loss << " at " << s << " s";
    }
  }
}

TEST(RateController, ACutHoldsGrowthOffForASecond) {
  RateController rc(kMin, kStart, kMax);
  rc.on_report(0.20, 50.0, at(0ms));
  EXPECT_EQ(rc.target_bps(), 450'000u);
  rc.on_report(0, 50.0, at(500ms));
  EXPECT_EQ(rc.target_bps(), 450'000u);
  rc.on_report(0, 50.0, at(1000ms));
  EXPECT_EQ(rc.target_bps(), 486'000u);
}

TEST(RateController, NeverLeavesTheLimits) {
  RateController rc(kMin, kStart, kMax);
  for (int s = 0; s < 20; ++s) {
    rc.on_report(0.8, 50.0, at(std::chrono::seconds(s)));
    EXPECT_GE(rc.target_bps(), kMin);
  }
  EXPECT_EQ(rc.target_bps(), kMin);
  for (int s = 20; s < 100; ++s) {
    rc.on_report(0, 50.0, at(std::chrono::seconds(s)));
    EXPECT_LE(rc.target_bps(), kMax);
  }
  EXPECT_EQ(rc.target_bps(), kMax);
}

TEST(RateController, OddLossFractions) {
  RateController rc(kMin, kStart, kMax);
  rc.on_report(std::nan(""), 50.0, at(0ms));  // holds
  EXPECT_EQ(rc.target_bps(), kStart);
  rc.on_report(-0.5, 50.0, at(0ms));  // clamped to 0: clean
  EXPECT_EQ(rc.target_bps(), 540'000u);
  rc.on_report(3.0, 50.0, at(100ms));  // clamped to 1: halves
  EXPECT_EQ(rc.target_bps(), 270'000u);
}

TEST(RateController, RembCapsTheTarget) {
  RateController rc(kMin, kStart, kMax);
  rc.on_remb(300'000, at(0ms));
  EXPECT_EQ(rc.target_bps(), 300'000u);
  ASSERT_TRUE(rc.remb_bps());
  EXPECT_EQ(*rc.remb_bps(), 300'000u);
  for (int ms = 0; ms <= 4000; ms += 500) {
    rc.on_report(0, 50.0, at(std::chrono::milliseconds(ms)));
    EXPECT_EQ(rc.target_bps(), 300'000u) << ms;
  }
  // A higher REMB lifts the cap but does not raise the target by itself.
  rc.on_remb(400'000, at(4500ms));
  EXPECT_EQ(rc.target_bps(), 300'000u);
  rc.on_report(0, 50.0, at(5000ms));
  EXPECT_EQ(rc.target_bps(), 324'000u);
  rc.on_report(0, 50.0, at(6000ms));
  EXPECT_EQ(rc.target_bps(), 349'920u);
  rc.on_report(0, 50.0, at(7000ms));
  EXPECT_EQ(rc.target_bps(), 377'914u);  // 349 920 * 1.08 = 377 913.6
  rc.on_report(0, 50.0, at(8000ms));
  EXPECT_EQ(rc.target_bps(), 400'000u);
}

TEST(RateController, RefreshedRembKeepsCappingAnExpiredOneStops) {
  RateController rc(kMin, kStart, kMax);
  for (int s = 0; s <= 12; s += 2) {  // refreshed every 2 s: still capping at 12 s
    rc.on_remb(300'000, at(std::chrono::seconds(s)));
    rc.on_report(0, 50.0, at(std::chrono::seconds(s) + 1s));
    EXPECT_EQ(rc.target_bps(), 300'000u) << s;
  }
  // Last REMB at 12 s; at 16.9 s it still caps, from 17 s on it does not.
  rc.on_report(0, 50.0, at(16'900ms));
  EXPECT_EQ(rc.target_bps(), 300'000u);
  ASSERT_TRUE(rc.remb_bps());
  rc.on_report(0, 50.0, at(17'900ms));
  EXPECT_FALSE(rc.remb_bps());
  EXPECT_EQ(rc.target_bps(), 324'000u);
}

TEST(RateController, TheMinimumWinsOverALowerRemb) {
  RateController rc(kMin, kStart, kMax);
  rc.on_remb(20'000, at(0ms));
  EXPECT_EQ(rc.target_bps(), kMin);
  rc.on_remb(0, at(0ms));
  EXPECT_EQ(rc.target_bps(), kMin);
}

TEST(RateController, RembAbove32BitsDoesNotCap) {
  RateController rc(kMin, kStart, kMax);
  rc.on_remb(std::uint64_t{1} << 40, at(0ms));
  EXPECT_EQ(rc.target_bps(), kStart);
  rc.on_report(0, 50.0, at(0ms));
  EXPECT_EQ(rc.target_bps(), 540'000u);
}

TEST(RateController, GrowingRoundTripBacksOffOnceASecondAndStopsGrowth) {
  RateController rc(kMin, kStart, kMax);
  rc.on_report(0.05, 50.0, at(0ms));  // 5 % loss: holds, and sets the minimum RTT
  ASSERT_TRUE(rc.min_rtt_ms());
  EXPECT_EQ(*rc.min_rtt_ms(), 50.0);
  rc.on_report(0, 300.0, at(200ms));  // > 50 + 100 and > 2 × 50: queues filling
  EXPECT_EQ(rc.target_bps(), 425'000u);
  rc.on_report(0, 300.0, at(700ms));  // within a second: neither back-off nor growth
  EXPECT_EQ(rc.target_bps(), 425'000u);
  rc.on_report(0, 300.0, at(1200ms));
  EXPECT_EQ(rc.target_bps(), 361'250u);
  // The queue drains: growth resumes, a second after the last change.
  rc.on_report(0, 60.0, at(1700ms));
  EXPECT_EQ(rc.target_bps(), 361'250u);
  rc.on_report(0, 60.0, at(2200ms));
  EXPECT_EQ(rc.target_bps(), 390'150u);
  EXPECT_EQ(*rc.min_rtt_ms(), 50.0);
}

TEST(RateController, RoundTripMustGrowByBothMarginAndRatio) {
  {
    RateController rc(kMin, kStart, kMax);
    rc.on_report(0.05, 50.0, at(0ms));
    rc.on_report(0, 140.0, at(1000ms));  // 2.8 × but only 90 ms more: grows
    EXPECT_EQ(rc.target_bps(), 540'000u);
  }
  {
    RateController rc(kMin, kStart, kMax);
    rc.on_report(0.05, 200.0, at(0ms));
    rc.on_report(0, 350.0, at(1000ms));  // 150 ms more but only 1.75 ×: grows
    EXPECT_EQ(rc.target_bps(), 540'000u);
    rc.on_report(0, 401.0, at(1500ms));  // both: backs off
    EXPECT_EQ(rc.target_bps(), 459'000u);
  }
}

TEST(RateController, LossAndRoundTripTogetherTakeTheLowerRate) {
  RateController rc(kMin, kStart, kMax);
  rc.on_report(0.05, 50.0, at(0ms));
  rc.on_report(0.20, 300.0, at(100ms));  // loss: 450 000, RTT: 425 000
  EXPECT_EQ(rc.target_bps(), 425'000u);
  rc.on_report(0.50, 300.0, at(200ms));  // RTT on hold-off; loss: 425 000 * 0.75
  EXPECT_EQ(rc.target_bps(), 318'750u);
}

TEST(RateController, TheMinimumRoundTripFollowsALongerRoute) {
  RateController rc(kMin, kStart, kMax);
  rc.on_report(0.05, 50.0, at(0ms));
  // The route changes to a 300 ms path: backs off to the floor...
  for (int ms = 500; ms < 60'000; ms += 500) {
    rc.on_report(0, 300.0, at(std::chrono::milliseconds(ms)));
  }
  EXPECT_EQ(rc.target_bps(), kMin);
  EXPECT_EQ(*rc.min_rtt_ms(), 50.0);
  // ...until 50 ms has left both windows (at 60 s): then it is the path, not a queue, and
  // growth resumes a second after the last back-off (59.5 s).
  rc.on_report(0, 300.0, at(60'000ms));
  EXPECT_EQ(*rc.min_rtt_ms(), 300.0);
  EXPECT_EQ(rc.target_bps(), kMin);
  rc.on_report(0, 300.0, at(60'500ms));
  EXPECT_EQ(rc.target_bps(), 108'000u);
}

TEST(RateController, AMinimumRoundTripFromLongAgoIsForgotten) {
  RateController rc(kMin, kStart, kMax);
  rc.on_report(0.05, 50.0, at(0ms));
  // No RTT for two windows (reports without LSR), then a longer path: not a queue.
  rc.on_report(0.05, 300.0, at(60'000ms));
  ASSERT_TRUE(rc.min_rtt_ms());
  EXPECT_EQ(*rc.min_rtt_ms(), 300.0);
  EXPECT_EQ(rc.target_bps(), kStart);
  // One window of silence keeps the previous window's minimum.
  RateController one(kMin, kStart, kMax);
  one.on_report(0.05, 50.0, at(0ms));
  one.on_report(0.05, 300.0, at(45'000ms));
  EXPECT_EQ(*one.min_rtt_ms(), 50.0);
  EXPECT_EQ(one.target_bps(), 425'000u);
}

TEST(RateController, SetLimitsReclamps) {
  RateController rc(kMin, kStart, kMax);
  rc.set_limits(600'000, kMax);
  EXPECT_EQ(rc.target_bps(), 600'000u);
  rc.set_limits(kMin, 250'000);
  EXPECT_EQ(rc.target_bps(), 250'000u);
  for (int s = 0; s < 5; ++s) {
    rc.on_report(0, 50.0, at(std::chrono::seconds(s)));
  }
  EXPECT_EQ(rc.target_bps(), 250'000u);
  // A minimum above the maximum raises the maximum.
  rc.set_limits(300'000, 200'000);
  EXPECT_EQ(rc.target_bps(), 300'000u);
  rc.on_report(0, 50.0, at(10s));
  EXPECT_EQ(rc.target_bps(), 300'000u);
  // Wider limits again: growth resumes from where it is.
  rc.set_limits(kMin, kMax);
  EXPECT_EQ(rc.target_bps(), 300'000u);
  rc.on_report(0, 50.0, at(11s));
  EXPECT_EQ(rc.target_bps(), 324'000u);
}

// FCI of a REMB: "REMB", Num SSRC 1, BR Exp 3, BR Mantissa 125 000 (0x1E848: the two top bits
// 01 go into byte 5 after the exponent, (3 << 2) | 1 = 0x0D, then 0xE8 0x48), one SSRC.
// 125 000 << 3 = 1 000 000 bit/s.
const std::vector<std::uint8_t> kOneMbit = {'R',  'E',  'M',  'B',  0x01, 0x0D,
                                            0xE8, 0x48, 0x12, 0x34, 0x56, 0x78};

TEST(ParseRemb, OneMegabit) {
  const auto bps = parse_remb(kOneMbit);
  ASSERT_TRUE(bps);
  EXPECT_EQ(*bps, 1'000'000u);
}

TEST(ParseRemb, FciOfAWholePsfbPacket) {
  // V=2 FMT=15 (0x8F), PT=206 (0xCE), length 6 (seven words), sender SSRC, media source SSRC 0,
  // then the FCI: Num SSRC 2, BR Exp 0, BR Mantissa 0x3FFFF (the largest: 262 143 bit/s).
  const std::vector<std::uint8_t> packet = {
      0x8F, 0xCE, 0x00, 0x06, 0xDE, 0xAD, 0xBE, 0xEF, 0x00, 0x00, 0x00, 0x00, 'R',  'E',
      'M',  'B',  0x02, 0x03, 0xFF, 0xFF, 0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x22, 0x22};
  const auto bps = parse_remb(std::span(packet).subspan(12));
  ASSERT_TRUE(bps);
  EXPECT_EQ(*bps, 262'143u);
}

TEST(ParseRemb, NoSsrcsAndExtraBytes) {
  const std::vector<std::uint8_t> none = {'R', 'E', 'M', 'B', 0x00, 0x0D, 0xE8, 0x48};
  ASSERT_TRUE(parse_remb(none));
  EXPECT_EQ(*parse_remb(none), 1'000'000u);
  auto padded = kOneMbit;
  padded.insert(padded.end(), {0, 0, 0, 0});
  ASSERT_TRUE(parse_remb(padded));
  EXPECT_EQ(*parse_remb(padded), 1'000'000u);
}

TEST(ParseRemb, EveryTruncationFails) {
  for (std::size_t n = 0; n < kOneMbit.size(); ++n) {
    EXPECT_FALSE(parse_remb(std::span(kOneMbit).first(n))) << n;
  }
}

TEST(ParseRemb, FewerSsrcsThanNumSsrcSays) {
  auto two = kOneMbit;
  two[4] = 2;
  EXPECT_FALSE(parse_remb(two));
  auto max = kOneMbit;
  max[4] = 255;
  EXPECT_FALSE(parse_remb(max));
}

TEST(ParseRemb, WrongIdentifier) {
  for (std::size_t i = 0; i < 4; ++i) {
    auto bad = kOneMbit;
    bad[i] ^= 0x20;  // "rEMB", "ReMB", ...
    EXPECT_FALSE(parse_remb(bad)) << i;
  }
}

TEST(ParseRemb, LargeExponents) {
  const auto remb = [](std::uint8_t b5, std::uint8_t b6, std::uint8_t b7) {
    const std::vector<std::uint8_t> fci = {'R', 'E', 'M', 'B', 0, b5, b6, b7};
    return parse_remb(fci);
  };
  // Exp 63, mantissa 1: 2^63 fits.
  ASSERT_TRUE(remb(0xFC, 0x00, 0x01));
  EXPECT_EQ(*remb(0xFC, 0x00, 0x01), std::uint64_t{1} << 63);
  // Exp 63, mantissa 2: 2^64 does not.
  EXPECT_FALSE(remb(0xFC, 0x00, 0x02));
  // Exp 63, mantissa 0: zero.
  ASSERT_TRUE(remb(0xFC, 0x00, 0x00));
  EXPECT_EQ(*remb(0xFC, 0x00, 0x00), 0u);
  // Exp 46, mantissa 0x3FFFF (byte 5 = (46 << 2) | 3 = 0xBB): 18 + 46 = 64 bits, fits.
  ASSERT_TRUE(remb(0xBB, 0xFF, 0xFF));
  EXPECT_EQ(*remb(0xBB, 0xFF, 0xFF), std::uint64_t{0x3FFFF} << 46);
  // Exp 47 (0xBF): 65 bits.
  EXPECT_FALSE(remb(0xBF, 0xFF, 0xFF));
  // Exp 47 with a mantissa small enough: 0x1FFFF << 47 = 2^64 - 2^47 fits.
  ASSERT_TRUE(remb(0xBD, 0xFF, 0xFF));
  EXPECT_EQ(*remb(0xBD, 0xFF, 0xFF),
            std::numeric_limits<std::uint64_t>::max() - ((std::uint64_t{1} << 47) - 1));
}

}  // namespace
}  // namespace jcall::media::detail
