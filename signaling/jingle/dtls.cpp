// XEP-0320 §3: the DTLS fingerprint and setup role (RFC 4145 §4, RFC 4572 §5).
#include "signaling/jingle/dtls.hpp"

#include "signaling/jingle/detail/fields.hpp"
#include "signaling/jingle/ns.hpp"

namespace jcall::signaling::jingle {

std::string_view to_string(Setup s) {
  switch (s) {
    case Setup::kActpass:
      return "actpass";
    case Setup::kActive:
      return "active";
    case Setup::kPassive:
      return "passive";
    case Setup::kHoldconn:
      return "holdconn";
  }
  return "actpass";
}

std::optional<Setup> setup_from_string(std::string_view s) {
  if (s == "actpass") {
    return Setup::kActpass;
  }
  if (s == "active") {
    return Setup::kActive;
  }
  if (s == "passive") {
    return Setup::kPassive;
  }
  if (s == "holdconn") {
    return Setup::kHoldconn;
  }
  return std::nullopt;
}

namespace {

// RFC 4572 §5: fingerprint = 2UHEX *(":" 2UHEX). Lower case is accepted too (seen in the wild).
bool is_fingerprint(std::string_view v) {
  auto hex = [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
  };
  if (v.size() < 2 || (v.size() + 1) % 3 != 0) {
    return false;
  }
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i % 3 == 2 ? v[i] != ':' : !hex(v[i])) {
      return false;
    }
  }
  return true;
}

}  // namespace

Result<Fingerprint> Fingerprint::from_xml(const xml::Element& e) {
  if (!e.is("fingerprint", ns::kDtls)) {
    return detail::bad_request("expected <fingerprint xmlns='" + std::string(ns::kDtls) +
                               "'/>, got " + detail::describe(e));
  }
  Fingerprint f;
  auto hash = detail::required(e, "hash");
  if (!hash) {
    return hash.error();
  }
  f.hash = std::move(*hash);
  if (auto setup = e.attr("setup")) {
    f.setup = setup_from_string(*setup);
    if (!f.setup) {
      return detail::bad_request("<fingerprint/> attribute 'setup': \"" + std::string(*setup) +
                                 "\" is not actpass, active, passive or holdconn");
    }
  }
  f.value = std::string(detail::trim(e.text));
  if (!is_fingerprint(f.value)) {
    return detail::bad_request("<fingerprint/> value \"" + e.text +
                               "\" is not colon-separated hex bytes");
  }
  return f;
}

xml::Element Fingerprint::to_xml() const {
  xml::Element e("fingerprint", std::string(ns::kDtls));
  e.set_attr("hash", hash);
  if (setup) {
    e.set_attr("setup", to_string(*setup));
  }
  e.text = value;
  return e;
}

}  // namespace jcall::signaling::jingle
