// Test support: a private Xvfb (see xvfb_fixture.hpp).
#include "support/xvfb_fixture.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <poll.h>
#include <spawn.h>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace jcall::test {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// The descriptor number Xvfb gets the pipe's write end on (-displayfd).
constexpr int kDisplayFd = 9;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Waits (bounded) for pid to exit; true once it is reaped.
bool reap(pid_t pid, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && errno != EINTR)) {
      return true;
    }
    if (Clock::now() >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
}

// SIGTERM (Xvfb then removes its socket and lock file), SIGKILL if it lingers.
void stop(pid_t pid) {
  ::kill(pid, SIGTERM);
  if (!reap(pid, milliseconds(5000))) {
    ::kill(pid, SIGKILL);
    reap(pid, milliseconds(5000));
  }
}

}  // namespace

std::unique_ptr<XvfbServer> XvfbServer::start(int width,
                                              int height,
                                              std::string* error,
                                              std::chrono::milliseconds timeout) {
  std::unique_ptr<XvfbServer> server(new XvfbServer());
  auto fail = [&](const std::string& why) -> std::unique_ptr<XvfbServer> {
    std::string log = server->log_path_.empty() ? "" : read_file(server->log_path_);
    if (error != nullptr) {
      *error = "Xvfb: " + why + (log.empty() ? "" : "\nXvfb's stderr:\n" + log);
    }
    return nullptr;  // the destructor stops the server and removes the log
  };

  std::string log_template = "/tmp/jcall-xvfb-XXXXXX";
  const int log_fd = ::mkstemp(log_template.data());
  if (log_fd < 0) {
    return fail(std::string("mkstemp: ") + std::strerror(errno));
  }
  server->log_path_ = log_template;
  int pipe_fds[2] = {-1, -1};
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    ::close(log_fd);
    return fail(std::string("pipe2: ") + std::strerror(errno));
  }

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, log_fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, log_fd, STDERR_FILENO);
  // dup2 onto a fixed number clears O_CLOEXEC on the copy; the originals close at exec.
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], kDisplayFd);
  const std::string screen = std::to_string(width) + "x" + std::to_string(height) + "x24";
  // The unix socket stays: X clients (SDL) connect through it. No TCP listener.
  std::vector<std::string> args = {
      "Xvfb", "-displayfd", std::to_string(kDisplayFd), "-screen", "0", screen, "-nolisten", "tcp"};
  std::vector<char*> argv;
  for (auto& a : args) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, "Xvfb", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(log_fd);
  ::close(pipe_fds[1]);
  if (rc != 0) {
    ::close(pipe_fds[0]);
    return fail(std::string("posix_spawnp Xvfb: ") + std::strerror(rc) +
                " (tools/install-deps installs the xvfb package)");
  }
  server->pid_ = pid;

  // Xvfb writes "N\n" to the descriptor once it accepts connections.
  std::string got;
  const auto deadline = Clock::now() + timeout;
  while (got.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      ::close(pipe_fds[0]);
      return fail("no display number within " + std::to_string(timeout.count()) + " ms");
    }
    pollfd p{pipe_fds[0], POLLIN, 0};
    const int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 1000)));
    if (n < 0 && errno != EINTR) {
      ::close(pipe_fds[0]);
      return fail(std::string("poll: ") + std::strerror(errno));
    }
    if (n <= 0) {
      continue;
    }
    char buf[32];
    const ssize_t r = ::read(pipe_fds[0], buf, sizeof buf);
    if (r <= 0) {
      ::close(pipe_fds[0]);
      return fail("it exited before naming a display");
    }
    got.append(buf, static_cast<std::size_t>(r));
  }
  ::close(pipe_fds[0]);
  const std::string number = got.substr(0, got.find('\n'));
  if (number.empty() || number.find_first_not_of("0123456789") != std::string::npos) {
    return fail("it named no display number: '" + got + "'");
  }
  server->display_ = ":" + number;
  return server;
}

XvfbServer::~XvfbServer() {
  if (pid_ > 0) {
    stop(pid_);
  }
  if (!log_path_.empty()) {
    std::remove(log_path_.c_str());
  }
}

}  // namespace jcall::test
