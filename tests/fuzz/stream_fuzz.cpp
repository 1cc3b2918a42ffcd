// libFuzzer target: the client stream core (RFC 6120 negotiation, SASL, XEP-0198) fed
// arbitrary server bytes at any point of a login, with time moving on. It must never crash,
// never grow without bound, and stay consistent (never online after a close).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "signaling/xmpp/stream.hpp"

namespace {

using namespace jcall::signaling::xmpp;

constexpr std::string_view kPrefixes[] = {
    "",
    "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
    "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>",
    "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
    "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'><stream:features><starttls "
    "xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features><proceed "
    "xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>",
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) {
    return 0;
  }
  StreamConfig config;
  config.jid = *Jid::parse("juliet@example.net/balcony");
  config.password = "secret";
  config.sasl_nonce = [] { return std::string("fyko+d2lbbFgONRv9qkxdawL"); };
  ClientStream stream(config);
  TimePoint now{};
  stream.start(now);
  const auto prefix = kPrefixes[data[0] % 3];
  const std::size_t chunk = 1 + data[1] % 128;
  std::string_view rest(reinterpret_cast<const char*>(data + 2), size - 2);

  bool closed = false;
  auto drain = [&] {
    std::size_t outputs = 0;
    while (stream.has_output()) {
      StreamOutput o = stream.next_output();
      if (std::holds_alternative<out::Closed>(o)) {
        closed = true;
      }
      if (std::holds_alternative<out::StartTls>(o)) {
        stream.tls_established(TlsInfo{"TLSv1.3", {}}, now);
      }
      if (++outputs > 100000) {
        __builtin_trap();  // unbounded output for bounded input
      }
    }
    if (closed && stream.online()) {
      __builtin_trap();
    }
  };
  stream.feed(prefix, now);
  drain();
  int tick = 0;
  while (!rest.empty()) {
    const auto part = rest.substr(0, chunk);
    rest.remove_prefix(part.size());
    stream.feed(part, now);
    if (++tick % 4 == 0) {
      now += std::chrono::seconds(7);
      stream.on_timer(now);
    }
    if (tick % 5 == 0) {
      jcall::signaling::xml::Element m("message", "jabber:client");
      m.add_text_child("body", "", "hi");
      stream.send(std::move(m), now);
    }
    drain();
  }
  stream.connection_lost("fuzz end", now);
  drain();
  return 0;
}
