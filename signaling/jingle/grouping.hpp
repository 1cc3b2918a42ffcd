// XEP-0338 §3: <group xmlns="urn:xmpp:jingle:apps:grouping:0" semantics="BUNDLE">
//                <content name=".."/>...</group> as a child of <jingle/>.
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"
#include "signaling/xml/element.hpp"

namespace jcall::signaling::jingle {

struct Group {
  std::string semantics;  // "BUNDLE" (also "LS")
  std::vector<std::string> contents;

  static Result<Group> from_xml(const xml::Element& e);
  xml::Element to_xml() const;
  bool operator==(const Group&) const = default;
};

}  // namespace jcall::signaling::jingle
