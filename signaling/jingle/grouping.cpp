// XEP-0338 §3: the <group/> of contents (BUNDLE, LS), RFC 5888 in Jingle.
#include "signaling/jingle/grouping.hpp"

#include "signaling/jingle/detail/fields.hpp"
#include "signaling/jingle/ns.hpp"

namespace jcall::signaling::jingle {

Result<Group> Group::from_xml(const xml::Element& e) {
  if (!e.is("group", ns::kGrouping)) {
    return detail::bad_request("expected <group xmlns='" + std::string(ns::kGrouping) +
                               "'/>, got " + detail::describe(e));
  }
  Group g;
  auto semantics = detail::required(e, "semantics");
  if (!semantics) {
    return semantics.error();
  }
  g.semantics = std::move(*semantics);
  for (const auto& child : e.children) {
    if (child.is("content", ns::kGrouping)) {
      auto name = detail::required(child, "name");
      if (!name) {
        return name.error();
      }
      g.contents.push_back(std::move(*name));
    }
  }
  return g;
}

xml::Element Group::to_xml() const {
  xml::Element e("group", std::string(ns::kGrouping));
  e.set_attr("semantics", semantics);
  for (const auto& name : contents) {
    e.add("content", std::string(ns::kGrouping)).set_attr("name", name);
  }
  return e;
}

}  // namespace jcall::signaling::jingle
