// What a frame redraws (redraw.hpp): a snapshot of the draw data compared with the last one,
// the pixels each texture covers, and clip rectangles cut on the backend's own rounding.
#include "app/window/redraw.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace jcall::app::window {
namespace {

template <typename T>
void append(std::vector<std::byte>& out, const T& value) {
  const auto* p = reinterpret_cast<const std::byte*>(&value);
  out.insert(out.end(), p, p + sizeof(T));
}

void append_bytes(std::vector<std::byte>& out, const void* data, std::size_t size) {
  const auto* p = static_cast<const std::byte*>(data);
  out.insert(out.end(), p, p + size);
}

// Everything in the draw data that decides the pixels, except the textures' contents.
void snapshot(const ImDrawData& dd, std::vector<std::byte>& out) {
  out.clear();
  append(out, dd.DisplayPos);
  append(out, dd.DisplaySize);
  append(out, dd.FramebufferScale);
  append(out, dd.CmdListsCount);
  for (int n = 0; n < dd.CmdListsCount; ++n) {
    const ImDrawList& list = *dd.CmdLists[n];
    append(out, list.VtxBuffer.Size);
    append_bytes(out, list.VtxBuffer.Data, sizeof(ImDrawVert) * list.VtxBuffer.Size);
    append(out, list.IdxBuffer.Size);
    append_bytes(out, list.IdxBuffer.Data, sizeof(ImDrawIdx) * list.IdxBuffer.Size);
    append(out, list.CmdBuffer.Size);
    for (const ImDrawCmd& cmd : list.CmdBuffer) {
      append(out, cmd.ClipRect);
      append(out, cmd.TextureId);
      append(out, cmd.VtxOffset);
      append(out, cmd.IdxOffset);
      append(out, cmd.ElemCount);
      append(out, cmd.UserCallback);
      append(out, cmd.UserCallbackData);
    }
  }
}

PixelRect unite(const PixelRect& a, const PixelRect& b) {
  if (a.empty()) {
    return b;
  }
  if (b.empty()) {
    return a;
  }
  const int x0 = std::min(a.x, b.x), y0 = std::min(a.y, b.y);
  const int x1 = std::max(a.x + a.w, b.x + b.w), y1 = std::max(a.y + a.h, b.y + b.h);
  return {x0, y0, x1 - x0, y1 - y0};
}

bool overlap(const PixelRect& a, const PixelRect& b) {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

}  // namespace

PixelRect texture_cover(const ImDrawData& dd, ImTextureID texture) {
  ImVec2 lo(INFINITY, INFINITY), hi(-INFINITY, -INFINITY);
  for (int n = 0; n < dd.CmdListsCount; ++n) {
    const ImDrawList& list = *dd.CmdLists[n];
    for (const ImDrawCmd& cmd : list.CmdBuffer) {
      if (cmd.UserCallback != nullptr || cmd.TextureId != texture || cmd.ElemCount == 0) {
        continue;
      }
      ImVec2 a(INFINITY, INFINITY), b(-INFINITY, -INFINITY);
      for (unsigned i = cmd.IdxOffset; i < cmd.IdxOffset + cmd.ElemCount; ++i) {
        const ImVec2 p = list.VtxBuffer[static_cast<int>(cmd.VtxOffset + list.IdxBuffer[i])].pos;
        a = ImVec2(std::min(a.x, p.x), std::min(a.y, p.y));
        b = ImVec2(std::max(b.x, p.x), std::max(b.y, p.y));
      }
      a = ImVec2(std::max(a.x, cmd.ClipRect.x), std::max(a.y, cmd.ClipRect.y));
      b = ImVec2(std::min(b.x, cmd.ClipRect.z), std::min(b.y, cmd.ClipRect.w));
      if (b.x <= a.x || b.y <= a.y) {
        continue;
      }
      lo = ImVec2(std::min(lo.x, a.x), std::min(lo.y, a.y));
      hi = ImVec2(std::max(hi.x, b.x), std::max(hi.y, b.y));
    }
  }
  if (hi.x <= lo.x || hi.y <= lo.y) {
    return {};
  }
  // Framebuffer pixels, rounded outwards, within the framebuffer.
  const ImVec2 s = dd.FramebufferScale;
  const int fb_w = static_cast<int>(dd.DisplaySize.x * s.x);
  const int fb_h = static_cast<int>(dd.DisplaySize.y * s.y);
  const int x0 = std::clamp(static_cast<int>(std::floor((lo.x - dd.DisplayPos.x) * s.x)), 0, fb_w);
  const int y0 = std::clamp(static_cast<int>(std::floor((lo.y - dd.DisplayPos.y) * s.y)), 0, fb_h);
  const int x1 = std::clamp(static_cast<int>(std::ceil((hi.x - dd.DisplayPos.x) * s.x)), 0, fb_w);
  const int y1 = std::clamp(static_cast<int>(std::ceil((hi.y - dd.DisplayPos.y) * s.y)), 0, fb_h);
  return {x0, y0, x1 - x0, y1 - y0};
}

// The pixels a clip range covers as Dear ImGui's SDL_Renderer backend (1.86) computes them:
// the range in framebuffer pixels clamped to the framebuffer, its start truncated, its width
// truncated (not its end). [first, last) in pixels; empty when last <= first.
std::pair<int, int> backend_pixels(float lo, float hi, float offset, float scale, int size) {
  const float a = std::max((lo - offset) * scale, 0.f);
  const float b = std::min((hi - offset) * scale, static_cast<float>(size));
  if (b <= a) {
    return {0, 0};
  }
  const int first = static_cast<int>(a);
  return {first, first + static_cast<int>(b - a)};
}

void clip_draw_data(ImDrawData& dd, const PixelRect& rect) {
  const ImVec2 s = dd.FramebufferScale;
  const ImVec2 off = dd.DisplayPos;
  const int fb_w = static_cast<int>(dd.DisplaySize.x * s.x);
  const int fb_h = static_cast<int>(dd.DisplaySize.y * s.y);
  // Each command's pixels as a whole frame draws them, cut to `rect`, given back as a clip
  // rectangle that the backend turns into exactly those pixels: a pixel's edge plus a small
  // margin, so that dividing by the scale and multiplying again cannot land below it.
  auto cut = [](std::pair<int, int> px, int lo, int hi, float offset, float scale) {
    const int first = std::max(px.first, lo);
    const int last = std::min(px.second, hi);
    if (last <= first) {
      return std::pair{offset, offset};  // empty
    }
    return std::pair{offset + (static_cast<float>(first) + 0.001f) / scale,
                     offset + (static_cast<float>(last) + 0.002f) / scale};
  };
  for (int n = 0; n < dd.CmdListsCount; ++n) {
    for (ImDrawCmd& cmd : dd.CmdLists[n]->CmdBuffer) {
      ImVec4& c = cmd.ClipRect;
      const auto [x0, x1] =
          cut(backend_pixels(c.x, c.z, off.x, s.x, fb_w), rect.x, rect.x + rect.w, off.x, s.x);
      const auto [y0, y1] =
          cut(backend_pixels(c.y, c.w, off.y, s.y, fb_h), rect.y, rect.y + rect.h, off.y, s.y);
      if (x1 <= x0 || y1 <= y0) {
        c = ImVec4(x0, y0, x0, y0);  // empty: the backend skips the command
      } else {
        c = ImVec4(x0, y0, x1, y1);
      }
    }
  }
}

std::vector<ImVec4> save_clip_rects(const ImDrawData& dd) {
  std::vector<ImVec4> saved;
  for (int n = 0; n < dd.CmdListsCount; ++n) {
    for (const ImDrawCmd& cmd : dd.CmdLists[n]->CmdBuffer) {
      saved.push_back(cmd.ClipRect);
    }
  }
  return saved;
}

void restore_clip_rects(ImDrawData& dd, const std::vector<ImVec4>& saved) {
  std::size_t i = 0;
  for (int n = 0; n < dd.CmdListsCount; ++n) {
    for (ImDrawCmd& cmd : dd.CmdLists[n]->CmdBuffer) {
      if (i < saved.size()) {
        cmd.ClipRect = saved[i++];
      }
    }
  }
}

RedrawPlan RedrawTracker::plan(const ImDrawData& dd, std::span<const ImTextureID> updated) {
  snapshot(dd, current_);
  const bool same = !previous_.empty() && previous_.size() == current_.size() &&
                    std::memcmp(previous_.data(), current_.data(), current_.size()) == 0;
  previous_.swap(current_);
  if (!same) {
    return {RedrawPlan::Kind::kFull, {}};
  }
  return plan_textures(dd, updated);
}

RedrawPlan plan_textures(const ImDrawData& dd, std::span<const ImTextureID> updated) {
  std::vector<PixelRect> rects;
  for (ImTextureID t : updated) {
    PixelRect r = texture_cover(dd, t);
    if (r.empty()) {
      continue;
    }
    // Overlapping rectangles become one (drawing a pixel twice would be wasted work, and
    // their bounding box may overlap a third).
    for (bool merged = true; merged;) {
      merged = false;
      for (auto it = rects.begin(); it != rects.end(); ++it) {
        if (overlap(*it, r)) {
          r = unite(*it, r);
          rects.erase(it);
          merged = true;
          break;
        }
      }
    }
    rects.push_back(r);
  }
  if (rects.empty()) {
    return {RedrawPlan::Kind::kNothing, {}};
  }
  return {RedrawPlan::Kind::kPartial, std::move(rects)};
}

}  // namespace jcall::app::window
