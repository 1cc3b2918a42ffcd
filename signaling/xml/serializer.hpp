// Writes elements as XML 1.0 text. Namespaces are written minimally: an element declares a
// default namespace only where it differs from its parent's; namespaced attributes get a
// generated prefix ("xml:" for the XML namespace). Characters that XML 1.0 cannot carry are
// replaced by U+FFFD, so nothing we write can break the stream.
#pragma once

#include <string>
#include <string_view>

#include "signaling/xml/element.hpp"

namespace jcall::signaling::xml {

// Appends e to out; parent_ns is the default namespace in scope where e is written
// (e.g. "jabber:client" for a stanza in a client stream).
void write(std::string& out, const Element& e, std::string_view parent_ns = {});
std::string to_string(const Element& e, std::string_view parent_ns = {});

void escape_text(std::string& out, std::string_view s);
void escape_attr(std::string& out, std::string_view s);

}  // namespace jcall::signaling::xml
