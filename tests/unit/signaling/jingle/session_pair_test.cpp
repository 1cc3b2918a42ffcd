// XEP-0166 §6: two sessions back to back (alice initiates, bob responds) through an in-memory
// channel. Each stanza is serialized, re-parsed through xml::StreamParser fed in random chunk
// sizes, and delivered after a random delay. XMPP keeps the order between two JIDs (RFC 6120
// §10.1), so each direction is a FIFO; what is reordered is the interleaving of the two
// directions (answers of one side against sets of the other). Every scenario runs for many
// seeds and checks the negotiated media on both sides.
#include <optional>
#include <random>
#include <set>

#include <gtest/gtest.h>

#include "session_support.hpp"

namespace jcall::signaling::jingle::test {
namespace {

using codecs::MediaType;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kSeeds = 25;

// One direction of the channel: a FIFO of serialized stanzas and the receiver's parser.
struct Direction {
  std::deque<std::string> in_flight;
  std::unique_ptr<xml::StreamParser> parser;
};

struct Side {
  std::optional<Session> session;
  std::vector<SessionOutput> events;  // everything but Send

  template <class T>
  std::vector<T> of() const {
    std::vector<T> v;
    for (const auto& o : events) {
      if (const T* t = std::get_if<T>(&o)) {
        v.push_back(*t);
      }
    }
    return v;
  }
  template <class T>
  std::optional<T> last() const {
    auto v = of<T>();
    if (v.empty()) {
      return std::nullopt;
    }
    return v.back();
  }
};

class Channel {
 public:
  explicit Channel(unsigned seed) : rng_(seed) {
    for (auto* d : {&to_alice_, &to_bob_}) {
      d->parser = std::make_unique<xml::StreamParser>();
      EXPECT_TRUE(d->parser->feed(
          "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"));
      while (d->parser->has_event()) {
        d->parser->next();
      }
    }
  }

  Side alice;
  Side bob;
  TimePoint now = kT0;
  std::vector<xml::Element> to_mallory;  // answers to the stranger

  void call(bool video) {
    std::vector<LocalContent> contents{
        local_content(MediaType::kAudio, transport_of("alice", "audio"), 0)};
    if (video) {
      contents.push_back(local_content(MediaType::kVideo, transport_of("alice", "video"), 0));
    }
    SessionConfig c = make_config(kAlice, kBob, "a");
    alice.session.emplace(Session::initiate(c, std::move(contents), now));
  }

  static LocalTransport transport_of(std::string_view who, std::string_view content) {
    return local_transport(std::string(who.substr(0, 1)) + std::string(content),
                           std::string(who) + std::string(content) + "-password-0123456789",
                           who == "alice" ? kFpAlice : kFpBob);
  }

  // Moves outputs into the channel and delivers until nothing is in flight.
  void run() {
    for (int guard = 0; guard < 10000; ++guard) {
      pump(alice, to_bob_);
      if (bob.session) {
        pump(bob, to_alice_);
      }
      std::vector<Direction*> busy;
      for (auto* d : {&to_alice_, &to_bob_}) {
        if (!d->in_flight.empty()) {
          busy.push_back(d);
        }
      }
      if (busy.empty()) {
        // Quiet: every IQ set of either side has had exactly one answer.
        EXPECT_TRUE(unanswered_.empty()) << unanswered_.size() << " sets unanswered, e.g. "
                                         << (unanswered_.empty() ? "" : *unanswered_.begin());
        return;
      }
      Direction* d = busy[std::uniform_int_distribution<std::size_t>(0, busy.size() - 1)(rng_)];
      now += milliseconds(std::uniform_int_distribution<int>(0, 80)(rng_));
      deliver(*d, d == &to_alice_ ? alice : bob);
    }
    ADD_FAILURE() << "the sessions never went quiet";
  }

  // A stanza from someone else straight to bob.
  void inject_to_bob(const std::string& stanza) {
    to_bob_.in_flight.push_back(stanza);
    deliver(to_bob_, bob);
    pump(bob, to_alice_);
  }

  void timer(TimePoint t) {
    now = t;
    for (Side* s : {&alice, &bob}) {
      if (s->session) {
        s->session->on_timer(now);
      }
    }
  }

 private:
  void pump(Side& side, Direction& out) {
    while (side.session->has_output()) {
      SessionOutput o = side.session->next_output();
      if (auto* send = std::get_if<out::Send>(&o)) {
        if (send->stanza.attr_or("to", "") == kMallory) {
          to_mallory.push_back(send->stanza);
          continue;
        }
        const std::string type(send->stanza.attr_or("type", ""));
        const std::string key = std::string(&side == &alice ? "alice:" : "bob:") +
                                std::string(send->stanza.attr_or("id", ""));
        const std::string answered = std::string(&side == &alice ? "bob:" : "alice:") +
                                     std::string(send->stanza.attr_or("id", ""));
        if (type == "set") {
          EXPECT_TRUE(unanswered_.insert(key).second) << "id used twice: " << key;
        } else {
          EXPECT_EQ(unanswered_.erase(answered), 1u) << "an answer to no set: " << answered;
        }
        out.in_flight.push_back(xml::to_string(send->stanza));
      } else {
        side.events.push_back(std::move(o));
      }
    }
  }

  void deliver(Direction& d, Side& to) {
    const std::string bytes = d.in_flight.front();
    d.in_flight.pop_front();
    std::size_t pos = 0;
    while (pos < bytes.size()) {
      const std::size_t n = std::min<std::size_t>(
          bytes.size() - pos, std::uniform_int_distribution<std::size_t>(1, 64)(rng_));
      ASSERT_TRUE(d.parser->feed(std::string_view(bytes).substr(pos, n)));
      pos += n;
    }
    ASSERT_EQ(d.parser->pending_events(), 1u) << bytes;
    const xml::Element stanza = std::get<xml::Element>(d.parser->next());
    if (!to.session) {  // bob: the first stanza is the session-initiate
      SessionConfig c = make_config(kBob, kAlice, "b");
      to.session.emplace(Session::incoming(c, stanza, now));
      return;
    }
    to.session->handle_iq(stanza, now);
  }

  std::mt19937 rng_;
  std::set<std::string> unanswered_;  // "<sender>:<id>" of IQ sets not answered yet
  Direction to_alice_;
  Direction to_bob_;
};

// The two views of every content agree: same codecs and numbers, complementary DTLS roles and
// directions, each side's remote credentials and fingerprint are the other's local ones.
void expect_negotiated(const Channel& ch, std::size_t contents) {
  auto a = ch.alice.last<out::ConfigureMedia>();
  auto b = ch.bob.last<out::ConfigureMedia>();
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(a->ice_controlling);
  EXPECT_FALSE(b->ice_controlling);
  EXPECT_EQ(a->bundle, b->bundle);
  ASSERT_EQ(a->contents.size(), contents);
  ASSERT_EQ(b->contents.size(), contents);
  for (std::size_t i = 0; i < contents; ++i) {
    const NegotiatedContent& x = a->contents[i];
    const NegotiatedContent& y = b->contents[i];
    SCOPED_TRACE(x.name);
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.media, y.media);
    ASSERT_FALSE(x.codecs.codecs.empty());
    ASSERT_EQ(x.codecs.codecs.size(), y.codecs.codecs.size());
    for (std::size_t k = 0; k < x.codecs.codecs.size(); ++k) {
      EXPECT_EQ(x.codecs.codecs[k].id, y.codecs.codecs[k].id);
      EXPECT_TRUE(x.codecs.codecs[k].matches(y.codecs.codecs[k]));
    }
    EXPECT_EQ(x.codecs.codecs[0].name, x.media == MediaType::kAudio ? "opus" : "VP8");
    EXPECT_NE(x.dtls_role, y.dtls_role);
    EXPECT_EQ(x.remote_fingerprint.value, kFpBob);
    EXPECT_EQ(y.remote_fingerprint.value, kFpAlice);
    const std::string media(codecs::to_string(x.media));
    EXPECT_EQ(x.remote_ufrag, Channel::transport_of("bob", x.name).ufrag);
    EXPECT_EQ(x.remote_pwd, Channel::transport_of("bob", x.name).pwd);
    EXPECT_EQ(y.remote_ufrag, Channel::transport_of("alice", x.name).ufrag);
    EXPECT_EQ(y.remote_pwd, Channel::transport_of("alice", x.name).pwd);
    EXPECT_EQ(x.send, y.receive);
    EXPECT_EQ(x.receive, y.send);
    ASSERT_FALSE(x.remote_sources.empty());
    ASSERT_FALSE(y.remote_sources.empty());
    EXPECT_EQ(x.remote_sources[0].ssrc, y.local_ssrc);
    EXPECT_EQ(y.remote_sources[0].ssrc, x.local_ssrc);
    EXPECT_TRUE(x.rtcp_mux && y.rtcp_mux);
  }
}

// Alice calls, bob accepts; candidates trickle from both sides.
void establish(Channel& ch, bool video) {
  ch.call(video);
  ch.alice.session->local_candidate(
      "audio",
      Candidate{1, "1", 0, "c1", "198.51.100.1", 0, 4000, 2122260223, "udp", {}, {}, "host", {}},
      ch.now);
  ch.run();
  ASSERT_TRUE(ch.bob.session);
  Session& bob = *ch.bob.session;
  EXPECT_EQ(bob.state(), State::kPending);
  bob.local_candidate(
      "audio",
      Candidate{1, "1", 0, "c1", "203.0.113.9", 0, 5000, 2122260223, "udp", {}, {}, "host", {}},
      ch.now);
  ASSERT_TRUE(bob.send_info(RtpInfo{RtpInfo::Kind::kRinging, {}, {}}, ch.now));
  std::vector<LocalTransport> ts;
  for (const auto& c : bob.contents()) {
    ts.push_back(Channel::transport_of("bob", c.name));
  }
  ASSERT_TRUE(bob.accept(std::move(ts), ch.now));
  bob.gathering_done("audio", ch.now);
  ch.run();
  EXPECT_EQ(ch.alice.session->state(), State::kActive);
  EXPECT_EQ(ch.bob.session->state(), State::kActive);
  // Trickled candidates reached the other side (before or inside the accept).
  auto bob_rc = ch.bob.of<out::RemoteCandidates>();
  ASSERT_FALSE(bob_rc.empty());
  EXPECT_EQ(bob_rc[0].candidates.at(0).port, 4000);
  auto alice_rc = ch.alice.of<out::RemoteCandidates>();
  ASSERT_FALSE(alice_rc.empty());
  EXPECT_EQ(alice_rc[0].candidates.at(0).port, 5000);
  EXPECT_TRUE(alice_rc.back().end_of_candidates);
  ASSERT_FALSE(ch.alice.of<out::PeerInfo>().empty());
  EXPECT_EQ(ch.alice.of<out::PeerInfo>()[0].info.kind, RtpInfo::Kind::kRinging);
  expect_negotiated(ch, video ? 2 : 1);  // every scenario starts from a checked negotiation
}

TEST(SessionPair, AudioCall) {
  for (unsigned seed = 0; seed < kSeeds; ++seed) {
    SCOPED_TRACE(seed);
    Channel ch(seed);
    establish(ch, false);
    expect_negotiated(ch, 1);
    EXPECT_EQ(ch.alice.last<out::ConfigureMedia>()->bundle, std::vector<std::string>{"audio"});
  }
}

TEST(SessionPair, AudioVideoCall) {
  for (unsigned seed = 0; seed < kSeeds; ++seed) {
    SCOPED_TRACE(seed);
    Channel ch(seed);
    establish(ch, true);
    expect_negotiated(ch, 2);
    EXPECT_EQ(ch.bob.last<out::ConfigureMedia>()->bundle,
              (std::vector<std::string>{"audio", "video"}));
  }
}

void upgrade_and_back(Channel& ch, bool alice_adds) {
  Session& adder = alice_adds ? *ch.alice.session : *ch.bob.session;
  Side& other = alice_adds ? ch.bob : ch.alice;
  ASSERT_TRUE(adder.add_content(
      local_content(MediaType::kVideo, Channel::transport_of(alice_adds ? "alice" : "bob", "video"),
                    0),
      ch.now));
  ch.run();
  auto offered = other.of<out::ContentOffered>();
  ASSERT_EQ(offered.size(), 1u);
  EXPECT_EQ(offered[0].media, MediaType::kVideo);
  ASSERT_TRUE(other.session->accept_content(
      offered[0].name, Channel::transport_of(alice_adds ? "bob" : "alice", offered[0].name),
      ch.now));
  ch.run();
  expect_negotiated(ch, 2);
  // And back to audio: the other side removes the video.
  ASSERT_TRUE(other.session->remove_content(offered[0].name, ch.now));
  ch.run();
  EXPECT_EQ(ch.alice.last<out::RemoveMedia>()->contents, std::vector<std::string>{"video"});
  EXPECT_EQ(ch.bob.last<out::RemoveMedia>()->contents, std::vector<std::string>{"video"});
  expect_negotiated(ch, 1);
  EXPECT_EQ(ch.alice.session->state(), State::kActive);
  EXPECT_EQ(ch.bob.session->state(), State::kActive);
}

TEST(SessionPair, UpgradeAudioToVideoAndBackByTheInitiator) {
  for (unsigned seed = 0; seed < kSeeds; ++seed) {
    SCOPED_TRACE(seed);
    Channel ch(seed);
    establish(ch, false);
    upgrade_and_back(ch, true);
  }
}

TEST(SessionPair, UpgradeAudioToVideoAndBackByTheResponder) {
  for (unsigned seed = 0; seed < kSeeds; ++seed) {
    SCOPED_TRACE(seed);
    Channel ch(seed);
    establish(ch, false);
    upgrade_and_back(ch, false);
  }
}

TEST(SessionPair, HoldAndUnhold) {
  for (unsigned seed = 0; seed < kSeeds; ++seed) {
    SCOPED_TRACE(seed);
    Channel ch(seed);
    establish(ch, false);
    ASSERT_TRUE(ch.alice.session->send_info(RtpInfo{RtpInfo::Kind::kHold, {}, {}}, ch.now));
    ASSERT_TRUE(ch.alice.session->send_info(RtpInfo{RtpInfo::Kind::kUnhold, {}, {}}, ch.now));
    ch.run();
    auto info = ch.bob.of<out::PeerInfo>();
    ASSERT_EQ(info.size(), 2u);
    EXPECT_EQ(info[0].info.kind, RtpInfo::Kind::kHold);
    EXPECT_EQ(info[1].info.kind, RtpInfo::Kind::kUnhold);
    EXPECT_EQ(ch.bob.session->state(), State::kActive);
  }
}

TEST(SessionPair, IceRestartFromEitherSide) {
  for (unsigned seed = 0; seed < kSeeds; ++seed) {
    SCOPED_TRACE(seed);
    Channel ch(seed);
    establish(ch, false);
    ch.alice.session->restart_ice(
        "audio", local_transport("aR", "alice-restart-password-01", kFpAlice), ch.now);
    ch.bob.session->restart_ice("audio", local_transport("bR", "bob-restart-password-0123", kFpBob),
                                ch.now);
    ch.run();
    auto at_bob = ch.bob.of<out::IceRestart>();
    ASSERT_EQ(at_bob.size(), 1u);
    EXPECT_EQ(at_bob[0].ufrag, "aR");
    EXPECT_EQ(at_bob[0].pwd, "alice-restart-password-01");
    auto at_alice = ch.alice.of<out::IceRestart>();
    ASSERT_EQ(at_alice.size(), 1u);
    EXPECT_EQ(at_alice[0].ufrag, "bR");
    EXPECT_EQ(ch.alice.session->state(), State::kActive);
    EXPECT_EQ(ch.bob.session->state(), State::kActive);
  }
}

TEST(SessionPair, Mute) {
  for (unsigned seed = 0; seed < kSeeds; ++seed) {
    SCOPED_TRACE(seed);
    Channel ch(seed);
    establish(ch, true);
    ASSERT_TRUE(
        ch.bob.session->send_info(RtpInfo{RtpInfo::Kind::kMute, "responder", "video"}, ch.now));
    ch.run();
    auto info = ch.alice.of<out::PeerInfo>();
    ASSERT_EQ(info.size(), 2u);  // ringing, mute
    EXPECT_EQ(info[1].info.kind, RtpInfo::Kind::kMute);
    EXPECT_EQ(info[1].info.creator, "responder");
    EXPECT_EQ(info[1].info.name, "video");
  }
}

void expect_ended(const Side& s, bool by_peer, Condition c) {
  EXPECT_EQ(s.session->state(), State::kEnded);
  auto sc = s.last<out::StateChanged>();
  ASSERT_TRUE(sc);
  EXPECT_EQ(sc->state, State::kEnded);
  EXPECT_EQ(sc->by_peer, by_peer);
  ASSERT_TRUE(sc->reason);
  EXPECT_EQ(sc->reason->condition, c);
}

TEST(SessionPair, TerminateByTheInitiator) {
  for (unsigned seed = 0; seed < kSeeds; ++seed) {
    SCOPED_TRACE(seed);
    Channel ch(seed);
    establish(ch, false);
    ch.alice.session->terminate(Condition::kSuccess, "bye", ch.now);
    ch.run();
    expect_ended(ch.alice, false, Condition::kSuccess);
    expect_ended(ch.bob, true, Condition::kSuccess);
    EXPECT_EQ(ch.bob.last<out::StateChanged>()->reason->text, std::optional<std::string>("bye"));
  }
}

TEST(SessionPair, TerminateByTheResponder) {
  for (unsigned seed = 0; seed < kSeeds; ++seed) {
    SCOPED_TRACE(seed);
    Channel ch(seed);
    establish(ch, true);
    ch.bob.session->terminate(Condition::kSuccess, std::nullopt, ch.now);
    ch.run();
    expect_ended(ch.bob, false, Condition::kSuccess);
    expect_ended(ch.alice, true, Condition::kSuccess);
  }
}

TEST(SessionPair, DeclineBeforeAccept) {
  for (unsigned seed = 0; seed < kSeeds; ++seed) {
    SCOPED_TRACE(seed);
    Channel ch(seed);
    ch.call(false);
    ch.run();
    ch.bob.session->terminate(Condition::kDecline, std::nullopt, ch.now);
    ch.run();
    expect_ended(ch.alice, true, Condition::kDecline);
    EXPECT_TRUE(ch.alice.of<out::ConfigureMedia>().empty());
  }
}

TEST(SessionPair, ContentAddRaceIsWonByTheInitiator) {
  for (unsigned seed = 0; seed < kSeeds; ++seed) {
    SCOPED_TRACE(seed);
    Channel ch(seed);
    establish(ch, false);
    // Both add video before either content-add arrives.
    ASSERT_TRUE(ch.alice.session->add_content(
        local_content(MediaType::kVideo, Channel::transport_of("alice", "video"), 0), ch.now));
    ASSERT_TRUE(ch.bob.session->add_content(
        local_content(MediaType::kVideo, Channel::transport_of("bob", "video"), 0), ch.now));
    ch.run();
    EXPECT_TRUE(ch.alice.of<out::ContentOffered>().empty());  // bob's was refused
    auto offered = ch.bob.of<out::ContentOffered>();
    ASSERT_EQ(offered.size(), 1u);
    ASSERT_TRUE(ch.bob.session->accept_content(
        offered[0].name, Channel::transport_of("bob", offered[0].name), ch.now));
    ch.run();
    expect_negotiated(ch, 2);
    EXPECT_EQ(ch.bob.session->contents().size(), 2u);
    EXPECT_EQ(ch.bob.session->contents()[1].creator, Creator::kInitiator);
    EXPECT_EQ(ch.alice.session->state(), State::kActive);
    EXPECT_EQ(ch.bob.session->state(), State::kActive);
  }
}

TEST(SessionPair, RingTimeout) {
  for (unsigned seed = 0; seed < kSeeds; ++seed) {
    SCOPED_TRACE(seed);
    Channel ch(seed);
    ch.call(false);
    ch.run();
    ASSERT_TRUE(ch.bob.session);
    ASSERT_TRUE(ch.alice.session->next_deadline());
    ch.timer(kT0 + seconds(59));
    ch.run();
    EXPECT_EQ(ch.alice.session->state(), State::kPending);
    ch.timer(kT0 + seconds(60));
    ch.run();
    expect_ended(ch.alice, false, Condition::kTimeout);
    expect_ended(ch.bob, true, Condition::kTimeout);
  }
}

TEST(SessionPair, WrongSenderIsIgnored) {
  for (unsigned seed = 0; seed < kSeeds; ++seed) {
    SCOPED_TRACE(seed);
    Channel ch(seed);
    establish(ch, false);
    const std::string sid = ch.bob.session->sid();
    ch.inject_to_bob(iq_set(kMallory, kBob, "evil1",
                            "<jingle xmlns='urn:xmpp:jingle:1' action='session-terminate' sid='" +
                                sid + "'><reason><success/></reason></jingle>"));
    ASSERT_EQ(ch.to_mallory.size(), 1u);
    EXPECT_EQ(error_of(ch.to_mallory[0]).condition, "item-not-found");
    EXPECT_EQ(ch.bob.session->state(), State::kActive);
    // The call goes on.
    ASSERT_TRUE(ch.alice.session->send_info(RtpInfo{RtpInfo::Kind::kHold, {}, {}}, ch.now));
    ch.run();
    EXPECT_EQ(ch.bob.of<out::PeerInfo>().back().info.kind, RtpInfo::Kind::kHold);
    EXPECT_EQ(ch.bob.session->state(), State::kActive);
  }
}

}  // namespace
}  // namespace jcall::signaling::jingle::test
