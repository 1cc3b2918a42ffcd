// XEP-0353 (0.7) §3–§4: Jingle Message Initiation payloads (urn:xmpp:jingle-message:0).
//
// Serialization order of children: the RTP <description/>s, the other descriptions, <reason/>,
// <tie-break/>, <migrated/>. The model keeps only the 'media' of an RTP description, which is
// all that §3.1 puts there.
#include "signaling/jingle/jmi.hpp"

#include "signaling/jingle/detail/fields.hpp"
#include "signaling/jingle/ns.hpp"

namespace jcall::signaling::jingle {

std::string_view to_string(JmiMessage::Kind k) {
  using K = JmiMessage::Kind;
  switch (k) {
    case K::kPropose:
      return "propose";
    case K::kRinging:
      return "ringing";
    case K::kProceed:
      return "proceed";
    case K::kReject:
      return "reject";
    case K::kRetract:
      return "retract";
    case K::kFinish:
      return "finish";
  }
  return "propose";
}

std::optional<JmiMessage::Kind> JmiMessage::kind_from_name(std::string_view element_name) {
  for (auto k : {Kind::kPropose, Kind::kRinging, Kind::kProceed, Kind::kReject, Kind::kRetract,
                 Kind::kFinish}) {
    if (to_string(k) == element_name) {
      return k;
    }
  }
  return std::nullopt;
}

const xml::Element* JmiMessage::find_in(const xml::Element& message) {
  for (const auto& child : message.children) {
    if (child.ns == ns::kJingleMessage && kind_from_name(child.name)) {
      return &child;
    }
  }
  return nullptr;
}

Result<JmiMessage> JmiMessage::from_xml(const xml::Element& e) {
  auto kind = e.ns == ns::kJingleMessage ? kind_from_name(e.name) : std::nullopt;
  if (!kind) {
    return detail::bad_request("<" + e.name + " xmlns='" + e.ns +
                               "'/> is not a Jingle Message Initiation payload");
  }
  JmiMessage m;
  m.kind = *kind;
  auto id = detail::required(e, "id");
  if (!id) {
    return id.error();
  }
  m.id = std::move(*id);
  for (const auto& child : e.children) {
    if (child.is("description", ns::kRtp)) {
      auto media = detail::required(child, "media");
      if (!media) {
        return media.error();
      }
      m.media.push_back(std::move(*media));
    } else if (child.name == "description" && child.ns != ns::kJingleMessage) {
      m.other_descriptions.push_back(child);
    } else if (child.is("reason", ns::kJingle)) {
      if (m.reason) {
        return detail::bad_request("<" + e.name + "/> has more than one <reason/>");
      }
      auto r = Reason::from_xml(child);
      if (!r) {
        return r.error();
      }
      m.reason = std::move(*r);
    } else if (child.is("tie-break", ns::kJingleMessage)) {
      m.tie_break = true;
    } else if (child.is("migrated", ns::kJingleMessage)) {
      auto to = detail::required(child, "to");
      if (!to) {
        return to.error();
      }
      m.migrated_to = std::move(*to);
    }
  }
  if (m.kind == Kind::kPropose && m.media.empty() && m.other_descriptions.empty()) {
    return detail::bad_request("<propose/> has no <description/>");
  }
  return m;
}

xml::Element JmiMessage::to_xml() const {
  xml::Element e(std::string(to_string(kind)), std::string(ns::kJingleMessage));
  e.set_attr("id", id);
  for (const auto& media_name : media) {
    e.add("description", std::string(ns::kRtp)).set_attr("media", media_name);
  }
  for (const auto& d : other_descriptions) {
    e.add(d);
  }
  if (reason) {
    e.add(reason->to_xml());
  }
  if (tie_break) {
    e.add("tie-break", std::string(ns::kJingleMessage));
  }
  if (!migrated_to.empty()) {
    e.add("migrated", std::string(ns::kJingleMessage)).set_attr("to", migrated_to);
  }
  return e;
}

}  // namespace jcall::signaling::jingle
