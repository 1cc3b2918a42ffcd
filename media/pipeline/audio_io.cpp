// Parsing of --audio-source / --audio-sink and the device list (audio_io.hpp).
#include "media/pipeline/audio_io.hpp"

#include <charconv>
#include <filesystem>

#include <gst/gst.h>

#include "media/errc.hpp"

namespace jcall::media {
namespace {

constexpr std::string_view kSourceForms =
    "expected tone:HZ, marker:HZ, wav:PATH, device, device:NAME or silence";
constexpr std::string_view kSinkForms = "expected none, device or device:NAME";

// A tone frequency: a number in 20..20000 Hz (what the codecs carry sits well inside).
std::optional<double> parse_frequency(std::string_view s) {
  double f = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), f);
  if (ec != std::errc() || end != s.data() + s.size() || !(f >= 20 && f <= 20000)) {
    return std::nullopt;
  }
  return f;
}

Error bad(std::string_view what, std::string_view spec, std::string_view why) {
  return make_error(Errc::invalid_argument,
                    std::string(what) + " '" + std::string(spec) + "': " + std::string(why));
}

}  // namespace

Result<AudioSource> parse_audio_source(std::string_view spec) {
  AudioSource s;
  const auto colon = spec.find(':');
  const std::string_view kind = spec.substr(0, colon);
  const std::string_view arg =
      colon == std::string_view::npos ? std::string_view() : spec.substr(colon + 1);
  if (kind == "tone" || kind == "marker") {
    const auto f = colon == std::string_view::npos ? std::nullopt : parse_frequency(arg);
    if (!f) {
      return bad("invalid audio source", spec,
                 std::string(kind) + " needs a frequency of 20 to 20000 Hz (" +
                     std::string(kSourceForms) + ")");
    }
    s.kind = kind == "tone" ? AudioSource::Kind::kTone : AudioSource::Kind::kMarker;
    s.frequency_hz = *f;
    return s;
  }
  if (kind == "wav") {
    if (arg.empty()) {
      return bad("invalid audio source", spec,
                 "wav needs a path (" + std::string(kSourceForms) + ")");
    }
    std::error_code ec;
    if (!std::filesystem::is_regular_file(std::filesystem::path(arg), ec)) {
      return bad("invalid audio source", spec, "no such WAV file: " + std::string(arg));
    }
    s.kind = AudioSource::Kind::kWav;
    s.path_or_name = std::string(arg);
    return s;
  }
  if (kind == "device") {
    if (colon != std::string_view::npos && arg.empty()) {
      return bad("invalid audio source", spec, std::string(kSourceForms));
    }
    s.kind = AudioSource::Kind::kDevice;
    s.path_or_name = std::string(arg);
    return s;
  }
  if (spec == "silence") {
    s.kind = AudioSource::Kind::kSilence;
    return s;
  }
  return bad("invalid audio source", spec, std::string(kSourceForms));
}

Result<AudioSink> parse_audio_sink(std::string_view spec) {
  AudioSink s;
  if (spec == "none") {
    return s;
  }
  if (spec == "device") {
    s.kind = AudioSink::Kind::kDevice;
    return s;
  }
  if (spec.starts_with("device:") && spec.size() > 7) {
    s.kind = AudioSink::Kind::kDevice;
    s.name = std::string(spec.substr(7));
    return s;
  }
  return bad("invalid audio sink", spec, std::string(kSinkForms));
}

std::vector<std::string> list_audio_devices(bool sources) {
  gst_init(nullptr, nullptr);
  std::vector<std::string> names;
  GstDeviceMonitor* monitor = gst_device_monitor_new();
  gst_device_monitor_add_filter(monitor, sources ? "Audio/Source" : "Audio/Sink", nullptr);
  if (gst_device_monitor_start(monitor)) {
    GList* devices = gst_device_monitor_get_devices(monitor);
    for (GList* l = devices; l != nullptr; l = l->next) {
      gchar* name = gst_device_get_display_name(GST_DEVICE(l->data));
      names.emplace_back(name != nullptr ? name : "");
      g_free(name);
    }
    g_list_free_full(devices, gst_object_unref);
    gst_device_monitor_stop(monitor);
  }
  gst_object_unref(monitor);
  return names;
}

}  // namespace jcall::media
