// XEP-0166 §7: the <jingle/> element (§7.1), <content/> (§7.3) and <reason/> (§7.4).
//
// Serialization order of <jingle/> children: <content/>s, <reason/>, <group/>s (XEP-0338), the
// XEP-0167 session-info payload, other session-info payloads, then other unknown children.
// Inside <content/>: the description, the transport, then other children. Inside <reason/>: the
// condition, <text/>, then the application-specific children.
#include "signaling/jingle/jingle.hpp"

#include <array>
#include <utility>

#include "signaling/jingle/detail/fields.hpp"
#include "signaling/jingle/errc.hpp"
#include "signaling/jingle/ns.hpp"

namespace jcall::signaling::jingle {
namespace {

using detail::bad_request;

constexpr std::array<std::pair<Action, std::string_view>, 15> kActions{{
    {Action::kContentAccept, "content-accept"},
    {Action::kContentAdd, "content-add"},
    {Action::kContentModify, "content-modify"},
    {Action::kContentReject, "content-reject"},
    {Action::kContentRemove, "content-remove"},
    {Action::kDescriptionInfo, "description-info"},
    {Action::kSecurityInfo, "security-info"},
    {Action::kSessionAccept, "session-accept"},
    {Action::kSessionInfo, "session-info"},
    {Action::kSessionInitiate, "session-initiate"},
    {Action::kSessionTerminate, "session-terminate"},
    {Action::kTransportAccept, "transport-accept"},
    {Action::kTransportInfo, "transport-info"},
    {Action::kTransportReject, "transport-reject"},
    {Action::kTransportReplace, "transport-replace"},
}};

constexpr std::array<std::pair<Condition, std::string_view>, 17> kConditions{{
    {Condition::kAlternativeSession, "alternative-session"},
    {Condition::kBusy, "busy"},
    {Condition::kCancel, "cancel"},
    {Condition::kConnectivityError, "connectivity-error"},
    {Condition::kDecline, "decline"},
    {Condition::kExpired, "expired"},
    {Condition::kFailedApplication, "failed-application"},
    {Condition::kFailedTransport, "failed-transport"},
    {Condition::kGeneralError, "general-error"},
    {Condition::kGone, "gone"},
    {Condition::kIncompatibleParameters, "incompatible-parameters"},
    {Condition::kMediaError, "media-error"},
    {Condition::kSecurityError, "security-error"},
    {Condition::kSuccess, "success"},
    {Condition::kTimeout, "timeout"},
    {Condition::kUnsupportedApplications, "unsupported-applications"},
    {Condition::kUnsupportedTransports, "unsupported-transports"},
}};

template <class E, std::size_t N>
std::string_view name_of(const std::array<std::pair<E, std::string_view>, N>& table, E v) {
  for (const auto& [e, s] : table) {
    if (e == v) {
      return s;
    }
  }
  return {};
}

template <class E, std::size_t N>
std::optional<E> value_of(const std::array<std::pair<E, std::string_view>, N>& table,
                          std::string_view s) {
  for (const auto& [e, n] : table) {
    if (n == s) {
      return e;
    }
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(Action a) {
  return name_of(kActions, a);
}
std::optional<Action> action_from_string(std::string_view s) {
  return value_of(kActions, s);
}

std::string_view to_string(Creator c) {
  return c == Creator::kInitiator ? "initiator" : "responder";
}
std::optional<Creator> creator_from_string(std::string_view s) {
  if (s == "initiator") {
    return Creator::kInitiator;
  }
  if (s == "responder") {
    return Creator::kResponder;
  }
  return std::nullopt;
}

std::string_view to_string(Senders s) {
  switch (s) {
    case Senders::kBoth:
      return "both";
    case Senders::kInitiator:
      return "initiator";
    case Senders::kResponder:
      return "responder";
    case Senders::kNone:
      return "none";
  }
  return "both";
}
std::optional<Senders> senders_from_string(std::string_view s) {
  if (s == "both") {
    return Senders::kBoth;
  }
  if (s == "initiator") {
    return Senders::kInitiator;
  }
  if (s == "responder") {
    return Senders::kResponder;
  }
  if (s == "none") {
    return Senders::kNone;
  }
  return std::nullopt;
}

std::string_view to_string(Condition c) {
  return name_of(kConditions, c);
}
std::optional<Condition> condition_from_string(std::string_view s) {
  return value_of(kConditions, s);
}

// --- §7.4 <reason/> ---------------------------------------------------------------------------

Result<Reason> Reason::from_xml(const xml::Element& e) {
  if (!e.is("reason", ns::kJingle)) {
    return bad_request("expected a Jingle <reason/>, got " + detail::describe(e));
  }
  Reason r;
  bool have_condition = false;
  for (const auto& child : e.children) {
    if (child.ns != ns::kJingle) {
      r.extra.push_back(child);
      continue;
    }
    if (child.name == "text") {
      if (r.text) {
        return bad_request("<reason/> has more than one <text/>");
      }
      r.text = child.text;
      continue;
    }
    auto condition = condition_from_string(child.name);
    if (!condition) {
      return bad_request("<reason/> condition <" + child.name + "/> is not defined by XEP-0166");
    }
    if (have_condition) {
      return bad_request("<reason/> has more than one condition");
    }
    have_condition = true;
    r.condition = *condition;
    if (*condition == Condition::kAlternativeSession) {
      if (auto sid = child.child_text("sid", ns::kJingle)) {
        if (sid->empty()) {
          return bad_request("<alternative-session/> has an empty <sid/>");
        }
        r.alternative_sid = std::string(*sid);
      }
    }
  }
  if (!have_condition) {
    return bad_request("<reason/> lacks a condition");
  }
  return r;
}

xml::Element Reason::to_xml() const {
  xml::Element e("reason", std::string(ns::kJingle));
  xml::Element& c = e.add(std::string(to_string(condition)), std::string(ns::kJingle));
  if (condition == Condition::kAlternativeSession && !alternative_sid.empty()) {
    c.add_text_child("sid", std::string(ns::kJingle), alternative_sid);
  }
  if (text) {
    e.add_text_child("text", std::string(ns::kJingle), *text);
  }
  for (const auto& x : extra) {
    e.add(x);
  }
  return e;
}

// --- §7.3 <content/> --------------------------------------------------------------------------

Result<Content> Content::from_xml(const xml::Element& e) {
  if (!e.is("content", ns::kJingle)) {
    return bad_request("expected a Jingle <content/>, got " + detail::describe(e));
  }
  Content c;
  auto creator = detail::required(e, "creator");
  if (!creator) {
    return creator.error();
  }
  auto cr = creator_from_string(*creator);
  if (!cr) {
    return bad_request("<content/> attribute 'creator': \"" + *creator +
                       "\" is not initiator or responder");
  }
  c.creator = *cr;
  auto name = detail::required(e, "name");
  if (!name) {
    return name.error();
  }
  c.name = std::move(*name);
  if (auto disposition = e.attr("disposition")) {
    if (disposition->empty()) {
      return bad_request("<content/> attribute 'disposition' is empty");
    }
    c.disposition = std::string(*disposition);
  }
  if (auto senders = e.attr("senders")) {
    c.senders = senders_from_string(*senders);
    if (!c.senders) {
      return bad_request("<content/> attribute 'senders': \"" + std::string(*senders) +
                         "\" is not both, initiator, responder or none");
    }
  }
  for (const auto& child : e.children) {
    if (child.ns == ns::kJingle) {
      c.extra.push_back(child);  // XEP-0166 itself defines no child of <content/>
    } else if (child.name == "description") {
      if (c.description || c.other_description) {
        return bad_request("<content name='" + c.name + "'/> has more than one <description/>");
      }
      if (child.ns == ns::kRtp) {
        auto d = RtpDescription::from_xml(child);
        if (!d) {
          return d.error();
        }
        c.description = std::move(*d);
      } else {
        c.other_description = child;
      }
    } else if (child.name == "transport") {
      if (c.transport || c.other_transport) {
        return bad_request("<content name='" + c.name + "'/> has more than one <transport/>");
      }
      if (child.ns == ns::kIceUdp) {
        auto t = IceUdpTransport::from_xml(child);
        if (!t) {
          return t.error();
        }
        c.transport = std::move(*t);
      } else {
        c.other_transport = child;
      }
    } else {
      c.extra.push_back(child);
    }
  }
  return c;
}

xml::Element Content::to_xml() const {
  xml::Element e("content", std::string(ns::kJingle));
  e.set_attr("creator", to_string(creator));
  if (disposition) {
    e.set_attr("disposition", *disposition);
  }
  e.set_attr("name", name);
  if (senders) {
    e.set_attr("senders", to_string(*senders));
  }
  if (description) {
    e.add(description->to_xml());
  }
  if (other_description) {
    e.add(*other_description);
  }
  if (transport) {
    e.add(transport->to_xml());
  }
  if (other_transport) {
    e.add(*other_transport);
  }
  for (const auto& x : extra) {
    e.add(x);
  }
  return e;
}

// --- §7.1 <jingle/> ---------------------------------------------------------------------------

const Content* Jingle::find_content(std::string_view name) const {
  for (const auto& c : contents) {
    if (c.name == name) {
      return &c;
    }
  }
  return nullptr;
}

Result<Jingle> Jingle::from_xml(const xml::Element& e) {
  if (!e.is("jingle", ns::kJingle)) {
    return bad_request("expected <jingle xmlns='" + std::string(ns::kJingle) + "'/>, got " +
                       detail::describe(e));
  }
  Jingle j;
  auto action = detail::required(e, "action");
  if (!action) {
    return action.error();
  }
  auto a = action_from_string(*action);
  if (!a) {
    return bad_request("<jingle/> attribute 'action': \"" + *action +
                       "\" is not an action of XEP-0166");
  }
  j.action = *a;
  auto sid = detail::required(e, "sid");
  if (!sid) {
    return sid.error();
  }
  j.sid = std::move(*sid);
  for (const char* attr : {"initiator", "responder"}) {
    if (auto v = e.attr(attr)) {
      if (v->empty()) {
        return bad_request("<jingle/> attribute '" + std::string(attr) + "' is empty");
      }
      (std::string_view(attr) == "initiator" ? j.initiator : j.responder) = std::string(*v);
    }
  }
  for (const auto& child : e.children) {
    if (child.is("content", ns::kJingle)) {
      auto c = Content::from_xml(child);
      if (!c) {
        return c.error();
      }
      // §7.3: a content is named uniquely per creator.
      for (const auto& other : j.contents) {
        if (other.name == c->name && other.creator == c->creator) {
          return bad_request("<jingle/> has two contents named '" + c->name + "' by the " +
                             std::string(to_string(c->creator)));
        }
      }
      j.contents.push_back(std::move(*c));
    } else if (child.is("reason", ns::kJingle)) {
      if (j.reason) {
        return bad_request("<jingle/> has more than one <reason/>");
      }
      auto r = Reason::from_xml(child);
      if (!r) {
        return r.error();
      }
      j.reason = std::move(*r);
    } else if (child.is("group", ns::kGrouping)) {
      auto g = Group::from_xml(child);
      if (!g) {
        return g.error();
      }
      j.groups.push_back(std::move(*g));
    } else if (child.ns == ns::kRtpInfo) {
      // The first XEP-0167 payload is the one acted upon; a second one, or one this model does
      // not know, is kept in other_info (the session answers unsupported-info to the latter).
      auto info = RtpInfo::from_xml(child);
      if (info && !j.rtp_info) {
        j.rtp_info = std::move(*info);
      } else if (info || info.error().code == Errc::unsupported_info) {
        j.other_info.push_back(child);
      } else {
        return info.error();
      }
    } else if (j.action == Action::kSessionInfo) {
      j.other_info.push_back(child);
    } else {
      j.extra.push_back(child);
    }
  }
  return j;
}

xml::Element Jingle::to_xml() const {
  xml::Element e("jingle", std::string(ns::kJingle));
  e.set_attr("action", to_string(action));
  if (initiator) {
    e.set_attr("initiator", *initiator);
  }
  if (responder) {
    e.set_attr("responder", *responder);
  }
  e.set_attr("sid", sid);
  for (const auto& c : contents) {
    e.add(c.to_xml());
  }
  if (reason) {
    e.add(reason->to_xml());
  }
  for (const auto& g : groups) {
    e.add(g.to_xml());
  }
  if (rtp_info) {
    e.add(rtp_info->to_xml());
  }
  for (const auto& x : other_info) {
    e.add(x);
  }
  for (const auto& x : extra) {
    e.add(x);
  }
  return e;
}

}  // namespace jcall::signaling::jingle
