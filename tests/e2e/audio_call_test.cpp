// End-to-end audio calls between two `jcall --headless --json` processes through a real Prosody
// (tests/support), with real media: libnice ICE on 127.0.0.1, DTLS-SRTP (OpenSSL, libsrtp2) and
// GStreamer pipelines. Each side sends a known tone and measures what it receives (the
// analysis sink of media/pipeline): the caller sends 440 Hz and the callee 880 Hz.
// Reject, retract, busy and the signaling of hold/mute run with the same media in
// tests/integration/call_test.cpp; here: what is heard.
#include <algorithm>
#include <arpa/inet.h>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/jcall_process.hpp"
#include "support/prosody_fixture.hpp"

namespace jcall::test {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

std::unique_ptr<ProsodyServer> start_server() {
  ProsodyServer::Options options;
  options.accounts = {{"alice", "alice-pw-1"}, {"bob", "bob-pw-2"}};
  std::string error;
  auto server = ProsodyServer::start(options, &error);
  EXPECT_NE(server, nullptr) << error;
  return server;
}

const json& audio_stream(const json& summary) {
  static const json kNone;
  for (const auto& s : summary["streams"]) {
    return s;
  }
  return kNone;
}

// The summary shows a connected call whose audio flowed both ways, with the peer's tone heard.
void expect_heard(const json& s, double hz, const std::string& codec_prefix) {
  EXPECT_EQ(s["connected"], true) << s;
  EXPECT_EQ(s["audio_flowed"], true) << s;
  const json& a = audio_stream(s);
  ASSERT_TRUE(a.is_object()) << s;
  EXPECT_TRUE(a["codec"].get<std::string>().starts_with(codec_prefix)) << a;
  EXPECT_GT(a["packets_sent"].get<int>(), 20) << a;
  EXPECT_GT(a["packets_received"].get<int>(), 20) << a;
  ASSERT_TRUE(a.contains("received_tone")) << a;
  EXPECT_NEAR(a["received_tone"]["frequency_hz"].get<double>(), hz, 5.0) << a;
  EXPECT_GT(a["received_tone"]["level_dbfs"].get<double>(), -40.0) << a;
  EXPECT_LT(a["received_tone"]["level_dbfs"].get<double>(), 0.5) << a;
  // The path: ICE host pair on loopback, DTLS 1.2, SRTP with the preferred AEAD profile.
  const json& t = s["transport"];
  ASSERT_TRUE(t.is_object()) << s;
  EXPECT_EQ(t["local"]["ip"], "127.0.0.1") << t;
  EXPECT_EQ(t["remote"]["ip"], "127.0.0.1") << t;
  EXPECT_EQ(t["dtls"]["version"], "DTLSv1.2") << t;
  EXPECT_EQ(t["srtp"]["profile"], "SRTP_AEAD_AES_128_GCM") << t;
  EXPECT_EQ(t["srtp"]["received"]["auth_failures"], 0) << t;
  EXPECT_GE(s["setup_ms"].get<int>(), 0) << s;
}

struct CallResult {
  json caller;
  json callee;
  int caller_exit = -1;
};

// alice (tone 440) calls bob (tone 880), who answers; alice hangs up after `seconds`.
CallResult tone_call(std::vector<std::string> both, double seconds = 2.5) {
  CallResult r;
  auto server = start_server();
  if (!server)
    return r;
  std::vector<std::string> bob_args = {"--answer", "--audio-source", "tone:880"};
  bob_args.insert(bob_args.end(), both.begin(), both.end());
  Jcall bob(*server, "bob@localhost/desk", "bob-pw-2", bob_args);
  online(bob);
  std::vector<std::string> alice_args = {"--call",   "bob@localhost",  "--audio-source",
                                         "tone:440", "--hangup-after", std::to_string(seconds)};
  alice_args.insert(alice_args.end(), both.begin(), both.end());
  Jcall alice(*server, "alice@localhost/phone", "alice-pw-1", alice_args);
  auto a = alice.wait_event("call-summary", 30s);
  EXPECT_TRUE(a) << alice.raw();
  auto b = bob.wait_event("call-summary", 15s);
  EXPECT_TRUE(b) << bob.raw();
  if (a)
    r.caller = *a;
  if (b)
    r.callee = *b;
  r.caller_exit = alice.finish().value_or(-1);
  EXPECT_EQ(bob.quit(), 0);
  return r;
}

TEST(AudioCalls, OpusTonesHeardBothWays) {
  auto r = tone_call({});
  ASSERT_TRUE(r.caller.is_object() && r.callee.is_object());
  expect_heard(r.caller, 880, "opus/48000");
  expect_heard(r.callee, 440, "opus/48000");
  // --call exits 0 only when the call connected and audio flowed both ways.
  EXPECT_EQ(r.caller_exit, 0);
  EXPECT_EQ(r.caller["termination"]["reason"], "success");
  EXPECT_EQ(r.caller["termination"]["by"], "local");
  EXPECT_EQ(r.callee["termination"]["by"], "peer");
  // DTLS roles: the caller offered actpass, the callee answered active (RFC 5763 §5).
  EXPECT_EQ(r.caller["transport"]["dtls"]["role"], "server");
  EXPECT_EQ(r.callee["transport"]["dtls"]["role"], "client");
}

TEST(AudioCalls, Pcmu) {
  auto r = tone_call({"--audio-codecs", "PCMU"});
  ASSERT_TRUE(r.caller.is_object() && r.callee.is_object());
  expect_heard(r.caller, 880, "PCMU/8000");
  expect_heard(r.callee, 440, "PCMU/8000");
}

TEST(AudioCalls, G722) {
  auto r = tone_call({"--audio-codecs", "G722,opus"});
  ASSERT_TRUE(r.caller.is_object() && r.callee.is_object());
  expect_heard(r.caller, 880, "G722/8000");
  expect_heard(r.callee, 440, "G722/8000");
}

TEST(AudioCalls, CalleeHangsUp) {
  auto server = start_server();
  ASSERT_TRUE(server);
  Jcall bob(*server, "bob@localhost/desk", "bob-pw-2",
            {"--answer", "--audio-source", "tone:880", "--hangup-after", "2.5"});
  online(bob);
  Jcall alice(*server, "alice@localhost/phone", "alice-pw-1", {"--call", "bob@localhost"});
  auto a = alice.wait_event("call-summary", 30s);
  ASSERT_TRUE(a) << alice.raw();
  auto b = bob.wait_event("call-summary", 15s);
  ASSERT_TRUE(b) << bob.raw();
  EXPECT_EQ((*a)["termination"]["by"], "peer") << *a;
  EXPECT_EQ((*a)["termination"]["reason"], "success") << *a;
  EXPECT_EQ((*b)["termination"]["by"], "local") << *b;
  EXPECT_EQ((*a)["audio_flowed"], true) << *a;
  EXPECT_EQ((*b)["audio_flowed"], true) << *b;
  EXPECT_EQ(alice.finish(), 0) << alice.raw();
  EXPECT_EQ(bob.quit(), 0);
}

TEST(AudioCalls, DtmfDigitsArriveInOrder) {
  auto server = start_server();
  ASSERT_TRUE(server);
  Jcall bob(*server, "bob@localhost/desk", "bob-pw-2", {"--answer", "--dtmf", "#0"});
  online(bob);
  Jcall alice(*server, "alice@localhost/phone", "alice-pw-1",
              {"--call", "bob@localhost", "--dtmf", "1#9*5", "--hangup-after", "4"});
  auto a = alice.wait_event("call-summary", 30s);
  ASSERT_TRUE(a) << alice.raw();
  auto b = bob.wait_event("call-summary", 15s);
  ASSERT_TRUE(b) << bob.raw();
  EXPECT_EQ((*b)["dtmf_received"], "1#9*5") << *b;
  EXPECT_EQ((*a)["dtmf_received"], "#0") << *a;
  EXPECT_EQ(audio_stream(*a)["dtmf_sent"], 5) << *a;
  EXPECT_EQ(audio_stream(*b)["dtmf_received"], 5) << *b;
  EXPECT_EQ(alice.finish(), 0);
  EXPECT_EQ(bob.quit(), 0);
}

// The received level in bob's call-stats events, once a condition holds (bounded wait).
std::optional<json> wait_level(Jcall& j,
                               const std::function<bool(double level)>& pred,
                               std::chrono::milliseconds timeout = 8s) {
  return j.wait_for(
      [&](const json& e) {
        if (e["event"] != "call-stats" || e["streams"].empty())
          return false;
        const json& s = e["streams"][0];
        return s.contains("received_tone") && pred(s["received_tone"]["level_dbfs"].get<double>());
      },
      timeout);
}

TEST(AudioCalls, MuteAndHoldSilenceTheCallerAndComeBack) {
  auto server = start_server();
  ASSERT_TRUE(server);
  Jcall bob(*server, "bob@localhost/desk", "bob-pw-2",
            {"--answer", "--audio-source", "tone:880", "--stats-interval", "0.25"});
  online(bob);
  Jcall alice(*server, "alice@localhost/phone", "alice-pw-1", {"--audio-source", "tone:440"});
  online(alice);
  alice.command({{"cmd", "call"}, {"to", "bob@localhost"}});
  ASSERT_TRUE(alice.wait_for(
      [](const json& e) { return e["event"] == "call" && e["state"] == "active"; }, 20s))
      << alice.raw();
  auto loud = [](double l) { return l > -40; };
  auto silent = [](double l) { return l < -60; };
  ASSERT_TRUE(wait_level(bob, loud)) << bob.raw();

  alice.command({{"cmd", "mute"}, {"on", true}});
  EXPECT_TRUE(wait_level(bob, silent)) << bob.raw();
  alice.command({{"cmd", "mute"}, {"on", false}});
  EXPECT_TRUE(wait_level(bob, loud)) << bob.raw();

  alice.command({{"cmd", "hold"}, {"on", true}});
  EXPECT_TRUE(wait_level(bob, silent)) << bob.raw();
  // On hold nothing is sent: bob's received packet count stops growing.
  auto packets = [&]() -> std::int64_t {
    auto e = bob.wait_event("call-stats", 3s);
    return e ? (*e)["streams"][0]["packets_received"].get<std::int64_t>() : -1;
  };
  const auto p1 = packets();
  (void)bob.wait_event("call-stats", 3s);
  (void)bob.wait_event("call-stats", 3s);
  const auto p2 = packets();
  EXPECT_GE(p1, 0);
  EXPECT_LE(p2 - p1, 2) << "packets kept arriving while the caller was on hold";
  alice.command({{"cmd", "hold"}, {"on", false}});
  EXPECT_TRUE(wait_level(bob, loud)) << bob.raw();

  alice.command({{"cmd", "hangup"}});
  EXPECT_TRUE(alice.wait_event("call-summary", 10s)) << alice.raw();
  EXPECT_EQ(alice.quit(), 0);
  EXPECT_EQ(bob.quit(), 0);
}

// RFC 8445 §9 / XEP-0176 §5.5: alice restarts ICE mid-call; both sides get new credentials
// through transport-info and the audio keeps flowing (DTLS-SRTP stays).
TEST(AudioCalls, IceRestartKeepsTheCallGoing) {
  auto server = start_server();
  ASSERT_TRUE(server);
  Jcall bob(*server, "bob@localhost/desk", "bob-pw-2",
            {"--answer", "--audio-source", "tone:880", "--stats-interval", "0.25"});
  online(bob);
  Jcall alice(*server, "alice@localhost/phone", "alice-pw-1", {"--audio-source", "tone:440"});
  online(alice);
  alice.command({{"cmd", "call"}, {"to", "bob@localhost"}});
  auto first_media = [](const json& e) {
    return e["event"] == "call-media" && e["what"] == "first-media";
  };
  ASSERT_TRUE(alice.wait_for(first_media, 20s)) << alice.raw();
  ASSERT_TRUE(bob.wait_for(first_media, 20s)) << bob.raw();
  alice.command({{"cmd", "ice-restart"}});
  auto restarted = [](const json& e) {
    return e["event"] == "call-media" && e["what"] == "ice-restarted";
  };
  EXPECT_TRUE(alice.wait_for(restarted, 10s)) << alice.raw();
  EXPECT_TRUE(bob.wait_for(restarted, 10s)) << bob.raw();
  // Bob's new credentials reach alice in a transport-info after her restart.
  EXPECT_TRUE(alice.wait_for(
      [](const json& e) {
        return e["event"] == "call-signal" && e["dir"] == "received" &&
               e["what"] == "transport-info";
      },
      10s))
      << alice.raw();
  // After the restart bob still receives alice's tone: his packet count keeps growing.
  auto packets = [&]() -> std::int64_t {
    auto e = bob.wait_event("call-stats", 3s);
    return e ? (*e)["streams"][0]["packets_received"].get<std::int64_t>() : -1;
  };
  (void)packets();
  const auto p1 = packets();
  for (int i = 0; i < 4; ++i)
    (void)bob.wait_event("call-stats", 3s);
  const auto p2 = packets();
  EXPECT_GT(p1, 0);
  EXPECT_GT(p2 - p1, 25) << "audio stopped after the ICE restart";
  alice.command({{"cmd", "hangup"}});
  auto a = alice.wait_event("call-summary", 10s);
  ASSERT_TRUE(a) << alice.raw();
  EXPECT_EQ((*a)["audio_flowed"], true) << *a;
  EXPECT_EQ((*a)["termination"]["reason"], "success") << *a;
  EXPECT_EQ(alice.quit(), 0);
  EXPECT_EQ(bob.quit(), 0);
}

// A free UDP port on 127.0.0.1 (bound, read, released) for the test's TURN server.
int free_udp_port() {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 0;
  if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  if (fd >= 0)
    ::close(fd);
  return port;
}

// TURN (RFC 8656) learned through XEP-0215: the test's Prosody announces a coturn on
// 127.0.0.1 with REST credentials (the shared secret of tools/local-server), both sides are
// --relay-only, and the call's media goes through the relay.
TEST(AudioCalls, TurnRelayFromExternalServices) {
  const int turn_port = free_udp_port();
  ASSERT_GT(turn_port, 0);
  std::string error;
  char tmpl[] = "/tmp/jcall-turn-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  auto turn = ChildProcess::spawn(
      {{"turnserver", "-n", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1",
        "--listening-port=" + std::to_string(turn_port), "--use-auth-secret",
        "--static-auth-secret=jcall-test-turn-secret", "--realm=localhost", "--no-tls", "--no-dtls",
        "--no-cli", "--allow-loopback-peers", "--no-tcp-relay", "--log-file=stdout", "--simple-log",
        "--pidfile=" + dir + "/turnserver.pid", "--userdb=" + dir + "/turndb"},
       {},
       true,
       true},
      &error);
  ASSERT_TRUE(turn) << error;
  // Bounded wait until coturn has made its servers (their UDP listeners are open by then).
  bool listening = false;
  for (int i = 0; i < 200 && !listening; ++i) {
    auto line = turn->read_line(50ms);
    listening = line && line->find("Total General servers") != std::string::npos;
  }
  ASSERT_TRUE(listening) << "coturn did not start";

  ProsodyServer::Options options;
  options.accounts = {{"alice", "alice-pw-1"}, {"bob", "bob-pw-2"}};
  options.turn_port = turn_port;
  auto server = ProsodyServer::start(options, &error);
  ASSERT_TRUE(server) << error;
  Jcall bob(*server, "bob@localhost/desk", "bob-pw-2",
            {"--answer", "--audio-source", "tone:880", "--relay-only"});
  online(bob);
  auto servers = bob.wait_event("ice-servers");
  ASSERT_TRUE(servers) << bob.raw();
  EXPECT_EQ((*servers)["discovered"], 2) << *servers;
  Jcall alice(*server, "alice@localhost/phone", "alice-pw-1",
              {"--call", "bob@localhost", "--relay-only", "--hangup-after", "2.5"});
  auto a = alice.wait_event("call-summary", 30s);
  ASSERT_TRUE(a) << alice.raw();
  auto b = bob.wait_event("call-summary", 15s);
  ASSERT_TRUE(b) << bob.raw();
  for (const json* s : {&*a, &*b}) {
    EXPECT_EQ((*s)["audio_flowed"], true) << *s;
    EXPECT_EQ((*s)["transport"]["local"]["type"], "relay") << *s;
    // The relayed address is the TURN server's relay address, not our own socket.
    EXPECT_EQ((*s)["transport"]["local"]["ip"], "127.0.0.1") << *s;
  }
  EXPECT_NEAR(audio_stream(*b)["received_tone"]["frequency_hz"].get<double>(), 440, 5.0) << *b;
  EXPECT_NEAR(audio_stream(*a)["received_tone"]["frequency_hz"].get<double>(), 880, 5.0) << *a;
  EXPECT_EQ(alice.finish(), 0);
  EXPECT_EQ(bob.quit(), 0);
  turn.reset();  // SIGTERM, reaped
  std::filesystem::remove_all(dir);
}

TEST(AudioCalls, WrongFingerprintEndsWithSecurityErrorAndNothingIsPlayed) {
  auto server = start_server();
  ASSERT_TRUE(server);
  Jcall bob(*server, "bob@localhost/desk", "bob-pw-2", {"--answer"});
  online(bob);
  // Alice signals a fingerprint that is not her certificate's: bob's check must fail.
  Jcall alice(*server, "alice@localhost/phone", "alice-pw-1",
              {"--call", "bob@localhost", "--test-wrong-fingerprint"});
  auto a = alice.wait_event("call-summary", 30s);
  ASSERT_TRUE(a) << alice.raw();
  auto b = bob.wait_event("call-summary", 15s);
  ASSERT_TRUE(b) << bob.raw();
  EXPECT_EQ((*b)["termination"]["reason"], "security-error") << *b;
  EXPECT_EQ((*b)["termination"]["by"], "local") << *b;
  // The reason's text names both fingerprints for the user.
  EXPECT_NE((*b)["termination"]["text"].get<std::string>().find("fingerprint"), std::string::npos)
      << *b;
  EXPECT_EQ((*a)["termination"]["reason"], "security-error") << *a;
  EXPECT_EQ((*a)["termination"]["by"], "peer") << *a;
  // Bob never derived keys: not one packet of alice's was unprotected, decoded or played.
  EXPECT_EQ((*b)["audio_flowed"], false) << *b;
  const json& s = audio_stream(*b);
  if (s.is_object()) {
    EXPECT_EQ(s["packets_received"], 0) << s;
    if (s.contains("received_tone")) {
      EXPECT_EQ(s["received_tone"]["samples"], 0) << s;
    }
  }
  EXPECT_EQ((*b)["transport"]["srtp"]["profile"], "") << *b;
  for (const auto& e : bob.all("call-media")) {
    EXPECT_NE(e["what"], "first-media") << e;
  }
  EXPECT_EQ(alice.finish(), 1) << "a call without audio must not exit 0";
  EXPECT_EQ(bob.quit(), 0);
}

TEST(AudioCalls, TamperedSrtpPacketsAreDroppedAndCounted) {
  auto server = start_server();
  ASSERT_TRUE(server);
  Jcall bob(*server, "bob@localhost/desk", "bob-pw-2", {"--answer"});
  online(bob);
  Jcall alice(*server, "alice@localhost/phone", "alice-pw-1",
              {"--call", "bob@localhost", "--test-tamper-srtp", "7", "--hangup-after", "3"});
  auto a = alice.wait_event("call-summary", 30s);
  ASSERT_TRUE(a) << alice.raw();
  auto b = bob.wait_event("call-summary", 15s);
  ASSERT_TRUE(b) << bob.raw();
  EXPECT_EQ((*b)["transport"]["srtp"]["received"]["auth_failures"], 7) << *b;
  EXPECT_EQ((*a)["transport"]["srtp"]["received"]["auth_failures"], 0) << *a;
  // The call goes on: the rest of the audio is heard.
  EXPECT_EQ((*b)["audio_flowed"], true) << *b;
  EXPECT_NEAR(audio_stream(*b)["received_tone"]["frequency_hz"].get<double>(), 440, 5.0) << *b;
  EXPECT_EQ(alice.finish(), 0);
  EXPECT_EQ(bob.quit(), 0);
}

}  // namespace
}  // namespace jcall::test
