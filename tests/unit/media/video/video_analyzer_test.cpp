// The video analyzer: the SMPTE bars check on real frames from GStreamer's videotestsrc (raw,
// and after a VP8 round trip at a low bit rate), other patterns refused; frame rate, freezes,
// the longest gap and pause on a fake clock.
#include "media/pipeline/detail/video_analyzer.hpp"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>

#include "media/detail/glib.hpp"

namespace jcall::media::detail {
namespace {

// An I420 frame copied out of a GstBuffer, planes without padding.
struct OwnedI420 {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> y, u, v;

  I420View view() const {
    const int cw = (width + 1) / 2;
    return {width, height, y.data(), u.data(), v.data(), width, cw, cw};
  }
};

OwnedI420 copy_frame(GstSample* sample) {
  OwnedI420 out;
  GstVideoInfo info;
  if (!gst_video_info_from_caps(&info, gst_sample_get_caps(sample))) {
    ADD_FAILURE() << "caps without video info";
    return out;
  }
  GstVideoFrame frame;
  if (!gst_video_frame_map(&frame, &info, gst_sample_get_buffer(sample), GST_MAP_READ)) {
    ADD_FAILURE() << "cannot map the frame";
    return out;
  }
  out.width = GST_VIDEO_FRAME_WIDTH(&frame);
  out.height = GST_VIDEO_FRAME_HEIGHT(&frame);
  std::vector<std::uint8_t>* planes[3] = {&out.y, &out.u, &out.v};
  for (guint p = 0; p < 3; ++p) {
    const int w = GST_VIDEO_FRAME_COMP_WIDTH(&frame, p);
    const int h = GST_VIDEO_FRAME_COMP_HEIGHT(&frame, p);
    const int stride = GST_VIDEO_FRAME_PLANE_STRIDE(&frame, p);
    const auto* src = static_cast<const std::uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, p));
    planes[p]->resize(static_cast<std::size_t>(w) * h);
    for (int row = 0; row < h; ++row) {
      std::memcpy(planes[p]->data() + static_cast<std::ptrdiff_t>(row) * w,
                  src + static_cast<std::ptrdiff_t>(row) * stride, w);
    }
  }
  gst_video_frame_unmap(&frame);
  return out;
}

// Runs `chain` (a test-written launch string ending in an appsink named "sink") to EOS and
// returns every frame, each wait bounded.
std::vector<OwnedI420> grab(const std::string& chain) {
  std::vector<OwnedI420> frames;
  GErrorPtr error;
  auto pipeline = GObjectPtr<GstElement>::adopt(gst_parse_launch(chain.c_str(), error.out()));
  if (!pipeline || error) {
    ADD_FAILURE() << chain << ": " << error.message();
    return frames;
  }
  auto sink = GObjectPtr<GstElement>::adopt(gst_bin_get_by_name(GST_BIN(pipeline.get()), "sink"));
  if (!sink) {
    ADD_FAILURE() << "no appsink in " << chain;
    return frames;
  }
  if (gst_element_set_state(pipeline.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    ADD_FAILURE() << "cannot start " << chain;
    return frames;
  }
  for (;;) {
    GstSample* sample = gst_app_sink_try_pull_sample(GST_APP_SINK(sink.get()), 10 * GST_SECOND);
    if (sample == nullptr) {
      if (gst_app_sink_is_eos(GST_APP_SINK(sink.get())) == 0) {
        ADD_FAILURE() << "no frame within 10 s from " << chain;
      }
      break;
    }
    frames.push_back(copy_frame(sample));
    gst_sample_unref(sample);
  }
  gst_element_set_state(pipeline.get(), GST_STATE_NULL);
  return frames;
}

std::vector<OwnedI420> raw(const std::string& pattern, int width, int height, int n = 1) {
  return grab("videotestsrc num-buffers=" + std::to_string(n) + " pattern=" + pattern +
              " ! video/x-raw,format=I420,width=" + std::to_string(width) +
              ",height=" + std::to_string(height) + " ! appsink name=sink sync=false");
}

class SmpteCheck : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { gst_init(nullptr, nullptr); }
};

TEST_F(SmpteCheck, MatchesVideotestsrcSmpte) {
  for (const auto& [w, h] : {std::pair{640, 480}, std::pair{320, 240}, std::pair{1280, 720},
                             std::pair{33, 35}, std::pair{32, 32}}) {
    const auto frames = raw("smpte", w, h);
    ASSERT_EQ(frames.size(), 1U) << w << "x" << h;
    EXPECT_EQ(frames[0].width, w);
    EXPECT_EQ(frames[0].height, h);
    EXPECT_TRUE(looks_like_smpte(frames[0].view())) << w << "x" << h;
  }
}

// VP8 at 300 kbit/s, 640x480 at 30 fps: every decoded frame, key frame and the ones after it,
// still shows the bars.
TEST_F(SmpteCheck, MatchesAfterAVp8RoundTripAtLowBitrate) {
  const auto frames = grab(
      "videotestsrc num-buffers=30 pattern=smpte ! "
      "video/x-raw,format=I420,width=640,height=480,framerate=30/1 ! "
      "vp8enc target-bitrate=300000 deadline=1 keyframe-max-dist=300 ! vp8dec ! "
      "video/x-raw,format=I420 ! appsink name=sink sync=false");
  ASSERT_EQ(frames.size(), 30U);
  for (std::size_t i = 0; i < frames.size(); ++i) {
    EXPECT_TRUE(looks_like_smpte(frames[i].view())) << "frame " << i;
  }
}

TEST_F(SmpteCheck, RefusesOtherPatterns) {
  for (const char* pattern : {"ball", "snow", "black", "white", "red", "green", "blue", "gradient",
                              "smpte75", "checkers-8", "colors", "bar", "pinwheel"}) {
    const auto frames = raw(pattern, 640, 480, 3);
    ASSERT_EQ(frames.size(), 3U) << pattern;
    for (const auto& f : frames) {
      EXPECT_FALSE(looks_like_smpte(f.view())) << pattern;
    }
  }
}

// Each bar is checked: the real bars with one bar's area painted another bar's colour fail.
TEST_F(SmpteCheck, RefusesBarsWithOneBarWrong) {
  const auto frames = raw("smpte", 640, 480);
  ASSERT_EQ(frames.size(), 1U);
  ASSERT_TRUE(looks_like_smpte(frames[0].view()));
  const int bar = 640 / 7;
  for (int i = 0; i < 7; ++i) {
    OwnedI420 f = frames[0];
    const int source = i == 0 ? 1 : i - 1;  // the neighbouring bar's colour
    const int sx = source * bar + bar / 2;
    for (int y = 0; y < 480 * 2 / 3; ++y) {
      for (int x = i * bar; x < (i + 1) * bar; ++x) {
        f.y[y * 640 + x] = f.y[y * 640 + sx];
        f.u[(y / 2) * 320 + x / 2] = f.u[(y / 2) * 320 + sx / 2];
        f.v[(y / 2) * 320 + x / 2] = f.v[(y / 2) * 320 + sx / 2];
      }
    }
    EXPECT_FALSE(looks_like_smpte(f.view())) << "bar " << i;
  }
}

TEST_F(SmpteCheck, RefusesTooSmallFramesAndMissingPlanes) {
  const auto small = raw("smpte", 31, 240);
  ASSERT_EQ(small.size(), 1U);
  EXPECT_FALSE(looks_like_smpte(small[0].view()));
  const auto low = raw("smpte", 320, 31);
  ASSERT_EQ(low.size(), 1U);
  EXPECT_FALSE(looks_like_smpte(low[0].view()));

  const auto frames = raw("smpte", 320, 240);
  ASSERT_EQ(frames.size(), 1U);
  ASSERT_TRUE(looks_like_smpte(frames[0].view()));
  for (int p = 0; p < 3; ++p) {
    I420View v = frames[0].view();
    (p == 0 ? v.y : p == 1 ? v.u : v.v) = nullptr;
    EXPECT_FALSE(looks_like_smpte(v)) << "plane " << p;
  }
  EXPECT_FALSE(looks_like_smpte(I420View{}));
}

// The analyzer's figures on a fake clock, with a small black frame.
constexpr std::int64_t kMs = 1'000'000;

class VideoAnalyzerClock : public ::testing::Test {
 protected:
  std::vector<std::uint8_t> y_ = std::vector<std::uint8_t>(64 * 48, 16);
  std::vector<std::uint8_t> c_ = std::vector<std::uint8_t>(32 * 24, 128);
  I420View frame_{64, 48, y_.data(), c_.data(), c_.data(), 64, 32, 32};
};

TEST_F(VideoAnalyzerClock, CountsFramesSizeAndRate) {
  VideoAnalyzer a;
  EXPECT_EQ(a.current(0).frames, 0U);
  EXPECT_FALSE(a.current(0).last_frame_ns);
  const std::int64_t start = 5'000 * kMs;
  for (int i = 0; i < 60; ++i) {  // 2 s at 30 fps
    a.feed(frame_, start + i * 1000 * kMs / 30);
  }
  const std::int64_t last = start + 59 * 1000 * kMs / 30;
  const VideoAnalysis r = a.current(last);
  EXPECT_EQ(r.frames, 60U);
  EXPECT_EQ(r.width, 64);
  EXPECT_EQ(r.height, 48);
  EXPECT_EQ(r.first_frame_ns, start);
  EXPECT_EQ(r.last_frame_ns, last);
  EXPECT_EQ(r.fps, 30);
  EXPECT_EQ(r.freezes, 0U);
  EXPECT_EQ(r.frozen_ms, 0);
  EXPECT_NEAR(r.longest_gap_ms, 1000.0 / 30, 0.01);
  // Half a second later the window holds half the frames; after a second, none.
  EXPECT_EQ(a.current(last + 500 * kMs).fps, 15);
  EXPECT_EQ(a.current(last + 1000 * kMs).fps, 0);
  EXPECT_EQ(a.current(last + 5000 * kMs).fps, 0);
}

TEST_F(VideoAnalyzerClock, CountsFreezesLongerThan500Ms) {
  VideoAnalyzer a;
  a.feed(frame_, 0);
  a.feed(frame_, 500 * kMs);  // exactly 500 ms: not a freeze
  EXPECT_EQ(a.current(500 * kMs).freezes, 0U);
  a.feed(frame_, 1200 * kMs);  // 700 ms
  a.feed(frame_, 1300 * kMs);
  a.feed(frame_, 2200 * kMs);  // 900 ms
  const VideoAnalysis r = a.current(2200 * kMs);
  EXPECT_EQ(r.freezes, 2U);
  EXPECT_DOUBLE_EQ(r.frozen_ms, 1600);
  EXPECT_DOUBLE_EQ(r.longest_gap_ms, 900);
  EXPECT_EQ(r.frames, 5U);
}

TEST_F(VideoAnalyzerClock, AnOpenGapCountsInCurrentOnly) {
  VideoAnalyzer a;
  a.feed(frame_, 0);
  a.feed(frame_, 100 * kMs);
  EXPECT_EQ(a.current(600 * kMs).freezes, 0U);  // 500 ms open: not yet
  const VideoAnalysis open = a.current(2100 * kMs);
  EXPECT_EQ(open.freezes, 1U);
  EXPECT_DOUBLE_EQ(open.frozen_ms, 2000);
  EXPECT_DOUBLE_EQ(open.longest_gap_ms, 2000);
  // current() changes nothing: the gap ending with a frame counts once.
  a.feed(frame_, 3100 * kMs);
  const VideoAnalysis closed = a.current(3100 * kMs);
  EXPECT_EQ(closed.freezes, 1U);
  EXPECT_DOUBLE_EQ(closed.frozen_ms, 3000);
  EXPECT_DOUBLE_EQ(closed.longest_gap_ms, 3000);
}

TEST_F(VideoAnalyzerClock, APausedGapIsNoFreeze) {
  VideoAnalyzer a;
  a.feed(frame_, 0);
  a.feed(frame_, 100 * kMs);
  a.pause();
  const VideoAnalysis paused = a.current(5000 * kMs);
  EXPECT_EQ(paused.freezes, 0U);
  EXPECT_EQ(paused.frozen_ms, 0);
  EXPECT_DOUBLE_EQ(paused.longest_gap_ms, 100);
  a.feed(frame_, 10'000 * kMs);  // ends the pause
  VideoAnalysis r = a.current(10'000 * kMs);
  EXPECT_EQ(r.freezes, 0U);
  EXPECT_DOUBLE_EQ(r.longest_gap_ms, 100);
  // The next gap is a freeze again.
  a.feed(frame_, 10'800 * kMs);
  r = a.current(10'800 * kMs);
  EXPECT_EQ(r.freezes, 1U);
  EXPECT_DOUBLE_EQ(r.frozen_ms, 800);
  EXPECT_DOUBLE_EQ(r.longest_gap_ms, 800);
}

TEST_F(VideoAnalyzerClock, ChecksThePatternOnEveryNthFrame) {
  VideoAnalyzer a(10);
  for (int i = 0; i < 25; ++i) {
    a.feed(frame_, i * 33 * kMs);
  }
  const VideoAnalysis r = a.current(25 * 33 * kMs);
  EXPECT_EQ(r.pattern_checked, 3U);  // frames 1, 11, 21
  EXPECT_EQ(r.pattern_matched, 0U);  // black is no SMPTE

  VideoAnalyzer every(0);
  for (int i = 0; i < 4; ++i) {
    every.feed(frame_, i * 33 * kMs);
  }
  EXPECT_EQ(every.current(4 * 33 * kMs).pattern_checked, 4U);
}

TEST_F(VideoAnalyzerClock, CountsMatchesOnRealBars) {
  gst_init(nullptr, nullptr);
  const auto bars = raw("smpte", 320, 240);
  const auto ball = raw("ball", 320, 240);
  ASSERT_EQ(bars.size(), 1U);
  ASSERT_EQ(ball.size(), 1U);
  VideoAnalyzer a(2);
  for (int i = 0; i < 6; ++i) {  // checked: 1st (bars), 3rd (bars), 5th (bars)
    a.feed(bars[0].view(), i * 33 * kMs);
  }
  a.feed(ball[0].view(), 6 * 33 * kMs);  // 7th, checked: ball
  const VideoAnalysis r = a.current(6 * 33 * kMs);
  EXPECT_EQ(r.pattern_checked, 4U);
  EXPECT_EQ(r.pattern_matched, 3U);
  EXPECT_EQ(r.width, 320);
}

}  // namespace
}  // namespace jcall::media::detail
