# SrtpSession against bare libsrtp2 calls (protect + unprotect of an Opus-sized RTP packet);
# meant for a Release build: jcall_bench_srtp [packets] [rounds]; its last line is JSON.
add_executable(jcall_bench_srtp ${CMAKE_CURRENT_LIST_DIR}/srtp_bench.cpp)
target_link_libraries(jcall_bench_srtp PRIVATE jcall_media)
