// The device list with hot-plug (devices.hpp): GstDeviceMonitor's bus, watched on the home
// context. The list is kept from the monitor's messages (added, removed, changed) rather than
// asked of the providers again on every change: a provider without hot-plug would probe the
// hardware each time.
#include "media/pipeline/devices.hpp"

#include <algorithm>
#include <array>

#include <gst/gst.h>

#include "media/detail/glib.hpp"
#include "media/errc.hpp"

namespace jcall::media {
namespace {

using detail::GObjectPtr;
using detail::SourcePtr;

constexpr std::array<const char*, 3> kClasses{"Audio/Source", "Audio/Sink", "Video/Source"};

DeviceInfo describe(GstDevice* device) {
  DeviceInfo d;
  d.name = detail::take_string(gst_device_get_display_name(device));
  d.device_class = detail::take_string(gst_device_get_device_class(device));
  if (gst_device_has_classes(device, "Video/Source")) {
    d.kind = DeviceInfo::Kind::kCamera;
  } else if (gst_device_has_classes(device, "Audio/Sink")) {
    d.kind = DeviceInfo::Kind::kSpeaker;
  } else {
    d.kind = DeviceInfo::Kind::kMicrophone;
  }
  return d;
}

}  // namespace

struct DeviceMonitor::State {
  DeviceMonitor::Changed changed;
  GObjectPtr<GstDeviceMonitor> monitor;
  SourcePtr watch;
  bool started = false;
  std::vector<GObjectPtr<GstDevice>> devices;  // in the order they appeared

  ~State() {
    watch.reset();
    if (started) {
      gst_device_monitor_stop(monitor.get());
    }
  }

  std::vector<DeviceInfo> list() const {
    std::vector<DeviceInfo> out;
    out.reserve(devices.size());
    for (const auto& d : devices) {
      out.push_back(describe(d.get()));
    }
    return out;
  }

  // Takes the reference (a device may be announced twice: listed at start and added while the
  // providers started); false when already known.
  bool add(GstDevice* device) {
    auto owned = GObjectPtr<GstDevice>::adopt(device);
    if (std::any_of(devices.begin(), devices.end(),
                    [&](const auto& d) { return d.get() == device; })) {
      return false;
    }
    devices.push_back(std::move(owned));
    return true;
  }

  // Takes the reference; false when not known.
  bool remove(GstDevice* device) {
    const auto owned = GObjectPtr<GstDevice>::adopt(device);
    return std::erase_if(devices, [&](const auto& d) { return d.get() == device; }) > 0;
  }

  // Last thing a handler does: `changed` may destroy the monitor.
  void notify() {
    const DeviceMonitor::Changed fn = changed;
    if (fn) {
      fn(list());
    }
  }

  static gboolean on_bus(GstBus*, GstMessage* msg, gpointer data) noexcept {
    auto* self = static_cast<State*>(data);
    try {
      bool update = false;
      switch (GST_MESSAGE_TYPE(msg)) {
        case GST_MESSAGE_DEVICE_ADDED: {
          GstDevice* device = nullptr;
          gst_message_parse_device_added(msg, &device);
          update = device != nullptr && self->add(device);
          break;
        }
        case GST_MESSAGE_DEVICE_REMOVED: {
          GstDevice* device = nullptr;
          gst_message_parse_device_removed(msg, &device);
          update = device != nullptr && self->remove(device);
          break;
        }
        case GST_MESSAGE_DEVICE_CHANGED: {
          // The same device with new properties (a new name, say): it takes the old one's
          // place.
          GstDevice* device = nullptr;
          GstDevice* old = nullptr;
          gst_message_parse_device_changed(msg, &device, &old);
          const auto now = GObjectPtr<GstDevice>::adopt(device);
          const auto before = GObjectPtr<GstDevice>::adopt(old);
          for (auto& d : self->devices) {
            if (before && d.get() == before.get() && now) {
              d = GObjectPtr<GstDevice>::ref(now.get());
              update = true;
            }
          }
          break;
        }
        default:
          break;
      }
      if (update) {
        self->notify();
      }
    } catch (...) {
      // No exception crosses into GLib.
    }
    return G_SOURCE_CONTINUE;
  }
};

DeviceMonitor::DeviceMonitor(std::unique_ptr<State> state) : state_(std::move(state)) {}

DeviceMonitor::~DeviceMonitor() = default;

Result<std::unique_ptr<DeviceMonitor>> DeviceMonitor::start(GMainContext* ctx, Changed changed) {
  gst_init(nullptr, nullptr);
  auto state = std::make_unique<State>();
  state->changed = std::move(changed);
  state->monitor = GObjectPtr<GstDeviceMonitor>::adopt(gst_device_monitor_new());
  for (const char* c : kClasses) {
    gst_device_monitor_add_filter(state->monitor.get(), c, nullptr);
  }
  // Watched before starting: nothing the providers announce while they start is missed.
  GstBus* bus = gst_device_monitor_get_bus(state->monitor.get());
  GSource* watch = gst_bus_create_watch(bus);
  gst_object_unref(bus);
  g_source_set_callback(watch,
                        reinterpret_cast<GSourceFunc>(reinterpret_cast<void (*)()>(&State::on_bus)),
                        state.get(), nullptr);
  g_source_attach(watch, ctx);
  state->watch = SourcePtr(watch);
  if (!gst_device_monitor_start(state->monitor.get())) {
    return make_error(Errc::device_error,
                      "no GStreamer device provider could start: no microphone, speaker or "
                      "camera can be listed");
  }
  state->started = true;
  GList* found = gst_device_monitor_get_devices(state->monitor.get());
  for (GList* l = found; l != nullptr; l = l->next) {
    state->add(GST_DEVICE(l->data));  // takes the list's reference
  }
  g_list_free(found);
  std::unique_ptr<DeviceMonitor> m(new DeviceMonitor(std::move(state)));
  m->state_->notify();
  return m;
}

std::vector<DeviceInfo> DeviceMonitor::devices() const {
  return state_->list();
}

}  // namespace jcall::media
