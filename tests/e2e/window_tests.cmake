# End-to-end tests of the jcall window (issue 7 §3): under a private Xvfb (SDL's software
# renderer), a windowed jcall and a headless one call and chat through the Prosody fixture,
# driven by the window's JSON commands (ui-click, ui-type, ui-state, screenshot). The
# screenshots are kept in ${CMAKE_BINARY_DIR}/artefacts/window and checked with stb_image.
if(NOT TARGET PkgConfig::STB)
  pkg_check_modules(STB REQUIRED IMPORTED_TARGET stb)
endif()
add_executable(jcall_e2e_window_tests e2e/window_test.cpp)
target_link_libraries(jcall_e2e_window_tests PRIVATE jcall_test_process PkgConfig::STB
  GTest::gtest_main)
target_compile_definitions(jcall_e2e_window_tests PRIVATE
  JCALL_ARTEFACTS_DIR="${CMAKE_BINARY_DIR}/artefacts/window")
gtest_discover_tests(jcall_e2e_window_tests DISCOVERY_TIMEOUT 60 PROPERTIES LABELS e2e)
