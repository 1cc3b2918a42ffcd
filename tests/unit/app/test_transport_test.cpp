// The loopback test transport behind the media seam (app/test_transport.hpp): two instances in
// one io_context exchange what Jingle would carry (credentials and candidates) and must reach
// each other over real UDP sockets on 127.0.0.1; wrong credentials or an unreachable candidate
// must fail instead of "connecting". Every run of the io_context is bounded.
#include "app/test_transport.hpp"

#include <chrono>
#include <map>
#include <set>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

namespace jcall::app {
namespace {

using namespace std::chrono_literals;
namespace jingle = signaling::jingle;

// One side: a transport and what its events reported.
struct Side {
  explicit Side(boost::asio::io_context& io) : transport(io, TestTransport::Timing{10ms, 20}) {
    MediaEvents e;
    e.local_candidate = [this](const std::string& sid, const std::string& content,
                               jingle::Candidate c) {
      candidates[sid + "/" + content].push_back(c);
    };
    e.gathering_done = [this](const std::string& sid, const std::string& content) {
      gathered.insert(sid + "/" + content);
    };
    e.connected = [this](const std::string& sid, const std::string& content) {
      connected.insert(sid + "/" + content);
    };
    e.failed = [this](const std::string& sid, const std::string& content, const std::string& why) {
      failed[sid + "/" + content] = why;
    };
    transport.set_events(std::move(e));
  }
  TestTransport transport;
  std::map<std::string, std::vector<jingle::Candidate>> candidates;
  std::set<std::string> gathered;
  std::set<std::string> connected;
  std::map<std::string, std::string> failed;
};

// Runs io until done() or 5 s have passed.
template <class F>
bool run_until(boost::asio::io_context& io, F done) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.run_for(5ms);
    io.restart();
  }
  return done();
}

jingle::out::ConfigureMedia configure(const std::string& name,
                                      const jingle::LocalTransport& remote) {
  jingle::NegotiatedContent c;
  c.name = name;
  c.media = codecs::MediaType::kAudio;
  c.remote_ufrag = remote.ufrag;
  c.remote_pwd = remote.pwd;
  return jingle::out::ConfigureMedia{{c}, {}, true};
}

TEST(TestTransport, PreparesOneHostCandidatePerContentWithIceShapedCredentials) {
  boost::asio::io_context io;
  Side a(io);
  auto t = a.transport.prepare("s1", {"audio", "video"},
                               {codecs::MediaType::kAudio, codecs::MediaType::kVideo});
  ASSERT_TRUE(t) << t.error().describe();
  ASSERT_EQ(t->size(), 2u);
  for (const auto& lt : *t) {
    EXPECT_GE(lt.ufrag.size(), 4u);  // RFC 8445 §5.3: at least 24 bits
    EXPECT_GE(lt.pwd.size(), 22u);   // at least 128 bits
    EXPECT_EQ(lt.fingerprint_hash, "sha-256");
    EXPECT_EQ(lt.fingerprint.size(), 32u * 3 - 1);  // "AB:CD:..."
  }
  EXPECT_NE((*t)[0].ufrag, (*t)[1].ufrag);
  ASSERT_TRUE(run_until(io, [&] { return a.gathered.size() == 2; }));
  ASSERT_EQ(a.candidates["s1/audio"].size(), 1u);
  const auto& c = a.candidates["s1/audio"][0];
  EXPECT_EQ(c.ip, "127.0.0.1");
  EXPECT_EQ(c.type, "host");
  EXPECT_EQ(c.protocol, "udp");
  EXPECT_NE(c.port, 0);
  EXPECT_NE(c.port, a.candidates["s1/video"][0].port);
}

TEST(TestTransport, ConnectsOnlyThroughTheSignaledCandidatesAndCredentials) {
  boost::asio::io_context io;
  Side a(io), b(io);
  auto ta = a.transport.prepare("s", {"audio"}, {codecs::MediaType::kAudio});
  auto tb = b.transport.prepare("s", {"audio"}, {codecs::MediaType::kAudio});
  ASSERT_TRUE(ta && tb);
  ASSERT_TRUE(run_until(io, [&] { return a.gathered.size() == 1 && b.gathered.size() == 1; }));
  // Configured, but no remote candidate yet: nothing can connect.
  a.transport.configure("s", configure("audio", (*tb)[0]));
  b.transport.configure("s", configure("audio", (*ta)[0]));
  io.run_for(50ms);
  io.restart();
  EXPECT_TRUE(a.connected.empty());
  EXPECT_TRUE(b.connected.empty());
  // Trickled candidates (as transport-info would bring them).
  a.transport.remote_candidates("s", {"audio", b.candidates["s/audio"], false});
  b.transport.remote_candidates("s", {"audio", a.candidates["s/audio"], false});
  ASSERT_TRUE(run_until(io, [&] { return a.connected.size() == 1 && b.connected.size() == 1; }));
  EXPECT_TRUE(a.failed.empty());
  EXPECT_TRUE(b.failed.empty());
}

TEST(TestTransport, WrongRemoteUfragFailsInsteadOfConnecting) {
  boost::asio::io_context io;
  Side a(io), b(io);
  auto ta = a.transport.prepare("s", {"audio"}, {codecs::MediaType::kAudio});
  auto tb = b.transport.prepare("s", {"audio"}, {codecs::MediaType::kAudio});
  ASSERT_TRUE(ta && tb);
  ASSERT_TRUE(run_until(io, [&] { return a.gathered.size() == 1 && b.gathered.size() == 1; }));
  jingle::LocalTransport wrong = (*ta)[0];
  wrong.ufrag = "notA";
  a.transport.configure("s", configure("audio", (*tb)[0]));
  b.transport.configure("s", configure("audio", wrong));  // b was told a wrong ufrag
  a.transport.remote_candidates("s", {"audio", b.candidates["s/audio"], false});
  b.transport.remote_candidates("s", {"audio", a.candidates["s/audio"], false});
  ASSERT_TRUE(run_until(io, [&] { return b.failed.size() == 1 && a.connected.size() == 1; }));
  EXPECT_TRUE(b.connected.empty()) << "a probe for another ufrag was answered";
  EXPECT_NE(b.failed["s/audio"].find("no answer"), std::string::npos) << b.failed["s/audio"];
}

TEST(TestTransport, UnreachableCandidateFails) {
  boost::asio::io_context io;
  Side a(io);
  auto ta = a.transport.prepare("s", {"audio"}, {codecs::MediaType::kAudio});
  ASSERT_TRUE(ta);
  jingle::LocalTransport remote;
  remote.ufrag = "peer";
  remote.pwd = "0123456789012345678901";
  jingle::Candidate c;
  c.ip = "127.0.0.1";
  c.port = 9;  // discard: nobody answers
  c.protocol = "udp";
  c.type = "host";
  a.transport.configure("s", configure("audio", remote));
  a.transport.remote_candidates("s", {"audio", {c}, true});
  ASSERT_TRUE(run_until(io, [&] { return a.failed.size() == 1; }));
  EXPECT_TRUE(a.connected.empty());
}

// The session may name a content differently from the media alias it was prepared under (a
// StanzaJS peer names them "0", "1"): candidates under that name are kept until ConfigureMedia
// says which media it is.
TEST(TestTransport, MapsSessionContentNamesToPreparedMedia) {
  boost::asio::io_context io;
  Side a(io), b(io);
  auto ta = a.transport.prepare("s", {"audio"}, {codecs::MediaType::kAudio});
  auto tb = b.transport.prepare("s", {"0"}, {codecs::MediaType::kAudio});
  ASSERT_TRUE(ta && tb);
  ASSERT_TRUE(run_until(io, [&] { return a.gathered.size() == 1 && b.gathered.size() == 1; }));
  a.transport.remote_candidates("s", {"0", b.candidates["s/0"], false});  // before configure
  b.transport.remote_candidates("s", {"0", a.candidates["s/audio"], false});
  a.transport.configure("s", configure("0", (*tb)[0]));
  b.transport.configure("s", configure("0", (*ta)[0]));
  ASSERT_TRUE(run_until(io, [&] { return a.connected.size() == 1 && b.connected.size() == 1; }));
  EXPECT_TRUE(a.connected.contains("s/audio"));  // reported under the prepared name
}

TEST(TestTransport, ClosedCallReportsNothingMore) {
  boost::asio::io_context io;
  Side a(io), b(io);
  auto ta = a.transport.prepare("s", {"audio"}, {codecs::MediaType::kAudio});
  auto tb = b.transport.prepare("s", {"audio"}, {codecs::MediaType::kAudio});
  ASSERT_TRUE(ta && tb);
  ASSERT_TRUE(run_until(io, [&] { return a.gathered.size() == 1 && b.gathered.size() == 1; }));
  b.transport.close("s");  // b hung up: its socket is gone
  a.transport.configure("s", configure("audio", (*tb)[0]));
  a.transport.remote_candidates("s", {"audio", b.candidates["s/audio"], false});
  ASSERT_TRUE(run_until(io, [&] { return a.failed.size() == 1; }));
  EXPECT_TRUE(a.connected.empty());
  EXPECT_TRUE(b.connected.empty());
  EXPECT_TRUE(b.failed.empty());
}

}  // namespace
}  // namespace jcall::app
