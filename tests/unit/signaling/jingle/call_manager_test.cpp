// XEP-0353 Jingle Message Initiation and the per-account call routing of CallManager, driven
// through an in-memory server: alice has one device, bob two (bob/phone and bob/laptop), and
// carol/mallory appear where a third party is needed. Messages to a bare JID reach every device
// of the account; a type=chat message produces XEP-0280 "sent" carbons at the sender's other
// devices and "received" carbons at the recipient's other devices when it was addressed to a
// full JID; IQs go to the full JID. Media is simulated: every NeedTransports is answered with a
// transport, one host candidate and gathering-done; every ConfigureMedia with "connected".
// Time comes from a fake clock.
#include "signaling/jingle/call_manager.hpp"

#include <deque>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "signaling/jingle/ns.hpp"
#include "signaling/xml/parser.hpp"
#include "signaling/xml/serializer.hpp"
#include "signaling/xmpp/jid.hpp"

namespace jcall::signaling::jingle {
namespace {

using Carbon = CallManager::Carbon;

xmpp::Jid jid(std::string_view s) {
  auto j = xmpp::Jid::parse(s);
  EXPECT_TRUE(j) << s;
  return *j;
}

xml::Element parse(std::string_view text) {
  auto e = xml::parse_element(text);
  EXPECT_TRUE(e) << text;
  return e ? *e : xml::Element{};
}

const TimePoint kStart = TimePoint{} + std::chrono::hours(1);

struct Delivered {
  std::string from;
  xml::Element stanza;  // as sent (without 'from')
};

struct Device {
  xmpp::Jid jid;
  std::unique_ptr<CallManager> manager;
  std::vector<CallOutput> events;  // everything but Send
  bool auto_media = true;
  int next_transport = 0;
};

class Server {
 public:
  Device& add(std::string_view full_jid, std::string sid_prefix) {
    Device d;
    d.jid = jid(full_jid);
    CallManagerConfig config;
    config.self = d.jid;
    auto ids = std::make_shared<int>(0);
    std::string id_prefix = d.jid.local() + "-" + d.jid.resource() + "-id-";
    config.make_id = [ids, id_prefix] { return id_prefix + std::to_string(++*ids); };
    auto sids = std::make_shared<int>(0);
    config.make_sid = [sids, sid_prefix] { return sid_prefix + std::to_string(++*sids); };
    d.manager = std::make_unique<CallManager>(std::move(config));
    auto [it, inserted] = devices_.emplace(std::string(full_jid), std::move(d));
    EXPECT_TRUE(inserted);
    return it->second;
  }

  Device& operator[](std::string_view full_jid) { return devices_.at(std::string(full_jid)); }
  TimePoint now() const { return now_; }

  // Moves every output to the wire and delivers until nothing moves any more.
  void pump() {
    for (int guard = 0; guard < 10000; ++guard) {
      collect();
      if (wire_.empty())
        return;
      auto [from, stanza] = std::move(wire_.front());
      wire_.pop_front();
      deliver(from, std::move(stanza));
    }
    FAIL() << "the calls never settle";
  }

  // Collects outputs (answering media requests) without delivering anything.
  void collect() {
    for (bool moved = true; moved;) {
      moved = false;
      for (auto& [name, d] : devices_) {
        while (d.manager->has_output()) {
          moved = true;
          handle_output(d, d.manager->next_output());
        }
      }
    }
  }

  // Advances the fake clock and fires the timers that are due.
  void advance(std::chrono::milliseconds by) {
    now_ += by;
    for (auto& [name, d] : devices_)
      if (auto when = d.manager->next_deadline(); when && *when <= now_)
        d.manager->on_timer(now_);
    pump();
  }

  // Injects a stanza as if `from` had sent it.
  void inject(std::string_view from, std::string_view text) {
    deliver(std::string(from), parse(text));
    pump();
  }

  const std::vector<Delivered>& log() const { return log_; }
  std::vector<std::string> unhandled;  // stanzas a CallManager said were not about calls

 private:
  void handle_output(Device& d, CallOutput out) {
    if (auto* send = std::get_if<call_out::Send>(&out)) {
      wire_.emplace_back(d.jid.str(), std::move(send->stanza));
      return;
    }
    if (auto* need = std::get_if<call_out::NeedTransports>(&out); need && d.auto_media) {
      std::vector<LocalTransport> transports;
      for (std::size_t i = 0; i < need->media.size(); ++i) {
        LocalTransport t;
        const int n = ++d.next_transport;
        t.ufrag = d.jid.local() + std::to_string(n);
        t.pwd = "pwd-of-" + d.jid.local() + "-" + std::to_string(n) + "-0123456789";
        t.fingerprint =
            "BB:26:29:C4:29:6D:53:17:A8:3D:6F:8E:30:8F:5A:62:D6:CE:C9:AA:38:38:C0:5F:63:34:C5:"
            "45:2C:48:F6:14";
        transports.push_back(t);
      }
      const std::string sid = need->sid;
      const std::vector<std::string> names = need->contents;
      d.events.push_back(std::move(out));
      EXPECT_TRUE(d.manager->provide_transports(sid, std::move(transports), now_));
      for (std::size_t i = 0; i < names.size(); ++i) {
        Candidate c;
        c.foundation = "1";
        c.ip = "127.0.0.1";
        c.port = static_cast<std::uint16_t>(40000 + d.next_transport * 10 + i);
        c.priority = 2122260223;
        c.protocol = "udp";
        c.type = "host";
        c.generation = 0;
        c.id = "c" + std::to_string(i);
        c.network = 1;
        d.manager->local_candidate(sid, names[i], c, now_);
        d.manager->gathering_done(sid, names[i], now_);
      }
      return;
    }
    if (auto* media = std::get_if<call_out::Media>(&out); media && d.auto_media) {
      if (auto* configure = std::get_if<out::ConfigureMedia>(&media->output)) {
        const std::string sid = media->sid;
        std::vector<std::string> names;
        for (const auto& c : configure->contents)
          names.push_back(c.name);
        d.events.push_back(std::move(out));
        for (const auto& name : names)
          d.manager->transport_connected(sid, name, now_);
        return;
      }
    }
    d.events.push_back(std::move(out));
  }

  void hand(Device& d, const xml::Element& stanza, Carbon carbon) {
    if (!d.manager->handle_stanza(stanza, now_, carbon))
      unhandled.push_back(d.jid.str() + " <- " + xml::to_string(stanza));
  }

  void deliver(const std::string& from, xml::Element stanza) {
    log_.push_back({from, stanza});
    stanza.set_attr("from", from);
    const xmpp::Jid sender = jid(from);
    const xmpp::Jid to = jid(stanza.attr_or("to", ""));
    if (stanza.name == "message") {
      if (stanza.attr_or("type", "") == "chat")
        for (auto& [name, d] : devices_)
          if (d.jid.bare() == sender.bare() && d.jid != sender)
            hand(d, stanza, Carbon::kSent);
      for (auto& [name, d] : devices_) {
        if (d.jid.bare() != to.bare())
          continue;
        if (to.is_bare() || d.jid == to)
          hand(d, stanza, Carbon::kNone);
        else if (stanza.attr_or("type", "") == "chat")
          hand(d, stanza, Carbon::kReceived);
      }
      return;
    }
    auto it = devices_.find(to.str());
    if (it != devices_.end())
      hand(it->second, stanza, Carbon::kNone);
  }

  TimePoint now_ = kStart;
  std::map<std::string, Device> devices_;
  std::deque<std::pair<std::string, xml::Element>> wire_;
  std::vector<Delivered> log_;
};

// ---- what happened ----

std::vector<CallState> states(const Device& d, std::string_view sid) {
  std::vector<CallState> out;
  for (const auto& e : d.events)
    if (auto* s = std::get_if<call_out::StateChanged>(&e); s && s->sid == sid)
      out.push_back(s->state);
  return out;
}

const call_out::StateChanged* last_state(const Device& d, std::string_view sid) {
  const call_out::StateChanged* last = nullptr;
  for (const auto& e : d.events)
    if (auto* s = std::get_if<call_out::StateChanged>(&e); s && s->sid == sid)
      last = s;
  return last;
}

std::vector<call_out::Incoming> incoming(const Device& d) {
  std::vector<call_out::Incoming> out;
  for (const auto& e : d.events)
    if (auto* i = std::get_if<call_out::Incoming>(&e))
      out.push_back(*i);
  return out;
}

// The JMI messages of this kind that `from` sent, with the payload element.
std::vector<const Delivered*> jmi_sent(const Server& s,
                                       std::string_view from,
                                       std::string_view kind,
                                       std::string_view sid = {}) {
  std::vector<const Delivered*> out;
  for (const auto& d : s.log()) {
    if (d.from != from || d.stanza.name != "message")
      continue;
    const xml::Element* p = d.stanza.child(kind, ns::kJingleMessage);
    if (p && (sid.empty() || p->attr_or("id", "") == sid))
      out.push_back(&d);
  }
  return out;
}

std::vector<const Delivered*> jingle_sent(const Server& s,
                                          std::string_view from,
                                          std::string_view action) {
  std::vector<const Delivered*> out;
  for (const auto& d : s.log()) {
    if (d.from != from || d.stanza.name != "iq")
      continue;
    const xml::Element* j = d.stanza.child("jingle", ns::kJingle);
    if (j && j->attr_or("action", "") == action)
      out.push_back(&d);
  }
  return out;
}

std::string to_of(const Delivered* d) {
  return std::string(d->stanza.attr_or("to", ""));
}

const xml::Element* reason_of(const Delivered* d, std::string_view kind) {
  const xml::Element* p = d->stanza.child(kind, ns::kJingleMessage);
  return p ? p->child("reason", ns::kJingle) : nullptr;
}

class CallManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.add("alice@example.com/desk", "a-sid-");
    server_.add("bob@example.com/phone", "b-sid-");
    server_.add("bob@example.com/laptop", "l-sid-");
  }
  Device& alice() { return server_["alice@example.com/desk"]; }
  Device& phone() { return server_["bob@example.com/phone"]; }
  Device& laptop() { return server_["bob@example.com/laptop"]; }

  std::string call_bob(CallOptions options = {}) {
    auto sid = alice().manager->call(jid("bob@example.com"), options, server_.now());
    EXPECT_TRUE(sid);
    server_.pump();
    return sid ? *sid : std::string();
  }

  Server server_;
};

// ---- tests ----

TEST_F(CallManagerTest, JmiFullFlow) {
  const std::string sid = call_bob();
  EXPECT_EQ(sid, "a-sid-1");

  // The propose, as XEP-0353 §3.1 and the StanzaJS capture have it.
  auto proposes = jmi_sent(server_, "alice@example.com/desk", "propose");
  ASSERT_EQ(proposes.size(), 1u);
  EXPECT_EQ(proposes[0]->stanza,
            parse("<message xmlns='jabber:client' to='bob@example.com' type='chat' "
                  "id='alice-desk-id-1'><origin-id xmlns='urn:xmpp:sid:0' id='alice-desk-id-1'/>"
                  "<propose xmlns='urn:xmpp:jingle-message:0' id='a-sid-1'>"
                  "<description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'/></propose>"
                  "<store xmlns='urn:xmpp:hints'/></message>"));
  // The caller prepared media right away.
  ASSERT_FALSE(alice().events.empty());
  auto* need = std::get_if<call_out::NeedTransports>(&alice().events[1]);
  ASSERT_NE(need, nullptr);
  EXPECT_EQ(need->media, std::vector<codecs::MediaType>{codecs::MediaType::kAudio});

  // Both of bob's devices ring, and each says so.
  for (Device* d : {&phone(), &laptop()}) {
    auto in = incoming(*d);
    ASSERT_EQ(in.size(), 1u) << d->jid.str();
    EXPECT_EQ(in[0].sid, sid);
    EXPECT_EQ(in[0].from, alice().jid);
    EXPECT_TRUE(in[0].jmi);
    EXPECT_EQ(states(*d, sid), std::vector<CallState>{CallState::kRinging});
    auto ringing = jmi_sent(server_, d->jid.str(), "ringing", sid);
    ASSERT_EQ(ringing.size(), 1u);
    EXPECT_EQ(to_of(ringing[0]), "alice@example.com");
  }
  EXPECT_EQ(states(alice(), sid),
            (std::vector<CallState>{CallState::kProposing, CallState::kRinging}));

  // The phone answers: proceed to alice's bare JID, then the session goes to the phone.
  ASSERT_TRUE(phone().manager->accept(sid, server_.now()));
  server_.pump();
  auto proceeds = jmi_sent(server_, "bob@example.com/phone", "proceed", sid);
  ASSERT_EQ(proceeds.size(), 1u);
  EXPECT_EQ(to_of(proceeds[0]), "alice@example.com");
  auto initiates = jingle_sent(server_, "alice@example.com/desk", "session-initiate");
  ASSERT_EQ(initiates.size(), 1u);
  EXPECT_EQ(to_of(initiates[0]), "bob@example.com/phone");
  EXPECT_EQ(initiates[0]->stanza.child("jingle", ns::kJingle)->attr_or("sid", ""), sid);
  auto accepts = jingle_sent(server_, "bob@example.com/phone", "session-accept");
  ASSERT_EQ(accepts.size(), 1u);
  EXPECT_EQ(to_of(accepts[0]), "alice@example.com/desk");
  EXPECT_FALSE(jingle_sent(server_, "alice@example.com/desk", "transport-info").empty());
  EXPECT_FALSE(jingle_sent(server_, "bob@example.com/phone", "transport-info").empty());

  EXPECT_EQ(states(alice(), sid),
            (std::vector<CallState>{CallState::kProposing, CallState::kRinging,
                                    CallState::kConnecting, CallState::kActive}));
  EXPECT_EQ(
      states(phone(), sid),
      (std::vector<CallState>{CallState::kRinging, CallState::kConnecting, CallState::kActive}));
  EXPECT_EQ(last_state(laptop(), sid)->detail, "answered on another device");
  EXPECT_EQ(alice().manager->active_calls(), std::vector<std::string>{sid});
  EXPECT_EQ(phone().manager->active_calls(), std::vector<std::string>{sid});
  EXPECT_TRUE(laptop().manager->active_calls().empty());

  // Alice hangs up: session-terminate, and both send <finish/> to the other's bare JID.
  ASSERT_TRUE(alice().manager->hangup(sid, server_.now()));
  server_.pump();
  ASSERT_EQ(jingle_sent(server_, "alice@example.com/desk", "session-terminate").size(), 1u);
  auto alice_finish = jmi_sent(server_, "alice@example.com/desk", "finish", sid);
  auto bob_finish = jmi_sent(server_, "bob@example.com/phone", "finish", sid);
  ASSERT_EQ(alice_finish.size(), 1u);
  ASSERT_EQ(bob_finish.size(), 1u);
  EXPECT_EQ(to_of(alice_finish[0]), "bob@example.com");
  EXPECT_EQ(to_of(bob_finish[0]), "alice@example.com");
  ASSERT_NE(reason_of(bob_finish[0], "finish"), nullptr);
  EXPECT_NE(reason_of(bob_finish[0], "finish")->child("success", ns::kJingle), nullptr);
  EXPECT_EQ(last_state(alice(), sid)->state, CallState::kEnded);
  EXPECT_FALSE(last_state(alice(), sid)->by_peer);
  EXPECT_EQ(last_state(phone(), sid)->state, CallState::kEnded);
  EXPECT_TRUE(last_state(phone(), sid)->by_peer);
  EXPECT_EQ(last_state(phone(), sid)->detail, "hung up by peer");
  EXPECT_EQ(last_state(alice(), sid)->detail, "hung up");
  EXPECT_TRUE(alice().manager->active_calls().empty());
  EXPECT_TRUE(phone().manager->active_calls().empty());
  EXPECT_TRUE(server_.unhandled.empty()) << server_.unhandled.front();
}

TEST_F(CallManagerTest, JmiRejectEndsTheCallAsDeclinedByPeer) {
  const std::string sid = call_bob();
  ASSERT_TRUE(phone().manager->reject(sid, server_.now()));
  server_.pump();
  auto rejects = jmi_sent(server_, "bob@example.com/phone", "reject", sid);
  ASSERT_EQ(rejects.size(), 1u);
  EXPECT_EQ(to_of(rejects[0]), "alice@example.com");
  ASSERT_NE(reason_of(rejects[0], "reject"), nullptr);
  EXPECT_NE(reason_of(rejects[0], "reject")->child("decline", ns::kJingle), nullptr);

  const auto* a = last_state(alice(), sid);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->state, CallState::kEnded);
  EXPECT_TRUE(a->by_peer);
  ASSERT_TRUE(a->reason);
  EXPECT_EQ(a->reason->condition, Condition::kDecline);
  EXPECT_EQ(a->detail, "declined");
  EXPECT_TRUE(jingle_sent(server_, "alice@example.com/desk", "session-initiate").empty());
  // The laptop stops ringing: it saw its own account's reject as a carbon.
  EXPECT_EQ(last_state(laptop(), sid)->state, CallState::kEnded);
  EXPECT_EQ(last_state(laptop(), sid)->detail, "declined on another device");
  EXPECT_TRUE(server_.unhandled.empty());
}

TEST_F(CallManagerTest, JmiRetractWhenTheCallerHangsUpBeforeAnAnswer) {
  const std::string sid = call_bob();
  ASSERT_EQ(states(phone(), sid), std::vector<CallState>{CallState::kRinging});
  ASSERT_TRUE(alice().manager->hangup(sid, server_.now()));
  server_.pump();
  auto retracts = jmi_sent(server_, "alice@example.com/desk", "retract", sid);
  ASSERT_EQ(retracts.size(), 1u);
  EXPECT_EQ(to_of(retracts[0]), "bob@example.com");
  EXPECT_NE(reason_of(retracts[0], "retract")->child("cancel", ns::kJingle), nullptr);
  EXPECT_EQ(last_state(alice(), sid)->state, CallState::kEnded);
  EXPECT_FALSE(last_state(alice(), sid)->by_peer);
  for (Device* d : {&phone(), &laptop()}) {
    const auto* s = last_state(*d, sid);
    EXPECT_EQ(s->state, CallState::kEnded);
    EXPECT_TRUE(s->by_peer);
    EXPECT_EQ(s->detail, "retracted");
    EXPECT_FALSE(d->manager->accept(sid, server_.now()));
  }
  EXPECT_TRUE(jmi_sent(server_, "bob@example.com/phone", "proceed").empty());
}

TEST_F(CallManagerTest, JmiBusyRejectsWithBusyWhileInAnotherCall) {
  server_.add("carol@example.com/tab", "c-sid-");
  Device& carol = server_["carol@example.com/tab"];
  // Alice is in a call with bob.
  const std::string first = call_bob();
  ASSERT_TRUE(phone().manager->accept(first, server_.now()));
  server_.pump();
  ASSERT_EQ(last_state(alice(), first)->state, CallState::kActive);

  auto second = carol.manager->call(jid("alice@example.com"), {}, server_.now());
  ASSERT_TRUE(second);
  server_.pump();
  auto rejects = jmi_sent(server_, "alice@example.com/desk", "reject", *second);
  ASSERT_EQ(rejects.size(), 1u);
  EXPECT_EQ(to_of(rejects[0]), "carol@example.com");
  EXPECT_NE(reason_of(rejects[0], "reject")->child("busy", ns::kJingle), nullptr);
  EXPECT_TRUE(jmi_sent(server_, "alice@example.com/desk", "ringing", *second).empty());
  const auto* c = last_state(carol, *second);
  EXPECT_EQ(c->state, CallState::kEnded);
  EXPECT_TRUE(c->by_peer);
  EXPECT_EQ(c->detail, "busy");
  ASSERT_TRUE(c->reason);
  EXPECT_EQ(c->reason->condition, Condition::kBusy);
  // Alice was never rung and her call goes on.
  EXPECT_EQ(incoming(alice()).size(), 0u);
  EXPECT_EQ(alice().manager->active_calls(), std::vector<std::string>{first});

  // With the busy policy off, the same call rings.
  alice().manager->set_busy_policy(false);
  auto third = carol.manager->call(jid("alice@example.com"), {}, server_.now());
  ASSERT_TRUE(third);
  server_.pump();
  ASSERT_EQ(incoming(alice()).size(), 1u);
  EXPECT_EQ(jmi_sent(server_, "alice@example.com/desk", "ringing", *third).size(), 1u);
}

TEST_F(CallManagerTest, CalleeHangsUpAfterProceedBeforeTheSessionInitiate) {
  alice().auto_media = false;  // alice's media is slow: no session-initiate yet
  const std::string sid = call_bob();
  ASSERT_TRUE(phone().manager->accept(sid, server_.now()));
  server_.pump();
  ASSERT_EQ(last_state(alice(), sid)->state, CallState::kConnecting);
  ASSERT_TRUE(jingle_sent(server_, "alice@example.com/desk", "session-initiate").empty());

  ASSERT_TRUE(phone().manager->hangup(sid, server_.now()));
  server_.pump();
  auto finishes = jmi_sent(server_, "bob@example.com/phone", "finish", sid);
  ASSERT_EQ(finishes.size(), 1u);
  EXPECT_EQ(to_of(finishes[0]), "alice@example.com");
  const auto* a = last_state(alice(), sid);
  EXPECT_EQ(a->state, CallState::kEnded);
  EXPECT_TRUE(a->by_peer);
  EXPECT_EQ(a->detail, "finished");
  // Alice owes no finish of her own (nothing started), and her media arrives too late.
  EXPECT_TRUE(jmi_sent(server_, "alice@example.com/desk", "finish").empty());
  EXPECT_FALSE(alice().manager->provide_transports(sid, {LocalTransport{}}, server_.now()));
}

TEST_F(CallManagerTest, SecondDeviceStopsRingingWhenTheFirstAnswers) {
  const std::string sid = call_bob();
  ASSERT_EQ(states(laptop(), sid), std::vector<CallState>{CallState::kRinging});
  ASSERT_TRUE(phone().manager->accept(sid, server_.now()));
  server_.pump();
  const auto* s = last_state(laptop(), sid);
  EXPECT_EQ(s->state, CallState::kEnded);
  EXPECT_EQ(s->detail, "answered on another device");
  EXPECT_FALSE(s->by_peer);
  EXPECT_TRUE(laptop().manager->active_calls().empty());
  // The laptop said nothing to alice beyond its ringing.
  EXPECT_TRUE(jmi_sent(server_, "bob@example.com/laptop", "reject").empty());
  EXPECT_TRUE(jmi_sent(server_, "bob@example.com/laptop", "finish").empty());
  EXPECT_EQ(last_state(phone(), sid)->state, CallState::kActive);
}

TEST_F(CallManagerTest, SecondDeviceStopsRingingWhenTheFirstRejects) {
  const std::string sid = call_bob();
  ASSERT_TRUE(laptop().manager->reject(sid, server_.now()));
  server_.pump();
  const auto* s = last_state(phone(), sid);
  EXPECT_EQ(s->state, CallState::kEnded);
  EXPECT_EQ(s->detail, "declined on another device");
  EXPECT_TRUE(jmi_sent(server_, "bob@example.com/phone", "reject").empty());
  EXPECT_EQ(last_state(alice(), sid)->detail, "declined");
}

TEST_F(CallManagerTest, BothDevicesAnswerAtOnceTheFirstProceedWins) {
  const std::string sid = call_bob();
  ASSERT_TRUE(phone().manager->accept(sid, server_.now()));
  server_.collect();  // the phone's proceed is on the wire first
  ASSERT_TRUE(laptop().manager->accept(sid, server_.now()));
  server_.pump();
  auto initiates = jingle_sent(server_, "alice@example.com/desk", "session-initiate");
  ASSERT_EQ(initiates.size(), 1u);
  EXPECT_EQ(to_of(initiates[0]), "bob@example.com/phone");
  // The laptop, which lost, is told so directly (not through the bare JID).
  auto retracts = jmi_sent(server_, "alice@example.com/desk", "retract", sid);
  ASSERT_EQ(retracts.size(), 1u);
  EXPECT_EQ(to_of(retracts[0]), "bob@example.com/laptop");
  EXPECT_EQ(last_state(laptop(), sid)->state, CallState::kEnded);
  EXPECT_EQ(last_state(phone(), sid)->state, CallState::kActive);
  EXPECT_EQ(last_state(alice(), sid)->state, CallState::kActive);
}

// XEP-0353 §4.1: both propose; the lower session id wins on both sides.
void expect_one_call_after_propose_tie_break(Server& server,
                                             Device& alice,
                                             Device& phone,
                                             Device& laptop,
                                             bool alice_lower) {
  auto a = alice.manager->call(jid("bob@example.com"), {}, server.now());
  auto b = phone.manager->call(jid("alice@example.com"), {}, server.now());
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  ASSERT_EQ(*a < *b, alice_lower);
  server.pump();
  const std::string winner = alice_lower ? *a : *b;
  const std::string loser = alice_lower ? *b : *a;
  Device& winner_caller = alice_lower ? alice : phone;
  Device& loser_caller = alice_lower ? phone : alice;
  const std::string loser_caller_jid = loser_caller.jid.str();
  const std::string winner_caller_jid = winner_caller.jid.str();

  // The loser's caller retracted its propose with <tie-break/> and accepted the other one;
  // the winner's caller rejected the losing propose with <tie-break/>.
  auto retracts = jmi_sent(server, loser_caller_jid, "retract", loser);
  ASSERT_EQ(retracts.size(), 1u);
  EXPECT_NE(retracts[0]
                ->stanza.child("retract", ns::kJingleMessage)
                ->child("tie-break", ns::kJingleMessage),
            nullptr);
  EXPECT_NE(reason_of(retracts[0], "retract")->child("expired", ns::kJingle), nullptr);
  auto rejects = jmi_sent(server, winner_caller_jid, "reject", loser);
  ASSERT_EQ(rejects.size(), 1u);
  EXPECT_NE(rejects[0]
                ->stanza.child("reject", ns::kJingleMessage)
                ->child("tie-break", ns::kJingleMessage),
            nullptr);
  EXPECT_EQ(jmi_sent(server, loser_caller_jid, "proceed", winner).size(), 1u);
  EXPECT_TRUE(jmi_sent(server, winner_caller_jid, "proceed").empty());

  // Exactly one call, the winner's, on both sides; the losing call ended as a tie-break.
  EXPECT_EQ(alice.manager->active_calls(), std::vector<std::string>{winner});
  EXPECT_EQ(phone.manager->active_calls(), std::vector<std::string>{winner});
  EXPECT_TRUE(laptop.manager->active_calls().empty());
  EXPECT_EQ(last_state(alice, winner)->state, CallState::kActive);
  EXPECT_EQ(last_state(phone, winner)->state, CallState::kActive);
  const auto* lost = last_state(loser_caller, loser);
  ASSERT_NE(lost, nullptr);
  EXPECT_EQ(lost->state, CallState::kEnded);
  EXPECT_EQ(lost->detail, "tie-break");
  ASSERT_TRUE(lost->reason);
  EXPECT_EQ(lost->reason->condition, Condition::kAlternativeSession);
  EXPECT_EQ(lost->reason->alternative_sid, winner);
  EXPECT_EQ(jingle_sent(server, winner_caller_jid, "session-initiate").size(), 1u);
  EXPECT_TRUE(jingle_sent(server, loser_caller_jid, "session-initiate").empty());
  // The loser's side never showed the winning call as an incoming ring.
  for (const auto& in : incoming(loser_caller))
    EXPECT_NE(in.sid, winner);
}

TEST_F(CallManagerTest, TieBreakWhenBothProposeAliceLower) {
  expect_one_call_after_propose_tie_break(server_, alice(), phone(), laptop(), true);
  EXPECT_TRUE(server_.unhandled.empty());
}

TEST_F(CallManagerTest, TieBreakWhenBothProposeBobLower) {
  Server server;
  server.add("alice@example.com/desk", "z-sid-");
  server.add("bob@example.com/phone", "b-sid-");
  server.add("bob@example.com/laptop", "l-sid-");
  expect_one_call_after_propose_tie_break(server, server["alice@example.com/desk"],
                                          server["bob@example.com/phone"],
                                          server["bob@example.com/laptop"], false);
}

TEST_F(CallManagerTest, TieBreakWhenBothSendSessionInitiate) {
  CallOptions direct;
  direct.jmi = CallOptions::Jmi::kNo;
  auto a = alice().manager->call(jid("bob@example.com/phone"), direct, server_.now());
  auto b = phone().manager->call(jid("alice@example.com/desk"), direct, server_.now());
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  ASSERT_LT(*a, *b);
  server_.collect();  // both session-initiates are on the wire before either arrives
  server_.pump();

  ASSERT_EQ(jingle_sent(server_, "alice@example.com/desk", "session-initiate").size(), 1u);
  auto bob_initiates = jingle_sent(server_, "bob@example.com/phone", "session-initiate");
  ASSERT_EQ(bob_initiates.size(), 1u);
  // Alice got the higher sid: <conflict/><tie-break/> (XEP-0166 §7.2.16). (Bob's candidates,
  // trickled before he knew, get unknown-session.)
  const std::string bob_initiate_id(bob_initiates[0]->stanza.attr_or("id", ""));
  const Delivered* conflict = nullptr;
  for (const auto& d : server_.log())
    if (d.from == "alice@example.com/desk" && d.stanza.name == "iq" &&
        d.stanza.attr_or("id", "") == bob_initiate_id)
      conflict = &d;
  ASSERT_NE(conflict, nullptr);
  EXPECT_EQ(conflict->stanza.attr_or("type", ""), "error");
  const xml::Element* error = conflict->stanza.child("error", conflict->stanza.ns);
  ASSERT_NE(error, nullptr);
  EXPECT_NE(error->child("conflict", "urn:ietf:params:xml:ns:xmpp-stanzas"), nullptr);
  EXPECT_NE(error->child("tie-break", ns::kJingleErrors), nullptr);

  // Bob accepted alice's session in place of his own; one call results on both sides.
  EXPECT_EQ(jingle_sent(server_, "bob@example.com/phone", "session-accept").size(), 1u);
  EXPECT_TRUE(jingle_sent(server_, "alice@example.com/desk", "session-accept").empty());
  EXPECT_EQ(alice().manager->active_calls(), std::vector<std::string>{*a});
  EXPECT_EQ(phone().manager->active_calls(), std::vector<std::string>{*a});
  EXPECT_EQ(last_state(alice(), *a)->state, CallState::kActive);
  EXPECT_EQ(last_state(phone(), *a)->state, CallState::kActive);
  const auto* lost = last_state(phone(), *b);
  EXPECT_EQ(lost->state, CallState::kEnded);
  EXPECT_EQ(lost->detail, "tie-break");
  ASSERT_TRUE(lost->reason);
  EXPECT_EQ(lost->reason->alternative_sid, *a);
  // The losing session was dropped quietly: no terminate for it.
  EXPECT_TRUE(jingle_sent(server_, "bob@example.com/phone", "session-terminate").empty());
  EXPECT_TRUE(incoming(phone()).empty());
  EXPECT_TRUE(incoming(alice()).empty());
}

TEST_F(CallManagerTest, DirectCallToAFullJidWithoutJmi) {
  CallOptions options;
  options.peer_supports_jmi = false;  // caps without urn:xmpp:jingle-message:0
  auto sid = alice().manager->call(jid("bob@example.com/laptop"), options, server_.now());
  ASSERT_TRUE(sid);
  server_.pump();
  EXPECT_TRUE(jmi_sent(server_, "alice@example.com/desk", "propose").empty());
  auto initiates = jingle_sent(server_, "alice@example.com/desk", "session-initiate");
  ASSERT_EQ(initiates.size(), 1u);
  EXPECT_EQ(to_of(initiates[0]), "bob@example.com/laptop");
  // Only the laptop rings, and says so with session-info <ringing/> (XEP-0167 §7).
  auto in = incoming(laptop());
  ASSERT_EQ(in.size(), 1u);
  EXPECT_FALSE(in[0].jmi);
  EXPECT_EQ(in[0].sid, *sid);
  EXPECT_TRUE(incoming(phone()).empty());
  auto infos = jingle_sent(server_, "bob@example.com/laptop", "session-info");
  ASSERT_EQ(infos.size(), 1u);
  EXPECT_NE(infos[0]->stanza.child("jingle", ns::kJingle)->child("ringing", ns::kRtpInfo), nullptr);
  EXPECT_EQ(states(alice(), *sid),
            (std::vector<CallState>{CallState::kProposing, CallState::kRinging}));

  ASSERT_TRUE(laptop().manager->accept(*sid, server_.now()));
  server_.pump();
  EXPECT_EQ(jingle_sent(server_, "bob@example.com/laptop", "session-accept").size(), 1u);
  EXPECT_EQ(states(alice(), *sid),
            (std::vector<CallState>{CallState::kProposing, CallState::kRinging,
                                    CallState::kConnecting, CallState::kActive}));
  EXPECT_EQ(last_state(laptop(), *sid)->state, CallState::kActive);
  // No JMI anywhere, hence no finish either.
  ASSERT_TRUE(laptop().manager->hangup(*sid, server_.now()));
  server_.pump();
  EXPECT_EQ(last_state(alice(), *sid)->state, CallState::kEnded);
  for (const auto& d : server_.log())
    EXPECT_EQ(JmiMessage::find_in(d.stanza), nullptr) << xml::to_string(d.stanza);
  EXPECT_TRUE(server_.unhandled.empty()) << server_.unhandled.front();
}

TEST_F(CallManagerTest, RingTimeoutRetractsAndEndsWithTimeout) {
  const std::string sid = call_bob();
  server_.advance(std::chrono::seconds(59));
  EXPECT_EQ(last_state(alice(), sid)->state, CallState::kRinging);
  EXPECT_TRUE(jmi_sent(server_, "alice@example.com/desk", "retract").empty());
  server_.advance(std::chrono::seconds(1));
  auto retracts = jmi_sent(server_, "alice@example.com/desk", "retract", sid);
  ASSERT_EQ(retracts.size(), 1u);
  EXPECT_EQ(to_of(retracts[0]), "bob@example.com");
  const auto* a = last_state(alice(), sid);
  EXPECT_EQ(a->state, CallState::kEnded);
  ASSERT_TRUE(a->reason);
  EXPECT_EQ(a->reason->condition, Condition::kTimeout);
  EXPECT_FALSE(a->by_peer);
  for (Device* d : {&phone(), &laptop()}) {
    EXPECT_EQ(last_state(*d, sid)->state, CallState::kEnded);
    EXPECT_EQ(last_state(*d, sid)->detail, "retracted");
  }
}

TEST_F(CallManagerTest, CalleeStopsRingingByItselfWhenTheCallerVanished) {
  const std::string sid = call_bob();
  ASSERT_TRUE(alice().manager->hangup(sid, server_.now()));  // ...but the retract is lost:
  while (alice().manager->has_output())
    (void)alice().manager->next_output();
  server_.advance(std::chrono::seconds(69));
  EXPECT_EQ(last_state(phone(), sid)->state, CallState::kRinging);
  server_.advance(std::chrono::seconds(1));
  EXPECT_EQ(last_state(phone(), sid)->state, CallState::kEnded);
  EXPECT_EQ(last_state(phone(), sid)->detail, "missed");
  EXPECT_TRUE(jmi_sent(server_, "bob@example.com/phone", "reject").empty());
}

TEST_F(CallManagerTest, UnknownSessionGetsItemNotFoundUnknownSession) {
  server_.inject("alice@example.com/desk",
                 "<iq xmlns='jabber:client' type='set' id='x1' to='bob@example.com/phone'>"
                 "<jingle xmlns='urn:xmpp:jingle:1' action='transport-info' sid='nope'>"
                 "<content creator='initiator' name='0'>"
                 "<transport xmlns='urn:xmpp:jingle:transports:ice-udp:1' ufrag='a'/>"
                 "</content></jingle></iq>");
  ASSERT_EQ(server_.log().size(), 2u);
  const Delivered& reply = server_.log()[1];
  EXPECT_EQ(reply.from, "bob@example.com/phone");
  EXPECT_EQ(reply.stanza,
            parse("<iq xmlns='jabber:client' type='error' id='x1' to='alice@example.com/desk'>"
                  "<error type='cancel'>"
                  "<item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
                  "<unknown-session xmlns='urn:xmpp:jingle:errors:1'/>"
                  "</error></iq>"));
  EXPECT_TRUE(phone().events.empty());
  // Not about calls: a plain chat message, an IQ of another protocol.
  EXPECT_FALSE(phone().manager->handle_stanza(
      parse("<message xmlns='jabber:client' from='alice@example.com/desk' type='chat'>"
            "<body>hi</body></message>"),
      server_.now()));
  EXPECT_FALSE(phone().manager->handle_stanza(
      parse("<iq xmlns='jabber:client' from='alice@example.com/desk' type='get' id='p'>"
            "<ping xmlns='urn:xmpp:ping'/></iq>"),
      server_.now()));
}

TEST_F(CallManagerTest, JmiMessageFromAStrangerForAnExistingSidIsIgnored) {
  server_.add("mallory@evil.example/x", "m-sid-");
  const std::string sid = call_bob();
  // Mallory retracts alice's call at bob's, and answers it at alice's.
  server_.inject("mallory@evil.example/x",
                 "<message xmlns='jabber:client' to='bob@example.com' type='chat'>"
                 "<retract xmlns='urn:xmpp:jingle-message:0' id='" +
                     sid +
                     "'><reason xmlns='urn:xmpp:jingle:1'><cancel/></reason></retract>"
                     "</message>");
  server_.inject("mallory@evil.example/x",
                 "<message xmlns='jabber:client' to='alice@example.com' type='chat'>"
                 "<proceed xmlns='urn:xmpp:jingle-message:0' id='" +
                     sid + "'/></message>");
  EXPECT_EQ(states(phone(), sid), std::vector<CallState>{CallState::kRinging});
  EXPECT_EQ(states(laptop(), sid), std::vector<CallState>{CallState::kRinging});
  EXPECT_EQ(states(alice(), sid),
            (std::vector<CallState>{CallState::kProposing, CallState::kRinging}));
  EXPECT_TRUE(jingle_sent(server_, "alice@example.com/desk", "session-initiate").empty());
  // The real callee still can answer.
  ASSERT_TRUE(phone().manager->accept(sid, server_.now()));
  server_.pump();
  EXPECT_EQ(to_of(jingle_sent(server_, "alice@example.com/desk", "session-initiate").at(0)),
            "bob@example.com/phone");
  EXPECT_EQ(last_state(alice(), sid)->state, CallState::kActive);
}

TEST(CallManagerCarbons, CallerOnALowerPriorityDeviceSeesTheAnswerAsACarbon) {
  // The server delivered bob's proceed, addressed to alice's bare JID, to her other (higher
  // priority) device only: alice/desk, which called, gets it as a "received" carbon.
  for (const bool to_bare : {true, false}) {
    Server server;
    Device& alice = server.add("alice@example.com/desk", "a-sid-");
    auto sid = alice.manager->call(jid("bob@example.com"), {}, server.now());
    ASSERT_TRUE(sid);
    server.collect();
    xml::Element proceed =
        parse("<message xmlns='jabber:client' from='bob@example.com/phone' type='chat' to='" +
              std::string(to_bare ? "alice@example.com" : "alice@example.com/other") +
              "'><proceed xmlns='urn:xmpp:jingle-message:0' id='" + *sid + "'/></message>");
    EXPECT_TRUE(alice.manager->handle_stanza(proceed, server.now(), Carbon::kReceived));
    server.collect();
    const auto* st = last_state(alice, *sid);
    ASSERT_NE(st, nullptr);
    if (to_bare) {
      EXPECT_EQ(st->state, CallState::kConnecting);
      EXPECT_EQ(st->peer, jid("bob@example.com/phone"));
    } else {
      // Addressed to another of alice's devices, it is not hers.
      EXPECT_EQ(st->state, CallState::kProposing);
    }
  }
}

TEST_F(CallManagerTest, BouncedProposeEndsTheCallAsUnreachable) {
  server_.add("dave@example.com/x", "d-sid-");
  auto sid = alice().manager->call(jid("nobody@example.com"), {}, server_.now());
  ASSERT_TRUE(sid);
  server_.pump();  // nobody is connected: the server bounces it
  server_.inject("nobody@example.com",
                 "<message xmlns='jabber:client' to='alice@example.com/desk' type='error'>"
                 "<propose xmlns='urn:xmpp:jingle-message:0' id='" +
                     *sid +
                     "'><description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'/>"
                     "</propose><error type='cancel'><service-unavailable "
                     "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>");
  const auto* s = last_state(alice(), *sid);
  EXPECT_EQ(s->state, CallState::kEnded);
  EXPECT_EQ(s->detail, "unreachable");
  ASSERT_TRUE(s->reason);
  EXPECT_EQ(s->reason->condition, Condition::kGone);
  EXPECT_TRUE(server_.unhandled.empty());
  // A bounce from someone else changes nothing.
  auto other = alice().manager->call(jid("bob@example.com"), {}, server_.now());
  ASSERT_TRUE(other);
  server_.inject("dave@example.com/x",
                 "<message xmlns='jabber:client' to='alice@example.com/desk' type='error'>"
                 "<propose xmlns='urn:xmpp:jingle-message:0' id='" +
                     *other +
                     "'><description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'/>"
                     "</propose></message>");
  EXPECT_EQ(last_state(alice(), *other)->state, CallState::kRinging);
}

TEST_F(CallManagerTest, CarbonOfAProposeAlreadyReceivedIsIgnored) {
  // A propose to the phone's full JID: the laptop sees it as a "received" carbon and rings too;
  // a duplicate of the same propose changes nothing.
  CallOptions options;
  options.jmi = CallOptions::Jmi::kYes;
  auto sid = alice().manager->call(jid("bob@example.com/phone"), options, server_.now());
  ASSERT_TRUE(sid);
  server_.pump();
  ASSERT_EQ(incoming(phone()).size(), 1u);
  ASSERT_EQ(incoming(laptop()).size(), 1u);
  const xml::Element propose = jmi_sent(server_, "alice@example.com/desk", "propose")[0]->stanza;
  xml::Element copy = propose;
  copy.set_attr("from", "alice@example.com/desk");
  EXPECT_TRUE(laptop().manager->handle_stanza(copy, server_.now(), Carbon::kReceived));
  EXPECT_TRUE(laptop().manager->handle_stanza(copy, server_.now(), Carbon::kNone));
  server_.pump();
  EXPECT_EQ(incoming(laptop()).size(), 1u);
  EXPECT_EQ(jmi_sent(server_, "bob@example.com/laptop", "ringing").size(), 1u);
}

TEST_F(CallManagerTest, HoldMuteAndVideoUpgradeGoThroughTheSession) {
  const std::string sid = call_bob();
  ASSERT_TRUE(phone().manager->accept(sid, server_.now()));
  server_.pump();
  ASSERT_EQ(last_state(alice(), sid)->state, CallState::kActive);
  EXPECT_FALSE(laptop().manager->set_hold(sid, true, server_.now()));  // not its call

  ASSERT_TRUE(alice().manager->set_hold(sid, true, server_.now()));
  ASSERT_TRUE(alice().manager->set_mute(sid, true, server_.now()));
  server_.pump();
  auto infos = jingle_sent(server_, "alice@example.com/desk", "session-info");
  ASSERT_EQ(infos.size(), 2u);
  EXPECT_NE(infos[0]->stanza.child("jingle", ns::kJingle)->child("hold", ns::kRtpInfo), nullptr);
  EXPECT_NE(infos[1]->stanza.child("jingle", ns::kJingle)->child("mute", ns::kRtpInfo), nullptr);

  // Video on: media prepares a transport first, then content-add.
  ASSERT_TRUE(alice().manager->set_video(sid, true, server_.now()));
  server_.pump();
  auto adds = jingle_sent(server_, "alice@example.com/desk", "content-add");
  ASSERT_EQ(adds.size(), 1u);
  const xml::Element* content =
      adds[0]->stanza.child("jingle", ns::kJingle)->child("content", ns::kJingle);
  ASSERT_NE(content, nullptr);
  const xml::Element* description = content->child("description", ns::kRtp);
  ASSERT_NE(description, nullptr);
  EXPECT_EQ(description->attr_or("media", ""), "video");

  // The phone is offered the video content; it takes it with set_video(true).
  std::string offered;
  for (const auto& e : phone().events)
    if (auto* m = std::get_if<call_out::Media>(&e))
      if (auto* o = std::get_if<out::ContentOffered>(&m->output))
        offered = o->name;
  ASSERT_FALSE(offered.empty());
  EXPECT_EQ(offered, content->attr_or("name", ""));
  ASSERT_TRUE(phone().manager->set_video(sid, true, server_.now()));
  server_.pump();
  auto content_accepts = jingle_sent(server_, "bob@example.com/phone", "content-accept");
  ASSERT_EQ(content_accepts.size(), 1u);
  EXPECT_EQ(content_accepts[0]
                ->stanza.child("jingle", ns::kJingle)
                ->child("content", ns::kJingle)
                ->attr_or("name", ""),
            offered);

  // And video off again: content-remove of that content.
  ASSERT_TRUE(alice().manager->set_video(sid, false, server_.now()));
  server_.pump();
  auto removes = jingle_sent(server_, "alice@example.com/desk", "content-remove");
  ASSERT_EQ(removes.size(), 1u);
  EXPECT_EQ(removes[0]
                ->stanza.child("jingle", ns::kJingle)
                ->child("content", ns::kJingle)
                ->attr_or("name", ""),
            offered);
  EXPECT_FALSE(alice().manager->set_video(sid, false, server_.now()));
  EXPECT_EQ(last_state(alice(), sid)->state, CallState::kActive);
}

TEST_F(CallManagerTest, ANewProposeFromThePeerOfALiveCallMigratesIt) {
  // XEP-0353 §4.2: bob moves the call from his phone to his laptop.
  const std::string old_sid = call_bob();
  ASSERT_TRUE(phone().manager->accept(old_sid, server_.now()));
  server_.pump();
  ASSERT_EQ(last_state(alice(), old_sid)->state, CallState::kActive);

  auto new_sid = laptop().manager->call(jid("alice@example.com"), {}, server_.now());
  ASSERT_TRUE(new_sid);
  server_.pump();
  auto finishes = jmi_sent(server_, "alice@example.com/desk", "finish", old_sid);
  ASSERT_EQ(finishes.size(), 1u);
  EXPECT_EQ(to_of(finishes[0]), "bob@example.com");
  EXPECT_NE(reason_of(finishes[0], "finish")->child("expired", ns::kJingle), nullptr);
  const xml::Element* migrated = finishes[0]
                                     ->stanza.child("finish", ns::kJingleMessage)
                                     ->child("migrated", ns::kJingleMessage);
  ASSERT_NE(migrated, nullptr);
  EXPECT_EQ(migrated->attr_or("to", ""), *new_sid);
  EXPECT_EQ(jmi_sent(server_, "alice@example.com/desk", "proceed", *new_sid).size(), 1u);
  EXPECT_TRUE(jmi_sent(server_, "alice@example.com/desk", "reject", *new_sid).empty());
  EXPECT_TRUE(incoming(alice()).empty());  // no second ring

  const auto* old_end = last_state(alice(), old_sid);
  EXPECT_EQ(old_end->state, CallState::kEnded);
  EXPECT_EQ(old_end->detail, "migrated");
  EXPECT_EQ(old_end->reason->alternative_sid, *new_sid);
  EXPECT_EQ(last_state(phone(), old_sid)->state, CallState::kEnded);
  EXPECT_EQ(alice().manager->active_calls(), std::vector<std::string>{*new_sid});
  EXPECT_EQ(last_state(alice(), *new_sid)->state, CallState::kActive);
  EXPECT_EQ(last_state(laptop(), *new_sid)->state, CallState::kActive);
}

TEST_F(CallManagerTest, SessionInitiateForAProposalFromAnotherDeviceIsRefused) {
  server_.add("bob@example.com/tablet", "t-sid-");
  auto sid = phone().manager->call(jid("alice@example.com"), {}, server_.now());
  ASSERT_TRUE(sid);
  server_.pump();
  ASSERT_TRUE(alice().manager->accept(*sid, server_.now()));
  server_.collect();
  // Before the phone's session-initiate, another device of bob's sends one with that sid.
  server_.inject("bob@example.com/tablet",
                 "<iq xmlns='jabber:client' type='set' id='evil1' to='alice@example.com/desk'>"
                 "<jingle xmlns='urn:xmpp:jingle:1' action='session-initiate' sid='" +
                     *sid +
                     "'><content creator='initiator' name='0'>"
                     "<description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'>"
                     "<payload-type id='0' name='PCMU' clockrate='8000'/></description>"
                     "<transport xmlns='urn:xmpp:jingle:transports:ice-udp:1' ufrag='x' "
                     "pwd='yyyyyyyyyyyyyyyyyyyyyy'/></content></jingle></iq>");
  const Delivered* reply = nullptr;
  for (const auto& d : server_.log())
    if (d.stanza.attr_or("id", "") == "evil1" && d.from == "alice@example.com/desk")
      reply = &d;
  ASSERT_NE(reply, nullptr);
  EXPECT_EQ(reply->stanza.attr_or("type", ""), "error");
  // The real one from the phone is accepted.
  EXPECT_EQ(last_state(alice(), *sid)->state, CallState::kActive);
  EXPECT_EQ(to_of(jingle_sent(server_, "alice@example.com/desk", "session-accept").at(0)),
            "bob@example.com/phone");
}

TEST_F(CallManagerTest, TieBreakRejectArrivingBeforeTheWinningPropose) {
  // Alice's propose lost a tie-break at bob's (bob's own sid "0-sid" is lower), and bob's
  // reject overtakes bob's propose: alice still ends with one call, bob's, without ringing.
  const std::string sid = call_bob();
  server_.inject("bob@example.com/phone",
                 "<message xmlns='jabber:client' to='alice@example.com' type='chat'>"
                 "<reject xmlns='urn:xmpp:jingle-message:0' id='" +
                     sid +
                     "'><reason xmlns='urn:xmpp:jingle:1'><expired/><text>Tie-Break</text>"
                     "</reason><tie-break/></reject></message>");
  EXPECT_EQ(last_state(alice(), sid)->state, CallState::kEnded);
  EXPECT_EQ(last_state(alice(), sid)->detail, "tie-break");
  server_.inject("bob@example.com/phone",
                 "<message xmlns='jabber:client' to='alice@example.com' type='chat'>"
                 "<propose xmlns='urn:xmpp:jingle-message:0' id='0-sid'>"
                 "<description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'/></propose>"
                 "</message>");
  EXPECT_TRUE(incoming(alice()).empty());
  auto proceeds = jmi_sent(server_, "alice@example.com/desk", "proceed", "0-sid");
  ASSERT_EQ(proceeds.size(), 1u);
  EXPECT_EQ(to_of(proceeds[0]), "bob@example.com");
  EXPECT_EQ(last_state(alice(), "0-sid")->state, CallState::kConnecting);
  EXPECT_EQ(last_state(alice(), "0-sid")->detail, "tie-break");
  // Bob never sends the session-initiate: alice gives up and finishes.
  server_.advance(std::chrono::seconds(30));
  EXPECT_EQ(last_state(alice(), "0-sid")->state, CallState::kEnded);
  EXPECT_EQ(last_state(alice(), "0-sid")->detail, "no session-initiate");
  EXPECT_EQ(jmi_sent(server_, "alice@example.com/desk", "finish", "0-sid").size(), 1u);
  // Later, the same peer's calls ring again as usual.
  server_.advance(std::chrono::seconds(30));
  server_.inject("bob@example.com/phone",
                 "<message xmlns='jabber:client' to='alice@example.com' type='chat'>"
                 "<propose xmlns='urn:xmpp:jingle-message:0' id='1-sid'>"
                 "<description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'/></propose>"
                 "</message>");
  ASSERT_EQ(incoming(alice()).size(), 1u);
  EXPECT_EQ(incoming(alice())[0].sid, "1-sid");
  EXPECT_EQ(jmi_sent(server_, "alice@example.com/desk", "ringing", "1-sid").size(), 1u);
}

// ---- the StanzaJS captures (../shared/interop/stanzajs/captures/jmi-audio-only) ----

xml::Element capture(std::string_view name, std::string_view from) {
  const std::string path =
      std::string(JCALL_CAPTURES_DIR) + "/jmi-audio-only/" + std::string(name) + ".xml";
  std::ifstream in(path);
  EXPECT_TRUE(in) << path;
  std::stringstream text;
  text << in.rdbuf();
  xml::Element e = parse(text.str());
  e.set_attr("from", from);  // the captures are as sent; the server adds 'from'
  return e;
}

std::vector<xml::Element> sent_stanzas(std::vector<CallOutput>& events, CallManager& m) {
  std::vector<xml::Element> out;
  while (m.has_output()) {
    CallOutput o = m.next_output();
    if (auto* s = std::get_if<call_out::Send>(&o))
      out.push_back(std::move(s->stanza));
    else
      events.push_back(std::move(o));
  }
  return out;
}

LocalTransport test_transport() {
  LocalTransport t;
  t.ufrag = "NVIK";
  t.pwd = "1TqsxkUeKsaZW2KzDd+3i2Us";
  t.fingerprint =
      "20:35:CE:58:C0:C3:97:B2:FE:88:45:37:CE:F7:E2:8C:3B:78:F4:F1:6A:53:EC:18:83:A2:4A:1A:35:"
      "ED:0C:CF";
  return t;
}

TEST(CallManagerStanzaJs, AnswersAStanzaJsCallFromTheCaptures) {
  constexpr std::string_view kAlice = "alice@localhost/stanzajs-8e8d51";
  constexpr std::string_view kSid = "dab261a7-4d9e-43fb-9aec-92337a0669be";
  CallManagerConfig config;
  config.self = jid("bob@localhost/phone");
  int ids = 0;
  config.make_id = [&ids] { return "bob-" + std::to_string(++ids); };
  CallManager bob(config);
  std::vector<CallOutput> events;
  const TimePoint now = kStart;

  ASSERT_TRUE(bob.handle_stanza(capture("01-alice-jmi-propose", kAlice), now));
  auto out = sent_stanzas(events, bob);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], parse("<message xmlns='jabber:client' to='alice@localhost' type='chat' "
                          "id='bob-1'><origin-id xmlns='urn:xmpp:sid:0' id='bob-1'/>"
                          "<ringing xmlns='urn:xmpp:jingle-message:0' id='" +
                          std::string(kSid) + "'/><store xmlns='urn:xmpp:hints'/></message>"));
  ASSERT_FALSE(events.empty());
  auto* in = std::get_if<call_out::Incoming>(&events[0]);
  ASSERT_NE(in, nullptr);
  EXPECT_EQ(in->sid, kSid);
  EXPECT_EQ(in->media, std::vector<codecs::MediaType>{codecs::MediaType::kAudio});

  ASSERT_TRUE(bob.accept(kSid, now));
  out = sent_stanzas(events, bob);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_NE(out[0].child("proceed", ns::kJingleMessage), nullptr);
  EXPECT_EQ(out[0].attr_or("to", ""), "alice@localhost");
  ASSERT_TRUE(bob.provide_transports(kSid, {test_transport()}, now));

  ASSERT_TRUE(bob.handle_stanza(capture("04-alice-session-initiate", kAlice), now));
  out = sent_stanzas(events, bob);
  ASSERT_GE(out.size(), 2u);
  EXPECT_EQ(out[0].attr_or("type", ""), "result");
  EXPECT_EQ(out[0].attr_or("id", ""), "d141e15f-b52f-4bd7-9a3c-d375b86ed44b");
  const xml::Element* accept = out[1].child("jingle", ns::kJingle);
  ASSERT_NE(accept, nullptr);
  EXPECT_EQ(accept->attr_or("action", ""), "session-accept");
  EXPECT_EQ(out[1].attr_or("to", ""), kAlice);
  // StanzaJS names its content "0"; the answer keeps it, with Opus 111.
  const xml::Element* content = accept->child("content", ns::kJingle);
  ASSERT_NE(content, nullptr);
  EXPECT_EQ(content->attr_or("name", ""), "0");
  const xml::Element* pt = content->child("description", ns::kRtp)->child("payload-type", ns::kRtp);
  ASSERT_NE(pt, nullptr);
  EXPECT_EQ(pt->attr_or("name", ""), "opus");
  EXPECT_EQ(pt->attr_or("id", ""), "111");
  // StanzaJS acknowledges; its trickled candidate reaches media under content "0".
  xml::Element ack = parse("<iq xmlns='jabber:client' type='result'/>");
  ack.set_attr("id", out[1].attr_or("id", ""));
  ack.set_attr("from", kAlice);
  ASSERT_TRUE(bob.handle_stanza(ack, now));
  ASSERT_TRUE(bob.handle_stanza(capture("06-alice-transport-info-candidate", kAlice), now));
  out = sent_stanzas(events, bob);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.back().attr_or("type", ""), "result");
  bool candidate_seen = false;
  for (const auto& e : events)
    if (auto* m = std::get_if<call_out::Media>(&e))
      if (auto* rc = std::get_if<out::RemoteCandidates>(&m->output))
        candidate_seen |= rc->content == "0" && !rc->candidates.empty() &&
                          rc->candidates[0].ip == "127.0.0.1" && rc->candidates[0].port == 49271;
  EXPECT_TRUE(candidate_seen);
  bob.transport_connected(kSid, "audio", now);  // the alias works as well as "0"
  EXPECT_EQ(bob.active_calls(), std::vector<std::string>{std::string(kSid)});

  // StanzaJS hangs up: result, then our finish to alice's bare JID; its finish changes nothing.
  ASSERT_TRUE(bob.handle_stanza(capture("10-alice-session-terminate", kAlice), now));
  out = sent_stanzas(events, bob);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].attr_or("type", ""), "result");
  EXPECT_EQ(out[1].attr_or("to", ""), "alice@localhost");
  const xml::Element* finish = out[1].child("finish", ns::kJingleMessage);
  ASSERT_NE(finish, nullptr);
  EXPECT_NE(finish->child("reason", ns::kJingle)->child("success", ns::kJingle), nullptr);
  ASSERT_TRUE(bob.handle_stanza(capture("12-alice-jmi-finish", kAlice), now));
  EXPECT_TRUE(sent_stanzas(events, bob).empty());
  EXPECT_TRUE(bob.active_calls().empty());
  std::vector<CallState> states;
  for (const auto& e : events)
    if (auto* s = std::get_if<call_out::StateChanged>(&e))
      states.push_back(s->state);
  EXPECT_EQ(states, (std::vector<CallState>{CallState::kRinging, CallState::kConnecting,
                                            CallState::kActive, CallState::kEnded}));
}

TEST(CallManagerStanzaJs, CallsAStanzaJsPeerThroughTheCapturedAnswers) {
  constexpr std::string_view kSid = "dab261a7-4d9e-43fb-9aec-92337a0669be";
  CallManagerConfig config;
  config.self = jid("alice@localhost/desk");
  const std::string sid_text(kSid);
  config.make_sid = [sid_text] { return sid_text; };
  CallManager alice(config);
  std::vector<CallOutput> events;
  const TimePoint now = kStart;
  auto sid = alice.call(jid("bob@localhost"), {}, now);
  ASSERT_TRUE(sid);
  auto out = sent_stanzas(events, alice);
  ASSERT_EQ(out.size(), 1u);
  ASSERT_TRUE(alice.provide_transports(kSid, {test_transport()}, now));
  EXPECT_TRUE(sent_stanzas(events, alice).empty());  // nothing before an answer

  ASSERT_TRUE(alice.handle_stanza(capture("02-bob-jmi-ringing", "bob@localhost/phone"), now));
  ASSERT_TRUE(alice.handle_stanza(capture("03-bob-jmi-proceed", "bob@localhost/phone"), now));
  out = sent_stanzas(events, alice);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].attr_or("to", ""), "bob@localhost/phone");
  const xml::Element* initiate = out[0].child("jingle", ns::kJingle);
  ASSERT_NE(initiate, nullptr);
  EXPECT_EQ(initiate->attr_or("action", ""), "session-initiate");
  EXPECT_EQ(initiate->attr_or("sid", ""), kSid);
  // A finish while our session runs changes nothing: session-terminate ends a session.
  ASSERT_TRUE(alice.handle_stanza(capture("11-bob-jmi-finish", "bob@localhost/phone"), now));
  std::vector<CallState> states;
  for (const auto& e : events)
    if (auto* s = std::get_if<call_out::StateChanged>(&e))
      states.push_back(s->state);
  EXPECT_EQ(states, (std::vector<CallState>{CallState::kProposing, CallState::kRinging,
                                            CallState::kConnecting}));
}

}  // namespace
}  // namespace jcall::signaling::jingle
