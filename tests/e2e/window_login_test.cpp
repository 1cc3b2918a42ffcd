// End-to-end test of the window's sign-in (issue 7 §2 "Accounts"): a jcall window started
// without an account under a private Xvfb, driven through its JSON commands (ui-click, ui-type,
// ui-key, ui-state) against the Prosody fixture:
//   - a server certificate from a CA we were not told to trust is refused, and the login screen
//     says so with the certificate's SHA-256 fingerprint;
//   - a wrong password is said in words, and the screen stays;
//   - the right password with "Remember the password" signs in; the configuration keeps the
//     account, server and CA file but never the password; without a keyring (no session bus
//     here) the password goes to a 0600 file, and never into the window's output;
//   - the next start signs in by itself with what was remembered.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/jcall_process.hpp"
#include "support/prosody_fixture.hpp"
#include "support/xvfb_fixture.hpp"

namespace jcall::test {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class WindowLogin : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    xvfb_ = XvfbServer::start(1280, 800, &error);
    ASSERT_NE(xvfb_, nullptr) << error;
    ProsodyServer::Options options;
    options.accounts = {{"alice", "alice-pw-1"}};
    server_ = ProsodyServer::start(options, &error);
    ASSERT_NE(server_, nullptr) << error;
    std::string t = "/tmp/jcall-login-test-XXXXXX";
    ASSERT_NE(::mkdtemp(t.data()), nullptr);
    home_ = t;
  }
  void TearDown() override {
    window_.reset();
    const char* keep = std::getenv("JCALL_KEEP_TEST_DIRS");
    if (!home_.empty() && (keep == nullptr || std::string(keep) != "1")) {
      std::error_code ec;
      std::filesystem::remove_all(home_, ec);
    }
  }

  // The window with no account on its command line; its XDG dirs in the test's directory.
  void start_window() {
    ChildProcess::Options o;
    o.argv = {jcall_binary(), "--json", "--exit-after", "90", "--local-address", "127.0.0.1"};
    o.env = {"DISPLAY=" + xvfb_->display(), "XDG_CONFIG_HOME=" + home_ + "/config",
             "XDG_DATA_HOME=" + home_ + "/data", "SDL_AUDIODRIVER=dummy", "JCALL_UI_SCALE=1",
             // No OpenGL under ASan (see window_test.cpp): SDL's own software renderer, shown
             // through X rather than an OpenGL texture.
             "SDL_RENDER_DRIVER=software", "SDL_FRAMEBUFFER_ACCELERATION=0",
             // No keyring here: the password store falls back to its file.
             "DBUS_SESSION_BUS_ADDRESS="};
    window_ = std::make_unique<Jcall>(std::move(o));
    ASSERT_TRUE(window_->wait_event("window", 30s)) << window_->raw();
  }

  // What the window shows; an empty object when it does not answer (then the test stops at
  // its next ASSERT: a window that does not answer will not start answering).
  json ui_state() {
    window_->command({{"cmd", "ui-state"}});
    auto s = window_->wait_event("ui-state", 10s);
    EXPECT_TRUE(s) << window_->raw();
    return s ? *s : json::object();
  }

  // Clicks a field, replaces its text (Ctrl+A, then typing) and waits until the window
  // acknowledged the click.
  void fill(const std::string& field, const std::string& text) {
    window_->command({{"cmd", "ui-click"}, {"target", field}});
    ASSERT_TRUE(window_->wait_for(
        [&](const json& e) { return e["event"] == "ui-clicked" && e["target"] == field; }, 10s))
        << field << "\n"
        << window_->raw();
    window_->command({{"cmd", "ui-key"}, {"key", "a"}, {"ctrl", true}});
    window_->command({{"cmd", "ui-type"}, {"text", text}});
  }

  void click(const std::string& target) {
    window_->command({{"cmd", "ui-click"}, {"target", target}});
    ASSERT_TRUE(window_->wait_for(
        [&](const json& e) { return e["event"] == "ui-clicked" && e["target"] == target; }, 10s))
        << target << "\n"
        << window_->raw();
  }

  // The login screen shows `words` (bounded wait: the error comes with the disconnect).
  bool login_error_says(const std::string& words) {
    for (int i = 0; i < 50; ++i) {
      const json s = ui_state();
      if (s.empty()) {
        return false;  // no answer
      }
      if (s.value("screen", "") == "login" &&
          s.value("login_error", "").find(words) != std::string::npos) {
        return true;
      }
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }

  std::unique_ptr<XvfbServer> xvfb_;
  std::unique_ptr<ProsodyServer> server_;
  std::string home_;
  std::unique_ptr<Jcall> window_;
};

TEST_F(WindowLogin, ErrorsInWordsThenRememberedPasswordSignsInAgain) {
  start_window();
  json first = ui_state();
  ASSERT_FALSE(first.empty()) << "the window does not answer";
  for (int i = 0; i < 50 && !first.empty() && !first["widgets"].contains("sign-in"); ++i) {
    std::this_thread::sleep_for(100ms);  // the first frame is being drawn
    first = ui_state();
  }
  ASSERT_EQ(first.value("screen", ""), "login") << first.dump();
  ASSERT_TRUE(first["widgets"].contains("sign-in")) << first.dump();

  // 1. A CA we were not told to trust: refused, with the certificate's fingerprint.
  fill("login-jid", "alice@localhost");
  fill("login-password", "alice-pw-1");
  click("login-server-toggle");
  fill("login-server", "127.0.0.1:" + std::to_string(server_->port()));
  fill("login-cafile", server_->other_cafile());
  click("sign-in");
  // The session ends (the login screen then shows Sign in again, not Cancel).
  ASSERT_TRUE(window_->wait_event("session-ended", 20s)) << window_->raw();
  EXPECT_TRUE(login_error_says("SHA-256 fingerprint is ")) << window_->raw();
  EXPECT_TRUE(login_error_says("certificate of localhost was rejected")) << window_->raw();

  // 2. The right CA, a wrong password.
  fill("login-cafile", server_->cafile());
  fill("login-password", "not-her-password");
  click("sign-in");
  ASSERT_TRUE(window_->wait_event("session-ended", 20s)) << window_->raw();
  EXPECT_TRUE(login_error_says("wrong password")) << window_->raw();
  EXPECT_TRUE(window_->all("connected").empty());

  // 3. The right password, remembered.
  fill("login-password", "alice-pw-1");
  click("login-remember");
  click("sign-in");
  ASSERT_TRUE(window_->wait_event("connected", 20s)) << window_->raw();
  bool main_screen = false;
  for (int i = 0; i < 50 && !main_screen; ++i) {
    const json s = ui_state();
    ASSERT_FALSE(s.empty()) << "the window does not answer";
    main_screen = s.value("screen", "") == "main";
  }
  EXPECT_TRUE(main_screen);
  ASSERT_TRUE(window_->quit());

  const std::string config = read_file(home_ + "/config/jcall/config.json");
  ASSERT_FALSE(config.empty());
  const json c = json::parse(config);
  EXPECT_EQ(c["jid"], "alice@localhost");
  EXPECT_EQ(c["server_host"], "127.0.0.1");
  EXPECT_EQ(c["server_port"], server_->port());
  EXPECT_EQ(c["cafile"], server_->cafile());
  EXPECT_EQ(c["remember_password"], true);
  EXPECT_EQ(config.find("alice-pw-1"), std::string::npos) << config;
  const std::string passwords = home_ + "/config/jcall/passwords.json";
  struct stat st {};
  ASSERT_EQ(::stat(passwords.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_NE(read_file(passwords).find("alice-pw-1"), std::string::npos);
  EXPECT_EQ(window_->raw().find("alice-pw-1"), std::string::npos) << "the password was printed";

  // 4. The next start signs in by itself.
  start_window();
  ASSERT_TRUE(window_->wait_event("connected", 20s)) << window_->raw();
  EXPECT_EQ(window_->raw().find("alice-pw-1"), std::string::npos);
  ASSERT_TRUE(window_->quit());
}

}  // namespace
}  // namespace jcall::test
