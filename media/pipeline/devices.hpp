// The microphones, speakers and cameras there are, kept current as they come and go (hot-plug),
// for the window's device menus: a GstDeviceMonitor for "Audio/Source", "Audio/Sink" and
// "Video/Source" whose bus is watched on the media thread's GMainContext. A name is GStreamer's
// display name, the one --audio-source device:NAME, --audio-sink device:NAME and
// --video-source device:NAME look up (audio_io.hpp, video_io.hpp).
//
// Home thread: the thread that iterates `ctx` (the media thread). start(), devices(), the
// destructor and every `changed` call happen there.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <glib.h>

#include "base/result.hpp"

namespace jcall::media {

struct DeviceInfo {
  enum class Kind { kMicrophone, kSpeaker, kCamera } kind = Kind::kMicrophone;
  std::string name;          // gst_device_get_display_name: what device:NAME accepts
  std::string device_class;  // GStreamer's class: "Audio/Source", "Audio/Sink", "Video/Source"

  bool operator==(const DeviceInfo&) const = default;
};

class DeviceMonitor {
 public:
  using Changed = std::function<void(std::vector<DeviceInfo>)>;

  // Starts monitoring on `ctx`: `changed` gets the whole current list once before start()
  // returns, then again on every device added, removed or changed. An error when no device
  // provider could start (GStreamer's device plugins are missing).
  static Result<std::unique_ptr<DeviceMonitor>> start(GMainContext* ctx, Changed changed);
  ~DeviceMonitor();  // stops the monitor and removes the bus watch (home thread)
  DeviceMonitor(const DeviceMonitor&) = delete;
  DeviceMonitor& operator=(const DeviceMonitor&) = delete;

  // The devices now, in the order they appeared.
  std::vector<DeviceInfo> devices() const;

 private:
  struct State;
  explicit DeviceMonitor(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace jcall::media
