// The latest-frame mailbox (frame_mailbox.hpp): one slot under a mutex. The lock is held only to
// move a frame in or out (the pixels are moved, not copied), so neither side waits on the other
// for longer than a few pointer swaps.
#include "media/pipeline/frame_mailbox.hpp"

#include <utility>

namespace jcall::media {

void FrameMailbox::put(VideoFrame frame) {
  std::optional<VideoFrame> replaced;  // freed outside the lock
  {
    const std::lock_guard lock(m_);
    frame.sequence = ++put_;
    if (slot_) {
      ++dropped_;
      replaced = std::move(slot_);
    }
    slot_ = std::move(frame);
  }
}

std::optional<VideoFrame> FrameMailbox::take() {
  const std::lock_guard lock(m_);
  std::optional<VideoFrame> frame = std::move(slot_);
  slot_.reset();
  return frame;
}

std::uint64_t FrameMailbox::frames_put() const {
  const std::lock_guard lock(m_);
  return put_;
}

std::uint64_t FrameMailbox::frames_dropped() const {
  const std::lock_guard lock(m_);
  return dropped_;
}

}  // namespace jcall::media
