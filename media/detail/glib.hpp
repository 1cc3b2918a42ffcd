// Small RAII owners for GLib/GObject/GStreamer references (STYLE.md "Ownership"): adopting a
// reference we were given (transfer full) and taking a new one (transfer none) are two names,
// so every call site says which it is.
#pragma once

#include <functional>
#include <string>
#include <utility>

#include <glib-object.h>
#include <glib.h>

namespace jcall::media::detail {

// A GObject (NiceAgent, GstElement, GstBus, ...) reference.
template <class T>
class GObjectPtr {
 public:
  GObjectPtr() = default;
  static GObjectPtr adopt(T* p) { return GObjectPtr(p); }  // transfer full
  static GObjectPtr ref(T* p) {                            // transfer none
    if (p != nullptr)
      g_object_ref(p);
    return GObjectPtr(p);
  }
  ~GObjectPtr() { reset(); }
  GObjectPtr(GObjectPtr&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  GObjectPtr& operator=(GObjectPtr&& o) noexcept {
    if (this != &o) {
      reset();
      p_ = std::exchange(o.p_, nullptr);
    }
    return *this;
  }
  GObjectPtr(const GObjectPtr&) = delete;
  GObjectPtr& operator=(const GObjectPtr&) = delete;

  T* get() const { return p_; }
  explicit operator bool() const { return p_ != nullptr; }
  void reset() {
    if (p_ != nullptr)
      g_object_unref(std::exchange(p_, nullptr));
  }

 private:
  explicit GObjectPtr(T* p) : p_(p) {}
  T* p_ = nullptr;
};

// A gchar* from GLib (transfer full); empty string for nullptr.
inline std::string take_string(gchar* s) {
  std::string r = s != nullptr ? s : "";
  g_free(s);
  return r;
}

// A GError* out-parameter: the message, and the error freed.
class GErrorPtr {
 public:
  GErrorPtr() = default;
  ~GErrorPtr() {
    if (e_ != nullptr)
      g_error_free(e_);
  }
  GErrorPtr(const GErrorPtr&) = delete;
  GErrorPtr& operator=(const GErrorPtr&) = delete;
  GError** out() { return &e_; }
  explicit operator bool() const { return e_ != nullptr; }
  std::string message() const { return e_ != nullptr ? e_->message : ""; }

 private:
  GError* e_ = nullptr;
};

// A GSource attached to a context, destroyed (and unref'd) with the owner.
class SourcePtr {
 public:
  SourcePtr() = default;
  explicit SourcePtr(GSource* s) : s_(s) {}  // adopts the caller's reference
  ~SourcePtr() { reset(); }
  SourcePtr(SourcePtr&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  SourcePtr& operator=(SourcePtr&& o) noexcept {
    if (this != &o) {
      reset();
      s_ = std::exchange(o.s_, nullptr);
    }
    return *this;
  }
  SourcePtr(const SourcePtr&) = delete;
  SourcePtr& operator=(const SourcePtr&) = delete;
  explicit operator bool() const { return s_ != nullptr; }
  void reset() {
    if (s_ != nullptr) {
      g_source_destroy(s_);
      g_source_unref(std::exchange(s_, nullptr));
    }
  }

 private:
  GSource* s_ = nullptr;
};

// A one-shot or repeating timer on `ctx` (never the global default context): `fn` returns true
// to keep repeating. The returned owner cancels it.
SourcePtr add_timer(GMainContext* ctx, unsigned interval_ms, std::function<bool()> fn);

}  // namespace jcall::media::detail
