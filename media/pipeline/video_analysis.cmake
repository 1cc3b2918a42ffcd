# The video analyzer (frame rate, freezes, SMPTE bars check) and the latest-frame mailbox.
list(APPEND JCALL_MEDIA_SOURCES pipeline/detail/video_analyzer.cpp pipeline/frame_mailbox.cpp)
