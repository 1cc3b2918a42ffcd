// Errors of the XMPP connection (RFC 6120): each one ends an attempt with a reason a user can
// read, and says whether trying again could help.
#pragma once

#include <system_error>

namespace jcall::signaling::xmpp {

enum class Errc {
  resolve_failed = 1,    // DNS SRV / A / AAAA lookup found nothing
  connect_failed,        // no TCP connection to any address
  tls_required,          // the server does not offer STARTTLS: we never log in without TLS
  tls_failed,            // STARTTLS refused or the TLS handshake failed
  certificate_rejected,  // chain or host name verification failed
  auth_failed,           // SASL failure (wrong password, unknown account, ...)
  auth_mechanism,        // no SASL mechanism we accept is offered
  server_signature,      // SCRAM server signature did not verify: not the real server
  bad_server_response,   // a server message we cannot make sense of
  bind_failed,           // resource binding refused
  stream_error,          // the server ended the stream with a stream error
  xml_error,             // the server sent XML we refuse (see the xml category)
  connection_lost,       // TCP reset, EOF, or no answer to pings
  timeout,               // a step did not complete in time
  closed,                // closed on request
};

const std::error_category& error_category();
std::error_code make_error_code(Errc e);
// True where a later attempt can succeed without the user changing anything.
bool is_transient(Errc e);

}  // namespace jcall::signaling::xmpp

template <>
struct std::is_error_code_enum<jcall::signaling::xmpp::Errc> : std::true_type {};
