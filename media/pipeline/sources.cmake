list(APPEND JCALL_MEDIA_SOURCES pipeline/audio_io.cpp pipeline/rtp_pipeline.cpp
  pipeline/detail/rtcp_scan.cpp
  pipeline/detail/audio_analyzer.cpp)
