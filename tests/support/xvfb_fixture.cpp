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
#include <sstream>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

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

// The first executable `name` in PATH, or "".
std::string find_in_path(const std::string& name) {
  const char* env = std::getenv("PATH");
  std::stringstream dirs(env != nullptr ? env : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return "";
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
  const int log_fd = ::mkostemp(log_template.data(), O_CLOEXEC);
  if (log_fd < 0) {
    return fail(std::string("mkostemp: ") + std::strerror(errno));
  }
  server->log_path_ = log_template;
  int pipe_fds[2] = {-1, -1};
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    ::close(log_fd);
    return fail(std::string("pipe2: ") + std::strerror(errno));
  }

  const std::string screen = std::to_string(width) + "x" + std::to_string(height) + "x24";
  // The unix socket stays: X clients (SDL) connect through it. No TCP listener.
  std::vector<std::string> args = {
      "Xvfb", "-displayfd", std::to_string(kDisplayFd), "-screen", "0", screen, "-nolisten", "tcp"};
  std::vector<char*> argv;
  for (auto& a : args) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  const std::string path = find_in_path("Xvfb");
  if (path.empty()) {
    ::close(log_fd);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    return fail("no Xvfb in PATH (tools/install-deps installs the xvfb package)");
  }
  // fork + exec rather than posix_spawn, to ask the kernel to stop Xvfb if we die first
  // (PR_SET_PDEATHSIG: an interrupted test or benchmark leaves no X server behind). Between
  // the two only async-signal-safe calls: everything above is ready before the fork.
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (::prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || ::getppid() != parent) {
      ::_exit(126);  // the parent is already gone
    }
    const int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null < 0 || ::dup2(null, STDIN_FILENO) < 0 || ::dup2(log_fd, STDOUT_FILENO) < 0 ||
        ::dup2(log_fd, STDERR_FILENO) < 0 || ::dup2(pipe_fds[1], kDisplayFd) < 0 ||
        ::fcntl(kDisplayFd, F_SETFD, 0) != 0) {
      ::_exit(126);
    }
    // The copies on 0, 1, 2 and kDisplayFd stay open in Xvfb (dup2 clears close-on-exec, and
    // the fcntl for when the pipe's end already was kDisplayFd); the originals close at exec.
    ::execv(path.c_str(), argv.data());
    ::_exit(127);
  }
  const int fork_errno = errno;
  ::close(log_fd);
  ::close(pipe_fds[1]);
  if (pid < 0) {
    ::close(pipe_fds[0]);
    return fail(std::string("fork: ") + std::strerror(fork_errno));
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
