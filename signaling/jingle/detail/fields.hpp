// Strict attribute and text readers shared by the Jingle element models (XEP-0166 §7 and the
// XEPs that extend it). A missing required field or a value that does not parse completely is
// an Errc::bad_request error naming the element, the attribute and the value; nothing is ever
// silently defaulted to 0.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "signaling/xml/element.hpp"

namespace jcall::signaling::jingle::detail {

// An Errc::bad_request error with this message.
Error bad_request(std::string message);

// "<name/>" for messages.
std::string describe(const xml::Element& e);

// Parses all of text as a decimal number in [min, max] (no sign, no space, no leading '+').
std::optional<std::uint64_t> parse_number(std::string_view text,
                                          std::uint64_t min,
                                          std::uint64_t max);

// A required attribute, present and not empty.
Result<std::string> required(const xml::Element& e, std::string_view attr);
// An optional attribute (absent -> nullopt; present, even empty -> the value).
std::optional<std::string> optional(const xml::Element& e, std::string_view attr);

// A required / optional decimal attribute in [min, max].
Result<std::uint64_t> required_number(const xml::Element& e,
                                      std::string_view attr,
                                      std::uint64_t min,
                                      std::uint64_t max);
Result<std::optional<std::uint64_t>> optional_number(const xml::Element& e,
                                                     std::string_view attr,
                                                     std::uint64_t min,
                                                     std::uint64_t max);

// The character data of e as a decimal number in [min, max] (surrounding whitespace allowed).
Result<std::uint64_t> text_number(const xml::Element& e, std::uint64_t min, std::uint64_t max);

// Narrowing helpers for the results above (the range check already guarantees the fit).
template <class T>
std::optional<T> narrow(const std::optional<std::uint64_t>& v) {
  if (!v) {
    return std::nullopt;
  }
  return static_cast<T>(*v);
}

std::string_view trim(std::string_view s);

}  // namespace jcall::signaling::jingle::detail
