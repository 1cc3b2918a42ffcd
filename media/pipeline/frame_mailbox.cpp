// The latest-frame mailbox (frame_mailbox.hpp): one slot under a mutex. The lock is held only to
// move a frame in or out (the pixels are moved, not copied), so neither side waits on the other
// for longer than a few pointer swaps.
#include "media/pipeline/frame_mailbox.hpp"

#include <algorithm>
#include <utility>

namespace jcall::media {

void FrameMailbox::put(VideoFrame frame) {
  std::optional<VideoFrame> replaced;  // freed outside the lock
  std::shared_ptr<const std::function<void()>> listener;
  {
    const std::lock_guard lock(m_);
    frame.sequence = ++put_;
    if (slot_) {
      ++dropped_;
      replaced = std::move(slot_);
    }
    slot_ = std::move(frame);
    listener = listener_;
  }
  if (listener) {
    (*listener)();
  }
}

void FrameMailbox::set_listener(std::function<void()> listener) {
  auto l = listener ? std::make_shared<const std::function<void()>>(std::move(listener)) : nullptr;
  const std::lock_guard lock(m_);
  listener_ = std::move(l);
}

std::optional<VideoFrame> FrameMailbox::take() {
  const std::lock_guard lock(m_);
  std::optional<VideoFrame> frame = std::move(slot_);
  slot_.reset();
  return frame;
}

void FrameMailbox::set_display_box(int width, int height) {
  const std::lock_guard lock(m_);
  display_box_ = {std::max(width, 0), std::max(height, 0)};
}

std::pair<int, int> FrameMailbox::display_box() const {
  const std::lock_guard lock(m_);
  return display_box_;
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
