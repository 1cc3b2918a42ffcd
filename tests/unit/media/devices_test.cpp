// The device list with hot-plug (media/pipeline/devices.hpp) over the real GstDeviceMonitor. The
// machine has no microphone or camera, so the test registers a device provider of its own: the
// only fake is where devices come from (plugged in and out with gst_device_provider_device_add
// and _remove, as a real provider's hot-plug thread does); the monitor, its bus, the watch on
// the context and the engine's media thread are the real ones. Every wait is bounded.
#include "media/pipeline/devices.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <iterator>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <gst/gst.h>
#include <gtest/gtest.h>

#include "media/engine.hpp"
#include "pipeline/pipeline_fixture.hpp"

namespace jcall::media {
namespace {

using namespace std::chrono_literals;

constexpr const char* kMicrophone = "jcall test microphone";
constexpr const char* kCamera = "jcall test camera";
constexpr const char* kSecondCamera = "jcall test camera 2";

// The fake provider's devices: a GstDevice subclass (GstDevice is abstract) with nothing added.
struct TestDevice {
  GstDevice parent;
};
struct TestDeviceClass {
  GstDeviceClass parent_class;
};

GType test_device_get_type() {
  static const GType type = g_type_register_static_simple(
      GST_TYPE_DEVICE, "JcallTestDevice", sizeof(TestDeviceClass), nullptr, sizeof(TestDevice),
      nullptr, static_cast<GTypeFlags>(0));
  return type;
}

GstDevice* make_device(const char* name, const char* device_class) {
  GstCaps* caps = gst_caps_new_empty_simple(
      g_str_has_prefix(device_class, "Video") ? "video/x-raw" : "audio/x-raw");
  auto* d =
      static_cast<GstDevice*>(g_object_new(test_device_get_type(), "display-name", name,
                                           "device-class", device_class, "caps", caps, nullptr));
  gst_caps_unref(caps);
  return d;  // floating: the provider sinks it
}

// The provider: hot-plug capable (it has start/stop), with a microphone and a camera plugged in
// when it starts. `provider` is the instance GStreamer made (a weak pointer); `started` follows
// its start and stop.
struct TestProvider {
  GstDeviceProvider parent;
};
struct TestProviderClass {
  GstDeviceProviderClass parent_class;
};
GstDeviceProvider* provider = nullptr;
std::atomic<bool> started{false};  // written on the thread that starts the monitor

gboolean provider_start(GstDeviceProvider* p) noexcept {
  gst_device_provider_device_add(p, make_device(kMicrophone, "Audio/Source"));
  gst_device_provider_device_add(p, make_device(kCamera, "Video/Source"));
  started = true;
  return TRUE;
}

void provider_stop(GstDeviceProvider*) noexcept {
  started = false;
}

void provider_class_init(gpointer klass, gpointer) noexcept {
  auto* pc = GST_DEVICE_PROVIDER_CLASS(klass);
  pc->start = &provider_start;
  pc->stop = &provider_stop;
  gst_device_provider_class_set_static_metadata(pc, "jcall test devices", "Audio/Video/Source",
                                                "Devices the test plugs in and out", "jcall");
}

void provider_init(GTypeInstance* instance, gpointer) noexcept {
  provider = GST_DEVICE_PROVIDER(instance);
  g_object_add_weak_pointer(G_OBJECT(instance), reinterpret_cast<gpointer*>(&provider));
}

void register_provider() {
  static const bool registered = [] {
    gst_init(nullptr, nullptr);
    const GType type = g_type_register_static_simple(
        GST_TYPE_DEVICE_PROVIDER, "JcallTestDeviceProvider", sizeof(TestProviderClass),
        &provider_class_init, sizeof(TestProvider), &provider_init, static_cast<GTypeFlags>(0));
    return gst_device_provider_register(nullptr, "jcalltestdevices", GST_RANK_PRIMARY, type) ==
           TRUE;
  }();
  ASSERT_TRUE(registered);
}

// Plugs a device out: the provider's own one of that name (from its list: asking a stopped
// provider for its devices would probe instead).
void unplug(const std::string& name) {
  ASSERT_NE(provider, nullptr);
  GstDevice* found = nullptr;
  GST_OBJECT_LOCK(provider);
  for (GList* l = provider->devices; l != nullptr && found == nullptr; l = l->next) {
    gchar* n = gst_device_get_display_name(GST_DEVICE(l->data));
    if (name == n) {
      found = GST_DEVICE(gst_object_ref(l->data));
    }
    g_free(n);
  }
  GST_OBJECT_UNLOCK(provider);
  ASSERT_NE(found, nullptr) << name;
  gst_device_provider_device_remove(provider, found);
  gst_object_unref(found);
}

void plug(const char* name, const char* device_class) {
  ASSERT_NE(provider, nullptr);
  gst_device_provider_device_add(provider, make_device(name, device_class));
}

// The test's devices in a list (real providers may add their own).
std::vector<DeviceInfo> ours(const std::vector<DeviceInfo>& all) {
  std::vector<DeviceInfo> out;
  std::copy_if(all.begin(), all.end(), std::back_inserter(out),
               [](const DeviceInfo& d) { return d.name.starts_with("jcall test "); });
  return out;
}

const DeviceInfo kMicrophoneInfo{DeviceInfo::Kind::kMicrophone, kMicrophone, "Audio/Source"};
const DeviceInfo kCameraInfo{DeviceInfo::Kind::kCamera, kCamera, "Video/Source"};
const DeviceInfo kSecondCameraInfo{DeviceInfo::Kind::kCamera, kSecondCamera, "Video/Source"};

class DeviceMonitorTest : public PipelineContextTest {
 protected:
  void SetUp() override {
    PipelineContextTest::SetUp();
    register_provider();
  }
  void TearDown() override {
    monitor_.reset();
    PipelineContextTest::TearDown();
  }

  void start() {
    auto m = DeviceMonitor::start(
        ctx_, [this](std::vector<DeviceInfo> list) { calls_.push_back(std::move(list)); });
    ASSERT_TRUE(m) << m.error().message;
    monitor_ = std::move(*m);
  }

  // Iterates the context until `changed` came `n` times in all.
  bool calls_reach(std::size_t n) {
    return wait_until([&] { return calls_.size() >= n; }, 5s);
  }

  std::unique_ptr<DeviceMonitor> monitor_;
  std::vector<std::vector<DeviceInfo>> calls_;
};

// Started: the provider's microphone and camera are listed, with the class and kind, and
// `changed` got that list at once.
TEST_F(DeviceMonitorTest, ListsTheDevicesOnStart) {
  start();
  EXPECT_TRUE(started);
  const std::vector<DeviceInfo> expected{kMicrophoneInfo, kCameraInfo};
  ASSERT_EQ(calls_.size(), 1u);
  EXPECT_EQ(ours(calls_.front()), expected);
  EXPECT_EQ(ours(monitor_->devices()), expected);
  // The devices also announced themselves while the provider started: not listed twice.
  run_for(200ms);
  EXPECT_EQ(ours(monitor_->devices()), expected);
  EXPECT_EQ(ours(calls_.back()), expected);
}

// A camera plugged in, then the microphone out: each time `changed` gets the whole new list.
TEST_F(DeviceMonitorTest, HotPlugCallsChangedWithTheNewList) {
  start();
  run_for(100ms);  // what the provider announced while starting
  const std::size_t before = calls_.size();
  plug(kSecondCamera, "Video/Source");
  ASSERT_TRUE(calls_reach(before + 1));
  const std::vector<DeviceInfo> plugged{kMicrophoneInfo, kCameraInfo, kSecondCameraInfo};
  EXPECT_EQ(ours(calls_.back()), plugged);
  EXPECT_EQ(ours(monitor_->devices()), plugged);

  unplug(kMicrophone);
  ASSERT_TRUE(calls_reach(before + 2));
  const std::vector<DeviceInfo> unplugged{kCameraInfo, kSecondCameraInfo};
  EXPECT_EQ(ours(calls_.back()), unplugged);
  EXPECT_EQ(ours(monitor_->devices()), unplugged);
  EXPECT_EQ(calls_.size(), before + 2);
}

// Destroyed: the provider is stopped and a device plugged in afterwards calls nothing.
TEST_F(DeviceMonitorTest, DestructorStopsWatching) {
  start();
  run_for(100ms);
  ASSERT_TRUE(started);
  monitor_.reset();
  EXPECT_FALSE(started);
  const std::size_t before = calls_.size();
  plug(kSecondCamera, "Video/Source");
  run_for(200ms);
  EXPECT_EQ(calls_.size(), before);
  unplug(kSecondCamera);  // the provider keeps it while stopped
}

// The engine's watch: the list comes on the media thread, and again after a hot-plug.
TEST(EngineDevices, WatchDevicesReportsTheListAndItsChanges) {
  register_provider();
  auto engine = Engine::create(EngineConfig{}, Engine::Events{});
  ASSERT_TRUE(engine) << engine.error().message;
  std::mutex m;
  std::condition_variable cv;
  std::vector<std::vector<DeviceInfo>> lists;
  (*engine)->watch_devices([&](std::vector<DeviceInfo> list) {
    std::lock_guard lock(m);
    lists.push_back(ours(list));
    cv.notify_all();
  });
  const auto has = [&](const std::vector<DeviceInfo>& expected) {
    std::unique_lock lock(m);
    const bool seen =
        cv.wait_for(lock, 5s, [&] { return !lists.empty() && lists.back() == expected; });
    std::string last;
    for (const auto& d : lists.empty() ? std::vector<DeviceInfo>{} : lists.back()) {
      last += "'" + d.name + "' ";
    }
    return seen ? ::testing::AssertionSuccess()
                : ::testing::AssertionFailure() << lists.size() << " lists, the last: " << last;
  };
  EXPECT_TRUE(has({kMicrophoneInfo, kCameraInfo}));
  plug(kSecondCamera, "Video/Source");
  EXPECT_TRUE(has({kMicrophoneInfo, kCameraInfo, kSecondCameraInfo}));
  engine->reset();  // stops the watch on the media thread
  EXPECT_FALSE(started);
}

}  // namespace
}  // namespace jcall::media
