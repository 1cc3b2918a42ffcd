# media/pipeline/devices: the device list with hot-plug over the real GstDeviceMonitor, fed by a
# device provider the test registers and plugs devices in and out of (the machine has none).
add_executable(jcall_devices_tests unit/media/devices_test.cpp)
target_link_libraries(jcall_devices_tests PRIVATE jcall_media jcall_gstreamer_lsan GTest::gtest_main)
gtest_discover_tests(jcall_devices_tests DISCOVERY_TIMEOUT 60 PROPERTIES LABELS unit)
