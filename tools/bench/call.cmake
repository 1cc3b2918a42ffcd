# Call benchmarks (tools/bench/run-bench-calls): call setup, mouth-to-ear latency and CPU per
# call between two `jcall --headless --json` processes, each against a baseline measured in the
# same run. Uses the test support (private Prosody, jcall processes), so needs JCALL_TESTS=ON.
if(JCALL_TESTS)  # jcall_test_process is defined later, in tests/
  add_executable(jcall_bench_call ${CMAKE_CURRENT_LIST_DIR}/call_bench.cpp
    ${CMAKE_CURRENT_LIST_DIR}/bench_common.cpp)
  target_link_libraries(jcall_bench_call PRIVATE jcall_test_process jcall_media)
  add_dependencies(jcall_bench_call jcall)
endif()
