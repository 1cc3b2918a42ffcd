// RFC 6120 §3 (TCP binding, SRV), §5 (STARTTLS), §13.7 (certificate validation);
// RFC 6125 (host name checks); RFC 9266 / RFC 5929 (channel bindings); XEP-0368 direct TLS.
#include "signaling/xmpp/connection.hpp"

#include <algorithm>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace jcall::signaling::xmpp {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using boost::system::error_code;

namespace {

// Hides SASL payloads (a PLAIN password is only base64) from traces.
std::string redact_sasl(std::string_view bytes) {
  std::string out(bytes);
  for (const char* tag : {"<auth ", "<response ", "<response>", "<challenge", "<success"}) {
    std::size_t pos = 0;
    while ((pos = out.find(tag, pos)) != std::string::npos) {
      const std::size_t start = out.find('>', pos);
      const std::size_t end = out.find('<', start == std::string::npos ? pos : start);
      if (start == std::string::npos || end == std::string::npos || out[start - 1] == '/') {
        pos += 1;
        continue;
      }
      out.replace(start + 1, end - start - 1, "[redacted]");
      pos = start + 1;
    }
  }
  return out;
}

}  // namespace

std::chrono::milliseconds backoff_delay(int attempt,
                                        std::chrono::milliseconds base,
                                        std::chrono::milliseconds max,
                                        std::mt19937& rng) {
  const int shift = std::clamp(attempt, 0, 20);
  const auto full = std::min<std::int64_t>(max.count(), base.count() << shift);
  std::uniform_int_distribution<std::int64_t> dist(full / 2, full);
  return std::chrono::milliseconds(dist(rng));
}

Connection::Connection(asio::io_context& io, ConnectionConfig config, ConnectionEvents events)
    : io_(io),
      config_(std::move(config)),
      events_(std::move(events)),
      core_(config_.stream),
      tls_ctx_(ssl::context::tls_client),
      resolver_(io),
      timer_(io),
      retry_timer_(io),
      connect_timer_(io),
      rng_(std::random_device{}()) {
  SSL_CTX* ctx = tls_ctx_.native_handle();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  if (config_.tls_max_version != 0) {
    SSL_CTX_set_max_proto_version(ctx, config_.tls_max_version);
  }
  tls_ctx_.set_verify_mode(ssl::verify_peer);
  tls_ctx_.set_default_verify_paths();
  if (!config_.cafile.empty()) {
    error_code ec;
    tls_ctx_.load_verify_file(config_.cafile, ec);
    if (ec) {
      last_error_ = "cannot read the CA file " + config_.cafile + ": " + ec.message();
    }
  }
}

Connection::~Connection() {
  error_code ignored;
  if (socket_) {
    socket_->lowest_layer().close(ignored);
  }
}

void Connection::start() {
  if (!last_error_.empty()) {
    stopped_ = true;
    const Error e = make_error(make_error_code(Errc::certificate_rejected), last_error_);
    asio::post(io_, [self = shared_from_this(), e] {
      if (self->events_.disconnected) {
        self->events_.disconnected(e, false);
      }
    });
    return;
  }
  attempt();
}

void Connection::attempt() {
  if (closing_) {
    return;
  }
  teardown_socket();
  ++generation_;
  socket_ = std::make_shared<TlsStream>(io_, tls_ctx_);
  tls_active_ = false;
  tls_starting_ = false;
  last_error_.clear();
  if (config_.server) {
    targets_ = {*config_.server};
    try_target(0);
    return;
  }
  const std::string domain = config_.stream.jid.domain();
  const auto gen = generation_;
  // DNS SRV lookup blocks: it runs on a short-lived worker and posts its answer back.
  std::thread([self = shared_from_this(), domain, gen] {
    auto targets = lookup_targets(domain);
    asio::post(self->io_, [self, gen, targets = std::move(targets)]() mutable {
      if (gen != self->generation_ || self->closing_) {
        return;
      }
      self->targets_ = std::move(targets);
      self->try_target(0);
    });
  }).detach();
}

void Connection::try_target(std::size_t index) {
  if (index >= targets_.size()) {
    const Error e = make_error(make_error_code(Errc::connect_failed),
                               "could not connect to " + config_.stream.jid.domain() + ": " +
                                   (last_error_.empty() ? "no address found" : last_error_));
    finish_connection(out::Closed{e, true});
    return;
  }
  const Target target = targets_[index];
  const auto gen = generation_;
  connect_timer_.expires_after(config_.connect_timeout);
  connect_timer_.async_wait([self = shared_from_this(), gen](const error_code& ec) {
    if (!ec && gen == self->generation_ && !self->core_.connected() && self->socket_) {
      error_code ignored;
      self->resolver_.cancel();
      self->socket_->lowest_layer().close(ignored);  // the pending step fails with 'aborted'
    }
  });
  resolver_.async_resolve(target.host, std::to_string(target.port),
                          [self = shared_from_this(), gen, index, target](
                              const error_code& ec, asio::ip::tcp::resolver::results_type r) {
                            if (gen != self->generation_) {
                              return;
                            }
                            if (ec) {
                              self->last_error_ = target.host + ": " + ec.message();
                              self->try_target(index + 1);
                              return;
                            }
                            asio::async_connect(
                                self->socket_->next_layer(), r,
                                [self, gen, index, target, keep = self->socket_](
                                    const error_code& ec2, const asio::ip::tcp::endpoint&) {
                                  if (gen != self->generation_) {
                                    return;
                                  }
                                  if (ec2) {
                                    self->last_error_ = target.host + ":" +
                                                        std::to_string(target.port) + ": " +
                                                        (ec2 == asio::error::operation_aborted
                                                             ? std::string("timed out")
                                                             : ec2.message());
                                    error_code ignored;
                                    self->socket_->next_layer().close(ignored);
                                    self->try_target(index + 1);
                                    return;
                                  }
                                  self->connected(index);
                                });
                          });
}

void Connection::connected(std::size_t index) {
  error_code ignored;
  socket_->next_layer().set_option(asio::ip::tcp::no_delay(true), ignored);
  if (targets_[index].direct_tls) {
    start_tls(true, index);
    return;
  }
  core_.start(Clock::now());
  drain();
  read();
}

void Connection::start_tls(bool direct, std::size_t target_index) {
  tls_starting_ = true;
  SSL* ssl_handle = socket_->native_handle();
  const std::string& domain = config_.stream.jid.domain();
  // RFC 6125 / RFC 7590: the reference identity is the XMPP domain, not the SRV target.
  SSL_set_tlsext_host_name(ssl_handle, domain.c_str());
  SSL_set_hostflags(ssl_handle, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  SSL_set1_host(ssl_handle, domain.c_str());
  const auto gen = generation_;
  socket_->async_handshake(
      ssl::stream_base::client,
      [self = shared_from_this(), gen, direct, target_index, keep = socket_](const error_code& ec) {
        if (gen != self->generation_) {
          return;
        }
        self->tls_starting_ = false;
        if (ec) {
          const Error e = self->certificate_error(ec);
          const bool cert = e.code == Errc::certificate_rejected;
          if (direct && !self->core_.connected()) {
            if (!cert) {
              self->last_error_ = e.message;
              error_code ignored;
              self->socket_->next_layer().close(ignored);
              self->try_target(target_index + 1);
              return;
            }
            self->finish_connection(out::Closed{e, false});
            return;
          }
          self->core_.transport_failed(static_cast<Errc>(e.code.value()), e.message, !cert);
          self->drain();
          return;
        }
        self->tls_active_ = true;
        self->tls_version_ = SSL_get_version(self->socket_->native_handle());
        if (direct) {
          self->core_.start(Clock::now(), self->tls_info());
        } else {
          self->core_.tls_established(self->tls_info(), Clock::now());
        }
        self->drain();
        self->read();
      });
}

Error Connection::certificate_error(const error_code& ec) {
  SSL* ssl_handle = socket_->native_handle();
  const long verify = SSL_get_verify_result(ssl_handle);
  const std::string& domain = config_.stream.jid.domain();
  if (verify != X509_V_OK) {
    // The chain the server sent is kept even when it failed verification (the verified peer
    // certificate is not): its first entry is the server's own, whose fingerprint lets the
    // user compare it with what the server's administrator publishes.
    std::string fingerprint;
    if (STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl_handle);
        chain != nullptr && sk_X509_num(chain) > 0) {
      unsigned char digest[EVP_MAX_MD_SIZE];
      unsigned int len = 0;
      if (X509_digest(sk_X509_value(chain, 0), EVP_sha256(), digest, &len) == 1) {
        static constexpr char kHex[] = "0123456789ABCDEF";
        for (unsigned int i = 0; i < len; ++i) {
          fingerprint += i == 0 ? "" : ":";
          fingerprint += kHex[digest[i] >> 4];
          fingerprint += kHex[digest[i] & 15];
        }
      }
    }
    return make_error(
        make_error_code(Errc::certificate_rejected),
        "the certificate of " + domain + " was rejected: " + X509_verify_cert_error_string(verify) +
            (verify == X509_V_ERR_HOSTNAME_MISMATCH ? " (it is not valid for " + domain + ")"
                                                    : "") +
            (fingerprint.empty() ? "" : "; its SHA-256 fingerprint is " + fingerprint));
  }
  return make_error(make_error_code(Errc::tls_failed),
                    "TLS handshake with " + domain + " failed: " + ec.message());
}

TlsInfo Connection::tls_info() {
  TlsInfo info;
  SSL* s = socket_->native_handle();
  info.version = SSL_get_version(s);
  if (SSL_version(s) == TLS1_3_VERSION) {  // RFC 9266: tls-exporter is defined for TLS 1.3
    std::string key(32, '\0');
    static constexpr char kLabel[] = "EXPORTER-Channel-Binding";
    if (SSL_export_keying_material(s, reinterpret_cast<unsigned char*>(key.data()), key.size(),
                                   kLabel, sizeof(kLabel) - 1, nullptr, 0, 0) == 1) {
      info.bindings.push_back(ChannelBinding{"tls-exporter", std::move(key)});
    }
  }
  // RFC 5929 §3: tls-unique is the first Finished message: ours, as the client of a full
  // handshake. Offered only with the extended master secret (RFC 7627), which closes the
  // triple-handshake attack on it, and never for TLS 1.3, where it is undefined.
  if (SSL_version(s) <= TLS1_2_VERSION && SSL_get_extms_support(s) == 1 && !SSL_session_reused(s)) {
    std::string finished(64, '\0');
    const std::size_t n = SSL_get_finished(s, finished.data(), finished.size());
    if (n > 0 && n <= finished.size()) {
      finished.resize(n);
      info.bindings.push_back(ChannelBinding{"tls-unique", std::move(finished)});
    }
  }
  // RFC 5929 §4.1: hash of the server certificate with its signature's hash (SHA-256 at least).
  if (X509* cert = SSL_get1_peer_certificate(s)) {
    int md_nid = NID_undef;
    int pk_nid = NID_undef;
    const EVP_MD* md = EVP_sha256();
    if (OBJ_find_sigid_algs(X509_get_signature_nid(cert), &md_nid, &pk_nid) == 1) {
      if (md_nid != NID_md5 && md_nid != NID_sha1 && md_nid != NID_undef) {
        if (const EVP_MD* found = EVP_get_digestbynid(md_nid)) {
          md = found;
        }
      }
    }
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (X509_digest(cert, md, digest, &len) == 1) {
      info.bindings.push_back(ChannelBinding{"tls-server-end-point",
                                             std::string(reinterpret_cast<char*>(digest), len)});
    }
    X509_free(cert);
  }
  return info;
}

void Connection::read() {
  if (reading_ || !socket_ || tls_starting_ || !core_.connected()) {
    return;
  }
  reading_ = true;
  auto handler = [self = shared_from_this(), gen = generation_, keep = socket_](
                     const error_code& ec, std::size_t n) {
    if (gen != self->generation_) {
      return;
    }
    self->reading_ = false;
    self->on_read(ec, n);
  };
  if (tls_active_) {
    socket_->async_read_some(asio::buffer(read_buffer_), std::move(handler));
  } else {
    socket_->next_layer().async_read_some(asio::buffer(read_buffer_), std::move(handler));
  }
}

void Connection::on_read(const error_code& ec, std::size_t n) {
  if (ec) {
    socket_failed(ec == asio::error::eof || ec == ssl::error::stream_truncated
                      ? std::string("the server closed the connection")
                      : "connection error: " + ec.message());
    return;
  }
  if (config_.trace) {
    config_.trace(false, redact_sasl(std::string_view(read_buffer_.data(), n)));
  }
  core_.feed(std::string_view(read_buffer_.data(), n), Clock::now());
  drain();
  read();
}

void Connection::drain() {
  if (draining_) {
    return;  // an event handler called back into us; the outer loop picks it up
  }
  draining_ = true;
  while (core_.has_output()) {
    StreamOutput o = core_.next_output();
    if (auto* s = std::get_if<out::Send>(&o)) {
      if (config_.trace) {
        config_.trace(true, redact_sasl(s->bytes));
      }
      write_queue_.push_back(std::move(s->bytes));
    } else if (std::holds_alternative<out::StartTls>(o)) {
      flush_writes();
      start_tls(false, 0);
    } else if (auto* on = std::get_if<out::Online>(&o)) {
      attempts_ = 0;
      if (events_.online) {
        events_.online(*on);
      }
    } else if (auto* r = std::get_if<out::Received>(&o)) {
      if (events_.stanza) {
        events_.stanza(std::move(r->stanza));
      }
    } else if (auto* c = std::get_if<out::Closed>(&o)) {
      draining_ = false;
      finish_connection(*c);
      draining_ = true;
    }
  }
  draining_ = false;
  flush_writes();
  arm_timer();
}

void Connection::flush_writes() {
  if (writing_ || !socket_ || tls_starting_) {
    return;
  }
  if (write_queue_.empty()) {
    if (close_after_write_) {
      close_after_write_ = false;
      teardown_socket();
    }
    return;
  }
  // One write per TLS record's worth of whole stanzas (each queue entry is one stanza or
  // nonza): a cut connection then never leaves half a stanza at the server, because a TLS
  // record arrives whole or not at all. Prosody 0.12 keeps parsing a resumed session with
  // the old connection's parser (mod_c2s session.data), so half a stanza left there makes
  // the resumed stream fail as not-well-formed. Only a stanza larger than a record is split.
  constexpr std::size_t kTlsRecordPlaintext = 16384;
  write_buffer_.clear();
  while (!write_queue_.empty()) {
    const std::string& next = write_queue_.front();
    if (!write_buffer_.empty() && write_buffer_.size() + next.size() > kTlsRecordPlaintext) {
      break;
    }
    write_buffer_ += next;
    write_queue_.pop_front();
  }
  writing_ = true;
  auto handler = [self = shared_from_this(), gen = generation_, keep = socket_](
                     const error_code& ec, std::size_t) {
    if (gen != self->generation_) {
      return;
    }
    self->writing_ = false;
    if (ec) {
      self->socket_failed("write failed: " + ec.message());
      return;
    }
    self->flush_writes();
  };
  if (tls_active_) {
    asio::async_write(*socket_, asio::buffer(write_buffer_), std::move(handler));
  } else {
    asio::async_write(socket_->next_layer(), asio::buffer(write_buffer_), std::move(handler));
  }
}

void Connection::arm_timer() {
  const auto deadline = core_.next_deadline();
  if (!deadline) {
    timer_.cancel();
    return;
  }
  timer_.expires_at(*deadline);
  timer_.async_wait([self = shared_from_this()](const error_code& ec) {
    if (ec) {
      return;  // re-armed or cancelled
    }
    self->core_.on_timer(Clock::now());
    self->drain();
  });
}

void Connection::socket_failed(std::string what) {
  if (core_.connected()) {
    core_.connection_lost(std::move(what), Clock::now());
    drain();
  }
}

void Connection::finish_connection(const out::Closed& closed) {
  connect_timer_.cancel();
  if (writing_ || !write_queue_.empty()) {
    close_after_write_ = true;  // let the stream error or </stream:stream> go out first
    flush_writes();
    // Bounded: whatever is not written when the next attempt starts is dropped with it.
  } else {
    teardown_socket();
  }
  const bool retry =
      closed.retry && config_.reconnect && !closing_ && attempts_ + 1 < config_.max_attempts;
  if (retry) {
    const auto delay = backoff_delay(attempts_, config_.backoff_base, config_.backoff_max, rng_);
    retry_delay_ = delay;
    ++attempts_;
    retry_timer_.expires_after(delay);
    retry_timer_.async_wait([self = shared_from_this()](const error_code& ec) {
      if (!ec) {
        self->attempt();
      }
    });
  } else {
    stopped_ = true;
    timer_.cancel();
  }
  if (events_.disconnected) {
    events_.disconnected(closed.reason, retry);
  }
}

void Connection::teardown_socket() {
  if (!socket_) {
    return;
  }
  error_code ignored;
  socket_->lowest_layer().close(ignored);
  ++generation_;  // pending handlers of this socket become stale
  writing_ = false;
  close_after_write_ = false;
  reading_ = false;
  write_queue_.clear();
  socket_.reset();
}

void Connection::send(xml::Element stanza) {
  core_.send(std::move(stanza), Clock::now());
  drain();
}

void Connection::close() {
  closing_ = true;
  retry_timer_.cancel();
  if (core_.connected()) {
    core_.close(Clock::now());
    drain();
    return;
  }
  if (!stopped_) {
    stopped_ = true;
    ++generation_;
    teardown_socket();
    if (events_.disconnected) {
      events_.disconnected(make_error(make_error_code(Errc::closed), "closed"), false);
    }
  }
}

void Connection::drop_for_test() {
  if (!socket_) {
    return;
  }
  error_code ignored;
  socket_->lowest_layer().set_option(asio::socket_base::linger(true, 0), ignored);
  socket_->lowest_layer().close(ignored);
  socket_failed("connection dropped (test)");
}

}  // namespace jcall::signaling::xmpp
