# The window benchmark (tools/bench/run-bench-window): CPU of the caller as the jcall window
# during a 720p30 video call against the same call headless in the same run, and the window's
# decode -> present latency, under a private Xvfb. Uses the test support (private Prosody, jcall
# processes), so needs JCALL_TESTS=ON.
if(JCALL_TESTS)  # jcall_test_process is defined later, in tests/
  add_executable(jcall_bench_window ${CMAKE_CURRENT_LIST_DIR}/window_bench.cpp
    ${CMAKE_CURRENT_LIST_DIR}/bench_common.cpp)
  target_link_libraries(jcall_bench_window PRIVATE jcall_test_process)
  add_dependencies(jcall_bench_window jcall)
endif()
