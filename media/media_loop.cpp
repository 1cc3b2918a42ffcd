// The media thread (media_loop.hpp).
#include "media/media_loop.hpp"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <utility>

namespace jcall::media {
namespace {

// A posted closure: it runs only while the loop is alive (after ~MediaLoop() the leftovers are
// dispatched once to free them, and do nothing).
struct Posted {
  std::function<void()> fn;
  std::shared_ptr<std::atomic<bool>> alive;
};

gboolean run_posted(gpointer data) noexcept {
  auto* p = static_cast<Posted*>(data);
  if (!p->alive->load())
    return G_SOURCE_REMOVE;
  auto* fn = &p->fn;
  try {
    (*fn)();
  } catch (...) {
    // A posted closure must not throw into GLib; dropping the exception keeps the loop alive.
  }
  return G_SOURCE_REMOVE;
}

void delete_posted(gpointer data) noexcept {
  delete static_cast<Posted*>(data);
}

}  // namespace

MediaLoop::MediaLoop() : ctx_(g_main_context_new()), loop_(g_main_loop_new(ctx_, FALSE)) {
  std::mutex m;
  std::condition_variable cv;
  bool running = false;
  thread_ = std::thread([&] {
    g_main_context_push_thread_default(ctx_);
    {
      std::lock_guard lock(m);
      running = true;
    }
    cv.notify_one();
    g_main_loop_run(loop_);
    g_main_context_pop_thread_default(ctx_);
  });
  std::unique_lock lock(m);
  cv.wait(lock, [&] { return running; });
}

MediaLoop::~MediaLoop() {
  // Quit from inside the loop, so a quit before the loop started running is not lost.
  post([this] { g_main_loop_quit(loop_); });
  thread_.join();
  alive_->store(false);
  // Drain what was posted and never ran (frees the closures).
  while (g_main_context_pending(ctx_))
    g_main_context_iteration(ctx_, FALSE);
  g_main_loop_unref(loop_);
  g_main_context_unref(ctx_);
}

void MediaLoop::post(std::function<void()> fn) {
  GSource* s = g_idle_source_new();
  g_source_set_priority(s, G_PRIORITY_DEFAULT);
  g_source_set_callback(s, &run_posted, new Posted{std::move(fn), alive_}, &delete_posted);
  g_source_attach(s, ctx_);
  g_source_unref(s);
}

void MediaLoop::run_sync(std::function<void()> fn) {
  std::mutex m;
  std::condition_variable cv;
  bool done = false;
  post([&] {
    fn();
    std::lock_guard lock(m);
    done = true;
    cv.notify_one();
  });
  std::unique_lock lock(m);
  cv.wait(lock, [&] { return done; });
}

}  // namespace jcall::media
