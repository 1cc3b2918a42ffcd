# The window's sign-in, end to end (issue 7 §2 "Accounts"): certificate and password errors in
# words, the remembered password, under a private Xvfb against the Prosody fixture.
add_executable(jcall_e2e_window_login_tests e2e/window_login_test.cpp)
target_link_libraries(jcall_e2e_window_login_tests PRIVATE jcall_test_process GTest::gtest_main)
gtest_discover_tests(jcall_e2e_window_login_tests DISCOVERY_TIMEOUT 60 PROPERTIES LABELS e2e)
