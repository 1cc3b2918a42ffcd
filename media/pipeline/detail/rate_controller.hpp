// Bandwidth adaptation of the video we send (sans-I/O, fake clock in the tests): the encoder's
// target bitrate follows the path, from what the peer tells us in RTCP:
//  - loss-based, as the loss-based controller of draft-ietf-rmcat-gcc-02 §6: loss above 10 %
//    cuts the rate by half the loss fraction (rate *= 1 - 0.5 * loss), below 2 % it grows, in
//    between it holds. The draft grows by 5 % per report; we grow by 8 % at most once a second,
//    so that a peer sending reports more often than once a second cannot speed the growth up;
//    the hold-off before the next growth restarts at every change, so each change is seen in a
//    report before the next one;
//  - RTT-based: a round trip growing well past its minimum (queues filling: more than
//    kRttMarginMs above it and more than kRttRatio times it) stops growth and backs off 15 %, at
//    most once per kRttBackoffInterval. The minimum is taken over the last 30 to 60 s, so that a
//    route change to a longer path does not hold the rate down for the rest of the call;
//  - REMB (draft-alvestrand-rmcat-remb): when the peer sends it, the rate never exceeds it; a
//    REMB not refreshed for kRembLifetime stops capping (the peer stopped sending it).
// Always within the user's limits (VideoLimits min/max; the minimum wins over a lower REMB).
// When both loss and RTT call for a cut in one report, the lower rate wins. Audio is not
// touched: video gives way first.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>

namespace jcall::media::detail {

class RateController {
 public:
  using Clock = std::chrono::steady_clock;

  static constexpr double kHighLoss = 0.10;        // above: cut by half the loss fraction
  static constexpr double kLowLoss = 0.02;         // below: grow
  static constexpr double kIncreaseFactor = 1.08;  // per kIncreaseInterval
  static constexpr std::chrono::milliseconds kIncreaseInterval{1000};
  static constexpr double kRttMarginMs = 100;
  static constexpr double kRttRatio = 2.0;
  static constexpr double kRttBackoffFactor = 0.85;
  static constexpr std::chrono::milliseconds kRttBackoffInterval{1000};
  static constexpr std::chrono::seconds kMinRttWindow{30};
  static constexpr std::chrono::seconds kRembLifetime{5};

  // A minimum above the maximum raises the maximum to it; the start is clamped to the limits.
  RateController(std::uint32_t min_bps, std::uint32_t start_bps, std::uint32_t max_bps);

  // A receiver report block about our video SSRC: fraction lost (0..1, RFC 3550 §6.4.1
  // "fraction lost" / 256) and the round trip it gives (nullopt when LSR was 0). A fraction
  // that is not a number holds the rate; one outside 0..1 is clamped.
  void on_report(double fraction_lost, std::optional<double> rtt_ms, Clock::time_point now);
  // A REMB from the peer (its estimate of what it can receive), bit/s.
  void on_remb(std::uint64_t bps, Clock::time_point now);
  // The user changed the limits mid-call (same rule as the constructor); the target is clamped.
  void set_limits(std::uint32_t min_bps, std::uint32_t max_bps);

  std::uint32_t target_bps() const { return target_; }
  // The REMB that caps the target, as of the last event (on_report forgets an expired one).
  std::optional<std::uint64_t> remb_bps() const { return remb_; }
  // The minimum round trip the RTT rule compares with (nullopt before any RTT).
  std::optional<double> min_rtt_ms() const;

 private:
  std::uint32_t min_, max_, target_;
  std::optional<std::uint64_t> remb_;
  Clock::time_point remb_at_{};
  std::optional<Clock::time_point> last_increase_;  // or last change: the growth hold-off
  std::optional<Clock::time_point> last_rtt_backoff_;
  // Windowed minimum: the minimum of the current and the previous kMinRttWindow.
  std::optional<double> min_rtt_ms_;
  std::optional<double> prev_min_rtt_ms_;
  std::optional<Clock::time_point> min_rtt_window_start_;
  void clamp();
  void set_target(double bps);
};

// The bitrate of a REMB message (draft-alvestrand-rmcat-remb §2.2): `fci` is the feedback
// control information after the media source SSRC ("REMB", Num SSRC, BR Exp (6 bits),
// BR Mantissa (18 bits), Num SSRC × SSRC feedback); the bitrate is mantissa << exp. nullopt when
// it is not a well-formed REMB: shorter than its Num SSRC says, another identifier, or a
// bitrate that does not fit in 64 bits. Bytes after the SSRCs are ignored.
std::optional<std::uint64_t> parse_remb(std::span<const std::uint8_t> fci);

}  // namespace jcall::media::detail
