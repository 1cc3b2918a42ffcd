// Test support: private Prosody (tools/local-server) and child processes.
#include "support/prosody_fixture.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace jcall::test {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kScriptStartTimeout{30000};
constexpr milliseconds kScriptStopTimeout{15000};

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 1000 * 1000));
}

void close_fd(int& fd) {
  if (fd >= 0) {
    ::close(fd);
    fd = -1;
  }
}

// Owns the posix_spawn attribute objects for one spawn call.
struct SpawnSetup {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

std::vector<std::string> merged_environment(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  auto name_of = [](const std::string& entry) { return entry.substr(0, entry.find('=')); };
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string entry(*e);
    const std::string name = name_of(entry);
    bool overridden = std::any_of(extra.begin(), extra.end(),
                                  [&](const std::string& x) { return name_of(x) == name; });
    if (!overridden) {
      env.push_back(std::move(entry));
    }
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings) {
    out.push_back(s.data());
  }
  out.push_back(nullptr);
  return out;
}

bool keep_test_dirs() {
  const char* keep = std::getenv("JCALL_KEEP_TEST_DIRS");
  return keep != nullptr && std::string(keep) == "1";
}

// Runs tools/local-server with args; returns its exit code (or -1) and its
// combined stdout+stderr lines.
int run_script(const std::vector<std::string>& args,
               milliseconds timeout,
               std::vector<std::string>& lines,
               std::string& error) {
  ChildProcess::Options opts;
  opts.argv.push_back(local_server_script());
  opts.argv.insert(opts.argv.end(), args.begin(), args.end());
  opts.merge_stderr = true;
  opts.close_stdin = true;
  auto child = ChildProcess::spawn(std::move(opts), &error);
  if (!child) {
    return -1;
  }
  const auto deadline = Clock::now() + timeout;
  while (auto line = child->read_line(milliseconds(remaining_ms(deadline)))) {
    lines.push_back(std::move(*line));
  }
  auto status = child->wait(milliseconds(std::max(remaining_ms(deadline), 1000)));
  if (!status) {
    error = "tools/local-server did not finish within " + std::to_string(timeout.count()) + " ms";
    return -1;
  }
  if (!WIFEXITED(*status)) {
    error = "tools/local-server killed by a signal";
    return -1;
  }
  return WEXITSTATUS(*status);
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) {
    out += l;
    out += '\n';
  }
  return out;
}

}  // namespace

std::string local_server_script() {
  return std::string(JCALL_SOURCE_DIR) + "/tools/local-server";
}

// ---------------------------------------------------------------- ChildProcess

std::unique_ptr<ChildProcess> ChildProcess::spawn(Options options, std::string* error) {
  auto fail = [&](const std::string& what, int err) -> std::unique_ptr<ChildProcess> {
    if (error != nullptr) {
      *error = what + ": " + std::strerror(err);
    }
    return nullptr;
  };
  if (options.argv.empty()) {
    return fail("spawn", EINVAL);
  }
  int in_pipe[2] = {-1, -1};
  int out_pipe[2] = {-1, -1};
  if (!options.close_stdin && ::pipe2(in_pipe, O_CLOEXEC) != 0) {
    return fail("pipe2", errno);
  }
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    int err = errno;
    close_fd(in_pipe[0]);
    close_fd(in_pipe[1]);
    return fail("pipe2", err);
  }

  SpawnSetup setup;
  if (options.close_stdin) {
    posix_spawn_file_actions_addopen(&setup.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  } else {
    posix_spawn_file_actions_adddup2(&setup.actions, in_pipe[0], STDIN_FILENO);
  }
  posix_spawn_file_actions_adddup2(&setup.actions, out_pipe[1], STDOUT_FILENO);
  if (options.merge_stderr) {
    posix_spawn_file_actions_adddup2(&setup.actions, out_pipe[1], STDERR_FILENO);
  }
  // The child starts with default signal dispositions and an empty mask, even
  // if this test process ignores SIGPIPE.
  sigset_t all;
  sigset_t none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&setup.attr, &all);
  posix_spawnattr_setsigmask(&setup.attr, &none);
  posix_spawnattr_setflags(&setup.attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  std::vector<std::string> argv_strings = std::move(options.argv);
  std::vector<std::string> env_strings = merged_environment(options.env);
  std::vector<char*> argv = c_strings(argv_strings);
  std::vector<char*> envp = c_strings(env_strings);

  pid_t pid = -1;
  int rc = posix_spawnp(&pid, argv[0], &setup.actions, &setup.attr, argv.data(), envp.data());
  close_fd(in_pipe[0]);
  close_fd(out_pipe[1]);
  if (rc != 0) {
    close_fd(in_pipe[1]);
    close_fd(out_pipe[0]);
    return fail("posix_spawnp " + argv_strings[0], rc);
  }
  // Writing to a child that has exited must fail with EPIPE, not kill us.
  ::signal(SIGPIPE, SIG_IGN);

  std::unique_ptr<ChildProcess> child(new ChildProcess());
  child->pid_ = pid;
  child->stdin_fd_ = in_pipe[1];
  child->stdout_fd_ = out_pipe[0];
  if (child->stdin_fd_ >= 0) {
    ::fcntl(child->stdin_fd_, F_SETFL, ::fcntl(child->stdin_fd_, F_GETFL) | O_NONBLOCK);
  }
  ::fcntl(child->stdout_fd_, F_SETFL, ::fcntl(child->stdout_fd_, F_GETFL) | O_NONBLOCK);
  return child;
}

ChildProcess::~ChildProcess() {
  kill();
  close_fd(stdin_fd_);
  close_fd(stdout_fd_);
}

bool ChildProcess::write_stdin(const std::string& data, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::size_t done = 0;
  while (done < data.size()) {
    if (stdin_fd_ < 0) {
      return false;
    }
    ssize_t n = ::write(stdin_fd_, data.data() + done, data.size() - done);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0 && errno != EAGAIN) {
      return false;  // EPIPE: the child closed its stdin
    }
    pollfd p{stdin_fd_, POLLOUT, 0};
    int left = remaining_ms(deadline);
    if (left == 0 || ::poll(&p, 1, left) == 0) {
      return false;
    }
  }
  return true;
}

void ChildProcess::close_stdin() {
  close_fd(stdin_fd_);
}

// Reads what is available into buffer_ until a '\n' is buffered, EOF, or the
// deadline. Returns true if a full line (or the final partial line) is ready.
bool ChildProcess::fill(Clock::time_point deadline) {
  for (;;) {
    if (buffer_.find('\n') != std::string::npos || (eof_ && !buffer_.empty())) {
      return true;
    }
    if (eof_ || stdout_fd_ < 0) {
      return false;
    }
    char chunk[4096];
    ssize_t n = ::read(stdout_fd_, chunk, sizeof chunk);
    if (n > 0) {
      buffer_.append(chunk, static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0) {
      eof_ = true;
      continue;
    }
    if (errno == EINTR) {
      continue;
    }
    if (errno != EAGAIN) {
      eof_ = true;
      continue;
    }
    pollfd p{stdout_fd_, POLLIN, 0};
    int left = remaining_ms(deadline);
    if (left == 0) {
      return false;
    }
    int rc = ::poll(&p, 1, left);
    if (rc == 0) {
      return false;
    }
    if (rc < 0 && errno != EINTR) {
      eof_ = true;
    }
  }
}

std::optional<std::string> ChildProcess::read_line(milliseconds timeout) {
  if (!fill(Clock::now() + timeout)) {
    return std::nullopt;
  }
  std::size_t nl = buffer_.find('\n');
  std::string line = buffer_.substr(0, nl);
  buffer_.erase(0, nl == std::string::npos ? buffer_.size() : nl + 1);
  return line;
}

std::string ChildProcess::read_all(milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::string out;
  while (auto line = read_line(milliseconds(remaining_ms(deadline)))) {
    out += *line;
    out += '\n';
  }
  return out;
}

std::optional<int> ChildProcess::wait(milliseconds timeout) {
  if (status_) {
    return status_;
  }
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      status_ = status;
      return status_;
    }
    if (r < 0 && errno != EINTR) {
      status_ = -1;  // not our child any more (should not happen)
      return status_;
    }
    if (Clock::now() >= deadline) {
      return std::nullopt;
    }
    std::this_thread::sleep_for(milliseconds(5));
  }
}

void ChildProcess::kill() {
  if (status_ || pid_ <= 0) {
    return;
  }
  ::kill(pid_, SIGKILL);
  if (!wait(milliseconds(5000))) {
    std::cerr << "ChildProcess: pid " << pid_ << " not reaped 5 s after SIGKILL\n";
  }
}

// --------------------------------------------------------------- ProsodyServer

std::unique_ptr<ProsodyServer> ProsodyServer::start(Options options, std::string* error) {
  auto fail = [&](const std::string& why) -> std::unique_ptr<ProsodyServer> {
    std::cerr << "ProsodyServer::start: " << why << '\n';
    if (error != nullptr) {
      *error = why;
    }
    return nullptr;
  };

  std::string base = "/tmp";
  if (const char* tmp = std::getenv("TMPDIR"); tmp != nullptr && *tmp != '\0') {
    base = tmp;
  }
  std::string templ = base + "/jcall-prosody-XXXXXX";
  if (::mkdtemp(templ.data()) == nullptr) {
    return fail("mkdtemp " + templ + ": " + std::strerror(errno));
  }

  std::unique_ptr<ProsodyServer> server(new ProsodyServer());
  server->dir_ = templ;

  std::vector<std::string> args = {"start",
                                   "--dir",
                                   server->dir_,
                                   "--hibernation",
                                   std::to_string(options.hibernation_s),
                                   "--turn-port",
                                   std::to_string(options.turn_port)};
  for (const auto& [user, pass] : options.accounts) {
    args.push_back("--account");
    args.push_back(user + ":" + pass);
  }
  if (!options.cert_host.empty()) {
    args.push_back("--cert-host");
    args.push_back(options.cert_host);
  }
  if (!options.tls) {
    args.push_back("--no-tls");
  }
  // JCALL_TEST_PROSODY_LOG=debug logs every stanza (for finding out why a test failed).
  if (const char* level = std::getenv("JCALL_TEST_PROSODY_LOG"); level != nullptr && *level) {
    args.push_back("--log-level");
    args.push_back(level);
  }

  std::vector<std::string> lines;
  std::string spawn_error;
  // From here on the destructor stops whatever did start and removes the dir.
  server->running_ = true;
  int rc = run_script(args, kScriptStartTimeout, lines, spawn_error);
  if (rc != 0) {
    return fail("tools/local-server start failed (exit " + std::to_string(rc) + ") " + spawn_error +
                "\n" + join_lines(lines));
  }
  for (const auto& line : lines) {
    auto eq = line.find('=');
    if (eq == std::string::npos) {
      continue;
    }
    const std::string key = line.substr(0, eq);
    const std::string value = line.substr(eq + 1);
    if (key == "port") {
      server->port_ = std::atoi(value.c_str());
    } else if (key == "pid") {
      server->pid_ = static_cast<pid_t>(std::atoi(value.c_str()));
    } else if (key == "domain") {
      server->domain_ = value;
    } else if (key == "cafile") {
      server->cafile_ = value;
    } else if (key == "other_cafile") {
      server->other_cafile_ = value;
    }
  }
  if (server->port_ <= 0 || server->pid_ <= 0 || server->domain_.empty() ||
      server->cafile_.empty() || server->other_cafile_.empty()) {
    return fail("unexpected output from tools/local-server start:\n" + join_lines(lines));
  }
  return server;
}

ProsodyServer::~ProsodyServer() {
  stop();
  if (dir_.empty()) {
    return;
  }
  if (keep_test_dirs()) {
    std::cerr << "ProsodyServer: keeping " << dir_ << " (JCALL_KEEP_TEST_DIRS=1)\n";
    return;
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void ProsodyServer::stop() {
  if (!running_) {
    return;
  }
  running_ = false;
  std::vector<std::string> lines;
  std::string error;
  int rc = run_script({"stop", "--dir", dir_}, kScriptStopTimeout, lines, error);
  if (rc != 0) {
    std::cerr << "ProsodyServer: tools/local-server stop failed (exit " << rc << ") " << error
              << '\n'
              << join_lines(lines);
  }
}

std::string ProsodyServer::log_tail(std::size_t lines) const {
  std::ifstream in(dir_ + "/prosody.log");
  std::deque<std::string> tail;
  std::string line;
  while (std::getline(in, line)) {
    tail.push_back(std::move(line));
    if (tail.size() > lines) {
      tail.pop_front();
    }
  }
  std::string out;
  for (const auto& l : tail) {
    out += l;
    out += '\n';
  }
  return out;
}

}  // namespace jcall::test
