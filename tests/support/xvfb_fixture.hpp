// Test support: a private X server (Xvfb) for the window's end-to-end tests and benchmark. It
// picks a free display itself (-displayfd: the server writes the number it took once it
// accepts clients), listens on its unix socket only (no TCP), is stopped and reaped by the
// destructor, and is stopped by the kernel if the process that started it dies first.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <sys/types.h>

namespace jcall::test {

class XvfbServer {
 public:
  // Starts `Xvfb -displayfd N -screen 0 WxHx24 -nolisten tcp` and waits (bounded) until it
  // names its display. Returns nullptr with the reason (and Xvfb's stderr) in *error.
  static std::unique_ptr<XvfbServer> start(
      int width,
      int height,
      std::string* error = nullptr,
      std::chrono::milliseconds timeout = std::chrono::seconds(20));

  ~XvfbServer();
  XvfbServer(const XvfbServer&) = delete;
  XvfbServer& operator=(const XvfbServer&) = delete;

  // ":N", for DISPLAY.
  const std::string& display() const { return display_; }
  pid_t pid() const { return pid_; }

 private:
  XvfbServer() = default;

  pid_t pid_ = -1;
  std::string display_;
  std::string log_path_;  // Xvfb's stderr
};

}  // namespace jcall::test
