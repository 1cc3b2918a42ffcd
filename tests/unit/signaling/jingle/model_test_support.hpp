// Shared helpers for the Jingle element model tests: loading fixture stanzas, the canonical
// form that round trips are compared in, and a round trip check per model type.
//
// Canonical form (what "round-trips exactly" means here):
//   - namespaces are resolved (the parser already gives every element its namespace URI, so
//     prefixes and where a namespace was declared do not matter);
//   - attributes are sorted by (namespace, name);
//   - character data is trimmed of surrounding white space, and white-space-only character data
//     is dropped (pretty-printed examples put the XEP-0320 fingerprint on its own line);
//   - optionally, children are stably sorted by (namespace, name). This changes only the order
//     between different element kinds and keeps the order among elements of one kind. The
//     models serialize each kind in one fixed place (documented at the top of each .cpp), and
//     no receiver gives meaning to the order between kinds (XEP-0166 §7, XEP-0167 §4: the
//     payload-type order is preference order and is kept; a <bandwidth/> before or after the
//     payload types, a <group/> before or after the contents mean the same).
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "signaling/jingle/detail/fields.hpp"
#include "signaling/xml/element.hpp"
#include "signaling/xml/parser.hpp"
#include "signaling/xml/serializer.hpp"

namespace jcall::signaling::jingle::test {

inline constexpr std::string_view kStreamOpen =
    "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every stanza of a document that holds what a client stream carries between its header and
// its end (the fixture convention).
inline std::vector<xml::Element> parse_stanzas(std::string_view text) {
  xml::StreamParser parser;
  std::vector<xml::Element> out;
  auto fed = parser.feed(std::string(kStreamOpen) + std::string(text));
  EXPECT_TRUE(fed) << (fed ? "" : fed.error().message);
  while (parser.has_event()) {
    auto e = parser.next();
    if (auto* el = std::get_if<xml::Element>(&e)) {
      out.push_back(std::move(*el));
    }
  }
  return out;
}

inline xml::Element canonical(const xml::Element& e, bool sort_kinds) {
  xml::Element c(e.name, e.ns);
  c.attrs = e.attrs;
  std::sort(c.attrs.begin(), c.attrs.end(), [](const auto& a, const auto& b) {
    return std::tie(a.ns, a.name) < std::tie(b.ns, b.name);
  });
  c.text = std::string(detail::trim(e.text));
  for (const auto& child : e.children) {
    c.children.push_back(canonical(child, sort_kinds));
  }
  if (sort_kinds) {
    std::stable_sort(c.children.begin(), c.children.end(), [](const auto& a, const auto& b) {
      return std::tie(a.ns, a.name) < std::tie(b.ns, b.name);
    });
  }
  return c;
}

// The canonical form as text, for readable failure messages.
inline std::string canonical_text(const xml::Element& e, bool sort_kinds) {
  return xml::to_string(canonical(e, sort_kinds));
}

// from_xml, to_xml, compare with the input in canonical form; the written XML, serialized and
// parsed again, gives the same value. Returns the parsed model.
template <class Model, class Parse>
Model round_trip(const xml::Element& input, Parse parse, bool sort_kinds) {
  auto parsed = parse(input);
  EXPECT_TRUE(parsed) << (parsed ? "" : parsed.error().message) << "\n" << xml::to_string(input);
  if (!parsed) {
    return Model{};
  }
  Model model = std::move(*parsed);
  const xml::Element written = model.to_xml();
  EXPECT_EQ(canonical_text(written, sort_kinds), canonical_text(input, sort_kinds));
  // Through text: the serializer writes the namespaces, the parser resolves them again.
  auto reparsed_element = xml::parse_element(xml::to_string(written, "jabber:client"));
  EXPECT_TRUE(reparsed_element);
  if (reparsed_element) {
    auto again = parse(*reparsed_element);
    EXPECT_TRUE(again) << (again ? "" : again.error().message);
    if (again) {
      EXPECT_TRUE(*again == model) << xml::to_string(written);
    }
  }
  return model;
}

}  // namespace jcall::signaling::jingle::test
