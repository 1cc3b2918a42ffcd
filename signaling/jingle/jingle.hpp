// XEP-0166 §7: the <jingle/> element, its contents and the session-terminate reason.
// Applications other than RTP and transports other than ICE-UDP are kept as raw elements so
// that the session can answer them (unsupported-applications / unsupported-transports).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "signaling/jingle/grouping.hpp"
#include "signaling/jingle/ice_udp.hpp"
#include "signaling/jingle/rtp.hpp"
#include "signaling/xml/element.hpp"

namespace jcall::signaling::jingle {

enum class Action {
  kContentAccept,
  kContentAdd,
  kContentModify,
  kContentReject,
  kContentRemove,
  kDescriptionInfo,
  kSecurityInfo,
  kSessionAccept,
  kSessionInfo,
  kSessionInitiate,
  kSessionTerminate,
  kTransportAccept,
  kTransportInfo,
  kTransportReject,
  kTransportReplace,
};
std::string_view to_string(Action a);
std::optional<Action> action_from_string(std::string_view s);

enum class Creator { kInitiator, kResponder };
std::string_view to_string(Creator c);
std::optional<Creator> creator_from_string(std::string_view s);

enum class Senders { kBoth, kInitiator, kResponder, kNone };
std::string_view to_string(Senders s);
std::optional<Senders> senders_from_string(std::string_view s);

// XEP-0166 §7.4 reason conditions.
enum class Condition {
  kAlternativeSession,
  kBusy,
  kCancel,
  kConnectivityError,
  kDecline,
  kExpired,
  kFailedApplication,
  kFailedTransport,
  kGeneralError,
  kGone,
  kIncompatibleParameters,
  kMediaError,
  kSecurityError,
  kSuccess,
  kTimeout,
  kUnsupportedApplications,
  kUnsupportedTransports,
};
std::string_view to_string(Condition c);
std::optional<Condition> condition_from_string(std::string_view s);

struct Reason {
  Condition condition = Condition::kSuccess;
  std::string alternative_sid;      // <alternative-session><sid>..</sid></alternative-session>
  std::optional<std::string> text;  // <text>..</text>
  std::vector<xml::Element> extra;  // application-specific children (e.g. rtp errors)

  static Result<Reason> from_xml(const xml::Element& e);
  xml::Element to_xml() const;
  bool operator==(const Reason&) const = default;
};

struct Content {
  Creator creator = Creator::kInitiator;
  std::string name;
  std::optional<std::string> disposition;
  std::optional<Senders> senders;  // absent means both
  std::optional<RtpDescription> description;
  std::optional<xml::Element> other_description;  // an application we do not know
  std::optional<IceUdpTransport> transport;
  std::optional<xml::Element> other_transport;  // a transport we do not know
  // Other children (the XEP-0166 §9 <security/> precondition, ...), kept for round trips.
  std::vector<xml::Element> extra;

  Senders senders_or_both() const { return senders.value_or(Senders::kBoth); }

  static Result<Content> from_xml(const xml::Element& e);
  xml::Element to_xml() const;
  bool operator==(const Content&) const = default;
};

struct Jingle {
  Action action = Action::kSessionInitiate;
  std::string sid;
  std::optional<std::string> initiator;  // StanzaJS omits it: the IQ 'from' is the initiator
  std::optional<std::string> responder;
  std::vector<Content> contents;
  std::optional<Reason> reason;
  std::vector<Group> groups;             // XEP-0338
  std::optional<RtpInfo> rtp_info;       // session-info payload of XEP-0167
  std::vector<xml::Element> other_info;  // session-info payloads we do not know
  std::vector<xml::Element> extra;       // other children, kept for round trips

  const Content* find_content(std::string_view name) const;

  static Result<Jingle> from_xml(const xml::Element& e);
  xml::Element to_xml() const;
  bool operator==(const Jingle&) const = default;
};

}  // namespace jcall::signaling::jingle
