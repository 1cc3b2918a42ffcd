// libFuzzer target: the Jingle element models (XEP-0166 §7 and the XEPs it carries, XEP-0353).
// Any bytes that parse as one element go through Jingle::from_xml or JmiMessage::from_xml (or
// the model of a bare element: description, content, group, source, fingerprint). Whatever
// parses must serialize, and the serialized element, parsed again (as a tree and as text),
// must give an equal value. Seeds: tests/fixtures.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "signaling/jingle/jingle.hpp"
#include "signaling/jingle/jmi.hpp"
#include "signaling/jingle/ns.hpp"
#include "signaling/xml/parser.hpp"
#include "signaling/xml/serializer.hpp"

namespace {

using namespace jcall::signaling;

template <class Model>
void check(const xml::Element& e) {
  auto first = Model::from_xml(e);
  if (!first) {
    return;
  }
  const xml::Element written = first->to_xml();
  auto again = Model::from_xml(written);
  if (!again || !(*again == *first)) {
    __builtin_trap();
  }
  auto reparsed = xml::parse_element(xml::to_string(written, "jabber:client"));
  if (!reparsed) {
    __builtin_trap();
  }
  auto through_text = Model::from_xml(*reparsed);
  if (!through_text || !(*through_text == *first)) {
    __builtin_trap();
  }
}

void check_any(const xml::Element& e) {
  namespace ns = jingle::ns;
  if (e.ns == ns::kJingle) {
    if (e.name == "jingle") {
      check<jingle::Jingle>(e);
    } else if (e.name == "content") {
      check<jingle::Content>(e);
    } else if (e.name == "reason") {
      check<jingle::Reason>(e);
    }
  } else if (e.ns == ns::kJingleMessage) {
    check<jingle::JmiMessage>(e);
  } else if (e.is("description", ns::kRtp)) {
    check<jingle::RtpDescription>(e);
  } else if (e.is("transport", ns::kIceUdp)) {
    check<jingle::IceUdpTransport>(e);
  } else if (e.is("group", ns::kGrouping)) {
    check<jingle::Group>(e);
  } else if (e.is("source", ns::kSsma)) {
    check<jingle::Source>(e);
  } else if (e.is("fingerprint", ns::kDtls)) {
    check<jingle::Fingerprint>(e);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  xml::Limits limits;
  limits.max_stanza_bytes = 64 * 1024;
  auto element = xml::parse_element(text, limits);
  if (!element) {
    return 0;
  }
  // A stanza (iq, message) carries the model element one level down.
  check_any(*element);
  for (const auto& child : element->children) {
    check_any(child);
  }
  return 0;
}
