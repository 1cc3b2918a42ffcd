# app/window/fonts: the Debian fonts are found, CJK glyphs reach the atlas once noted, the
# scale doubles them, and emoji become inline images (an ImGui context without a backend).
if(NOT TARGET PkgConfig::FREETYPE)
  pkg_check_modules(FREETYPE REQUIRED IMPORTED_TARGET freetype2)
endif()
add_executable(jcall_fonts_tests ${CMAKE_CURRENT_LIST_DIR}/fonts_test.cpp)
target_link_libraries(jcall_fonts_tests PRIVATE jcall_window_fonts PkgConfig::FREETYPE
  GTest::gtest_main)
gtest_discover_tests(jcall_fonts_tests DISCOVERY_TIMEOUT 60 PROPERTIES LABELS unit)
