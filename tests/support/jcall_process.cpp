// Test support: a `jcall --json` child process (see jcall_process.hpp).
#include "support/jcall_process.hpp"

#include <algorithm>
#include <sys/wait.h>

#include <gtest/gtest.h>

namespace jcall::test {

using json = nlohmann::json;
using namespace std::chrono_literals;

std::string jcall_binary() {
  return JCALL_BINARY;
}

ChildProcess::Options jcall_command(const ProsodyServer& server,
                                    const std::string& jid,
                                    const std::string& password,
                                    std::vector<std::string> extra,
                                    std::optional<std::uint16_t> port,
                                    bool window) {
  std::vector<std::string> argv = {jcall_binary()};
  if (!window) {
    argv.push_back("--headless");
  }
  const std::vector<std::string> common = {
      "--json", "--jid", jid, "--password-env", "JCALL_TEST_PASSWORD", "--server",
      "127.0.0.1:" + std::to_string(port.value_or(server.port())), "--cafile", server.cafile(),
      "--exit-after", "120",
      // ICE host candidates on loopback only: test traffic stays on 127.0.0.1 (libnice skips
      // loopback by default).
      "--local-address", "127.0.0.1"};
  argv.insert(argv.end(), common.begin(), common.end());
  argv.insert(argv.end(), extra.begin(), extra.end());
  // JCALL_TEST_TRACE=<jid prefix>: that client traces its XML on stderr (for debugging).
  if (const char* who = std::getenv("JCALL_TEST_TRACE"); who != nullptr && jid.starts_with(who)) {
    argv.push_back("--trace-xml");
  }
  return {argv, {"JCALL_TEST_PASSWORD=" + password}, false, false};
}

Jcall::Jcall(const ProsodyServer& server,
             const std::string& jid,
             const std::string& password,
             std::vector<std::string> extra,
             std::optional<std::uint16_t> port) {
  password_ = password;
  std::string error;
  process_ =
      ChildProcess::spawn(jcall_command(server, jid, password, std::move(extra), port), &error);
  EXPECT_NE(process_, nullptr) << error;
}

Jcall::Jcall(ChildProcess::Options options) {
  std::string error;
  process_ = ChildProcess::spawn(std::move(options), &error);
  EXPECT_NE(process_, nullptr) << error;
}

std::optional<json> Jcall::wait_for(const std::function<bool(const json&)>& pred,
                                    std::chrono::milliseconds timeout) {
  while (checked_ < events_.size()) {  // read earlier by pump() or finish()
    const json& e = events_[checked_++];
    if (pred(e)) {
      return e;
    }
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (process_ && std::chrono::steady_clock::now() < deadline) {
    auto line = process_->read_line(std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now()));
    if (!line) {
      if (process_->stdout_eof()) {
        break;
      }
      continue;
    }
    if (store(*line)) {
      const json& e = events_[checked_++];
      if (pred(e)) {
        return e;
      }
    }
  }
  return std::nullopt;
}

std::optional<json> Jcall::wait_event(const std::string& name, std::chrono::milliseconds timeout) {
  return wait_for([&](const json& e) { return e.value("event", "") == name; }, timeout);
}

void Jcall::pump() {
  while (auto line = process_->read_line(0ms)) {
    store(*line);
  }
}

void Jcall::command(const json& cmd) {
  EXPECT_TRUE(process_->write_stdin(cmd.dump() + "\n"));
}

std::optional<int> Jcall::quit() {
  command({{"cmd", "quit"}});
  return finish();
}

std::optional<int> Jcall::finish(std::chrono::milliseconds timeout) {
  if (!process_) {
    return std::nullopt;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto left = [&] {
    return std::max(std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - std::chrono::steady_clock::now()),
                    std::chrono::milliseconds(0));
  };
  while (auto line = process_->read_line(left())) {
    store(*line);
  }
  const auto status = process_->wait(std::max(left(), std::chrono::milliseconds(1000)));
  if (!status || !WIFEXITED(*status)) {
    return std::nullopt;
  }
  return WEXITSTATUS(*status);
}

std::vector<json> Jcall::all(const std::string& name) const {
  std::vector<json> out;
  for (const auto& e : events_) {
    if (e.value("event", "") == name) {
      out.push_back(e);
    }
  }
  return out;
}

bool Jcall::store(const std::string& line) {
  raw_ += line + "\n";
  json ev = json::parse(line, nullptr, false);
  if (!ev.is_object()) {
    ADD_FAILURE() << "jcall printed a line that is not a JSON object: " << line;
    return false;
  }
  events_.push_back(std::move(ev));
  return true;
}

std::vector<std::string> signals(const Jcall& j, const std::string& sid) {
  std::vector<std::string> out;
  for (const auto& e : j.all("call-signal")) {
    if (e.value("sid", "") == sid) {
      out.push_back(e.value("dir", "") + " " + e.value("what", ""));
    }
  }
  return out;
}

void online(Jcall& j) {
  ASSERT_TRUE(j.wait_event("connected")) << j.raw();
  ASSERT_TRUE(j.wait_event("roster")) << j.raw();
}

::testing::AssertionResult in_order(const std::vector<std::string>& got,
                                    const std::vector<std::string>& want) {
  std::size_t i = 0;
  for (const auto& g : got) {
    if (i < want.size() && g == want[i]) {
      ++i;
    }
  }
  if (i == want.size()) {
    return ::testing::AssertionSuccess();
  }
  std::string s;
  for (const auto& g : got) {
    s += "\n  " + g;
  }
  return ::testing::AssertionFailure() << "missing '" << want[i] << "' (in order) in:" << s;
}

}  // namespace jcall::test
