list(APPEND JCALL_MEDIA_SOURCES pipeline/video_io.cpp)
