// The element tree that every XMPP and Jingle model is read from and written to.
// Namespaces are resolved (Expat namespace processing): an element or attribute carries its
// namespace URI, never a prefix. Character data of an element is kept as one string; XMPP has
// no mixed content outside XHTML-IM, and whitespace between child elements is not kept.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jcall::signaling::xml {

inline constexpr std::string_view kXmlNs = "http://www.w3.org/XML/1998/namespace";

struct Attribute {
  std::string name;
  std::string value;
  std::string ns;  // empty for unqualified attributes (nearly all of them)

  bool operator==(const Attribute&) const = default;
};

struct Element {
  std::string name;
  std::string ns;
  std::vector<Attribute> attrs;
  std::vector<Element> children;
  std::string text;

  Element() = default;
  Element(std::string name_, std::string ns_) : name(std::move(name_)), ns(std::move(ns_)) {}

  bool is(std::string_view n, std::string_view namespace_uri) const {
    return name == n && ns == namespace_uri;
  }

  // Attributes without a namespace.
  std::optional<std::string_view> attr(std::string_view n) const;
  std::string_view attr_or(std::string_view n, std::string_view fallback) const;
  const Attribute* find_attr(std::string_view n, std::string_view namespace_uri) const;
  Element& set_attr(std::string_view n, std::string_view value);
  Element& set_attr_ns(std::string_view n, std::string_view namespace_uri, std::string_view value);
  void remove_attr(std::string_view n);

  // The first child with this name and namespace; an empty namespace matches the parent's.
  const Element* child(std::string_view n, std::string_view namespace_uri) const;
  Element* child(std::string_view n, std::string_view namespace_uri);
  std::vector<const Element*> children_named(std::string_view n,
                                             std::string_view namespace_uri) const;
  // Text of the first such child, if it exists.
  std::optional<std::string_view> child_text(std::string_view n,
                                             std::string_view namespace_uri) const;

  Element& add(Element child_element);
  Element& add(std::string n, std::string namespace_uri);
  // Adds <n xmlns=namespace_uri>text</n> and returns *this, for chaining.
  Element& add_text_child(std::string n, std::string namespace_uri, std::string text);
  Element& set_text(std::string t) {
    text = std::move(t);
    return *this;
  }

  bool operator==(const Element&) const = default;
};

}  // namespace jcall::signaling::xml
