list(APPEND JCALL_MEDIA_SOURCES pipeline/audio_io.cpp pipeline/rtp_pipeline.cpp)
