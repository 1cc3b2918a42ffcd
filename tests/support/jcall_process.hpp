// Test support: one `jcall --json` process driven from a test (tests/integration, tests/e2e),
// headless or with its window (under tests/support/xvfb_fixture): its events as parsed JSON
// lines, commands as JSON lines on its stdin, every wait bounded.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/prosody_fixture.hpp"

namespace jcall::test {

// The jcall binary under test (JCALL_BINARY of the build).
std::string jcall_binary();

// The command line of a jcall logged in as jid against the server (or the given port), with
// --json, --exit-after 120 and --local-address 127.0.0.1 (media on loopback), then extra; with
// --headless unless `window` (the window needs DISPLAY among the environment entries the caller
// adds to the result's env).
ChildProcess::Options jcall_command(const ProsodyServer& server,
                                    const std::string& jid,
                                    const std::string& password,
                                    std::vector<std::string> extra = {},
                                    std::optional<std::uint16_t> port = std::nullopt,
                                    bool window = false);

// One `jcall --json` process: its events as parsed JSON, commands on stdin.
class Jcall {
 public:
  using json = nlohmann::json;

  // Logs in as jid against the server (or the given port, e.g. a proxy), with --exit-after 120
  // and --local-address 127.0.0.1 (media on loopback).
  Jcall(const ProsodyServer& server,
        const std::string& jid,
        const std::string& password,
        std::vector<std::string> extra = {},
        std::optional<std::uint16_t> port = std::nullopt);
  // Any jcall command line (a server of another kind, stderr to a file, ...).
  explicit Jcall(ChildProcess::Options options);

  // Reads events until one satisfies pred (bounded); returns it. Each event is returned once.
  std::optional<json> wait_for(const std::function<bool(const json&)>& pred,
                               std::chrono::milliseconds timeout = std::chrono::seconds(15));
  std::optional<json> wait_event(const std::string& name,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(15));
  // Reads whatever output is there without waiting (a child blocks once its pipe is full).
  void pump();
  void command(const json& cmd);
  // Quits and returns the exit code (bounded).
  std::optional<int> quit();
  // Reads the rest of the output and returns the exit code (bounded).
  std::optional<int> finish(std::chrono::milliseconds timeout = std::chrono::seconds(20));
  std::vector<json> all(const std::string& name) const;
  const std::vector<json>& events() const { return events_; }
  const std::string& raw() const { return raw_; }
  const std::string& password() const { return password_; }

 private:
  // Keeps one line of output; every line must be a JSON event.
  bool store(const std::string& line);

  std::unique_ptr<ChildProcess> process_;
  std::vector<json> events_;
  std::size_t checked_ = 0;
  std::string raw_;
  std::string password_;
};

// Logs in and waits until the server has our initial presence (the roster comes first).
void online(Jcall& j);

// The call stanzas of one call as "sent propose", "received session-accept", ... in order.
std::vector<std::string> signals(const Jcall& j, const std::string& sid);

// want appears in got in this order (other entries may come between).
::testing::AssertionResult in_order(const std::vector<std::string>& got,
                                    const std::vector<std::string>& want);

}  // namespace jcall::test
