// The per-stream "latest frame" mailbox between the media thread and the UI (ARCHITECTURE.md
// "Threads"): GStreamer's streaming thread puts each decoded frame (RGBA), the UI takes the
// newest when it draws. The UI never waits on media: put() replaces a frame not yet taken
// (counted as dropped), take() returns nothing when no newer frame came.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

namespace jcall::media {

struct VideoFrame {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> rgba;  // width * height * 4 bytes, rows without padding
  std::int64_t pts_ns = 0;         // handed to the mailbox (at display time), CLOCK_MONOTONIC
  // When the frame entered the branch to the window, CLOCK_MONOTONIC: a decoded frame as it
  // left the decoder (before waiting for its display time), a self-view frame as it left the
  // camera valve. pts_ns - decoded_ns is the wait for display. 0: not known.
  std::int64_t decoded_ns = 0;
  std::uint64_t sequence = 0;  // set by put(): 1, 2, 3, ...
};

class FrameMailbox {
 public:
  // Any thread. Replaces the frame not yet taken.
  void put(VideoFrame frame);
  // Any thread (the UI): the newest frame put since the last take(), or nothing.
  std::optional<VideoFrame> take();

  std::uint64_t frames_put() const;
  // Frames replaced before anyone took them (the UI draws slower than frames come).
  std::uint64_t frames_dropped() const;

 private:
  mutable std::mutex m_;
  std::optional<VideoFrame> slot_;
  std::uint64_t put_ = 0;
  std::uint64_t dropped_ = 0;
};

}  // namespace jcall::media
