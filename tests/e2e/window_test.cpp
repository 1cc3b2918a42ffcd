// End-to-end tests of the jcall window (issue 7 §3). Under a private Xvfb (tests/support/
// xvfb_fixture; SDL's software renderer, see start_alice), alice runs the window and bob runs
// headless, both through the Prosody fixture with real ICE on 127.0.0.1, DTLS-SRTP and GStreamer.
// The test drives the window as a person would, through its JSON commands
// (app/window/window_app.hpp): ui-click on the widgets named in ui-state, ui-type and ui-key into
// the focused field, and checks what it shows from ui-state and from its screenshots (PNG, read
// with stb_image):
//   1. a video call placed from the contact list shows bob's SMPTE bars in the remote video and
//      alice's own picture in the self-view; the Mute button silences what bob hears;
//   2. a chat message typed during the call reaches bob and comes back delivered (XEP-0184);
//      a CJK message reaches bob intact and its line in the chat has glyphs drawn;
//   3. an incoming call rings (the ringtone plays on SDL's dummy audio driver) and is accepted
//      from the popup, and a second one is rejected from it, which ends it on both sides;
//   4. Camera off/on and Hold/Resume reach bob (no video, silence, XEP-0167 hold), and the
//      ended call is in the Calls tab, from which Call back calls again;
//   5. requests to see alice's presence are approved and denied from the sidebar, and a
//      contact is added with the Add contact popup and removed from its context menu.
// The screenshots stay in the build tree (JCALL_ARTEFACTS_DIR) and their paths are printed.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <stb/stb_image.h>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/jcall_process.hpp"
#include "support/prosody_fixture.hpp"
#include "support/xvfb_fixture.hpp"

namespace jcall::test {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr const char* kBob = "bob@localhost";
constexpr const char* kAlice = "alice@localhost";

// ------------------------------------------------------------------------------------------
// Pictures.

struct Rgb {
  int r = 0, g = 0, b = 0;
};

std::ostream& operator<<(std::ostream& os, const Rgb& c) {
  return os << "(" << c.r << "," << c.g << "," << c.b << ")";
}

int luma(const Rgb& c) {
  return (299 * c.r + 587 * c.g + 114 * c.b) / 1000;
}

bool near(const Rgb& a, const Rgb& b, int tolerance) {
  return std::abs(a.r - b.r) <= tolerance && std::abs(a.g - b.g) <= tolerance &&
         std::abs(a.b - b.b) <= tolerance;
}

// A screenshot, RGBA.
class Image {
 public:
  static std::optional<Image> load(const std::string& path) {
    int w = 0, h = 0, n = 0;
    stbi_uc* data = stbi_load(path.c_str(), &w, &h, &n, 4);
    if (data == nullptr) {
      return std::nullopt;
    }
    Image img;
    img.width = w;
    img.height = h;
    img.rgba.assign(data, data + static_cast<std::size_t>(w) * h * 4);
    stbi_image_free(data);
    return img;
  }

  Rgb at(int x, int y) const {
    x = std::clamp(x, 0, width - 1);
    y = std::clamp(y, 0, height - 1);
    const std::uint8_t* p = &rgba[(static_cast<std::size_t>(y) * width + x) * 4];
    return {p[0], p[1], p[2]};
  }
  // The mean of the (2r+1)^2 pixels around (x, y).
  Rgb mean(int x, int y, int r) const {
    int sr = 0, sg = 0, sb = 0, n = 0;
    for (int dy = -r; dy <= r; ++dy) {
      for (int dx = -r; dx <= r; ++dx) {
        const Rgb c = at(x + dx, y + dy);
        sr += c.r;
        sg += c.g;
        sb += c.b;
        ++n;
      }
    }
    return {sr / n, sg / n, sb / n};
  }

  int width = 0, height = 0;
  std::vector<std::uint8_t> rgba;
};

// A widget's rectangle in the screenshot's pixels (ui-state gives window coordinates).
struct Rect {
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  int w() const { return x1 - x0; }
  int h() const { return y1 - y0; }
  Rect inset(int d) const { return {x0 + d, y0 + d, x1 - d, y1 - d}; }
};

std::ostream& operator<<(std::ostream& os, const Rect& r) {
  return os << "[" << r.x0 << "," << r.y0 << " - " << r.x1 << "," << r.y1 << "]";
}

std::optional<Rect> widget(const json& state, const std::string& name, const Image& img) {
  if (!state.contains("widgets") || !state["widgets"].contains(name)) {
    return std::nullopt;
  }
  const json& r = state["widgets"][name];
  const double window_w = state["window"].value("width", 0);
  const double s = window_w > 0 ? img.width / window_w : 1.0;  // HiDPI: pixels per point
  return Rect{static_cast<int>(std::ceil(r[0].get<double>() * s)),
              static_cast<int>(std::ceil(r[1].get<double>() * s)),
              static_cast<int>(std::floor(r[2].get<double>() * s)),
              static_cast<int>(std::floor(r[3].get<double>() * s))};
}

// videotestsrc's SMPTE pattern: its top two thirds are seven full-intensity bars, left to right.
const Rgb kBars[7] = {{255, 255, 255}, {255, 255, 0}, {0, 255, 255}, {0, 255, 0},
                      {255, 0, 255},   {255, 0, 0},   {0, 0, 255}};
const char* const kBarNames[7] = {"white", "yellow", "cyan", "green", "magenta", "red", "blue"};

// The seven bars at their column centres, a third of the way down (after VP8 and two colour
// conversions each channel stays well within 60 of the source).
::testing::AssertionResult shows_smpte_bars(const Image& img, const Rect& r) {
  std::ostringstream got;
  bool all = true;
  for (int i = 0; i < 7; ++i) {
    const int x = r.x0 + static_cast<int>((i + 0.5) * r.w() / 7.0);
    const int y = r.y0 + r.h() / 3;
    const Rgb c = img.mean(x, y, 2);
    const bool ok = near(c, kBars[i], 60);
    all = all && ok;
    got << "\n  " << kBarNames[i] << " at (" << x << "," << y << "): " << c << (ok ? "" : "  <-");
  }
  if (all) {
    return ::testing::AssertionSuccess() << "the SMPTE bars in " << r << ":" << got.str();
  }
  return ::testing::AssertionFailure() << "no SMPTE bars in " << r << ":" << got.str();
}

// The darkest and brightest pixel of a rectangle (by luma).
std::pair<int, int> luma_range(const Image& img, const Rect& r) {
  int lo = 255, hi = 0;
  for (int y = r.y0; y < r.y1; ++y) {
    for (int x = r.x0; x < r.x1; ++x) {
      const int l = luma(img.at(x, y));
      lo = std::min(lo, l);
      hi = std::max(hi, l);
    }
  }
  return {lo, hi};
}

// The most common colour of a rectangle (its background) and how many pixels differ from it
// by more than `threshold` in luma (the ink), with the width of the columns that hold ink.
struct Ink {
  Rgb background;
  int pixels = 0;
  int first_column = -1, last_column = -1;
};

Ink ink_of(const Image& img, const Rect& r, int threshold) {
  std::map<std::uint32_t, int> histogram;
  for (int y = r.y0; y < r.y1; ++y) {
    for (int x = r.x0; x < r.x1; ++x) {
      const Rgb c = img.at(x, y);
      ++histogram[(static_cast<std::uint32_t>(c.r) << 16) | (c.g << 8) | c.b];
    }
  }
  Ink ink;
  int best = -1;
  for (const auto& [key, n] : histogram) {
    if (n > best) {
      best = n;
      ink.background = {static_cast<int>(key >> 16), static_cast<int>((key >> 8) & 255),
                        static_cast<int>(key & 255)};
    }
  }
  const int bg = luma(ink.background);
  for (int y = r.y0; y < r.y1; ++y) {
    for (int x = r.x0; x < r.x1; ++x) {
      if (std::abs(luma(img.at(x, y)) - bg) > threshold) {
        ++ink.pixels;
        ink.first_column = ink.first_column < 0 ? x : std::min(ink.first_column, x);
        ink.last_column = std::max(ink.last_column, x);
      }
    }
  }
  return ink;
}

// ------------------------------------------------------------------------------------------
// Events.

// A field of an object, or null.
json field(const json& o, const std::string& key) {
  return o.is_object() && o.contains(key) ? o[key] : json();
}

// The level bob hears of alice's tone, from a call-stats event (nullopt when not measured).
std::optional<double> received_level(const json& stats) {
  for (const auto& s : field(stats, "streams")) {
    if (field(s, "media") == "audio") {
      const json level = field(field(s, "received_tone"), "level_dbfs");
      if (level.is_number()) {
        return level.get<double>();
      }
    }
  }
  return std::nullopt;
}

std::function<bool(const json&)> call_state(const std::string& state) {
  return
      [state](const json& e) { return field(e, "event") == "call" && field(e, "state") == state; };
}

// The tests' temporary directory: XDG_CONFIG_HOME and XDG_DATA_HOME of the window.
class TempDir {
 public:
  TempDir() {
    std::string t = "/tmp/jcall-window-test-XXXXXX";
    if (::mkdtemp(t.data()) != nullptr) {
      path_ = t;
    }
  }
  ~TempDir() {
    const char* keep = std::getenv("JCALL_KEEP_TEST_DIRS");
    if (!path_.empty() && (keep == nullptr || std::string(keep) != "1")) {
      std::error_code ec;
      std::filesystem::remove_all(path_, ec);
    }
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class WindowTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string error;
    xvfb_ = XvfbServer::start(1280, 800, &error).release();
    if (xvfb_ == nullptr) {
      std::cerr << error << "\n";
    }
    ProsodyServer::Options options;
    options.accounts = {{"alice", "alice-pw-1"},
                        {"bob", "bob-pw-2"},
                        {"carol", "carol-pw-3"},
                        {"dave", "dave-pw-4"}};
    server_ = ProsodyServer::start(options, &error).release();
    std::filesystem::create_directories(JCALL_ARTEFACTS_DIR);
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    delete xvfb_;
    xvfb_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(xvfb_, nullptr) << "no X server (Xvfb)";
    ASSERT_NE(server_, nullptr) << "no Prosody";
    ASSERT_FALSE(home_.path().empty());
  }

  // alice with the window: her XDG dirs in the test's temp dir, SDL's dummy audio driver (the
  // ringer really runs), the ball pattern and a 440 Hz tone as what she sends.
  // With auto_approve false, requests to see her presence wait for her answer in the window.
  void start_alice(bool auto_approve = true) {
    std::vector<std::string> args = {"--video-source", "pattern:ball", "--audio-source",
                                     "tone:440",       "--audio-sink", "none"};
    if (auto_approve) {
      args.insert(args.begin(), "--auto-approve");
    }
    auto options = jcall_command(*server_, "alice@localhost/window", "alice-pw-1", args,
                                 std::nullopt, /*window=*/true);
    options.env.push_back("DISPLAY=" + xvfb_->display());
    options.env.push_back("XDG_CONFIG_HOME=" + home_.path() + "/config");
    options.env.push_back("XDG_DATA_HOME=" + home_.path() + "/data");
    options.env.push_back("SDL_AUDIODRIVER=dummy");
    options.env.push_back("JCALL_UI_SCALE=1");
    // SDL's own software renderer, presented through X (MIT-SHM) rather than an OpenGL
    // texture: no OpenGL under ASan. With Mesa's llvmpipe an ASan jcall deadlocks at its first
    // frame: LLVM registers its JIT code's unwind tables with libgcc (__register_frame, under
    // libgcc's object lock) and allocates inside, and ASan's slow unwinder
    // (fast_unwind_on_malloc=0, app/main.cpp) takes that lock again. Mesa's softpipe runs, but
    // leaves driver state that LeakSanitizer reports from the unloaded driver, where no
    // suppression can name it.
    options.env.push_back("SDL_RENDER_DRIVER=software");
    options.env.push_back("SDL_FRAMEBUFFER_ACCELERATION=0");
    alice_ = std::make_unique<Jcall>(std::move(options));
    auto window = alice_->wait_event("window", 30s);
    ASSERT_TRUE(window) << "the window did not open\n" << alice_->raw();
    std::cout << "window: renderer " << (*window)["renderer"] << ", scale " << (*window)["scale"]
              << "\n";
    ASSERT_TRUE(seen(
        *alice_, [](const json& e) { return e["event"] == "connected"; }, 30s))
        << alice_->raw();
  }

  // bob, headless: the SMPTE bars and an 880 Hz tone.
  void start_bob(std::vector<std::string> extra) {
    std::vector<std::string> args = {"--auto-approve", "--video-source", "pattern:smpte",
                                     "--audio-source", "tone:880"};
    args.insert(args.end(), extra.begin(), extra.end());
    bob_ = std::make_unique<Jcall>(*server_, "bob@localhost/desk", "bob-pw-2", args);
    online(*bob_);
  }

  // An event of j, already read or arriving within the timeout, that satisfies pred. The other
  // process's output is read meanwhile (a child blocks once its stdout pipe is full).
  std::optional<json> seen(Jcall& j,
                           const std::function<bool(const json&)>& pred,
                           std::chrono::milliseconds timeout = 20s) {
    for (const auto& e : j.events()) {
      if (pred(e)) {
        return e;
      }
    }
    Jcall* other = &j == alice_.get() ? bob_.get() : alice_.get();
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      if (auto e = j.wait_for(pred, 200ms)) {
        return e;
      }
      if (other != nullptr) {
        other->pump();
      }
    }
    return std::nullopt;
  }

  // How many events of j have been read: arriving(j, mark(j), ...) looks only at later ones.
  std::size_t mark(Jcall& j) {
    j.pump();
    return j.events().size();
  }

  // An event of j read after its first `from` events (see mark) that satisfies pred, waiting
  // (bounded) for it; the other process's output is read meanwhile.
  std::optional<json> arriving(Jcall& j,
                               std::size_t from,
                               const std::function<bool(const json&)>& pred,
                               std::chrono::milliseconds timeout = 20s) {
    Jcall* other = &j == alice_.get() ? bob_.get() : alice_.get();
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      const auto& events = j.events();
      for (std::size_t i = from; i < events.size(); ++i) {
        if (pred(events[i])) {
          return events[i];
        }
      }
      from = std::max(from, events.size());
      if (Clock::now() >= deadline) {
        return std::nullopt;
      }
      j.wait_for([](const json&) { return false; }, 200ms);
      if (other != nullptr) {
        other->pump();
      }
    }
  }

  // The window's ui-state now.
  json ui() {
    alice_->command({{"cmd", "ui-state"}});
    auto e = alice_->wait_event("ui-state", 10s);
    if (bob_) {
      bob_->pump();
    }
    return e ? *e : json();
  }

  // Polls ui-state until pred holds (bounded); returns the last state seen.
  json ui_until(const std::function<bool(const json&)>& pred,
                std::chrono::milliseconds timeout,
                bool* ok) {
    const auto deadline = Clock::now() + timeout;
    json s;
    *ok = false;
    while (Clock::now() < deadline) {
      s = ui();
      if (s.is_object() && pred(s)) {
        *ok = true;
        return s;
      }
      // Between polls, read alice's events for a moment (her output keeps flowing).
      alice_->wait_for([](const json&) { return false; }, 150ms);
    }
    return s;
  }

  // Clicks a widget of the window as a user would (the left button, or "right"); the window
  // confirms.
  void click(const std::string& target, const std::string& button = "left") {
    alice_->command({{"cmd", "ui-click"}, {"target", target}, {"button", button}});
    auto e = alice_->wait_for(
        [&](const json& e) {
          return (e["event"] == "ui-clicked" && e["target"] == target) ||
                 (e["event"] == "error" && field(e, "message").is_string() &&
                  e["message"].get<std::string>().starts_with("ui-click"));
        },
        10s);
    ASSERT_TRUE(e) << "no answer to ui-click " << target;
    ASSERT_EQ((*e)["event"], "ui-clicked") << *e;
  }

  // Types a line into the chat input and presses Enter.
  void type_message(const std::string& text) {
    click("chat-input");
    alice_->command({{"cmd", "ui-type"}, {"text", text}});
    alice_->command({{"cmd", "ui-key"}, {"key", "enter"}});
  }

  // Saves a screenshot of the window into the artefacts and loads it.
  std::optional<Image> screenshot(const std::string& name) {
    const std::string path = std::string(JCALL_ARTEFACTS_DIR) + "/" + name + ".png";
    std::filesystem::remove(path);
    alice_->command({{"cmd", "screenshot"}, {"path", path}});
    auto e = alice_->wait_for(
        [](const json& e) {
          return e["event"] == "screenshot" ||
                 (e["event"] == "error" && field(e, "message").is_string() &&
                  e["message"].get<std::string>().starts_with("screenshot"));
        },
        10s);
    EXPECT_TRUE(e) << "no screenshot event";
    if (!e) {
      return std::nullopt;
    }
    EXPECT_EQ((*e)["event"], "screenshot") << *e;
    std::cout << "screenshot: " << path << "\n";
    auto img = Image::load(path);
    EXPECT_TRUE(img) << "cannot read " << path << ": " << stbi_failure_reason();
    return img;
  }

  // Signs both out; each must exit cleanly (under ASan: without a leak report).
  void finish() {
    if (alice_) {
      EXPECT_EQ(alice_->quit(), 0) << "the window did not exit cleanly";
    }
    if (bob_) {
      EXPECT_EQ(bob_->quit(), 0);
    }
  }

  // alice calls bob with video from the contact list, once they see each other's presence;
  // bob answers (--answer). Returns the call's sid once both sides are active.
  std::string video_call_from_contacts() {
    alice_->command({{"cmd", "subscribe"}, {"to", kBob}});
    bool ok = false;
    const json s = ui_until(
        [](const json& s) {
          for (const auto& c : s["contacts"]) {
            if (c["jid"] == kBob && c["subscription"] == "both" && c["show"] != "offline") {
              return s["widgets"].contains(std::string("call-video:") + kBob);
            }
          }
          return false;
        },
        20s, &ok);
    EXPECT_TRUE(ok) << "bob is not an online contact with a video button: " << s.dump(1);
    if (!ok) {
      return "";
    }
    click(std::string("call-video:") + kBob);
    auto active = seen(*alice_, call_state("active"), 30s);
    EXPECT_TRUE(active) << alice_->raw();
    EXPECT_TRUE(seen(*bob_, call_state("active"), 10s)) << bob_->raw();
    if (!active) {
      return "";
    }
    EXPECT_EQ(field(*active, "direction"), "outgoing") << *active;
    return (*active)["sid"];
  }

  // Waits until the window has drawn more than `frames` of bob's video and some of its own.
  json video_presented(std::uint64_t frames) {
    bool ok = false;
    const json s = ui_until(
        [&](const json& s) {
          return s["video"].is_array() && !s["video"].empty() &&
                 s["video"][0]["remote"]["presented"].get<std::uint64_t>() > frames &&
                 s["video"][0]["self"]["presented"].get<std::uint64_t>() > 0 &&
                 s["widgets"].contains("remote-video") && s["widgets"].contains("self-view");
        },
        30s, &ok);
    EXPECT_TRUE(ok) << "no video presented: " << field(s, "video").dump() << "\n"
                    << field(s, "widgets").dump();
    return s;
  }

  void hang_up(const std::string& sid) {
    click("hangup");
    EXPECT_TRUE(seen(
        *alice_, [&](const json& e) { return call_state("ended")(e) && e["sid"] == sid; }, 15s))
        << alice_->raw();
    EXPECT_TRUE(seen(
        *bob_, [&](const json& e) { return call_state("ended")(e) && e["sid"] == sid; }, 15s))
        << bob_->raw();
  }

  static XvfbServer* xvfb_;
  static ProsodyServer* server_;
  TempDir home_;
  std::unique_ptr<Jcall> bob_;
  std::unique_ptr<Jcall> alice_;
};

XvfbServer* WindowTest::xvfb_ = nullptr;
ProsodyServer* WindowTest::server_ = nullptr;

// ------------------------------------------------------------------------------------------
// 1. A video call from the contact list: bob's bars in the remote video, alice's ball in the
//    self-view; Mute silences what bob hears and Unmute brings it back; the keypad's digits
//    reach bob, the statistics overlay opens, Ctrl+M mutes and unmutes.

TEST_F(WindowTest, VideoCallShowsRemoteBarsAndSelfViewAndMuteSilences) {
  start_bob({"--answer"});
  start_alice();
  const std::string sid = video_call_from_contacts();
  ASSERT_FALSE(sid.empty());
  const json s = video_presented(10);
  EXPECT_EQ(s["window"]["renderer"], "software") << s["window"];
  // Frames in which only the video changed: drawn only in the video's rectangles, most of them
  // from the last frame built (no rebuild of the whole UI).
  EXPECT_GT(s["window"]["redraws"]["partial"].get<int>(), 0) << s["window"];
  EXPECT_GT(s["window"]["redraws"]["reused"].get<int>(), 0) << s["window"];
  const json& v = s["video"][0];
  // The window's frames come scaled down to the pixels the video is shown in (bob sends
  // 640x480, 4:3: alice decodes that, see her statistics) and are drawn as they are.
  const int frame_w = v["remote"]["width"].get<int>();
  const int frame_h = v["remote"]["height"].get<int>();
  EXPECT_LE(frame_w, 640) << v;
  EXPECT_LE(frame_h, 480) << v;
  EXPECT_NEAR(static_cast<double>(frame_w) / frame_h, 4.0 / 3.0, 0.02) << v;
  auto decoded = alice_->wait_event("call-stats", 5s);
  ASSERT_TRUE(decoded);
  bool decoded_640x480 = false;
  for (const auto& st : field(*decoded, "streams")) {
    const json video = field(st, "video");
    decoded_640x480 |= field(video, "width") == 640 && field(video, "height") == 480;
  }
  EXPECT_TRUE(decoded_640x480) << *decoded;

  auto img = screenshot("video-call");
  ASSERT_TRUE(img);
  const auto remote = widget(s, "remote-video", *img);
  const auto self = widget(s, "self-view", *img);
  ASSERT_TRUE(remote && self) << s["widgets"];
  // The remote picture keeps bob's 4:3, pixel for pixel the frame the window got.
  EXPECT_NEAR(static_cast<double>(remote->w()) / remote->h(), 4.0 / 3.0, 0.03) << *remote;
  EXPECT_EQ(remote->w(), frame_w) << *remote;
  EXPECT_EQ(remote->h(), frame_h) << *remote;
  EXPECT_TRUE(shows_smpte_bars(*img, *remote));
  // The self-view shows alice's ball (a light disc on black): not uniform, and not the bars.
  const auto [lo, hi] = luma_range(*img, self->inset(3));
  EXPECT_GT(hi - lo, 100) << "the self-view " << *self << " is uniform: luma " << lo << ".." << hi;
  EXPECT_FALSE(shows_smpte_bars(*img, *self));

  // Before: bob hears alice's tone.
  auto loud = seen(
      *bob_,
      [](const json& e) {
        return e["event"] == "call-stats" && received_level(e).value_or(-200) > -40;
      },
      15s);
  ASSERT_TRUE(loud) << "bob does not hear alice before mute\n" << bob_->raw();
  click("mute");
  bool ok = false;
  json st = ui_until(
      [](const json& s) { return !s["calls"].empty() && s["calls"][0]["muted"] == true; }, 5s, &ok);
  EXPECT_TRUE(ok) << st["calls"];
  EXPECT_TRUE(st["widgets"].contains("mute"));
  auto quiet = bob_->wait_for(
      [](const json& e) {
        return e["event"] == "call-stats" && received_level(e).value_or(0) < -60;
      },
      15s);
  EXPECT_TRUE(quiet) << "bob still hears alice after Mute\n" << bob_->raw();
  click("mute");  // now "Unmute"
  st =
      ui_until([](const json& s) { return !s["calls"].empty() && s["calls"][0]["muted"] == false; },
               5s, &ok);
  EXPECT_TRUE(ok) << st["calls"];
  auto back = bob_->wait_for(
      [](const json& e) {
        return e["event"] == "call-stats" && received_level(e).value_or(-200) > -40;
      },
      15s);
  EXPECT_TRUE(back) << "bob does not hear alice after Unmute\n" << bob_->raw();
  // And it stays so: the next report is loud too, and the window still says unmuted.
  auto next = bob_->wait_event("call-stats", 5s);
  ASSERT_TRUE(next);
  EXPECT_GT(received_level(*next).value_or(-200), -40) << *next;
  st = ui();
  ASSERT_FALSE(st["calls"].empty());
  EXPECT_EQ(st["calls"][0]["muted"], false);

  // The keypad: the digits clicked reach bob in order (RFC 4733).
  click("dtmf");
  click("dtmf-5");
  click("dtmf-#");
  EXPECT_TRUE(seen(
      *bob_, [](const json& e) { return e["event"] == "call-dtmf" && e["digit"] == "5"; }, 10s))
      << bob_->raw();
  EXPECT_TRUE(seen(
      *bob_, [](const json& e) { return e["event"] == "call-dtmf" && e["digit"] == "#"; }, 10s))
      << bob_->raw();
  // The statistics overlay opens over the video.
  click("stats");
  st = ui_until([](const json& s) { return s["widgets"].contains("stats-overlay"); }, 5s, &ok);
  EXPECT_TRUE(ok) << st["widgets"];
  // The shortcut Ctrl+M mutes and unmutes like the button.
  alice_->command({{"cmd", "ui-key"}, {"key", "m"}, {"ctrl", true}});
  st = ui_until([](const json& s) { return !s["calls"].empty() && s["calls"][0]["muted"] == true; },
                5s, &ok);
  EXPECT_TRUE(ok) << "Ctrl+M did not mute: " << st["calls"];
  alice_->command({{"cmd", "ui-key"}, {"key", "m"}, {"ctrl", true}});
  st =
      ui_until([](const json& s) { return !s["calls"].empty() && s["calls"][0]["muted"] == false; },
               5s, &ok);
  EXPECT_TRUE(ok) << "Ctrl+M did not unmute: " << st["calls"];

  hang_up(sid);
  finish();
}

// ------------------------------------------------------------------------------------------
// 2. Chat beside the call: a typed message reaches bob and its receipt comes back; a CJK one
//    reaches bob exactly and is drawn with glyphs.

TEST_F(WindowTest, ChatDuringCallDeliversAndDrawsCjk) {
  start_bob({"--answer"});
  start_alice();
  const std::string sid = video_call_from_contacts();
  ASSERT_FALSE(sid.empty());
  video_presented(5);

  const std::string hello = "hello from the window";
  type_message(hello);
  auto got = seen(
      *bob_, [&](const json& e) { return e["event"] == "message" && e["body"] == hello; }, 15s);
  ASSERT_TRUE(got) << "bob did not get the message\n" << bob_->raw();
  EXPECT_TRUE(field(*got, "from").get<std::string>().starts_with(kAlice)) << *got;
  bool ok = false;
  json s = ui_until(
      [&](const json& s) {
        for (const auto& l : s["conversation"]) {
          if (l["outgoing"] == true && l["body"] == hello && l["status"] == "delivered") {
            return true;
          }
        }
        return false;
      },
      15s, &ok);
  EXPECT_TRUE(ok) << "no delivered line in alice's conversation: " << s["conversation"].dump(1);
  EXPECT_EQ(s["active_peer"], kBob);

  const std::string cjk = "你好，世界";
  type_message(cjk);
  got = seen(
      *bob_, [&](const json& e) { return e["event"] == "message" && field(e, "body") == cjk; },
      15s);
  ASSERT_TRUE(got) << "bob did not get the CJK message\n" << bob_->raw();
  // bob answers (with an emoji): the window shows it as an incoming line.
  const std::string reply = "Hi Alice! 你好 👋";
  bob_->command({{"cmd", "message"}, {"to", kAlice}, {"body", reply}});
  int index = -1;
  s = ui_until(
      [&](const json& s) {
        index = -1;
        for (std::size_t i = 0; i < s["conversation"].size(); ++i) {
          if (s["conversation"][i]["body"] == cjk && s["conversation"][i]["outgoing"] == true) {
            index = static_cast<int>(i);
          }
        }
        const bool replied = std::any_of(
            s["conversation"].begin(), s["conversation"].end(),
            [&](const json& l) { return l["outgoing"] == false && l["body"] == reply; });
        return replied && index >= 0 && s["widgets"].contains("message:" + std::to_string(index)) &&
               s["widgets"].contains("remote-video");
      },
      10s, &ok);
  ASSERT_TRUE(ok) << "the CJK line or bob's reply is not on screen: " << s["conversation"].dump(1)
                  << "\n"
                  << s["widgets"];
  auto img = screenshot("call-with-chat");
  ASSERT_TRUE(img);
  const auto line = widget(s, "message:" + std::to_string(index), *img);
  ASSERT_TRUE(line);
  // Five full-width characters, each about as wide as the line is high (ImGui's fallback '?'
  // would be half that), with ink (glyph strokes) across them against the chat's background.
  EXPECT_GE(line->w(), 3.5 * line->h()) << "the CJK line " << *line << " is too narrow for 5 ems";
  const Ink ink = ink_of(*img, *line, 60);
  std::cout << "CJK line " << *line << ": " << ink.pixels << " ink pixels in columns "
            << ink.first_column << ".." << ink.last_column << " on " << ink.background << "\n";
  EXPECT_GT(ink.pixels, 5 * line->h()) << "no glyphs drawn in " << *line << " (background "
                                       << ink.background << ", " << ink.pixels << " ink pixels)";
  EXPECT_GT(ink.last_column - ink.first_column, 3 * line->h())
      << "the glyphs in " << *line << " span columns " << ink.first_column << ".."
      << ink.last_column;
  // The chat's background is dark (the window's theme) and the bars are still beside it.
  EXPECT_LT(luma(ink.background), 80) << ink.background;
  const auto remote = widget(s, "remote-video", *img);
  ASSERT_TRUE(remote);
  EXPECT_TRUE(shows_smpte_bars(*img, *remote));

  hang_up(sid);
  finish();
}

// ------------------------------------------------------------------------------------------
// 3. bob calls alice: the popup rings and Accept video connects; the next call is rejected
//    from the popup and ends on both sides.

TEST_F(WindowTest, IncomingCallAcceptedThenRejectedFromPopup) {
  start_bob({});
  start_alice();

  // Waits until the window shows a call from bob (other than `before`) ringing with its popup
  // and the ringtone playing; returns its sid.
  auto ringing = [&](const std::string& before) -> std::string {
    auto incoming = seen(
        *alice_, [&](const json& e) { return e["event"] == "call-incoming" && e["sid"] != before; },
        20s);
    EXPECT_TRUE(incoming) << alice_->raw();
    if (!incoming) {
      return "";
    }
    const std::string sid = (*incoming)["sid"];
    bool ok = false;
    const json s = ui_until(
        [&](const json& s) {
          return s["incoming_call"] == sid && s["widgets"].contains("accept-video") &&
                 s["widgets"].contains("reject") && s["ringer"]["tone"] == "ringtone" &&
                 s["ringer"]["samples"].get<std::uint64_t>() > 0;
        },
        15s, &ok);
    EXPECT_TRUE(ok) << "no ringing popup: incoming_call " << s["incoming_call"] << ", ringer "
                    << s["ringer"] << ", widgets " << s["widgets"];
    EXPECT_EQ(s["ringer"]["problem"], "") << s["ringer"];
    // The ringtone keeps playing: more samples a moment later.
    const std::uint64_t before = s["ringer"]["samples"].get<std::uint64_t>();
    const json later = ui_until(
        [&](const json& s) { return s["ringer"]["samples"].get<std::uint64_t>() > before; }, 5s,
        &ok);
    EXPECT_TRUE(ok) << "the ringtone does not play: " << later["ringer"];
    return sid;
  };

  bob_->command({{"cmd", "call"}, {"to", kAlice}, {"video", true}});
  const std::string first = ringing("");
  ASSERT_FALSE(first.empty());
  auto shot = screenshot("incoming-call");
  EXPECT_TRUE(shot);
  click("accept-video");
  auto sid_is = [](const std::string& sid, const std::string& state) {
    return [sid, state](const json& e) { return call_state(state)(e) && e["sid"] == sid; };
  };
  EXPECT_TRUE(seen(*alice_, sid_is(first, "active"), 30s)) << alice_->raw();
  EXPECT_TRUE(seen(*bob_, sid_is(first, "active"), 10s)) << bob_->raw();
  bool ok = false;
  json s = ui_until(
      [](const json& s) {
        return s["incoming_call"].is_null() && !s["calls"].empty() &&
               s["calls"][0]["state"] == "active" && s["ringer"]["tone"] == "none";
      },
      10s, &ok);
  EXPECT_TRUE(ok) << "after accepting: " << s["calls"] << " ringer " << s["ringer"];
  bob_->command({{"cmd", "hangup"}});
  EXPECT_TRUE(seen(*alice_, sid_is(first, "ended"), 15s)) << alice_->raw();
  EXPECT_TRUE(seen(*bob_, sid_is(first, "ended"), 15s)) << bob_->raw();

  bob_->command({{"cmd", "call"}, {"to", kAlice}, {"video", true}});
  const std::string second = ringing(first);
  ASSERT_FALSE(second.empty());
  click("reject");
  auto bob_ended = seen(*bob_, sid_is(second, "ended"), 15s);
  ASSERT_TRUE(bob_ended) << bob_->raw();
  EXPECT_EQ((*bob_ended)["reason"], "decline") << *bob_ended;
  EXPECT_EQ((*bob_ended)["by"], "peer") << *bob_ended;
  auto alice_ended = seen(*alice_, sid_is(second, "ended"), 15s);
  ASSERT_TRUE(alice_ended) << alice_->raw();
  EXPECT_EQ((*alice_ended)["by"], "local") << *alice_ended;
  s = ui_until(
      [](const json& s) { return s["incoming_call"].is_null() && s["ringer"]["tone"] == "none"; },
      10s, &ok);
  EXPECT_TRUE(ok) << "after rejecting: incoming_call " << s["incoming_call"] << " ringer "
                  << s["ringer"];
  EXPECT_FALSE(s["widgets"].contains("reject")) << s["widgets"];
  finish();
}

// ------------------------------------------------------------------------------------------
// 4. The call's other controls: Camera off stops what bob receives, Camera on brings it back;
//    Hold tells bob (XEP-0167 hold) and silences what he hears, Resume undoes both; after the
//    hang-up the Calls tab lists the call, answered, with its length, and Call back calls again.

// What j printed, without the (long) ui-state dumps.
std::string not_ui_state(const Jcall& j) {
  std::string out;
  for (const auto& e : j.events()) {
    if (e["event"] != "ui-state") {
      out += e.dump() + "\n";
    }
  }
  return out;
}

// bob's count of alice's video frames decoded, from one call-stats event (nullopt: none).
std::optional<double> frames_decoded(const json& stats) {
  for (const auto& s : field(stats, "streams")) {
    const json n = field(field(s, "video"), "frames_decoded");
    if (n.is_number()) {
      return n.get<double>();
    }
  }
  return std::nullopt;
}

TEST_F(WindowTest, CameraAndHoldFromTheControlsThenTheCallIsInTheHistory) {
  start_bob({"--answer"});
  start_alice();
  const std::string sid = video_call_from_contacts();
  ASSERT_FALSE(sid.empty());
  video_presented(5);

  // bob's counts of alice's decoded frames in the next `n` statistics (about 1 s apart) that
  // arrive from now on.
  auto next_counts = [&](std::size_t n) {
    std::vector<double> counts;
    const std::size_t from = mark(*bob_);
    arriving(*bob_, from, [&](const json& e) {
      if (e["event"] == "call-stats") {
        counts.push_back(frames_decoded(e).value_or(-1));
      }
      return counts.size() >= n;
    });
    return counts;
  };
  auto moving = [](const std::vector<double>& c) { return c.size() >= 2 && c.back() > c.front(); };
  std::vector<double> counts = next_counts(2);
  ASSERT_TRUE(moving(counts)) << "bob decodes no video from alice\n" << bob_->raw();

  click("camera");
  bool ok = false;
  json st = ui_until(
      [](const json& s) { return !s["calls"].empty() && s["calls"][0]["camera_on"] == false; }, 5s,
      &ok);
  EXPECT_TRUE(ok) << "Camera off did not turn the camera off: " << st["calls"];
  (void)next_counts(2);     // what was on its way when the camera went off
  counts = next_counts(3);  // then two seconds of nothing
  ASSERT_EQ(counts.size(), 3u) << bob_->raw();
  EXPECT_EQ(counts.front(), counts.back()) << "bob still decodes video with the camera off";
  click("camera");
  st = ui_until(
      [](const json& s) { return !s["calls"].empty() && s["calls"][0]["camera_on"] == true; }, 5s,
      &ok);
  EXPECT_TRUE(ok) << "Camera on did not turn the camera on: " << st["calls"];
  (void)next_counts(1);
  EXPECT_TRUE(moving(next_counts(2))) << "bob decodes no video after Camera on\n" << bob_->raw();

  // Hold: bob is told and what he hears goes silent; Resume: told again, and loud again. Only
  // what arrives after each click counts.
  auto peer_info = [](const std::string& info) {
    return [info](const json& e) {
      return e["event"] == "call-media" && e["what"] == "peer-info" && e["info"] == info;
    };
  };
  auto level = [](bool loud) {
    return [loud](const json& e) {
      const auto l = e["event"] == "call-stats" ? received_level(e) : std::nullopt;
      return l && (loud ? *l > -40 : *l < -60);
    };
  };
  std::size_t from = mark(*bob_);
  click("hold");
  EXPECT_TRUE(arriving(*bob_, from, peer_info("hold"), 10s)) << bob_->raw();
  EXPECT_TRUE(arriving(*bob_, from, level(false), 15s)) << "bob still hears alice on hold\n"
                                                        << bob_->raw();
  st = ui_until(
      [](const json& s) { return !s["calls"].empty() && s["calls"][0]["on_hold"] == true; }, 5s,
      &ok);
  EXPECT_TRUE(ok) << st["calls"];
  from = mark(*bob_);
  click("hold");
  EXPECT_TRUE(arriving(*bob_, from, peer_info("unhold"), 10s)) << bob_->raw();
  EXPECT_TRUE(arriving(*bob_, from, level(true), 15s)) << "bob does not hear alice after Resume\n"
                                                       << bob_->raw();

  hang_up(sid);
  click("tab-calls");
  json record;
  st = ui_until(
      [&](const json& s) {
        for (const auto& r : s["call_history"]) {
          if (r["sid"] == sid) {
            record = r;
          }
        }
        return record.is_object() && s["widgets"].contains("call-back:" + sid);
      },
      5s, &ok);
  ASSERT_TRUE(ok) << "the Calls tab does not list the call: " << st["call_history"] << "\n"
                  << st["widgets"];
  EXPECT_EQ(record["peer"], kBob) << record;
  EXPECT_EQ(record["direction"], "outgoing") << record;
  EXPECT_EQ(record["video"], true) << record;
  EXPECT_EQ(record["outcome"], "answered") << record;
  EXPECT_GT(record["duration_ms"].get<std::int64_t>(), 1000) << record;
  auto shot = screenshot("call-history");
  EXPECT_TRUE(shot);

  click("call-back:" + sid);
  auto again = seen(
      *alice_, [&](const json& e) { return call_state("active")(e) && e["sid"] != sid; }, 30s);
  ASSERT_TRUE(again) << "Call back did not call bob again\n" << alice_->raw();
  EXPECT_EQ(field(*again, "direction"), "outgoing") << *again;
  hang_up((*again)["sid"]);
  finish();
}

// ------------------------------------------------------------------------------------------
// 5. Contacts from the sidebar: carol's request to see alice's presence is approved from the
//    window (alice asks back), dave's is denied; a contact added with the Add contact popup
//    appears, asked, and "Remove contact" from its context menu removes it.

TEST_F(WindowTest, SubscriptionRequestsAndContactsFromTheSidebar) {
  start_alice(/*auto_approve=*/false);
  Jcall carol(*server_, "carol@localhost/x", "carol-pw-3", {"--auto-approve"});
  online(carol);
  Jcall dave(*server_, "dave@localhost/x", "dave-pw-4", {});
  online(dave);
  // An event of `j` within 15 s, alice's output read meanwhile.
  auto heard = [&](Jcall& j, const std::function<bool(const json&)>& pred) {
    const auto deadline = Clock::now() + 15s;
    while (Clock::now() < deadline) {
      if (auto e = j.wait_for(pred, 200ms)) {
        return e;
      }
      alice_->pump();
    }
    return std::optional<json>();
  };
  auto subscription = [](const std::string& type) {
    return [type](const json& e) {
      return e["event"] == "subscription" && e["type"] == type &&
             field(e, "from").get<std::string>().starts_with(kAlice);
    };
  };

  carol.command({{"cmd", "subscribe"}, {"to", kAlice}});
  dave.command({{"cmd", "subscribe"}, {"to", kAlice}});
  bool ok = false;
  json st = ui_until(
      [](const json& s) {
        return s["widgets"].contains("approve:carol@localhost") &&
               s["widgets"].contains("deny:dave@localhost");
      },
      20s, &ok);
  ASSERT_TRUE(ok) << "no requests in the sidebar: " << st["subscription_requests"] << "\n"
                  << st["widgets"];
  auto shot = screenshot("subscription-requests");
  EXPECT_TRUE(shot);

  click("approve:carol@localhost");
  EXPECT_TRUE(heard(carol, subscription("subscribed"))) << carol.raw();
  // alice asked back and carol approves by herself: a contact both ways, online.
  st = ui_until(
      [](const json& s) {
        for (const auto& c : s["contacts"]) {
          if (c["jid"] == "carol@localhost") {
            return c["subscription"] == "both" && c["show"] != "offline";
          }
        }
        return false;
      },
      15s, &ok);
  EXPECT_TRUE(ok) << "carol is not a contact both ways: " << st["contacts"];

  click("deny:dave@localhost");
  EXPECT_TRUE(heard(dave, subscription("unsubscribed"))) << dave.raw();
  st = ui_until(
      [](const json& s) {
        return s["subscription_requests"].empty() && !s["widgets"].contains("deny:dave@localhost");
      },
      5s, &ok);
  EXPECT_TRUE(ok) << st["subscription_requests"];
  for (const auto& c : st["contacts"]) {
    if (c["jid"] == "dave@localhost") {
      EXPECT_NE(c["subscription"], "from") << "dave may see alice's presence: " << c;
      EXPECT_NE(c["subscription"], "both") << c;
    }
  }

  // Add contact: the address typed into the popup, then Add.
  const std::string erin = "erin@localhost";
  click("add-contact");
  click("add-jid");
  alice_->command({{"cmd", "ui-type"}, {"text", erin}});
  click("add-confirm");
  st = ui_until([&](const json& s) { return s["widgets"].contains("contact:" + erin); }, 10s, &ok);
  ASSERT_TRUE(ok) << "erin was not added: " << st["contacts"] << "\n" << not_ui_state(*alice_);
  // Remove contact, from the row's context menu (right click).
  click("contact:" + erin, "right");
  click("remove-contact:" + erin);
  st = ui_until(
      [&](const json& s) {
        return std::none_of(s["contacts"].begin(), s["contacts"].end(),
                            [&](const json& c) { return c["jid"] == erin; }) &&
               !s["widgets"].contains("contact:" + erin);
      },
      10s, &ok);
  EXPECT_TRUE(ok) << "erin is still a contact: " << st["contacts"];

  EXPECT_EQ(carol.quit(), 0);
  EXPECT_EQ(dave.quit(), 0);
  finish();
}

}  // namespace
}  // namespace jcall::test
