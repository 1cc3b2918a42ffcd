// Reads stdin lines on a thread of its own and hands each to a callback on that thread (the
// callback posts it on: Session::post_command is thread-safe). Polls so that the destructor
// can stop it within 100 ms even when nothing comes.
#pragma once

#include <atomic>
#include <cerrno>
#include <functional>
#include <poll.h>
#include <string>
#include <thread>
#include <unistd.h>

namespace jcall::app {

class StdinReader {
 public:
  explicit StdinReader(std::function<void(std::string)> on_line)
      : thread_([this, on_line = std::move(on_line)] {
          std::string buffer;
          char chunk[4096];
          while (!stop_) {
            pollfd pfd{STDIN_FILENO, POLLIN, 0};
            const int r = ::poll(&pfd, 1, 100);
            if (r < 0 && errno != EINTR) {
              break;
            }
            if (r <= 0) {
              continue;
            }
            const ssize_t n = ::read(STDIN_FILENO, chunk, sizeof(chunk));
            if (n <= 0) {
              break;
            }
            buffer.append(chunk, static_cast<std::size_t>(n));
            std::size_t nl;
            while ((nl = buffer.find('\n')) != std::string::npos) {
              on_line(buffer.substr(0, nl));
              buffer.erase(0, nl + 1);
            }
          }
        }) {}
  ~StdinReader() {
    stop_ = true;
    thread_.join();
  }
  StdinReader(const StdinReader&) = delete;
  StdinReader& operator=(const StdinReader&) = delete;

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace jcall::app
