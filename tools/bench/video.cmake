# Video call benchmarks (tools/bench/run-bench-video): setup to the first decoded video frame,
# CPU per call end against a gst-launch-1.0 with the same chains, picture recovery after a
# burst loss, between two `jcall --headless --json` processes. Uses the test support (private
# Prosody, jcall processes), so needs JCALL_TESTS=ON.
if(JCALL_TESTS)  # jcall_test_process is defined later, in tests/
  add_executable(jcall_bench_video ${CMAKE_CURRENT_LIST_DIR}/video_bench.cpp
    ${CMAKE_CURRENT_LIST_DIR}/bench_common.cpp)
  target_link_libraries(jcall_bench_video PRIVATE jcall_test_process)
  add_dependencies(jcall_bench_video jcall)
endif()
