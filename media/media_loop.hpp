// The media thread (ARCHITECTURE.md "Threads"): one GMainLoop on a GMainContext owned here,
// pushed as the thread-default context before anything else runs on it, so every NiceAgent,
// bus watch and GSource made on this thread attaches to it (never to the global default).
// Other threads talk to it only by post().
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <thread>

#include <glib.h>

namespace jcall::media {

class MediaLoop {
 public:
  MediaLoop();   // starts the thread
  ~MediaLoop();  // stops the loop and joins; closures not yet run are dropped
  MediaLoop(const MediaLoop&) = delete;
  MediaLoop& operator=(const MediaLoop&) = delete;

  // Runs fn on the media thread (from any thread, also from the media thread: then later).
  void post(std::function<void()> fn);
  // Runs fn on the media thread and waits for it (not from the media thread).
  void run_sync(std::function<void()> fn);
  GMainContext* context() const { return ctx_; }
  bool on_media_thread() const { return std::this_thread::get_id() == thread_.get_id(); }

 private:
  std::shared_ptr<std::atomic<bool>> alive_ = std::make_shared<std::atomic<bool>>(true);
  GMainContext* ctx_ = nullptr;
  GMainLoop* loop_ = nullptr;
  std::thread thread_;
};

}  // namespace jcall::media
