# app/window/fonts: the window's font files (fontconfig), ImGui's atlas built with FreeType from
# the code points shown so far, and colour emoji drawn as images. Included by window.cmake.
if(NOT TARGET PkgConfig::IMGUI)
  pkg_check_modules(IMGUI REQUIRED IMPORTED_TARGET imgui)
endif()
if(NOT TARGET PkgConfig::FREETYPE)
  pkg_check_modules(FREETYPE REQUIRED IMPORTED_TARGET freetype2)
endif()
if(NOT TARGET PkgConfig::FONTCONFIG)
  pkg_check_modules(FONTCONFIG REQUIRED IMPORTED_TARGET fontconfig)
endif()

add_library(jcall_window_fonts STATIC ${CMAKE_CURRENT_LIST_DIR}/fonts.cpp)
target_include_directories(jcall_window_fonts PUBLIC ${CMAKE_SOURCE_DIR})
# Debian's libimgui.a holds imgui_freetype.o, which needs FreeType at link time.
target_link_libraries(jcall_window_fonts
  PUBLIC jcall_base PkgConfig::IMGUI PkgConfig::FREETYPE
  PRIVATE PkgConfig::FONTCONFIG)
