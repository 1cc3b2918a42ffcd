// Errors of the XML layer. Each maps to the RFC 6120 §4.9.3 stream error it causes.
#pragma once

#include <string_view>
#include <system_error>

namespace jcall::signaling::xml {

enum class Errc {
  not_well_formed = 1,  // RFC 6120 §4.9.3.13
  restricted_xml,       // §4.9.3.18: DTD, comment, PI, entity declaration
  policy_violation,     // §4.9.3.15: a configured limit was exceeded
  invalid_namespace,    // §4.9.3.10: root is not {http://etherx.jabber.org/streams}stream
  bad_format,           // §4.9.3.1
};

const std::error_category& error_category();
std::error_code make_error_code(Errc e);
// The RFC 6120 stream error condition element name for an XML error.
std::string_view stream_condition(Errc e);

}  // namespace jcall::signaling::xml

template <>
struct std::is_error_code_enum<jcall::signaling::xml::Errc> : std::true_type {};
