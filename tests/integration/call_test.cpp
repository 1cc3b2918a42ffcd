// Calls between `jcall --headless --json` processes through a real Prosody (tests/support):
// XEP-0353 Jingle Message Initiation in front of XEP-0166/0167/0176 sessions, with real media
// behind the seam (libnice on 127.0.0.1, DTLS-SRTP, GStreamer; "active" means ICE and DTLS
// are up between the two processes). Covers the whole JMI flow,
// reject, retract, busy, two devices of the callee, a direct call to a full JID, and video
// removed and added again during a call, mute and hold.
#include <algorithm>
#include <chrono>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/jcall_process.hpp"
#include "support/prosody_fixture.hpp"
#include "support/tcp_proxy.hpp"

namespace jcall::test {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

std::unique_ptr<ProsodyServer> start_server() {
  ProsodyServer::Options options;
  options.accounts = {{"alice", "alice-pw-1"}, {"bob", "bob-pw-2"}, {"carol", "carol-pw-3"}};
  std::string error;
  auto server = ProsodyServer::start(options, &error);
  EXPECT_NE(server, nullptr) << error;
  return server;
}

// The states the user saw for one call, in order.
std::vector<std::string> states(const Jcall& j, const std::string& sid) {
  std::vector<std::string> out;
  for (const auto& e : j.all("call")) {
    if (e["sid"] == sid) {
      out.push_back(e["state"]);
    }
  }
  return out;
}

bool has(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

auto call_state(const std::string& state) {
  return [state](const json& e) { return e["event"] == "call" && e["state"] == state; };
}

// Waits (bounded) until j has sent or received this call stanza ("sent content-add").
auto signal(const std::string& sid, const std::string& dir_what) {
  return [sid, dir_what](const json& e) {
    return e["event"] == "call-signal" && e["sid"] == sid &&
           e["dir"].get<std::string>() + " " + e["what"].get<std::string>() == dir_what;
  };
}

TEST(Calls, JmiProposeRingingProceedThenJingleUntilTerminate) {
  auto server = start_server();
  ASSERT_TRUE(server);
  Jcall bob(*server, "bob@localhost/desk", "bob-pw-2", {"--answer", "--answer-delay", "300"});
  online(bob);
  Jcall alice(*server, "alice@localhost/phone", "alice-pw-1",
              {"--call", "bob@localhost", "--hangup-after", "2"});
  // --call: alice exits once the call has ended, 0 because it connected.
  auto alice_summary = alice.wait_event("call-summary", 20s);
  ASSERT_TRUE(alice_summary) << alice.raw();
  EXPECT_EQ(alice.finish(), 0) << alice.raw();
  auto bob_summary = bob.wait_event("call-summary", 10s);
  ASSERT_TRUE(bob_summary) << bob.raw();
  const std::string sid = (*alice_summary)["sid"];
  EXPECT_EQ((*bob_summary)["sid"], sid);

  // Trickle (XEP-0176): each side's candidates follow its own session-initiate/-accept; the
  // caller's may cross the accept, which is why the two orders are checked apart.
  EXPECT_TRUE(in_order(signals(alice, sid),
                       {"sent propose", "received ringing", "received proceed",
                        "sent session-initiate", "received session-accept",
                        "received transport-info", "sent session-terminate", "sent finish"}));
  EXPECT_TRUE(in_order(signals(alice, sid), {"sent session-initiate", "sent transport-info"}));
  EXPECT_TRUE(in_order(signals(bob, sid),
                       {"received propose", "sent ringing", "sent proceed",
                        "received session-initiate", "sent session-accept", "sent transport-info",
                        "received transport-info", "received session-terminate"}));
  // The finish may have come before bob's summary (which waits for the last media statistics).
  if (!has(signals(bob, sid), "received finish")) {
    EXPECT_TRUE(bob.wait_for(signal(sid, "received finish"))) << bob.raw();
  }
  EXPECT_EQ(states(alice, sid),
            (std::vector<std::string>{"proposing", "ringing", "connecting", "active", "ended"}));
  EXPECT_EQ(states(bob, sid),
            (std::vector<std::string>{"ringing", "connecting", "active", "ended"}));

  const auto incoming = bob.all("call-incoming");
  ASSERT_EQ(incoming.size(), 1u);
  EXPECT_EQ(incoming[0]["from"], "alice@localhost/phone");
  EXPECT_EQ(incoming[0]["jmi"], true);
  EXPECT_EQ(incoming[0]["media"], json::array({"audio"}));

  for (const auto* s : {&*alice_summary, &*bob_summary}) {
    EXPECT_EQ((*s)["connected"], true) << *s;
    EXPECT_GE((*s)["setup_ms"].get<int>(), 0) << *s;
    EXPECT_LT((*s)["setup_ms"].get<int>(), 10000) << *s;
    EXPECT_GE((*s)["candidates_sent"].get<int>(), 1) << *s;
    EXPECT_GE((*s)["candidates_received"].get<int>(), 1) << *s;
    EXPECT_EQ((*s)["termination"]["reason"], "success") << *s;
  }
  EXPECT_EQ((*alice_summary)["termination"]["by"], "local");
  EXPECT_EQ((*bob_summary)["termination"]["by"], "peer");
  EXPECT_EQ((*alice_summary)["peer"], "bob@localhost/desk");
  EXPECT_EQ((*alice_summary)["direction"], "outgoing");
  EXPECT_EQ((*bob_summary)["direction"], "incoming");
  // Bob rang for the --answer-delay before proceeding: setup includes that wait.
  EXPECT_GE((*alice_summary)["setup_ms"].get<int>(), 250) << *alice_summary;
  EXPECT_EQ(bob.quit(), 0);
}

TEST(Calls, RejectedCall) {
  auto server = start_server();
  ASSERT_TRUE(server);
  Jcall bob(*server, "bob@localhost/desk", "bob-pw-2", {"--reject"});
  online(bob);
  Jcall alice(*server, "alice@localhost/phone", "alice-pw-1", {"--call", "bob@localhost"});
  auto ended = alice.wait_for(call_state("ended"), 20s);
  ASSERT_TRUE(ended) << alice.raw();
  EXPECT_EQ((*ended)["reason"], "decline") << *ended;
  EXPECT_EQ((*ended)["by"], "peer") << *ended;
  EXPECT_EQ(alice.finish(), 1) << "a call that never connected exits 1";
  const std::string sid = (*ended)["sid"];
  EXPECT_TRUE(in_order(signals(alice, sid), {"sent propose", "received reject"}));
  EXPECT_FALSE(has(signals(alice, sid), "sent session-initiate"));
  auto bob_ended = bob.wait_for(call_state("ended"));
  ASSERT_TRUE(bob_ended) << bob.raw();
  EXPECT_EQ((*bob_ended)["by"], "local");
  EXPECT_TRUE(in_order(signals(bob, sid), {"received propose", "sent reject"}));
  auto summary = alice.all("call-summary");
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_EQ(summary[0]["connected"], false);
  EXPECT_TRUE(summary[0]["setup_ms"].is_null());
  EXPECT_EQ(bob.quit(), 0);
}

TEST(Calls, CallerRetractsBeforeAnswer) {
  auto server = start_server();
  ASSERT_TRUE(server);
  Jcall bob(*server, "bob@localhost/desk", "bob-pw-2");  // lets it ring
  online(bob);
  Jcall alice(*server, "alice@localhost/phone", "alice-pw-1");
  online(alice);
  alice.command({{"cmd", "call"}, {"to", "bob@localhost"}});
  auto ringing = bob.wait_for(call_state("ringing"));
  ASSERT_TRUE(ringing) << bob.raw();
  ASSERT_TRUE(alice.wait_for(call_state("ringing"))) << alice.raw();
  alice.command({{"cmd", "hangup"}});
  auto ended = bob.wait_for(call_state("ended"));
  ASSERT_TRUE(ended) << bob.raw();
  EXPECT_EQ((*ended)["by"], "peer") << *ended;
  EXPECT_EQ((*ended)["detail"], "retracted") << *ended;
  const std::string sid = (*ended)["sid"];
  EXPECT_TRUE(
      in_order(signals(bob, sid), {"received propose", "sent ringing", "received retract"}));
  auto alice_ended = alice.wait_for(call_state("ended"));
  ASSERT_TRUE(alice_ended) << alice.raw();
  EXPECT_EQ((*alice_ended)["by"], "local");
  EXPECT_TRUE(in_order(signals(alice, sid), {"sent propose", "sent retract"}));
  EXPECT_EQ(alice.quit(), 0);
  EXPECT_EQ(bob.quit(), 0);
}

TEST(Calls, BusyWhileInAnotherCall) {
  auto server = start_server();
  ASSERT_TRUE(server);
  Jcall bob(*server, "bob@localhost/desk", "bob-pw-2", {"--answer"});
  online(bob);
  Jcall carol(*server, "carol@localhost/pc", "carol-pw-3", {"--call", "bob@localhost"});
  ASSERT_TRUE(carol.wait_for(call_state("active"), 20s)) << carol.raw();
  ASSERT_TRUE(bob.wait_for(call_state("active"))) << bob.raw();

  Jcall alice(*server, "alice@localhost/phone", "alice-pw-1", {"--call", "bob@localhost"});
  auto ended = alice.wait_for(call_state("ended"), 20s);
  ASSERT_TRUE(ended) << alice.raw();
  EXPECT_EQ((*ended)["reason"], "busy") << *ended;
  EXPECT_EQ((*ended)["by"], "peer") << *ended;
  EXPECT_EQ(alice.finish(), 1);
  // Bob was never shown the second call, and his call with Carol goes on.
  EXPECT_EQ(bob.all("call-incoming").size(), 1u) << bob.raw();
  carol.command({{"cmd", "hangup"}});
  EXPECT_EQ(carol.finish(), 0) << carol.raw();
  auto bob_ended = bob.wait_for(call_state("ended"));
  ASSERT_TRUE(bob_ended) << bob.raw();
  EXPECT_EQ((*bob_ended)["peer"], "carol@localhost/pc");
  EXPECT_EQ((*bob_ended)["reason"], "success");
  EXPECT_EQ(bob.quit(), 0);
}

// --busy ("do not disturb"): a propose gets a JMI reject with <busy/>, a direct
// session-initiate a session-terminate with <busy/>; bob is never shown either call.
TEST(Calls, BusyFlagRefusesEveryCall) {
  auto server = start_server();
  ASSERT_TRUE(server);
  Jcall bob(*server, "bob@localhost/desk", "bob-pw-2", {"--busy"});
  online(bob);
  Jcall alice(*server, "alice@localhost/phone", "alice-pw-1");
  online(alice);
  alice.command({{"cmd", "call"}, {"to", "bob@localhost"}});
  auto ended = alice.wait_for(call_state("ended"), 20s);
  ASSERT_TRUE(ended) << alice.raw();
  EXPECT_EQ((*ended)["reason"], "busy") << *ended;
  EXPECT_EQ((*ended)["by"], "peer") << *ended;
  EXPECT_TRUE(in_order(signals(alice, (*ended)["sid"]), {"sent propose", "received reject"}));

  alice.command({{"cmd", "call"}, {"to", "bob@localhost/desk"}});  // caps: JMI, so a propose
  ended = alice.wait_for(call_state("ended"), 20s);
  ASSERT_TRUE(ended) << alice.raw();
  EXPECT_EQ((*ended)["reason"], "busy") << *ended;
  EXPECT_EQ(alice.quit(), 0);

  Jcall direct(*server, "alice@localhost/direct", "alice-pw-1",
               {"--call", "bob@localhost/desk", "--jmi", "no"});
  auto direct_ended = direct.wait_for(call_state("ended"), 20s);
  ASSERT_TRUE(direct_ended) << direct.raw();
  EXPECT_EQ((*direct_ended)["reason"], "busy") << *direct_ended;
  EXPECT_EQ((*direct_ended)["by"], "peer") << *direct_ended;
  EXPECT_TRUE(in_order(signals(direct, (*direct_ended)["sid"]),
                       {"sent session-initiate", "received session-terminate"}));
  EXPECT_EQ(direct.finish(), 1);
  bob.pump();
  EXPECT_TRUE(bob.all("call-incoming").empty()) << bob.raw();
  EXPECT_TRUE(bob.all("call").empty()) << bob.raw();
  EXPECT_EQ(bob.quit(), 0);
}

TEST(Calls, SecondDeviceStopsRingingWhenTheFirstAnswers) {
  auto server = start_server();
  ASSERT_TRUE(server);
  Jcall desk(*server, "bob@localhost/desk", "bob-pw-2");
  Jcall phone(*server, "bob@localhost/phone", "bob-pw-2");
  online(desk);
  online(phone);
  Jcall alice(*server, "alice@localhost/laptop", "alice-pw-1");
  online(alice);
  alice.command({{"cmd", "call"}, {"to", "bob@localhost"}});
  auto desk_rings = desk.wait_for(call_state("ringing"));
  auto phone_rings = phone.wait_for(call_state("ringing"));
  ASSERT_TRUE(desk_rings) << desk.raw();
  ASSERT_TRUE(phone_rings) << phone.raw();
  const std::string sid = (*desk_rings)["sid"];
  EXPECT_EQ((*phone_rings)["sid"], sid);

  desk.command({{"cmd", "accept"}});
  auto stopped = phone.wait_for(call_state("ended"));
  ASSERT_TRUE(stopped) << phone.raw();
  EXPECT_EQ((*stopped)["detail"], "answered on another device") << *stopped;
  EXPECT_EQ((*stopped)["sid"], sid);
  auto alice_active = alice.wait_for(call_state("active"), 20s);
  ASSERT_TRUE(alice_active) << alice.raw();
  EXPECT_EQ((*alice_active)["peer"], "bob@localhost/desk");
  ASSERT_TRUE(desk.wait_for(call_state("active"))) << desk.raw();
  // Only the desk got the Jingle session.
  EXPECT_FALSE(has(signals(phone, sid), "received session-initiate"));
  EXPECT_TRUE(has(signals(desk, sid), "received session-initiate"));

  alice.command({{"cmd", "hangup"}});
  auto desk_ended = desk.wait_for(call_state("ended"));
  ASSERT_TRUE(desk_ended) << desk.raw();
  EXPECT_EQ((*desk_ended)["by"], "peer");
  // The phone saw no second end of the call.
  phone.pump();
  EXPECT_EQ(states(phone, sid), (std::vector<std::string>{"ringing", "ended"}));
  EXPECT_EQ(alice.quit(), 0);
  EXPECT_EQ(desk.quit(), 0);
  EXPECT_EQ(phone.quit(), 0);
}

TEST(Calls, DirectCallToAFullJidWithoutJmi) {
  auto server = start_server();
  ASSERT_TRUE(server);
  Jcall bob(*server, "bob@localhost/desk", "bob-pw-2", {"--answer-once"});
  online(bob);
  Jcall alice(*server, "alice@localhost/phone", "alice-pw-1",
              {"--call", "bob@localhost/desk", "--jmi", "no", "--hangup-after", "2"});
  auto summary = alice.wait_event("call-summary", 20s);
  ASSERT_TRUE(summary) << alice.raw();
  EXPECT_EQ((*summary)["connected"], true) << *summary;
  EXPECT_EQ(alice.finish(), 0);
  const std::string sid = (*summary)["sid"];
  const auto sent = signals(alice, sid);
  ASSERT_FALSE(sent.empty());
  EXPECT_EQ(sent.front(), "sent session-initiate");
  EXPECT_FALSE(has(sent, "sent propose"));
  EXPECT_TRUE(in_order(
      sent, {"sent session-initiate", "received session-accept", "sent session-terminate"}));
  auto incoming = bob.wait_event("call-incoming");
  ASSERT_TRUE(incoming) << bob.raw();
  EXPECT_EQ((*incoming)["jmi"], false);
  // --answer-once: bob exits by himself after that call, 0 because it connected.
  EXPECT_EQ(bob.finish(), 0) << bob.raw();
  EXPECT_EQ(bob.all("call-summary").size(), 1u);
}

// A full JID whose caps list urn:xmpp:jingle-message:0 (jcall's do) gets a propose first.
TEST(Calls, FullJidWithJmiInItsCapsGetsAPropose) {
  auto server = start_server();
  ASSERT_TRUE(server);
  Jcall bob(*server, "bob@localhost/desk", "bob-pw-2", {"--answer"});
  online(bob);
  Jcall alice(*server, "alice@localhost/phone", "alice-pw-1",
              {"--call", "bob@localhost/desk", "--hangup-after", "2"});
  auto summary = alice.wait_event("call-summary", 20s);
  ASSERT_TRUE(summary) << alice.raw();
  EXPECT_EQ((*summary)["connected"], true) << *summary;
  EXPECT_EQ(alice.finish(), 0);
  const std::string sid = (*summary)["sid"];
  EXPECT_TRUE(
      in_order(signals(alice, sid), {"sent propose", "received proceed", "sent session-initiate"}));
  for (const auto& e : alice.all("call-signal")) {
    if (e["what"] == "propose") {
      EXPECT_EQ(e["peer"], "bob@localhost/desk");
    }
  }
  EXPECT_EQ(bob.quit(), 0);
}

TEST(Calls, AudioVideoThenVideoOffAndOnAgain) {
  auto server = start_server();
  ASSERT_TRUE(server);
  Jcall bob(*server, "bob@localhost/desk", "bob-pw-2", {"--answer"});
  online(bob);
  Jcall alice(*server, "alice@localhost/phone", "alice-pw-1");
  online(alice);
  alice.command({{"cmd", "call"}, {"to", "bob@localhost"}, {"video", true}});
  auto active = alice.wait_for(call_state("active"), 20s);
  ASSERT_TRUE(active) << alice.raw();
  ASSERT_TRUE(bob.wait_for(call_state("active"))) << bob.raw();
  const std::string sid = (*active)["sid"];
  auto incoming = bob.all("call-incoming");
  ASSERT_EQ(incoming.size(), 1u);
  EXPECT_EQ(incoming[0]["media"], json::array({"audio", "video"}));
  auto media_of = [](const json& configure) {
    std::vector<std::string> m;
    for (const auto& c : configure["contents"]) {
      m.push_back(c["media"]);
    }
    return m;
  };
  auto is_configure = [](const json& e) {
    return e["event"] == "call-media" && e["what"] == "configure";
  };
  const auto configures = alice.all("call-media");
  std::vector<std::string> first;
  for (const auto& e : configures) {
    if (is_configure(e)) {
      first = media_of(e);
      break;
    }
  }
  EXPECT_EQ(first, (std::vector<std::string>{"audio", "video"}));

  alice.command({{"cmd", "video"}, {"on", false}});
  auto removed = bob.wait_for(
      [](const json& e) { return e["event"] == "call-media" && e["what"] == "remove"; });
  ASSERT_TRUE(removed) << bob.raw();
  EXPECT_TRUE(alice.wait_for(signal(sid, "sent content-remove"))) << alice.raw();

  alice.command({{"cmd", "video"}, {"on", true}});
  auto offered = bob.wait_for(
      [](const json& e) { return e["event"] == "call-media" && e["what"] == "content-offered"; });
  ASSERT_TRUE(offered) << bob.raw();
  EXPECT_EQ((*offered)["media"], "video");
  auto reconfigured =
      alice.wait_for([&](const json& e) { return is_configure(e) && has(media_of(e), "video"); });
  ASSERT_TRUE(reconfigured) << alice.raw();
  ASSERT_TRUE(bob.wait_for(signal(sid, "sent content-accept"))) << bob.raw();
  EXPECT_TRUE(in_order(signals(alice, sid),
                       {"sent content-remove", "sent content-add", "received content-accept"}));
  EXPECT_TRUE(in_order(signals(bob, sid),
                       {"received content-remove", "received content-add", "sent content-accept"}));
  // The call is still up, then ends normally.
  alice.command({{"cmd", "hangup"}});
  auto ended = bob.wait_for(call_state("ended"));
  ASSERT_TRUE(ended) << bob.raw();
  EXPECT_EQ((*ended)["reason"], "success");
  ASSERT_TRUE(alice.wait_for(call_state("ended"))) << alice.raw();
  EXPECT_EQ(alice.quit(), 0);
  EXPECT_EQ(bob.quit(), 0);
}

// XEP-0167 §7 session-info through stdin commands: the peer sees mute/unmute and hold/unhold.
TEST(Calls, MuteAndHoldReachThePeer) {
  auto server = start_server();
  ASSERT_TRUE(server);
  Jcall bob(*server, "bob@localhost/desk", "bob-pw-2", {"--answer"});
  online(bob);
  Jcall alice(*server, "alice@localhost/phone", "alice-pw-1");
  online(alice);
  alice.command({{"cmd", "call"}, {"to", "bob@localhost"}});
  auto active = alice.wait_for(call_state("active"), 20s);
  ASSERT_TRUE(active) << alice.raw();
  ASSERT_TRUE(bob.wait_for(call_state("active"))) << bob.raw();
  auto peer_info = [](const std::string& info) {
    return [info](const json& e) {
      return e["event"] == "call-media" && e["what"] == "peer-info" && e["info"] == info;
    };
  };
  for (const auto& [cmd, on, info] :
       std::vector<std::tuple<std::string, bool, std::string>>{{"mute", true, "mute"},
                                                               {"mute", false, "unmute"},
                                                               {"hold", true, "hold"},
                                                               {"hold", false, "unhold"}}) {
    alice.command({{"cmd", cmd}, {"on", on}});
    EXPECT_TRUE(bob.wait_for(peer_info(info))) << info << "\n" << bob.raw();
  }
  alice.pump();
  EXPECT_TRUE(alice.all("error").empty()) << alice.raw();
  alice.command({{"cmd", "hangup"}});
  auto ended = bob.wait_for(call_state("ended"));
  ASSERT_TRUE(ended) << bob.raw();
  EXPECT_EQ((*ended)["reason"], "success");
  EXPECT_EQ(alice.quit(), 0);
  EXPECT_EQ(bob.quit(), 0);
}

// The client's routing of call stanzas: a Jingle IQ for no session is answered by the call
// logic (XEP-0166 §7.2.1 unknown-session, not the client's service-unavailable), and a JMI
// propose inside a carbon that did not come from our own account is not believed (XEP-0280 §11).
TEST(Calls, ForeignCallStanzas) {
  auto server = start_server();
  ASSERT_TRUE(server);
  Jcall alice(*server, "alice@localhost/phone", "alice-pw-1", {"--answer"});
  Jcall bob(*server, "bob@localhost/desk", "bob-pw-2");
  online(alice);
  online(bob);
  bob.command({{"cmd", "iq"},
               {"xml",
                "<iq type='set' to='alice@localhost/phone'><jingle xmlns='urn:xmpp:jingle:1' "
                "action='session-terminate' sid='no-such-session'><reason><success/></reason>"
                "</jingle></iq>"}});
  auto answer = bob.wait_event("iq_result");
  ASSERT_TRUE(answer) << bob.raw();
  EXPECT_EQ((*answer)["ok"], false);
  const std::string error = (*answer)["error"];
  EXPECT_NE(error.find("item-not-found"), std::string::npos) << error;

  // A forged carbon: Bob wraps a propose "from Alice's other device" in <received/>.
  bob.command(
      {{"cmd", "raw"},
       {"xml",
        "<message to='alice@localhost/phone' type='chat'><received xmlns='urn:xmpp:carbons:2'>"
        "<forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:client' "
        "from='mallory@localhost/x' to='alice@localhost/phone' type='chat'><propose "
        "xmlns='urn:xmpp:jingle-message:0' id='forged-1'><description "
        "xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'/></propose></message></forwarded>"
        "</received></message>"}});
  // A real call afterwards shows alice is listening; the forged one never rang.
  bob.command({{"cmd", "call"}, {"to", "alice@localhost/phone"}, {"video", false}});
  auto incoming = alice.wait_event("call-incoming", 15s);
  ASSERT_TRUE(incoming) << alice.raw();
  EXPECT_EQ((*incoming)["from"], "bob@localhost/desk");
  EXPECT_NE((*incoming)["sid"], "forged-1");
  ASSERT_TRUE(bob.wait_for(call_state("active"), 20s)) << bob.raw();
  for (const auto& e : alice.all("call")) {
    EXPECT_NE(e["sid"], "forged-1") << e;
  }
  bob.command({{"cmd", "hangup"}});
  ASSERT_TRUE(alice.wait_for(call_state("ended"))) << alice.raw();
  EXPECT_EQ(alice.quit(), 0);
  EXPECT_EQ(bob.quit(), 0);
}

TEST(Calls, UnansweredCallTimesOut) {
  auto server = start_server();
  ASSERT_TRUE(server);
  Jcall bob(*server, "bob@localhost/desk", "bob-pw-2");  // rings, nobody answers
  online(bob);
  Jcall alice(*server, "alice@localhost/phone", "alice-pw-1",
              {"--call", "bob@localhost", "--ring-timeout", "1.5"});
  auto ended = alice.wait_for(call_state("ended"), 20s);
  ASSERT_TRUE(ended) << alice.raw();
  EXPECT_EQ((*ended)["reason"], "timeout") << *ended;
  EXPECT_EQ((*ended)["by"], "local") << *ended;
  EXPECT_EQ(alice.finish(), 1);
  const auto timeline = alice.all("call-summary").at(0)["timeline"];
  ASSERT_GE(timeline.size(), 2u);
  // From the propose to the end: the ring timeout, not much less, not much more.
  const auto span = timeline.back()["t_ms"].get<int>() - timeline.front()["t_ms"].get<int>();
  EXPECT_GE(span, 1400) << timeline;
  EXPECT_LT(span, 5000) << timeline;
  auto bob_ended = bob.wait_for(call_state("ended"));
  ASSERT_TRUE(bob_ended) << bob.raw();
  EXPECT_EQ((*bob_ended)["by"], "peer");
  EXPECT_EQ(bob.quit(), 0);
}

// XEP-0198: the callee's TCP connection is cut during the call; it resumes its XMPP session,
// the call goes on, and the caller's session-terminate (sent meanwhile) still reaches it.
TEST(Calls, CallSurvivesAResumedConnection) {
  auto server = start_server();
  ASSERT_TRUE(server);
  TcpProxy proxy(static_cast<std::uint16_t>(server->port()));
  Jcall bob(*server, "bob@localhost/desk", "bob-pw-2", {"--answer"}, proxy.port());
  online(bob);
  Jcall alice(*server, "alice@localhost/phone", "alice-pw-1");
  online(alice);
  alice.command({{"cmd", "call"}, {"to", "bob@localhost"}});
  ASSERT_TRUE(alice.wait_for(call_state("active"), 20s)) << alice.raw();
  auto active = bob.wait_for(call_state("active"));
  ASSERT_TRUE(active) << bob.raw();
  EXPECT_EQ(proxy.cut(), 1);
  alice.command({{"cmd", "hangup"}});
  auto resumed = bob.wait_for([](const json& e) { return e["event"] == "connected"; }, 20s);
  ASSERT_TRUE(resumed) << bob.raw();
  EXPECT_EQ((*resumed)["resumed"], true);
  auto ended = bob.wait_for(call_state("ended"), 20s);
  ASSERT_TRUE(ended) << bob.raw();
  EXPECT_EQ((*ended)["sid"], (*active)["sid"]);
  EXPECT_EQ((*ended)["reason"], "success") << *ended;
  EXPECT_EQ((*ended)["by"], "peer") << *ended;
  EXPECT_EQ(alice.quit(), 0);
  EXPECT_EQ(bob.quit(), 0);
}

// --audio-codecs: alice offers only PCMU, so both sides configure PCMU; an unknown name is a
// usage error that names it.
TEST(Calls, CodecPreferencesFromTheCommandLine) {
  auto server = start_server();
  ASSERT_TRUE(server);
  Jcall wrong(*server, "alice@localhost/x", "alice-pw-1", {"--audio-codecs", "opus,speex9"});
  EXPECT_EQ(wrong.finish(), 2);

  Jcall bob(*server, "bob@localhost/desk", "bob-pw-2", {"--answer"});
  online(bob);
  Jcall alice(*server, "alice@localhost/phone", "alice-pw-1",
              {"--call", "bob@localhost", "--audio-codecs", "pcmu", "--hangup-after", "2"});
  auto configure = [](const json& e) {
    return e["event"] == "call-media" && e["what"] == "configure";
  };
  auto mine = alice.wait_for(configure, 20s);
  auto theirs = bob.wait_for(configure, 20s);
  ASSERT_TRUE(mine) << alice.raw();
  ASSERT_TRUE(theirs) << bob.raw();
  for (const auto* c : {&*mine, &*theirs}) {
    ASSERT_EQ((*c)["contents"].size(), 1u) << *c;
    const auto codecs = (*c)["contents"][0]["codecs"];
    ASSERT_FALSE(codecs.empty()) << *c;
    EXPECT_EQ(codecs[0], "PCMU") << *c;
    for (const auto& name : codecs) {
      EXPECT_TRUE(name == "PCMU" || name == "telephone-event") << *c;
    }
  }
  EXPECT_EQ(alice.finish(), 0) << alice.raw();
  EXPECT_EQ(bob.quit(), 0);
}

}  // namespace
}  // namespace jcall::test
