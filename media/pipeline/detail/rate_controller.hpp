// Bandwidth adaptation of the video we send (sans-I/O, fake clock in the tests): the encoder's
// target bitrate follows the path, from what the peer tells us in RTCP:
//  - loss-based, as the loss-based controller of draft-ietf-rmcat-gcc-02 §6: loss above 10 %
//    cuts the rate by half the loss fraction, below 2 % it grows 8 % a second (at most once per
//    report interval), in between it holds;
//  - RTT-based: a round trip growing well past its minimum (queues filling) stops growth and
//    backs off 15 %, at most once per RTT-window;
//  - REMB (draft-alvestrand-rmcat-remb): when the peer sends it, the rate never exceeds it.
// Always within the user's limits (VideoLimits min/max). Audio is not touched: video gives way
// first.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>

namespace jcall::media::detail {

class RateController {
 public:
  using Clock = std::chrono::steady_clock;
  RateController(std::uint32_t min_bps, std::uint32_t start_bps, std::uint32_t max_bps);

  // A receiver report block about our video SSRC: fraction lost (0..1, RFC 3550 §6.4.1
  // "fraction lost" / 256) and the round trip it gives (nullopt when LSR was 0).
  void on_report(double fraction_lost, std::optional<double> rtt_ms, Clock::time_point now);
  // A REMB from the peer (its estimate of what it can receive), bit/s.
  void on_remb(std::uint64_t bps, Clock::time_point now);
  // The user changed the limits mid-call.
  void set_limits(std::uint32_t min_bps, std::uint32_t max_bps);

  std::uint32_t target_bps() const { return target_; }
  std::optional<std::uint64_t> remb_bps() const { return remb_; }

 private:
  std::uint32_t min_, max_, target_;
  std::optional<std::uint64_t> remb_;
  std::optional<Clock::time_point> last_increase_;
  std::optional<Clock::time_point> last_rtt_backoff_;
  std::optional<double> min_rtt_ms_;
  void clamp();
};

// The bitrate of a REMB message (draft-alvestrand-rmcat-remb §2.2): `fci` is the feedback
// control information after the media source SSRC ("REMB", Num SSRC, BR Exp, BR Mantissa,
// SSRC feedback...). nullopt when it is not a well-formed REMB.
std::optional<std::uint64_t> parse_remb(std::span<const std::uint8_t> fci);

}  // namespace jcall::media::detail
