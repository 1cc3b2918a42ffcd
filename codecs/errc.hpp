// Errors of codec negotiation (RFC 3264 §6 offer/answer applied to XEP-0167 descriptions) and
// of the user's codec lists. The session maps them to a Jingle <reason/> (incompatible-parameters).
#pragma once

#include <system_error>

namespace jcall::codecs {

enum class Errc {
  no_common_codec = 1,  // nothing offered that we can use (or nothing answered)
  not_offered,          // the answer names a payload type that our offer did not contain
  unknown_codec,        // a user's codec list names a codec jcall does not know
  invalid_list,         // a user's codec list is malformed (empty item, duplicate)
};

const std::error_category& error_category();
std::error_code make_error_code(Errc e);

}  // namespace jcall::codecs

template <>
struct std::is_error_code_enum<jcall::codecs::Errc> : std::true_type {};
