// RFC 5764 §4 (DTLS-SRTP: use_srtp negotiation, §4.2 key derivation), RFC 5763 §5 (fingerprint
// check of a self-signed peer certificate), RFC 6347 §4.2.4 (retransmission timer), over
// OpenSSL 3 DTLS 1.2.
//
// Datagram boundaries: OpenSSL's DTLS code sizes each datagram to the MTU and hands it to the
// write BIO in one BIO_write() (during the handshake through its internal buffering BIO, which is
// flushed once per datagram). A memory BIO would concatenate those writes, and OpenSSL 3.0 has
// no BIO_s_dgram_pair() (3.2+), so the write side is a small BIO of our own that keeps every
// BIO_write() as one datagram. The read side is a memory BIO fed one datagram at a time and
// drained before the next one, so OpenSSL always reads exactly one datagram.
//
// Time: the overall handshake limit runs on the caller's clock (`now`). The retransmission timer
// is OpenSSL's own, which reads the system clock: next_timeout() maps its remaining time onto the
// caller's clock, and on_timer() lets OpenSSL retransmit if its timer has really expired.
#include "media/dtls_srtp/dtls_endpoint.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <climits>
#include <cstring>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "media/errc.hpp"

namespace jcall::media {
namespace {

using Datagrams = std::vector<std::vector<std::uint8_t>>;

constexpr char kExporterLabel[] = "EXTRACTOR-dtls_srtp";  // RFC 5764 §4.2
// RFC 6347 §4.2.4.1: "a timer value of 60 seconds is the RECOMMENDED maximum".
constexpr unsigned int kMaxRetransmitUs = 60U * 1000U * 1000U;

struct SslCtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct SslFree {
  void operator()(SSL* s) const { SSL_free(s); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};

// --- write BIO: one BIO_write() == one datagram ---------------------------------------------

int out_write(BIO* bio, const char* data, int len) noexcept {
  auto* out = static_cast<Datagrams*>(BIO_get_data(bio));
  if (out == nullptr || len < 0) {
    return -1;
  }
  try {
    out->emplace_back(reinterpret_cast<const std::uint8_t*>(data),
                      reinterpret_cast<const std::uint8_t*>(data) + len);
  } catch (...) {
    return -1;
  }
  return len;
}

long out_ctrl(BIO* /*bio*/, int cmd, long /*num*/, void* /*ptr*/) noexcept {
  switch (cmd) {
    case BIO_CTRL_FLUSH:
      return 1;
    case BIO_CTRL_WPENDING:
    case BIO_CTRL_PENDING:
    case BIO_CTRL_DGRAM_QUERY_MTU:         // SSL_OP_NO_QUERY_MTU: the MTU is configured
    case BIO_CTRL_DGRAM_GET_MTU_OVERHEAD:  // the MTU given is already the datagram payload
      return 0;
    default:
      return 0;
  }
}

int out_create(BIO* bio) noexcept {
  BIO_set_init(bio, 1);
  return 1;
}

const BIO_METHOD* out_method() {
  // Made once and kept for the life of the process (BIO_METHODs are shared, immutable).
  static BIO_METHOD* method = [] {
    BIO_METHOD* m =
        BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "jcall DTLS datagrams out");
    if (m != nullptr) {
      BIO_meth_set_write(m, &out_write);
      BIO_meth_set_ctrl(m, &out_ctrl);
      BIO_meth_set_create(m, &out_create);
    }
    return m;
  }();
  return method;
}

// --- helpers ----------------------------------------------------------------------------------

std::string openssl_reason(const char* fallback) {
  std::string reason;
  while (const unsigned long e = ERR_get_error()) {
    std::array<char, 256> buf{};
    ERR_error_string_n(e, buf.data(), buf.size());
    if (!reason.empty()) {
      reason += "; ";
    }
    reason += buf.data();
  }
  return reason.empty() ? fallback : reason;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string describe_duration(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) {
    return std::to_string(d.count() / 1000) + " s";
  }
  return std::to_string(d.count()) + " ms";
}

int accept_any_certificate(int /*preverify_ok*/, X509_STORE_CTX* /*ctx*/) noexcept {
  // Peers use self-signed certificates (RFC 5763 §5); what authenticates them is the
  // fingerprint signaled over XMPP, checked once the handshake is done.
  return 1;
}

unsigned int retransmit_timer(SSL* ssl, unsigned int previous_us) noexcept {
  // RFC 6347 §4.2.4.1: start at the configured value, double on every expiry, cap at 60 s.
  if (previous_us == 0) {
    const auto* initial = static_cast<const std::chrono::milliseconds*>(SSL_get_app_data(ssl));
    const long long us =
        initial != nullptr ? std::chrono::duration_cast<std::chrono::microseconds>(*initial).count()
                           : 1000000LL;
    return static_cast<unsigned int>(std::clamp<long long>(us, 1, kMaxRetransmitUs));
  }
  return previous_us >= kMaxRetransmitUs / 2 ? kMaxRetransmitUs : previous_us * 2;
}

}  // namespace

struct DtlsEndpoint::Impl {
  DtlsConfig config;
  Datagrams outgoing;  // filled by the write BIO; declared before ssl so it outlives it
  std::unique_ptr<SSL_CTX, SslCtxFree> ctx;
  std::unique_ptr<SSL, SslFree> ssl;
  BIO* rbio = nullptr;  // owned by ssl
  std::optional<Clock::time_point> deadline;
  bool handshake_done = false;
};

Result<std::unique_ptr<DtlsEndpoint>> DtlsEndpoint::create(DtlsConfig config) {
  ERR_clear_error();
  if (!config.certificate || config.certificate->x509() == nullptr ||
      config.certificate->key() == nullptr) {
    return make_error(Errc::invalid_argument, "DTLS needs our certificate and key");
  }
  if (X509* probe = config.certificate->x509();
      !fingerprint(probe, config.remote_fingerprint_hash)) {
    return make_error(Errc::invalid_argument,
                      "unsupported fingerprint hash \"" + config.remote_fingerprint_hash + "\"");
  }
  if (config.profiles.empty()) {
    return make_error(Errc::invalid_argument, "no SRTP profile to offer");
  }
  std::string profiles;
  for (SrtpProfile p : config.profiles) {
    if (!profiles.empty()) {
      profiles += ':';
    }
    profiles += to_string(p);
  }
  if (out_method() == nullptr) {
    return make_error(Errc::dtls_handshake_failed, "could not make the DTLS output BIO");
  }

  auto impl = std::make_unique<Impl>();
  impl->config = std::move(config);
  const DtlsConfig& c = impl->config;
  auto fail = [](const char* step) {
    return make_error(
        Errc::dtls_handshake_failed,
        std::string("DTLS setup failed: ") + step + ": " + openssl_reason("unknown OpenSSL error"));
  };

  impl->ctx.reset(SSL_CTX_new(DTLS_method()));
  SSL_CTX* ctx = impl->ctx.get();
  if (ctx == nullptr) {
    return fail("SSL_CTX_new");
  }
  if (SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION) != 1) {
    return fail("protocol version");
  }
  if (SSL_CTX_use_certificate(ctx, c.certificate->x509()) != 1 ||
      SSL_CTX_use_PrivateKey(ctx, c.certificate->key()) != 1 ||
      SSL_CTX_check_private_key(ctx) != 1) {
    return fail("certificate");
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                     &accept_any_certificate);
  // Returns 0 on success (unlike most of OpenSSL).
  if (SSL_CTX_set_tlsext_use_srtp(ctx, profiles.c_str()) != 0) {
    return fail("use_srtp profiles");
  }
  SSL_CTX_set_options(ctx, SSL_OP_NO_QUERY_MTU);
  // One handshake per endpoint: no session cache, no tickets.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);

  impl->ssl.reset(SSL_new(ctx));
  SSL* ssl = impl->ssl.get();
  if (ssl == nullptr) {
    return fail("SSL_new");
  }
  // The retransmission timer callback reads the configured initial value (Impl is heap-stable).
  SSL_set_app_data(ssl, &impl->config.initial_retransmission_timeout);
  BIO* rbio = BIO_new(BIO_s_mem());
  BIO* wbio = BIO_new(out_method());
  if (rbio == nullptr || wbio == nullptr) {
    BIO_free(rbio);
    BIO_free(wbio);
    return fail("BIO_new");
  }
  BIO_set_mem_eof_return(rbio, -1);  // empty means "would block", not end of file
  BIO_set_data(wbio, &impl->outgoing);
  SSL_set_bio(ssl, rbio, wbio);  // ssl owns both from here
  impl->rbio = rbio;
  if (c.mtu > 65535 || SSL_set_mtu(ssl, static_cast<long>(c.mtu)) <= 0) {  // returns the MTU set
    return make_error(Errc::invalid_argument, "DTLS MTU " + std::to_string(c.mtu) +
                                                  " is not usable (OpenSSL needs at least 208)");
  }
  DTLS_set_timer_cb(ssl, &retransmit_timer);
  if (c.role == DtlsRole::kClient) {
    SSL_set_connect_state(ssl);
  } else {
    SSL_set_accept_state(ssl);
  }
  return std::unique_ptr<DtlsEndpoint>(new DtlsEndpoint(std::move(impl)));
}

DtlsEndpoint::DtlsEndpoint(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

DtlsEndpoint::~DtlsEndpoint() = default;

void DtlsEndpoint::start(Clock::time_point now) {
  if (state_ != State::kNew) {
    return;
  }
  ERR_clear_error();
  state_ = State::kHandshaking;
  impl_->deadline = now + impl_->config.handshake_timeout;
  if (impl_->config.role == DtlsRole::kClient) {
    drive_handshake();
  }
}

void DtlsEndpoint::feed(std::span<const std::uint8_t> datagram, Clock::time_point now) {
  if (state_ == State::kNew) {
    start(now);  // a ClientHello may arrive before the server side is told to start
  }
  if (state_ != State::kHandshaking && state_ != State::kConnected) {
    return;
  }
  ERR_clear_error();
  if (state_ == State::kHandshaking && impl_->deadline && now >= *impl_->deadline) {
    fail_timeout();
    return;
  }
  if (datagram.empty() || datagram.size() > static_cast<std::size_t>(INT_MAX)) {
    return;
  }
  // Whatever OpenSSL left unread belongs to an earlier datagram: never join two.
  if (BIO_ctrl_pending(impl_->rbio) > 0) {
    (void)BIO_reset(impl_->rbio);
  }
  if (BIO_write(impl_->rbio, datagram.data(), static_cast<int>(datagram.size())) !=
      static_cast<int>(datagram.size())) {
    return;
  }
  if (state_ == State::kHandshaking) {
    drive_handshake();
  }
  if (state_ == State::kConnected) {
    drain_application_data();
  }
}

void DtlsEndpoint::drive_handshake() {
  SSL* ssl = impl_->ssl.get();
  const int ret = SSL_do_handshake(ssl);
  if (ret == 1) {
    finish_handshake();
    return;
  }
  const int err = SSL_get_error(ssl, ret);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
    return;
  }
  fail(Errc::dtls_handshake_failed,
       "DTLS handshake failed: " + openssl_reason(err == SSL_ERROR_SYSCALL
                                                      ? "the connection was closed"
                                                      : "unknown OpenSSL error"));
}

void DtlsEndpoint::drain_application_data() {
  // After the handshake the peer sends alerts (close_notify) or retransmits its last flight;
  // SSL_read processes both. jcall sends no application data over DTLS: any is discarded.
  SSL* ssl = impl_->ssl.get();
  std::array<std::uint8_t, 2048> sink{};
  for (int i = 0; i < 64; ++i) {  // bounded: one datagram holds at most a few records
    const int n = SSL_read(ssl, sink.data(), static_cast<int>(sink.size()));
    if (n > 0) {
      continue;
    }
    const int err = SSL_get_error(ssl, n);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      return;
    }
    if (err == SSL_ERROR_ZERO_RETURN) {
      // close_notify from the peer: answer it (RFC 5246 §7.2.1) and stop.
      (void)SSL_shutdown(ssl);
      state_ = State::kClosed;
      ERR_clear_error();
      return;
    }
    fail(Errc::dtls_handshake_failed,
         "DTLS connection failed: " + openssl_reason("a record OpenSSL could not process"));
    return;
  }
}

void DtlsEndpoint::finish_handshake() {
  SSL* ssl = impl_->ssl.get();
  const DtlsConfig& c = impl_->config;
  impl_->handshake_done = true;

  // RFC 5763 §5 / XEP-0320: the peer is who the signaling said only if its certificate has the
  // signaled fingerprint. Nothing is exported before this check.
  std::unique_ptr<X509, X509Free> peer(SSL_get1_peer_certificate(ssl));
  if (!peer) {
    fail(Errc::dtls_handshake_failed, "the DTLS peer sent no certificate");
    return;
  }
  auto got = fingerprint(peer.get(), c.remote_fingerprint_hash);
  if (!got) {
    fail(Errc::fingerprint_mismatch, got.error().message);
    return;
  }
  if (c.remote_fingerprint.empty() || !iequals(*got, c.remote_fingerprint)) {
    std::string expected = c.remote_fingerprint.empty() ? "(none signaled)" : c.remote_fingerprint;
    fail(Errc::fingerprint_mismatch, "the peer's DTLS certificate has " +
                                         c.remote_fingerprint_hash + " fingerprint " + *got +
                                         ", but the signaled fingerprint is " + expected);
    (void)SSL_shutdown(ssl);  // tell the peer we are gone (close_notify)
    ERR_clear_error();
    return;
  }

  const SRTP_PROTECTION_PROFILE* selected = SSL_get_selected_srtp_profile(ssl);
  if (selected == nullptr) {
    fail(Errc::dtls_handshake_failed, "DTLS: no SRTP protection profile in common with the peer");
    (void)SSL_shutdown(ssl);
    ERR_clear_error();
    return;
  }
  SrtpProfile profile;
  if (selected->id == SRTP_AEAD_AES_128_GCM) {
    profile = SrtpProfile::kAeadAes128Gcm;
  } else if (selected->id == SRTP_AES128_CM_SHA1_80) {
    profile = SrtpProfile::kAes128CmSha1_80;
  } else {
    fail(Errc::dtls_handshake_failed,
         std::string("DTLS: the peer chose an SRTP profile we did not offer: ") +
             (selected->name != nullptr ? selected->name : "?"));
    return;
  }

  // RFC 5764 §4.2: client_write_SRTP_master_key | server_write_SRTP_master_key |
  //                client_write_SRTP_master_salt | server_write_SRTP_master_salt
  const std::size_t k = key_length(profile);
  const std::size_t s = salt_length(profile);
  std::vector<std::uint8_t> material(2 * (k + s));
  if (SSL_export_keying_material(ssl, material.data(), material.size(), kExporterLabel,
                                 std::strlen(kExporterLabel), nullptr, 0, 0) != 1) {
    fail(Errc::dtls_handshake_failed,
         "DTLS: could not export SRTP keys: " + openssl_reason("unknown OpenSSL error"));
    return;
  }
  auto key_salt = [&](bool client) {
    std::vector<std::uint8_t> out;
    out.reserve(k + s);
    const auto* key = material.data() + (client ? 0 : k);
    const auto* salt = material.data() + 2 * k + (client ? 0 : s);
    out.insert(out.end(), key, key + k);
    out.insert(out.end(), salt, salt + s);
    return out;
  };
  const bool we_are_client = c.role == DtlsRole::kClient;
  SrtpKeys keys;
  keys.profile = profile;
  keys.local_key_salt = key_salt(we_are_client);
  keys.remote_key_salt = key_salt(!we_are_client);
  OPENSSL_cleanse(material.data(), material.size());
  keys_ = std::move(keys);
  state_ = State::kConnected;
}

void DtlsEndpoint::on_timer(Clock::time_point now) {
  if (state_ != State::kHandshaking && state_ != State::kConnected) {
    return;
  }
  ERR_clear_error();
  if (state_ == State::kHandshaking && impl_->deadline && now >= *impl_->deadline) {
    fail_timeout();
    return;
  }
  if (state_ == State::kHandshaking && impl_->config.role == DtlsRole::kServer &&
      SSL_in_before(impl_->ssl.get())) {
    return;  // a server that has heard nothing has nothing to retransmit
  }
  const int r = static_cast<int>(DTLSv1_handle_timeout(impl_->ssl.get()));
  if (r < 0) {
    fail(Errc::dtls_handshake_failed,
         "DTLS handshake failed: " + openssl_reason("too many retransmissions"));
  }
}

std::optional<DtlsEndpoint::Clock::time_point> DtlsEndpoint::next_timeout(
    Clock::time_point now) const {
  if (state_ != State::kHandshaking && state_ != State::kConnected) {
    return std::nullopt;
  }
  std::optional<Clock::time_point> next;
  timeval left{};
  if (DTLSv1_get_timeout(impl_->ssl.get(), &left) == 1) {
    next = now + std::chrono::seconds(left.tv_sec) + std::chrono::microseconds(left.tv_usec);
  }
  if (state_ == State::kHandshaking && impl_->deadline) {
    next = next ? std::min(*next, *impl_->deadline) : *impl_->deadline;
  }
  return next;
}

std::vector<std::vector<std::uint8_t>> DtlsEndpoint::take_outgoing() {
  Datagrams out;
  out.swap(impl_->outgoing);
  return out;
}

std::string DtlsEndpoint::version() const {
  if (!impl_->handshake_done) {
    return {};
  }
  const char* v = SSL_get_version(impl_->ssl.get());
  return v != nullptr ? v : "";
}

void DtlsEndpoint::close() {
  if (state_ == State::kConnected) {
    ERR_clear_error();
    (void)SSL_shutdown(impl_->ssl.get());  // writes close_notify through the write BIO
    ERR_clear_error();
  }
  if (state_ != State::kFailed) {
    state_ = State::kClosed;
  }
}

void DtlsEndpoint::fail(Errc code, std::string message) {
  keys_.reset();
  failure_ = make_error(code, std::move(message));
  state_ = State::kFailed;
  ERR_clear_error();
}

void DtlsEndpoint::fail_timeout() {
  fail(Errc::dtls_timeout, "DTLS handshake did not complete within " +
                               describe_duration(impl_->config.handshake_timeout));
}

}  // namespace jcall::media
