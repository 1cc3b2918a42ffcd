// The jcall window's settings (config.hpp).
#include "app/store/config.hpp"

#include <cstdlib>
#include <limits>
#include <pwd.h>
#include <unistd.h>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/store/detail/files.hpp"
#include "app/store/errc.hpp"

namespace jcall::app::store {
namespace {

using nlohmann::json;

constexpr const char* kWhat = "the configuration file";

std::string home_dir() {
  if (const char* home = std::getenv("HOME"); home && *home)
    return home;
  // No $HOME (a service, a stripped environment): the password database's entry.
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  if (::getpwuid_r(::geteuid(), &pw, buf.data(), buf.size(), &found) == 0 && found && found->pw_dir)
    return found->pw_dir;
  return "/";
}

// $VAR/jcall when VAR holds an absolute path, else ~/<fallback>/jcall.
std::string xdg_dir(const char* var, const char* fallback) {
  if (const char* v = std::getenv(var); v && v[0] == '/')
    return std::string(v) + "/jcall";
  std::string home = home_dir();
  if (home.size() > 1 && home.back() == '/')
    home.pop_back();
  return (home == "/" ? "" : home) + "/" + fallback + "/jcall";
}

Error malformed(const std::string& path, const std::string& problem) {
  return make_error(Errc::malformed_file, "the configuration file " + path + " " + problem);
}

// Reads `key` into `out` when present; a value of the wrong type or range is an error.
Result<void> get_string(const json& j, const char* key, std::string& out, const std::string& path) {
  auto it = j.find(key);
  if (it == j.end())
    return {};
  if (!it->is_string())
    return malformed(path, std::string("is not valid: \"") + key + "\" must be a string");
  out = it->get<std::string>();
  return {};
}

Result<void> get_bool(const json& j, const char* key, bool& out, const std::string& path) {
  auto it = j.find(key);
  if (it == j.end())
    return {};
  if (!it->is_boolean())
    return malformed(path, std::string("is not valid: \"") + key + "\" must be true or false");
  out = it->get<bool>();
  return {};
}

Result<void> get_int(const json& j,
                     const char* key,
                     std::int64_t min,
                     std::int64_t max,
                     std::int64_t& out,
                     const std::string& path) {
  auto it = j.find(key);
  if (it == j.end())
    return {};
  bool ok = false;
  if (it->is_number_unsigned()) {
    auto v = it->get<std::uint64_t>();
    ok = v <= static_cast<std::uint64_t>(max) && static_cast<std::int64_t>(v) >= min;
    out = ok ? static_cast<std::int64_t>(v) : out;
  } else if (it->is_number_integer()) {
    auto v = it->get<std::int64_t>();
    ok = v >= min && v <= max;
    out = ok ? v : out;
  }
  if (!ok)
    return malformed(path, std::string("is not valid: \"") + key +
                               "\" must be a whole number from " + std::to_string(min) + " to " +
                               std::to_string(max));
  return {};
}

}  // namespace

std::string config_dir() {
  return xdg_dir("XDG_CONFIG_HOME", ".config");
}

std::string data_dir() {
  return xdg_dir("XDG_DATA_HOME", ".local/share");
}

Result<AppConfig> load_config(const std::string& path) {
  auto file = detail::read_file(path, kWhat);
  if (!file)
    return file.error();
  AppConfig c;
  if (!*file)
    return c;
  json j;
  try {
    j = json::parse((*file)->bytes);
  } catch (const json::parse_error& e) {
    // e.what() is "[json.exception.parse_error.101] parse error at line 1, column 2: ...".
    std::string why = e.what();
    if (auto close = why.find("] "); why.starts_with("[json.") && close != std::string::npos)
      why.erase(0, close + 2);
    return malformed(path, "is not valid JSON: " + why);
  }
  if (!j.is_object())
    return malformed(path, "is not valid: it must be a JSON object ({...})");

  std::int64_t port = c.server_port, width = c.window_width, height = c.window_height;
  for (auto r :
       {get_string(j, "jid", c.jid, path), get_string(j, "server_host", c.server_host, path),
        get_int(j, "server_port", 0, 65535, port, path), get_string(j, "cafile", c.cafile, path),
        get_bool(j, "remember_password", c.remember_password, path),
        get_string(j, "microphone", c.microphone, path), get_string(j, "speaker", c.speaker, path),
        get_string(j, "camera", c.camera, path), get_int(j, "window_width", 1, 100000, width, path),
        get_int(j, "window_height", 1, 100000, height, path)}) {
    if (!r)
      return r.error();
  }
  c.server_port = static_cast<std::uint16_t>(port);
  c.window_width = static_cast<int>(width);
  c.window_height = static_cast<int>(height);
  if (auto it = j.find("ui_scale"); it != j.end()) {
    double scale = it->is_number() ? it->get<double>() : -1;
    if (!(scale == 0 || (scale >= 0.25 && scale <= 8)))
      return malformed(path,
                       "is not valid: \"ui_scale\" must be 0 (from the display) or a number "
                       "from 0.25 to 8");
    c.ui_scale = static_cast<float>(scale);
  }
  return c;
}

Result<void> save_config(const std::string& path, const AppConfig& c) {
  json j = {
      {"jid", c.jid},
      {"server_host", c.server_host},
      {"server_port", c.server_port},
      {"cafile", c.cafile},
      {"remember_password", c.remember_password},
      {"microphone", c.microphone},
      {"speaker", c.speaker},
      {"camera", c.camera},
      {"ui_scale", c.ui_scale},
      {"window_width", c.window_width},
      {"window_height", c.window_height},
  };
  std::string text;
  try {
    text = j.dump(2) + "\n";
  } catch (const json::type_error&) {
    // Only invalid UTF-8 in a string makes dump() throw.
    return make_error(Errc::invalid_argument, "cannot write " + std::string(kWhat) + " " + path +
                                                  ": a setting is not valid UTF-8 text");
  }
  return detail::write_private_file(path, text, kWhat);
}

}  // namespace jcall::app::store
