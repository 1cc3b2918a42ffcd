// What a call shows and captures as video: test patterns (videotestsrc), Y4M files (y4mdec,
// looped), cameras (GstDeviceMonitor "Video/Source": v4l2src, pipewiresrc where present), and
// the user's limits on what is sent (resolution, frame rate, bitrate).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace jcall::media {

struct VideoSource {
  enum class Kind {
    kPattern,  // "pattern:smpte", "pattern:ball", ... (videotestsrc pattern nicks), optionally
               // with a size and rate: "pattern:smpte:1280x720@30"
    kY4m,      // "y4m:PATH": a YUV4MPEG2 file, looped, paced in real time
    kDevice,   // "device" (first camera) or "device:NAME" (GstDeviceMonitor display name)
    kNone,     // "none": no video is sent (receive only)
  };
  Kind kind = Kind::kPattern;
  std::string pattern = "smpte";  // kPattern: a videotestsrc "pattern" nick
  std::string path_or_name;       // kY4m: the file; kDevice: the device name (empty: the first)
  int width = 640;                // kPattern: the size and rate produced (before the limits)
  int height = 480;
  int fps = 30;
};
// Parses the --video-source value; the error names the accepted forms and, for an unknown
// pattern, the known pattern names.
Result<VideoSource> parse_video_source(std::string_view spec);

// What the user allows jcall to send. A camera negotiates its best mode within these; a larger
// pattern or file is scaled down (aspect kept).
struct VideoLimits {
  int max_width = 1280;
  int max_height = 720;
  int max_fps = 30;
  std::uint32_t max_bitrate_bps = 2'500'000;
  std::uint32_t min_bitrate_bps = 100'000;
  // Where the encoder starts before the first receiver report (then bandwidth adaptation).
  std::uint32_t start_bitrate_bps = 1'000'000;
};
// "1280x720" (both 16..4096); the error says the form.
Result<std::pair<int, int>> parse_resolution(std::string_view spec);

// The size `w`x`h` scaled down (aspect kept, even numbers) to fit the limits; unchanged when it
// fits.
std::pair<int, int> fit_resolution(int w, int h, const VideoLimits& limits);

// Names of the cameras GstDeviceMonitor sees.
std::vector<std::string> list_video_devices();

}  // namespace jcall::media
