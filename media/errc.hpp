// Errors of media/: ICE (libnice), DTLS-SRTP (OpenSSL, libsrtp2) and the GStreamer pipelines.
// The call controller turns them into a Jingle <reason/> (security-error, connectivity-error,
// media-error, failed-transport) with the message as its text.
#pragma once

#include <system_error>

namespace jcall::media {

enum class Errc {
  ice_failed = 1,         // no candidate pair works, or consent was lost (RFC 7675)
  ice_error,              // libnice refused an input (bad candidate, credentials)
  dtls_handshake_failed,  // an alert, a protocol error or no SRTP profile in common
  dtls_timeout,           // no handshake within the limit
  fingerprint_mismatch,   // the peer's certificate is not the one signaled (XEP-0320)
  srtp_error,             // libsrtp2 refused keys or a packet could not be protected
  certificate_error,      // our own certificate could not be made
  pipeline_error,         // GStreamer: a missing element, a failed link, an error message
  device_error,           // a capture or playback device could not be opened
  invalid_argument,       // a caller passed something unusable (tone spec, WAV path, ...)
  not_connected,          // sending before ICE (or DTLS) is up
};

const std::error_category& error_category();
std::error_code make_error_code(Errc e);

}  // namespace jcall::media

template <>
struct std::is_error_code_enum<jcall::media::Errc> : std::true_type {};
