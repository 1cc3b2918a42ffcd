// RFC 8445 / RFC 8838 / RFC 7675 through libnice (media/ice/ice_agent.hpp): two real agents in
// one process on 127.0.0.1, their GMainContext iterated by the test thread.
#include "media/ice/ice_agent.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <dirent.h>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unistd.h>
#include <vector>

#include <glib.h>
#include <gtest/gtest.h>

#include "media/detail/glib.hpp"
#include "media/errc.hpp"
#include "media/media_loop.hpp"

namespace jcall::media {
namespace {

using namespace std::chrono_literals;

struct Peer {
  std::unique_ptr<IceAgent> agent;
  std::vector<IceCandidate> local;  // every candidate announced, in order (trickle)
  std::size_t forwarded = 0;
  int gathering_done = 0;
  bool end_forwarded = false;
  std::vector<std::pair<IceState, std::string>> states;
  std::vector<SelectedPair> pairs;
  std::vector<std::vector<std::uint8_t>> received;

  int count(IceState s) const {
    int n = 0;
    for (const auto& [state, detail] : states)
      n += state == s ? 1 : 0;
    return n;
  }
  std::string last_detail() const { return states.empty() ? "" : states.back().second; }
};

class IceAgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ctx_ = g_main_context_new();
    g_main_context_push_thread_default(ctx_);
  }

  void TearDown() override {
    a_.agent.reset();
    b_.agent.reset();
    // Let sources that the agents left (already cancelled ones included) run out.
    for (int i = 0; i < 1000 && g_main_context_pending(ctx_); ++i)
      g_main_context_iteration(ctx_, FALSE);
    g_main_context_pop_thread_default(ctx_);
    g_main_context_unref(ctx_);
  }

  static IceConfig loopback_config(bool controlling) {
    IceConfig c;
    c.controlling = controlling;
    c.local_addresses = {"127.0.0.1"};
    return c;
  }

  void make(Peer& p, IceConfig config) {
    IceAgent::Events ev;
    ev.local_candidate = [&p](const IceCandidate& c) { p.local.push_back(c); };
    ev.gathering_done = [&p] { ++p.gathering_done; };
    ev.state = [&p](IceState s, const std::string& d) { p.states.emplace_back(s, d); };
    ev.selected_pair = [&p](const SelectedPair& sp) { p.pairs.push_back(sp); };
    ev.receive = [&p](std::span<const std::uint8_t> d) {
      p.received.emplace_back(d.begin(), d.end());
    };
    auto r = IceAgent::create(ctx_, std::move(config), std::move(ev));
    ASSERT_TRUE(r.has_value()) << r.error().describe();
    p.agent = std::move(*r);
  }

  // Trickles what `from` has announced since the last call to `to` (RFC 8838 §11), and its
  // end-of-candidates once gathering is done, when `end` is set.
  static void forward(Peer& from, Peer& to, bool end) {
    if (from.forwarded < from.local.size()) {
      std::vector<IceCandidate> batch(from.local.begin() + static_cast<long>(from.forwarded),
                                      from.local.end());
      from.forwarded = from.local.size();
      auto r = to.agent->add_remote_candidates(batch);
      ASSERT_TRUE(r.has_value()) << r.error().describe();
    }
    if (end && from.gathering_done > 0 && !from.end_forwarded) {
      from.end_forwarded = true;
      to.agent->end_of_remote_candidates();
    }
  }

  void pump(bool end = true) {
    if (a_.agent && b_.agent) {
      forward(a_, b_, end);
      forward(b_, a_, end);
    }
  }

  // Iterates the context until `done` or `limit`; `each` runs between iterations.
  bool iterate_until(const std::function<bool()>& done,
                     std::chrono::milliseconds limit = 10s,
                     const std::function<void()>& each = {}) {
    // A ticking source bounds every blocking iteration.
    auto tick = detail::add_timer(ctx_, 20, [] { return true; });
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() >= deadline)
        return false;
      g_main_context_iteration(ctx_, TRUE);
      if (each)
        each();
    }
    return true;
  }

  bool pump_until(const std::function<bool()>& done,
                  std::chrono::milliseconds limit = 10s,
                  bool end = true) {
    return iterate_until(done, limit, [this, end] { pump(end); });
  }

  void exchange_credentials() {
    ASSERT_TRUE(b_.agent->set_remote_credentials(a_.agent->local_credentials()).has_value());
    ASSERT_TRUE(a_.agent->set_remote_credentials(b_.agent->local_credentials()).has_value());
  }

  void connect_pair() {
    make(a_, loopback_config(true));
    make(b_, loopback_config(false));
    exchange_credentials();
    ASSERT_TRUE(a_.agent->gather().has_value());
    ASSERT_TRUE(b_.agent->gather().has_value());
    ASSERT_TRUE(pump_until([this] {
      return a_.agent->state() == IceState::kConnected && b_.agent->state() == IceState::kConnected;
    })) << "a: "
        << to_string(a_.agent->state()) << " b: " << to_string(b_.agent->state());
  }

  static std::vector<std::uint8_t> bytes(const std::string& s) {
    return std::vector<std::uint8_t>(s.begin(), s.end());
  }

  // Sends one datagram each way and waits until each arrives intact.
  void expect_datagrams_both_ways(const std::string& tag) {
    const auto to_b = bytes("from A to B " + tag);
    const auto to_a = bytes("from B to A " + tag + std::string(1000, 'x'));
    a_.received.clear();
    b_.received.clear();
    ASSERT_TRUE(a_.agent->send(to_b).has_value());
    ASSERT_TRUE(b_.agent->send(to_a).has_value());
    ASSERT_TRUE(iterate_until([this] { return !a_.received.empty() && !b_.received.empty(); }));
    EXPECT_EQ(b_.received.front(), to_b);
    EXPECT_EQ(a_.received.front(), to_a);
  }

  GMainContext* ctx_ = nullptr;
  Peer a_;  // controlling
  Peer b_;  // controlled
};

// As the engine uses it: agents live on the MediaLoop thread, events post their follow-up
// (as signaling would), and the agents are destroyed inside a posted closure.
TEST(IceAgentMediaLoopTest, ConnectsOnTheMediaThreadAndIsDestroyedInAPostedClosure) {
  MediaLoop loop;
  std::mutex m;  // guards what the media thread reports below
  std::condition_variable cv;
  int connected = 0;
  bool received = false;
  bool destroyed = false;
  std::unique_ptr<IceAgent> a;  // media thread only
  std::unique_ptr<IceAgent> b;
  struct Cleanup {  // whatever happens, the agents go on their own thread
    MediaLoop& loop;
    std::unique_ptr<IceAgent>& a;
    std::unique_ptr<IceAgent>& b;
    ~Cleanup() {
      loop.run_sync([this] {
        a.reset();
        b.reset();
      });
    }
  } cleanup{loop, a, b};

  auto wait_for = [&](const std::function<bool()>& pred) {
    std::unique_lock lock(m);
    return cv.wait_for(lock, 10s, pred);
  };
  auto events_to = [&](std::unique_ptr<IceAgent>* peer) {
    IceAgent::Events ev;
    ev.local_candidate = [&loop, peer](const IceCandidate& c) {
      loop.post([peer, c] {
        if (*peer)
          (void)(*peer)->add_remote_candidates({c});
      });
    };
    ev.gathering_done = [&loop, peer] {
      loop.post([peer] {
        if (*peer)
          (*peer)->end_of_remote_candidates();
      });
    };
    ev.state = [&](IceState s, const std::string&) {
      if (s != IceState::kConnected)
        return;
      {
        std::lock_guard lock(m);
        ++connected;
      }
      cv.notify_all();
    };
    ev.receive = [&](std::span<const std::uint8_t> d) {
      if (std::string(d.begin(), d.end()) != "ping")
        return;
      {
        std::lock_guard lock(m);
        received = true;
      }
      cv.notify_all();
    };
    return ev;
  };

  bool started = false;
  loop.run_sync([&] {
    IceConfig ca;
    ca.local_addresses = {"127.0.0.1"};
    IceConfig cb = ca;
    cb.controlling = false;
    auto ra = IceAgent::create(loop.context(), ca, events_to(&b));
    auto rb = IceAgent::create(loop.context(), cb, events_to(&a));
    if (!ra || !rb)
      return;
    a = std::move(*ra);
    b = std::move(*rb);
    started = a->set_remote_credentials(b->local_credentials()).has_value() &&
              b->set_remote_credentials(a->local_credentials()).has_value() &&
              a->gather().has_value() && b->gather().has_value();
  });
  ASSERT_TRUE(started);
  ASSERT_TRUE(wait_for([&] { return connected == 2; }));

  bool sent = false;
  loop.run_sync([&] { sent = a->send(std::vector<std::uint8_t>{'p', 'i', 'n', 'g'}).has_value(); });
  ASSERT_TRUE(sent);
  ASSERT_TRUE(wait_for([&] { return received; }));

  loop.post([&] {
    a.reset();
    b.reset();
    {
      std::lock_guard lock(m);
      destroyed = true;
    }
    cv.notify_all();
  });
  ASSERT_TRUE(wait_for([&] { return destroyed; }));
}

TEST(IceStateTest, ToStringNamesEveryState) {
  EXPECT_EQ(to_string(IceState::kNew), "new");
  EXPECT_EQ(to_string(IceState::kGathering), "gathering");
  EXPECT_EQ(to_string(IceState::kChecking), "checking");
  EXPECT_EQ(to_string(IceState::kConnected), "connected");
  EXPECT_EQ(to_string(IceState::kFailed), "failed");
  EXPECT_EQ(to_string(IceState::kClosed), "closed");
}

TEST_F(IceAgentTest, CreateGivesRandomCredentials) {
  make(a_, loopback_config(true));
  make(b_, loopback_config(false));
  const auto ca = a_.agent->local_credentials();
  const auto cb = b_.agent->local_credentials();
  // RFC 8445 §5.3: ufrag at least 24 bits, password at least 128 bits of randomness.
  EXPECT_GE(ca.ufrag.size(), 4u);
  EXPECT_GE(ca.pwd.size(), 22u);
  EXPECT_NE(ca, cb);
  EXPECT_EQ(a_.agent->state(), IceState::kNew);
}

TEST_F(IceAgentTest, GathersOneUdpHostCandidateOnLoopback) {
  make(a_, loopback_config(true));
  ASSERT_TRUE(a_.agent->gather().has_value());
  EXPECT_EQ(a_.agent->state(), IceState::kGathering);
  ASSERT_TRUE(iterate_until([this] { return a_.gathering_done > 0; }));
  ASSERT_EQ(a_.local.size(), 1u);
  const IceCandidate& c = a_.local.front();
  EXPECT_EQ(c.type, "host");
  EXPECT_EQ(c.protocol, "udp");
  EXPECT_EQ(c.ip, "127.0.0.1");
  EXPECT_NE(c.port, 0);
  EXPECT_EQ(c.component, 1);
  EXPECT_FALSE(c.foundation.empty());
  EXPECT_GT(c.priority, 0u);
  EXPECT_FALSE(c.rel_addr.has_value());
  EXPECT_FALSE(c.tcptype.has_value());
}

TEST_F(IceAgentTest, ConnectsOnLoopbackAndCarriesDatagramsBothWays) {
  connect_pair();
  for (Peer* p : {&a_, &b_}) {
    ASSERT_TRUE(p->agent->selected_pair().has_value());
    const SelectedPair sp = *p->agent->selected_pair();
    EXPECT_EQ(sp.local.type, "host");
    EXPECT_EQ(sp.remote.type, "host");
    EXPECT_EQ(sp.local.ip, "127.0.0.1");
    EXPECT_EQ(sp.remote.ip, "127.0.0.1");
    EXPECT_EQ(p->count(IceState::kConnected), 1);
    EXPECT_EQ(p->count(IceState::kFailed), 0);
    ASSERT_FALSE(p->pairs.empty());
    EXPECT_EQ(p->pairs.back().local, sp.local);
  }
  // Each side's selected pair is the other's, mirrored.
  EXPECT_EQ(a_.agent->selected_pair()->local.port, b_.agent->selected_pair()->remote.port);
  EXPECT_EQ(b_.agent->selected_pair()->local.port, a_.agent->selected_pair()->remote.port);
  expect_datagrams_both_ways("first");
}

TEST_F(IceAgentTest, RemoteCandidatesBeforeCredentialsAreKept) {
  make(a_, loopback_config(true));
  make(b_, loopback_config(false));
  ASSERT_TRUE(a_.agent->gather().has_value());
  ASSERT_TRUE(b_.agent->gather().has_value());
  ASSERT_TRUE(iterate_until([this] { return a_.gathering_done > 0 && b_.gathering_done > 0; }));
  pump();  // every candidate and end-of-candidates, before any credentials
  ASSERT_TRUE(a_.end_forwarded && b_.end_forwarded);
  // Without credentials nothing can be checked: give it a few iterations to prove it.
  for (int i = 0; i < 20; ++i)
    g_main_context_iteration(ctx_, FALSE);
  EXPECT_NE(a_.agent->state(), IceState::kConnected);
  EXPECT_NE(b_.agent->state(), IceState::kConnected);
  exchange_credentials();
  ASSERT_TRUE(iterate_until([this] {
    return a_.agent->state() == IceState::kConnected && b_.agent->state() == IceState::kConnected;
  }));
  expect_datagrams_both_ways("buffered");
}

TEST_F(IceAgentTest, WrongRemotePasswordNeverConnectsAndTimesOut) {
  IceConfig ca = loopback_config(true);
  IceConfig cb = loopback_config(false);
  ca.connect_timeout = 1s;
  cb.connect_timeout = 1s;
  make(a_, ca);
  make(b_, cb);
  // The controlling side has a wrong password for B: none of its checks can succeed
  // (B answers 401, RFC 8489 §9.2.4), so it never has a valid pair to nominate.
  IceCredentials wrong = b_.agent->local_credentials();
  wrong.pwd = std::string(wrong.pwd.size(), 'z');
  ASSERT_TRUE(a_.agent->set_remote_credentials(wrong).has_value());
  ASSERT_TRUE(b_.agent->set_remote_credentials(a_.agent->local_credentials()).has_value());
  ASSERT_TRUE(a_.agent->gather().has_value());
  ASSERT_TRUE(b_.agent->gather().has_value());
  // No end-of-candidates: only the connect timeout can end it (trickle could still bring one).
  ASSERT_TRUE(pump_until(
      [this] {
        return a_.agent->state() == IceState::kFailed && b_.agent->state() == IceState::kFailed;
      },
      10s, /*end=*/false));
  for (Peer* p : {&a_, &b_}) {
    EXPECT_EQ(p->count(IceState::kConnected), 0);
    EXPECT_EQ(p->count(IceState::kFailed), 1);
    EXPECT_NE(p->last_detail().find("no candidate pair succeeded within 1000 ms"),
              std::string::npos)
        << p->last_detail();
    EXPECT_FALSE(p->agent->send(bytes("x")).has_value());
  }
}

TEST_F(IceAgentTest, WrongRemotePasswordFailsOnceChecksAreDone) {
  IceConfig ca = loopback_config(true);
  ca.connect_timeout = 60s;  // long: the failure must come from the checks, not the timer
  make(a_, ca);
  make(b_, loopback_config(false));
  IceCredentials wrong = b_.agent->local_credentials();
  wrong.pwd = std::string(wrong.pwd.size(), 'z');
  ASSERT_TRUE(a_.agent->set_remote_credentials(wrong).has_value());
  ASSERT_TRUE(b_.agent->set_remote_credentials(a_.agent->local_credentials()).has_value());
  ASSERT_TRUE(a_.agent->gather().has_value());
  ASSERT_TRUE(b_.agent->gather().has_value());
  ASSERT_TRUE(pump_until([this] { return a_.agent->state() == IceState::kFailed; }, 30s));
  EXPECT_EQ(a_.count(IceState::kConnected), 0);
  EXPECT_NE(a_.last_detail().find("every connectivity check failed"), std::string::npos)
      << a_.last_detail();
}

TEST_F(IceAgentTest, SendBeforeConnectedIsNotConnected) {
  make(a_, loopback_config(true));
  const auto before_gather = a_.agent->send(bytes("early"));
  ASSERT_FALSE(before_gather.has_value());
  EXPECT_EQ(before_gather.error().code, make_error_code(Errc::not_connected));
  ASSERT_TRUE(a_.agent->gather().has_value());
  ASSERT_TRUE(iterate_until([this] { return a_.gathering_done > 0; }));
  const auto after_gather = a_.agent->send(bytes("early"));
  ASSERT_FALSE(after_gather.has_value());
  EXPECT_EQ(after_gather.error().code, make_error_code(Errc::not_connected));
}

TEST_F(IceAgentTest, RestartGivesNewCredentialsAndReconnects) {
  connect_pair();
  const IceCredentials old_a = a_.agent->local_credentials();
  const IceCredentials old_b = b_.agent->local_credentials();

  // RFC 8445 §9: A restarts and signals its new credentials; B sees the new ufrag, restarts
  // too and answers with its own; both then trickle their candidates again.
  auto new_a = a_.agent->restart();
  ASSERT_TRUE(new_a.has_value()) << new_a.error().describe();
  EXPECT_EQ(*new_a, a_.agent->local_credentials());
  EXPECT_NE(new_a->ufrag, old_a.ufrag);
  EXPECT_NE(new_a->pwd, old_a.pwd);
  auto new_b = b_.agent->restart();
  ASSERT_TRUE(new_b.has_value()) << new_b.error().describe();
  EXPECT_NE(new_b->ufrag, old_b.ufrag);
  ASSERT_TRUE(b_.agent->set_remote_credentials(*new_a).has_value());
  ASSERT_TRUE(a_.agent->set_remote_credentials(*new_b).has_value());
  a_.end_forwarded = false;
  b_.end_forwarded = false;
  const std::size_t a_before = a_.local.size();
  ASSERT_TRUE(pump_until([this] {
    return a_.count(IceState::kConnected) == 2 && b_.count(IceState::kConnected) == 2 &&
           a_.gathering_done == 2 && b_.gathering_done == 2;
  })) << "a: "
      << to_string(a_.agent->state()) << " b: " << to_string(b_.agent->state());
  EXPECT_GT(a_.local.size(), a_before);  // announced again after the restart
  const std::vector<IceState> expected = {IceState::kGathering, IceState::kChecking,
                                          IceState::kConnected, IceState::kGathering,
                                          IceState::kChecking,  IceState::kConnected};
  for (Peer* p : {&a_, &b_}) {
    std::vector<IceState> seen;
    for (const auto& [state, detail] : p->states)
      seen.push_back(state);
    EXPECT_EQ(seen, expected);
    EXPECT_EQ(p->pairs.size(), 2u);  // a selected pair announced for each generation
  }
  EXPECT_EQ(a_.count(IceState::kFailed), 0);
  EXPECT_EQ(b_.count(IceState::kFailed), 0);
  expect_datagrams_both_ways("after restart");
}

TEST_F(IceAgentTest, PeerGoneFailsThroughConsentFreshness) {
  connect_pair();
  expect_datagrams_both_ways("before");
  const auto start = std::chrono::steady_clock::now();
  b_.agent.reset();
  // RFC 7675 §5.1: consent expires 30 s after the last authenticated response; libnice may
  // notice sooner when its keepalive checks time out. Bound: 30 s plus generous slack.
  ASSERT_TRUE(iterate_until([this] { return a_.agent->state() == IceState::kFailed; }, 60s));
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  std::printf("consent lost after %lld ms\n", static_cast<long long>(took.count()));
  EXPECT_EQ(a_.count(IceState::kFailed), 1);
  EXPECT_NE(a_.last_detail().find("consent lost"), std::string::npos) << a_.last_detail();
  const auto sent = a_.agent->send(bytes("anyone?"));
  ASSERT_FALSE(sent.has_value());
  EXPECT_EQ(sent.error().code, make_error_code(Errc::not_connected));
}

TEST_F(IceAgentTest, IceTcpCandidatesCarryTheirTcptypeAndStillConnect) {
  IceConfig ca = loopback_config(true);
  IceConfig cb = loopback_config(false);
  ca.tcp = true;
  cb.tcp = true;
  make(a_, ca);
  make(b_, cb);
  exchange_credentials();
  ASSERT_TRUE(a_.agent->gather().has_value());
  ASSERT_TRUE(b_.agent->gather().has_value());
  // Every candidate (RFC 6544 active ones with port 9 included) is accepted by the peer.
  ASSERT_TRUE(pump_until([this] {
    return a_.agent->state() == IceState::kConnected && b_.agent->state() == IceState::kConnected;
  }));
  bool active = false;
  bool passive = false;
  for (const IceCandidate& c : a_.local) {
    if (c.protocol != "tcp")
      continue;
    ASSERT_TRUE(c.tcptype.has_value());
    active = active || (*c.tcptype == "active" && c.port == 9);
    passive = passive || (*c.tcptype == "passive" && c.port != 9 && c.port != 0);
  }
  EXPECT_TRUE(active);
  EXPECT_TRUE(passive);
  expect_datagrams_both_ways("with ice-tcp");
}

TEST_F(IceAgentTest, EndOfCandidatesBeforeCredentialsIsKept) {
  IceConfig ca = loopback_config(true);
  ca.connect_timeout = 60s;  // the failure must come from libnice, which needs the end
  make(a_, ca);
  make(b_, loopback_config(false));
  ASSERT_TRUE(a_.agent->gather().has_value());
  ASSERT_TRUE(b_.agent->gather().has_value());
  ASSERT_TRUE(iterate_until([this] { return a_.gathering_done > 0 && b_.gathering_done > 0; }));
  // B's end-of-candidates reaches A before B's credentials and without any candidate (A
  // learns B's address from B's checks, RFC 8445 §7.3.1.3); A's own go to B as usual.
  forward(a_, b_, /*end=*/true);
  a_.agent->end_of_remote_candidates();
  IceCredentials wrong = b_.agent->local_credentials();
  wrong.pwd = std::string(wrong.pwd.size(), 'z');
  ASSERT_TRUE(a_.agent->set_remote_credentials(wrong).has_value());
  ASSERT_TRUE(b_.agent->set_remote_credentials(a_.agent->local_credentials()).has_value());
  ASSERT_TRUE(iterate_until([this] { return a_.agent->state() == IceState::kFailed; }, 30s));
  EXPECT_NE(a_.last_detail().find("every connectivity check failed"), std::string::npos)
      << a_.last_detail();
}

TEST_F(IceAgentTest, Ipv6OffLeavesIpv6LocalAddressesOut) {
  IceConfig c = loopback_config(true);
  c.local_addresses = {"::1", "127.0.0.1"};
  c.ipv6 = false;
  make(a_, c);
  ASSERT_TRUE(a_.agent->gather().has_value());
  ASSERT_TRUE(iterate_until([this] { return a_.gathering_done > 0; }));
  ASSERT_FALSE(a_.local.empty());
  for (const IceCandidate& cand : a_.local)
    EXPECT_EQ(cand.ip, "127.0.0.1");

  c.ipv6 = true;
  make(b_, c);
  ASSERT_TRUE(b_.agent->gather().has_value());
  ASSERT_TRUE(iterate_until([this] { return b_.gathering_done > 0; }));
  bool v6 = false;
  for (const IceCandidate& cand : b_.local)
    v6 = v6 || cand.ip == "::1";
  EXPECT_TRUE(v6);

  c.local_addresses = {"::1"};
  c.ipv6 = false;
  const auto none = IceAgent::create(ctx_, c, {});
  ASSERT_FALSE(none.has_value());
  EXPECT_EQ(none.error().code, make_error_code(Errc::invalid_argument));
}

TEST_F(IceAgentTest, RejectsUnusableRemoteCandidates) {
  make(a_, loopback_config(true));
  IceCandidate good;
  good.foundation = "1";
  good.priority = 2130706431;
  good.ip = "127.0.0.1";
  good.port = 40000;

  IceCandidate bad_ip = good;
  bad_ip.ip = "example.org";
  IceCandidate bad_type = good;
  bad_type.type = "relayed";
  IceCandidate tcp_without_type = good;
  tcp_without_type.protocol = "tcp";
  IceCandidate bad_foundation = good;
  bad_foundation.foundation = std::string(33, 'f');
  for (const IceCandidate& c : {bad_ip, bad_type, tcp_without_type, bad_foundation}) {
    const auto r = a_.agent->add_remote_candidates({c});
    ASSERT_FALSE(r.has_value()) << c.ip << " " << c.type << " " << c.protocol;
    EXPECT_EQ(r.error().code, make_error_code(Errc::ice_error));
  }
  EXPECT_TRUE(a_.agent->add_remote_candidates({good}).has_value());
}

TEST_F(IceAgentTest, RejectsNonLiteralAddresses) {
  IceConfig c = loopback_config(true);
  c.local_addresses = {"localhost"};
  EXPECT_FALSE(IceAgent::create(ctx_, c, {}).has_value());
  c = loopback_config(true);
  IceServer stun;
  stun.host = "stun.example.org";
  c.servers.push_back(stun);
  const auto r = IceAgent::create(ctx_, c, {});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, make_error_code(Errc::invalid_argument));
}

// Sockets this process has open (GLib's own eventfds, made once on first use, are not counted).
int open_sockets() {
  int n = 0;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (dirent* e = readdir(d)) {
      const std::string path = std::string("/proc/self/fd/") + e->d_name;
      char target[256] = {};
      const ssize_t len = readlink(path.c_str(), target, sizeof target - 1);
      if (len > 0 && std::string(target, static_cast<std::size_t>(len)).starts_with("socket:"))
        ++n;
    }
    closedir(d);
  }
  return n;
}

// With TURN configured the destructor hands the agent to nice_agent_close_async (to release
// allocations); the agent and its sockets must still go once the context has run that. No
// TURN server listens here, so there is nothing to release and the close is immediate.
TEST_F(IceAgentTest, DestroyingAnAgentWithTurnConfiguredReleasesItsSockets) {
  const int before = open_sockets();
  IceConfig c = loopback_config(true);
  IceServer turn;
  turn.kind = IceServer::Kind::kTurn;
  turn.host = "127.0.0.1";
  turn.port = 9;  // discard: nothing answers
  turn.username = "user";
  turn.password = "secret";
  c.servers.push_back(turn);
  make(a_, c);
  ASSERT_TRUE(a_.agent->gather().has_value());
  ASSERT_TRUE(iterate_until([this] { return !a_.local.empty(); }));
  EXPECT_GT(open_sockets(), before);
  a_.agent.reset();
  EXPECT_TRUE(iterate_until([&] { return open_sockets() == before; }))
      << open_sockets() << " open, " << before << " before";
}

TEST_F(IceAgentTest, DestroyingAgentsReleasesTheirSockets) {
  const int before = open_sockets();
  for (int i = 0; i < 10; ++i) {
    connect_pair();
    a_.agent.reset();
    b_.agent.reset();
    a_ = Peer{};
    b_ = Peer{};
  }
  EXPECT_EQ(open_sockets(), before);
}

}  // namespace
}  // namespace jcall::media
