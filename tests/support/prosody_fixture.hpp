// Test support: a private Prosody per test suite (tools/local-server) and child
// processes (jcall --headless, openssl s_client) with bounded waits.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <sys/types.h>
#include <utility>
#include <vector>

namespace jcall::test {

// A child process started with posix_spawnp. Its stdin and stdout are pipes
// owned here; stderr is inherited unless merged into stdout. Every wait is
// bounded by the caller's timeout. The destructor sends SIGKILL if the child
// still runs and reaps it.
class ChildProcess {
 public:
  struct Options {
    std::vector<std::string> argv;  // argv[0] is looked up in PATH
    // Extra environment entries "NAME=value"; they override inherited ones.
    std::vector<std::string> env;
    bool merge_stderr = false;  // send the child's stderr into the stdout pipe
    bool close_stdin = false;   // give the child an already closed stdin (EOF)
  };

  // Returns nullptr (and an explanation in *error, if given) on failure.
  static std::unique_ptr<ChildProcess> spawn(Options options, std::string* error = nullptr);

  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }

  // Writes all of data to the child's stdin; false if the pipe is closed or
  // the child does not read within the timeout.
  bool write_stdin(const std::string& data,
                   std::chrono::milliseconds timeout = std::chrono::seconds(5));
  void close_stdin();

  // One line of stdout without its '\n'; nullopt on timeout, or at EOF when no
  // partial line remains (a final line without '\n' is returned at EOF).
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);
  // Everything until EOF or the deadline (whatever arrived is returned).
  std::string read_all(std::chrono::milliseconds timeout);
  bool stdout_eof() const { return eof_ && buffer_.empty(); }

  // Exit status as in waitpid (use WIFEXITED/WEXITSTATUS) or nullopt if the
  // child is still running when the timeout expires.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  // SIGKILL and reap (bounded). No-op once reaped.
  void kill();

  bool running() const { return !status_.has_value(); }

 private:
  ChildProcess() = default;
  bool fill(std::chrono::steady_clock::time_point deadline);

  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  std::string buffer_;
  bool eof_ = false;
  std::optional<int> status_;
};

// A private Prosody on 127.0.0.1 started by tools/local-server in a fresh
// temporary directory. The destructor stops it and removes the directory
// (kept if JCALL_KEEP_TEST_DIRS=1).
class ProsodyServer {
 public:
  struct Options {
    std::vector<std::pair<std::string, std::string>> accounts;  // user, password
    std::string cert_host;  // SAN DNS name of the server certificate; default: domain
    bool tls = true;        // false: no TLS at all, PLAIN offered in the clear
    int hibernation_s = 60;
    int turn_port = 3478;  // where XEP-0215 says STUN/TURN are (a test may run coturn there)
  };

  // Returns nullptr on failure; the reason (script stderr, log tail) is
  // printed to stderr and, if given, stored in *error.
  static std::unique_ptr<ProsodyServer> start(Options options, std::string* error = nullptr);

  ~ProsodyServer();
  ProsodyServer(const ProsodyServer&) = delete;
  ProsodyServer& operator=(const ProsodyServer&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& domain() const { return domain_; }
  const std::string& cafile() const { return cafile_; }
  const std::string& other_cafile() const { return other_cafile_; }
  const std::string& dir() const { return dir_; }
  // The last `lines` lines of prosody.log (for failure messages).
  std::string log_tail(std::size_t lines = 40) const;

  // Stops the server now (idempotent); the destructor calls it.
  void stop();

 private:
  ProsodyServer() = default;

  std::string dir_;
  std::string domain_;
  std::string cafile_;
  std::string other_cafile_;
  int port_ = 0;
  pid_t pid_ = -1;
  bool running_ = false;
};

// Path of tools/local-server in the source tree (JCALL_SOURCE_DIR).
std::string local_server_script();

}  // namespace jcall::test
