# The sans-I/O video rate controller (loss, RTT and REMB; no GStreamer).
list(APPEND JCALL_MEDIA_SOURCES pipeline/detail/rate_controller.cpp)
