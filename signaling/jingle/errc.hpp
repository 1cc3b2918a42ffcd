// Errors of Jingle parsing and sessions (XEP-0166 §8). Each maps to the stanza error the peer
// receives (condition plus the Jingle-specific child) and to a reason a user can read.
#pragma once

#include <string_view>
#include <system_error>

namespace jcall::signaling::jingle {

enum class Errc {
  bad_request = 1,   // malformed or missing field: <bad-request/>
  unknown_session,   // <item-not-found/><unknown-session/>
  out_of_order,      // <unexpected-request/><out-of-order/>
  tie_break,         // <conflict/><tie-break/>
  unsupported_info,  // <feature-not-implemented/><unsupported-info/>
  wrong_sender,      // action from a JID other than the session's peer: <item-not-found/>
  not_acceptable,    // <not-acceptable/>: nothing we can answer (no common codec)
  timeout,           // our IQ got no answer, or the peer did not answer the call
  peer_error,        // the peer answered our IQ with an error
};

const std::error_category& error_category();
std::error_code make_error_code(Errc e);

// The RFC 6120 stanza error condition and the XEP-0166 child (may be empty) for an error.
std::string_view stanza_condition(Errc e);
std::string_view jingle_error_child(Errc e);

}  // namespace jcall::signaling::jingle

template <>
struct std::is_error_code_enum<jcall::signaling::jingle::Errc> : std::true_type {};
