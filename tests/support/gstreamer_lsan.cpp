// Linked into every test program that starts GStreamer (the jcall_gstreamer_lsan object
// library): GStreamer keeps its registry, plugins and type system alive until the process ends,
// and under LeakSanitizer (tools/test builds with ASan) that is not a leak of ours. libpulse:
// GstDeviceMonitor's PulseAudio provider (gstreamer-1.0/libgstpulseaudio.so) leaks its
// pa_context when no server runs; libpulse has no frame pointers, so with ASan's fast unwinder
// the stack ends in pa_xmalloc0 and the /gstreamer-1.0/ pattern does not see the plugin frame.
// libfontconfig: FcInit() keeps its configuration for the process (the window's fonts).
extern "C" const char* __lsan_default_suppressions() {
  return "leak:libgstreamer-1.0\nleak:libglib-2.0\nleak:libgobject-2.0\nleak:libgmodule-2.0\n"
         "leak:/gstreamer-1.0/\nleak:libpulse.so\nleak:libfontconfig\n";
}
