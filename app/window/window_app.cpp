// The window's loop, threads and scripting (see window_app.hpp); the views are in views.cpp.
#include "app/window/window_app.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <ctime>
#include <iostream>
#include <stb/stb_image_write.h>

#include <imgui/backends/imgui_impl_sdl.h>
#include <imgui/backends/imgui_impl_sdlrenderer.h>

#include "app/headless_calls.hpp"
#include "app/stdin_reader.hpp"

namespace jcall::app::window {
namespace {

using Clock = std::chrono::steady_clock;

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t mono_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

void push_bounded(std::deque<double>& d, double v, std::size_t n = 600) {
  d.push_back(v);
  while (d.size() > n) {
    d.pop_front();
  }
}

json summary_of(const std::deque<double>& d) {
  if (d.empty()) {
    return nullptr;
  }
  std::vector<double> v(d.begin(), d.end());
  std::sort(v.begin(), v.end());
  auto at = [&](double q) {
    return v[std::min(v.size() - 1, static_cast<std::size_t>(q * v.size()))];
  };
  return {{"count", v.size()}, {"median", at(0.5)}, {"p95", at(0.95)}, {"max", v.back()}};
}

int scancode_of(const std::string& key) {
  if (key == "enter" || key == "return") {
    return SDL_SCANCODE_RETURN;
  }
  if (key == "escape") {
    return SDL_SCANCODE_ESCAPE;
  }
  if (key == "tab") {
    return SDL_SCANCODE_TAB;
  }
  if (key == "backspace") {
    return SDL_SCANCODE_BACKSPACE;
  }
  if (key.size() == 1 && key[0] >= 'a' && key[0] <= 'z') {
    return SDL_SCANCODE_A + (key[0] - 'a');
  }
  if (key.size() >= 2 && key[0] == 'f' && std::isdigit(static_cast<unsigned char>(key[1]))) {
    const int n = std::atoi(key.c_str() + 1);
    if (n >= 1 && n <= 12) {
      return SDL_SCANCODE_F1 + n - 1;
    }
  }
  return -1;
}

}  // namespace

int run_window(const Options& options) {
  WindowApp app(options);
  return app.run();
}

WindowApp::WindowApp(const Options& options) : options_(options) {}

WindowApp::~WindowApp() {
  stop_session();
  shutdown();
}

void WindowApp::print(const json& ev) {
  if (!options_.json) {
    return;
  }
  std::lock_guard lock(print_m_);
  std::cout << ev.dump(-1, ' ', false, json::error_handler_t::replace) << std::endl;
}

void WindowApp::push_event(const json& ev) {
  print(ev);
  std::lock_guard lock(inbox_m_);
  inbox_events_.push_back(ev);
}

void WindowApp::push_feed(const VideoFeed& feed) {
  std::lock_guard lock(inbox_m_);
  inbox_feeds_.push_back(feed);
}

void WindowApp::push_devices(std::vector<media::DeviceInfo> devices) {
  std::lock_guard lock(inbox_m_);
  inbox_devices_ = std::move(devices);
}

bool WindowApp::push_window_command(const json& cmd) {
  const std::string name = cmd.value("cmd", "");
  if (name != "screenshot" && name != "ui-state" && name != "ui-click" && name != "ui-type" &&
      name != "ui-key" && name != "ui-open") {
    return false;
  }
  std::lock_guard lock(inbox_m_);
  inbox_commands_.push_back(cmd);
  return true;
}

float WindowApp::detect_scale() const {
  if (options_.ui_scale > 0) {
    return options_.ui_scale;
  }
  if (config_.ui_scale > 0) {
    return config_.ui_scale;
  }
  if (const char* env = std::getenv("JCALL_UI_SCALE")) {
    const float f = std::strtof(env, nullptr);
    if (f >= 0.5f && f <= 4.f) {
      return f;
    }
  }
  // HiDPI: the renderer's pixels per window point (Wayland/macOS-style scaling) times the
  // display's DPI over 96 (X11 reports the real DPI and no point scaling).
  float scale = 1;
  int ww = 0, wh = 0, pw = 0, ph = 0;
  SDL_GetWindowSize(window_, &ww, &wh);
  SDL_GetRendererOutputSize(renderer_, &pw, &ph);
  if (ww > 0 && pw > ww) {
    scale = static_cast<float>(pw) / static_cast<float>(ww);
  }
  float ddpi = 0;
  if (SDL_GetDisplayDPI(SDL_GetWindowDisplayIndex(window_), &ddpi, nullptr, nullptr) == 0 &&
      ddpi > 120) {
    scale *= ddpi / 96.f;
  }
  return std::clamp(std::round(scale * 4) / 4, 1.f, 4.f);
}

namespace {

// OpenGL renderers that are the CPU: Mesa's llvmpipe, softpipe and the old swrast.
bool is_software_gl(std::string_view name) {
  for (std::string_view cpu : {"llvmpipe", "softpipe", "Software Rasterizer", "swrast"}) {
    if (name.find(cpu) != std::string_view::npos) {
      return true;
    }
  }
  return false;
}

}  // namespace

// A GPU draws whole frames for next to nothing: SDL's OpenGL (or GLES) renderer, each frame
// drawn whole (after a present the back buffer's pixels are undefined). Without one (OpenGL
// that is Mesa's llvmpipe, as under Xvfb or on a machine without a GPU driver), the CPU pays
// for every pixel and for the present of the whole window: SDL's software renderer then
// draws into the window's framebuffer (X11: a shared-memory image that keeps its pixels), and
// a frame in which only the video changed draws and shows only the video's rectangles. During
// a 720p call the UI thread measured 12.0 % of a core with llvmpipe drawing whole frames, 2.1 %
// this way (tools/bench/README.md). SDL_RENDER_DRIVER, when set, decides instead.
bool WindowApp::create_renderer() {
  const char* asked = SDL_GetHint(SDL_HINT_RENDER_DRIVER);
  renderer_ = SDL_CreateRenderer(window_, -1, SDL_RENDERER_ACCELERATED);
  if (renderer_ != nullptr) {
    SDL_RendererInfo info{};
    SDL_GetRendererInfo(renderer_, &info);
    if (info.name != nullptr && std::string_view(info.name).starts_with("opengl")) {
      // The renderer's context is current on this thread.
      using GetString = const unsigned char* (*)(unsigned);
      constexpr unsigned kGlRenderer = 0x1F01;  // GL_RENDERER
      if (auto get = reinterpret_cast<GetString>(SDL_GL_GetProcAddress("glGetString"))) {
        if (const unsigned char* name = get(kGlRenderer)) {
          gl_renderer_ = reinterpret_cast<const char*>(name);
        }
      }
    }
  }
  const bool cpu_gl = (asked == nullptr || *asked == '\0') && is_software_gl(gl_renderer_);
  if (renderer_ == nullptr || cpu_gl) {
    if (renderer_ != nullptr) {
      SDL_DestroyRenderer(renderer_);  // a window has one renderer at a time
    }
    if (cpu_gl) {
      // The window's framebuffer as SDL's video driver makes it (X11: shared memory), not
      // emulated with a texture through OpenGL (llvmpipe again, drawing the whole window).
      SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
    }
    renderer_ = SDL_CreateRenderer(window_, -1, SDL_RENDERER_SOFTWARE);
    if (renderer_ == nullptr && cpu_gl) {
      // A video driver without a framebuffer of its own (SDL 2's Wayland): llvmpipe after
      // all, drawing whole frames.
      renderer_ = SDL_CreateRenderer(window_, -1, SDL_RENDERER_ACCELERATED);
    }
  }
  if (renderer_ == nullptr) {
    return false;
  }
  SDL_RendererInfo info{};
  SDL_GetRendererInfo(renderer_, &info);
  renderer_name_ = info.name != nullptr ? info.name : "?";
  software_ = (info.flags & SDL_RENDERER_SOFTWARE) != 0 && renderer_name_ == "software";
  return true;
}

bool WindowApp::init() {
  // Where OpenGL is Mesa's llvmpipe (no GPU, e.g. under Xvfb) the window draws with SDL's
  // software renderer (create_renderer), but llvmpipe still makes the context that finds out,
  // and draws when SDL_RENDER_DRIVER asks for OpenGL: on the UI thread rather than on worker
  // threads of its own (one 8 s run of a 640x480 call, whole frames with llvmpipe: 370 instead
  // of 458 ticks for the window process). Only llvmpipe reads this; a user's setting stays.
  setenv("LP_NUM_THREADS", "0", 0);
  if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0) {
    std::cerr << "jcall: cannot open a window: " << SDL_GetError()
              << "\n(no display? run with --headless, or set DISPLAY / WAYLAND_DISPLAY)\n";
    return false;
  }
  frame_event_ = SDL_RegisterEvents(1);  // kNoEvent when SDL has none left
  // Without a display, SDL falls back to its offscreen driver and the window would open where
  // nobody sees it: that is "no display" unless asked for by name (SDL_VIDEODRIVER).
  const char* driver = SDL_GetCurrentVideoDriver();
  const char* asked = std::getenv("SDL_VIDEODRIVER");
  if (driver != nullptr &&
      (std::strcmp(driver, "offscreen") == 0 || std::strcmp(driver, "dummy") == 0) &&
      (asked == nullptr || std::strstr(asked, driver) == nullptr)) {
    std::cerr << "jcall: cannot open a window: no display (SDL found only its '" << driver
              << "' video driver)\n(run with --headless, or set DISPLAY / WAYLAND_DISPLAY)\n";
    SDL_Quit();
    return false;
  }
  config_path_ = store::config_dir() + "/config.json";
  if (auto c = store::load_config(config_path_)) {
    config_ = *c;
  } else {
    login_error_ = c.error().describe();
  }
  window_ = SDL_CreateWindow("jcall", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED,
                             config_.window_width, config_.window_height,
                             SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
  if (window_ == nullptr) {
    std::cerr << "jcall: cannot open a window: " << SDL_GetError() << "\n";
    return false;
  }
  if (!create_renderer()) {
    std::cerr << "jcall: no renderer for the window: " << SDL_GetError() << "\n";
    return false;
  }
  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // the layout is ours, not a file beside the binary
  ImGui::StyleColorsDark();
  ImGuiStyle& style = ImGui::GetStyle();
  style.WindowRounding = 6;
  style.FrameRounding = 5;
  style.ChildRounding = 6;
  style.PopupRounding = 6;
  style.GrabRounding = 4;
  style.FramePadding = ImVec2(8, 5);
  style.ItemSpacing = ImVec2(8, 6);
  scale_ = detect_scale();
  style.ScaleAllSizes(scale_);
  ImGui_ImplSDL2_InitForSDLRenderer(window_);
  ImGui_ImplSDLRenderer_Init(renderer_);
  fonts_ = std::make_unique<FontManager>(find_fonts(), scale_);
  fonts_->set_texture_factory([this](int w, int h, const std::uint8_t* rgba) -> ImTextureID {
    SDL_Texture* t =
        SDL_CreateTexture(renderer_, SDL_PIXELFORMAT_ABGR8888, SDL_TEXTUREACCESS_STATIC, w, h);
    if (t == nullptr) {
      return nullptr;
    }
    SDL_SetTextureBlendMode(t, SDL_BLENDMODE_BLEND);
    SDL_UpdateTexture(t, nullptr, rgba, w * 4);
    emoji_textures_.push_back(t);
    return t;
  });
  // The symbols the views draw themselves.
  fonts_->note_text("jcall ✓✓ ● ☎ … — – ↗ ↙ ↔ 你好");
  rebuild_fonts_if_needed();

  // The history database, under the XDG data dir.
  const std::string db = store::data_dir() + "/history.sqlite";
  if (auto h = store::History::open(db)) {
    history_.emplace(std::move(*h));
  } else {
    login_error_ = h.error().describe() + " (the chat history will not be kept)";
  }
  model_ = std::make_unique<UiModel>(history_ ? &*history_ : nullptr);
  passwords_ = std::make_unique<store::PasswordStore>(store::config_dir());

  form_jid_ = !options_.jid.empty() ? options_.jid : config_.jid;
  if (options_.server) {
    form_server_ = options_.server->first + ":" + std::to_string(options_.server->second);
  } else if (!config_.server_host.empty()) {
    form_server_ = config_.server_host +
                   (config_.server_port != 0 ? ":" + std::to_string(config_.server_port) : "");
  }
  form_cafile_ = !options_.cafile.empty() ? options_.cafile : config_.cafile;
  form_remember_ = config_.remember_password;
  if (!options_.password.empty()) {
    form_password_ = options_.password;
    auto_login_ = !form_jid_.empty();
  } else if (config_.remember_password && !form_jid_.empty()) {
    if (auto p = passwords_->load(form_jid_); p && *p) {
      form_password_ = **p;
      auto_login_ = true;
    } else if (!p) {
      login_error_ = p.error().describe();
    }
  }
  fps_window_start_ = Clock::now();
  return true;
}

void WindowApp::rebuild_fonts_if_needed() {
  if (!fonts_->needs_rebuild()) {
    return;
  }
  if (auto r = fonts_->rebuild(); !r) {
    std::cerr << "jcall: fonts: " << r.error().describe() << "\n";
  }
  ImGui_ImplSDLRenderer_DestroyFontsTexture();
  ImGui_ImplSDLRenderer_CreateFontsTexture();
}

// A call's video leaves the screen: its textures go, its mailboxes stop waking the window.
void WindowApp::release(Feed& feed) {
  for (VideoView* v : {&feed.remote, &feed.self}) {
    if (v->texture != nullptr) {
      SDL_DestroyTexture(v->texture);
      v->texture = nullptr;
      textures_recreated_ = true;  // the last frame built draws it: build the next one
    }
    if (v->mailbox) {
      v->mailbox->set_listener(nullptr);
    }
  }
}

void WindowApp::shutdown() {
  for (auto& [sid, f] : feeds_) {
    release(f);
  }
  feeds_.clear();
  for (SDL_Texture* t : emoji_textures_) {
    SDL_DestroyTexture(t);
  }
  emoji_textures_.clear();
  if (renderer_ != nullptr) {
    ImGui_ImplSDLRenderer_Shutdown();
    ImGui_ImplSDL2_Shutdown();
    ImGui::DestroyContext();
    SDL_DestroyRenderer(renderer_);
    renderer_ = nullptr;
  }
  if (window_ != nullptr) {
    SDL_DestroyWindow(window_);
    window_ = nullptr;
  }
  SDL_Quit();
}

void WindowApp::start_session(Options login) {
  stop_session();
  login_ = std::move(login);
  login_.headless = false;
  ever_online_ = false;
  login_.exit_after_s.reset();  // the window keeps --exit-after itself (a failed sign-in stays)
  Session::Hooks hooks;
  hooks.event = [this](const json& ev) { push_event(ev); };
  hooks.command = [this](const json& cmd) { return push_window_command(cmd); };
  hooks.video = [this](const VideoFeed& f) { push_feed(f); };
  hooks.devices = [this](std::vector<media::DeviceInfo> d) { push_devices(std::move(d)); };
  // SDL turns SIGINT/SIGTERM into SDL_QUIT: the window closes, then logs out.
  hooks.signals = false;
  session_ = std::make_unique<Session>(login_, std::move(hooks));
  session_running_ = true;
  session_thread_ = std::thread([this] {
    const int status = session_->run();
    session_running_ = false;
    push_event({{"event", "session-ended"}, {"status", status}});
  });
}

void WindowApp::stop_session() {
  if (!session_) {
    return;
  }
  session_->post_quit();
  // Bounded: the session's own logout waits at most 5 s for acknowledgements, and its stream
  // close at most 5 s more; a session still running after 12 s is stopped hard.
  const auto deadline = Clock::now() + std::chrono::seconds(12);
  while (session_running_ && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (session_running_) {
    session_->post_stop();
  }
  session_thread_.join();
  session_.reset();
}

void WindowApp::send(json cmd) {
  if (session_) {
    session_->post_command(cmd);
  }
}

void WindowApp::drain_inbox() {
  std::vector<json> events, commands;
  std::vector<VideoFeed> feeds;
  std::optional<std::vector<media::DeviceInfo>> devices;
  {
    std::lock_guard lock(inbox_m_);
    events.swap(inbox_events_);
    commands.swap(inbox_commands_);
    feeds.swap(inbox_feeds_);
    devices.swap(inbox_devices_);
  }
  const std::int64_t now = unix_ms();
  for (const auto& ev : events) {
    const std::string name = ev.value("event", "");
    if (name == "session-ended") {
      if (user_stopped_) {
        login_error_.clear();  // signed out or cancelled: nothing went wrong
      } else if (model_->connection().state != "online" && !model_->connection().message.empty()) {
        login_error_ = model_->connection().message;
      }
      user_stopped_ = false;
      if (session_ && !session_running_) {
        session_thread_.join();
        session_.reset();
      }
      if (!options_.call.empty() || options_.answer_once) {
        quit_ = true;  // a scripted call ends with its session
      }
      continue;
    }
    model_->apply(ev, now);
    if (name == "connected") {
      ever_online_ = true;
      login_error_.clear();
      // Remember the account (never the password here: that is the password store's).
      config_.jid = bare_jid(ev.value("jid", ""));
      if (auto r = store::save_config(config_path_, config_); !r) {
        model_->apply({{"event", "error"}, {"message", r.error().describe()}}, now);
      }
    }
    if (name == "message" || name == "sent" || name == "roster" || name == "presence") {
      for (const char* k : {"body", "from", "to"}) {
        if (ev.contains(k) && ev[k].is_string()) {
          fonts_->note_text(ev[k].get<std::string>());
        }
      }
      for (const auto& item : ev.value("items", json::array())) {
        fonts_->note_text(item.value("name", ""));
      }
      if (ev.contains("status") && ev["status"].is_string()) {
        fonts_->note_text(ev["status"].get<std::string>());
      }
    }
    if (name == "call-incoming" || name == "call-started") {
      // The conversation with the person we are calling stays beside the call.
      model_->open_conversation(bare_jid(ev.value(name == "call-incoming" ? "from" : "to", "")));
    }
    if (name == "call" && ev.value("state", "") == "ended") {
      auto it = feeds_.find(ev.value("sid", ""));
      if (it != feeds_.end()) {
        release(it->second);
        feeds_.erase(it);
      }
    }
    ++redraws_wanted_;
  }
  for (const auto& cmd : model_->take_commands()) {
    send(cmd);
  }
  for (const auto& f : feeds) {
    Feed& feed = feeds_[f.sid];
    feed.sid = f.sid;
    feed.content = f.content;
    for (auto [view, box] : {std::pair{&feed.remote, f.remote}, std::pair{&feed.self, f.self}}) {
      if (box && box != view->mailbox) {
        if (view->mailbox) {
          view->mailbox->set_listener(nullptr);
        }
        view->mailbox = box;
        view->mailbox->set_listener([type = frame_event_, pending = frame_wake_pending_] {
          if (!pending->exchange(true)) {  // one wake-up event waiting at most
            SDL_Event e{};
            e.type = type;
            SDL_PushEvent(&e);
          }
        });
      }
    }
  }
  if (devices) {
    devices_ = std::move(*devices);
    apply_devices();
  }
  for (const auto& cmd : commands) {
    handle_window_command(cmd);
  }
}

void WindowApp::handle_window_command(const json& cmd) {
  const std::string name = cmd.value("cmd", "");
  if (name == "screenshot") {
    pending_screenshots_.push_back(cmd.value("path", "jcall-screenshot.png"));
  } else if (name == "ui-state") {
    json ev = {{"event", "ui-state"}};
    ev.update(ui_state());
    ev["t_ms"] = t_ms();
    print(ev);
  } else if (name == "ui-click") {
    const std::string target = cmd.value("target", "");
    // Where the widget is is looked up again when the pointer moves there (a layout may still
    // be settling, e.g. a window re-centring after it grew).
    const bool right = cmd.value("button", "") == "right";
    for (const auto kind : {InputStep::Kind::kMove, InputStep::Kind::kDown, InputStep::Kind::kUp}) {
      InputStep s{kind};
      s.target = target;
      s.key = right ? 1 : 0;  // the mouse button
      input_script_.push_back(std::move(s));
    }
  } else if (name == "ui-type") {
    InputStep s{InputStep::Kind::kChars};
    s.text = cmd.value("text", "");
    fonts_->note_text(s.text);
    input_script_.push_back(std::move(s));
  } else if (name == "ui-key") {
    const int code = scancode_of(cmd.value("key", ""));
    if (code < 0) {
      print({{"event", "error"},
             {"message", "ui-key: unknown key '" + cmd.value("key", "") + "'"},
             {"t_ms", t_ms()}});
      return;
    }
    InputStep down{InputStep::Kind::kKeyDown};
    down.key = code;
    down.ctrl = cmd.value("ctrl", false);
    down.shift = cmd.value("shift", false);
    InputStep up = down;
    up.kind = InputStep::Kind::kKeyUp;
    input_script_.push_back(down);
    input_script_.push_back(up);
  } else if (name == "ui-open") {
    model_->open_conversation(bare_jid(cmd.value("jid", "")));
  }
  ++redraws_wanted_;
}

void WindowApp::apply_input_script() {
  if (input_script_.empty()) {
    return;
  }
  ImGuiIO& io = ImGui::GetIO();
  InputStep& front = input_script_.front();
  if (front.kind == InputStep::Kind::kMove && !front.target.empty()) {
    // Waits (at most 60 frames) until the target is there and stood still for a frame, then points
    // at its centre; the button steps that follow use the same point.
    const auto now_at = widgets_.find(front.target);
    const auto before = widgets_previous_.find(front.target);
    const bool still = now_at != widgets_.end() && before != widgets_previous_.end() &&
                       std::memcmp(&now_at->second, &before->second, sizeof(ImVec4)) == 0;
    if (!still && ++front.waited < 60) {
      return;
    }
    if (now_at == widgets_.end()) {
      print({{"event", "error"},
             {"message", "ui-click: no widget '" + front.target + "' on screen"},
             {"t_ms", t_ms()}});
      input_script_.erase(input_script_.begin(), input_script_.begin() + 3);
      return;
    }
    const ImVec4 r = now_at->second;
    const ImVec2 c((r.x + r.z) / 2, (r.y + r.w) / 2);
    for (std::size_t i = 0; i < 3 && i < input_script_.size(); ++i) {
      input_script_[i].pos = c;
      input_script_[i].rect = r;
    }
    print({{"event", "ui-clicked"},
           {"target", front.target},
           {"x", c.x},
           {"y", c.y},
           {"t_ms", t_ms()}});
  }
  if ((front.kind == InputStep::Kind::kDown || front.kind == InputStep::Kind::kUp) &&
      !front.target.empty()) {
    // The layout moved under the pointer between the steps of a click (an event redrew the
    // screen): the press would land elsewhere, so the click starts again where the widget is
    // now (at most 3 times).
    const auto now_at = widgets_.find(front.target);
    const bool moved =
        now_at == widgets_.end() || std::memcmp(&now_at->second, &front.rect, sizeof(ImVec4)) != 0;
    if (moved && front.retries < 3) {
      const bool was_down = front.kind == InputStep::Kind::kUp;
      InputStep again = front;
      again.retries = front.retries + 1;
      again.waited = 0;
      if (front.kind == InputStep::Kind::kDown) {
        input_script_.erase(input_script_.begin(), input_script_.begin() + 2);  // down, up
      } else {
        input_script_.pop_front();  // up
      }
      std::vector<InputStep> click;
      for (const auto kind :
           {InputStep::Kind::kMove, InputStep::Kind::kDown, InputStep::Kind::kUp}) {
        InputStep step = again;
        step.kind = kind;
        click.push_back(std::move(step));
      }
      if (was_down) {
        io.MouseDown[again.key] = false;  // let go where we are first
      }
      input_script_.insert(input_script_.begin(), click.begin(), click.end());
      return;
    }
  }
  InputStep s = input_script_.front();
  input_script_.pop_front();
  switch (s.kind) {
    case InputStep::Kind::kMove:
      io.MousePos = s.pos;
      break;
    case InputStep::Kind::kDown:
      io.MousePos = s.pos;
      io.MouseDown[s.key] = true;
      break;
    case InputStep::Kind::kUp:
      io.MousePos = s.pos;
      io.MouseDown[s.key] = false;
      break;
    case InputStep::Kind::kChars:
      io.AddInputCharactersUTF8(s.text.c_str());
      break;
    case InputStep::Kind::kKeyDown:
    case InputStep::Kind::kKeyUp:
      io.KeysDown[s.key] = s.kind == InputStep::Kind::kKeyDown;
      io.KeyCtrl = s.kind == InputStep::Kind::kKeyDown && s.ctrl;
      io.KeyShift = s.kind == InputStep::Kind::kKeyDown && s.shift;
      break;
  }
  // A scripted pointer stays where it was put (SDL's own mouse state does not move).
  if (s.kind == InputStep::Kind::kChars || s.kind == InputStep::Kind::kKeyDown ||
      s.kind == InputStep::Kind::kKeyUp) {
    io.MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
  }
}

void WindowApp::mark(const std::string& name) {
  const ImVec2 a = ImGui::GetItemRectMin();
  const ImVec2 b = ImGui::GetItemRectMax();
  widgets_building_[name] = ImVec4(a.x, a.y, b.x, b.y);
}

WindowApp::Feed* WindowApp::feed_of(const std::string& sid) {
  auto it = feeds_.find(sid);
  return it == feeds_.end() ? nullptr : &it->second;
}

// Takes the newest frame of a video into its texture (UI thread; never waits).
bool WindowApp::present_video(VideoView& v) {
  if (!v.mailbox) {
    return false;
  }
  auto f = v.mailbox->take();
  if (!f || f->width <= 0 || f->height <= 0) {
    return false;
  }
  if (v.texture == nullptr || v.width != f->width || v.height != f->height) {
    if (v.texture != nullptr) {
      SDL_DestroyTexture(v.texture);
    }
    textures_recreated_ = true;
    // RGBA bytes in memory are SDL's ABGR8888 on little-endian machines (and RGBA8888 on
    // big-endian ones): SDL_PIXELFORMAT_RGBA32 names exactly that.
    v.texture = SDL_CreateTexture(renderer_, SDL_PIXELFORMAT_RGBA32, SDL_TEXTUREACCESS_STREAMING,
                                  f->width, f->height);
    if (v.texture != nullptr) {
      SDL_SetTextureBlendMode(v.texture, SDL_BLENDMODE_NONE);  // opaque: a copy, not a blend
    }
    v.width = f->width;
    v.height = f->height;
  }
  if (v.texture == nullptr) {
    return false;
  }
  SDL_UpdateTexture(v.texture, nullptr, f->rgba.data(), f->width * 4);
  updated_textures_.push_back(v.texture);
  v.pending_decoded_ns = f->decoded_ns != 0 ? f->decoded_ns : f->pts_ns;
  v.pending_put_ns = f->pts_ns;
  return true;
}

bool WindowApp::update_video() {
  // The self-view rides along with the remote video's frames (one frame drawn, not two);
  // alone (no remote frame for 100 ms) it is drawn as its frames come (at most 15 a second,
  // media/pipeline: kSelfViewFps). Its frame waits in the mailbox meanwhile.
  const auto now = Clock::now();
  bool fresh = false;
  for (auto& [sid, f] : feeds_) {
    if (present_video(f.remote)) {
      fresh = true;
      last_remote_frame_ = now;
    }
  }
  const bool remote_idle = now - last_remote_frame_ > std::chrono::milliseconds(100);
  if (fresh || remote_idle) {
    for (auto& [sid, f] : feeds_) {
      fresh = present_video(f.self) || fresh;
    }
  }
  return fresh;
}

void WindowApp::take_screenshot(const std::string& path) {
  int w = 0, h = 0;
  SDL_GetRendererOutputSize(renderer_, &w, &h);
  std::vector<std::uint8_t> pixels(static_cast<std::size_t>(w) * h * 4);
  json ev = {{"event", "screenshot"}, {"path", path}, {"width", w}, {"height", h}};
  if (SDL_RenderReadPixels(renderer_, nullptr, SDL_PIXELFORMAT_RGBA32, pixels.data(), w * 4) != 0) {
    ev["event"] = "error";
    ev["message"] = std::string("screenshot: cannot read the window's pixels: ") + SDL_GetError();
  } else if (stbi_write_png(path.c_str(), w, h, 4, pixels.data(), w * 4) == 0) {
    ev["event"] = "error";
    ev["message"] = "screenshot: cannot write " + path;
  }
  ev["t_ms"] = t_ms();
  print(ev);
}

json WindowApp::ui_state() const {
  json s = model_->to_json();
  s["screen"] = session_ && ever_online_ ? "main" : "login";
  s["login_error"] = login_error_;
  int w = 0, h = 0;
  SDL_GetWindowSize(window_, &w, &h);
  s["window"] = {{"width", w},
                 {"height", h},
                 {"scale", scale_},
                 {"renderer", renderer_name_},
                 {"gl_renderer", gl_renderer_},
                 {"redraws",
                  {{"full", full_frames_},
                   {"partial", partial_frames_},
                   {"skipped", skipped_frames_},
                   {"reused", reused_frames_}}},
                 {"fullscreen", fullscreen_},
                 {"title", title_},
                 {"fps", fps_},
                 {"frames", frames_},
                 {"frame_ms", summary_of(frame_ms_)}};
  json widgets = json::object();
  for (const auto& [name, r] : widgets_) {
    widgets[name] = {r.x, r.y, r.z, r.w};
  }
  s["widgets"] = widgets;
  json video = json::array();
  for (const auto& [sid, f] : feeds_) {
    video.push_back(
        {{"sid", sid},
         {"content", f.content},
         {"remote",
          {{"width", f.remote.width},
           {"height", f.remote.height},
           {"presented", f.remote.presented}}},
         {"self",
          {{"width", f.self.width}, {"height", f.self.height}, {"presented", f.self.presented}}}});
  }
  s["video"] = video;
  // Remote frames: from the decoder to the screen (this includes the wait for the frame's
  // display time, i.e. the jitter buffer's latency, which keeps lip sync), and from the
  // mailbox (the frame due) to the screen, the window's own part.
  s["video_latency_ms"] = summary_of(video_latency_ms_);
  s["ui_latency_ms"] = summary_of(ui_latency_ms_);
  s["ringer"] = {{"tone", to_string(ringer_.tone())},
                 {"samples", ringer_.samples()},
                 {"problem", ringer_.problem()}};
  s["fonts"] = fonts_->describe();
  json devices = json::array();
  for (const auto& d : devices_) {
    devices.push_back({{"kind", d.kind == media::DeviceInfo::Kind::kCamera       ? "camera"
                                : d.kind == media::DeviceInfo::Kind::kMicrophone ? "microphone"
                                                                                 : "speaker"},
                       {"name", d.name}});
  }
  s["devices"] = devices;
  s["devices_in_use"] = devices_sent_;
  s["devices_note"] = devices_note_;
  return s;
}

void WindowApp::apply_devices() {
  using Kind = media::DeviceInfo::Kind;
  auto pick = [&](Kind kind, const std::string& remembered, bool given,
                  const std::string& given_spec, const std::string& fallback,
                  const char* what) -> std::string {
    if (given) {
      return given_spec;
    }
    bool any = false;
    for (const auto& d : devices_) {
      if (d.kind == kind && !remembered.empty() && d.name == remembered) {
        return "device:" + d.name;
      }
      any = any || d.kind == kind;
    }
    if (any) {
      return "device";
    }
    devices_note_ +=
        std::string(devices_note_.empty() ? "" : "\n") + "No " + what + " found: " +
        (fallback == "none" ? "calls play no sound here." : "calls send " + fallback + ".");
    return fallback;
  };
  devices_note_.clear();
  json cmd = {
      {"cmd", "devices"},
      {"audio-source",
       pick(Kind::kMicrophone, config_.microphone, options_.devices_given.audio_source,
            options_.audio_source, options_.audio_source, "microphone")},
      {"audio-sink", pick(Kind::kSpeaker, config_.speaker, options_.devices_given.audio_sink,
                          options_.audio_sink, "none", "speaker")},
      {"video-source", pick(Kind::kCamera, config_.camera, options_.devices_given.video_source, "",
                            "pattern:smpte", "camera")}};
  if (options_.devices_given.video_source) {
    cmd.erase("video-source");  // the command line's stays (the session has it already)
  }
  if (cmd != devices_sent_ && session_) {
    send(cmd);
    devices_sent_ = cmd;
  }
}

void WindowApp::update_ringer() {
  Ringer::Tone tone = Ringer::Tone::kNone;
  if (model_->incoming_call() != nullptr) {
    tone = Ringer::Tone::kRingtone;
  } else if (const CallView* c = model_->current_call();
             c != nullptr && c->direction == "outgoing" && c->state == "ringing") {
    tone = Ringer::Tone::kRingback;
  }
  if (tone == Ringer::Tone::kRingtone && ringer_.tone() != tone) {
    // A call for us while the window is behind others: ask the desktop for attention.
    SDL_FlashWindow(window_, SDL_FLASH_UNTIL_FOCUSED);
  }
  ringer_.play(tone);
  // The title says what waits: unread messages, a call.
  int unread = 0;
  for (const auto& [jid, c] : model_->contacts()) {
    unread += c.unread;
  }
  std::string title = "jcall";
  if (model_->incoming_call() != nullptr) {
    title = "Incoming call from " + bare_jid(model_->incoming_call()->peer) + " — jcall";
  } else if (const CallView* c = model_->current_call()) {
    title = "Call with " + bare_jid(c->peer) + " — jcall";
  } else if (unread > 0) {
    title = "(" + std::to_string(unread) + ") jcall";
  }
  if (title != title_) {
    if (unread > unread_seen_ && (SDL_GetWindowFlags(window_) & SDL_WINDOW_INPUT_FOCUS) == 0) {
      SDL_FlashWindow(window_, SDL_FLASH_BRIEFLY);
    }
    SDL_SetWindowTitle(window_, title.c_str());
    title_ = title;
  }
  unread_seen_ = unread;
}

void WindowApp::frame(bool build) {
  const auto start = Clock::now();
  ImDrawData* draw_data = nullptr;
  RedrawPlan plan;
  if (build) {
    rebuild_fonts_if_needed();
    ImGui_ImplSDLRenderer_NewFrame();
    ImGui_ImplSDL2_NewFrame();
    apply_input_script();
    ImGui::NewFrame();
    widgets_building_.clear();
    if (!session_ || !ever_online_) {
      draw_login();
    } else {
      draw_main();
    }
    ImGui::Render();
    widgets_previous_.swap(widgets_);
    widgets_.swap(widgets_building_);
    draw_data = ImGui::GetDrawData();
    plan = redraw_.plan(*draw_data, updated_textures_);
    last_build_ = start;
    textures_recreated_ = false;
  } else {
    draw_data = ImGui::GetDrawData();
    plan = plan_textures(*draw_data, updated_textures_);
  }
  updated_textures_.clear();
  if (!software_ && (plan.kind == RedrawPlan::Kind::kPartial || !pending_screenshots_.empty())) {
    plan.kind = RedrawPlan::Kind::kFull;  // OpenGL keeps no pixels after a present
  }
  // The main view has no background of its own: the clear (or a fill of the part drawn
  // again) paints it, which costs less than a full-window quad.
  const ImVec4 bg = ImGui::GetStyle().Colors[ImGuiCol_WindowBg];
  SDL_SetRenderDrawColor(renderer_, static_cast<Uint8>(bg.x * 255), static_cast<Uint8>(bg.y * 255),
                         static_cast<Uint8>(bg.z * 255), 255);
  std::vector<SDL_Rect> dirty;
  if (plan.kind == RedrawPlan::Kind::kFull) {
    SDL_RenderClear(renderer_);
    ImGui_ImplSDLRenderer_RenderDrawData(draw_data);
  } else if (plan.kind == RedrawPlan::Kind::kPartial) {
    const std::vector<ImVec4> clips = save_clip_rects(*draw_data);
    for (const PixelRect& r : plan.rects) {
      const SDL_Rect& d = dirty.emplace_back(SDL_Rect{r.x, r.y, r.w, r.h});
      SDL_RenderSetClipRect(renderer_, &d);
      SDL_RenderFillRect(renderer_, &d);
      restore_clip_rects(*draw_data, clips);
      clip_draw_data(*draw_data, r);
      ImGui_ImplSDLRenderer_RenderDrawData(draw_data);
    }
    restore_clip_rects(*draw_data, clips);  // as built: the next frame may draw it again
    SDL_RenderSetClipRect(renderer_, nullptr);
  }
  for (const auto& path : pending_screenshots_) {
    take_screenshot(path);  // software: the framebuffer holds the whole frame in every case
  }
  pending_screenshots_.clear();
  if (plan.kind == RedrawPlan::Kind::kFull) {
    SDL_RenderPresent(renderer_);
    ++full_frames_;
  } else if (plan.kind == RedrawPlan::Kind::kPartial) {
    SDL_RenderFlush(renderer_);
    SDL_UpdateWindowSurfaceRects(window_, dirty.data(), static_cast<int>(dirty.size()));
    ++partial_frames_;
  } else {
    ++skipped_frames_;
  }
  const bool shown = plan.kind != RedrawPlan::Kind::kNothing;
  const std::int64_t presented = mono_ns();
  for (auto& [sid, f] : feeds_) {
    for (VideoView* v : {&f.remote, &f.self}) {
      if (v->pending_decoded_ns != 0) {
        if (shown && v == &f.remote) {
          push_bounded(video_latency_ms_, (presented - v->pending_decoded_ns) / 1e6);
          push_bounded(ui_latency_ms_, (presented - v->pending_put_ns) / 1e6);
        }
        v->presented += shown ? 1 : 0;
        v->pending_decoded_ns = 0;
      }
    }
  }
  if (!shown) {
    return;  // nothing on screen changed: no frame
  }
  ++frames_;
  reused_frames_ += build ? 0 : 1;
  ++fps_window_frames_;
  push_bounded(frame_ms_, std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  const double window_s = std::chrono::duration<double>(Clock::now() - fps_window_start_).count();
  if (window_s >= 1) {
    fps_ = fps_window_frames_ / window_s;
    fps_window_frames_ = 0;
    fps_window_start_ = Clock::now();
  }
}

int WindowApp::run() {
  if (!init()) {
    return 2;
  }
  std::unique_ptr<StdinReader> stdin_reader;
  if (options_.json) {
    stdin_reader = std::make_unique<StdinReader>([this](std::string line) {
      json cmd = json::parse(line, nullptr, false);
      if (cmd.is_object() && push_window_command(cmd)) {
        return;
      }
      if (cmd.is_object() && cmd.value("cmd", "") == "quit") {
        std::lock_guard lock(inbox_m_);
        inbox_commands_.push_back({{"cmd", "window-quit"}});
        return;
      }
      if (session_running_ && session_) {
        session_->post_command(std::move(line));
      } else {
        print({{"event", "error"}, {"message", "not signed in: " + line}, {"t_ms", t_ms()}});
      }
    });
  }
  if (auto_login_) {
    // The command line's account, or the one remembered (with its server and CA file).
    std::string error;
    Options login = login_options(&error);
    if (error.empty()) {
      start_session(std::move(login));
    } else {
      login_error_ = error;
    }
  }
  print({{"event", "window"},
         {"renderer", renderer_name_},
         {"gl_renderer", gl_renderer_},
         {"scale", scale_},
         {"fonts", fonts_->describe()},
         {"t_ms", t_ms()}});
  const auto exit_at =
      options_.exit_after_s
          ? std::optional(Clock::now() + std::chrono::milliseconds(static_cast<std::int64_t>(
                                             *options_.exit_after_s * 1000)))
          : std::nullopt;
  while (!quit_) {
    if (exit_at && Clock::now() >= *exit_at) {
      break;  // --exit-after: the session logs out below
    }
    // Wait for input, a video frame (the mailboxes' listeners push an event), or the tick a
    // second for clocks.
    const bool poll_video = !feeds_.empty() && frame_event_ == kNoEvent;  // no event to spare
    const int wait_ms = redraws_wanted_ > 0 || !input_script_.empty() ? 0 : poll_video ? 8 : 100;
    SDL_Event e;
    bool input = false;
    if (SDL_WaitEventTimeout(&e, wait_ms) != 0) {
      do {
        if (e.type == frame_event_) {
          frame_wake_pending_->store(false);
          continue;  // a video frame came: update_video() below takes it
        }
        ImGui_ImplSDL2_ProcessEvent(&e);
        if (e.type == SDL_QUIT) {
          quit_ = true;
        }
        if (e.type == SDL_WINDOWEVENT && e.window.event == SDL_WINDOWEVENT_CLOSE) {
          quit_ = true;
        }
        if (e.type == SDL_WINDOWEVENT && (e.window.event == SDL_WINDOWEVENT_EXPOSED ||
                                          e.window.event == SDL_WINDOWEVENT_SIZE_CHANGED ||
                                          e.window.event == SDL_WINDOWEVENT_SHOWN ||
                                          e.window.event == SDL_WINDOWEVENT_RESTORED)) {
          redraw_.invalidate();  // the window's pixels are to be shown (again) whole
        }
        input = true;
      } while (SDL_PollEvent(&e) != 0);
    }
    {
      std::lock_guard lock(inbox_m_);
      for (auto it = inbox_commands_.begin(); it != inbox_commands_.end();) {
        if (it->value("cmd", "") == "window-quit") {
          quit_ = true;
          it = inbox_commands_.erase(it);
        } else {
          ++it;
        }
      }
    }
    drain_inbox();
    const bool fresh_video = update_video();
    const std::int64_t second = unix_ms() / 1000;
    const bool tick = second != last_second_;
    last_second_ = second;
    if (model_->revision() != last_revision_) {
      last_revision_ = model_->revision();
      redraws_wanted_ = std::max<std::uint64_t>(redraws_wanted_, 2);
    }
    if (input) {
      redraws_wanted_ = std::max<std::uint64_t>(redraws_wanted_, 3);  // hover/active settle
    }
    const bool wanted = tick || redraws_wanted_ > 0 || !input_script_.empty();
    // Only video came: the last frame built is drawn again with the new pictures, without
    // building it (0.2 ms of the UI thread's 0.65 ms a frame during a call), while it is
    // fresh enough for ImGui's own clock (the text cursor's blink) and names no texture
    // that was replaced since.
    const ImDrawData* last = ImGui::GetDrawData();
    const bool reuse = fresh_video && !wanted && !textures_recreated_ && !redraw_.invalidated() &&
                       last != nullptr && last->Valid && Clock::now() - last_build_ < kRebuildEvery;
    if (fresh_video || wanted || !pending_screenshots_.empty()) {
      frame(/*build=*/!reuse);  // a screenshot is of whatever the frame shows
      if (redraws_wanted_ > 0) {
        --redraws_wanted_;
      }
    }
    update_ringer();
  }
  ringer_.play(Ringer::Tone::kNone);
  config_.window_width = 0;
  SDL_GetWindowSize(window_, &config_.window_width, &config_.window_height);
  if (!fullscreen_ && !config_.jid.empty()) {
    (void)store::save_config(config_path_, config_);
  }
  stdin_reader.reset();
  stop_session();
  return 0;
}

}  // namespace jcall::app::window
