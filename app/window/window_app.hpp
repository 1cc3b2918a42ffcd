// The jcall window (ARCHITECTURE.md "Threads": the UI thread is SDL's main thread). The session
// (signaling thread) and the media engine (media thread) run beside it; the window never waits
// on either. It receives the session's JSON events and video feeds through a queue drained
// once per frame, sends the user's actions as the session's JSON commands, and takes decoded
// video from the per-stream latest-frame mailboxes: each tells the window (an SDL event) when a
// frame came, and is told the pixels its video is shown in, so that the media side scales the
// frames down to that before converting them.
//
// Drawing: with a GPU, SDL's OpenGL renderer draws each changed frame whole. Without one (Mesa's
// llvmpipe), SDL's software renderer draws into the window's framebuffer, and a frame in which
// only the video changed draws and shows only the video's rectangles (redraw.hpp). A frame
// whose draw data and textures did not change is not drawn at all.
//
// With --json the window is scriptable like the headless mode: its events go to stdout and
// stdin takes the same commands, plus the window's own:
//   {"cmd":"screenshot","path":"F.png"}   the next frame as PNG -> {"event":"screenshot",...}
//   {"cmd":"ui-state"}                    the model, widgets, video and frame timing as JSON
//   {"cmd":"ui-click","target":"NAME"}    click a widget as a user would (NAME from ui-state)
//   {"cmd":"ui-type","text":"..."}        type text into the focused field
//   {"cmd":"ui-key","key":"enter|escape|tab","ctrl":bool,"shift":bool}
// The ui-* commands go through Dear ImGui's input (mouse position and button, characters,
// keys), so the widgets act exactly as for a person.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <SDL2/SDL.h>
#include <imgui/imgui.h>
#include <nlohmann/json.hpp>

#include "app/options.hpp"
#include "app/session.hpp"
#include "app/store/config.hpp"
#include "app/store/history.hpp"
#include "app/store/secrets.hpp"
#include "app/window/fonts.hpp"
#include "app/window/redraw.hpp"
#include "app/window/ringer.hpp"
#include "app/window/ui_model.hpp"
#include "media/pipeline/devices.hpp"

namespace jcall::app::window {

// Runs the window until it is closed (or "quit"). Returns the process exit status; 2 when no
// window can be opened (no display), with the reason on stderr.
int run_window(const Options& options);

class WindowApp {
 public:
  explicit WindowApp(const Options& options);
  ~WindowApp();
  int run();

 private:
  // A video stream on screen: its mailbox and texture.
  struct VideoView {
    std::shared_ptr<media::FrameMailbox> mailbox;
    SDL_Texture* texture = nullptr;
    int width = 0, height = 0;
    std::uint64_t presented = 0;          // frames drawn
    std::int64_t pending_decoded_ns = 0;  // the newest frame's decode time, until presented
    std::int64_t pending_put_ns = 0;      // and when it was due (put in the mailbox)
  };
  struct Feed {
    std::string sid, content;
    VideoView remote, self;
  };
  // One step of scripted input, applied to ImGui's io for one frame.
  struct InputStep {
    enum class Kind { kMove, kDown, kUp, kChars, kKeyDown, kKeyUp };
    explicit InputStep(Kind k) : kind(k) {}
    Kind kind;
    ImVec2 pos{};
    std::string text;
    int key = 0;         // SDL scancode, or the mouse button
    std::string target;  // a click's widget, looked up when the pointer moves
    int waited = 0;      // frames waited for the target to stand still
    ImVec4 rect{};       // where the target was when the pointer moved there
    int retries = 0;     // clicks started again because the layout moved
    bool ctrl = false, shift = false;
  };

  // Threads' inbox (any thread -> UI).
  void push_event(const json& ev);
  void push_feed(const VideoFeed& feed);
  void push_devices(std::vector<media::DeviceInfo> devices);
  bool push_window_command(const json& cmd);  // from the session (signaling thread)
  void print(const json& ev);                 // stdout with --json (any thread)

  bool init();
  bool create_renderer();
  void release(Feed& feed);
  void shutdown();
  void start_session(Options login);
  // The session's options from the login form (the command line's, with the form's account,
  // server and CA file); *error says what is wrong with the form, if anything.
  Options login_options(std::string* error) const;
  void stop_session();
  void drain_inbox();
  void handle_window_command(const json& cmd);
  void send(json cmd);  // to the session
  // Draws a frame: built with ImGui (build), or the last frame built drawn again where only
  // its video textures changed (its draw data stands until the next ImGui::NewFrame).
  void frame(bool build);
  bool update_video();
  bool present_video(VideoView& v);  // true when a new frame went into the texture
  void apply_input_script();
  void take_screenshot(const std::string& path);
  json ui_state() const;
  void update_ringer();
  // Tells the session which microphone, speaker and camera the next calls use: the command
  // line's, else the remembered ones when plugged in, else the system default, else (no such
  // device at all) the test signals, said in the settings.
  void apply_devices();
  void rebuild_fonts_if_needed();
  float detect_scale() const;

  // Views (views.cpp).
  void draw_login();
  void draw_main();
  void draw_sidebar(float width);
  void draw_contacts();
  void draw_call_history();
  void draw_add_contact_popup();
  void draw_call_area(const CallView& call, ImVec2 size);
  void draw_video(VideoView* remote, VideoView* self, const CallView& call, ImVec2 size);
  void draw_call_controls(const CallView& call);
  void draw_stats_overlay(const CallView& call, ImVec2 pos);
  void draw_chat(const std::string& peer, ImVec2 size);
  void draw_incoming_popup();
  void draw_settings();
  void draw_help();
  void handle_shortcuts();
  // Records the last item's rectangle under `name` (the targets of ui-click).
  void mark(const std::string& name);
  void text(std::string_view utf8, float wrap = 0);
  void call(const std::string& peer, bool video);
  Feed* feed_of(const std::string& sid);

  Options options_;  // the command line
  Options login_;    // what the session runs with (lives as long as it)
  store::AppConfig config_;
  std::string config_path_;
  std::optional<store::History> history_;
  std::unique_ptr<store::PasswordStore> passwords_;
  std::unique_ptr<UiModel> model_;
  std::unique_ptr<Session> session_;
  std::thread session_thread_;
  std::atomic<bool> session_running_{false};
  bool ever_online_ = false;
  bool user_stopped_ = false;  // the user signed out or cancelled the sign-in  // this session
                               // signed in once (else the login screen stays)

  SDL_Window* window_ = nullptr;
  SDL_Renderer* renderer_ = nullptr;
  std::string renderer_name_;
  std::string
      gl_renderer_;  // OpenGL's own name for what draws (e.g. "llvmpipe (LLVM 15.0.6, 256 bits)")
  // SDL's software renderer drawing into the window's framebuffer, which keeps its pixels
  // between presents: a frame draws and shows only what changed (see redraw.hpp).
  bool software_ = false;
  RedrawTracker redraw_;
  std::vector<ImTextureID> updated_textures_;  // since the last frame shown
  std::uint64_t full_frames_ = 0, partial_frames_ = 0, skipped_frames_ = 0;
  std::uint64_t reused_frames_ = 0;  // drawn from the last frame built
  std::chrono::steady_clock::time_point last_build_{};
  bool textures_recreated_ = false;  // since the last frame built (its draw data names the old)
  std::unique_ptr<FontManager> fonts_;
  std::vector<SDL_Texture*> emoji_textures_;
  Ringer ringer_;
  float scale_ = 1;
  bool quit_ = false;
  bool fullscreen_ = false;
  bool show_stats_ = false;
  bool show_help_ = false;
  bool show_settings_ = false;
  bool show_dtmf_ = false;
  bool show_add_contact_ = false;
  std::string title_;
  int unread_seen_ = 0;

  // Inbox.
  mutable std::mutex inbox_m_;
  std::vector<json> inbox_events_;
  std::vector<VideoFeed> inbox_feeds_;
  std::vector<json> inbox_commands_;
  std::optional<std::vector<media::DeviceInfo>> inbox_devices_;
  std::mutex print_m_;

  std::map<std::string, Feed> feeds_;  // by sid
  // The event a mailbox's listener pushes when a frame came (media threads), and whether one
  // is already waiting in SDL's queue.
  static constexpr std::uint32_t kNoEvent = 0xFFFFFFFF;
  // A frame is built at least this often while video plays (ImGui's clock: the cursor blink).
  static constexpr std::chrono::milliseconds kRebuildEvery{100};
  std::uint32_t frame_event_ = kNoEvent;
  std::shared_ptr<std::atomic<bool>> frame_wake_pending_ = std::make_shared<std::atomic<bool>>();
  std::vector<media::DeviceInfo> devices_;
  json devices_sent_;
  std::string devices_note_;

  // Login form.
  std::string form_jid_, form_password_, form_server_, form_cafile_;
  bool form_remember_ = false;
  std::string login_error_;
  bool auto_login_ = false;

  // Chat input per peer, and our chat state towards them.
  std::map<std::string, std::string> drafts_;
  std::map<std::string, std::string> sent_state_;
  std::map<std::string, std::chrono::steady_clock::time_point> last_typed_;
  bool focus_chat_input_ = false;
  std::string add_jid_, add_name_;
  std::string status_text_;
  int show_index_ = 0;

  // Scripted input and widget rectangles (last frame).
  std::deque<InputStep> input_script_;
  std::map<std::string, ImVec4> widgets_;
  std::map<std::string, ImVec4> widgets_building_;
  std::map<std::string, ImVec4> widgets_previous_;
  std::vector<std::string> pending_screenshots_;

  // Frame timing: frame time (build + render + present), frames per second, and the latency
  // from a video frame's decode to its present.
  std::deque<double> frame_ms_;
  std::deque<double> video_latency_ms_;
  std::deque<double> ui_latency_ms_;
  std::uint64_t frames_ = 0;
  std::chrono::steady_clock::time_point fps_window_start_;
  std::uint64_t fps_window_frames_ = 0;
  double fps_ = 0;
  std::uint64_t redraws_wanted_ = 2;
  std::chrono::steady_clock::time_point last_remote_frame_{};
  std::uint64_t last_revision_ = 0;
  std::int64_t last_second_ = 0;
};

}  // namespace jcall::app::window
