// GLib helpers (glib.hpp).
#include "media/detail/glib.hpp"

#include <memory>

namespace jcall::media::detail {
namespace {

gboolean fire(gpointer data) noexcept {
  auto* fn = static_cast<std::function<bool()>*>(data);
  try {
    return (*fn)() ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
  } catch (...) {
    return G_SOURCE_REMOVE;  // no exception crosses into GLib
  }
}

void destroy(gpointer data) noexcept {
  delete static_cast<std::function<bool()>*>(data);
}

}  // namespace

SourcePtr add_timer(GMainContext* ctx, unsigned interval_ms, std::function<bool()> fn) {
  GSource* s = g_timeout_source_new(interval_ms);
  g_source_set_callback(s, &fire, new std::function<bool()>(std::move(fn)), &destroy);
  g_source_attach(s, ctx);
  return SourcePtr(s);
}

}  // namespace jcall::media::detail
