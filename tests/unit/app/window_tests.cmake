# The window's unit tests: fonts (no display needed), the model built from session events, and
# what a frame redraws.
if(NOT TARGET jcall_fonts_tests)
  include(${CMAKE_CURRENT_LIST_DIR}/fonts_tests.cmake)
endif()
add_executable(jcall_ui_model_tests ${CMAKE_CURRENT_LIST_DIR}/ui_model_test.cpp)
target_link_libraries(jcall_ui_model_tests PRIVATE jcall_window jcall_gstreamer_lsan
  GTest::gtest_main)
gtest_discover_tests(jcall_ui_model_tests DISCOVERY_TIMEOUT 60 PROPERTIES LABELS unit)
add_executable(jcall_redraw_tests ${CMAKE_CURRENT_LIST_DIR}/redraw_test.cpp)
target_link_libraries(jcall_redraw_tests PRIVATE jcall_window jcall_gstreamer_lsan GTest::gtest_main)
gtest_discover_tests(jcall_redraw_tests DISCOVERY_TIMEOUT 60 PROPERTIES LABELS unit)
