// RFC 3711 SRTP/SRTCP through libsrtp2 (RFC 7714 AES-GCM preferred). A session owns its
// srtp_t (non-copyable, like libwebrtc's pc/srtp_session.h); one for sending, one for
// receiving, keyed from DTLS (RFC 5764 §4.2). Packets that fail authentication or the replay
// check are dropped and counted, never passed on.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "base/result.hpp"

struct srtp_ctx_t_;  // libsrtp2's srtp_t

namespace jcall::media {

enum class SrtpProfile { kAeadAes128Gcm, kAes128CmSha1_80 };
std::string_view to_string(SrtpProfile p);  // "SRTP_AEAD_AES_128_GCM", "SRTP_AES128_CM_SHA1_80"
std::size_t key_length(SrtpProfile p);      // master key bytes
std::size_t salt_length(SrtpProfile p);     // master salt bytes

struct SrtpCounters {
  std::uint64_t protected_packets = 0;
  std::uint64_t unprotected_packets = 0;
  std::uint64_t auth_failures = 0;    // dropped: authentication tag did not verify
  std::uint64_t replay_failures = 0;  // dropped: replayed or too old
  std::uint64_t other_failures = 0;   // dropped: malformed
};

class SrtpSession {
 public:
  enum class Direction { kOutbound, kInbound };
  // key_salt: master key then master salt (key_length + salt_length bytes).
  static Result<SrtpSession> create(SrtpProfile profile,
                                    Direction direction,
                                    std::span<const std::uint8_t> key_salt);
  ~SrtpSession();
  SrtpSession(SrtpSession&& o) noexcept;
  SrtpSession& operator=(SrtpSession&& o) noexcept;
  SrtpSession(const SrtpSession&) = delete;
  SrtpSession& operator=(const SrtpSession&) = delete;

  // In place: the packet grows by the tag (room is reserved here). Outbound only.
  Result<void> protect_rtp(std::vector<std::uint8_t>& packet);
  Result<void> protect_rtcp(std::vector<std::uint8_t>& packet);
  // In place: false when dropped (the counters say why). Inbound only.
  bool unprotect_rtp(std::vector<std::uint8_t>& packet);
  bool unprotect_rtcp(std::vector<std::uint8_t>& packet);

  const SrtpCounters& counters() const { return counters_; }
  SrtpProfile profile() const { return profile_; }

 private:
  SrtpSession() = default;
  bool unprotect(std::vector<std::uint8_t>& packet, bool rtcp);
  srtp_ctx_t_* srtp_ = nullptr;
  SrtpProfile profile_ = SrtpProfile::kAeadAes128Gcm;
  Direction direction_ = Direction::kOutbound;
  SrtpCounters counters_;
};

}  // namespace jcall::media
