// The per-stream "latest frame" mailbox between the media thread and the UI (ARCHITECTURE.md
// "Threads"): GStreamer's streaming thread puts each decoded frame (RGBA), the UI takes the
// newest when it draws. The UI never waits on media: put() replaces a frame not yet taken
// (counted as dropped), take() returns nothing when no newer frame came.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
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

  // Called after each put, on the putting thread, outside the lock: short and never
  // blocking (the UI wakes its loop with it instead of looking for frames on a timer).
  // Empty: nobody is told.
  void set_listener(std::function<void()> listener);

  // The UI (any thread): the box, in pixels, the frames are shown in. The media side scales
  // larger frames down to fit it (display aspect kept, never up) before they are put, so that
  // neither side handles pixels nobody sees. 0x0 (the default): frames as they come.
  void set_display_box(int width, int height);
  std::pair<int, int> display_box() const;

  std::uint64_t frames_put() const;
  // Frames replaced before anyone took them (the UI draws slower than frames come).
  std::uint64_t frames_dropped() const;

 private:
  mutable std::mutex m_;
  std::optional<VideoFrame> slot_;
  std::uint64_t put_ = 0;
  std::uint64_t dropped_ = 0;
  std::pair<int, int> display_box_{0, 0};
  std::shared_ptr<const std::function<void()>> listener_;
};

}  // namespace jcall::media
