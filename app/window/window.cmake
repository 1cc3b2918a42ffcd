# app/window: the SDL2 + Dear ImGui window (issue 7). Dear ImGui comes from Debian's
# libimgui-dev: the core (and imgui_freetype) as its static library, the SDL2 and SDL_Renderer
# backends as the sources the package ships beside its examples, compiled here as they are.
pkg_check_modules(SDL2 REQUIRED IMPORTED_TARGET sdl2)
pkg_check_modules(STB REQUIRED IMPORTED_TARGET stb)
if(NOT TARGET jcall_window_fonts)
  include(${CMAKE_CURRENT_LIST_DIR}/fonts.cmake)
endif()

find_path(JCALL_IMGUI_BACKENDS_DIR imgui_impl_sdlrenderer.cpp
  PATHS /usr/share/doc/libimgui-dev/examples/backends NO_DEFAULT_PATH)
if(NOT JCALL_IMGUI_BACKENDS_DIR)
  message(FATAL_ERROR "Dear ImGui's SDL backends (imgui_impl_sdl.cpp, imgui_impl_sdlrenderer.cpp) "
                      "were not found in /usr/share/doc/libimgui-dev/examples/backends: install "
                      "libimgui-dev (tools/install-deps)")
endif()
add_library(jcall_imgui_sdl STATIC
  ${JCALL_IMGUI_BACKENDS_DIR}/imgui_impl_sdl.cpp
  ${JCALL_IMGUI_BACKENDS_DIR}/imgui_impl_sdlrenderer.cpp)
# Their code, not ours: built as shipped, without our warning flags.
target_compile_options(jcall_imgui_sdl PRIVATE -w)
target_include_directories(jcall_imgui_sdl PRIVATE /usr/include/imgui/backends)
target_link_libraries(jcall_imgui_sdl PUBLIC PkgConfig::IMGUI PkgConfig::SDL2)

add_library(jcall_window STATIC
  ${CMAKE_CURRENT_LIST_DIR}/ui_model.cpp
  ${CMAKE_CURRENT_LIST_DIR}/redraw.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ringer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/window_app.cpp
  ${CMAKE_CURRENT_LIST_DIR}/views.cpp)
target_include_directories(jcall_window PUBLIC ${CMAKE_SOURCE_DIR})
target_link_libraries(jcall_window
  PUBLIC jcall_app jcall_app_store jcall_window_fonts jcall_imgui_sdl PkgConfig::SDL2
  PRIVATE PkgConfig::STB)

target_link_libraries(jcall PRIVATE jcall_window)
target_compile_definitions(jcall PRIVATE JCALL_WINDOW=1)
