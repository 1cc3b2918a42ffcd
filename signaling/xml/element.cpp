#include "signaling/xml/element.hpp"

#include <algorithm>
#include <utility>

namespace jcall::signaling::xml {

std::optional<std::string_view> Element::attr(std::string_view n) const {
  for (const auto& a : attrs) {
    if (a.ns.empty() && a.name == n) {
      return a.value;
    }
  }
  return std::nullopt;
}

std::string_view Element::attr_or(std::string_view n, std::string_view fallback) const {
  auto v = attr(n);
  return v ? *v : fallback;
}

const Attribute* Element::find_attr(std::string_view n, std::string_view namespace_uri) const {
  for (const auto& a : attrs) {
    if (a.name == n && a.ns == namespace_uri) {
      return &a;
    }
  }
  return nullptr;
}

Element& Element::set_attr(std::string_view n, std::string_view value) {
  return set_attr_ns(n, {}, value);
}

Element& Element::set_attr_ns(std::string_view n,
                              std::string_view namespace_uri,
                              std::string_view value) {
  for (auto& a : attrs) {
    if (a.name == n && a.ns == namespace_uri) {
      a.value = value;
      return *this;
    }
  }
  attrs.push_back(Attribute{std::string(n), std::string(value), std::string(namespace_uri)});
  return *this;
}

void Element::remove_attr(std::string_view n) {
  std::erase_if(attrs, [&](const Attribute& a) { return a.ns.empty() && a.name == n; });
}

const Element* Element::child(std::string_view n, std::string_view namespace_uri) const {
  const std::string_view want = namespace_uri.empty() ? std::string_view(ns) : namespace_uri;
  for (const auto& c : children) {
    if (c.name == n && c.ns == want) {
      return &c;
    }
  }
  return nullptr;
}

Element* Element::child(std::string_view n, std::string_view namespace_uri) {
  return const_cast<Element*>(std::as_const(*this).child(n, namespace_uri));
}

std::vector<const Element*> Element::children_named(std::string_view n,
                                                    std::string_view namespace_uri) const {
  const std::string_view want = namespace_uri.empty() ? std::string_view(ns) : namespace_uri;
  std::vector<const Element*> out;
  for (const auto& c : children) {
    if (c.name == n && c.ns == want) {
      out.push_back(&c);
    }
  }
  return out;
}

std::optional<std::string_view> Element::child_text(std::string_view n,
                                                    std::string_view namespace_uri) const {
  const Element* c = child(n, namespace_uri);
  if (c == nullptr) {
    return std::nullopt;
  }
  return std::string_view(c->text);
}

Element& Element::add(Element child_element) {
  children.push_back(std::move(child_element));
  return children.back();
}

Element& Element::add(std::string n, std::string namespace_uri) {
  return add(Element(std::move(n), namespace_uri.empty() ? ns : std::move(namespace_uri)));
}

Element& Element::add_text_child(std::string n, std::string namespace_uri, std::string t) {
  add(std::move(n), std::move(namespace_uri)).text = std::move(t);
  return *this;
}

}  // namespace jcall::signaling::xml
