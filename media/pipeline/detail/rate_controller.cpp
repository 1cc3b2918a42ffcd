// Loss-, RTT- and REMB-based video rate control (rate_controller.hpp): draft-ietf-rmcat-gcc-02
// §6 for loss, draft-alvestrand-rmcat-remb §2.2 for the REMB message. Rates are computed in
// double and stored as whole bit/s within the limits.
#include "media/pipeline/detail/rate_controller.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace jcall::media::detail {
namespace {

constexpr std::size_t kRembHeaderSize = 8;  // "REMB", Num SSRC, BR Exp + BR Mantissa
constexpr unsigned kMantissaBits = 18;

}  // namespace

RateController::RateController(std::uint32_t min_bps,
                               std::uint32_t start_bps,
                               std::uint32_t max_bps)
    : min_(min_bps), max_(std::max(min_bps, max_bps)), target_(start_bps) {
  clamp();
}

std::optional<double> RateController::min_rtt_ms() const {
  if (min_rtt_ms_ && prev_min_rtt_ms_) {
    return std::min(*min_rtt_ms_, *prev_min_rtt_ms_);
  }
  return min_rtt_ms_ ? min_rtt_ms_ : prev_min_rtt_ms_;
}

void RateController::on_report(double fraction_lost,
                               std::optional<double> rtt_ms,
                               Clock::time_point now) {
  if (remb_ && now - remb_at_ >= kRembLifetime) {
    remb_.reset();
  }

  // The RTT rule: track the windowed minimum, then compare this round trip with it.
  bool queueing = false;
  if (rtt_ms && std::isfinite(*rtt_ms) && *rtt_ms >= 0) {
    if (!min_rtt_window_start_) {
      min_rtt_window_start_ = now;
    } else if (now - *min_rtt_window_start_ >= kMinRttWindow) {
      // After a silence of two windows or more, the current window is older than the window
      // before this sample's: it goes too.
      const bool stale = now - *min_rtt_window_start_ >= 2 * kMinRttWindow;
      prev_min_rtt_ms_ = stale ? std::nullopt : min_rtt_ms_;
      min_rtt_ms_.reset();
      min_rtt_window_start_ = now;
    }
    min_rtt_ms_ = min_rtt_ms_ ? std::min(*min_rtt_ms_, *rtt_ms) : *rtt_ms;
    const double base = *min_rtt_ms();
    queueing = *rtt_ms > base + kRttMarginMs && *rtt_ms > kRttRatio * base;
  }

  const double current = target_;
  double next = current;
  bool cut = false;
  if (queueing && (!last_rtt_backoff_ || now - *last_rtt_backoff_ >= kRttBackoffInterval)) {
    next = current * kRttBackoffFactor;
    last_rtt_backoff_ = now;
    cut = true;
  }

  if (!std::isnan(fraction_lost)) {
    const double loss = std::clamp(fraction_lost, 0.0, 1.0);
    if (loss > kHighLoss) {
      next = std::min(next, current * (1 - 0.5 * loss));
      cut = true;
    } else if (loss < kLowLoss && !queueing &&
               (!last_increase_ || now - *last_increase_ >= kIncreaseInterval)) {
      // At least 1 bit/s, so that a very low rate still grows.
      next = std::max(current * kIncreaseFactor, current + 1);
      last_increase_ = now;
    }
  }
  if (cut) {
    last_increase_ = now;  // the next growth waits for a report that has seen the cut
  }
  set_target(next);
}

void RateController::on_remb(std::uint64_t bps, Clock::time_point now) {
  remb_ = bps;
  remb_at_ = now;
  clamp();
}

void RateController::set_limits(std::uint32_t min_bps, std::uint32_t max_bps) {
  min_ = min_bps;
  max_ = std::max(min_bps, max_bps);
  clamp();
}

void RateController::set_target(double bps) {
  // Within the limits before the conversion, so the cast is always in range.
  const double hi = static_cast<double>(std::numeric_limits<std::uint32_t>::max());
  target_ = static_cast<std::uint32_t>(std::llround(std::clamp(bps, 0.0, hi)));
  clamp();
}

void RateController::clamp() {
  std::uint32_t upper = max_;
  if (remb_ && *remb_ < upper) {
    upper = static_cast<std::uint32_t>(*remb_);
  }
  upper = std::max(upper, min_);  // the user's minimum wins over a lower REMB
  target_ = std::clamp(target_, min_, upper);
}

std::optional<std::uint64_t> parse_remb(std::span<const std::uint8_t> fci) {
  if (fci.size() < kRembHeaderSize) {
    return std::nullopt;
  }
  if (fci[0] != 'R' || fci[1] != 'E' || fci[2] != 'M' || fci[3] != 'B') {
    return std::nullopt;
  }
  const std::size_t num_ssrc = fci[4];
  if (fci.size() - kRembHeaderSize < num_ssrc * 4) {
    return std::nullopt;
  }
  const unsigned exp = fci[5] >> 2;  // 6 bits: 0..63
  const std::uint64_t mantissa =
      (std::uint64_t{fci[5] & 0x03u} << 16) | (std::uint64_t{fci[6]} << 8) | std::uint64_t{fci[7]};
  // mantissa < 2^18: it fits shifted by up to 64 - 18 bits; above that, only if small enough.
  if (exp > 64 - kMantissaBits && mantissa > (std::numeric_limits<std::uint64_t>::max() >> exp)) {
    return std::nullopt;
  }
  return mantissa << exp;
}

}  // namespace jcall::media::detail
