// Interoperability of audio calls (XEP-0166 §6-7, XEP-0167, XEP-0176, XEP-0320, XEP-0353 §3-4)
// with an independent Jingle implementation: StanzaJS 12.22.1 in headless Chromium, the peer in
// ../shared/interop/stanzajs (see its README). The ctest fixture "stanzajs" copies that folder
// into the build tree and installs it (prepare-stanzajs.sh); tests.cmake starts each case under
// the copy's netns-run.sh, so every case has a network namespace of its own with only loopback,
// holding its own Prosody (the copy's start-prosody.sh), the peer (node peer.mjs) and
// `jcall --headless --json`. A case passes when both sides report the call connected and audio
// packets sent and received, both ways, with a clean hang-up. The video cases (XEP-0167 video
// content, XEP-0293 feedback, RFC 4588 RTX against Chromium's VP8) also need decoded video both
// ways: jcall's call-summary (frames decoded, no stall) and Chromium's getStats() (frames decoded
// from inbound-rtp, the same codec both ways).
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <ifaddrs.h>
#include <iostream>
#include <memory>
#include <net/if.h>
#include <optional>
#include <poll.h>
#include <sstream>
#include <string>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/jcall_process.hpp"
#include "support/prosody_fixture.hpp"

namespace jcall::test {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using namespace std::chrono_literals;

// The installed copy of ../shared/interop/stanzajs (the fixture's work).
constexpr const char* kStanzaJsDir = JCALL_STANZAJS_DIR;

constexpr const char* kDomain = "localhost";
constexpr const char* kJcallUser = "alice";
constexpr const char* kJcallPassword = "alice-interop-pw";
constexpr const char* kJcallFullJid = "alice@localhost/jcall";
constexpr const char* kPeerUser = "bob";
constexpr const char* kPeerPassword = "bob-interop-pw";
constexpr const char* kPeerResource = "peer";
constexpr const char* kServer = "127.0.0.1:15222";  // start-prosody.sh's default C2S_PORT
// The caller hangs up this long after the call connected.
constexpr const char* kCallSeconds = "3";
// Video calls last a little longer: a stall after the first frames must show, and a lost packet's
// repair (NACK/RTX, or a keyframe request) has time to happen.
constexpr const char* kVideoCallSeconds = "4";
// A video stream that flowed: each side decoded at least this share of the frames the other
// encoded (the rest is the start-up and the last frames in flight at the hang-up), and no gap
// between two decoded frames was this long (jcall's longest_freeze_ms counts a stall up to the
// end of the call).
constexpr double kMinDecodedShare = 0.5;
constexpr double kMaxFreezeMs = 1000;

// Real media on loopback with a known test signal.
const std::vector<std::string> kJcallMediaOptions = {"--local-address", "127.0.0.1",
                                                     "--audio-source", "tone:440"};

// Every wait of a case is bounded by these (and every process by its own hard cap).
constexpr auto kServerStartTimeout = 30s;
constexpr auto kPeerReadyTimeout = 40s;  // Chromium starting on a busy 2-core machine
constexpr auto kOnlineTimeout = 15s;
constexpr auto kCallTimeout = 60s;  // from starting the call until its summary
constexpr auto kExitTimeout = 20s;
constexpr const char* kPeerHardCapS = "75";
constexpr const char* kPeerConnectTimeoutS = "15";
constexpr const char* kJcallExitAfterS = "90";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string last_lines(const std::string& text, std::size_t lines) {
  std::size_t pos = text.size();
  if (pos > 0 && text.back() == '\n') {
    --pos;
  }
  for (std::size_t n = 0; pos > 0; --pos) {
    if (text[pos - 1] == '\n' && ++n == lines) {
      break;
    }
  }
  return text.substr(pos);
}

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 3600 * 1000));
}

// The interfaces of this network namespace that are not loopback ("eth0 192.0.2.2").
std::vector<std::string> non_loopback_interfaces() {
  std::vector<std::string> out;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) {
    out.push_back(std::string("getifaddrs: ") + std::strerror(errno));
    return out;
  }
  for (const ifaddrs* a = list; a != nullptr; a = a->ifa_next) {
    if ((a->ifa_flags & IFF_LOOPBACK) == 0 && a->ifa_addr != nullptr &&
        (a->ifa_addr->sa_family == AF_INET || a->ifa_addr->sa_family == AF_INET6)) {
      out.emplace_back(a->ifa_name);
    }
  }
  ::freeifaddrs(list);
  return out;
}

// argv with its stderr sent to stderr_file (a shell redirect in front of exec).
std::vector<std::string> with_stderr_to(const std::string& stderr_file,
                                        const std::vector<std::string>& argv) {
  std::vector<std::string> out = {"/bin/sh", "-c", "exec \"$@\" 2>\"$0\"", stderr_file};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

// Waits (bounded) until pid has exited; it may be a child of this process (reaped here) or not.
bool wait_pid_gone(pid_t pid, milliseconds timeout) {
  // glibc 2.36's <sys/pidfd.h> lacks C linkage for C++: the system call itself.
  const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) {
    return errno == ESRCH;
  }
  pollfd p{fd, POLLIN, 0};
  int rc = 0;
  do {
    rc = ::poll(&p, 1, static_cast<int>(timeout.count()));
  } while (rc < 0 && errno == EINTR);
  ::close(fd);
  if (rc > 0) {
    ::waitpid(pid, nullptr, WNOHANG);  // our child since we are the subreaper: reap it
    return true;
  }
  return false;
}

// A Prosody of the peer's own kit (start-prosody.sh from the copy) with its state in dir.
class PeerKitServer {
 public:
  static std::unique_ptr<PeerKitServer> start(const std::string& dir, std::string* error) {
    std::unique_ptr<PeerKitServer> server(new PeerKitServer());
    server->dir_ = dir;
    ChildProcess::Options options;
    options.argv = {std::string(kStanzaJsDir) + "/start-prosody.sh",
                    std::string(kJcallUser) + ":" + kJcallPassword,
                    std::string(kPeerUser) + ":" + kPeerPassword};
    // LOG_LEVEL=debug: the log has every stanza, for the failure report.
    options.env = {"PROSODY_DIR=" + dir, std::string("XMPP_DOMAIN=") + kDomain, "LOG_LEVEL=debug"};
    options.merge_stderr = true;
    options.close_stdin = true;
    auto script = ChildProcess::spawn(options, error);
    if (!script) {
      return nullptr;
    }
    const std::string output = script->read_all(kServerStartTimeout);
    const auto status = script->wait(5s);
    const std::string pid_text = read_file(dir + "/prosody.pid");
    server->pid_ = std::atoi(pid_text.c_str());
    if (!status || !WIFEXITED(*status) || WEXITSTATUS(*status) != 0 || server->pid_ <= 0) {
      *error = "start-prosody.sh failed:\n" + output;
      return nullptr;
    }
    return server;
  }

  ~PeerKitServer() { stop(); }
  PeerKitServer(const PeerKitServer&) = delete;
  PeerKitServer& operator=(const PeerKitServer&) = delete;

  // SIGTERM, then SIGKILL after 5 s (as stop-prosody.sh; it cannot reap, we can).
  void stop() {
    if (pid_ <= 0) {
      return;
    }
    ::kill(pid_, SIGTERM);
    if (!wait_pid_gone(pid_, 5s)) {
      ::kill(pid_, SIGKILL);
      wait_pid_gone(pid_, 5s);
    }
    pid_ = -1;
  }

  std::string cafile() const { return dir_ + "/certs/" + kDomain + ".crt"; }
  std::string log_tail(std::size_t lines) const {
    return last_lines(read_file(dir_ + "/prosody.log"), lines);
  }

 private:
  PeerKitServer() = default;
  std::string dir_;
  pid_t pid_ = -1;
};

// `node peer.mjs ...`: one JSON line on stdout at the end, its log in stderr_file.
class StanzaPeer {
 public:
  StanzaPeer(const std::string& work_dir, std::vector<std::string> args)
      : ready_file_(work_dir + "/peer.ready"),
        stderr_file_(work_dir + "/peer.stderr"),
        chromium_pid_file_(work_dir + "/peer.chromium.pid") {
    std::vector<std::string> argv = {"node",
                                     std::string(kStanzaJsDir) + "/peer.mjs",
                                     "--jid",
                                     std::string(kPeerUser) + "@" + kDomain,
                                     "--password",
                                     kPeerPassword,
                                     "--resource",
                                     kPeerResource,
                                     "--ready-file",
                                     ready_file_,
                                     "--capture",
                                     work_dir + "/peer.xmpp.jsonl",
                                     "--connect-timeout",
                                     kPeerConnectTimeoutS,
                                     "--pid-file",
                                     chromium_pid_file_,
                                     "--timeout",
                                     kPeerHardCapS};
    argv.insert(argv.end(), args.begin(), args.end());
    ChildProcess::Options options;
    options.argv = with_stderr_to(stderr_file_, argv);
    options.close_stdin = true;
    std::string error;
    process_ = ChildProcess::spawn(options, &error);
    EXPECT_NE(process_, nullptr) << error;
  }

  // A peer still running hangs up politely on SIGTERM and exits within about 8 s; a Chromium
  // left behind (its own process group) is killed.
  ~StanzaPeer() {
    if (process_ && process_->running()) {
      interrupt();
      finish(15s);
    }
    process_.reset();
    const pid_t chromium = std::atoi(read_file(chromium_pid_file_).c_str());
    if (chromium > 0 && ::kill(chromium, 0) == 0) {
      ::kill(-chromium, SIGKILL);
      wait_pid_gone(chromium, 5s);
    }
  }
  StanzaPeer(const StanzaPeer&) = delete;
  StanzaPeer& operator=(const StanzaPeer&) = delete;

  void interrupt() {
    if (process_ && process_->running()) {
      ::kill(process_->pid(), SIGTERM);
    }
  }

  // Until the peer is logged in and waiting (its --ready-file), bounded; false if it ended.
  bool wait_ready(milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (process_ && Clock::now() < deadline) {
      const std::string ready = read_file(ready_file_);
      if (!ready.empty() && ready.back() == '\n') {
        return true;
      }
      // The peer prints nothing on stdout before its result: this waits 100 ms, or less if it
      // has ended (EOF or its result).
      if (auto line = process_->read_line(100ms)) {
        output_ += *line + "\n";
        return false;
      }
      if (process_->stdout_eof()) {
        return false;
      }
    }
    return false;
  }

  // The result line (bounded) and the exit status; nullopt if there was none.
  std::optional<json> finish(milliseconds timeout) {
    if (!process_) {
      return std::nullopt;
    }
    const auto deadline = Clock::now() + timeout;
    output_ += process_->read_all(milliseconds(remaining_ms(deadline)));
    const auto status = process_->wait(milliseconds(std::max(remaining_ms(deadline), 1000)));
    if (status && WIFEXITED(*status)) {
      exit_code_ = WEXITSTATUS(*status);
    }
    std::istringstream lines(output_);
    std::string line;
    while (std::getline(lines, line)) {
      json j = json::parse(line, nullptr, false);
      if (j.is_object()) {
        result_ = std::move(j);
      }
    }
    return result_;
  }

  std::optional<int> exit_code() const { return exit_code_; }
  const std::string& output() const { return output_; }
  std::string stderr_tail(std::size_t lines) const {
    return last_lines(read_file(stderr_file_), lines);
  }

 private:
  std::string ready_file_;
  std::string stderr_file_;
  std::string chromium_pid_file_;
  std::unique_ptr<ChildProcess> process_;
  std::string output_;
  std::optional<json> result_;
  std::optional<int> exit_code_;
};

// `jcall --headless --json` as alice, against the kit's server; its stderr in a file.
class JcallRun : public Jcall {
 public:
  JcallRun(const std::string& work_dir, const PeerKitServer& server, std::vector<std::string> args)
      : Jcall(options(work_dir + "/jcall.stderr", server, std::move(args))),
        stderr_file_(work_dir + "/jcall.stderr") {}

  std::string stderr_tail(std::size_t lines) const {
    return last_lines(read_file(stderr_file_), lines);
  }

 private:
  static ChildProcess::Options options(const std::string& stderr_file,
                                       const PeerKitServer& server,
                                       std::vector<std::string> args) {
    std::vector<std::string> argv = {
        jcall_binary(),   "--headless",       "--json",        "--jid", kJcallFullJid,
        "--password-env", "JCALL_INTEROP_PW", "--server",      kServer, "--cafile",
        server.cafile(),  "--exit-after",     kJcallExitAfterS};
    argv.insert(argv.end(), args.begin(), args.end());
    ChildProcess::Options o;
    o.argv = with_stderr_to(stderr_file, argv);
    o.env = {std::string("JCALL_INTEROP_PW=") + kJcallPassword};
    return o;
  }

  std::string stderr_file_;
};

// The peer's timeline has these steps in this order (its keys carry milliseconds).
// j[path[0]][path[1]]...; null where any of it is missing (a const json has no operator[] for
// that).
json field(const json& j, std::initializer_list<const char*> path) {
  const json* at = &j;
  for (const char* key : path) {
    if (!at->is_object() || !at->contains(key)) {
      return nullptr;
    }
    at = &(*at)[key];
  }
  return *at;
}

long long number_or(const json& j, long long fallback) {
  return j.is_number() ? j.get<long long>() : fallback;
}

double real_or(const json& j, double fallback) {
  return j.is_number() ? j.get<double>() : fallback;
}

// The stream of jcall's summary (or stats) carrying this media, or null.
json stream_of(const json& summary, const std::string& media) {
  const json streams = field(summary, {"streams"});
  if (streams.is_array()) {
    for (const auto& st : streams) {
      if (field(st, {"media"}) == media) {
        return st;
      }
    }
  }
  return nullptr;
}

// "VP8/90000" of the peer's "VP8/90000 pt=96" (its getStats() codec: name/clock[/channels] pt=N
// [fmtp=...]); "" when it has none.
std::string codec_name_of_peer(const json& codec) {
  if (!codec.is_string()) {
    return "";
  }
  const std::string s = codec.get<std::string>();
  return s.substr(0, s.find(' '));
}

// The peer's timeline_ms has these steps, each at or after the one before (steps of the same
// millisecond have no order in its JSON object).
::testing::AssertionResult timeline_in_order(const json& peer,
                                             const std::vector<std::string>& want) {
  const json timeline = field(peer, {"timeline_ms"});
  if (!timeline.is_object()) {
    return ::testing::AssertionFailure() << "no timeline_ms in the peer's result";
  }
  long long before = -1;
  for (const auto& step : want) {
    const json t = field(timeline, {step.c_str()});
    if (!t.is_number()) {
      return ::testing::AssertionFailure()
             << "no step '" << step << "' in the peer's timeline_ms " << timeline.dump();
    }
    if (t.get<long long>() < before) {
      return ::testing::AssertionFailure()
             << "step '" << step << "' comes too early in " << timeline.dump();
    }
    before = t.get<long long>();
  }
  return ::testing::AssertionSuccess();
}

class StanzaJsInterop : public ::testing::Test {
 protected:
  void SetUp() override {
    // Processes that their starter leaves behind (Prosody behind start-prosody.sh) become
    // children of this test, so that they are ours to reap, and ctest's timeout kills them too.
    ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0) << std::strerror(errno);
    const auto others = non_loopback_interfaces();
    ASSERT_TRUE(others.empty())
        << "this test must run in a loopback-only network namespace (tests.cmake starts it under "
        << kStanzaJsDir
        << "/netns-run.sh); non-loopback interfaces: " << ::testing::PrintToString(others);
    ASSERT_TRUE(std::filesystem::exists(std::string(kStanzaJsDir) + "/node_modules"))
        << kStanzaJsDir << " is not installed: the ctest fixture StanzaJsInterop.Setup does that";

    std::string pattern =
        (std::filesystem::temp_directory_path() / "jcall-interop-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr) << std::strerror(errno);
    dir_ = pattern;
    std::string error;
    server_ = PeerKitServer::start(dir_ + "/prosody", &error);
    ASSERT_NE(server_, nullptr) << error;
  }

  void TearDown() override {
    if (HasFailure()) {
      report();
    }
    jcall_.reset();
    peer_.reset();
    if (server_) {
      server_->stop();
    }
    const char* keep = std::getenv("JCALL_KEEP_TEST_DIRS");
    if (!dir_.empty()) {
      if (keep != nullptr && std::string(keep) == "1") {
        std::cerr << "kept " << dir_ << "\n";
      } else {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
      }
    }
  }

  // Both outputs and the logs' tails, so that a failing CI log says why.
  void report() const {
    std::cerr << "\n===== jcall exit code: "
              << (jcall_exit_ ? std::to_string(*jcall_exit_) : "none") << ", peer exit code: "
              << (peer_ && peer_->exit_code() ? std::to_string(*peer_->exit_code()) : "none")
              << " =====\n";
    std::cerr << "===== jcall output (JSON lines) =====\n"
              << (jcall_ ? jcall_->raw() : "(not started)\n");
    if (jcall_) {
      std::cerr << "===== jcall stderr (tail) =====\n" << jcall_->stderr_tail(100) << "\n";
    }
    std::cerr << "===== StanzaJS peer result (JSON) =====\n"
              << (peer_ ? peer_->output() : "(not started)\n");
    if (peer_) {
      std::cerr << "===== StanzaJS peer stderr (tail) =====\n" << peer_->stderr_tail(60) << "\n";
    }
    if (server_) {
      std::cerr << "===== prosody.log (tail) =====\n" << server_->log_tail(80) << "\n";
    }
  }

  // The peer answers with its fake camera when the call offers video (--answer-video auto).
  void start_answering_peer() {
    // The peer stays in the call longer than jcall's --hangup-after: jcall hangs up.
    peer_ = std::make_unique<StanzaPeer>(
        dir_, std::vector<std::string>{"--answer", "--wait", "45", "--duration", "30"});
    ASSERT_TRUE(peer_->wait_ready(kPeerReadyTimeout)) << "the StanzaJS peer did not log in";
  }

  void start_calling_peer(const std::string& target, bool video = false) {
    std::vector<std::string> args = {"--call",         target,
                                     "--duration",     video ? kVideoCallSeconds : kCallSeconds,
                                     "--ring-timeout", "20"};
    if (video) {
      args.emplace_back("--video");  // Chromium's fake camera: 640x480, about 20-30 fps
    }
    peer_ = std::make_unique<StanzaPeer>(dir_, std::move(args));
  }

  void start_jcall(std::vector<std::string> args) {
    args.insert(args.end(), kJcallMediaOptions.begin(), kJcallMediaOptions.end());
    jcall_ = std::make_unique<JcallRun>(dir_, *server_, std::move(args));
  }

  // jcall as the answerer, online: the server has sent its own presence back to it, so a
  // message to alice's bare JID (a JMI propose) reaches it.
  void start_answering_jcall() {
    start_jcall({"--answer-once", "--ring-timeout", "20"});
    ASSERT_TRUE(jcall_->wait_event("connected", kOnlineTimeout)) << "jcall did not log in";
    ASSERT_TRUE(jcall_->wait_for(
        [](const json& e) {
          return field(e, {"event"}) == "presence" && field(e, {"from"}) == kJcallFullJid;
        },
        kOnlineTimeout))
        << "jcall's presence did not come back from the server";
  }

  void start_calling_jcall(const std::string& target,
                           std::vector<std::string> extra = {},
                           const char* seconds = kCallSeconds) {
    std::vector<std::string> args = {"--call", target,           "--hangup-after",
                                     seconds,  "--ring-timeout", "20"};
    args.insert(args.end(), extra.begin(), extra.end());
    start_jcall(std::move(args));
  }

  // --video: audio and video, jcall's default source (SMPTE bars, 640x480 at 30 fps, VP8 first).
  void start_video_calling_jcall(const std::string& target, std::vector<std::string> extra = {}) {
    extra.insert(extra.begin(), "--video");
    start_calling_jcall(target, std::move(extra), kVideoCallSeconds);
  }

  // Both sides to the end of the call: jcall's summary and exit code, the peer's result.
  void finish_call() {
    summary_ = jcall_->wait_event("call-summary", kCallTimeout);
    jcall_exit_ = jcall_->finish(kExitTimeout);
    if (!summary_) {
      peer_->interrupt();  // no call to wait for: the peer hangs up and prints what it saw
    }
    peer_result_ = peer_->finish(kCallTimeout);
  }

  // The pass criteria: connected, audio both ways on both sides, a clean hang-up.
  void expect_audio_call(bool jcall_is_caller) { expect_call(jcall_is_caller, false); }

  // The same for an audio+video call, and decoded video both ways (expect_video_flowed).
  void expect_video_call(bool jcall_is_caller) {
    expect_call(jcall_is_caller, true);
    expect_video_flowed();
  }

  void expect_call(bool jcall_is_caller, bool video) {
    ASSERT_TRUE(summary_) << "jcall printed no call-summary";
    ASSERT_TRUE(peer_result_) << "the peer printed no result";
    // Both JSON outputs are printed in full by report() when something here fails.
    const json& s = *summary_;
    const json& p = *peer_result_;

    EXPECT_EQ(field(s, {"connected"}), true) << "jcall";
    EXPECT_EQ(field(p, {"connected"}), true) << "peer";
    EXPECT_EQ(field(s, {"sid"}), field(p, {"sid"})) << "not the same session";

    // Both sides negotiated the same contents.
    const json media = video ? json::array({"audio", "video"}) : json::array({"audio"});
    EXPECT_EQ(field(s, {"media"}), media) << "jcall";

    // The peer (Chromium's getStats): audio in and out, over loopback.
    EXPECT_EQ(field(p, {"media"}), media) << "peer";
    EXPECT_GT(number_or(field(p, {"audio", "inbound_packets"}), 0), 0) << "peer";
    EXPECT_GT(number_or(field(p, {"audio", "outbound_packets"}), 0), 0) << "peer";
    EXPECT_EQ(field(p, {"loopback_only"}), true) << "peer";
    EXPECT_EQ(field(p, {"errors"}), json::array()) << "StanzaJS reported errors";

    // jcall: an audio stream that sent and received packets.
    const json audio = stream_of(s, "audio");
    if (audio.is_null()) {
      ADD_FAILURE() << "no audio stream in jcall's call-summary";
    } else {
      EXPECT_GT(number_or(field(audio, {"packets_sent"}), 0), 0) << "jcall";
      EXPECT_GT(number_or(field(audio, {"packets_received"}), 0), 0) << "jcall";
    }
    EXPECT_EQ(field(s, {"audio_flowed"}), true) << "jcall";

    // The caller hangs up; both sides end with <success/>.
    EXPECT_EQ(field(s, {"termination", "by"}), json(jcall_is_caller ? "local" : "peer")) << "jcall";
    EXPECT_EQ(field(s, {"termination", "reason"}), json("success")) << "jcall";
    EXPECT_EQ(field(p, {"termination", "by"}), json(jcall_is_caller ? "remote" : "local"))
        << "peer";
    EXPECT_EQ(field(p, {"termination", "reason"}), json("success")) << "peer";

    // The exit codes say the same: jcall's is 0 only if connected with audio both ways (and,
    // with video, video flowed).
    EXPECT_EQ(jcall_exit_, 0) << "jcall";
    EXPECT_EQ(peer_->exit_code(), 0) << "peer";
  }

  // Video both ways, as each side saw it, and the same codec both ways.
  void expect_video_flowed() {
    ASSERT_TRUE(summary_ && peer_result_);
    const json& s = *summary_;
    const json& p = *peer_result_;
    const json v = stream_of(s, "video");
    ASSERT_FALSE(v.is_null()) << "no video stream in jcall's call-summary";

    // jcall: frames sent and decoded (video_flowed), a picture size, no stall.
    EXPECT_EQ(field(s, {"video_flowed"}), true) << "jcall";
    EXPECT_TRUE(field(s, {"video_setup_ms"}).is_number()) << "jcall decoded no video frame";
    EXPECT_GT(number_or(field(v, {"packets_sent"}), 0), 0) << "jcall";
    EXPECT_GT(number_or(field(v, {"packets_received"}), 0), 0) << "jcall";
    const long long jcall_sent = number_or(field(v, {"video", "frames_sent"}), 0);
    const long long jcall_decoded = number_or(field(v, {"video", "frames_decoded"}), 0);
    EXPECT_GT(jcall_sent, 0) << "jcall";
    EXPECT_GT(jcall_decoded, 0) << "jcall";
    EXPECT_GT(number_or(field(v, {"video", "width"}), 0), 0) << "jcall: decoded picture size";
    EXPECT_GT(number_or(field(v, {"video", "height"}), 0), 0) << "jcall: decoded picture size";
    EXPECT_LT(real_or(field(v, {"video", "longest_freeze_ms"}), 1e9), kMaxFreezeMs)
        << "jcall: the peer's video stalled (frames_decoded " << jcall_decoded
        << ", keyframe_requests_sent " << field(v, {"video", "keyframe_requests_sent"})
        << ", nacks_sent " << field(v, {"video", "nacks_sent"}) << ")";

    // The peer (Chromium's inbound-rtp/outbound-rtp video stats): packets both ways, frames
    // encoded and decoded, and it decoded our picture at the size we sent.
    const json pv = field(p, {"video"});
    EXPECT_GT(number_or(field(pv, {"inbound_packets"}), 0), 0) << "peer";
    EXPECT_GT(number_or(field(pv, {"outbound_packets"}), 0), 0) << "peer";
    const long long peer_encoded = number_or(field(pv, {"frames_encoded"}), 0);
    const long long peer_decoded = number_or(field(pv, {"frames_decoded"}), 0);
    EXPECT_GT(peer_encoded, 0) << "peer";
    EXPECT_GT(peer_decoded, 0) << "peer";
    EXPECT_EQ(field(pv, {"frame_size_recv"}),
              json(std::to_string(number_or(field(v, {"video", "sent_width"}), 0)) + "x" +
                   std::to_string(number_or(field(v, {"video", "sent_height"}), 0))))
        << "peer: the size it decoded is not the size jcall sent";
    EXPECT_TRUE(field(field(p, {"timeline_ms"}), {"remote_video_track"}).is_number())
        << "peer: no remote video track";

    // Most frames arrived: each side decoded at least kMinDecodedShare of what the other encoded.
    EXPECT_GE(static_cast<double>(jcall_decoded), kMinDecodedShare * peer_encoded)
        << "jcall decoded " << jcall_decoded << " of the " << peer_encoded
        << " frames the peer encoded";
    EXPECT_GE(static_cast<double>(peer_decoded), kMinDecodedShare * jcall_sent)
        << "the peer decoded " << peer_decoded << " of the " << jcall_sent
        << " frames jcall encoded";

    // One codec, as negotiated: jcall's name/clock rate is what Chromium sends and receives.
    const json codec = field(v, {"codec"});
    ASSERT_TRUE(codec.is_string()) << "jcall: no video codec";
    EXPECT_EQ(codec_name_of_peer(field(pv, {"codec_send"})), codec.get<std::string>())
        << "peer sends another codec than jcall decodes";
    EXPECT_EQ(codec_name_of_peer(field(pv, {"codec_recv"})), codec.get<std::string>())
        << "peer receives another codec than jcall sends";
  }

  std::string dir_;
  std::unique_ptr<PeerKitServer> server_;
  std::unique_ptr<StanzaPeer> peer_;
  std::unique_ptr<JcallRun> jcall_;
  std::optional<json> summary_;
  std::optional<int> jcall_exit_;
  std::optional<json> peer_result_;
};

// XEP-0176 trickle both ways: each side sent candidates in transport-info and took the other's.
void expect_trickle(const std::vector<std::string>& signals) {
  EXPECT_TRUE(in_order(signals, {"sent transport-info"}));
  EXPECT_TRUE(in_order(signals, {"received transport-info"}));
}

std::string sid_of(const std::optional<json>& summary) {
  const json sid = summary ? field(*summary, {"sid"}) : json();
  return sid.is_string() ? sid.get<std::string>() : "";
}

// (a) jcall calls the peer's bare JID: XEP-0353 propose, the peer rings and proceeds from
// bob@localhost/peer, then a session-initiate to that full JID.
TEST_F(StanzaJsInterop, JcallCallsBareJidWithJmi) {
  ASSERT_NO_FATAL_FAILURE(start_answering_peer());
  start_calling_jcall("bob@localhost");
  finish_call();
  const auto steps = signals(*jcall_, sid_of(summary_));
  EXPECT_TRUE(in_order(steps, {"sent propose", "received ringing", "received proceed",
                               "sent session-initiate", "received session-accept"}));
  expect_trickle(steps);
  // XEP-0353: both parties announce the end with <finish/> (the peer's may arrive after jcall
  // has gone, so only jcall's own is checked).
  EXPECT_TRUE(in_order(steps, {"received session-accept", "sent finish"}));
  ASSERT_TRUE(peer_result_);
  EXPECT_EQ(field(*peer_result_, {"signaling"}), json("jmi"));
  EXPECT_TRUE(timeline_in_order(*peer_result_,
                                {"jmi_propose_received", "jmi_ringing_sent", "jmi_proceed_sent",
                                 "session-initiate_received", "session-accept_sent"}));
  expect_audio_call(true);
}

// (b) jcall calls the peer's full JID directly: session-initiate, session-info <ringing/>,
// session-accept (--jmi no: the JMI feature in the peer's caps would otherwise get a propose).
TEST_F(StanzaJsInterop, JcallCallsFullJidDirectly) {
  ASSERT_NO_FATAL_FAILURE(start_answering_peer());
  start_calling_jcall("bob@localhost/peer", {"--jmi", "no"});
  finish_call();
  const auto steps = signals(*jcall_, sid_of(summary_));
  EXPECT_TRUE(in_order(
      steps, {"sent session-initiate", "received session-info", "received session-accept"}));
  EXPECT_EQ(std::count(steps.begin(), steps.end(), "sent propose"), 0);
  expect_trickle(steps);
  ASSERT_TRUE(peer_result_);
  EXPECT_EQ(field(*peer_result_, {"signaling"}), json("jingle"));
  EXPECT_TRUE(timeline_in_order(
      *peer_result_, {"session-initiate_received", "session-info_sent", "session-accept_sent"}));
  expect_audio_call(true);
}

// (c) The peer calls jcall's bare JID: the peer proposes, jcall rings and proceeds, the peer
// sends session-initiate to jcall's full JID.
TEST_F(StanzaJsInterop, PeerCallsBareJidWithJmi) {
  ASSERT_NO_FATAL_FAILURE(start_answering_jcall());
  start_calling_peer("alice@localhost");
  finish_call();
  const auto steps = signals(*jcall_, sid_of(summary_));
  EXPECT_TRUE(in_order(steps, {"received propose", "sent ringing", "sent proceed",
                               "received session-initiate", "sent session-accept"}));
  expect_trickle(steps);
  EXPECT_TRUE(in_order(steps, {"sent session-accept", "sent finish"}));
  ASSERT_TRUE(peer_result_);
  EXPECT_EQ(field(*peer_result_, {"signaling"}), json("jmi"));
  EXPECT_EQ(field(*peer_result_, {"peer"}), json(kJcallFullJid));
  EXPECT_TRUE(timeline_in_order(*peer_result_,
                                {"jmi_propose_sent", "jmi_ringing_received", "jmi_proceed_received",
                                 "session-initiate_sent", "session-accept_received"}));
  expect_audio_call(false);
}

// (d) The peer calls jcall's full JID directly: session-initiate, then jcall accepts.
TEST_F(StanzaJsInterop, PeerCallsFullJidDirectly) {
  ASSERT_NO_FATAL_FAILURE(start_answering_jcall());
  start_calling_peer(kJcallFullJid);
  finish_call();
  const auto steps = signals(*jcall_, sid_of(summary_));
  EXPECT_TRUE(in_order(steps, {"received session-initiate", "sent session-accept"}));
  EXPECT_EQ(std::count(steps.begin(), steps.end(), "received propose"), 0);
  expect_trickle(steps);
  ASSERT_TRUE(peer_result_);
  EXPECT_EQ(field(*peer_result_, {"signaling"}), json("jingle"));
  EXPECT_TRUE(
      timeline_in_order(*peer_result_, {"session-initiate_sent", "session-accept_received"}));
  expect_audio_call(false);
}

// (e) As (a), audio and video: the propose names both media, Chromium answers the video content
// with its fake camera, and both sides decode the other's video.
TEST_F(StanzaJsInterop, JcallVideoCallsBareJidWithJmi) {
  ASSERT_NO_FATAL_FAILURE(start_answering_peer());
  start_video_calling_jcall("bob@localhost");
  finish_call();
  const auto steps = signals(*jcall_, sid_of(summary_));
  EXPECT_TRUE(in_order(steps, {"sent propose", "received ringing", "received proceed",
                               "sent session-initiate", "received session-accept"}));
  expect_trickle(steps);
  EXPECT_TRUE(in_order(steps, {"received session-accept", "sent finish"}));
  ASSERT_TRUE(peer_result_);
  EXPECT_EQ(field(*peer_result_, {"signaling"}), json("jmi"));
  EXPECT_EQ(field(*peer_result_, {"jmi_propose_media"}), json::array({"audio", "video"}))
      << "XEP-0353: the propose has a description per medium";
  EXPECT_TRUE(
      timeline_in_order(*peer_result_, {"jmi_propose_received", "jmi_proceed_sent",
                                        "session-initiate_received", "session-accept_sent"}));
  expect_video_call(true);
}

// (f) As (b), audio and video: a direct session-initiate with both contents.
TEST_F(StanzaJsInterop, JcallVideoCallsFullJidDirectly) {
  ASSERT_NO_FATAL_FAILURE(start_answering_peer());
  start_video_calling_jcall("bob@localhost/peer", {"--jmi", "no"});
  finish_call();
  const auto steps = signals(*jcall_, sid_of(summary_));
  EXPECT_TRUE(in_order(
      steps, {"sent session-initiate", "received session-info", "received session-accept"}));
  EXPECT_EQ(std::count(steps.begin(), steps.end(), "sent propose"), 0);
  expect_trickle(steps);
  ASSERT_TRUE(peer_result_);
  EXPECT_EQ(field(*peer_result_, {"signaling"}), json("jingle"));
  EXPECT_TRUE(timeline_in_order(
      *peer_result_, {"session-initiate_received", "session-info_sent", "session-accept_sent"}));
  expect_video_call(true);
}

// (g) As (c), audio and video: Chromium's offer (VP8, VP9, H.264 profiles and AV1, each with
// rtx, plus red and ulpfec) is answered by jcall --answer-once, which takes the video too.
TEST_F(StanzaJsInterop, PeerVideoCallsBareJidWithJmi) {
  ASSERT_NO_FATAL_FAILURE(start_answering_jcall());
  start_calling_peer("alice@localhost", true);
  finish_call();
  const auto steps = signals(*jcall_, sid_of(summary_));
  EXPECT_TRUE(in_order(steps, {"received propose", "sent ringing", "sent proceed",
                               "received session-initiate", "sent session-accept"}));
  expect_trickle(steps);
  EXPECT_TRUE(in_order(steps, {"sent session-accept", "sent finish"}));
  ASSERT_TRUE(peer_result_);
  EXPECT_EQ(field(*peer_result_, {"signaling"}), json("jmi"));
  EXPECT_EQ(field(*peer_result_, {"peer"}), json(kJcallFullJid));
  EXPECT_TRUE(
      timeline_in_order(*peer_result_, {"jmi_propose_sent", "jmi_proceed_received",
                                        "session-initiate_sent", "session-accept_received"}));
  expect_video_call(false);
}

// (h) As (d), audio and video.
TEST_F(StanzaJsInterop, PeerVideoCallsFullJidDirectly) {
  ASSERT_NO_FATAL_FAILURE(start_answering_jcall());
  start_calling_peer(kJcallFullJid, true);
  finish_call();
  const auto steps = signals(*jcall_, sid_of(summary_));
  EXPECT_TRUE(in_order(steps, {"received session-initiate", "sent session-accept"}));
  EXPECT_EQ(std::count(steps.begin(), steps.end(), "received propose"), 0);
  expect_trickle(steps);
  ASSERT_TRUE(peer_result_);
  EXPECT_EQ(field(*peer_result_, {"signaling"}), json("jingle"));
  EXPECT_TRUE(
      timeline_in_order(*peer_result_, {"session-initiate_sent", "session-accept_received"}));
  expect_video_call(false);
}

// (i) As (f) with H.264 first in jcall's preferences: Chromium answers with H.264 Constrained
// Baseline (profile-level-id 42e01f, packetization-mode 1), so both ways carry H.264 and Chromium
// must take jcall's RTP stream under the SSRC jcall signaled.
TEST_F(StanzaJsInterop, JcallH264VideoCallsFullJidDirectly) {
  ASSERT_NO_FATAL_FAILURE(start_answering_peer());
  start_video_calling_jcall("bob@localhost/peer", {"--jmi", "no", "--video-codecs", "H264"});
  finish_call();
  const auto steps = signals(*jcall_, sid_of(summary_));
  EXPECT_TRUE(in_order(steps, {"sent session-initiate", "received session-accept"}));
  ASSERT_TRUE(summary_);
  EXPECT_EQ(field(stream_of(*summary_, "video"), {"codec"}), json("H264/90000"));
  expect_video_call(true);
}

}  // namespace
}  // namespace jcall::test
