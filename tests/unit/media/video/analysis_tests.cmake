# media/pipeline video analysis: the SMPTE bars check on real videotestsrc frames (raw and
# through VP8), the analyzer's figures on a fake clock, and the latest-frame mailbox.
add_executable(jcall_media_video_analysis_tests
  unit/media/video/video_analyzer_test.cpp
  unit/media/video/frame_mailbox_test.cpp
)
target_link_libraries(jcall_media_video_analysis_tests PRIVATE jcall_media jcall_gstreamer_lsan GTest::gtest_main)
gtest_discover_tests(jcall_media_video_analysis_tests DISCOVERY_TIMEOUT 60 PROPERTIES LABELS unit)
