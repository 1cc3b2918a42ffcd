#include "signaling/jingle/detail/fields.hpp"

#include <charconv>

#include "signaling/jingle/errc.hpp"

namespace jcall::signaling::jingle::detail {

Error bad_request(std::string message) {
  return make_error(Errc::bad_request, std::move(message));
}

std::string describe(const xml::Element& e) {
  return "<" + e.name + "/>";
}

std::optional<std::uint64_t> parse_number(std::string_view text,
                                          std::uint64_t min,
                                          std::uint64_t max) {
  if (text.empty() || text.front() < '0' || text.front() > '9') {
    return std::nullopt;
  }
  std::uint64_t v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v, 10);
  if (ec != std::errc() || ptr != end || v < min || v > max) {
    return std::nullopt;
  }
  return v;
}

namespace {

Error bad_number(const xml::Element& e,
                 std::string_view attr,
                 std::string_view value,
                 std::uint64_t min,
                 std::uint64_t max) {
  return bad_request(describe(e) + " attribute '" + std::string(attr) + "': \"" +
                     std::string(value) + "\" is not a number in " + std::to_string(min) + ".." +
                     std::to_string(max));
}

}  // namespace

Result<std::string> required(const xml::Element& e, std::string_view attr) {
  auto v = e.attr(attr);
  if (!v) {
    return bad_request(describe(e) + " lacks the required attribute '" + std::string(attr) + "'");
  }
  if (v->empty()) {
    return bad_request(describe(e) + " attribute '" + std::string(attr) + "' is empty");
  }
  return std::string(*v);
}

std::optional<std::string> optional(const xml::Element& e, std::string_view attr) {
  auto v = e.attr(attr);
  if (!v) {
    return std::nullopt;
  }
  return std::string(*v);
}

Result<std::uint64_t> required_number(const xml::Element& e,
                                      std::string_view attr,
                                      std::uint64_t min,
                                      std::uint64_t max) {
  auto v = e.attr(attr);
  if (!v) {
    return bad_request(describe(e) + " lacks the required attribute '" + std::string(attr) + "'");
  }
  auto n = parse_number(*v, min, max);
  if (!n) {
    return bad_number(e, attr, *v, min, max);
  }
  return *n;
}

Result<std::optional<std::uint64_t>> optional_number(const xml::Element& e,
                                                     std::string_view attr,
                                                     std::uint64_t min,
                                                     std::uint64_t max) {
  auto v = e.attr(attr);
  if (!v) {
    return std::optional<std::uint64_t>();
  }
  auto n = parse_number(*v, min, max);
  if (!n) {
    return bad_number(e, attr, *v, min, max);
  }
  return std::optional<std::uint64_t>(*n);
}

std::string_view trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n";
  const auto first = s.find_first_not_of(kSpace);
  if (first == std::string_view::npos) {
    return {};
  }
  const auto last = s.find_last_not_of(kSpace);
  return s.substr(first, last - first + 1);
}

Result<std::uint64_t> text_number(const xml::Element& e, std::uint64_t min, std::uint64_t max) {
  auto n = parse_number(trim(e.text), min, max);
  if (!n) {
    return bad_request(describe(e) + " text \"" + e.text + "\" is not a number in " +
                       std::to_string(min) + ".." + std::to_string(max));
  }
  return *n;
}

}  // namespace jcall::signaling::jingle::detail
