// libFuzzer target: the streaming XML parser (RFC 6120 §11 restricted XML) with any bytes in
// any chunking. The first byte picks the chunk size, so splits are explored too.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "signaling/xml/parser.hpp"
#include "signaling/xml/serializer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace jcall::signaling::xml;
  if (size == 0) {
    return 0;
  }
  const std::size_t chunk = 1 + data[0] % 64;
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  Limits limits;
  limits.max_stanza_bytes = 64 * 1024;
  StreamParser parser(limits);
  // A stream header first, so that stanza-level code is reached.
  (void)parser.feed(
      "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>");
  while (!rest.empty()) {
    const auto part = rest.substr(0, chunk);
    rest.remove_prefix(part.size());
    if (!parser.feed(part)) {
      break;
    }
    while (parser.has_event()) {
      Event e = parser.next();
      if (const auto* el = std::get_if<Element>(&e)) {
        // Whatever we parsed, we can write, and what we write parses to the same tree.
        StreamParser again;
        const std::string text =
            "<stream:stream xmlns='jabber:client' "
            "xmlns:stream='http://etherx.jabber.org/streams'>" +
            to_string(*el, "jabber:client");
        if (!again.feed(text) || again.pending_events() != 2) {
          __builtin_trap();
        }
        again.next();
        if (!(std::get<Element>(again.next()) == *el)) {
          __builtin_trap();
        }
      }
    }
  }
  return 0;
}
