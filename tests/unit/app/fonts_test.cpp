// app/window/fonts: the Debian fonts (fonts-dejavu-core, fonts-noto-cjk, fonts-noto-color-emoji)
// are found through fontconfig; noted CJK text reaches ImGui's atlas (real FreeType glyphs with
// ink in the texture), the scale doubles it, and emoji beyond plane 0 become inline colour
// images made once per code point. An ImGui context without a backend: no display needed.
#include "app/window/fonts.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <ft2build.h>
#include <iostream>
#include <set>
#include <string>
#include <unistd.h>
#include <vector>

#include <gtest/gtest.h>
#include <imgui.h>
#include FT_FREETYPE_H

// fontconfig 2.14's FcInit() loses 288 bytes while it parses its configuration, which
// LeakSanitizer (ASan builds) reports at exit: not a leak of ours. Weak, so that a program which
// also links another suppression list (tests/support/gstreamer_lsan.cpp) builds; that list then
// needs the same line.
extern "C" __attribute__((weak)) const char* __lsan_default_suppressions() {
  return "leak:libfontconfig\n";
}

namespace jcall::app::window {
namespace {

class FontsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    context_ = ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;
    io.LogFilename = nullptr;
    io.DisplaySize = ImVec2(800, 600);
    io.DeltaTime = 1.f / 60;
  }
  void TearDown() override { ImGui::DestroyContext(context_); }

  // The glyph of cp in font, checked to have ink in the atlas inside its UV rectangle.
  static void expect_visible(ImFont* font, ImWchar cp) {
    SCOPED_TRACE(testing::Message() << "U+" << std::hex << cp);
    const ImFontGlyph* g = font->FindGlyphNoFallback(cp);
    ASSERT_NE(g, nullptr);
    EXPECT_GT(g->X1, g->X0);
    EXPECT_GT(g->Y1, g->Y0);
    unsigned char* pixels = nullptr;
    int w = 0;
    int h = 0;
    ImGui::GetIO().Fonts->GetTexDataAsAlpha8(&pixels, &w, &h);
    ASSERT_NE(pixels, nullptr);
    int ink = 0;
    for (int y = static_cast<int>(g->V0 * h); y < static_cast<int>(g->V1 * h); ++y)
      for (int x = static_cast<int>(g->U0 * w); x < static_cast<int>(g->U1 * w); ++x)
        ink += pixels[y * w + x] > 0;
    EXPECT_GT(ink, 0);
  }

  ImGuiContext* context_ = nullptr;
};

TEST(FindFonts, FindsTheDebianFonts) {
  const FontFiles files = find_fonts();
  ASSERT_FALSE(files.latin.empty());
  EXPECT_TRUE(std::filesystem::exists(files.latin)) << files.latin;
  EXPECT_EQ(std::filesystem::path(files.latin).filename(), "DejaVuSans.ttf");
  ASSERT_FALSE(files.cjk.empty());
  EXPECT_TRUE(std::filesystem::exists(files.cjk)) << files.cjk;
  EXPECT_EQ(std::filesystem::path(files.cjk).filename(), "NotoSansCJK-Regular.ttc");
  ASSERT_FALSE(files.emoji.empty());
  EXPECT_TRUE(std::filesystem::exists(files.emoji)) << files.emoji;
  EXPECT_EQ(std::filesystem::path(files.emoji).filename(), "NotoColorEmoji.ttf");

  // The face index names the Simplified Chinese face inside the collection.
  FT_Library library = nullptr;
  ASSERT_EQ(FT_Init_FreeType(&library), 0);
  FT_Face face = nullptr;
  ASSERT_EQ(FT_New_Face(library, files.cjk.c_str(), files.cjk_index, &face), 0);
  EXPECT_STREQ(face->family_name, "Noto Sans CJK SC");
  FT_Done_Face(face);
  FT_Done_FreeType(library);
}

TEST_F(FontsTest, NotedCjkTextIsInTheAtlas) {
  FontManager fonts(find_fonts(), 1.f);
  ASSERT_TRUE(fonts.rebuild());
  EXPECT_FALSE(fonts.needs_rebuild());
  EXPECT_EQ(fonts.body()->FindGlyphNoFallback(0x4F60), nullptr);  // 你 not noted yet

  fonts.note_text("你好 こんにちは 안녕하세요");
  EXPECT_TRUE(fonts.needs_rebuild());
  const auto start = std::chrono::steady_clock::now();
  const auto built = fonts.rebuild();
  const auto ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(built) << built.error().describe();
  EXPECT_FALSE(fonts.needs_rebuild());
  const ImFontAtlas* atlas = ImGui::GetIO().Fonts;
  EXPECT_TRUE(atlas->ConfigData.empty());  // no pointer into the font files is kept
  std::cout << "rebuild with the CJK text: " << ms << " ms, atlas " << atlas->TexWidth << "x"
            << atlas->TexHeight << "\n";

  for (ImWchar cp : {0x4F60, 0x597D, 0x3053, 0xC548}) {  // 你 好 こ 안
    expect_visible(fonts.body(), cp);
    expect_visible(fonts.large(), cp);
  }
  // Seen text costs no rebuild; ASCII never does.
  fonts.note_text("你好 こんにちは 안녕하세요");
  fonts.note_text("hello");
  EXPECT_FALSE(fonts.needs_rebuild());
}

TEST_F(FontsTest, ACodePointNeverNotedArrivesAfterNotingAndRebuild) {
  FontManager fonts(find_fonts(), 1.f);
  fonts.note_text("你好");
  ASSERT_TRUE(fonts.rebuild());
  EXPECT_EQ(fonts.body()->FindGlyphNoFallback(0x9F8D), nullptr);  // 龍
  fonts.note_text("龍");
  EXPECT_TRUE(fonts.needs_rebuild());
  ASSERT_TRUE(fonts.rebuild());
  expect_visible(fonts.body(), 0x9F8D);
  expect_visible(fonts.body(), 0x4F60);  // what was there stays
}

TEST_F(FontsTest, ScaleTwoDoublesTheGlyphs) {
  FontManager fonts(find_fonts(), 1.f);
  fonts.note_text("你");
  ASSERT_TRUE(fonts.rebuild());
  const ImFontGlyph* g1 = fonts.body()->FindGlyphNoFallback(0x4F60);
  ASSERT_NE(g1, nullptr);
  const float h1 = g1->Y1 - g1->Y0;
  const float size1 = fonts.body()->FontSize;

  fonts.set_scale(2);
  EXPECT_EQ(fonts.scale(), 2.f);
  EXPECT_TRUE(fonts.needs_rebuild());
  ASSERT_TRUE(fonts.rebuild());
  const ImFontGlyph* g2 = fonts.body()->FindGlyphNoFallback(0x4F60);
  ASSERT_NE(g2, nullptr);
  const float h2 = g2->Y1 - g2->Y0;
  EXPECT_NEAR(h2 / h1, 2.f, 0.2f) << h1 << " -> " << h2;
  EXPECT_FLOAT_EQ(fonts.body()->FontSize, 2 * size1);
  EXPECT_FLOAT_EQ(fonts.large()->FontSize, 1.5f * fonts.body()->FontSize);
}

TEST_F(FontsTest, DescribeNamesTheFiles) {
  const FontFiles files = find_fonts();
  FontManager fonts(files, 1.f);
  const std::string text = fonts.describe();
  EXPECT_NE(text.find(files.latin), std::string::npos) << text;
  EXPECT_NE(text.find(files.cjk), std::string::npos) << text;
  EXPECT_NE(text.find(files.emoji), std::string::npos) << text;
  EXPECT_EQ(text.find("no "), std::string::npos) << text;
}

// A texture factory that keeps what it is given and hands out distinct ids.
struct RecordingFactory {
  struct Call {
    int w, h;
    std::vector<std::uint8_t> rgba;
  };
  std::vector<Call> calls;
  FontManager::TextureFactory make() {
    return [this](int w, int h, const std::uint8_t* rgba) {
      calls.push_back({w, h, std::vector<std::uint8_t>(rgba, rgba + std::size_t(w) * h * 4)});
      return reinterpret_cast<ImTextureID>(static_cast<std::uintptr_t>(0x1000 + calls.size()));
    };
  }
};

// One frame around `draw`; returns the item rectangle's size of what draw() drew last.
template <class F>
ImVec2 frame(F&& draw) {
  ImGui::GetIO().Fonts->TexID = reinterpret_cast<ImTextureID>(std::uintptr_t{1});
  ImGui::NewFrame();
  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(ImVec2(800, 600));
  ImGui::Begin("fonts");
  draw();
  const ImVec2 size = ImGui::GetItemRectSize();
  ImGui::End();
  ImGui::EndFrame();
  return size;
}

TEST_F(FontsTest, EmojiBeyondPlaneZeroBecomeCachedImages) {
  FontManager fonts(find_fonts(), 1.f);
  ASSERT_TRUE(fonts.rebuild());
  RecordingFactory factory;
  fonts.set_texture_factory(factory.make());

  bool image_drawn = false;
  const ImVec2 size = frame([&] {
    fonts.text_wrapped("hi 😀", 400);
    for (const ImDrawCmd& cmd : ImGui::GetWindowDrawList()->CmdBuffer)
      image_drawn |= cmd.TextureId == reinterpret_cast<ImTextureID>(std::uintptr_t{0x1001});
  });
  ASSERT_EQ(factory.calls.size(), 1u);
  const auto& call = factory.calls[0];
  EXPECT_GT(call.w, 0);
  EXPECT_EQ(call.h, 17);  // one line high
  std::set<std::uint32_t> colours;
  for (std::size_t i = 0; i < call.rgba.size(); i += 4)
    if (call.rgba[i + 3] > 128)
      colours.insert(call.rgba[i] << 16 | call.rgba[i + 1] << 8 | call.rgba[i + 2]);
  EXPECT_GT(colours.size(), 1u);
  EXPECT_TRUE(image_drawn);
  EXPECT_FLOAT_EQ(size.y, 17.f);  // one line

  frame([&] { fonts.text_wrapped("hi 😀 again", 400); });
  EXPECT_EQ(factory.calls.size(), 1u);  // from the cache
}

TEST_F(FontsTest, EmojiSequencesDrawTheirFirstCodePoint) {
  FontManager fonts(find_fonts(), 1.f);
  ASSERT_TRUE(fonts.rebuild());
  RecordingFactory factory;
  fonts.set_texture_factory(factory.make());
  // family (man ZWJ woman ZWJ girl), thumbs up + skin tone, red heart + VS16 (plane 0)
  frame([&] { fonts.text_wrapped("👨‍👩‍👧 👍🏽 ❤️", 400); });
  EXPECT_EQ(factory.calls.size(), 3u);
}

TEST_F(FontsTest, TextWrapsAtTheWidth) {
  FontManager fonts(find_fonts(), 1.f);
  fonts.note_text("你好世界你好世界");
  ASSERT_TRUE(fonts.rebuild());
  const ImVec2 one = frame([&] { fonts.text_wrapped("one two", 400); });
  EXPECT_FLOAT_EQ(one.y, 17.f);
  const ImVec2 many = frame([&] { fonts.text_wrapped("one two three four five six", 60); });
  EXPECT_GE(many.y, 3 * 17.f);
  EXPECT_LE(many.x, 60.f);
  // CJK without spaces still wraps, between characters.
  const ImVec2 cjk = frame([&] { fonts.text_wrapped("你好世界你好世界", 40); });
  EXPECT_GE(cjk.y, 3 * 17.f);
  EXPECT_LE(cjk.x, 40.f);
}

TEST_F(FontsTest, MalformedUtf8IsDrawnAsReplacementCharacters) {
  FontManager fonts(find_fonts(), 1.f);
  fonts.note_text("\xF0\x9F\x98");  // a truncated emoji: nothing to add, no crash
  ASSERT_TRUE(fonts.rebuild());
  fonts.note_text("\xF0\x9F\x98");
  EXPECT_FALSE(fonts.needs_rebuild());
  const float replacement = fonts.body()->FindGlyphNoFallback(0xFFFD)->AdvanceX;
  // Each bad byte is one U+FFFD (a lead byte whose sequence is cut short, then each
  // continuation byte on its own).
  const ImVec2 size = frame([&] { fonts.text_wrapped("\xFF\xF0\x9F", 400); });
  EXPECT_FLOAT_EQ(size.x, 3 * replacement);
}

TEST_F(FontsTest, MissingFontsAreDescribedAndReplaced) {
  FontFiles files = find_fonts();
  files.cjk.clear();
  files.emoji.clear();
  FontManager fonts(files, 1.f);
  const std::string text = fonts.describe();
  EXPECT_NE(text.find("no CJK font"), std::string::npos) << text;
  EXPECT_NE(text.find("no colour emoji font"), std::string::npos) << text;

  fonts.note_text("你");
  ASSERT_TRUE(fonts.rebuild());
  EXPECT_EQ(fonts.body()->FindGlyphNoFallback(0x4F60), nullptr);
  expect_visible(fonts.body(), 0xFFFD);

  RecordingFactory factory;
  fonts.set_texture_factory(factory.make());
  const ImVec2 size = frame([&] { fonts.text_wrapped("😀", 400); });
  EXPECT_TRUE(factory.calls.empty());
  EXPECT_FLOAT_EQ(size.x, fonts.body()->FindGlyphNoFallback(0xFFFD)->AdvanceX);
}

TEST_F(FontsTest, UnusableFilesFallBackAndAreDescribed) {
  const std::filesystem::path garbage =
      std::filesystem::temp_directory_path() / ("jcall_fonts_test_" + std::to_string(::getpid()));
  {
    std::ofstream out(garbage, std::ios::binary);
    out << std::string(4096, 'x');
  }
  FontFiles files = find_fonts();
  files.cjk = garbage.string();  // not a font: FreeType refuses it, and with it the whole atlas
  FontManager fonts(files, 1.f);
  fonts.note_text("你é");
  const auto built = fonts.rebuild();
  std::filesystem::remove(garbage);
  ASSERT_TRUE(built) << built.error().describe();
  expect_visible(fonts.body(), 0xE9);  // still DejaVu, without the CJK font
  EXPECT_EQ(fonts.body()->FindGlyphNoFallback(0x4F60), nullptr);
  EXPECT_NE(fonts.describe().find("FreeType could not load"), std::string::npos)
      << fonts.describe();

  files.latin = "/nonexistent/DejaVuSans.ttf";
  files.cjk.clear();
  FontManager fallback(files, 1.f);
  ASSERT_TRUE(fallback.rebuild());
  expect_visible(fallback.body(), 'A');  // ImGui's built-in font
  EXPECT_NE(fallback.describe().find("cannot read /nonexistent/DejaVuSans.ttf"), std::string::npos)
      << fallback.describe();
}

TEST_F(FontsTest, RebuildNeedsNoFrameInProgress) {
  FontManager fonts(find_fonts(), 1.f);
  ASSERT_TRUE(fonts.rebuild());
  ImGui::GetIO().Fonts->TexID = reinterpret_cast<ImTextureID>(std::uintptr_t{1});
  ImGui::NewFrame();
  const auto during = fonts.rebuild();
  ImGui::EndFrame();
  EXPECT_FALSE(during);
}

TEST(FontManagerNoContext, RebuildFails) {
  FontManager fonts(find_fonts(), 1.f);
  EXPECT_FALSE(fonts.rebuild());
}

}  // namespace
}  // namespace jcall::app::window
