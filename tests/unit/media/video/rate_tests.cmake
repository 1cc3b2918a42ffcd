# media/pipeline/detail/rate_controller: loss-, RTT- and REMB-based video rate control on a fake
# clock, and the REMB parser on literal bytes.
add_executable(jcall_media_rate_tests
  unit/media/video/rate_controller_test.cpp
)
target_link_libraries(jcall_media_rate_tests PRIVATE jcall_media GTest::gtest_main)
gtest_discover_tests(jcall_media_rate_tests DISCOVERY_TIMEOUT 60 PROPERTIES LABELS unit)
