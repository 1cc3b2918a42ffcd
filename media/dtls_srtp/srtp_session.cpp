// RFC 3711 §3.3-3.4 (SRTP/SRTCP packet processing) through libsrtp2, with RFC 7714 AEAD_AES_128_GCM
// and RFC 3711 AES_CM_128_HMAC_SHA1_80 as negotiated by RFC 5764 §4.1.2.
#include "media/dtls_srtp/srtp_session.hpp"

#include <array>
#include <climits>
#include <cstring>
#include <mutex>
#include <utility>

#include <openssl/crypto.h>
#include <srtp2/srtp.h>

#include "media/errc.hpp"

namespace jcall::media {
namespace {

// Replay window in packets (RFC 3711 §3.3.2 asks for at least 64). 1024 absorbs the reordering
// of a video key frame burst; libsrtp2 accepts up to 0x8000.
constexpr unsigned long kReplayWindow = 1024;
// srtp_protect_rtcp() may write the SRTCP index (4 bytes) after the tag.
constexpr std::size_t kRtcpTrailer = SRTP_MAX_TRAILER_LEN + 4;

srtp_err_status_t init_libsrtp() {
  // libsrtp2 keeps global state (crypto kernel); it is made once and never shut down while the
  // process runs, since sessions may live on any thread until exit.
  static std::once_flag once;
  static srtp_err_status_t status = srtp_err_status_ok;
  std::call_once(once, [] { status = srtp_init(); });
  return status;
}

Error srtp_error(std::string what, srtp_err_status_t status) {
  return make_error(Errc::srtp_error,
                    what + " (libsrtp2 status " + std::to_string(static_cast<int>(status)) + ")");
}

}  // namespace

std::string_view to_string(SrtpProfile p) {
  switch (p) {
    case SrtpProfile::kAeadAes128Gcm:
      return "SRTP_AEAD_AES_128_GCM";
    case SrtpProfile::kAes128CmSha1_80:
      return "SRTP_AES128_CM_SHA1_80";
  }
  return "unknown";
}

std::size_t key_length(SrtpProfile /*p*/) {
  return SRTP_AES_128_KEY_LEN;  // both profiles use a 128-bit master key
}

std::size_t salt_length(SrtpProfile p) {
  // RFC 7714 §12: 96-bit salt for AEAD; RFC 3711 §8.2: 112-bit salt for AES-CM.
  return p == SrtpProfile::kAeadAes128Gcm ? SRTP_AEAD_SALT_LEN : SRTP_SALT_LEN;
}

Result<SrtpSession> SrtpSession::create(SrtpProfile profile,
                                        Direction direction,
                                        std::span<const std::uint8_t> key_salt) {
  if (const srtp_err_status_t s = init_libsrtp(); s != srtp_err_status_ok) {
    return srtp_error("libsrtp2 could not be initialised", s);
  }
  const std::size_t need = key_length(profile) + salt_length(profile);
  if (key_salt.size() != need) {
    return make_error(Errc::srtp_error, std::string(to_string(profile)) + " needs " +
                                            std::to_string(need) + " bytes of key and salt, got " +
                                            std::to_string(key_salt.size()));
  }

  srtp_policy_t policy;
  std::memset(&policy, 0, sizeof policy);
  if (profile == SrtpProfile::kAeadAes128Gcm) {
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
  } else {
    srtp_crypto_policy_set_rtp_default(&policy.rtp);
    srtp_crypto_policy_set_rtcp_default(&policy.rtcp);
  }
  policy.ssrc.type = direction == Direction::kOutbound ? ssrc_any_outbound : ssrc_any_inbound;
  // libsrtp2 copies the key while creating the session; this copy is wiped right after.
  std::array<unsigned char, SRTP_MAX_KEY_LEN> key{};
  std::memcpy(key.data(), key_salt.data(), key_salt.size());
  policy.key = key.data();
  policy.window_size = kReplayWindow;
  // A sender may send the same packet twice (RTX, a retransmitted RTCP report); the payload
  // is the same, so the keystream reuse reveals nothing.
  policy.allow_repeat_tx = direction == Direction::kOutbound ? 1 : 0;
  policy.next = nullptr;

  SrtpSession session;
  session.profile_ = profile;
  session.direction_ = direction;
  srtp_t ctx = nullptr;
  const srtp_err_status_t status = srtp_create(&ctx, &policy);
  OPENSSL_cleanse(key.data(), key.size());
  if (status != srtp_err_status_ok) {
    return srtp_error("libsrtp2 refused the " + std::string(to_string(profile)) + " keys", status);
  }
  session.srtp_ = ctx;
  return session;
}

SrtpSession::~SrtpSession() {
  if (srtp_ != nullptr) {
    srtp_dealloc(srtp_);
  }
}

SrtpSession::SrtpSession(SrtpSession&& o) noexcept
    : srtp_(std::exchange(o.srtp_, nullptr)),
      profile_(o.profile_),
      direction_(o.direction_),
      counters_(o.counters_) {}

SrtpSession& SrtpSession::operator=(SrtpSession&& o) noexcept {
  if (this != &o) {
    if (srtp_ != nullptr) {
      srtp_dealloc(srtp_);
    }
    srtp_ = std::exchange(o.srtp_, nullptr);
    profile_ = o.profile_;
    direction_ = o.direction_;
    counters_ = o.counters_;
  }
  return *this;
}

namespace {

using ProtectFn = srtp_err_status_t (*)(srtp_t, void*, int*);

Result<void> protect(srtp_t ctx,
                     ProtectFn fn,
                     std::size_t trailer,
                     std::vector<std::uint8_t>& packet,
                     const char* what) {
  const std::size_t n = packet.size();
  if (n > static_cast<std::size_t>(INT_MAX) - trailer) {
    return make_error(Errc::srtp_error, std::string(what) + " packet too large");
  }
  // libsrtp2 writes the tag after the packet and may use up to `trailer` bytes.
  packet.resize(n + trailer);
  int len = static_cast<int>(n);
  const srtp_err_status_t status = fn(ctx, packet.data(), &len);
  if (status != srtp_err_status_ok) {
    packet.resize(n);
    return srtp_error(std::string("could not protect an ") + what + " packet", status);
  }
  packet.resize(static_cast<std::size_t>(len));
  return {};
}

}  // namespace

Result<void> SrtpSession::protect_rtp(std::vector<std::uint8_t>& packet) {
  if (srtp_ == nullptr || direction_ != Direction::kOutbound) {
    return make_error(Errc::srtp_error, "protect on a session that is not outbound");
  }
  auto r = protect(srtp_, &srtp_protect, SRTP_MAX_TRAILER_LEN, packet, "RTP");
  if (r) {
    ++counters_.protected_packets;
  }
  return r;
}

Result<void> SrtpSession::protect_rtcp(std::vector<std::uint8_t>& packet) {
  if (srtp_ == nullptr || direction_ != Direction::kOutbound) {
    return make_error(Errc::srtp_error, "protect on a session that is not outbound");
  }
  auto r = protect(srtp_, &srtp_protect_rtcp, kRtcpTrailer, packet, "RTCP");
  if (r) {
    ++counters_.protected_packets;
  }
  return r;
}

bool SrtpSession::unprotect(std::vector<std::uint8_t>& packet, bool rtcp) {
  if (srtp_ == nullptr || direction_ != Direction::kInbound ||
      packet.size() > static_cast<std::size_t>(INT_MAX)) {
    ++counters_.other_failures;
    return false;
  }
  int len = static_cast<int>(packet.size());
  const srtp_err_status_t status = rtcp ? srtp_unprotect_rtcp(srtp_, packet.data(), &len)
                                        : srtp_unprotect(srtp_, packet.data(), &len);
  switch (status) {
    case srtp_err_status_ok:
      packet.resize(static_cast<std::size_t>(len));
      ++counters_.unprotected_packets;
      return true;
    case srtp_err_status_auth_fail:
      ++counters_.auth_failures;
      return false;
    case srtp_err_status_replay_fail:
    case srtp_err_status_replay_old:
      ++counters_.replay_failures;
      return false;
    default:
      ++counters_.other_failures;
      return false;
  }
}

bool SrtpSession::unprotect_rtp(std::vector<std::uint8_t>& packet) {
  return unprotect(packet, false);
}

bool SrtpSession::unprotect_rtcp(std::vector<std::uint8_t>& packet) {
  return unprotect(packet, true);
}

}  // namespace jcall::media
