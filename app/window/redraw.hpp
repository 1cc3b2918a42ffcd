// What a frame must redraw: nothing, only what the video textures cover, or everything. A
// software renderer (no GPU: Mesa's llvmpipe, Xvfb) pays for every pixel it draws, and during
// a call most frames differ from the one before only in the video's pixels (issue 7: the
// window's CPU during a 720p call within 1.2x of the same call headless).
//
// The tracker compares each frame's ImGui draw data (vertices, indices, commands) with the
// previous frame's. Equal draw data means equal pixels except where a texture changed since:
// the rectangles its commands cover are then all that must be drawn again (every command
// clipped to them, in order, over the background, so the result is the full frame's pixels).
#pragma once

#include <cstddef>
#include <span>
#include <utility>
#include <vector>

#include <imgui.h>

namespace jcall::app::window {

// A rectangle in framebuffer pixels.
struct PixelRect {
  int x = 0, y = 0, w = 0, h = 0;
  bool empty() const { return w <= 0 || h <= 0; }
  friend bool operator==(const PixelRect&, const PixelRect&) = default;
};

struct RedrawPlan {
  enum class Kind { kNothing, kPartial, kFull };
  Kind kind = Kind::kFull;
  // kPartial: what to draw and show again, rectangles that do not overlap (a texture's cover;
  // overlapping covers are merged into their bounding box).
  std::vector<PixelRect> rects;
};

class RedrawTracker {
 public:
  // This frame's plan. `updated` are the textures whose pixels changed since the last frame
  // that was shown. Keeps the draw data for the next call.
  RedrawPlan plan(const ImDrawData& draw_data, std::span<const ImTextureID> updated);

  // The next plan is kFull (the window's pixels were lost or resized, a screenshot wants a
  // frame drawn whole).
  void invalidate() { previous_.clear(); }
  bool invalidated() const { return previous_.empty(); }

 private:
  std::vector<std::byte> previous_, current_;
};

// The plan for draw data known to be the last frame's: kPartial where the `updated` textures
// are drawn (overlapping covers merged), kNothing when none of them is on screen.
RedrawPlan plan_textures(const ImDrawData& draw_data, std::span<const ImTextureID> updated);

// The framebuffer pixels covered by the commands that draw `texture` (each vertex's bounding
// box within the command's clip rectangle), as one rectangle; empty when it is not drawn.
PixelRect texture_cover(const ImDrawData& draw_data, ImTextureID texture);

// Limits every command to `rect` (framebuffer pixels): Dear ImGui's SDL_Renderer backend then
// draws, of each command, exactly the pixels it draws in a whole frame that lie in `rect`
// (its clip rectangles are cut on its own pixel rounding, at any framebuffer scale).
void clip_draw_data(ImDrawData& draw_data, const PixelRect& rect);

// The pixels [first, last) the backend derives from a clip range [lo, hi) in one axis.
std::pair<int, int> backend_pixels(float lo, float hi, float offset, float scale, int size);

// The commands' clip rectangles, to draw the same draw data clipped to several rectangles.
std::vector<ImVec4> save_clip_rects(const ImDrawData& draw_data);
void restore_clip_rects(ImDrawData& draw_data, const std::vector<ImVec4>& saved);

}  // namespace jcall::app::window
