// Fonts for the window: fontconfig finds the files, FreeType builds ImGui's atlas from the code
// points noted so far, and renders colour emoji for text_wrapped(). See fonts.hpp.
#include "app/window/fonts.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fontconfig/fontconfig.h>
#include <ft2build.h>
#include <limits>
#include <sys/mman.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>
#include <utility>

#include <imgui_freetype.h>
#include FT_FREETYPE_H

namespace jcall::app::window {

namespace {

constexpr char32_t kReplacement = 0xFFFD;
constexpr std::string_view kReplacementUtf8 = "\xEF\xBF\xBD";
constexpr float kLargeFactor = 1.5f;

// --- UTF-8 ---------------------------------------------------------------------------------

// Decodes the code point at s[i] and advances i past it. A malformed, overlong, truncated or
// surrogate sequence gives U+FFFD and consumes one byte (so decoding always makes progress).
char32_t decode_utf8(std::string_view s, std::size_t& i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int len = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    ++i;
    return kReplacement;
  }
  if (s.size() - i < static_cast<std::size_t>(len)) {
    ++i;
    return kReplacement;
  }
  for (int k = 1; k < len; ++k) {
    const unsigned char b = byte(i + k);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return kReplacement;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return kReplacement;
  }
  i += len;
  return cp;
}

// Characters that only modify their neighbours (variation selectors, joiners, direction
// marks, BOM): not drawn, since a font without a glyph for them would show U+FFFD.
bool is_invisible_format(char32_t cp) {
  return (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0x200B && cp <= 0x200F) ||
         (cp >= 0x2060 && cp <= 0x2064) || cp == 0xFEFF || (cp >= 0xE0000 && cp <= 0xE0FFF);
}

// What continues an emoji sequence drawn as its first code point: variation selectors, skin
// tone modifiers, tag characters (subdivision flags) and the combining keycap.
bool continues_emoji(char32_t cp) {
  return cp == 0xFE0E || cp == 0xFE0F || (cp >= 0x1F3FB && cp <= 0x1F3FF) ||
         (cp >= 0xE0020 && cp <= 0xE007F) || cp == 0x20E3;
}

// Scripts written without spaces between words: a line may break before and after each.
bool breaks_anywhere(char32_t cp) {
  return (cp >= 0x2E80 && cp <= 0x9FFF) ||  // CJK radicals, kana, ideographs
         (cp >= 0xAC00 && cp <= 0xD7AF) ||  // Hangul syllables
         (cp >= 0xF900 && cp <= 0xFAFF) ||  // CJK compatibility ideographs
         (cp >= 0xFF00 && cp <= 0xFFEF) ||  // full-width forms
         (cp >= 0x20000 && cp <= 0x3FFFF);  // CJK extensions B..
}

// --- fontconfig ----------------------------------------------------------------------------

struct FoundFont {
  std::string file;
  int index = 0;
};

struct FontQuery {
  std::vector<const char*> families;
  const char* lang = nullptr;
  std::vector<char32_t> samples;  // each must be covered
  bool color = false;             // a colour font (else: a scalable outline font)
};

FoundFont fc_find(const FontQuery& q) {
  FcPattern* pattern = FcPatternCreate();
  for (const char* family : q.families)
    FcPatternAddString(pattern, FC_FAMILY, reinterpret_cast<const FcChar8*>(family));
  if (q.lang)
    FcPatternAddString(pattern, FC_LANG, reinterpret_cast<const FcChar8*>(q.lang));
  FcCharSet* wanted = FcCharSetCreate();
  for (char32_t cp : q.samples)
    FcCharSetAddChar(wanted, cp);
  FcPatternAddCharSet(pattern, FC_CHARSET, wanted);
  FcPatternAddBool(pattern, q.color ? FC_COLOR : FC_SCALABLE, FcTrue);
  FcConfigSubstitute(nullptr, pattern, FcMatchPattern);
  FcDefaultSubstitute(pattern);

  FoundFont found;
  FcResult result = FcResultNoMatch;
  // Sorted by closeness to the pattern: the named families first, then fontconfig's fallbacks.
  FcFontSet* set = FcFontSort(nullptr, pattern, FcFalse, nullptr, &result);
  for (int i = 0; set && i < set->nfont && found.file.empty(); ++i) {
    FcPattern* font = set->fonts[i];
    FcChar8* file = nullptr;
    FcCharSet* charset = nullptr;
    FcBool flag = FcFalse;
    if (FcPatternGetString(font, FC_FILE, 0, &file) != FcResultMatch ||
        FcPatternGetCharSet(font, FC_CHARSET, 0, &charset) != FcResultMatch ||
        FcPatternGetBool(font, q.color ? FC_COLOR : FC_SCALABLE, 0, &flag) != FcResultMatch ||
        !flag || FcCharSetIntersectCount(charset, wanted) != q.samples.size())
      continue;
    int index = 0;
    FcPatternGetInteger(font, FC_INDEX, 0, &index);
    found = {reinterpret_cast<const char*>(file), index};
  }
  if (set)
    FcFontSetDestroy(set);
  FcCharSetDestroy(wanted);
  FcPatternDestroy(pattern);
  return found;
}

// --- font files ----------------------------------------------------------------------------

// A font file mapped read-only for the atlas builder, which reads it through FreeType's memory
// stream: only the tables and glyphs it touches are paged in (Noto Sans CJK is 19 MB).
class MappedFile {
 public:
  static Result<MappedFile> open(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      return fail(path, errno);
    struct stat st {};
    void* data = MAP_FAILED;
    int error = 0;
    if (::fstat(fd, &st) != 0)
      error = errno;
    else if (st.st_size <= 0 || st.st_size > std::numeric_limits<int>::max())
      error = EINVAL;  // ImFontConfig::FontDataSize is an int
    else if ((data = ::mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_PRIVATE,
                            fd, 0)) == MAP_FAILED)
      error = errno;
    ::close(fd);
    if (error != 0)
      return fail(path, error);
    MappedFile file;
    file.data_ = data;
    file.size_ = static_cast<std::size_t>(st.st_size);
    return file;
  }
  MappedFile() = default;
  MappedFile(MappedFile&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}
  MappedFile& operator=(MappedFile&& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    return *this;
  }
  ~MappedFile() {
    if (data_)
      ::munmap(data_, size_);
  }
  void* data() const { return data_; }
  int size() const { return static_cast<int>(size_); }

 private:
  static Error fail(const std::string& path, int e) {
    return make_error(std::error_code(e, std::generic_category()),
                      "cannot read " + path + ": " + std::strerror(e));
  }
  void* data_ = nullptr;
  std::size_t size_ = 0;
};

// FreeType's "real dimension" height (ascender - descender) per em: ImGui's FreeType builder
// sizes a font so that this height is SizePixels. 0 if the face cannot be opened.
double real_dim_per_em(FT_Library library, const std::string& file, int index) {
  FT_Face face = nullptr;
  if (FT_New_Face(library, file.c_str(), index, &face) != 0)
    return 0;
  double r = 0;
  if (face->units_per_EM > 0 && face->ascender - face->descender > 0)
    r = static_cast<double>(face->ascender - face->descender) / face->units_per_EM;
  FT_Done_Face(face);
  return r;
}

}  // namespace

// --- colour emoji --------------------------------------------------------------------------

namespace detail {

// One FreeType face of the emoji font, rendering colour glyphs to straight-alpha RGBA8.
class EmojiRenderer {
 public:
  struct Bitmap {
    int w = 0;
    int h = 0;
    std::vector<std::uint8_t> rgba;
  };

  static std::unique_ptr<EmojiRenderer> open(const std::string& file, std::string& problem) {
    auto r = std::unique_ptr<EmojiRenderer>(new EmojiRenderer);
    if (FT_Init_FreeType(&r->library_) != 0) {
      problem = "FreeType could not start, so emoji show as \xEF\xBF\xBD";
      return nullptr;
    }
    if (FT_New_Face(r->library_, file.c_str(), 0, &r->face_) != 0) {
      problem = "the emoji font " + file + " cannot be opened, so emoji show as \xEF\xBF\xBD";
      return nullptr;
    }
    if (!FT_HAS_COLOR(r->face_)) {
      problem = "the emoji font " + file + " has no colour glyphs, so emoji show as \xEF\xBF\xBD";
      return nullptr;
    }
    return r;
  }
  ~EmojiRenderer() {
    if (face_)
      FT_Done_Face(face_);
    if (library_)
      FT_Done_FreeType(library_);
  }

  bool has(char32_t cp) const { return FT_Get_Char_Index(face_, cp) != 0; }

  // The colour glyph of cp scaled to `height` pixels (width in proportion); empty if the font
  // has no such glyph or FreeType cannot render it.
  Bitmap render(char32_t cp, int height) {
    const FT_UInt glyph = FT_Get_Char_Index(face_, cp);
    if (glyph == 0 || height <= 0)
      return {};
    if (FT_HAS_FIXED_SIZES(face_) && !FT_IS_SCALABLE(face_)) {
      // A bitmap strike (CBDT, Noto Color Emoji has one at 109 ppem): the smallest one at least
      // `height` high, else the largest.
      int best = -1;
      for (int i = 0; i < face_->num_fixed_sizes; ++i) {
        const FT_Bitmap_Size& s = face_->available_sizes[i];
        const FT_Bitmap_Size* b = best < 0 ? nullptr : &face_->available_sizes[best];
        const bool big_enough = s.height >= height;
        if (!b || (big_enough && (b->height < height || s.height < b->height)) ||
            (!big_enough && b->height < height && s.height > b->height))
          best = i;
      }
      if (FT_Select_Size(face_, best) != 0)
        return {};
    } else if (FT_Set_Pixel_Sizes(face_, 0, static_cast<FT_UInt>(height)) != 0) {
      return {};
    }
    if (FT_Load_Glyph(face_, glyph, FT_LOAD_COLOR) != 0)
      return {};
    FT_GlyphSlot slot = face_->glyph;
    if (slot->format != FT_GLYPH_FORMAT_BITMAP && FT_Render_Glyph(slot, FT_RENDER_MODE_NORMAL) != 0)
      return {};
    const FT_Bitmap& bm = slot->bitmap;
    const int sw = static_cast<int>(bm.width);
    const int sh = static_cast<int>(bm.rows);
    if (sw <= 0 || sh <= 0)
      return {};

    // Premultiplied RGBA as float, so that averaging does not darken the edges.
    std::vector<float> src(static_cast<std::size_t>(sw) * sh * 4);
    for (int y = 0; y < sh; ++y) {
      const unsigned char* row = bm.buffer + static_cast<std::ptrdiff_t>(y) * bm.pitch;
      for (int x = 0; x < sw; ++x) {
        float* p = &src[(static_cast<std::size_t>(y) * sw + x) * 4];
        switch (bm.pixel_mode) {
          case FT_PIXEL_MODE_BGRA:  // premultiplied already
            p[0] = row[x * 4 + 2], p[1] = row[x * 4 + 1], p[2] = row[x * 4 + 0];
            p[3] = row[x * 4 + 3];
            break;
          case FT_PIXEL_MODE_GRAY:
            p[0] = p[1] = p[2] = p[3] = row[x] * 255.f / static_cast<float>(bm.num_grays - 1);
            break;
          case FT_PIXEL_MODE_MONO:
            p[0] = p[1] = p[2] = p[3] = (row[x / 8] & (0x80 >> (x % 8))) ? 255.f : 0.f;
            break;
          default:
            return {};
        }
      }
    }
    const int th = height;
    const int tw = std::max(1, static_cast<int>(std::lround(static_cast<double>(sw) * th / sh)));
    const std::vector<float> dst = resample(resample(src, sw, sh, tw, true), tw, sh, th, false);

    Bitmap out{tw, th, std::vector<std::uint8_t>(static_cast<std::size_t>(tw) * th * 4)};
    for (std::size_t i = 0; i < out.rgba.size(); i += 4) {
      const float a = dst[i + 3];
      for (int c = 0; c < 3; ++c) {
        const float v = a > 0 ? dst[i + c] * 255.f / a : 0.f;
        out.rgba[i + c] = static_cast<std::uint8_t>(std::clamp(std::lround(v), 0L, 255L));
      }
      out.rgba[i + 3] = static_cast<std::uint8_t>(std::clamp(std::lround(a), 0L, 255L));
    }
    return out;
  }

 private:
  EmojiRenderer() = default;

  // Box filter along one axis: each output pixel averages the source interval it covers, with
  // partial weights at its ends (nearest neighbour when enlarging).
  static std::vector<float> resample(const std::vector<float>& src,
                                     int w,
                                     int h,
                                     int n,
                                     bool horizontal) {
    const int len = horizontal ? w : h;
    const int other = horizontal ? h : w;
    const int out_w = horizontal ? n : w;
    std::vector<float> dst(static_cast<std::size_t>(horizontal ? n * h : w * n) * 4, 0.f);
    const double step = static_cast<double>(len) / n;
    for (int o = 0; o < n; ++o) {
      const double lo = o * step;
      const double hi = lo + step;
      for (int j = static_cast<int>(lo); j < len && j < hi; ++j) {
        const double weight = (std::min<double>(hi, j + 1) - std::max<double>(lo, j)) / step;
        if (weight <= 0)
          continue;
        for (int k = 0; k < other; ++k) {
          const int sx = horizontal ? j : k;
          const int sy = horizontal ? k : j;
          const int dx = horizontal ? o : k;
          const int dy = horizontal ? k : o;
          const float* s = &src[(static_cast<std::size_t>(sy) * w + sx) * 4];
          float* d = &dst[(static_cast<std::size_t>(dy) * out_w + dx) * 4];
          for (int c = 0; c < 4; ++c)
            d[c] += static_cast<float>(s[c] * weight);
        }
      }
    }
    return dst;
  }

  FT_Library library_ = nullptr;
  FT_Face face_ = nullptr;
};

}  // namespace detail

// --- find_fonts ----------------------------------------------------------------------------

FontFiles find_fonts() {
  FontFiles files;
  if (!FcInit())
    return files;
  files.latin = fc_find({{"DejaVu Sans", "sans-serif"}, "en", {'A', 'z', 0xE9}, false}).file;
  const FoundFont cjk = fc_find({{"Noto Sans CJK SC"}, "zh-cn", {0x4F60}, false});  // 你
  files.cjk = cjk.file;
  files.cjk_index = cjk.index;
  files.emoji = fc_find({{"Noto Color Emoji"}, nullptr, {0x1F600}, true}).file;  // 😀
  return files;
}

// --- FontManager ---------------------------------------------------------------------------

FontManager::FontManager(FontFiles files, float scale, float base_px)
    : files_(std::move(files)), scale_(scale > 0 ? scale : 1.f), base_px_(base_px) {
  // Always in the atlas: Basic Latin, Latin-1, General Punctuation (quotes, dashes, the
  // ellipsis ImGui uses to clip) and U+FFFD (ImGui's fallback glyph).
  for (char32_t cp = 0x20; cp <= 0xFF; ++cp)
    noted_.set(cp);
  for (char32_t cp = 0x2000; cp <= 0x206F; ++cp)
    noted_.set(cp);
  noted_.set(kReplacement);
  if (!files_.emoji.empty())
    emoji_ = detail::EmojiRenderer::open(files_.emoji, emoji_problem_);

  // ImGui sizes each font by its ascender-to-descender height. Noto Sans CJK's is larger per
  // em than DejaVu's, so at the same size its ideographs would look a size too small: the
  // merged CJK font gets the size that gives it DejaVu's em.
  FT_Library library = nullptr;
  if (!files_.latin.empty() && !files_.cjk.empty() && FT_Init_FreeType(&library) == 0) {
    const double latin = real_dim_per_em(library, files_.latin, 0);
    const double cjk = real_dim_per_em(library, files_.cjk, files_.cjk_index);
    if (latin > 0 && cjk > 0)
      cjk_size_factor_ = static_cast<float>(cjk / latin);
    FT_Done_FreeType(library);
  }
}

FontManager::~FontManager() = default;

void FontManager::note_text(std::string_view utf8) {
  if (std::all_of(utf8.begin(), utf8.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x80; }))
    return;  // ASCII is always in the atlas
  for (std::size_t i = 0; i < utf8.size();) {
    const char32_t cp = decode_utf8(utf8, i);
    if (cp < 0x10000 && !noted_.test(cp)) {
      noted_.set(cp);
      rebuild_due_ = true;
    }
  }
}

Result<void> FontManager::rebuild() {
  if (!ImGui::GetCurrentContext())
    return make_error(std::make_error_code(std::errc::operation_not_permitted),
                      "fonts: no current ImGui context");
  ImFontAtlas* atlas = ImGui::GetIO().Fonts;
  if (atlas->Locked)
    return make_error(std::make_error_code(std::errc::device_or_resource_busy),
                      "fonts: the atlas is in use by a frame; rebuild between frames");

  problems_.clear();
  MappedFile latin;
  MappedFile cjk;
  if (!files_.latin.empty()) {
    auto m = MappedFile::open(files_.latin);
    if (m)
      latin = std::move(*m);
    else
      problems_.push_back(m.error().describe());
  }
  if (!files_.cjk.empty()) {
    auto m = MappedFile::open(files_.cjk);
    if (m)
      cjk = std::move(*m);
    else
      problems_.push_back(m.error().describe());
  }

  // The glyph ranges: runs of noted code points, [first, last] pairs ending with 0.
  ranges_.clear();
  for (std::size_t cp = 1; cp < noted_.size(); ++cp) {
    if (!noted_.test(cp))
      continue;
    std::size_t last = cp;
    while (last + 1 < noted_.size() && noted_.test(last + 1))
      ++last;
    ranges_.push_back(static_cast<ImWchar>(cp));
    ranges_.push_back(static_cast<ImWchar>(last));
    cp = last;
  }
  ranges_.push_back(0);

  // AddFont() copies font data that the atlas does not own (19 MB for Noto Sans CJK, twice:
  // three quarters of a rebuild's time). So the mapping is handed over as owned, which it
  // takes as is, and the stored copy of the config is then told it does not own it.
  const auto add_mapped = [&](const ImFontConfig& cfg) {
    ImFontConfig owned = cfg;
    owned.FontDataOwnedByAtlas = true;
    ImFont* font = atlas->AddFont(&owned);
    atlas->ConfigData.back().FontDataOwnedByAtlas = false;
    return font;
  };
  const auto add = [&](float px, const char* name, bool with_cjk) {
    ImFont* font = nullptr;
    ImFontConfig cfg;
    cfg.GlyphRanges = ranges_.data();
    if (latin.data()) {
      cfg.FontData = latin.data();
      cfg.FontDataSize = latin.size();
      cfg.SizePixels = px;
      std::snprintf(cfg.Name, sizeof cfg.Name, "%s latin %.0fpx", name, px);
      font = add_mapped(cfg);
    }
    if (with_cjk && cjk.data()) {
      // Merged: it only gets the code points the Latin font lacks (the builder never
      // overwrites a glyph).
      cfg.FontData = cjk.data();
      cfg.FontDataSize = cjk.size();
      cfg.FontNo = files_.cjk_index;
      cfg.MergeMode = font != nullptr;
      cfg.SizePixels = font ? std::round(px * cjk_size_factor_) : px;
      std::snprintf(cfg.Name, sizeof cfg.Name, "%s cjk %.0fpx", name, px);
      ImFont* added = add_mapped(cfg);
      if (!font)
        font = added;
    }
    if (!font) {  // no usable file: ImGui's built-in font (ASCII only)
      ImFontConfig fallback;
      fallback.SizePixels = px;
      font = atlas->AddFontDefault(&fallback);
    }
    return font;
  };
  const float px = std::round(base_px_ * scale_);
  // FreeType failing on one file fails the whole atlas: then without the CJK font, then with
  // ImGui's built-in font only, so that the window always has a font to draw with.
  bool built = false;
  for (int attempt = 0; attempt < 3 && !built; ++attempt) {
    if (attempt == 2)
      latin = MappedFile();
    atlas->Clear();
    atlas->FontBuilderIO = ImGuiFreeType::GetBuilderForFreeType();
    atlas->FontBuilderFlags = 0;
    body_ = add(px, "body", attempt == 0);
    large_ = add(std::round(px * kLargeFactor), "large", attempt == 0);
    built = atlas->Build();
    // The atlas must not keep pointers into the mappings released on return.
    atlas->ClearInputData();
    if (!built)
      problems_.push_back(attempt == 0   ? "FreeType could not load the fonts"
                          : attempt == 1 ? "FreeType could not load the Latin font either"
                                         : "ImGui could not build its built-in font");
  }
  if (!built) {
    body_ = large_ = nullptr;
    return make_error(std::make_error_code(std::errc::invalid_argument),
                      "fonts: ImGui could not build the font atlas: " + describe());
  }
  rebuild_due_ = false;  // a fallback, if one was needed, is in describe()
  return {};
}

void FontManager::set_scale(float scale) {
  if (scale <= 0 || scale == scale_)
    return;
  scale_ = scale;
  rebuild_due_ = true;
  if (destroy_texture_) {
    for (auto& [key, emoji] : emoji_cache_)
      if (emoji.texture)
        destroy_texture_(emoji.texture);
    emoji_cache_.clear();
  }
}

std::string FontManager::describe() const {
  std::string s;
  const auto add = [&](const std::string& part) { s += (s.empty() ? "" : "; ") + part; };
  if (files_.latin.empty())
    add("no Latin font found (Debian: fonts-dejavu-core), so ImGui's built-in font is used and "
        "text beyond ASCII cannot be shown");
  else
    add("text: " + files_.latin);
  if (files_.cjk.empty())
    add("no CJK font found (Debian: fonts-noto-cjk), so Chinese, Japanese and Korean text shows "
        "as \xEF\xBF\xBD");
  else
    add("Chinese, Japanese, Korean: " + files_.cjk + " (face " + std::to_string(files_.cjk_index) +
        ")");
  if (files_.emoji.empty())
    add("no colour emoji font found (Debian: fonts-noto-color-emoji), so emoji show as "
        "\xEF\xBF\xBD");
  else if (!emoji_)
    add(emoji_problem_);
  else
    add("emoji: " + files_.emoji);
  for (const std::string& p : problems_)
    add(p);
  char size[64];
  std::snprintf(size, sizeof size, "%.0f px at scale %.2f", std::round(base_px_ * scale_),
                static_cast<double>(scale_));
  add(size);
  return s;
}

void FontManager::set_texture_factory(TextureFactory make_texture,
                                      TextureDestroyer destroy_texture) {
  if (destroy_texture_)  // made by the previous factory
    for (auto& [key, emoji] : emoji_cache_)
      if (emoji.texture)
        destroy_texture_(emoji.texture);
  emoji_cache_.clear();
  make_texture_ = std::move(make_texture);
  destroy_texture_ = std::move(destroy_texture);
}

const FontManager::Emoji* FontManager::emoji_image(char32_t cp, int height_px) {
  if (!emoji_ || !make_texture_ || height_px <= 0 || height_px > 0xFFFF)
    return nullptr;
  const std::uint64_t key = (static_cast<std::uint64_t>(cp) << 16) | height_px;
  auto it = emoji_cache_.find(key);
  if (it == emoji_cache_.end()) {
    Emoji e;
    const detail::EmojiRenderer::Bitmap bm = emoji_->render(cp, height_px);
    if (!bm.rgba.empty()) {
      e.texture = make_texture_(bm.w, bm.h, bm.rgba.data());
      e.aspect = static_cast<float>(bm.w) / static_cast<float>(bm.h);
    }
    it = emoji_cache_.emplace(key, e).first;
  }
  return it->second.texture ? &it->second : nullptr;
}

void FontManager::text_wrapped(std::string_view utf8, float wrap_width) {
  ImFont* font = ImGui::GetFont();
  const float size = ImGui::GetFontSize();
  const float font_scale = size / font->FontSize;
  if (wrap_width <= 0)
    wrap_width = ImGui::GetContentRegionAvail().x;
  const int emoji_px = static_cast<int>(std::lround(size));

  // 1. Units: a plane-0 code point drawn as text (its bytes), an emoji image, U+FFFD for what
  //    cannot be drawn, a space (a break opportunity) or a newline.
  enum class Kind { kText, kImage, kReplacement, kSpace, kNewline };
  struct Unit {
    Kind kind;
    std::size_t begin, end;  // bytes in utf8 (kText, kSpace)
    float width;
    ImTextureID texture;
    bool breaks_around;  // a line may break before and after it
  };
  std::vector<Unit> units;
  const auto advance = [&](char32_t cp) {
    return font->GetCharAdvance(static_cast<ImWchar>(cp)) * font_scale;
  };
  for (std::size_t i = 0; i < utf8.size();) {
    const std::size_t begin = i;
    const char32_t cp = decode_utf8(utf8, i);
    if (cp == '\n') {
      units.push_back({Kind::kNewline, begin, i, 0, {}, true});
      continue;
    }
    if (cp == '\r' || is_invisible_format(cp))
      continue;
    if (cp == ' ' || cp == '\t') {
      units.push_back({Kind::kSpace, begin, i, advance(cp), {}, false});
      continue;
    }
    std::size_t next = i;
    const bool vs16 = next < utf8.size() && decode_utf8(utf8, next) == 0xFE0F;
    // Beyond plane 0 (ImGui cannot draw it), or a plane-0 character asking for emoji
    // presentation (VS16) that the emoji font has; ASCII keycap bases stay text.
    const bool emoji_candidate = cp >= 0x10000 || (vs16 && cp >= 0x80 && emoji_ && emoji_->has(cp));
    const Emoji* emoji = emoji_candidate ? emoji_image(cp, emoji_px) : nullptr;
    if (!emoji && cp < 0x10000) {
      if (cp == kReplacement && utf8.substr(begin, i - begin) != kReplacementUtf8)
        units.push_back({Kind::kReplacement, begin, i, advance(kReplacement), {}, false});
      else
        units.push_back({Kind::kText, begin, i, advance(cp), {}, breaks_anywhere(cp)});
      continue;
    }
    // An emoji sequence: draw its first code point, skip modifiers and ZWJ-joined parts.
    for (;;) {
      std::size_t k = i;
      if (k >= utf8.size())
        break;
      const char32_t c = decode_utf8(utf8, k);
      if (continues_emoji(c)) {
        i = k;
      } else if (c == 0x200D) {
        i = k;
        if (i < utf8.size())
          decode_utf8(utf8, i);  // the joined emoji
      } else {
        break;
      }
    }
    if (emoji) {
      const float w = std::round(static_cast<float>(emoji_px) * emoji->aspect);
      units.push_back({Kind::kImage, begin, i, w, emoji->texture, true});
    } else {
      units.push_back({Kind::kReplacement, begin, i, advance(kReplacement), {}, true});
    }
  }

  // 2. Lines, greedily: a word (units between break opportunities) goes to the next line if
  //    it does not fit; a word longer than a whole line is broken between code points. Spaces
  //    at the start of a wrapped line are dropped, as ImGui does.
  struct Placed {
    const Unit* unit;
    float x;
    int line;
  };
  std::vector<Placed> placed;
  int line = 0;
  float x = 0;
  float content = 0;  // x after the line's last unit that is not a space
  float max_width = 0;
  bool wrapped = false;  // the current line began with an automatic wrap
  const auto new_line = [&](bool automatic) {
    max_width = std::max(max_width, content);
    ++line;
    x = content = 0;
    wrapped = automatic;
  };
  for (std::size_t u = 0; u < units.size();) {
    const Unit& unit = units[u];
    if (unit.kind == Kind::kNewline) {
      new_line(false);
      ++u;
      continue;
    }
    if (unit.kind == Kind::kSpace) {
      if (!(wrapped && x == 0)) {
        placed.push_back({&unit, x, line});
        x += unit.width;
      }
      ++u;
      continue;
    }
    // The word: [u, end).
    std::size_t end = u + 1;
    if (!unit.breaks_around)
      while (end < units.size() &&
             (units[end].kind == Kind::kText || units[end].kind == Kind::kReplacement) &&
             !units[end].breaks_around)
        ++end;
    float word = 0;
    for (std::size_t k = u; k < end; ++k)
      word += units[k].width;
    if (x > 0 && x + word > wrap_width)
      new_line(true);
    for (std::size_t k = u; k < end; ++k) {
      if (x > 0 && x + units[k].width > wrap_width)  // only when the word alone is too long
        new_line(true);
      placed.push_back({&units[k], x, line});
      x = content = x + units[k].width;
    }
    u = end;
  }
  max_width = std::max(max_width, content);
  const ImVec2 block(max_width, static_cast<float>(line + 1) * size);

  // 3. Draw: consecutive text units of a line in one AddText; then one item for the block.
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  if (ImGui::IsRectVisible(origin, ImVec2(origin.x + block.x, origin.y + block.y))) {
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const ImU32 color = ImGui::GetColorU32(ImGuiCol_Text);
    for (std::size_t p = 0; p < placed.size();) {
      const Placed& first = placed[p];
      const ImVec2 pos(origin.x + first.x, origin.y + static_cast<float>(first.line) * size);
      const Unit& unit = *first.unit;
      std::size_t q = p + 1;
      if (unit.kind == Kind::kImage) {
        draw->AddImage(unit.texture, pos,
                       ImVec2(pos.x + unit.width, pos.y + static_cast<float>(emoji_px)));
      } else if (unit.kind == Kind::kReplacement) {
        draw->AddText(font, size, pos, color, kReplacementUtf8.data(),
                      kReplacementUtf8.data() + kReplacementUtf8.size());
      } else {
        std::size_t end = unit.end;
        while (q < placed.size() && placed[q].line == first.line &&
               (placed[q].unit->kind == Kind::kText || placed[q].unit->kind == Kind::kSpace) &&
               placed[q].unit->begin == end) {
          end = placed[q].unit->end;
          ++q;
        }
        draw->AddText(font, size, pos, color, utf8.data() + unit.begin, utf8.data() + end);
      }
      p = q;
    }
  }
  ImGui::Dummy(block);
}

}  // namespace jcall::app::window
