// The jcall program: the window (SDL2 + Dear ImGui), or with --headless the scriptable client.
#include <iostream>

#include "app/headless.hpp"
#include "app/options.hpp"
#include "app/window/window_app.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define JCALL_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define JCALL_LSAN 1
#endif
#endif

#ifdef JCALL_LSAN
// Under LeakSanitizer (the ASan builds of tools/test): GLib's library constructor allocates
// its tables once at load time (_dl_init) and never frees them; that is not a leak of ours.
// The window adds the libraries below, each for the reason on its line; nothing else is
// suppressed. GLib and GStreamer are built without frame pointers, so the fast unwinder stops
// at g_malloc; the slow one sees the whole stack, which the suppressions need and which makes a
// real leak through GLib readable.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:_dl_init\n"
         // fontconfig's configuration, parsed once by FcInit and kept for the process (we never
         // call FcFini: other libraries in the process may still use it).
         "leak:FcInitLoadConfigAndFonts\n"
         // libdbus's connection buffers: SDL_Init opens a session bus connection (we never use
         // libdbus ourselves).
         "leak:libdbus-1.so\n"
         // GStreamer's PulseAudio device provider leaks its pa_mainloop and pa_context when no
         // PulseAudio server answers its probe (gst_device_monitor_get_devices without sound).
         "leak:libgstpulseaudio.so\n"
         // SDL_SetWindowTitle on X11: SDL frees the text property libX11 converts the title into
         // only when every character converted (a title with '—' in the C locale leaks it).
         "leak:_Xutf8TextListToTextProperty\n";
}
extern "C" const char* __asan_default_options() {
  return "fast_unwind_on_malloc=0";
}
#endif

int main(int argc, char** argv) {
  auto options = jcall::app::parse_options(argc, argv);
  if (!options) {
    if (!options.error().message.empty()) {
      std::cerr << "jcall: " << options.error().message << "\n\n";
    }
    std::cerr << jcall::app::usage();
    return 2;
  }
  if (options->headless) {
    return jcall::app::run_headless(*options);
  }
  return jcall::app::window::run_window(*options);
}
