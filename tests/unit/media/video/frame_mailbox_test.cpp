// The latest-frame mailbox: the newest frame wins, replaced frames are counted, and a producer
// and a consumer thread never lose the newest frame nor see sequences go backwards.
#include "media/pipeline/frame_mailbox.hpp"

#include <atomic>
#include <chrono>
#include <optional>
#include <thread>
#include <utility>

#include <gtest/gtest.h>

namespace jcall::media {
namespace {

VideoFrame frame(int width, std::int64_t pts) {
  VideoFrame f;
  f.width = width;
  f.height = 1;
  f.rgba.assign(static_cast<std::size_t>(width) * 4, static_cast<std::uint8_t>(width));
  f.pts_ns = pts;
  return f;
}

TEST(FrameMailbox, EmptyUntilAFrameIsPut) {
  FrameMailbox box;
  EXPECT_FALSE(box.take());
  EXPECT_EQ(box.frames_put(), 0U);
  EXPECT_EQ(box.frames_dropped(), 0U);
}

TEST(FrameMailbox, TheLatestFrameWinsAndReplacedOnesAreDropped) {
  FrameMailbox box;
  box.put(frame(1, 100));
  box.put(frame(2, 200));
  box.put(frame(3, 300));
  EXPECT_EQ(box.frames_put(), 3U);
  EXPECT_EQ(box.frames_dropped(), 2U);
  auto f = box.take();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->width, 3);
  EXPECT_EQ(f->pts_ns, 300);
  EXPECT_EQ(f->sequence, 3U);
  EXPECT_EQ(f->rgba, std::vector<std::uint8_t>(12, 3));
  EXPECT_FALSE(box.take());  // nothing newer came

  box.put(frame(4, 400));  // the slot was empty: nothing dropped
  EXPECT_EQ(box.frames_dropped(), 2U);
  f = box.take();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->sequence, 4U);
  EXPECT_EQ(f->width, 4);
  EXPECT_FALSE(box.take());
  EXPECT_EQ(box.frames_put(), 4U);
}

TEST(FrameMailbox, SequenceIsSetByPut) {
  FrameMailbox box;
  VideoFrame f = frame(1, 0);
  f.sequence = 77;
  box.put(std::move(f));
  const auto got = box.take();
  ASSERT_TRUE(got);
  EXPECT_EQ(got->sequence, 1U);
}

// A producer puts kFrames frames while a consumer takes; the consumer sees strictly rising
// sequences, each frame intact, and finally the last one. Taken + dropped == put.
TEST(FrameMailbox, OneProducerOneConsumer) {
  constexpr std::uint64_t kFrames = 20'000;
  FrameMailbox box;
  std::atomic<bool> done{false};
  std::thread producer([&] {
    for (std::uint64_t i = 1; i <= kFrames; ++i) {
      box.put(frame(static_cast<int>(i % 200) + 1, static_cast<std::int64_t>(i)));
    }
    done = true;
  });
  std::uint64_t taken = 0;
  std::uint64_t last_sequence = 0;
  bool intact = true;
  bool rising = true;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    const bool finished = done.load();
    if (auto f = box.take()) {
      ++taken;
      rising = rising && f->sequence > last_sequence;
      last_sequence = f->sequence;
      intact = intact && f->pts_ns == static_cast<std::int64_t>(f->sequence) &&
               f->rgba.size() == static_cast<std::size_t>(f->width) * 4 &&
               f->rgba.front() == static_cast<std::uint8_t>(f->width);
    } else if (finished) {
      break;
    }
  }
  producer.join();
  EXPECT_TRUE(done.load()) << "consumer gave up after 20 s";
  EXPECT_TRUE(rising);
  EXPECT_TRUE(intact);
  EXPECT_EQ(last_sequence, kFrames);
  EXPECT_EQ(box.frames_put(), kFrames);
  EXPECT_EQ(taken + box.frames_dropped(), kFrames);
  EXPECT_GE(taken, 1U);
}

// The listener hears every put, after the frame is in the slot and outside the lock (it may
// take the frame itself); without one, nobody is called.
TEST(FrameMailbox, TheListenerIsToldOfEachPutOutsideTheLock) {
  FrameMailbox box;
  int calls = 0;
  std::optional<VideoFrame> seen;
  box.set_listener([&] {
    ++calls;
    seen = box.take();  // would deadlock if called under the lock
  });
  box.put(frame(5, 500));
  EXPECT_EQ(calls, 1);
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->width, 5);
  box.put(frame(6, 600));
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(box.frames_dropped(), 0U);  // each was taken by the listener
  box.set_listener(nullptr);
  box.put(frame(7, 700));
  EXPECT_EQ(calls, 2);
  auto f = box.take();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->width, 7);
}

// The window's box: 0x0 until set, negative sizes are none.
TEST(FrameMailbox, TheDisplayBoxIsWhatTheWindowLastSaid) {
  FrameMailbox box;
  EXPECT_EQ(box.display_box(), std::make_pair(0, 0));
  box.set_display_box(552, 310);
  EXPECT_EQ(box.display_box(), std::make_pair(552, 310));
  box.set_display_box(-4, 20);
  EXPECT_EQ(box.display_box(), std::make_pair(0, 20));
}

}  // namespace
}  // namespace jcall::media
