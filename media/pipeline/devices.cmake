# media/pipeline/devices: the device list with hot-plug (GstDeviceMonitor on the media thread).
list(APPEND JCALL_MEDIA_SOURCES pipeline/devices.cpp)
