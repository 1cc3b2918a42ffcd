// The window's fonts: which files (fontconfig: DejaVu Sans for Latin, Noto Sans CJK for Chinese,
// Japanese and Korean, Noto Color Emoji), and an ImGui font atlas that holds only the glyphs the
// UI has shown so far. A full CJK atlas would be tens of thousands of glyphs (a 4096x4096+
// texture built in seconds); instead the text about to be drawn is noted each frame, and the
// atlas is rebuilt between frames when a character it lacks turns up.
//
// Debian's libimgui is built with 16-bit ImWchar, so ImGui draws only Unicode plane 0. Emoji
// beyond it go through text_wrapped(), which draws them as inline colour images rendered with
// FreeType (a CBDT bitmap strike or COLR layers) and uploaded through the renderer's factory.
//
// Thread: the UI thread only (like ImGui itself).
#pragma once

#include <bitset>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <imgui.h>

#include "base/result.hpp"

namespace jcall::app::window {

struct FontFiles {
  std::string latin;  // empty: not found
  std::string cjk;
  int cjk_index = 0;  // the face inside a .ttc collection (Noto Sans CJK SC in Debian's is #2)
  std::string emoji;
};

// Asks fontconfig for a Latin font ("DejaVu Sans", then "sans-serif"), a CJK font ("Noto Sans
// CJK SC", lang zh-cn) and a colour emoji font ("Noto Color Emoji"); each must cover sample
// characters of its script (the emoji one must also be a colour font), else its field is empty.
FontFiles find_fonts();

namespace detail {
class EmojiRenderer;
}  // namespace detail

class FontManager {
 public:
  using TextureFactory = std::function<ImTextureID(int w, int h, const std::uint8_t* rgba)>;
  using TextureDestroyer = std::function<void(ImTextureID)>;

  // scale: HiDPI factor (1.0 = 96 dpi); base_px: the UI's text size at scale 1 (e.g. 17).
  FontManager(FontFiles files, float scale, float base_px = 17.f);
  ~FontManager();
  FontManager(const FontManager&) = delete;
  FontManager& operator=(const FontManager&) = delete;

  // Text about to be drawn (names, chat lines, input). Plane-0 characters not yet in the atlas
  // are queued and needs_rebuild() turns true. Cheap for text already seen: ASCII is skipped at
  // once, other text costs one bit test per code point.
  void note_text(std::string_view utf8);
  bool needs_rebuild() const { return rebuild_due_; }

  // Rebuilds ImGui::GetIO().Fonts (needs a current ImGui context) with Latin, Latin-1, general
  // punctuation, U+FFFD and every plane-0 code point noted so far; the CJK font is merged for
  // the code points the Latin font lacks. FreeType builder. The atlas keeps no pointer to the
  // font files afterwards (its input data is cleared), so rebuild() is the only way to rebuild
  // it. The caller then recreates the renderer's font texture. Between frames only (an error
  // during a frame). A file FreeType refuses is left out (then ImGui's built-in font is used)
  // and named in describe(); an error only if no atlas at all could be built.
  // Every rebuild replaces the ImFont objects: take body()/large() afresh after it.
  Result<void> rebuild();

  void set_scale(float scale);  // rebuild due
  float scale() const { return scale_; }

  ImFont* body() const { return body_; }    // the text font (null before the first rebuild)
  ImFont* large() const { return large_; }  // 1.5x, headings and the caller's name
  std::string describe() const;             // the files used and what is missing, in words

  // For inline emoji images: `make_texture` (the renderer's) turns a w x h RGBA8 bitmap (straight
  // alpha, rows tightly packed, bytes R G B A) into a texture; a null result draws U+FFFD.
  // `destroy_texture`, if given, lets set_scale() and a later factory free the textures made
  // for the old size; without it they stay cached for reuse. The destructor frees none (the
  // renderer may be gone by then).
  void set_texture_factory(TextureFactory make_texture, TextureDestroyer destroy_texture = {});

  // Draws UTF-8 text wrapped at wrap_width (<= 0: the content region's width) in the current
  // font and text colour, as one item like ImGui::TextWrapped. Breaks at spaces, and between
  // CJK characters and emoji. Each code point >= 0x10000, and each plane-0 one followed by
  // VS16 (U+FE0F) that the emoji font has, is drawn as an inline image of its colour glyph one
  // line high, cached per code point and size; an emoji sequence (ZWJ, variation selectors,
  // skin tones, tags) draws its first code point. Without an emoji font or texture factory,
  // or for a code point the emoji font lacks, U+FFFD is drawn instead.
  void text_wrapped(std::string_view utf8, float wrap_width);

 private:
  struct Emoji {
    ImTextureID texture{};  // null: the emoji font has no such glyph
    float aspect = 1.f;     // width / height
  };
  const Emoji* emoji_image(char32_t cp, int height_px);

  FontFiles files_;
  float scale_;
  float base_px_;
  std::bitset<0x10000> noted_;  // plane-0 code points the atlas has been asked for
  bool rebuild_due_ = true;
  ImFont* body_ = nullptr;
  ImFont* large_ = nullptr;
  std::vector<ImWchar> ranges_;        // the atlas's glyph ranges, alive while it is built
  float cjk_size_factor_ = 1.f;        // the merged CJK font's size / the Latin font's
  std::vector<std::string> problems_;  // from the last rebuild()
  std::string emoji_problem_;

  std::unique_ptr<detail::EmojiRenderer> emoji_;
  TextureFactory make_texture_;
  TextureDestroyer destroy_texture_;
  std::unordered_map<std::uint64_t, Emoji> emoji_cache_;  // key: code point << 16 | height
};

}  // namespace jcall::app::window
