# tests of media/dtls_srtp: RFC 7983 demux, certificates, libsrtp2 sessions and two real OpenSSL
# DTLS endpoints handshaking in memory on a fake clock.
add_executable(jcall_media_dtls_srtp_tests
  ${CMAKE_CURRENT_LIST_DIR}/demux_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/certificate_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/srtp_session_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/dtls_endpoint_test.cpp
)
target_link_libraries(jcall_media_dtls_srtp_tests PRIVATE jcall_media GTest::gtest_main)
# The prefix lets `ctest -R dtls` select exactly these tests.
gtest_discover_tests(jcall_media_dtls_srtp_tests TEST_PREFIX "dtls_srtp." DISCOVERY_TIMEOUT 60
  PROPERTIES LABELS unit)
