// What a headless receiver measures of the decoded video (sans-I/O: frames and times in,
// figures out): frames, size, frame rate, freezes, and whether the picture is the SMPTE colour
// bars of videotestsrc (pattern:smpte), so an end-to-end test knows the right picture arrived.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>

namespace jcall::media::detail {

// One decoded 8-bit I420 frame (BT.601 limited range, as videotestsrc and the decoders give).
struct I420View {
  int width = 0;
  int height = 0;
  const std::uint8_t* y = nullptr;
  const std::uint8_t* u = nullptr;
  const std::uint8_t* v = nullptr;
  int stride_y = 0;
  int stride_u = 0;
  int stride_v = 0;
};

// True when the frame shows videotestsrc's pattern "smpte" (GStreamer 1.22: "SMPTE 100% color
// bars"): the seven bars of the upper part (100 % white, yellow, cyan, green, magenta, red, blue,
// left to right), each sampled in the middle of its bar, within a tolerance that survives lossy
// coding at a few hundred kbit/s. "smpte75" (75 % bars) does not match. False for frames smaller
// than 32x32 and for missing planes.
bool looks_like_smpte(const I420View& frame);

struct VideoAnalysis {
  std::uint64_t frames = 0;  // decoded frames seen
  int width = 0;             // of the last frame
  int height = 0;
  double fps = 0;  // frames in the last second (0 when the last frame is older than 1 s)
  // A freeze: no new frame for longer than kFreezeNs (counted once per gap, when it ends or
  // while it lasts); the longest gap seen between frames (or since the last one), ms.
  std::uint64_t freezes = 0;
  double longest_gap_ms = 0;
  double frozen_ms = 0;               // total time spent in freezes
  std::uint64_t pattern_checked = 0;  // frames checked with looks_like_smpte (every Nth)
  std::uint64_t pattern_matched = 0;
  std::optional<std::int64_t> first_frame_ns;
  std::optional<std::int64_t> last_frame_ns;
};

class VideoAnalyzer {
 public:
  static constexpr std::int64_t kFreezeNs = 500'000'000;  // WebRTC's freeze: > 500 ms
  // Checks the pattern on one frame in `check_every` (the check samples a few pixels, but a
  // call at 30 fps does not need it on every frame); the first frame is always checked, and 0
  // means every frame.
  explicit VideoAnalyzer(unsigned check_every = 10) : check_every_(check_every) {}

  // A frame reached the sink at `now_ns` (CLOCK_MONOTONIC).
  void feed(const I420View& frame, std::int64_t now_ns);
  // Also while no frame comes: a gap still open at `now_ns` counts as a freeze when longer
  // than kFreezeNs, and in longest_gap_ms.
  VideoAnalysis current(std::int64_t now_ns) const;
  // Sending paused on purpose (the peer's camera off, hold): the gap until the next frame is
  // not a freeze.
  void pause();

 private:
  unsigned check_every_;
  VideoAnalysis a_;
  std::deque<std::int64_t> recent_;  // frame times of the last second
  bool paused_ = false;
};

}  // namespace jcall::media::detail
