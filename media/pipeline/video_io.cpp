// Parsing of --video-source / --max-resolution, fitting a size to the user's limits, and the
// camera list (video_io.hpp). The pattern names are not a copy of GStreamer's list: they are read
// at run time from the installed videotestsrc's "pattern" enum, so every name we accept is one
// the element will take.
#include "media/pipeline/video_io.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <optional>
#include <tuple>

#include <gst/gst.h>

#include "media/detail/glib.hpp"
#include "media/errc.hpp"

namespace jcall::media {
namespace {

constexpr std::string_view kSourceForms =
    "expected pattern:NAME, pattern:NAME:WxH, pattern:NAME:WxH@FPS, y4m:PATH, device, "
    "device:NAME or none";
constexpr int kMinSide = 16;
constexpr int kMaxSide = 4096;
constexpr int kMinFps = 1;
constexpr int kMaxFps = 60;

Error bad(std::string_view what, std::string_view spec, std::string_view why) {
  return make_error(Errc::invalid_argument,
                    std::string(what) + " '" + std::string(spec) + "': " + std::string(why));
}

// A whole decimal number in [lo, hi]; nothing else (no sign, no trailing characters).
std::optional<int> parse_int(std::string_view s, int lo, int hi) {
  int n = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || end != s.data() + s.size() || n < lo || n > hi) {
    return std::nullopt;
  }
  return n;
}

// The nicks of videotestsrc's "pattern" property (GstVideoTestSrcPattern), in enum order.
Result<std::vector<std::string>> pattern_nicks() {
  gst_init(nullptr, nullptr);
  GstElement* raw = gst_element_factory_make("videotestsrc", nullptr);
  if (raw == nullptr) {
    return make_error(Errc::pipeline_error,
                      "the GStreamer element videotestsrc is missing: video test patterns need "
                      "gstreamer1.0-plugins-base");
  }
  const auto src = detail::GObjectPtr<GstElement>::adopt(GST_ELEMENT(gst_object_ref_sink(raw)));
  GParamSpec* pspec = g_object_class_find_property(G_OBJECT_GET_CLASS(src.get()), "pattern");
  if (pspec == nullptr || !G_IS_PARAM_SPEC_ENUM(pspec)) {
    return make_error(
        Errc::pipeline_error,
        "this videotestsrc has no \"pattern\" enum property (gstreamer1.0-plugins-base "
        "too old?)");
  }
  const GEnumClass* enums = G_PARAM_SPEC_ENUM(pspec)->enum_class;
  std::vector<std::string> nicks;
  for (guint i = 0; i < enums->n_values; ++i) {
    nicks.emplace_back(enums->values[i].value_nick);
  }
  return nicks;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    out += out.empty() ? "" : ", ";
    out += s;
  }
  return out;
}

// "NAME", "NAME:WxH" or "NAME:WxH@FPS" (what follows "pattern:").
Result<VideoSource> parse_pattern(std::string_view spec, std::string_view arg) {
  VideoSource s;
  s.kind = VideoSource::Kind::kPattern;
  const auto colon = arg.find(':');
  const std::string_view name = arg.substr(0, colon);
  if (name.empty()) {
    return bad("invalid video source", spec,
               "pattern needs a name (" + std::string(kSourceForms) + ")");
  }
  auto nicks = pattern_nicks();
  if (!nicks) {
    return nicks.error();
  }
  if (std::find(nicks->begin(), nicks->end(), name) == nicks->end()) {
    return bad("invalid video source", spec,
               "unknown pattern '" + std::string(name) + "'; known patterns: " + join(*nicks));
  }
  s.pattern = std::string(name);
  if (colon == std::string_view::npos) {
    return s;
  }
  const std::string_view mode = arg.substr(colon + 1);
  const auto at = mode.find('@');
  auto size = parse_resolution(mode.substr(0, at));
  if (!size) {
    return bad("invalid video source", spec,
               size.error().describe() + " (" + std::string(kSourceForms) + ")");
  }
  std::tie(s.width, s.height) = *size;
  if (at != std::string_view::npos) {
    const auto fps = parse_int(mode.substr(at + 1), kMinFps, kMaxFps);
    if (!fps) {
      return bad("invalid video source", spec,
                 "the frame rate after '@' must be " + std::to_string(kMinFps) + " to " +
                     std::to_string(kMaxFps) + " (" + std::string(kSourceForms) + ")");
    }
    s.fps = *fps;
  }
  return s;
}

}  // namespace

Result<VideoSource> parse_video_source(std::string_view spec) {
  VideoSource s;
  const auto colon = spec.find(':');
  const std::string_view kind = spec.substr(0, colon);
  const bool has_arg = colon != std::string_view::npos;
  const std::string_view arg = has_arg ? spec.substr(colon + 1) : std::string_view();
  if (kind == "pattern") {
    if (!has_arg) {
      return bad("invalid video source", spec,
                 "pattern needs a name (" + std::string(kSourceForms) + ")");
    }
    return parse_pattern(spec, arg);
  }
  if (kind == "y4m") {
    if (arg.empty()) {
      return bad("invalid video source", spec,
                 "y4m needs a path (" + std::string(kSourceForms) + ")");
    }
    const std::filesystem::path path(arg);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
      return bad("invalid video source", spec, "no such Y4M file: " + std::string(arg));
    }
    // Every YUV4MPEG2 stream starts with this signature; catching a wrong file here gives a
    // clear message instead of a decoder error in the middle of a call.
    constexpr std::string_view kMagic = "YUV4MPEG2 ";
    std::string head(kMagic.size(), '\0');
    std::ifstream in(path, std::ios::binary);
    if (!in.read(head.data(), static_cast<std::streamsize>(head.size())) || head != kMagic) {
      return bad("invalid video source", spec,
                 "not a Y4M file (it does not start with \"YUV4MPEG2 \"): " + std::string(arg));
    }
    s.kind = VideoSource::Kind::kY4m;
    s.path_or_name = std::string(arg);
    return s;
  }
  if (kind == "device") {
    if (has_arg && arg.empty()) {
      return bad("invalid video source", spec, std::string(kSourceForms));
    }
    s.kind = VideoSource::Kind::kDevice;
    s.path_or_name = std::string(arg);
    return s;
  }
  if (spec == "none") {
    s.kind = VideoSource::Kind::kNone;
    return s;
  }
  return bad("invalid video source", spec, std::string(kSourceForms));
}

Result<std::pair<int, int>> parse_resolution(std::string_view spec) {
  const auto x = spec.find('x');
  const auto w =
      x == std::string_view::npos ? std::nullopt : parse_int(spec.substr(0, x), kMinSide, kMaxSide);
  const auto h = x == std::string_view::npos ? std::nullopt
                                             : parse_int(spec.substr(x + 1), kMinSide, kMaxSide);
  if (!w || !h) {
    return bad("invalid resolution", spec,
               "expected WIDTHxHEIGHT, each " + std::to_string(kMinSide) + " to " +
                   std::to_string(kMaxSide) + " (e.g. 1280x720)");
  }
  return std::make_pair(*w, *h);
}

std::pair<int, int> fit_resolution(int w, int h, const VideoLimits& limits) {
  if (w <= limits.max_width && h <= limits.max_height) {
    return {w, h};
  }
  // The smaller of the two scale factors keeps both sides inside; integer arithmetic so that
  // e.g. 1920x1080 into 1280x720 gives exactly 1280x720.
  std::int64_t out_w = 0;
  std::int64_t out_h = 0;
  if (static_cast<std::int64_t>(limits.max_width) * h <=
      static_cast<std::int64_t>(limits.max_height) * w) {
    out_w = limits.max_width;
    out_h = static_cast<std::int64_t>(h) * limits.max_width / w;
  } else {
    out_h = limits.max_height;
    out_w = static_cast<std::int64_t>(w) * limits.max_height / h;
  }
  // Even sides (the I420 encoders need them), and never below 2 however thin the input.
  auto even = [](std::int64_t v) { return static_cast<int>(std::max<std::int64_t>(2, v & ~1)); };
  return {even(out_w), even(out_h)};
}

std::vector<std::string> list_video_devices() {
  gst_init(nullptr, nullptr);
  std::vector<std::string> names;
  const auto monitor = detail::GObjectPtr<GstDeviceMonitor>::adopt(gst_device_monitor_new());
  gst_device_monitor_add_filter(monitor.get(), "Video/Source", nullptr);
  if (gst_device_monitor_start(monitor.get())) {
    GList* devices = gst_device_monitor_get_devices(monitor.get());
    for (GList* l = devices; l != nullptr; l = l->next) {
      names.push_back(detail::take_string(gst_device_get_display_name(GST_DEVICE(l->data))));
    }
    g_list_free_full(devices, gst_object_unref);
    gst_device_monitor_stop(monitor.get());
  }
  return names;
}

}  // namespace jcall::media
