// What a frame must redraw (app/window/redraw.hpp): real ImGui frames (a context, its default
// font, the foreground draw list), no renderer; textures are plain ids.
#include "app/window/redraw.hpp"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace jcall::app::window {
namespace {

ImTextureID texture(std::intptr_t id) {
  return reinterpret_cast<ImTextureID>(id);
}

class RedrawTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;
    io.DisplaySize = ImVec2(800, 600);
    unsigned char* pixels = nullptr;
    int w = 0, h = 0;
    io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);
    io.Fonts->SetTexID(texture(1));
  }
  void TearDown() override { ImGui::DestroyContext(); }

  // One frame drawn by `draw` into the foreground list, at `scale` pixels per point.
  ImDrawData& frame(const std::function<void(ImDrawList&)>& draw, float scale = 1) {
    ImGuiIO& io = ImGui::GetIO();
    io.DisplayFramebufferScale = ImVec2(scale, scale);
    io.DeltaTime = 1.f / 60;
    ImGui::NewFrame();
    draw(*ImGui::GetForegroundDrawList());
    ImGui::Render();
    return *ImGui::GetDrawData();
  }

  // A call's view: a caption, the remote video and the self-view inside it (or beside it).
  static void call(ImDrawList& dl, const char* caption, bool self_inside = true) {
    dl.AddRectFilled(ImVec2(0, 0), ImVec2(800, 40), IM_COL32(40, 40, 40, 255));
    dl.AddText(ImVec2(10, 10), IM_COL32_WHITE, caption);
    dl.AddImage(texture(2), ImVec2(100.5f, 50.25f), ImVec2(500.25f, 275.75f));
    if (self_inside) {
      dl.AddImage(texture(3), ImVec2(400, 200), ImVec2(480, 260));
    } else {
      dl.AddImage(texture(3), ImVec2(600, 400), ImVec2(700, 460));
    }
    dl.AddText(ImVec2(110, 60), IM_COL32_WHITE, "00:09");  // drawn over the video
  }

  RedrawTracker tracker_;
};

using Kind = RedrawPlan::Kind;

TEST_F(RedrawTest, TheFirstFrameIsDrawnWholeAndAnUnchangedOneNotAtAll) {
  EXPECT_EQ(tracker_.plan(frame([](ImDrawList& dl) { call(dl, "bob"); }), {}).kind, Kind::kFull);
  EXPECT_EQ(tracker_.plan(frame([](ImDrawList& dl) { call(dl, "bob"); }), {}).kind, Kind::kNothing);
}

TEST_F(RedrawTest, ANewVideoFrameRedrawsOnlyWhereItsTextureIsDrawn) {
  (void)tracker_.plan(frame([](ImDrawList& dl) { call(dl, "bob"); }), {});
  const ImTextureID remote[] = {texture(2)};
  const RedrawPlan plan = tracker_.plan(frame([](ImDrawList& dl) { call(dl, "bob"); }), remote);
  ASSERT_EQ(plan.kind, Kind::kPartial);
  ASSERT_EQ(plan.rects.size(), 1u);
  // 100.5 .. 500.25 x 50.25 .. 275.75, rounded outwards to whole pixels.
  EXPECT_EQ(plan.rects[0], (PixelRect{100, 50, 401, 226}));
}

TEST_F(RedrawTest, AnyOtherChangeRedrawsTheWholeFrame) {
  (void)tracker_.plan(frame([](ImDrawList& dl) { call(dl, "bob"); }), {});
  const ImTextureID remote[] = {texture(2)};
  EXPECT_EQ(tracker_.plan(frame([](ImDrawList& dl) { call(dl, "bob!"); }), remote).kind,
            Kind::kFull);
  // The self-view moved: the same textures, other vertices.
  EXPECT_EQ(tracker_.plan(frame([](ImDrawList& dl) { call(dl, "bob!", false); }), remote).kind,
            Kind::kFull);
  // A colour alone.
  const auto with_square = [&](ImU32 colour) {
    return tracker_
        .plan(frame([&](ImDrawList& dl) {
                call(dl, "bob!", false);
                dl.AddRectFilled(ImVec2(0, 500), ImVec2(10, 510), colour);
              }),
              {})
        .kind;
  };
  EXPECT_EQ(with_square(IM_COL32(1, 2, 3, 255)), Kind::kFull);
  EXPECT_EQ(with_square(IM_COL32(1, 2, 4, 255)), Kind::kFull);
}

TEST_F(RedrawTest, OverlappingCoversMergeAndSeparateOnesStaySeparate) {
  const ImTextureID both[] = {texture(2), texture(3)};
  (void)tracker_.plan(frame([](ImDrawList& dl) { call(dl, "bob"); }), {});
  RedrawPlan plan = tracker_.plan(frame([](ImDrawList& dl) { call(dl, "bob"); }), both);
  ASSERT_EQ(plan.kind, Kind::kPartial);
  ASSERT_EQ(plan.rects.size(), 1u);  // the self-view is inside the video
  EXPECT_EQ(plan.rects[0], (PixelRect{100, 50, 401, 226}));

  (void)tracker_.plan(frame([](ImDrawList& dl) { call(dl, "bob", false); }), {});
  plan = tracker_.plan(frame([](ImDrawList& dl) { call(dl, "bob", false); }), both);
  ASSERT_EQ(plan.kind, Kind::kPartial);
  ASSERT_EQ(plan.rects.size(), 2u);
  EXPECT_EQ(plan.rects[0], (PixelRect{100, 50, 401, 226}));
  EXPECT_EQ(plan.rects[1], (PixelRect{600, 400, 100, 60}));
}

TEST_F(RedrawTest, ATextureNotOnScreenRedrawsNothing) {
  (void)tracker_.plan(frame([](ImDrawList& dl) { call(dl, "bob"); }), {});
  const ImTextureID hidden[] = {texture(9)};
  EXPECT_EQ(tracker_.plan(frame([](ImDrawList& dl) { call(dl, "bob"); }), hidden).kind,
            Kind::kNothing);
}

TEST_F(RedrawTest, InvalidatedMeansWhole) {
  (void)tracker_.plan(frame([](ImDrawList& dl) { call(dl, "bob"); }), {});
  tracker_.invalidate();
  EXPECT_EQ(tracker_.plan(frame([](ImDrawList& dl) { call(dl, "bob"); }), {}).kind, Kind::kFull);
}

TEST_F(RedrawTest, CoversAreInFramebufferPixels) {
  ImDrawData& dd = frame([](ImDrawList& dl) { call(dl, "bob"); }, 2);
  EXPECT_EQ(texture_cover(dd, texture(2)), (PixelRect{201, 100, 800, 452}));
  EXPECT_TRUE(texture_cover(dd, texture(9)).empty());
}

TEST_F(RedrawTest, CoversStayInsideTheClipRectangle) {
  ImDrawData& dd = frame([](ImDrawList& dl) {
    dl.PushClipRect(ImVec2(0, 0), ImVec2(300, 100));
    dl.AddImage(texture(2), ImVec2(200, 50), ImVec2(900, 700));
    dl.PopClipRect();
  });
  EXPECT_EQ(texture_cover(dd, texture(2)), (PixelRect{200, 50, 100, 50}));
}

TEST_F(RedrawTest, ClippingLimitsEveryCommandAndIsUndone) {
  ImDrawData& dd = frame([](ImDrawList& dl) {
    call(dl, "bob", false);
    dl.PushClipRect(ImVec2(700, 500), ImVec2(800, 600));
    dl.AddRectFilled(ImVec2(700, 500), ImVec2(800, 600), IM_COL32_WHITE);
    dl.PopClipRect();
  });
  const std::vector<ImVec4> saved = save_clip_rects(dd);
  clip_draw_data(dd, PixelRect{100, 50, 200, 100});
  int inside = 0, skipped = 0;
  for (int n = 0; n < dd.CmdListsCount; ++n) {
    for (const ImDrawCmd& cmd : dd.CmdLists[n]->CmdBuffer) {
      // The pixels the backend draws of the command (framebuffer 800x600 at scale 1).
      const auto [x0, x1] = backend_pixels(cmd.ClipRect.x, cmd.ClipRect.z, 0, 1, 800);
      const auto [y0, y1] = backend_pixels(cmd.ClipRect.y, cmd.ClipRect.w, 0, 1, 600);
      if (x1 <= x0 || y1 <= y0) {
        ++skipped;  // empty: the backend draws nothing of it
        continue;
      }
      EXPECT_GE(x0, 100);
      EXPECT_GE(y0, 50);
      EXPECT_LE(x1, 300);
      EXPECT_LE(y1, 150);
      ++inside;
    }
  }
  EXPECT_GT(inside, 0);
  EXPECT_GT(skipped, 0);  // the white square's command is outside: nothing left of it
  restore_clip_rects(dd, saved);
  EXPECT_EQ(save_clip_rects(dd).size(), saved.size());
  std::size_t i = 0;
  for (int n = 0; n < dd.CmdListsCount; ++n) {
    for (const ImDrawCmd& cmd : dd.CmdLists[n]->CmdBuffer) {
      EXPECT_EQ(cmd.ClipRect.x, saved[i].x);
      EXPECT_EQ(cmd.ClipRect.y, saved[i].y);
      EXPECT_EQ(cmd.ClipRect.z, saved[i].z);
      EXPECT_EQ(cmd.ClipRect.w, saved[i].w);
      ++i;
    }
  }
}

// A partial redraw draws, of each command, exactly the pixels a whole frame draws inside the
// rectangle, by the backend's own rounding: with clip rectangles off the pixel grid and at
// framebuffer scales that are not whole numbers.
TEST_F(RedrawTest, ClippingKeepsTheBackendsPixelsAtAnyScale) {
  for (const float scale : {1.f, 1.25f, 1.5f, 2.f}) {
    ImDrawData& dd = frame(
        [](ImDrawList& dl) {
          dl.PushClipRect(ImVec2(10.5f, 20.25f), ImVec2(200.75f, 100.5f));
          dl.AddRectFilled(ImVec2(0, 0), ImVec2(800, 600), IM_COL32_WHITE);
          dl.PopClipRect();
          dl.PushClipRect(ImVec2(0, 0), ImVec2(33.3f, 47.7f));
          dl.AddImage(texture(2), ImVec2(0, 0), ImVec2(800, 600));
          dl.PopClipRect();
          call(dl, "bob");
        },
        scale);
    const int fb_w = static_cast<int>(800 * scale), fb_h = static_cast<int>(600 * scale);
    const std::vector<ImVec4> whole = save_clip_rects(dd);
    for (const PixelRect rect : {PixelRect{0, 0, 150, 60}, PixelRect{13, 27, 101, 33},
                                 PixelRect{40, 0, 7, 500}, PixelRect{300, 300, 10, 10}}) {
      restore_clip_rects(dd, whole);
      clip_draw_data(dd, rect);
      const std::vector<ImVec4> cut = save_clip_rects(dd);
      ASSERT_EQ(cut.size(), whole.size());
      for (std::size_t i = 0; i < whole.size(); ++i) {
        const auto full_x = backend_pixels(whole[i].x, whole[i].z, 0, scale, fb_w);
        const auto full_y = backend_pixels(whole[i].y, whole[i].w, 0, scale, fb_h);
        std::pair<int, int> want_x{std::max(full_x.first, rect.x),
                                   std::min(full_x.second, rect.x + rect.w)};
        std::pair<int, int> want_y{std::max(full_y.first, rect.y),
                                   std::min(full_y.second, rect.y + rect.h)};
        const auto got_x = backend_pixels(cut[i].x, cut[i].z, 0, scale, fb_w);
        const auto got_y = backend_pixels(cut[i].y, cut[i].w, 0, scale, fb_h);
        const bool want_empty = want_x.second <= want_x.first || want_y.second <= want_y.first;
        const bool got_empty = got_x.second <= got_x.first || got_y.second <= got_y.first;
        ASSERT_EQ(got_empty, want_empty) << "scale " << scale << ", command " << i;
        if (!want_empty) {
          EXPECT_EQ(got_x, want_x) << "scale " << scale << ", command " << i;
          EXPECT_EQ(got_y, want_y) << "scale " << scale << ", command " << i;
        }
      }
    }
  }
}

TEST(BackendPixels, TruncatesTheStartAndTheWidthWithinTheFramebuffer) {
  EXPECT_EQ(backend_pixels(10.5f, 20.f, 0, 1, 100), std::make_pair(10, 19));  // width 9.5 -> 9
  EXPECT_EQ(backend_pixels(-5, 50, 0, 2, 80), std::make_pair(0, 80));         // clamped
  EXPECT_EQ(backend_pixels(30, 30, 0, 1, 100), std::make_pair(0, 0));         // empty
}

}  // namespace
}  // namespace jcall::app::window
