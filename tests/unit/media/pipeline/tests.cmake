# media/pipeline: the analysis on synthetic signals, the --audio-source/--audio-sink forms, and
# two real RtpPipelines in one process whose packets are fed to each other (no network), for
# audio and for video (VP8, VP9, H.264 over a lossy link the test controls).
add_executable(jcall_media_pipeline_tests
  unit/media/pipeline/audio_analyzer_test.cpp
  unit/media/pipeline/audio_io_test.cpp
  unit/media/pipeline/rtp_pipeline_test.cpp
  unit/media/pipeline/video_pipeline_test.cpp
)
target_link_libraries(jcall_media_pipeline_tests PRIVATE jcall_media jcall_gstreamer_lsan GTest::gtest_main)
gtest_discover_tests(jcall_media_pipeline_tests DISCOVERY_TIMEOUT 60 PROPERTIES LABELS unit)
