# media/pipeline/video_io: the --video-source forms (pattern nicks from the real videotestsrc, a
# real Y4M file), --max-resolution parsing, fitting to the limits, and the camera list.
add_executable(jcall_media_video_io_tests unit/media/video/video_io_test.cpp)
target_link_libraries(jcall_media_video_io_tests PRIVATE jcall_media jcall_gstreamer_lsan GTest::gtest_main)
gtest_discover_tests(jcall_media_video_io_tests DISCOVERY_TIMEOUT 60 PROPERTIES LABELS unit)
