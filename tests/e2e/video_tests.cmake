# End-to-end video calls: two jcall processes through a real Prosody, real ICE, DTLS-SRTP and
# GStreamer video chains (VP8/VP9/H.264), checked with the SMPTE pattern and the call summaries.
add_executable(jcall_e2e_video_tests e2e/video_call_test.cpp)
target_link_libraries(jcall_e2e_video_tests PRIVATE jcall_test_process GTest::gtest_main)
gtest_discover_tests(jcall_e2e_video_tests DISCOVERY_TIMEOUT 60 PROPERTIES LABELS e2e)
