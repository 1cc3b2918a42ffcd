# The window's unit tests: fonts (no display needed) and the model built from session events.
if(NOT TARGET jcall_fonts_tests)
  include(${CMAKE_CURRENT_LIST_DIR}/fonts_tests.cmake)
endif()
add_executable(jcall_ui_model_tests ${CMAKE_CURRENT_LIST_DIR}/ui_model_test.cpp)
target_link_libraries(jcall_ui_model_tests PRIVATE jcall_window jcall_gstreamer_lsan
  GTest::gtest_main)
gtest_discover_tests(jcall_ui_model_tests DISCOVERY_TIMEOUT 60 PROPERTIES LABELS unit)
