// Frame statistics and the SMPTE bars check (video_analyzer.hpp). The bar colours and geometry
// are those of GStreamer 1.22's videotestsrc pattern "smpte" (its "SMPTE 100% color bars"),
// read from its I420 output: the upper two thirds hold seven bars of width/7 each, white,
// yellow, cyan, green, magenta, red, blue at full (100 %) intensity (Y 235/210/170/145/106/81/41).
#include "media/pipeline/detail/video_analyzer.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>

namespace jcall::media::detail {
namespace {

constexpr std::int64_t kSecondNs = 1'000'000'000;
constexpr int kMinSide = 32;
// Per channel, in 8-bit RGB. Through VP8 (640x480, 30 fps) the bar centres measured within ±3
// at 300 kbit/s and ±10 at 100 kbit/s; another pattern, a different bar order or the 75 % bars
// (64 below full) are off by more than this in some channel.
constexpr int kTolerance = 50;

struct Rgb {
  int r, g, b;
};

constexpr std::array<Rgb, 7> kBars = {{
    {255, 255, 255},  // white
    {255, 255, 0},    // yellow
    {0, 255, 255},    // cyan
    {0, 255, 0},      // green
    {255, 0, 255},    // magenta
    {255, 0, 0},      // red
    {0, 0, 255},      // blue
}};

int clamp8(double v) {
  return std::clamp(static_cast<int>(v + 0.5), 0, 255);
}

// Mean of a w x h block of one plane.
double block_mean(const std::uint8_t* plane, int stride, int x0, int y0, int w, int h) {
  int sum = 0;
  for (int y = y0; y < y0 + h; ++y) {
    for (int x = x0; x < x0 + w; ++x) {
      sum += plane[static_cast<std::ptrdiff_t>(y) * stride + x];
    }
  }
  return static_cast<double>(sum) / (w * h);
}

// The colour of the n x n luma block (n even) around (cx, cy) and of the chroma block under it,
// BT.601 limited range to full-range RGB. The block starts on even coordinates so that luma and
// chroma cover the same pixels.
Rgb sample(const I420View& f, int cx, int cy, int n) {
  const int x0 = std::clamp(cx - n / 2, 0, f.width - n) & ~1;
  const int y0 = std::clamp(cy - n / 2, 0, f.height - n) & ~1;
  const double y = block_mean(f.y, f.stride_y, x0, y0, n, n);
  const double u = block_mean(f.u, f.stride_u, x0 / 2, y0 / 2, n / 2, n / 2);
  const double v = block_mean(f.v, f.stride_v, x0 / 2, y0 / 2, n / 2, n / 2);
  const double c = 1.164 * (y - 16);
  const double d = u - 128;
  const double e = v - 128;
  return {clamp8(c + 1.596 * e), clamp8(c - 0.392 * d - 0.813 * e), clamp8(c + 2.017 * d)};
}

bool near(const Rgb& a, const Rgb& b) {
  return std::abs(a.r - b.r) <= kTolerance && std::abs(a.g - b.g) <= kTolerance &&
         std::abs(a.b - b.b) <= kTolerance;
}

double to_ms(std::int64_t ns) {
  return static_cast<double>(ns) / 1e6;
}

}  // namespace

bool looks_like_smpte(const I420View& frame) {
  if (frame.width < kMinSide || frame.height < kMinSide || frame.y == nullptr ||
      frame.u == nullptr || frame.v == nullptr || frame.stride_y < frame.width ||
      frame.stride_u < (frame.width + 1) / 2 || frame.stride_v < (frame.width + 1) / 2) {
    return false;
  }
  const int cy = frame.height / 3;
  // 4x4 where a bar is wide enough to hold it away from the edges (which chroma subsampling
  // and coding blur), 2x2 on the smallest frames.
  const int n = frame.width >= 7 * 12 ? 4 : 2;
  for (std::size_t i = 0; i < kBars.size(); ++i) {
    const int cx = static_cast<int>((2 * static_cast<std::int64_t>(i) + 1) * frame.width / 14);
    if (!near(sample(frame, cx, cy, n), kBars[i])) {
      return false;
    }
  }
  return true;
}

void VideoAnalyzer::feed(const I420View& frame, std::int64_t now_ns) {
  if (a_.last_frame_ns && !paused_) {
    const std::int64_t gap = std::max<std::int64_t>(0, now_ns - *a_.last_frame_ns);
    if (gap > kFreezeNs) {
      ++a_.freezes;
      a_.frozen_ms += to_ms(gap);
    }
    a_.longest_gap_ms = std::max(a_.longest_gap_ms, to_ms(gap));
  }
  paused_ = false;

  ++a_.frames;
  a_.width = frame.width;
  a_.height = frame.height;
  if (!a_.first_frame_ns) {
    a_.first_frame_ns = now_ns;
  }
  a_.last_frame_ns = now_ns;

  recent_.push_back(now_ns);
  while (!recent_.empty() && recent_.front() <= now_ns - kSecondNs) {
    recent_.pop_front();
  }
  a_.fps = static_cast<double>(recent_.size());

  const unsigned every = std::max(1U, check_every_);
  if ((a_.frames - 1) % every == 0) {
    ++a_.pattern_checked;
    if (looks_like_smpte(frame)) {
      ++a_.pattern_matched;
    }
  }
}

VideoAnalysis VideoAnalyzer::current(std::int64_t now_ns) const {
  VideoAnalysis r = a_;
  if (!r.last_frame_ns) {
    return r;
  }
  // Frames of the second before now_ns (none when the last one is older than that).
  r.fps = static_cast<double>(std::count_if(
      recent_.begin(), recent_.end(), [&](std::int64_t t) { return t > now_ns - kSecondNs; }));
  const std::int64_t open_gap = now_ns - *r.last_frame_ns;
  if (!paused_ && open_gap > kFreezeNs) {
    ++r.freezes;
    r.frozen_ms += to_ms(open_gap);
    r.longest_gap_ms = std::max(r.longest_gap_ms, to_ms(open_gap));
  }
  return r;
}

void VideoAnalyzer::pause() {
  paused_ = true;
}

}  // namespace jcall::media::detail
