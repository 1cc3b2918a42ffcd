// One account on the signaling thread: the XMPP client, its calls (HeadlessCalls: the call
// controller with the media engine) and the JSON control channel around them. Events go out as
// JSON objects ({"event": ...}), commands come in as JSON lines ({"cmd": ...}). The headless
// mode prints the events and reads the commands from stdin; the window consumes the same events
// to build what it shows and sends the same commands for what the user does, so every user
// action has a scriptable equivalent and the tests drive the window the way a user would.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "app/options.hpp"
#include "media/pipeline/devices.hpp"
#include "media/pipeline/frame_mailbox.hpp"

namespace jcall::app {

// The decoded video of a call's video content, and what we send on it (self-view), for the
// window. Either mailbox may be null (no video received yet, or nothing sent).
struct VideoFeed {
  std::string sid;
  std::string content;
  std::shared_ptr<media::FrameMailbox> remote;
  std::shared_ptr<media::FrameMailbox> self;
};

class Session {
 public:
  using json = nlohmann::ordered_json;
  struct Hooks {
    // Every event, with its "t_ms" (signaling thread).
    std::function<void(const json&)> event;
    // A command the session does not know (signaling thread): true when it was taken (the
    // window's own commands: screenshot, ui-state, ui-click, ...).
    std::function<bool(const json& cmd)> command;
    // A call's video started (signaling thread).
    std::function<void(const VideoFeed&)> video;
    // Microphones, speakers and cameras, now and on every hot-plug (media thread).
    std::function<void(std::vector<media::DeviceInfo>)> devices;
    // SIGINT/SIGTERM log out and end run() (the window leaves them to SDL).
    bool signals = true;
  };

  Session(const Options& options, Hooks hooks);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Runs until quit, --exit-after, or a final disconnect, on the calling thread, which becomes
  // the signaling thread. Returns the process exit status.
  int run();

  // Any thread.
  void post_command(std::string line);
  void post_command(const json& cmd) { post_command(cmd.dump()); }
  // Logs out (after the server acknowledged what was sent, bounded), then run() returns.
  void post_quit();
  // Stops at once (no logout): for a window closed while the server cannot be reached.
  void post_stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace jcall::app
