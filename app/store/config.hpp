// The jcall window's settings, kept as JSON in the XDG config directory
// (XDG Base Directory Specification 0.8: $XDG_CONFIG_HOME, else ~/.config; $XDG_DATA_HOME,
// else ~/.local/share; a relative value is ignored). Never holds a password: that is
// secrets.hpp's, and only when the user asks.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.hpp"

namespace jcall::app::store {

struct AppConfig {
  std::string jid;
  std::string server_host;  // empty: SRV / the JID's domain
  std::uint16_t server_port = 0;
  std::string cafile;  // extra trust anchor, empty: system store
  bool remember_password = false;
  std::string microphone, speaker, camera;  // device names chosen by the user; empty: default
  float ui_scale = 0;                       // 0: from the display DPI
  int window_width = 1280, window_height = 800;
};

std::string config_dir();  // $XDG_CONFIG_HOME/jcall, else $HOME/.config/jcall
std::string data_dir();    // $XDG_DATA_HOME/jcall, else $HOME/.local/share/jcall

// A missing file gives the defaults; a malformed one (not JSON, not an object, a key with a
// value of the wrong type or out of range) is an error naming the file and the problem.
// Unknown keys are ignored.
Result<AppConfig> load_config(const std::string& path);
// JSON, written to a temporary file then renamed; mode 0600; the directory is created 0700.
Result<void> save_config(const std::string& path, const AppConfig& c);

}  // namespace jcall::app::store
