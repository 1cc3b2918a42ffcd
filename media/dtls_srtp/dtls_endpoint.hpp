// RFC 5764 DTLS-SRTP, sans I/O: OpenSSL DTLS 1.2 over memory BIOs. Datagrams the demux
// (RFC 7983) classified as DTLS go in through feed(); what OpenSSL writes comes out through
// take_outgoing(); OpenSSL's retransmission timer is exposed as next_timeout()/on_timer() for
// the adapter to arm on the media loop. When the handshake is done the peer certificate's
// fingerprint is checked against the signaled one (XEP-0320) before anything else: a mismatch
// fails with Errc::fingerprint_mismatch and no keys are ever exported.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "media/dtls_srtp/certificate.hpp"
#include "media/dtls_srtp/srtp_session.hpp"
#include "media/errc.hpp"

namespace jcall::media {

enum class DtlsRole { kClient, kServer };  // from the negotiated setup (RFC 5763 §5)

struct DtlsConfig {
  DtlsRole role = DtlsRole::kClient;
  std::shared_ptr<const Certificate> certificate;
  std::string remote_fingerprint_hash = "sha-256";
  std::string remote_fingerprint;  // "AB:CD:..." as signaled (case-insensitive)
  // use_srtp profiles in preference order (RFC 5764 §4.1.2).
  std::vector<SrtpProfile> profiles{SrtpProfile::kAeadAes128Gcm, SrtpProfile::kAes128CmSha1_80};
  std::chrono::milliseconds handshake_timeout{std::chrono::seconds(10)};
  std::size_t mtu = 1200;  // largest DTLS datagram we send (payload of one UDP datagram)
  // RFC 6347 §4.2.4.1: first retransmission after this, doubling up to 60 s. Runs on the system
  // clock (OpenSSL's timer), unlike handshake_timeout, which runs on the `now` passed in.
  std::chrono::milliseconds initial_retransmission_timeout{1000};
};

// RFC 5764 §4.2 key material, already split per direction for us.
struct SrtpKeys {
  SrtpProfile profile = SrtpProfile::kAeadAes128Gcm;
  std::vector<std::uint8_t> local_key_salt;   // protects what we send
  std::vector<std::uint8_t> remote_key_salt;  // unprotects what we receive
};

class DtlsEndpoint {
 public:
  enum class State { kNew, kHandshaking, kConnected, kFailed, kClosed };

  using Clock = std::chrono::steady_clock;

  static Result<std::unique_ptr<DtlsEndpoint>> create(DtlsConfig config);
  ~DtlsEndpoint();
  DtlsEndpoint(const DtlsEndpoint&) = delete;
  DtlsEndpoint& operator=(const DtlsEndpoint&) = delete;

  // Starts the handshake (a client writes its ClientHello; a server waits). `now` starts the
  // handshake timeout.
  void start(Clock::time_point now);
  // One whole datagram the demux classified as DTLS (several records in it are fine). A
  // datagram fed before start() starts the endpoint. Ignored once kFailed or kClosed. After
  // kConnected it is still processed: the peer's close_notify (-> kClosed), a retransmitted last
  // flight (answered), fatal alerts (-> kFailed); application data is discarded.
  void feed(std::span<const std::uint8_t> datagram, Clock::time_point now);
  // Handshake timeout (on the caller's clock) and retransmission (OpenSSL's timer, which reads
  // the system clock: on_timer() retransmits only once that much real time has passed).
  void on_timer(Clock::time_point now);
  // When on_timer() must be called next: the earlier of the handshake limit and OpenSSL's
  // retransmission timer (its remaining time added to `now`); nullopt when no timer is needed.
  std::optional<Clock::time_point> next_timeout(Clock::time_point now) const;
  // Datagrams to send to the peer, in order: each element is exactly one datagram of at most
  // config.mtu bytes (OpenSSL may pack several records into one).
  std::vector<std::vector<std::uint8_t>> take_outgoing();

  State state() const { return state_; }
  // Set when kFailed: the code (dtls_handshake_failed, dtls_timeout, fingerprint_mismatch)
  // and a message a user can read.
  const std::optional<Error>& failure() const { return failure_; }
  // Set when kConnected (and kept after kClosed); cleared on kFailed, never set after a
  // fingerprint mismatch.
  const std::optional<SrtpKeys>& keys() const { return keys_; }
  std::string version() const;  // "DTLSv1.2" once connected

  // Sends a close_notify if connected (goes out through take_outgoing()) and moves to kClosed;
  // later feed()/on_timer() calls do nothing. keys() stays as it was.
  void close();

 private:
  struct Impl;
  explicit DtlsEndpoint(std::unique_ptr<Impl> impl);
  void drive_handshake();
  void finish_handshake();
  void drain_application_data();
  void fail(Errc code, std::string message);
  void fail_timeout();
  std::unique_ptr<Impl> impl_;
  State state_ = State::kNew;
  std::optional<Error> failure_;
  std::optional<SrtpKeys> keys_;
};

}  // namespace jcall::media
