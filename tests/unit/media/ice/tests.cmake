# tests of media/ice: two real libnice agents on 127.0.0.1 in one process.
add_executable(jcall_media_ice_tests ${CMAKE_CURRENT_LIST_DIR}/ice_agent_test.cpp)
target_link_libraries(jcall_media_ice_tests PRIVATE jcall_media GTest::gtest_main)
# The prefix lets `ctest -R ice` pick these out.
gtest_discover_tests(jcall_media_ice_tests TEST_PREFIX "media.ice." DISCOVERY_TIMEOUT 60
  PROPERTIES LABELS unit)
