// RFC 5764 DTLS-SRTP between two real OpenSSL endpoints exchanging datagrams in memory: use_srtp
// profile choice (§4.1.2), key export (§4.2), the fingerprint check (RFC 5763 §5), the handshake
// limit on a fake clock and retransmission (RFC 6347 §4.2.4).
#include "media/dtls_srtp/dtls_endpoint.hpp"

#include <functional>
#include <thread>

#include <gtest/gtest.h>

#include "media/dtls_srtp/demux.hpp"
#include "media/errc.hpp"

namespace jcall::media {
namespace {

using Clock = DtlsEndpoint::Clock;
using State = DtlsEndpoint::State;
using namespace std::chrono_literals;

std::shared_ptr<const Certificate> make_cert() {
  auto c = Certificate::generate();
  EXPECT_TRUE(c) << (c ? "" : c.error().message);
  return *c;
}

struct Side {
  std::shared_ptr<const Certificate> cert = make_cert();
  std::unique_ptr<DtlsEndpoint> ep;
};

// Two endpoints and a fake clock; pump() moves datagrams until both are quiet.
class DtlsPair : public ::testing::Test {
 protected:
  Side a_, b_;  // a_ is the client unless a test says otherwise
  Clock::time_point now_ = Clock::time_point{} + 1000h;
  std::size_t datagrams_ = 0;
  std::size_t largest_ = 0;

  DtlsConfig config_for(Side& self, Side& peer, DtlsRole role) {
    DtlsConfig c;
    c.role = role;
    c.certificate = self.cert;
    c.remote_fingerprint = peer.cert->fingerprint_sha256();
    return c;
  }

  void make(DtlsConfig ca, DtlsConfig cb) {
    auto ea = DtlsEndpoint::create(std::move(ca));
    auto eb = DtlsEndpoint::create(std::move(cb));
    ASSERT_TRUE(ea) << ea.error().message;
    ASSERT_TRUE(eb) << eb.error().message;
    a_.ep = std::move(*ea);
    b_.ep = std::move(*eb);
  }

  void make_default() {
    make(config_for(a_, b_, DtlsRole::kClient), config_for(b_, a_, DtlsRole::kServer));
  }

  void start() {
    a_.ep->start(now_);
    b_.ep->start(now_);
  }

  // Delivers what each side wrote to the other, until nothing more is written. `drop` may
  // discard a datagram (from a_ if from_a). Bounded.
  void pump(const std::function<bool(bool from_a, std::size_t index)>& drop = {}) {
    for (int round = 0; round < 50; ++round) {
      auto from_a = a_.ep->take_outgoing();
      auto from_b = b_.ep->take_outgoing();
      if (from_a.empty() && from_b.empty()) {
        return;
      }
      deliver(from_a, *b_.ep, true, drop);
      deliver(from_b, *a_.ep, false, drop);
    }
    FAIL() << "endpoints kept talking";
  }

  void deliver(std::vector<std::vector<std::uint8_t>>& datagrams,
               DtlsEndpoint& to,
               bool from_a,
               const std::function<bool(bool, std::size_t)>& drop) {
    for (auto& d : datagrams) {
      const std::size_t index = datagrams_++;
      largest_ = std::max(largest_, d.size());
      EXPECT_EQ(classify(d), PacketKind::kDtls);
      if (drop && drop(from_a, index)) {
        continue;
      }
      to.feed(d, now_);
    }
  }
};

void expect_connected(DtlsEndpoint& e) {
  ASSERT_EQ(e.state(), State::kConnected)
      << (e.failure() ? e.failure()->message : std::string("no failure"));
  ASSERT_TRUE(e.keys().has_value());
  EXPECT_EQ(e.version(), "DTLSv1.2");
}

TEST_F(DtlsPair, HandshakeExportsCrossMatchingKeys) {
  make_default();
  start();
  EXPECT_EQ(a_.ep->state(), State::kHandshaking);
  pump();
  expect_connected(*a_.ep);
  expect_connected(*b_.ep);
  const SrtpKeys& ka = *a_.ep->keys();
  const SrtpKeys& kb = *b_.ep->keys();
  EXPECT_EQ(ka.profile, SrtpProfile::kAeadAes128Gcm);  // first in our preference
  EXPECT_EQ(kb.profile, ka.profile);
  EXPECT_EQ(ka.local_key_salt.size(), 28u);
  EXPECT_EQ(ka.local_key_salt, kb.remote_key_salt);
  EXPECT_EQ(ka.remote_key_salt, kb.local_key_salt);
  EXPECT_NE(ka.local_key_salt, ka.remote_key_salt);
  EXPECT_LE(largest_, 1200u);
  EXPECT_FALSE(a_.ep->failure().has_value());

  // SRTP keyed from each side's export talks to the other.
  for (int dir = 0; dir < 2; ++dir) {
    const SrtpKeys& tx = dir == 0 ? ka : kb;
    const SrtpKeys& rx = dir == 0 ? kb : ka;
    auto out =
        SrtpSession::create(tx.profile, SrtpSession::Direction::kOutbound, tx.local_key_salt);
    auto in = SrtpSession::create(rx.profile, SrtpSession::Direction::kInbound, rx.remote_key_salt);
    ASSERT_TRUE(out && in);
    std::vector<std::uint8_t> packet = {0x80, 111, 0, 1, 0, 0, 0, 160, 1, 2, 3, 4};
    packet.resize(92, 0x55);
    const auto plain = packet;
    ASSERT_TRUE(out->protect_rtp(packet));
    EXPECT_EQ(classify(packet), PacketKind::kRtp);
    ASSERT_TRUE(in->unprotect_rtp(packet));
    EXPECT_EQ(packet, plain);
  }
}

TEST_F(DtlsPair, ServerRoleOnEitherSide) {
  make(config_for(a_, b_, DtlsRole::kServer), config_for(b_, a_, DtlsRole::kClient));
  start();
  pump();
  expect_connected(*a_.ep);
  expect_connected(*b_.ep);
  EXPECT_EQ(a_.ep->keys()->local_key_salt, b_.ep->keys()->remote_key_salt);
}

TEST_F(DtlsPair, ProfileFallbackToAesCm) {
  DtlsConfig ca = config_for(a_, b_, DtlsRole::kClient);
  ca.profiles = {SrtpProfile::kAes128CmSha1_80};
  make(std::move(ca), config_for(b_, a_, DtlsRole::kServer));
  start();
  pump();
  expect_connected(*a_.ep);
  expect_connected(*b_.ep);
  EXPECT_EQ(a_.ep->keys()->profile, SrtpProfile::kAes128CmSha1_80);
  EXPECT_EQ(b_.ep->keys()->profile, SrtpProfile::kAes128CmSha1_80);
  EXPECT_EQ(a_.ep->keys()->local_key_salt.size(), 30u);
}

TEST_F(DtlsPair, NoCommonProfileFails) {
  DtlsConfig ca = config_for(a_, b_, DtlsRole::kClient);
  ca.profiles = {SrtpProfile::kAes128CmSha1_80};
  DtlsConfig cb = config_for(b_, a_, DtlsRole::kServer);
  cb.profiles = {SrtpProfile::kAeadAes128Gcm};
  make(std::move(ca), std::move(cb));
  start();
  pump();
  EXPECT_NE(a_.ep->state(), State::kConnected);
  EXPECT_NE(b_.ep->state(), State::kConnected);
  ASSERT_TRUE(a_.ep->failure().has_value());
  EXPECT_EQ(a_.ep->failure()->code, make_error_code(Errc::dtls_handshake_failed));
  EXPECT_FALSE(a_.ep->keys().has_value());
}

TEST_F(DtlsPair, WrongFingerprintFailsWithoutKeys) {
  Side other;  // a certificate the server does not use
  DtlsConfig ca = config_for(a_, b_, DtlsRole::kClient);
  ca.remote_fingerprint = other.cert->fingerprint_sha256();
  make(std::move(ca), config_for(b_, a_, DtlsRole::kServer));
  start();
  pump();
  ASSERT_EQ(a_.ep->state(), State::kFailed);
  ASSERT_TRUE(a_.ep->failure().has_value());
  EXPECT_EQ(a_.ep->failure()->code, make_error_code(Errc::fingerprint_mismatch));
  const std::string& msg = a_.ep->failure()->message;
  EXPECT_NE(msg.find(b_.cert->fingerprint_sha256()), std::string::npos) << msg;
  EXPECT_NE(msg.find(other.cert->fingerprint_sha256()), std::string::npos) << msg;
  EXPECT_FALSE(a_.ep->keys().has_value());
  // The server's check passed; it is then told the client is gone.
  EXPECT_NE(b_.ep->state(), State::kFailed);
  EXPECT_EQ(b_.ep->state(), State::kClosed);
}

TEST_F(DtlsPair, WrongFingerprintOnTheServer) {
  Side other;
  DtlsConfig cb = config_for(b_, a_, DtlsRole::kServer);
  cb.remote_fingerprint = other.cert->fingerprint_sha256();
  make(config_for(a_, b_, DtlsRole::kClient), std::move(cb));
  start();
  pump();
  ASSERT_EQ(b_.ep->state(), State::kFailed);
  EXPECT_EQ(b_.ep->failure()->code, make_error_code(Errc::fingerprint_mismatch));
  EXPECT_FALSE(b_.ep->keys().has_value());
}

TEST_F(DtlsPair, FingerprintComparisonIgnoresCaseAndOtherHashesWork) {
  DtlsConfig ca = config_for(a_, b_, DtlsRole::kClient);
  std::string lower = ca.remote_fingerprint;
  for (char& c : lower) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  ca.remote_fingerprint = lower;
  DtlsConfig cb = config_for(b_, a_, DtlsRole::kServer);
  cb.remote_fingerprint_hash = "sha-384";
  cb.remote_fingerprint = *fingerprint(a_.cert->x509(), "sha-384");
  make(std::move(ca), std::move(cb));
  start();
  pump();
  expect_connected(*a_.ep);
  expect_connected(*b_.ep);
}

TEST_F(DtlsPair, UnknownFingerprintHashIsRefusedAtCreate) {
  DtlsConfig c = config_for(a_, b_, DtlsRole::kClient);
  c.remote_fingerprint_hash = "md5";
  auto e = DtlsEndpoint::create(std::move(c));
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, make_error_code(Errc::invalid_argument));
}

TEST_F(DtlsPair, UnusableConfigIsRefusedAtCreate) {
  DtlsConfig small = config_for(a_, b_, DtlsRole::kClient);
  small.mtu = 100;
  auto e = DtlsEndpoint::create(std::move(small));
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, make_error_code(Errc::invalid_argument));
  DtlsConfig none = config_for(a_, b_, DtlsRole::kClient);
  none.profiles.clear();
  EXPECT_FALSE(DtlsEndpoint::create(std::move(none)));
  DtlsConfig nocert = config_for(a_, b_, DtlsRole::kClient);
  nocert.certificate.reset();
  EXPECT_FALSE(DtlsEndpoint::create(std::move(nocert)));
}

TEST_F(DtlsPair, HandshakeTimeout) {
  make_default();
  start();
  ASSERT_TRUE(a_.ep->next_timeout(now_).has_value());
  EXPECT_LE(*a_.ep->next_timeout(now_), now_ + 10s);
  (void)a_.ep->take_outgoing();  // the ClientHello is lost, and everything after it
  for (int i = 0; i < 100 && a_.ep->state() == State::kHandshaking; ++i) {
    now_ += 500ms;
    a_.ep->on_timer(now_);
    b_.ep->on_timer(now_);
    (void)a_.ep->take_outgoing();
    (void)b_.ep->take_outgoing();
  }
  for (DtlsEndpoint* e : {a_.ep.get(), b_.ep.get()}) {
    ASSERT_EQ(e->state(), State::kFailed);
    ASSERT_TRUE(e->failure().has_value());
    EXPECT_EQ(e->failure()->code, make_error_code(Errc::dtls_timeout));
    EXPECT_EQ(e->failure()->message, "DTLS handshake did not complete within 10 s");
    EXPECT_FALSE(e->keys().has_value());
    EXPECT_FALSE(e->next_timeout(now_).has_value());
  }
}

TEST_F(DtlsPair, TimeoutMessageNamesTheConfiguredLimit) {
  DtlsConfig ca = config_for(a_, b_, DtlsRole::kClient);
  ca.handshake_timeout = 2500ms;
  make(std::move(ca), config_for(b_, a_, DtlsRole::kServer));
  a_.ep->start(now_);
  now_ += 2499ms;
  a_.ep->on_timer(now_);
  EXPECT_EQ(a_.ep->state(), State::kHandshaking);
  now_ += 1ms;
  a_.ep->on_timer(now_);
  ASSERT_EQ(a_.ep->state(), State::kFailed);
  EXPECT_EQ(a_.ep->failure()->message, "DTLS handshake did not complete within 2500 ms");
}

TEST_F(DtlsPair, LostFirstFlightIsRetransmitted) {
  // OpenSSL's retransmission timer runs on the system clock; a short first timeout keeps this
  // test quick. The wait is bounded by the handshake limit.
  DtlsConfig ca = config_for(a_, b_, DtlsRole::kClient);
  ca.initial_retransmission_timeout = 30ms;
  make(std::move(ca), config_for(b_, a_, DtlsRole::kServer));
  now_ = Clock::now();
  start();
  const auto lost = a_.ep->take_outgoing();
  ASSERT_FALSE(lost.empty());  // the ClientHello, dropped
  pump();
  EXPECT_EQ(a_.ep->state(), State::kHandshaking);
  EXPECT_EQ(b_.ep->state(), State::kHandshaking);
  int retransmissions = 0;
  for (int i = 0; i < 20 && a_.ep->state() == State::kHandshaking; ++i) {
    auto next = a_.ep->next_timeout(Clock::now());
    ASSERT_TRUE(next.has_value());
    std::this_thread::sleep_until(*next);  // waits for the timer, not for a condition
    now_ = Clock::now();
    a_.ep->on_timer(now_);
    auto again = a_.ep->take_outgoing();
    if (!again.empty()) {
      ++retransmissions;
      for (auto& d : again) {
        b_.ep->feed(d, now_);
      }
      pump();
    }
  }
  EXPECT_GE(retransmissions, 1);
  expect_connected(*a_.ep);
  expect_connected(*b_.ep);
}

TEST_F(DtlsPair, LostLastFlightIsAnsweredAfterConnect) {
  // The server's ChangeCipherSpec+Finished is lost: the server is already connected, the client
  // retransmits its last flight and the server, processing it after the handshake, answers.
  DtlsConfig ca = config_for(a_, b_, DtlsRole::kClient);
  ca.initial_retransmission_timeout = 30ms;
  make(std::move(ca), config_for(b_, a_, DtlsRole::kServer));
  now_ = Clock::now();
  start();
  std::size_t dropped = 0;
  pump([&](bool from_a, std::size_t) {
    const bool drop = !from_a && b_.ep->state() == State::kConnected;
    dropped += drop ? 1 : 0;
    return drop;
  });
  ASSERT_GE(dropped, 1u);
  expect_connected(*b_.ep);
  ASSERT_EQ(a_.ep->state(), State::kHandshaking);
  for (int i = 0; i < 20 && a_.ep->state() == State::kHandshaking; ++i) {
    auto next = a_.ep->next_timeout(Clock::now());
    ASSERT_TRUE(next.has_value());
    std::this_thread::sleep_until(*next);  // waits for the timer, not for a condition
    now_ = Clock::now();
    a_.ep->on_timer(now_);
    pump();
  }
  expect_connected(*a_.ep);
  expect_connected(*b_.ep);
  EXPECT_EQ(a_.ep->keys()->local_key_salt, b_.ep->keys()->remote_key_salt);
}

TEST_F(DtlsPair, SmallMtuSplitsFlightsIntoDatagrams) {
  DtlsConfig ca = config_for(a_, b_, DtlsRole::kClient);
  DtlsConfig cb = config_for(b_, a_, DtlsRole::kServer);
  ca.mtu = cb.mtu = 300;
  make(std::move(ca), std::move(cb));
  start();
  pump();
  expect_connected(*a_.ep);
  expect_connected(*b_.ep);
  EXPECT_LE(largest_, 300u);
  EXPECT_GE(datagrams_, 6u);  // each flight with a certificate needs several datagrams
}

TEST_F(DtlsPair, BothClientsNeverConnect) {
  make(config_for(a_, b_, DtlsRole::kClient), config_for(b_, a_, DtlsRole::kClient));
  start();
  for (int i = 0; i < 30; ++i) {
    pump();
    now_ += 500ms;
    a_.ep->on_timer(now_);
    b_.ep->on_timer(now_);
  }
  pump();
  for (DtlsEndpoint* e : {a_.ep.get(), b_.ep.get()}) {
    EXPECT_EQ(e->state(), State::kFailed);
    ASSERT_TRUE(e->failure().has_value());
    EXPECT_TRUE(e->failure()->code == make_error_code(Errc::dtls_handshake_failed) ||
                e->failure()->code == make_error_code(Errc::dtls_timeout))
        << e->failure()->message;
    EXPECT_FALSE(e->keys().has_value());
  }
}

TEST_F(DtlsPair, BothServersTimeOut) {
  make(config_for(a_, b_, DtlsRole::kServer), config_for(b_, a_, DtlsRole::kServer));
  start();
  pump();
  EXPECT_EQ(datagrams_, 0u);
  now_ += 10s;
  a_.ep->on_timer(now_);
  ASSERT_EQ(a_.ep->state(), State::kFailed);
  EXPECT_EQ(a_.ep->failure()->code, make_error_code(Errc::dtls_timeout));
}

TEST_F(DtlsPair, CloseNotifyClosesThePeer) {
  make_default();
  start();
  pump();
  expect_connected(*a_.ep);
  a_.ep->close();
  EXPECT_EQ(a_.ep->state(), State::kClosed);
  auto out = a_.ep->take_outgoing();
  ASSERT_EQ(out.size(), 1u);  // one close_notify alert
  b_.ep->feed(out[0], now_);
  EXPECT_EQ(b_.ep->state(), State::kClosed);
  EXPECT_FALSE(b_.ep->failure().has_value());
  // Datagrams after close are ignored.
  a_.ep->feed(out[0], now_);
  EXPECT_EQ(a_.ep->state(), State::kClosed);
  EXPECT_TRUE(a_.ep->take_outgoing().empty());
}

TEST_F(DtlsPair, GarbageAfterConnectIsDiscarded) {
  make_default();
  start();
  pump();
  expect_connected(*b_.ep);
  // An application_data record in epoch 1 that does not authenticate is silently dropped
  // (RFC 6347 §4.1.2.7).
  std::vector<std::uint8_t> junk = {23, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 9, 0, 40};
  junk.resize(13 + 40, 0xaa);
  b_.ep->feed(junk, now_);
  EXPECT_EQ(b_.ep->state(), State::kConnected)
      << (b_.ep->failure() ? b_.ep->failure()->message : std::string());
  EXPECT_TRUE(b_.ep->take_outgoing().empty());  // no alert for garbage
  // The connection still works: a close_notify is understood.
  a_.ep->close();
  for (auto& d : a_.ep->take_outgoing()) {
    b_.ep->feed(d, now_);
  }
  EXPECT_EQ(b_.ep->state(), State::kClosed);
}

TEST_F(DtlsPair, RecordShorterThanItsCipherOverheadEndsTheAssociation) {
  // OpenSSL 3.0 answers a record too short for the AEAD overhead with a fatal alert rather
  // than dropping it; the endpoint reports that as a failure of the connection.
  make_default();
  start();
  pump();
  expect_connected(*b_.ep);
  std::vector<std::uint8_t> junk = {23, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 9, 0, 16};
  junk.resize(13 + 16, 0xaa);
  b_.ep->feed(junk, now_);
  ASSERT_EQ(b_.ep->state(), State::kFailed);
  EXPECT_EQ(b_.ep->failure()->code, make_error_code(Errc::dtls_handshake_failed));
  auto alert = b_.ep->take_outgoing();
  ASSERT_EQ(alert.size(), 1u);
  EXPECT_EQ(alert[0][0], 21);  // an alert record
  a_.ep->feed(alert[0], now_);
  EXPECT_EQ(a_.ep->state(), State::kFailed);
  ASSERT_TRUE(a_.ep->failure().has_value());
  EXPECT_NE(a_.ep->failure()->message.find("alert"), std::string::npos)
      << a_.ep->failure()->message;
}

TEST_F(DtlsPair, DuplicatedDatagramsAreHarmless) {
  make_default();
  start();
  for (int round = 0; round < 20; ++round) {
    auto from_a = a_.ep->take_outgoing();
    auto from_b = b_.ep->take_outgoing();
    if (from_a.empty() && from_b.empty()) {
      break;
    }
    for (auto& d : from_a) {
      b_.ep->feed(d, now_);
      b_.ep->feed(d, now_);
    }
    for (auto& d : from_b) {
      a_.ep->feed(d, now_);
      a_.ep->feed(d, now_);
    }
  }
  expect_connected(*a_.ep);
  expect_connected(*b_.ep);
  EXPECT_EQ(a_.ep->keys()->local_key_salt, b_.ep->keys()->remote_key_salt);
}

}  // namespace
}  // namespace jcall::media
